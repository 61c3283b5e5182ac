"""Enrichment stages, each behind one interface: `Stage.apply(article) -> article`, and `Stage.apply_all` for a
batch of articles (the entity model tags a batch together: much faster than article by article).

The pipeline is `default_stages()`; the indexer runs it in worker processes, a batch at a time.
"""
from __future__ import annotations

from typing import Protocol

from indexer.article import Article


class Stage(Protocol):
    name: str

    def apply(self, article: Article) -> Article:
        ...

    def apply_all(self, articles: list[Article]) -> list[Article]:
        ...


def default_stages() -> list[Stage]:
    from indexer.enrich.cleanup import Cleanup
    from indexer.enrich.entities import EntityStage
    from indexer.enrich.topics import TopicStage

    return [Cleanup(), EntityStage(), TopicStage()]


def enrich(article: Article, stages: list[Stage]) -> Article:
    for stage in stages:
        article = stage.apply(article)
    return article


def enrich_all(articles: list[Article], stages: list[Stage]) -> list[Article]:
    """`enrich` of each article: each stage over the whole batch before the next."""
    for stage in stages:
        articles = stage.apply_all(articles)
    return articles
