"""Enrichment stages, each behind one interface: `Stage.apply(article) -> article`.

The pipeline is `default_stages()`; the indexer runs it in worker processes.
"""
from __future__ import annotations

from typing import Protocol

from indexer.article import Article


class Stage(Protocol):
    name: str

    def apply(self, article: Article) -> Article:
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
