"""What the articles index says about each extracted entity: its articles, surface forms and dates.

One pass over the articles' stored extraction (never the text): the input of resolution, curation checks and
the registry documents.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, helpers

EntityRef = tuple[str, str]  # (type, extracted key)


@dataclass
class KeyStats:
    """One extracted key across the corpus."""
    articles: list[int] = field(default_factory=list)  # article numbers (positions in Corpus.ids)
    surfaces: Counter = field(default_factory=Counter)  # surface form -> mentions
    mentions: int = 0


@dataclass
class Corpus:
    ids: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)  # yyyy-mm-dd of each article, or None
    entities: list[list[EntityRef]] = field(default_factory=list)  # each article's extracted entities
    keys: dict[EntityRef, KeyStats] = field(default_factory=dict)

    def add(self, article_id: str, published_at: str | None, extracted: list[dict]) -> None:
        number = len(self.ids)
        self.ids.append(article_id)
        self.dates.append(published_at[:10] if published_at else None)
        refs = []
        for entity in extracted:
            ref = (entity.get("type"), entity.get("key"))
            if not ref[0] or not ref[1] or ref in refs:
                continue
            refs.append(ref)
            stats = self.keys.get(ref)
            if stats is None:
                stats = self.keys[ref] = KeyStats()
            count = int(entity.get("count") or 1)
            stats.articles.append(number)
            stats.surfaces[entity.get("name") or ref[1]] += count
            stats.mentions += count
        self.entities.append(refs)


SOURCE_FIELDS = ["entities.type", "entities.key", "entities.name", "entities.count", "published_at"]


def read_corpus(es: Elasticsearch, index: str, query: dict | None = None) -> Corpus:
    """The extraction of every article of `index` (or of those matching `query`)."""
    corpus = Corpus()
    for hit in helpers.scan(es, index=index, query={"query": query or {"match_all": {}}, "_source": SOURCE_FIELDS},
                            size=2000, scroll="2m", preserve_order=False):
        source = hit.get("_source", {})
        corpus.add(hit["_id"], source.get("published_at"), source.get("entities") or [])
    return corpus
