"""The write side against the real engine: readers, rejects, identity, reindex with the alias swap."""
import gzip
import json
import threading
import zipfile

import pytest

from core.engine import client
from indexer import aliases
from indexer.jobs import index_paths, reindex
from indexer.readers import read_all, reader_for
from tests.conftest import SAMPLES

pytestmark = pytest.mark.engine

ARTICLE = {"title": "وزارة الصحة تطلق حملة التطعيم", "body": "أطلقت وزارة الصحة في الرياض حملة للتطعيم ضد الإنفلونزا.",
           "url": "https://example.test/a/1", "source": "عينة", "published_at": "2026-10-20 08:00:00"}
SNN = {"source": "okaz", "url": "http://okaz.test/1", "date_extracted": "2015-07-21 02:51:32",
       "title": "أمطار غزيرة على جدة", "author": "جدة: عكاظ", "content": "شهدت مدينة جدة أمطاراً غزيرة اليوم."}


def write_jsonl(path, rows, gz=False):
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def test_readers_detect_each_format(tmp_path):
    plain = write_jsonl(tmp_path / "a.jsonl", [ARTICLE])
    gz = write_jsonl(tmp_path / "a.jsonl.gz", [{**ARTICLE, "content": "نص", "body": None}], gz=True)
    snn_lines = write_jsonl(tmp_path / "snn.jsonl.gz", [SNN], gz=True)
    snn_zip = tmp_path / "2015-07-21.zip"
    with zipfile.ZipFile(snn_zip, "w") as archive:
        archive.writestr("2015-07-21.json", json.dumps([SNN, {**SNN, "url": "http://okaz.test/2"}]))
    assert reader_for(plain).name == "jsonl"
    assert reader_for(gz).name == "jsonl"
    assert reader_for(snn_lines).name == "saudinewsnet"
    assert reader_for(snn_zip).name == "saudinewsnet"
    records = list(read_all([plain, gz, snn_lines, snn_zip]))
    assert [r.error for r in records] == [None] * 5
    assert records[1].data["body"] == "نص"
    assert records[2].data["body"] == SNN["content"] and records[2].data["published_at"] == SNN["date_extracted"]
    assert records[4].position == "2015-07-21.json item 1"


def test_bad_records_are_rejected_with_reasons(es, test_settings, tmp_path):
    path = tmp_path / "mixed.jsonl"
    write_jsonl(path, [
        ARTICLE,
        '{"title": "broken json',
        {"title": "", "body": "  ...  "},
        {**ARTICLE, "url": "https://example.test/a/2", "published_at": "yesterday-ish"},
        [1, 2, 3],
        {**ARTICLE, "url": "https://example.test/a/3", "body": "x" * 1_000_001},
    ])
    with open(path, "ab") as out:
        out.write(b'{"title": "\xff\xfe bad utf-8"}\n')
    rejects = tmp_path / "rejects.jsonl"
    summary = index_paths(es, test_settings, [path], rejects_path=rejects, progress=False)
    assert summary.indexed == 1 and summary.rejected == 6
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    reasons = {line["position"]: line["reason"] for line in lines}
    assert "invalid JSON" in reasons["line 2"]
    assert "real text" in reasons["line 3"]
    assert "not a date" in reasons["line 4"]
    assert "expected a JSON object" in reasons["line 5"]
    assert "body" in reasons["line 6"]
    assert "invalid UTF-8" in reasons["line 7"]
    assert all(line["file"] == str(path) for line in lines)


def test_engine_refusal_goes_to_rejects(es, test_settings, tmp_path, monkeypatch):
    """A document the engine refuses (here: a date beyond what the date field can hold) is a reject with the
    engine's reason, and the rest of the batch is indexed."""
    from indexer import documents

    real = documents.build_document

    def poisoned(article, now=None):
        doc = real(article, now)
        if article.url.endswith("/bad"):
            doc["published_at"] = "not-a-date"
        return doc

    monkeypatch.setattr("indexer.pipeline.build_document", poisoned)
    path = write_jsonl(tmp_path / "two.jsonl", [ARTICLE, {**ARTICLE, "url": "https://example.test/bad"}])
    rejects = tmp_path / "rejects.jsonl"
    summary = index_paths(es, test_settings, [path], rejects_path=rejects, progress=False)
    assert summary.indexed == 1 and summary.rejected == 1
    line = json.loads(rejects.read_text())
    assert line["position"] == "line 2" and "engine refused" in line["reason"] and "published_at" in line["reason"]


