"""The ingest API on the real engine: publish, correct, retract, batches, keys, limits, and the same rules as files."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import requests

from api import create_app as create_search_app
from core import settings as settings_module
from indexer.jobs import index_paths
from indexer.tombstones import Tombstones
from ingest import create_app
from ingest.app import NoKeys
from tests.conftest import SAMPLES

pytestmark = pytest.mark.engine

KEYS = ("first-key-0123456789", "second-key-9876543210")
AUTH = {"Authorization": f"Bearer {KEYS[1]}"}
NDJSON = {**AUTH, "Content-Type": "application/x-ndjson"}
ARTICLE = {"id": "cms-1", "title": "وزير الخارجية يبحث مع نظيره الفرنسي ملف الهجرة غير الشرعية",
           "body": "بحث وزير الخارجية الأمير فيصل بن فرحان مع نظيره الفرنسي في الرياض اليوم ملف الهجرة غير "
                   "الشرعية عبر البحر المتوسط.", "source": "cms", "url": "https://cms.test/1",
           "published_at": "2026-11-01T09:00:00Z"}


@pytest.fixture
def settings(test_settings):
    return replace(test_settings, ingest_keys=KEYS)


@pytest.fixture
def ingest(settings):
    return create_app(settings).test_client()


@pytest.fixture
def search(settings):
    return create_search_app(settings).test_client()


def ndjson(*rows):
    return "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)


def hits(search, **params):
    response = search.get("/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_publish_correct_retract_and_republish(ingest, search, settings, es):
    published = ingest.post("/articles", json=ARTICLE, headers=AUTH)
    assert published.status_code == 201, published.get_json()
    body = published.get_json()
    assert body["items"] == [{"position": "body", "id": "cms-1", "result": "indexed"}] and body["searchable"]
    # Searchable at the answer, with no refresh of our own (refresh=wait_for).
    result = hits(search, q="الهجرة", facet_size=50)
    assert [h["id"] for h in result["hits"]] == ["cms-1"]
    assert {"person", "location"} <= {name for name, values in result["facets"].items() if values}
    article = search.get("/articles/cms-1").get_json()
    assert "فيصل بن فرحان" in {p["name"] for p in article["entities"]["persons"]}  # enriched like a file

    corrected = ingest.put("/articles/cms-1", json={**ARTICLE, "id": None, "title": "تصحيح: ملف الهجرة والتأشيرات"},
                           headers=AUTH)
    assert corrected.status_code == 200 and corrected.get_json()["indexed"] == 1
    assert search.get("/articles/cms-1").get_json()["title"] == "تصحيح: ملف الهجرة والتأشيرات"
    assert hits(search, q="التأشيرات")["total"] == 1

    retracted = ingest.delete("/articles/cms-1?reason=court order", headers=AUTH)
    assert retracted.status_code == 200
    assert retracted.get_json()["items"] == [{"position": "path", "id": "cms-1", "result": "deleted"}]
    gone = hits(search, q="الهجرة", facet_size=50)
    assert gone["total"] == 0 and all(values == [] for values in gone["facets"].values())
    assert hits(search)["total"] == 0
    assert search.get("/articles/cms-1").status_code == 404
    assert Tombstones(es, settings.index_alias).find(["cms-1"])["cms-1"]["reason"] == "court order"

    # The CMS re-sends the old version: refused, saying why; a PUT is the explicit re-publication.
    again = ingest.post("/articles", json=ARTICLE, headers=AUTH)
    assert again.status_code == 422 and again.get_json()["error"] == "rejected"
    assert again.get_json()["message"].startswith("retracted: article cms-1 was deleted at")
    assert "court order" in again.get_json()["message"]
    assert ingest.put("/articles/cms-1", json=ARTICLE, headers=AUTH).status_code == 200
    assert hits(search, q="الهجرة")["total"] == 1
    assert Tombstones(es, settings.index_alias).find(["cms-1"]) == {}

    unknown = ingest.delete("/articles/never-sent", headers=AUTH)
    assert unknown.status_code == 200 and unknown.get_json()["items"][0]["result"] == "not_found"


def test_a_batch_answers_per_record_and_lands_the_good_ones(ingest, search):
    rows = [
        {**ARTICLE, "id": "b-1"},
        '{"title": "broken',
        {"id": "b-2", "title": "", "body": " ... "},
        {**ARTICLE, "id": "b-3", "url": "https://cms.test/3", "published_at": "yesterday-ish"},
        {**ARTICLE, "id": "b-4", "url": "https://cms.test/4"},
        {"id": "b-1", "deleted": True},
    ]
    response = ingest.post("/articles", data=ndjson(*rows).encode(), headers=NDJSON)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["indexed"], body["deleted"], body["rejected"], body["errors"]) == (2, 1, 3, True)
    results = [(item["position"], item["id"], item["result"]) for item in body["items"]]
    assert results == [("line 1", "b-1", "indexed"), ("line 2", None, "rejected"), ("line 3", "b-2", "rejected"),
                       ("line 4", "b-3", "rejected"), ("line 5", "b-4", "indexed"), ("line 6", "b-1", "deleted")]
    reasons = [item.get("reason", "") for item in body["items"]]
    assert reasons[1].startswith("invalid JSON") and "real text" in reasons[2] and "not a date" in reasons[3]
    assert {h["id"] for h in hits(search, q="الهجرة")["hits"]} == {"b-4"}


def test_same_rules_as_files(ingest, settings, es, tmp_path):
    """One record, sent over HTTP and given in a file, is refused with the very same reason."""
    bad = {"id": "same-1", "title": "عنوان", "body": "نص", "published_at": "2026-13-45"}
    answer = ingest.post("/articles", data=ndjson(bad).encode(), headers=NDJSON).get_json()["items"][0]
    path = tmp_path / "bad.jsonl"
    path.write_text(ndjson(bad), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    index_paths(es, settings, [path], rejects_path=rejects, progress=False)
    assert answer["reason"] == json.loads(rejects.read_text(encoding="utf-8"))["reason"]


def test_keys_are_required_and_compared(ingest):
    missing = ingest.post("/articles", json=ARTICLE)
    assert missing.status_code == 401 and missing.get_json()["error"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = ingest.post("/articles", json=ARTICLE, headers={"Authorization": "Bearer " + KEYS[0][:-1]})
    assert wrong.status_code == 401 and KEYS[0][:-1] not in wrong.get_data(as_text=True)
    assert ingest.post("/articles", json=ARTICLE, headers={"Authorization": KEYS[0]}).status_code == 401
    assert ingest.delete("/articles/x", headers={"Authorization": f"Basic {KEYS[0]}"}).status_code == 401
    first = ingest.post("/articles", json=ARTICLE, headers={"Authorization": f"Bearer {KEYS[0]}"})
    assert first.status_code == 201  # either configured key works
    assert ingest.get("/health").status_code == 200  # probes need no key
    assert ingest.get("/openapi.json").status_code == 200


def test_bad_requests_are_json(settings, ingest):
    small = create_app(replace(settings, ingest_max_request_bytes=2_000)).test_client()
    big = small.post("/articles", data=ndjson(*[ARTICLE] * 20).encode(), headers=NDJSON)
    assert big.status_code == 413 and big.get_json()["error"] == "request_entity_too_large"
    assert "2000 bytes" in big.get_json()["message"]
    assert small.post("/articles", json=ARTICLE, headers=AUTH).status_code == 201  # under the limit

    assert ingest.post("/articles", data="x", headers={**AUTH, "Content-Type": "text/plain"}).status_code == 415
    broken = ingest.post("/articles", data="{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.get_json()["message"].startswith("the body is not one JSON article")
    assert ingest.post("/articles", data="\n\n", headers=NDJSON).status_code == 400
    mismatch = ingest.put("/articles/a-1", json={**ARTICLE, "id": "a-2"}, headers=AUTH)
    assert mismatch.status_code == 400 and "id" in mismatch.get_json()["details"]["fields"]
    assert ingest.put("/articles/a-1", json={"id": "a-1", "deleted": True}, headers=AUTH).status_code == 400
    assert ingest.put("/articles/a-1", data=ndjson(ARTICLE), headers=NDJSON).status_code == 415
    assert ingest.delete("/articles/" + "x" * 600, headers=AUTH).status_code == 400
    assert ingest.post("/articles?wait=maybe", json=ARTICLE, headers=AUTH).status_code == 400
    single_reject = ingest.post("/articles", json={"id": "e", "title": ""}, headers=AUTH)
    assert single_reject.status_code == 422 and "real text" in single_reject.get_json()["message"]


def test_answer_without_waiting(ingest, search):
    response = ingest.post("/articles?wait=false", json=ARTICLE, headers=AUTH)
    assert response.status_code == 201 and response.get_json()["searchable"] is False
    deadline = time.monotonic() + 5
    while hits(search, q="الهجرة")["total"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hits(search, q="الهجرة")["total"] == 1


def test_search_keys_are_optional(settings, es):
    open_search = create_search_app(settings).test_client()
    assert open_search.get("/search").status_code in (200, 404)  # no keys configured: open
    private = create_search_app(replace(settings, search_keys=("reader-key-1234",))).test_client()
    denied = private.get("/search?q=الهجرة")
    assert denied.status_code == 401 and denied.get_json()["error"] == "unauthorized"
    assert private.get("/search?q=x", headers={"Authorization": "Bearer reader-key-1234"}).status_code != 401
    assert private.get("/articles/x", headers=AUTH).status_code == 401  # an ingest key is no search key
    assert private.get("/health").status_code == 200
    spec = private.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert "securitySchemes" not in open_search.get("/openapi.json").get_json().get("components", {})


def test_openapi_document_has_the_bearer_scheme(ingest):
    from openapi_spec_validator import validate

    spec = ingest.get("/openapi.json").get_json()
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearer": []}]
    assert {"post"} <= set(spec["paths"]["/articles"]) and {"put", "delete"} <= set(spec["paths"]["/articles/{article_id}"])
    assert "application/x-ndjson" in spec["paths"]["/articles"]["post"]["requestBody"]["content"]
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert "search" not in {tag["name"] for tag in spec.get("tags", [])}  # the search API is not here
    docs = ingest.get("/docs")
    assert docs.status_code == 200 and "/docs/assets/" in docs.get_data(as_text=True)  # served here, no CDN
    assert ingest.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_keys_from_env_and_file_never_shown(monkeypatch, tmp_path):
    keys_file = tmp_path / "keys"
    keys_file.write_text("# newsroom CMS\nfile-key-abcdef\n\n", encoding="utf-8")
    monkeypatch.setenv("AKHBAR_INGEST_KEYS", "env-key-1, env-key-2,")
    monkeypatch.setenv("AKHBAR_INGEST_KEYS_FILE", str(keys_file))
    loaded = settings_module.load()
    assert loaded.ingest_keys == ("env-key-1", "env-key-2", "file-key-abcdef")
    assert "key" not in repr(loaded).replace("_keys", "")
    monkeypatch.setenv("AKHBAR_INGEST_KEYS_FILE", str(tmp_path / "missing"))
    with pytest.raises(SystemExit, match="AKHBAR_INGEST_KEYS_FILE: cannot read"):
        settings_module.load()


def test_no_keys_no_ingest(test_settings):
    with pytest.raises(NoKeys):
        create_app(test_settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKHBAR_INGEST_KEYS")}
    result = subprocess.run([sys.executable, "-m", "cli", "serve-ingest"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"akhbar: {result.stderr.strip().removeprefix('akhbar: ')}"]
    assert "AKHBAR_INGEST_KEYS" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_ingest_under_gunicorn(test_settings, es):
    """The real server: its own port, keys from the environment, the key never in its log."""
    port = _free_port()
    env = {**os.environ, "AKHBAR_INGEST_KEYS": KEYS[0], "AKHBAR_INDEX_ALIAS": test_settings.index_alias}
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve-ingest", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        headers = {"Authorization": f"Bearer {KEYS[0]}"}
        published = requests.post(f"{url}/articles", json=ARTICLE, headers=headers, timeout=30)
        assert published.status_code == 201, published.text
        assert requests.post(f"{url}/articles", json=ARTICLE, timeout=30).status_code == 401
        assert es.count(index=test_settings.index_alias)["count"] == 1
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick stop
        try:
            log = server.communicate(timeout=45)[0]  # its master kills a worker that outlives 30 s
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this test started: master and workers
            log = server.communicate()[0]
    assert "POST /articles" in log and KEYS[0] not in log


def test_concurrent_first_writes_share_one_index(settings, es):
    """Four clients publishing to an alias with no index yet: one index is created, every article lands."""
    app = create_app(settings)

    def publish(number: int) -> int:
        article = {**ARTICLE, "id": f"c-{number}", "url": f"https://cms.test/c/{number}"}
        return app.test_client().post("/articles", json=article, headers=AUTH).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(publish, range(4))) == [201] * 4
    assert len(es.indices.get_alias(name=settings.index_alias)) == 1
    assert es.count(index=settings.index_alias)["count"] == 4


def test_a_writer_that_looked_before_the_first_index_appeared_gets_it(es, test_settings, monkeypatch):
    """Two ingest threads publishing to an alias with no index: the second looks for the alias just before the first
    creates it and checks for a concrete index of that name just after. It gets the first one's index; it once took
    the alias for a concrete index, and its request was a 500. A real concrete index of that name is still refused."""
    from indexer import aliases

    alias = test_settings.index_alias
    made = aliases.ensure_index(es, alias)  # the first writer's, between the second's two looks
    real, looks = aliases.current_indices, []

    def looked_too_early(client, name):
        looks.append(name)
        return [] if len(looks) == 1 else real(client, name)

    monkeypatch.setattr(aliases, "current_indices", looked_too_early)
    assert aliases.ensure_index(es, alias) == made
    monkeypatch.undo()
    concrete = f"{alias}-concrete"
    es.indices.create(index=concrete)
    with pytest.raises(RuntimeError, match="concrete index"):
        aliases.ensure_index(es, concrete)


def test_registry_follows_api_writes(settings, es, tmp_path):
    """A retraction through the API drops the registry's counts; a published article is filed the way the
    registry's mapping (here a curation that hides a name) says, at once."""
    from core import registry
    from indexer.registry.sync import entity_refs

    curation = tmp_path / "curation.json"
    curation.write_text(json.dumps({"hide": [{"type": "person", "names": ["فيصل بن فرحان"]}]}, ensure_ascii=False),
                        encoding="utf-8")
    settings = replace(settings, curation_file=curation)
    index_paths(es, settings, [SAMPLES], progress=False)  # builds the registry, the curation applied
    ingest = create_app(settings).test_client()
    alias = registry.registry_alias(settings.index_alias)
    refs = entity_refs(es, settings.index_alias, ["sample-002"])
    before = {ref: registry.get_entity(es, alias, *ref)["article_count"] for ref in refs}
    assert ingest.delete("/articles/sample-002", headers=AUTH).get_json()["deleted"] == 1
    after = {ref: (registry.get_entity(es, alias, *ref) or {}).get("article_count", 0) for ref in refs}
    assert after == {ref: count - 1 for ref, count in before.items()}

    assert ingest.post("/articles", json=ARTICLE, headers=AUTH).status_code == 201
    stored = es.get(index=settings.index_alias, id="cms-1")["_source"]
    extracted = {(e["type"], e["key"]): e for e in stored["entities"]}
    assert extracted[("person", "فيصل بن فرحان")].get("hidden") is True  # found, then curated away
    filed = entity_refs(es, settings.index_alias, ["cms-1"])
    assert ("person", "فيصل بن فرحان") not in filed and ("location", "رياض") in filed


def test_engine_away_is_a_503(settings):
    away = replace(settings, elasticsearch_url="http://127.0.0.1:9", engine_wait=0.5, request_timeout=2)
    client = create_app(away).test_client()
    started = time.monotonic()
    response = client.post("/articles", json=ARTICLE, headers=AUTH)
    assert response.status_code == 503 and response.get_json()["error"] == "engine_unavailable"
    assert response.headers["Retry-After"] and time.monotonic() - started < 30
    assert client.get("/health").status_code == 503
