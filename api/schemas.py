"""Request and response schemas (marshmallow); flask-smorest turns them into the OpenAPI document."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.fields import ENTITY_TYPES

MAX_WINDOW = 10_000
FACETS = ("organization", "person", "location", "topic", "source")


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=500),
                      metadata={"description": 'Arabic free text: "quoted phrase", -exclusion, OR'})
    organization = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    person = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    location = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    topic = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    source = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    sort = fields.String(load_default="relevance", validate=validate.OneOf(["relevance", "newest", "oldest"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    size = fields.Integer(load_default=10, validate=validate.Range(min=0, max=100))
    facet_size = fields.Integer(load_default=10, validate=validate.Range(min=0, max=100))
    interval = fields.String(load_default="month", validate=validate.OneOf(["month", "week", "day"]))
    cursor = fields.String(load_default=None, validate=validate.Length(max=4000),
                           metadata={"description": "`*` to start walking all results; then next_cursor"})

    @validates_schema
    def check_window(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("date_from is after date_to", "date_from")
        if not data.get("cursor") and data["page"] * data["size"] > MAX_WINDOW:  # `cursor=` is no cursor
            raise ValidationError(
                f"page x size may not exceed {MAX_WINDOW}; use cursor=* to walk all results", "page")


class FacetArgs(Schema):
    prefix = fields.String(load_default="", validate=validate.Length(max=100))
    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class FacetValue(Schema):
    key = fields.String(required=True, metadata={"description": "normalized key; pass it back as a filter"})
    name = fields.String(required=True, metadata={"description": "display form"})
    count = fields.Integer(required=True)
    selected = fields.Boolean(required=True)


class TopicLabel(Schema):
    id = fields.String()
    ar = fields.String()
    en = fields.String()
    parent = fields.String(allow_none=True)


class EntityOut(Schema):
    key = fields.String()
    name = fields.String()
    count = fields.Integer()


class Entities(Schema):
    persons = fields.List(fields.Nested(EntityOut))
    organizations = fields.List(fields.Nested(EntityOut))
    locations = fields.List(fields.Nested(EntityOut))


class Highlight(Schema):
    title = fields.String(metadata={"description": "HTML-escaped title with <mark> around matches"})
    snippets = fields.List(fields.String(), metadata={"description": "up to 3 HTML-escaped body fragments"})


class ArticleFields(Schema):
    """What a search hit and a full article share."""
    id = fields.String()
    title = fields.String()
    url = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    entities = fields.Nested(Entities)
    topics = fields.List(fields.Nested(TopicLabel))


class Hit(ArticleFields):
    score = fields.Float(allow_none=True)
    highlight = fields.Nested(Highlight)


class HistogramBucket(Schema):
    date = fields.String()
    count = fields.Integer()


class SearchResponse(Schema):
    total = fields.Integer()
    total_relation = fields.String(metadata={"description": "eq, or gte when the count is a lower bound"})
    page = fields.Integer()
    size = fields.Integer()
    took_ms = fields.Integer()
    hits = fields.List(fields.Nested(Hit))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValue)))
    histogram = fields.List(fields.Nested(HistogramBucket))
    next_cursor = fields.String(allow_none=True)


class ArticleOut(ArticleFields):
    body = fields.String()


class FacetValues(Schema):
    facet = fields.String()
    prefix = fields.String()
    values = fields.List(fields.Nested(FacetValue))




class EntitiesArgs(Schema):
    type = fields.String(load_default=None, validate=validate.OneOf(ENTITY_TYPES))
    prefix = fields.String(load_default="", validate=validate.Length(max=100),
                           metadata={"description": "start of any word of the name or of any alias"})
    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class AliasOut(Schema):
    name = fields.String(metadata={"description": "a surface form as articles write it"})
    count = fields.Integer(metadata={"description": "mentions"})


class EntitySummary(Schema):
    type = fields.String()
    key = fields.String(metadata={"description": "facet key; filter /search by it (or by any alias)"})
    name = fields.String()
    article_count = fields.Integer()
    aliases = fields.List(fields.Nested(AliasOut))


class EntityList(Schema):
    type = fields.String(allow_none=True)
    prefix = fields.String()
    entities = fields.List(fields.Nested(EntitySummary))


class RelatedEntities(Schema):
    person = fields.List(fields.Nested(EntityOut))
    organization = fields.List(fields.Nested(EntityOut))
    location = fields.List(fields.Nested(EntityOut))


class EntityProfile(EntitySummary):
    first_seen = fields.String(allow_none=True)
    last_seen = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(HistogramBucket), metadata={"description": "articles per month"})
    related = fields.Nested(RelatedEntities, metadata={"description": "entities most often in the same articles"})
    topics = fields.List(fields.Nested(EntityOut))


class RelatedArgs(Schema):
    size = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class RelatedArticle(Schema):
    id = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)


class RelatedArticles(Schema):
    id = fields.String()
    articles = fields.List(fields.Nested(RelatedArticle))
