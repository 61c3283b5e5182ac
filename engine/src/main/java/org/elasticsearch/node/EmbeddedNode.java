package org.elasticsearch.node;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A node whose plugins come from the classpath rather than from a distribution's modules folder.
 *
 * It lives in Elasticsearch's own package because the hook that chooses the plugins service is package-private.
 * Unlike the test framework's MockNode it does not boot the test harness (which refuses to run as root).
 */
public final class EmbeddedNode extends Node {

    public EmbeddedNode(Settings settings, Path configDir, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), configDir, () -> settings.get("node.name")),
            null, // no modules folder to load: every plugin comes from the classpath
            new NodeServiceProvider() {
                @Override
                PluginsService newPluginService(Environment environment, PluginsLoader pluginsLoader) {
                    return new ClasspathPluginsService(environment, plugins);
                }
            },
            true
        ));
    }

    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {
        // The listener only decorates log lines with node and cluster ids; our log pattern does not use them.
    }
}
