"""Retractions on the real engine: `akhbar delete`, deletions in index input, tombstones, reindex, the API."""
import json
import os
import subprocess
import sys

import pytest

from api import create_app
from indexer import aliases, jobs
from indexer.jobs import delete_ids, index_paths, reindex
from indexer.tombstones import Tombstones, tombstones_index
from tests.conftest import SAMPLES

pytestmark = pytest.mark.engine

SAMPLE = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
BY_ID = {article["id"]: article for article in SAMPLE}
MIGRATION = ("sample-029", "sample-030", "sample-032")  # the three articles about الهجرة


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def present(es, settings, *ids):
    found = es.mget(index=settings.index_alias, ids=list(ids), source=False)["docs"]
    return {doc["_id"] for doc in found if doc.get("found")}


def rejects_of(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def indexed(es, test_settings, tmp_path):
    """The sample corpus behind a fresh alias."""
    index_paths(es, test_settings, [SAMPLES], rejects_path=tmp_path / "first.jsonl", progress=False)
    return test_settings


def test_delete_ids_removes_articles_and_reports_unknown_ones(es, indexed, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    summary = delete_ids(es, indexed, [("sample-001", "command line", "argument 1"),
                                       ("no-such-article", "command line", "argument 2")],
                         reason="legal request", rejects_path=rejects, progress=False)
    assert (summary.deleted, summary.not_found, summary.rejected) == (1, ["no-such-article"], 0)
    assert summary.as_dict()["deleted"] == 1 and summary.as_dict()["not_found"] == 1
    assert present(es, indexed, "sample-001", "sample-002") == {"sample-002"}
    stones = Tombstones(es, indexed.index_alias).find(["sample-001", "no-such-article", "sample-002"])
    assert set(stones) == {"sample-001", "no-such-article"}  # an unknown id is tombstoned all the same
    assert stones["sample-001"]["reason"] == "legal request"
    assert stones["sample-001"]["via"] == "command line argument 1" and stones["sample-001"]["deleted_at"]


def test_deletions_in_index_input_and_tombstones_keep_them_out(es, indexed, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"id": "sample-002", "deleted": True, "reason": "retracted by the editor"},
        {"id": "new-1", "title": "خبر جديد عن الطقس", "body": "أمطار غزيرة على جدة اليوم."},
        {"url": "https://news.test/a/7?utm_source=feed", "title": "خبر بلا معرف", "body": "نص الخبر هنا."},
        {"url": "https://www.news.test/a/7", "deleted": True},  # the same article: ids come from normalized URLs
        {"id": "sample-004", "deleted": "perhaps"},
        {"deleted": True},
        {"id": "never-indexed", "deleted": True},
    ])
    summary = index_paths(es, indexed, [feed], rejects_path=rejects, progress=False)
    assert (summary.indexed, summary.deleted, summary.not_found) == (2, 2, ["never-indexed"])
    assert present(es, indexed, "sample-002", "new-1", "sample-004") == {"new-1", "sample-004"}
    assert es.count(index=indexed.index_alias)["count"] == len(SAMPLE)  # +2 new, -1 retracted, -1 by url
    reasons = {line["position"]: line["reason"] for line in rejects_of(rejects)}
    assert reasons["line 5"].startswith("invalid retraction: deleted")
    assert reasons["line 6"].startswith("invalid retraction: id: a deletion needs the id")
    assert summary.rejected == 2

    # The old file comes back: the retracted article is refused with a reason that says when and why.
    again = tmp_path / "again.jsonl"
    rerun = index_paths(es, indexed, [SAMPLES], rejects_path=again, progress=False)
    refused = {line["record"]["id"]: line["reason"] for line in rejects_of(again)}
    assert "sample-002" in refused and refused["sample-002"].startswith("retracted: article sample-002 was deleted at")
    assert "retracted by the editor" in refused["sample-002"] and "--republish" in refused["sample-002"]
    assert rerun.indexed == len(SAMPLE) - len(refused)
    assert "sample-002" not in present(es, indexed, "sample-002")

    # An explicit re-publication lets it back in and lifts the tombstone; later runs accept it again.
    back = index_paths(es, indexed, [SAMPLES], rejects_path=tmp_path / "back.jsonl", progress=False, republish=True)
    assert back.indexed == len(SAMPLE) and back.rejected == 0
    assert "sample-002" in present(es, indexed, "sample-002")
    assert "sample-002" not in Tombstones(es, indexed.index_alias).find(["sample-002"])
    last = index_paths(es, indexed, [SAMPLES], rejects_path=tmp_path / "last.jsonl", progress=False)
    assert last.rejected == 0


