"""A secured cluster end to end: the session's engine behind an HTTPS front with a self-made CA that demands an
API key (or a user and password). The indexer and the API reach it through the one client factory; a refused
credential or an untrusted certificate is one CLI line and a JSON 503, never the secret."""
import json
import os
import uuid

import pytest

from api import create_app
from core import settings as settings_module
from tests.conftest import SAMPLES, drop_indices
from tests.https_proxy import SecuredEngine
from tests.private_engine import akhbar, free_port

pytestmark = pytest.mark.engine

KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="  # the shape of an encoded id:key
WRONG = "d3Jvbmc6a2V5LXRoYXQtaXMtbm90LWFjY2VwdGVk"


@pytest.fixture
def secured(engine_url, tmp_path):
    with SecuredEngine(engine_url, tmp_path, api_key=KEY, users={"newsroom": "s3cret-pass"}) as front:
        yield front


@pytest.fixture
def alias(es):
    name = f"test-tls-{uuid.uuid4().hex[:8]}"
    yield name
    drop_indices(es, name)  # the entity registry's too


def _env(front, alias, **extra):
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": alias, "AKHBAR_INDEX_WORKERS": "0", "AKHBAR_ENGINE_WAIT": "2",
           "ELASTICSEARCH_URL": front.url, "ELASTICSEARCH_CA_CERTS": str(front.ca_file),
           "ELASTICSEARCH_API_KEY": KEY, **extra}
    return {k: v for k, v in env.items() if v is not None}


def _settings(monkeypatch, env):
    for name in ("ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD",
                 "ELASTICSEARCH_CA_CERTS", "ELASTICSEARCH_VERIFY_CERTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings_module.load()


def test_index_and_search_through_tls_and_an_api_key(secured, alias, tmp_path, monkeypatch):
    # Two hosts listed, the first one dead: the client passes over it.
    dead = f"https://127.0.0.1:{free_port()}"
    env = _env(secured, alias, ELASTICSEARCH_URL=f"{dead},{secured.url}")
    result = akhbar(["index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["indexed"] == 44
    assert secured.requests > 0

    app = create_app(_settings(monkeypatch, env))
    tester = app.test_client()
    assert tester.get("/health").status_code == 200
    found = tester.get("/search?q=الهجرة").get_json()
    assert found["total"] >= 3

    # A user and password work as well as a key.
    basic = _env(secured, alias, ELASTICSEARCH_API_KEY=None, ELASTICSEARCH_USERNAME="newsroom",
                 ELASTICSEARCH_PASSWORD="s3cret-pass")
    tester = create_app(_settings(monkeypatch, basic)).test_client()
    assert tester.get("/search?q=الهجرة").get_json()["total"] == found["total"]


def test_a_refused_key_is_one_line_and_a_json_503(secured, alias, tmp_path, monkeypatch):
    env = _env(secured, alias, ELASTICSEARCH_API_KEY=WRONG)
    result = akhbar(["index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "refused the credentials (401" in result.stderr and secured.url in result.stderr
    assert WRONG not in result.stderr + result.stdout

    tester = create_app(_settings(monkeypatch, env)).test_client()
    for path in ("/search?q=الهجرة", "/health", "/articles/sample-001"):
        response = tester.get(path)
        assert response.status_code == 503, path
        body = response.get_json()
        assert body["error"] == "engine_unavailable" and "refused the credentials" in body["details"]["reason"]
        assert WRONG not in response.get_data(as_text=True)


def test_an_untrusted_certificate_is_named(secured, alias, tmp_path, monkeypatch):
    env = _env(secured, alias, ELASTICSEARCH_CA_CERTS=None)
    env.pop("SSL_CERT_FILE", None)
    result = akhbar(["index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "certificate is not trusted" in result.stderr and "ELASTICSEARCH_CA_CERTS" in result.stderr
    tester = create_app(_settings(monkeypatch, env)).test_client()
    response = tester.get("/search?q=الهجرة")
    assert response.status_code == 503 and "not trusted" in response.get_json()["details"]["reason"]
    # Verification off (a throw-away cluster only) gets through without the CA.
    insecure = _env(secured, alias, ELASTICSEARCH_CA_CERTS=None, ELASTICSEARCH_VERIFY_CERTS="false")
    assert akhbar(["index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], insecure).returncode == 0
