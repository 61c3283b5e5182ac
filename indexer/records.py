"""Validation of raw records into articles (marshmallow). A record that fails says why, in words."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from itertools import islice

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from indexer.article import Article, Retraction
from indexer.identity import article_id

MAX_TITLE = 2_000
MAX_BODY = 1_000_000
MIN_LETTERS = 3
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")


def parse_date(value: str) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(f"not a date: {value!r} (use ISO 8601 or YYYY-MM-DD hh:mm:ss)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # the corpora we know give UTC or local times without zone
    if not 1800 <= parsed.year <= 2200:
        raise ValidationError(f"date out of range: {value!r}")
    return parsed


class PublishedAt(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):  # beyond what a date can hold, or NaN
                raise ValidationError(f"timestamp out of range: {value!r}") from None
        if not isinstance(value, str):
            raise ValidationError("must be a string date or a Unix timestamp")
        return parse_date(value)


class ArticleInputSchema(Schema):
    id = fields.String(load_default=None, validate=validate.Length(min=1, max=512))
    title = fields.String(load_default="", validate=validate.Length(max=MAX_TITLE))
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    url = fields.String(load_default=None, validate=validate.Length(max=2048))
    source = fields.String(load_default=None, validate=validate.Length(max=256))
    published_at = PublishedAt(load_default=None)
    author = fields.String(load_default=None, validate=validate.Length(max=512))
    topics = fields.List(fields.String(validate=validate.Length(min=1, max=128)), load_default=list,
                         validate=validate.Length(max=50))

    @pre_load
    def drop_nulls(self, data, **kwargs):
        data = {k: v for k, v in data.items() if v is not None}
        if isinstance(data.get("id"), int) and not isinstance(data.get("id"), bool):
            data["id"] = str(data["id"])
        if isinstance(data.get("topics"), str):
            data["topics"] = [t.strip() for t in data["topics"].split(",") if t.strip()]
        return data

    @validates_schema
    def has_text(self, data, **kwargs):
        text = (data.get("title") or "") + " " + (data.get("body") or "")
        if sum(1 for _ in islice(_LETTER.finditer(text), MIN_LETTERS)) < MIN_LETTERS:  # stop at the third letter
            raise ValidationError("an article needs a title or a body with real text", "title")


_SCHEMA = ArticleInputSchema()


def validate_record(data: dict) -> Article:
    """An Article, or ValidationError whose message names each bad field."""
    loaded = _SCHEMA.load(data)
    title, body = loaded["title"].strip(), loaded["body"].strip()
    source = (loaded["source"] or "").strip() or None
    published = loaded["published_at"]
    return Article(
        id=loaded["id"] or article_id(loaded["url"], source, title, published),
        title=title,
        body=body,
        url=loaded["url"],
        source=source,
        published_at=published,
        author=(loaded["author"] or "").strip() or None,
        publisher_topics=loaded["topics"],
    )


class RetractionSchema(Schema):
    """`{"id": …, "deleted": true, "reason": …}`; a URL stands for the id it hashes to, as for articles."""
    id = fields.String(load_default=None, validate=validate.Length(min=1, max=512))
    url = fields.String(load_default=None, validate=validate.Length(min=1, max=2048))
    deleted = fields.Boolean(required=True, validate=validate.Equal(True))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))

    @pre_load
    def drop_nulls(self, data, **kwargs):
        data = {k: v for k, v in data.items() if v is not None and k in self.fields}  # article fields may ride along
        if isinstance(data.get("id"), int) and not isinstance(data.get("id"), bool):
            data["id"] = str(data["id"])
        return data

    @validates_schema
    def names_an_article(self, data, **kwargs):
        if not data.get("id") and not data.get("url"):
            raise ValidationError("a deletion needs the id (or the url) of the article", "id")


_RETRACTION_SCHEMA = RetractionSchema()


def is_retraction(data: dict) -> bool:
    """`deleted` set to anything but false: a retraction (whose schema then checks the value is true)."""
    return data.get("deleted") not in (None, False)


def validate_retraction(data: dict) -> Retraction:
    loaded = _RETRACTION_SCHEMA.load(data)
    article = loaded["id"] or article_id(loaded["url"], None, "", None)
    return Retraction(id=article, reason=(loaded["reason"] or "").strip() or None)


def describe(error: ValidationError) -> str:
    """`field: message; field: message` from marshmallow's nested messages."""
    messages = error.normalized_messages()
    parts = []
    for field_name, problems in sorted(messages.items()):
        if isinstance(problems, dict):
            problems = [f"{k}: {v}" for k, v in problems.items()]
        parts.append(f"{field_name}: {' '.join(str(p) for p in problems)}")
    return "; ".join(parts)
