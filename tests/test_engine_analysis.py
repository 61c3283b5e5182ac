"""The index definition against the real engine: the rebuilt analyzer is the built-in `arabic` one, and an
article written through the alias is found by another inflection of its words."""
import pytest

from core.mappings import index_definition, versioned_index_name

pytestmark = pytest.mark.engine

WORDS = [
    # prefixes و / ال / بال / لل / ف / ك
    "والمدرسة", "المدرسة", "بالمدرسة", "للمدرسة", "فالكتاب", "كالبحر", "وسيكتبون",
    # suffixes ات / ون / ين / ها / ية
    "المفاوضات", "مفاوضات", "المعلمون", "المعلمين", "كتابها", "الخارجية",
    # alef, yeh and teh-marbuta variants, hamza seats
    "أحمد", "إسرائيل", "آمال", "مستشفى", "مستشفي", "مدينة", "مدينه", "مسؤول", "شؤون", "رئيس",
    # diacritics and tatweel
    "مُحَمَّد", "الســـلام", "العَرَبِيَّة",
    # Arabic-Indic and extended digits, mixed script, stop words
    "٢٠١٥", "۱۲۳", "UNODC", "في", "من", "على", "التي",
]


@pytest.fixture
def analysis_index(es, test_settings):
    name = versioned_index_name(test_settings.index_alias)
    es.indices.create(index=name, **index_definition())
    return name


def _tokens(es, index, analyzer, text):
    response = es.indices.analyze(index=index, analyzer=analyzer, text=text)
    return [(t["token"], t["start_offset"], t["end_offset"], t["position"]) for t in response["tokens"]]


def test_custom_analyzer_equals_builtin_arabic(es, analysis_index):
    for word in WORDS:
        assert _tokens(es, analysis_index, "arabic_text", word) == _tokens(es, analysis_index, "arabic", word), word
    sentence = " ".join(WORDS)
    assert _tokens(es, analysis_index, "arabic_text", sentence) == _tokens(es, analysis_index, "arabic", sentence)


def test_stemming_and_folding_really_happen(es, analysis_index):
    # Guards against both analyzers silently degrading to the standard one.
    assert [t[0] for t in _tokens(es, analysis_index, "arabic_text", "والمفاوضات")] == ["مفاوض"]
    assert [t[0] for t in _tokens(es, analysis_index, "arabic_text", "٢٠١٥ في")] == ["2015"]
    assert [t[0] for t in _tokens(es, analysis_index, "arabic_exact", "والمفاوضات")] == ["والمفاوضات"]
    assert [t[0] for t in _tokens(es, analysis_index, "arabic_exact", "إسرائيل")] == ["اسرائيل"]


def test_article_found_through_alias_by_another_inflection(es, test_settings, analysis_index):
    es.indices.put_alias(index=analysis_index, name=test_settings.index_alias)
    es.index(index=test_settings.index_alias, id="a1", refresh=True, document={
        "title": "استئناف المفاوضات بين الوفدين في جنيف",
        "body": "أعلن المتحدث أن المفاوضات ستستأنف الأسبوع المقبل بحضور المعلمين والمسؤولين.",
        "source": "عينة", "published_at": "2026-11-01T10:00:00Z",
    })
    for query in ("مفاوضات", "والمفاوضات", "بالمفاوضات", "المعلمون", "مسؤولون"):
        response = es.search(index=test_settings.index_alias, query={"match": {"body": query}})
        assert [h["_id"] for h in response["hits"]["hits"]] == ["a1"], query
    missing = es.search(index=test_settings.index_alias, query={"match": {"body": "كرة"}})
    assert missing["hits"]["total"]["value"] == 0
