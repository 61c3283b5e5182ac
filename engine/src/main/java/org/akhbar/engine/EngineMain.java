package org.akhbar.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.EmbeddedNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Starts real Elasticsearch nodes of one cluster and keeps them running until the process is told to stop.
 *
 * Arguments follow the cluster runner's: {@code -basePath DIR -numOfNode N -baseHttpPort P -clusterName NAME},
 * plus {@code -node I}: run only node I of the N (a cluster whose nodes are separate processes, so that one can
 * fail alone); without it all N run in this JVM.
 * Node i (from 1) listens for HTTP on P + i - 1 and for transport on P + 100 + i - 1, all on loopback.
 */
public final class EngineMain {

    public static void main(String[] args) throws Exception {
        Path basePath = Path.of("es_home");
        int numOfNode = 1;
        int baseHttpPort = 9200;
        String clusterName = "akhbar-local";
        int onlyNode = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "-basePath" -> basePath = Path.of(args[i + 1]);
                case "-numOfNode" -> numOfNode = Integer.parseInt(args[i + 1]);
                case "-baseHttpPort" -> baseHttpPort = Integer.parseInt(args[i + 1]);
                case "-clusterName" -> clusterName = args[i + 1];
                case "-node" -> onlyNode = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // Elasticsearch's own logging must be wired before any of its classes asks for a logger.
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(Settings.EMPTY);
        int transportBase = baseHttpPort + 100;
        String seeds = IntStream.range(0, numOfNode)
            .mapToObj(i -> "127.0.0.1:" + (transportBase + i))
            .collect(Collectors.joining(","));

        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < numOfNode; i++) {
            if (onlyNode > 0 && i + 1 != onlyNode) {
                continue;
            }
            String nodeName = "node-" + (i + 1);
            Path home = basePath.resolve(nodeName).toAbsolutePath();
            Files.createDirectories(home.resolve("config"));
            Settings.Builder settings = Settings.builder()
                .put("cluster.name", clusterName)
                .put("node.name", nodeName)
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", baseHttpPort + i)
                .put("transport.port", transportBase + i)
                // A developer's disk fills up; a test index must not turn read-only because of it.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("http.cors.enabled", false);
            if (numOfNode == 1) {
                settings.put("discovery.type", "single-node");
            } else {
                settings.putList("discovery.seed_hosts", seeds.split(","));
                settings.putList("cluster.initial_master_nodes",
                    IntStream.range(0, numOfNode).mapToObj(n -> "node-" + (n + 1)).toList());
            }
            Node node = new EmbeddedNode(settings.build(), home.resolve("config"),
                List.of(Netty4Plugin.class, ArabicAnalysisPlugin.class));
            nodes.add(node);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Node node : nodes) {
                try {
                    node.close();
                } catch (Exception e) {
                    System.err.println("error closing node: " + e);
                }
            }
            stopped.countDown();
        }));
        for (Node node : nodes) {
            node.start();
        }
        System.out.println("akhbar-engine: " + nodes.size() + " node(s) of " + numOfNode + " started, cluster "
            + clusterName + ", first HTTP port " + baseHttpPort);
        stopped.await();
    }
}