def test_indexing_twice_updates_instead_of_duplicating(es, test_settings, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [ARTICLE, {**ARTICLE, "url": "HTTPS://WWW.Example.test/a/1/#top"},
                                              {**ARTICLE, "url": None, "title": "بلا رابط"}])
    index_paths(es, test_settings, [path], progress=False)
    index_paths(es, test_settings, [path], progress=False)
    assert es.count(index=test_settings.index_alias)["count"] == 2  # the two URLs are one article


def test_reindex_swaps_alias_while_searches_keep_working(es, test_settings, tmp_path):
    index_paths(es, test_settings, [SAMPLES], progress=False)
    first = aliases.current_indices(es, test_settings.index_alias)
    errors, empties, done = [], [], threading.Event()
    reader = client(test_settings)

    def search_loop():
        while not done.is_set():
            try:
                hits = reader.search(index=test_settings.index_alias, query={"match": {"body": "الهجرة"}}, size=1)
                if hits["hits"]["total"]["value"] == 0:
                    empties.append(1)
            except Exception as error:  # noqa: BLE001
                errors.append(error)

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        summary = reindex(es, test_settings, None, progress=False)  # from the live index's stored sources
    finally:
        done.set()
        thread.join()
    second = aliases.current_indices(es, test_settings.index_alias)
    assert summary.indexed == 44 and summary.rejected == 0
    assert second != first and len(second) == 1
    assert not es.indices.exists(index=first[0])  # old index dropped
    assert errors == [] and empties == []
    settings = es.indices.get_settings(index=second[0])[second[0]]["settings"]["index"]
    assert settings.get("refresh_interval") == "1s"
    assert es.count(index=test_settings.index_alias)["count"] == 44


def test_entities_and_topics_become_facet_values(es, test_settings):
    index_paths(es, test_settings, [SAMPLES], progress=False)
    aggs = es.search(index=test_settings.index_alias, size=0, aggs={
        "orgs": {"terms": {"field": "organizations", "size": 200}},
        "persons": {"terms": {"field": "persons", "size": 200}},
        "topics": {"terms": {"field": "topics", "size": 50}},
    })["aggregations"]
    orgs = {b["key"] for b in aggs["orgs"]["buckets"]}
    persons = {b["key"] for b in aggs["persons"]["buckets"]}
    topics = {b["key"] for b in aggs["topics"]["buckets"]}
    assert {"وزاره خارجيه", "امم متحده", "منظمه صحه عالميه", "مكتب امم متحده معني بالمخدرات والجريمه"} <= orgs
    assert {"هيلين فورد", "اورسولا فون دير لاين"} <= persons
    assert {"politics", "economy", "sports", "culture", "illegal_migration", "drug_trafficking"} <= topics


def test_an_enrichment_failure_rejects_one_record_not_the_run(es, test_settings, tmp_path, monkeypatch):
    from indexer.enrich import cleanup

    real = cleanup.clean_text

    def fragile(text):
        if "انفجار-الاختبار" in text:
            raise ValueError("boom")
        return real(text)

    monkeypatch.setattr(cleanup, "clean_text", fragile)
    path = write_jsonl(tmp_path / "two.jsonl", [ARTICLE, {**ARTICLE, "url": "https://example.test/x",
                                                          "body": "نص فيه انفجار-الاختبار"}])
    rejects = tmp_path / "rejects.jsonl"
    summary = index_paths(es, test_settings, [path], rejects_path=rejects, progress=False)
    assert summary.indexed == 1 and summary.rejected == 1
    line = json.loads(rejects.read_text())
    assert line["position"] == "line 2" and "enrichment failed: ValueError: boom" in line["reason"]


def test_worker_processes_index_the_same_documents_as_in_process(es, test_settings, tmp_path):
    """The production path: enrichment in worker processes, read ahead of the bulk writer by a thread."""
    from dataclasses import replace

    rows = [ARTICLE, "{broken", {**ARTICLE, "url": "https://example.test/a/2", "title": "", "body": ""}]
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    pooled = replace(test_settings, index_workers=2)
    summary = index_paths(es, pooled, [SAMPLES, path], rejects_path=tmp_path / "rejects.jsonl", progress=False)
    assert summary.rejected == 2 and summary.indexed == sum(1 for _ in open(SAMPLES, encoding="utf-8")) + 1

    def persons_by_id():
        es.indices.refresh(index=test_settings.index_alias)
        hits = es.search(index=test_settings.index_alias, size=100, query={"match_all": {}})["hits"]["hits"]
        return {hit["_id"]: hit["_source"]["persons"] for hit in hits}

    from_workers = persons_by_id()
    index_paths(es, test_settings, [SAMPLES, path], progress=False)
    assert persons_by_id() == from_workers and any(from_workers.values())
