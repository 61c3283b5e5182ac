"""The article as it moves through the pipeline."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Entity:
    type: str  # "person" | "organization" | "location"
    key: str  # canonical facet key (core.arabic.facet_key of the display form)
    name: str  # the most frequent surface form in the article
    count: int = 1


@dataclass
class Article:
    id: str
    title: str
    body: str
    url: str | None
    source: str | None
    published_at: datetime | None
    author: str | None
    publisher_topics: list[str] = field(default_factory=list)
    # Filled by enrichment:
    original_title: str | None = None
    original_body: str | None = None
    entities: list[Entity] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Retraction:
    """An input record `{"id": …, "deleted": true}`: take the article out and keep a tombstone so that
    re-running an old input never brings it back."""
    id: str
    reason: str | None = None
