"""The entity registry against the real engine: corpus-level resolution (merges and namesakes), filters by any
alias, curation apply / undo / bad files, and the /entities and /articles/<id>/related endpoints.

The articles are self-written. Most go in with their extraction given (documents built the way the indexer builds
them), so that what is tested is the registry whatever extractor runs; one test goes through the extractor with
names any extractor finds by their titles."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime

import pytest
from elasticsearch import helpers

from api import create_app, entity_names
from core import registry
from core.arabic import facet_key
from indexer import aliases
from indexer.article import Article, Entity
from indexer.documents import build_document
from indexer.jobs import index_paths
from indexer.registry.curation import Curation, CurationError, load, parse
from indexer.registry.sync import derive, follow_writes, refresh_entities, sync
from tests.conftest import drop_indices

pytestmark = pytest.mark.engine

# Company each person keeps: (organizations, locations). Namesakes keep different company.
WHITE_HOUSE = (["البيت الأبيض", "الكونغرس"], ["واشنطن"])
INTERIOR = (["وزارة الداخلية"], ["الرياض"])
ROYAL_COURT = (["الديوان الملكي"], ["الرياض", "الدرعية"])
KING = (["الحرم المكي"], ["مكة المكرمة"])
HEALTH = (["وزارة الصحة", "مستشفى الملك فهد"], ["جدة"])
MAKKAH = (["إمارة منطقة مكة المكرمة"], ["مكة المكرمة", "الطائف"])
ASIR = (["إمارة منطقة عسير"], ["أبها", "عسير"])
SCHOOL = (["مدرسة الفنون"], ["نيويورك"])

# (persons, company, articles)
CORPUS = [
    (["باراك أوباما"], WHITE_HOUSE, 4),
    (["أوباما"], WHITE_HOUSE, 3),
    (["ميشيل أوباما"], SCHOOL, 2),
    (["محمد بن نايف بن عبدالعزيز"], INTERIOR, 3),
    (["محمد بن نايف"], INTERIOR, 3),
    (["محمد بن نايف بن عبدالعزيز", "محمد بن نايف"], INTERIOR, 2),
    (["سلمان بن عبدالعزيز آل سعود"], ROYAL_COURT, 3),
    (["سلمان بن عبدالعزيز"], ROYAL_COURT, 3),
    (["عبدالله بن عبدالعزيز"], KING, 5),
    (["عبدالله بن عبدالعزيز الربيعة"], HEALTH, 3),
    (["خالد الفيصل"], MAKKAH, 3),
    (["فيصل بن خالد"], ASIR, 3),
]


def corpus_articles() -> list[Article]:
    articles = []
    for group, (persons, (organizations, locations), count) in enumerate(CORPUS):
        for n in range(count):
            named = [("person", p) for p in persons] + [("organization", o) for o in organizations]
            named += [("location", loc) for loc in locations]
            named.append(("organization", "تويتر"))  # in every article: a value a newsroom hides
            entities = [Entity(t, facet_key(name), name, 2 if t == "person" else 1) for t, name in named]
            articles.append(Article(
                id=f"g{group}-{n}", title=f"خبر {' و'.join(persons)} رقم {n}",
                body=" ".join(name for _, name in named) + " " + " ".join(["خبر"] * n), url=None, source="عينة",
                published_at=datetime(2015, 7, 1 + group + n), author=None, entities=entities,
                topics=["politics"]))
    return articles


def load_corpus(es, settings, articles: list[Article]) -> None:
    """Write the articles as the indexer would, then sync as `akhbar index` does after a run."""
    alias = settings.index_alias
    aliases.ensure_index(es, alias)
    helpers.bulk(es, ({"_index": alias, "_id": a.id, "_source": build_document(a)} for a in articles),
                 refresh=True)
    sync(es, settings, Curation())


@pytest.fixture(scope="module")
def loaded(es, base_settings):
    """The corpus behind its own alias, for the tests that only read it."""
    settings = replace(base_settings, index_alias=f"test-registry-{uuid.uuid4().hex[:8]}", index_workers=0)
    load_corpus(es, settings, corpus_articles())
    yield settings
    drop_indices(es, settings.index_alias)


@pytest.fixture(scope="module")
def api(loaded):
    return create_app(loaded).test_client()


@pytest.fixture
def changing(es, test_settings, monkeypatch):
    """The corpus behind a test's own alias, for the tests that change it; the API checks the registry's
    generation on every request (not every few seconds), so it sees each change at once."""
    monkeypatch.setattr(entity_names, "CHECK_SECONDS", 0.0)
    load_corpus(es, test_settings, corpus_articles())
    return test_settings, create_app(test_settings).test_client()


def search(api, **params) -> dict:
    response = api.get("/search", query_string={"size": 100, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(result) -> set[str]:
    return {hit["id"] for hit in result["hits"]}


def persons_facet(result) -> dict[str, dict]:
    return {v["key"]: v for v in result["facets"]["person"]}


def test_short_forms_fold_into_the_full_name(api):
    everything = persons_facet(search(api, facet_size=100))
    assert everything["باراك اوباما"]["count"] == 7 and "اوباما" not in everything
    assert everything["محمد بن نايف بن عبدالعزيز"]["count"] == 8 and "محمد بن نايف" not in everything
    assert everything["سلمان بن عبدالعزيز ال سعود"]["count"] == 6 and "سلمان بن عبدالعزيز" not in everything
    assert everything["باراك اوباما"]["name"] == "باراك أوباما"  # the registry's display name


def test_namesakes_stay_apart(api):
    everything = persons_facet(search(api, facet_size=100))
    assert everything["عبدالله بن عبدالعزيز"]["count"] == 5
    assert everything["عبدالله بن عبدالعزيز ربيعه"]["count"] == 3
    assert everything["خالد فيصل"]["count"] == 3 and everything["فيصل بن خالد"]["count"] == 3
    assert everything["ميشيل اوباما"]["count"] == 2  # the other Obama keeps her own name


@pytest.mark.parametrize("short, full", [("أوباما", "باراك أوباما"), ("محمد بن نايف", "محمد بن نايف بن عبدالعزيز"),
                                         ("سلمان بن عبد العزيز", "سلمان بن عبدالعزيز آل سعود")])
def test_filters_accept_any_alias(api, short, full):
    by_short, by_full = search(api, person=short), search(api, person=full)
    assert ids(by_short) == ids(by_full) and by_full["total"] >= 6
    assert [v["key"] for v in by_short["facets"]["person"] if v["selected"]] == [facet_key(full)]


def test_hits_show_entities_by_their_entity(api):
    hit = next(h for h in search(api, person="أوباما")["hits"] if h["id"] == "g1-0")
    assert hit["entities"]["persons"] == [{"key": "باراك اوباما", "name": "أوباما", "count": 2}]
    both = api.get("/articles/g5-0").get_json()["entities"]["persons"]
    assert both == [{"key": "محمد بن نايف بن عبدالعزيز", "name": "محمد بن نايف بن عبدالعزيز", "count": 4}]


def test_entity_lookup_and_profile(api):
    found = api.get("/entities", query_string={"type": "person", "prefix": "اوب"}).get_json()
    assert [e["key"] for e in found["entities"]][:2] == ["باراك اوباما", "ميشيل اوباما"]
    obama = found["entities"][0]
    assert obama["article_count"] == 7 and {a["name"] for a in obama["aliases"]} == {"باراك أوباما", "أوباما"}
    by_alias = api.get("/entities", query_string={"prefix": "نايف"}).get_json()["entities"]
    assert [e["key"] for e in by_alias] == ["محمد بن نايف بن عبدالعزيز"]  # a word inside, any alias
    assert api.get("/entities?type=planet").status_code == 400

    page = api.get("/entities/person/أوباما")  # an alias finds the entity
    assert page.status_code == 200
    profile = page.get_json()
    assert profile["key"] == "باراك اوباما" and profile["article_count"] == 7
    assert profile["first_seen"] == "2015-07-01" and profile["last_seen"] == "2015-07-04"
    assert profile["timeline"] == [{"date": "2015-07-01", "count": 7}]
    assert [r["key"] for r in profile["related"]["location"]] == ["واشنطن"]
    assert {r["key"] for r in profile["related"]["organization"]} == {"بيت ابيض", "كونغرس", "تويتر"}
    assert profile["related"]["person"] == []
    assert profile["topics"] == [{"key": "politics", "name": "سياسة", "count": 7}]
    missing = api.get("/entities/person/لا أحد")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert api.get("/entities/planet/x").status_code == 404


def test_search_outlives_an_unreadable_registry(es, changing):
    """The registry only names and folds values: with its index closed (or a shard lost), search still answers,
    with the names already read and keys for the rest; the entity endpoints say 503; reopened, all is back."""
    loaded, api = changing
    before = persons_facet(search(api, facet_size=100))
    index = next(iter(es.indices.get_alias(name=registry.registry_alias(loaded.index_alias))))
    es.indices.close(index=index)
    try:
        assert persons_facet(search(api, facet_size=100)) == before  # the view last read
        fresh = create_app(loaded).test_client()  # nothing read yet: keys stand for names
        persons = persons_facet(search(fresh, facet_size=100))
        assert persons["باراك اوباما"]["count"] == 7 and persons["باراك اوباما"]["name"] == "باراك اوباما"
        lookup = fresh.get("/entities/person/أوباما")
        assert lookup.status_code == 503 and lookup.get_json()["error"] == "engine_unavailable"
    finally:
        es.indices.open(index=index, wait_for_active_shards="all")
    assert persons_facet(search(fresh, facet_size=100))["باراك اوباما"]["name"] == "باراك أوباما"


def test_related_articles(api):
    related = api.get("/articles/g0-0/related?size=5").get_json()
    assert related["id"] == "g0-0" and len(related["articles"]) == 5
    assert "g0-0" not in {a["id"] for a in related["articles"]}
    assert {a["id"][:2] for a in related["articles"]} <= {"g0", "g1"}  # the same person's articles first
    assert api.get("/articles/nope/related").status_code == 404
    assert api.get("/articles/g0-0/related?size=0").status_code == 400


def test_openapi_lists_the_entity_endpoints(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert {"/entities", "/entities/{entity_type}/{key}", "/articles/{article_id}/related"} <= set(paths)


CURATION = """{
  "merge": [{"type": "organization", "into": "البيت الأبيض", "from": ["الكونغرس"]}],
  "hide": [{"type": "organization", "names": ["تويتر"]}],
  "rename": [{"type": "person", "name": "سلمان بن عبدالعزيز", "display": "الملك سلمان بن عبدالعزيز"}]
}"""


def organizations(api) -> dict[str, int]:
    return {v["key"]: v["count"] for v in search(api, facet_size=100)["facets"]["organization"]}


def test_curation_apply_and_undo(es, changing, tmp_path):
    loaded, api = changing
    before = organizations(api)
    assert before["تويتر"] == 37 and before["كونغرس"] == 7
    path = tmp_path / "curation.json"
    path.write_text(CURATION, encoding="utf-8")
    report = sync(es, loaded, load(path), strict=True)
    assert report.curated == 2 and report.updated == 37  # تويتر is in every article
    after = organizations(api)
    assert "تويتر" not in after and "كونغرس" not in after and after["بيت ابيض"] == 7
    assert ids(search(api, organization="الكونغرس")) == ids(search(api, organization="البيت الأبيض"))
    assert search(api, organization="تويتر")["total"] == 0
    salman = api.get("/entities/person/سلمان بن عبدالعزيز").get_json()
    assert salman["name"] == "الملك سلمان بن عبدالعزيز" and salman["key"] == "سلمان بن عبدالعزيز ال سعود"
    assert api.get("/entities/organization/تويتر").status_code == 404
    hit = api.get("/articles/g0-0").get_json()
    assert "تويتر" not in {e["key"] for e in hit["entities"]["organizations"]}

    assert sync(es, loaded, load(path), strict=True).updated == 0  # applying again changes nothing
    undone = sync(es, loaded, parse("{}"), strict=True)
    assert undone.updated == 37 and organizations(api) == before
    assert api.get("/entities/person/سلمان بن عبدالعزيز").get_json()["name"] == "سلمان بن عبدالعزيز آل سعود"


@pytest.mark.parametrize("text, line, reason", [
    ('{"hide": [\n  {"type": "organization", "names": ["تويتر"],}\n]}', 2, "broken JSON"),
    ('{"hide": [\n  {"type": "organization", "names": ["تويتر"]},\n  {"type": "company", "names": ["x"]}\n]}', 3,
     "unknown type 'company'"),
    ('{"merge": [\n {"type": "person", "into": "أوباما", "from": ["ميشيل أوباما"]},\n'
     ' {"type": "person", "into": "ميشيل أوباما", "from": ["أوباما"]}\n]}', 3, "merge cycle"),
    ('{"merge": [{"type": "person", "into": "أوباما",\n              "from": ["زيد المجهول"]}]}', 2,
     "unknown person 'زيد المجهول'"),
])
def test_bad_curation_files_change_nothing(es, loaded, api, tmp_path, text, line, reason):
    state = registry.read_state(es, registry.registry_alias(loaded.index_alias))
    before = search(api, facet_size=100)["facets"]
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError) as raised:
        sync(es, loaded, load(path), strict=True)
    assert any(number == line and reason in message for number, message in raised.value.problems), \
        raised.value.problems
    assert registry.read_state(es, registry.registry_alias(loaded.index_alias)) == state
    assert search(api, facet_size=100)["facets"] == before


def test_cli_apply_rejects_a_bad_file_with_its_line(loaded, tmp_path, engine_url):
    import os
    import subprocess
    import sys

    path = tmp_path / "bad.json"
    path.write_text('{"hide": [\n  {"type": "planet", "names": ["x"]}\n]}', encoding="utf-8")
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": loaded.index_alias, "ELASTICSEARCH_URL": engine_url}
    result = subprocess.run([sys.executable, "-m", "cli", "entities", "apply", str(path)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"{path}:2: hide: unknown type 'planet'" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr


def test_refresh_entities_follows_deleted_articles(es, changing):
    loaded, api = changing
    es.delete(index=loaded.index_alias, id="g8-0", refresh=True)
    es.delete(index=loaded.index_alias, id="g10-0", refresh=True)
    for n in (1, 2):
        es.delete(index=loaded.index_alias, id=f"g10-{n}", refresh=True)
    refresh_entities(es, loaded, {("person", "عبدالله بن عبدالعزيز"), ("person", "خالد فيصل")})
    king = api.get("/entities/person/عبدالله بن عبدالعزيز").get_json()
    assert king["article_count"] == 4
    assert api.get("/entities/person/خالد الفيصل").status_code == 404  # no article left


def test_indexing_resolves_through_the_extractor(es, test_settings, tmp_path):
    """Through the real pipeline: titles announce the names, so any extractor finds them."""
    rows = []
    for n in range(3):
        rows.append({"id": f"full-{n}", "published_at": f"2015-07-0{n + 1}", "title": "حفل في الرياض",
                     "body": "استقبل ولي العهد الأمير محمد بن نايف بن عبدالعزيز في الرياض قادة وزارة الداخلية."})
        rows.append({"id": f"short-{n}", "published_at": f"2015-07-0{n + 2}", "title": "تخريج دفعة جديدة",
                     "body": "رعى الأمير محمد بن نايف في الرياض حفل تخريج طلاب وزارة الداخلية."})
        rows.append({"id": f"other-{n}", "published_at": f"2015-07-0{n + 1}", "title": "مباراة في جدة",
                     "body": "فاز نادي الاتحاد في جدة وقال المدرب الأرجنتيني رامون دياز إن الفريق قدم مباراة جيدة."})
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    summary = index_paths(es, test_settings, [path], progress=False)
    assert summary.entities["resolved"] >= 1
    client = create_app(test_settings).test_client()
    short = client.get("/search", query_string={"person": "محمد بن نايف"}).get_json()
    full = client.get("/search", query_string={"person": "محمد بن نايف بن عبدالعزيز"}).get_json()
    assert short["total"] == full["total"] == 6 and {h["id"][:4] for h in short["hits"]} == {"full", "shor"}


def test_derive_is_exact_and_reversible():
    extracted = [{"type": "person", "key": "اوباما", "name": "أوباما", "count": 2},
                 {"type": "organization", "key": "تويتر", "name": "تويتر", "count": 1}]
    mapping = {("person", "اوباما"): "باراك اوباما", ("organization", "تويتر"): ""}
    marked, facets = derive(extracted, mapping)
    assert facets == {"persons": ["باراك اوباما"], "organizations": [], "locations": []}
    assert marked[0]["resolved"] == "باراك اوباما" and marked[1]["hidden"] is True
    assert derive(marked, mapping) == (marked, facets)  # idempotent
    assert derive(marked, {}) == (extracted, {"persons": ["اوباما"], "organizations": ["تويتر"], "locations": []})


def test_containment_candidates():
    from indexer.registry.resolution import candidates

    keys = ["اوباما", "باراك اوباما", "محمد بن نايف", "محمد بن نايف بن عبدالعزيز", "نايف", "منصور هادي",
            "عبدربه منصور هادي", "سلمان بن عبدالعزيز", "محمد بن سلمان بن عبدالعزيز", "خالد فيصل", "فيصل بن خالد",
            "عادل جبير", "عادل بن احمد جبير"]
    found = candidates(keys)
    assert found["اوباما"] == ["باراك اوباما"]
    assert found["محمد بن نايف"] == ["محمد بن نايف بن عبدالعزيز"]
    assert found["منصور هادي"] == ["عبدربه منصور هادي"]  # the last words of the full name
    assert found["عادل جبير"] == ["عادل بن احمد جبير"]
    assert "نايف" not in found and "سلمان بن عبدالعزيز" not in found  # after بن: the father, not a short form
    assert "خالد فيصل" not in found and "فيصل بن خالد" not in found  # the same words in another order


def test_articles_written_one_by_one_follow_the_registry(es, changing):
    loaded, api = changing
    article = corpus_articles()[4]  # an article that says أوباما alone
    article.id = "late-1"
    es.index(index=loaded.index_alias, id=article.id, document=build_document(article), refresh=True)
    assert follow_writes(es, loaded, ["late-1"], set()) >= 1
    assert api.get("/articles/late-1").get_json()["entities"]["persons"][0]["key"] == "باراك اوباما"
    assert "late-1" in ids(search(api, person="باراك أوباما"))
    assert api.get("/entities/person/باراك أوباما").get_json()["article_count"] == 8


def test_refresh_of_a_large_entity_counts_by_aggregation(es, changing, monkeypatch):
    from indexer.registry import sync as sync_module

    loaded, api = changing
    monkeypatch.setattr(sync_module, "EXACT_UP_TO", 2)  # Obama's 7 articles are "many" here
    before = api.get("/entities/person/باراك أوباما").get_json()
    generation = registry.generation(es, registry.registry_alias(loaded.index_alias))
    es.delete(index=loaded.index_alias, id="g0-0", refresh=True)
    assert refresh_entities(es, loaded, {("person", "باراك اوباما")}) == 1
    after = api.get("/entities/person/باراك أوباما").get_json()
    assert after["article_count"] == 6 and after["first_seen"] == "2015-07-02"
    assert after["aliases"] == before["aliases"]  # kept until the next sync
    # Names and mapping are unchanged: the API processes keep their cached view.
    assert registry.generation(es, registry.registry_alias(loaded.index_alias)) == generation
