"""The REST API against the real engine and the sample corpus."""
import uuid
from dataclasses import replace

import pytest

from api import create_app
from core.engine import client
from indexer.jobs import index_paths
from tests.conftest import SAMPLES, drop_indices

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def api(es, base_settings):
    settings = replace(base_settings, index_alias=f"test-api-{uuid.uuid4().hex[:8]}", index_workers=0)
    index_paths(es, settings, [SAMPLES], progress=False)
    app = create_app(settings)
    yield app.test_client()
    drop_indices(es, settings.index_alias)


def search(api, **params):
    response = api.get("/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(result):
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize("variant", ["الهجرة", "هجرة", "والهجرة", "للهجرة", "بالهجرة"])
def test_morphological_variants_match(api, variant):
    result = search(api, q=variant)
    assert {"sample-029", "sample-030", "sample-032"} <= ids(result)


def test_plural_and_singular_match(api):
    assert "sample-029" in ids(search(api, q="مهاجرين"))
    assert "sample-029" in ids(search(api, q="المهاجرون"))


def test_phrase_exclusion_and_or(api):
    phrase = ids(search(api, q='"الهجرة غير الشرعية"'))
    assert "sample-029" in phrase and "sample-030" not in phrase  # 030 says غير النظامية
    excluded = ids(search(api, q="الهجرة -لامبيدوزا"))
    assert "sample-029" in excluded and "sample-030" not in excluded
    either = ids(search(api, q="الكوليرا OR السكري"))
    assert {"sample-021", "sample-042"} <= either


def test_highlights_wrap_matches_and_escape_markup(api):
    hit = next(h for h in search(api, q="المفاوضات")["hits"] if h["id"] == "sample-001")
    assert any("<mark>المفاوضات</mark>" in s for s in hit["highlight"]["snippets"])
    stem = next(h for h in search(api, q="مفاوضات")["hits"] if h["id"] == "sample-001")
    assert any("<mark>المفاوضات</mark>" in s for s in stem["highlight"]["snippets"])  # whole word, by stem
    assert all(len(s) <= 260 for s in stem["highlight"]["snippets"])
    empty = search(api, q="", size=1)["hits"][0]
    assert empty["highlight"]["snippets"] and "<mark>" not in empty["highlight"]["snippets"][0]  # the lead


def test_highlight_escapes_html(es, base_settings, tmp_path):
    settings = replace(base_settings, index_alias=f"test-esc-{uuid.uuid4().hex[:8]}", index_workers=0)
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "x1", "title": "خبر <b>عاجل</b>", "body": "نص فيه <script>alert(1)</script> '
                    'و a < b ثم الهجرة"}\n', encoding="utf-8")
    index_paths(es, settings, [path], progress=False)
    try:
        hit = create_app(settings).test_client().get("/search?q=الهجرة").get_json()["hits"][0]
        snippet = hit["highlight"]["snippets"][0]
        assert "<script>" not in snippet and "&lt;" in snippet and "<mark>الهجرة</mark>" in snippet
    finally:
        drop_indices(es, settings.index_alias)


def facet(result, name):
    return {v["key"]: v for v in result["facets"][name]}


def test_facet_counts_are_exact_and_disjunctive(api, es):
    everything = search(api, size=0, facet_size=100)
    assert everything["total"] == 44
    sources = facet(everything, "source")
    assert sum(v["count"] for v in sources.values()) == 44
    amn = search(api, size=0, source="amn", facet_size=100)
    assert amn["total"] == sources["amn"]["count"]
    # The source facet ignores its own filter (multi-select), the others apply it.
    assert facet(amn, "source") == {k: {**v, "selected": k == "amn"} for k, v in sources.items()}
    topics_in_amn = facet(amn, "topic")
    assert topics_in_amn["security"]["count"] <= amn["total"]
    two = search(api, size=0, source=["amn", "sehha"])
    assert two["total"] == sources["amn"]["count"] + sources["sehha"]["count"]  # OR within a facet


def test_filters_combine_and_normalize(api):
    libya = search(api, location="ليبيا", size=50)
    both = search(api, location="ليبيا", topic="illegal_migration", size=50)
    assert 0 < both["total"] <= libya["total"]
    assert ids(both) <= ids(libya)
    migration = search(api, topic="illegal_migration", size=50)
    assert ids(both) == ids(libya) & ids(migration)  # AND across facets
    by_key = search(api, organization="امم متحده")
    by_display = search(api, organization="الأمم المتحدة")
    by_variant = search(api, organization="الامم المتحده")
    assert ids(by_key) == ids(by_display) == ids(by_variant) and by_key["total"] > 0
    assert search(api, topic="الهجرة غير الشرعية")["total"] == search(api, topic="illegal_migration")["total"]
    selected = facet(by_display, "organization")["امم متحده"]
    assert selected["selected"] and selected["name"] == "الأمم المتحدة"


def test_selected_value_outside_top_n_is_returned(api):
    expected = facet(search(api, size=0, facet_size=100), "source")["thaqafa"]["count"]
    result = search(api, size=0, facet_size=1, source="thaqafa")
    values = facet(result, "source")
    assert len(values) == 2 and values["thaqafa"]["selected"] and values["thaqafa"]["count"] == expected


def test_dates_sorting_and_histogram(api):
    result = search(api, date_from="2026-10-20", date_to="2026-10-31", sort="oldest", size=50, interval="day")
    dates = [h["published_at"][:10] for h in result["hits"]]
    assert dates == sorted(dates) and dates[0] >= "2026-10-20" and dates[-1] <= "2026-10-31"
    assert sum(b["count"] for b in result["histogram"]) == result["total"]
    newest = search(api, size=3)
    assert [h["published_at"] for h in newest["hits"]] == sorted((h["published_at"] for h in newest["hits"]),
                                                                  reverse=True)


