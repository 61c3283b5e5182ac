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


def test_compose_runs_the_ingest_api_with_a_key_from_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ingest = compose["services"]["ingest"]
    assert ingest["command"][:2] == ["akhbar", "serve-ingest"] and "8001" in ingest["command"]
    assert ingest["ports"] == ["8001:8001"] and compose["services"]["api"]["ports"] == ["8000:8000"]
    assert ingest["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    env = dict(item.split("=", 1) for item in ingest["environment"])
    assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert env["AKHBAR_INGEST_KEYS"].startswith("${AKHBAR_INGEST_KEYS")  # the key comes from outside, never here
    assert "COPY ingest ingest" in (ROOT / "Dockerfile").read_text()  # the image holds the package


def test_python_client_major_matches_engine(es):
    assert version("elasticsearch").split(".")[0] == engine_version().split(".")[0]
    assert es.cluster.health()["cluster_name"]  # and the client talks to it
