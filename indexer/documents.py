"""Article -> engine document (the shape mappings/articles.json describes), and back for reindexing."""
from __future__ import annotations

from datetime import datetime, timezone

from core.fields import ENTITY_FIELDS, EXTRACTED_KEYS, extracted_key
from indexer.article import Article



def build_document(article: Article, now: datetime | None = None) -> dict:
    doc = {
        "title": article.title,
        "body": article.body,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "indexed_at": (now or datetime.now(timezone.utc)).isoformat(),
        "topics": article.topics,
        "entities": [{"type": e.type, "key": e.key, "name": e.name, "count": e.count} for e in article.entities],
        # What reindexing re-runs enrichment from: the input as it arrived, stored only where cleanup changed
        # it (most articles arrive clean, and a second copy of every body would double the index).
        "original": {"topics": article.publisher_topics},
    }
    if article.original_title is not None and article.original_title != article.title:
        doc["original"]["title"] = article.original_title
    if article.original_body is not None and article.original_body != article.body:
        doc["original"]["body"] = article.original_body
    # Facet fields start as the extraction; the entity registry's sync maps them through resolution and curation.
    for etype, keys_field in ENTITY_FIELDS.items():
        doc[keys_field] = [e.key for e in article.entities if e.type == etype]
    doc[EXTRACTED_KEYS] = [extracted_key(e.type, e.key) for e in article.entities]
    return doc


def input_from_document(source: dict) -> dict:
    """The raw input record a stored document was built from (for `akhbar reindex` with no paths)."""
    original = source.get("original") or {}
    return {
        "title": original.get("title") if original.get("title") is not None else source.get("title"),
        "body": original.get("body") if original.get("body") is not None else source.get("body"),
        "url": source.get("url"),
        "source": source.get("source"),
        "published_at": source.get("published_at"),
        "author": source.get("author"),
        "topics": original.get("topics") or [],
    }