def test_pagination_limits_and_cursor(api):
    page2 = search(api, size=10, page=2)
    assert len(page2["hits"]) == 10 and page2["page"] == 2
    too_deep = api.get("/search?page=101&size=100")
    assert too_deep.status_code == 400
    body = too_deep.get_json()
    assert "10000" in body["details"]["fields"]["page"][0] and "cursor" in body["details"]["fields"]["page"][0]
    seen, cursor = [], "*"
    while cursor:
        result = search(api, size=15, cursor=cursor)
        seen += [h["id"] for h in result["hits"]]
        cursor = result["next_cursor"]
    assert len(seen) == len(set(seen)) == 44
    assert api.get("/search?cursor=garbage").status_code == 400


@pytest.mark.parametrize("query,field", [
    ("size=101", "size"), ("size=x", "size"), ("page=0", "page"), ("sort=random", "sort"),
    ("date_from=2026-13-01", "date_from"), ("date_from=2026-11-02&date_to=2026-11-01", "date_from"),
    ("interval=year", "interval"), ("facet_size=-1", "facet_size"), ("q=" + "ا" * 501, "q"),
])
def test_validation_errors_name_the_field(api, query, field):
    response = api.get(f"/search?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_error" and field in body["details"]["fields"]


def test_facet_size_zero_means_no_facets(api):
    result = search(api, q="الهجرة", size=0, facet_size=0, interval="day")
    assert result["facets"] == {} and result["total"] == 3
    assert sum(bucket["count"] for bucket in result["histogram"]) == 3


def test_page_and_docs_are_served_by_the_app(api):
    page = api.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert api.get("/web/main.js").status_code == 200
    docs = api.get("/docs").get_data(as_text=True)
    assert "http://" not in docs and "https://" not in docs  # no outside asset
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/docs/assets/{asset}" in docs and api.get(f"/docs/assets/{asset}").status_code == 200
    assert "/" not in api.get("/openapi.json").get_json()["paths"]  # the page is no API operation


def test_other_errors_are_json(api):
    assert api.get("/articles/does-not-exist").get_json()["error"] == "not_found"
    assert api.get("/nowhere").status_code == 404 and api.get("/nowhere").get_json()["error"] == "not_found"
    assert api.post("/search").status_code == 405 and "error" in api.post("/search").get_json()
    big = api.get("/search", data="x" * 70_000, headers={"Content-Type": "text/plain"})
    assert big.status_code == 413 and big.get_json()["error"] == "request_entity_too_large"
    assert search(api, q='"(((-OR ||')["total"] >= 0  # odd syntax is text, never an engine error


def test_article_by_id(api):
    article = api.get("/articles/sample-032").get_json()
    assert article["title"].startswith("وزارة الخارجية الليبية")
    names = {p["name"] for p in article["entities"]["persons"]}
    assert "هيلين فورد" in names
    assert "illegal_migration" in {t["id"] for t in article["topics"]}


def test_facet_prefix_search(api):
    values = api.get("/facets/organization?prefix=امم").get_json()["values"]
    assert "امم متحده" in {v["key"] for v in values}
    assert any(v["name"] == "الأمم المتحدة" for v in values)
    # the start of a later word, with hamza and teh-marbuta variants
    assert "منظمه صحه عالميه" in {v["key"] for v in api.get("/facets/organization?prefix=الصحة").get_json()["values"]}
    assert api.get("/facets/weather").status_code == 404
    assert api.get("/facets/person?size=0").status_code == 400


def test_engine_down_is_503_and_recovers(base_settings, api, es):
    alias = api.application.extensions["akhbar.settings"].index_alias
    down = replace(base_settings, elasticsearch_url="http://127.0.0.1:9", index_alias=alias, request_timeout=2)
    app = create_app(down)
    tester = app.test_client()
    for path in ("/search?q=الهجرة", "/health", "/articles/sample-001", "/facets/person"):
        response = tester.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] and response.get_json()["error"] == "engine_unavailable"
    # The engine "comes back": the same app, its client now pointed at the live engine.
    app.extensions["akhbar.es"] = client(replace(down, elasticsearch_url=base_settings.engine_url))
    assert tester.get("/health").status_code == 200
    assert tester.get("/search?q=الهجرة").get_json()["total"] >= 3


def test_openapi_document_is_valid(api):
    from openapi_spec_validator import validate

    spec = api.get("/openapi.json").get_json()
    validate(spec)
    assert {"/search", "/articles/{article_id}", "/facets/{name}", "/health"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "person", "organization", "topic", "cursor"} <= params
    assert api.get("/docs").status_code == 200


def test_cors_for_configured_origins_and_gzip(es, base_settings, api):
    alias = api.application.extensions["akhbar.settings"].index_alias
    settings = replace(base_settings, index_alias=alias, cors_origins=("https://news.example",))
    tester = create_app(settings).test_client()
    allowed = tester.get("/search?q=الهجرة", headers={"Origin": "https://news.example"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://news.example"
    other = tester.get("/search?q=الهجرة", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    zipped = tester.get("/search?size=20", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip"
    import gzip as gz
    import json as js

    assert js.loads(gz.decompress(zipped.data))["total"] == 44


def test_topic_facet_prefix_matches_labels(api):
    values = {v["key"]: v for v in api.get("/facets/topic?prefix=الهجرة").get_json()["values"]}
    assert "illegal_migration" in values and values["illegal_migration"]["name"] == "الهجرة غير الشرعية"
    assert "sports" in {v["key"] for v in api.get("/facets/topic?prefix=رياض").get_json()["values"]}
    assert api.get("/facets/topic?prefix=zzz").get_json()["values"] == []