def test_order_in_one_input_decides(es, test_settings, tmp_path):
    """An article then its retraction: gone. A retraction then the article: the article is refused."""
    article = {"id": "a-1", "title": "خبر أول عن الاقتصاد", "body": "ارتفعت أسعار النفط اليوم."}
    first = write_jsonl(tmp_path / "first.jsonl", [article, {"id": "a-1", "deleted": True}])
    summary = index_paths(es, test_settings, [first], rejects_path=tmp_path / "r1.jsonl", progress=False)
    assert (summary.indexed, summary.deleted, summary.rejected) == (1, 1, 0)
    assert present(es, test_settings, "a-1") == set()

    other = {**article, "id": "b-1"}
    second = write_jsonl(tmp_path / "second.jsonl", [{"id": "b-1", "deleted": True}, other])
    rejects = tmp_path / "r2.jsonl"
    summary = index_paths(es, test_settings, [second], rejects_path=rejects, progress=False)
    assert (summary.indexed, summary.not_found, summary.rejected) == (0, ["b-1"], 1)
    assert rejects_of(rejects)[0]["reason"].startswith("retracted: article b-1")
    assert present(es, test_settings, "b-1") == set()


def test_retracted_article_leaves_search_facets_and_article_page(es, indexed, tmp_path):
    client = create_app(indexed).test_client()

    def migration_search():
        response = client.get("/search", query_string={"q": "الهجرة", "facet_size": 50})
        assert response.status_code == 200
        return response.get_json()

    before = migration_search()
    assert {h["id"] for h in before["hits"]} >= set(MIGRATION)
    sources_before = {v["key"]: v["count"] for v in before["facets"]["source"]}
    source = BY_ID["sample-030"]["source"]
    assert client.get("/articles/sample-030").status_code == 200

    delete_ids(es, indexed, [("sample-030", "test", "1")], rejects_path=None, progress=False)

    after = migration_search()
    assert "sample-030" not in {h["id"] for h in after["hits"]} and after["total"] == before["total"] - 1
    sources_after = {v["key"]: v["count"] for v in after["facets"]["source"]}
    assert sources_after.get(source, 0) == sources_before[source] - 1
    missing = client.get("/articles/sample-030")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_reindex_never_brings_a_retraction_back(es, indexed, tmp_path, monkeypatch):
    delete_ids(es, indexed, [("sample-005", "test", "1")], rejects_path=None, progress=False)
    # From the live index: the article is not there to copy.
    summary = reindex(es, indexed, rejects_path=tmp_path / "r.jsonl", progress=False)
    assert summary.indexed == len(SAMPLE) - 1 and "sample-005" not in present(es, indexed, "sample-005")
    # From the old file: the tombstone refuses it.
    summary = reindex(es, indexed, [SAMPLES], rejects_path=tmp_path / "r2.jsonl", progress=False)
    assert summary.rejected == 1 and "sample-005" not in present(es, indexed, "sample-005")

    # A deletion made while the rebuild runs reaches the old index only; the rebuild repeats it after the swap.
    publish = aliases.publish

    def delete_meanwhile(*args, **kwargs):
        delete_ids(es, indexed, [("sample-006", "test", "1")], rejects_path=None, progress=False)
        return publish(*args, **kwargs)

    monkeypatch.setattr(jobs.aliases, "publish", delete_meanwhile)
    reindex(es, indexed, rejects_path=tmp_path / "r3.jsonl", progress=False)
    assert present(es, indexed, "sample-006", "sample-007") == {"sample-007"}


def test_cli_delete_from_a_file(es, indexed, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("# retractions of the day\nsample-010\n\nsample-011\nunknown-id\n", encoding="utf-8")
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": indexed.index_alias}
    result = subprocess.run([sys.executable, "-m", "cli", "delete", "sample-012", "--from", str(ids),
                             "--reason", "court order", "--rejects", str(tmp_path / "r.jsonl")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["deleted"] == 3 and summary["not_found"] == 1 and summary["rejected"] == 0
    assert "1 id(s) to delete were not in the index" in result.stderr and "unknown-id" in result.stderr
    assert present(es, indexed, "sample-010", "sample-011", "sample-012", "sample-013") == {"sample-013"}
    assert Tombstones(es, indexed.index_alias).find(["sample-011"])["sample-011"]["via"] == f"{ids} line 4"

    none = subprocess.run([sys.executable, "-m", "cli", "delete"], env=env, capture_output=True, text=True)
    assert none.returncode == 1 and "give the ids to delete" in none.stderr


def test_no_tombstones_index_until_a_retraction(es, indexed):
    assert not es.indices.exists(index=tombstones_index(indexed.index_alias))


def test_registry_counts_follow_a_retraction(es, indexed):
    """Each entity sample-030 is filed under loses one article in the registry; one it alone mentioned leaves."""
    from core import registry
    from indexer.registry.sync import entity_refs

    alias = registry.registry_alias(indexed.index_alias)
    refs = entity_refs(es, indexed.index_alias, ["sample-030"])
    assert refs
    before = {ref: registry.get_entity(es, alias, *ref)["article_count"] for ref in refs}
    summary = delete_ids(es, indexed, [("sample-030", "test", "1")], rejects_path=None, progress=False)
    assert summary.deleted == 1 and summary.entities["entities_refreshed"] >= len(refs)
    for ref, count in before.items():
        entry = es.options(ignore_status=404).get(index=alias, id=registry.entity_id(*ref))
        if count == 1:
            assert not entry.body.get("found"), ref  # no article mentions it any more
        else:
            assert entry["_source"]["article_count"] == count - 1, ref
    assert any(count == 1 for count in before.values()) and any(count > 1 for count in before.values())
