"""The pure search-building and result-shaping functions, without an engine."""
import datetime

from api.query import build_search, filter_values, topics_matching, user_syntax
from api.results import shape_facets


def test_filter_values_use_the_shared_normalization():
    assert filter_values("organization", ["الأمم المتحدة", "الامم المتحده"]) == ["امم متحده"]
    assert filter_values("topic", ["الهجرة غير الشرعية", "illegal_migration"]) == ["illegal_migration"]


def test_user_syntax_or_word():
    assert user_syntax("الكوليرا OR السكري") == "الكوليرا | السكري"
    assert user_syntax("ORACLE") == "ORACLE"


def test_disjunctive_facets_leave_out_their_own_filter():
    body = build_search({"q": "", "person": ["زيدان"], "source": ["okaz"], "size": 10, "page": 1})
    person_filters = body["aggs"]["facet_person"]["filter"]["bool"]["filter"]
    source_filters = body["aggs"]["facet_source"]["filter"]["bool"]["filter"]
    assert person_filters == [{"terms": {"source": ["okaz"]}}]
    assert source_filters == [{"terms": {"persons": ["زيدان"]}}]
    assert len(body["post_filter"]["bool"]["filter"]) == 2
    assert body["sort"][0] == {"published_at": {"order": "desc", "missing": "_last"}}  # empty q: newest first
    assert body["aggs"]["facet_person"]["aggs"]["selected"]["terms"]["include"] == ["زيدان"]


def test_dates_and_cursor():
    body = build_search({"q": "نفط", "date_from": datetime.date(2015, 7, 1), "date_to": datetime.date(2015, 7, 31),
                         "size": 5}, pit_id="abc", search_after=[1, 2])
    assert body["query"]["bool"]["filter"] == [{"range": {"published_at": {"gte": "2015-07-01",
                                                                           "lte": "2015-07-31||/d"}}}]
    assert body["pit"]["id"] == "abc" and body["search_after"] == [1, 2] and "from" not in body
    assert "aggs" not in body  # facets once per walk, not per page
    assert body["sort"][-1] == {"_shard_doc": "asc"}


def test_topics_matching_labels():
    assert "illegal_migration" in topics_matching("هجرة")
    assert topics_matching("Sport") == ["sports"]


def test_selected_value_missing_from_results_is_still_listed():
    aggs = {"facet_source": {"values": {"buckets": [{"key": "okaz", "doc_count": 3}]},
                             "selected": {"buckets": []}}}
    facets = shape_facets(aggs, {"source": ["sabq"]})
    assert {"key": "sabq", "name": "sabq", "count": 0, "selected": True} in facets["source"]


def test_facets_without_other_filters_are_top_level_and_read_back_alike():
    from api.results import nested, shape_facets

    body = build_search({"q": "نفط", "person": ["زيدان"], "size": 10, "page": 1})
    aggs = body["aggs"]
    assert "facet_person|values" in aggs and aggs["facet_person|selected"]["terms"]["include"] == ["زيدان"]
    assert aggs["facet_source"]["filter"]["bool"]["filter"] == [{"terms": {"persons": ["زيدان"]}}]
    assert "histogram" in aggs  # the histogram applies every filter
    assert "histogram|dates" in build_search({"q": "نفط", "size": 10, "page": 1})["aggs"]
    response = {"facet_person|values": {"buckets": [{"key": "زيدان", "doc_count": 2}]},
                "facet_person|selected": {"buckets": [{"key": "زيدان", "doc_count": 2}]}}
    assert nested(response) == {"facet_person": {"values": response["facet_person|values"],
                                                 "selected": response["facet_person|selected"]}}
    assert shape_facets(nested(response), {"person": ["زيدان"]}) == {
        "person": [{"key": "زيدان", "name": "زيدان", "count": 2, "selected": True}]}
