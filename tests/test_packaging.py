"""Docker compose and the embedded engine run the same Elasticsearch version; the client has its major."""
import re
from importlib.metadata import version

import yaml

from tests.conftest import ROOT


def engine_version() -> str:
    pom = (ROOT / "engine" / "pom.xml").read_text()
    return re.search(r"<elasticsearch.version>([^<]+)</elasticsearch.version>", pom).group(1)


def test_compose_image_matches_embedded_engine():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    image = compose["services"]["elasticsearch"]["image"]
    assert image == f"docker.elastic.co/elasticsearch/elasticsearch:{engine_version()}"
    env = compose["services"]["elasticsearch"]["environment"]
    assert "discovery.type=single-node" in env and "xpack.security.enabled=false" in env
    assert compose["services"]["elasticsearch"]["healthcheck"]["test"]
    for service in ("api", "indexer"):
        assert compose["services"][service]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
        assert "ELASTICSEARCH_URL=http://elasticsearch:9200" in compose["services"][service]["environment"]
    assert "samples/articles.jsonl" in compose["services"]["indexer"]["command"]


def test_python_client_major_matches_engine(es):
    assert version("elasticsearch").split(".")[0] == engine_version().split(".")[0]
    assert es.cluster.health()["cluster_name"]  # and the client talks to it
