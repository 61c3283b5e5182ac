"""Entity extraction: persons, organizations and locations as facet values.

`EntityStage` runs an extractor (the shipped CRF model, which reads the rules' decisions among its features;
another model or the rules alone per AKHBAR_ENTITY_MODEL) over the title and body, propagates names within the article and canonicalizes them into `Entity` values.
"""
from __future__ import annotations

from indexer.article import Article, Entity
from indexer.enrich.entities.base import Extractor, Mention
from indexer.enrich.tokens import Tokens, article_tokens, tokenize
from indexer.enrich.entities.canonical import propagate, to_entities
from indexer.enrich.entities.lexicon import lexicon
from indexer.enrich.entities.rules import RuleExtractor


def default_extractor() -> Extractor:
    """The CRF model AKHBAR_ENTITY_MODEL names (by default the shipped one), or the rules alone when it is
    `none`. Raises crf.ModelError for a model file that cannot be used: never a silent fall-back to the rules."""
    from core.settings import load

    model = load().entity_model
    if model is None:
        return RuleExtractor()
    from indexer.enrich.entities.crf import CrfExtractor

    return CrfExtractor.load(model)


def extract_mentions(text: str, extractor: Extractor) -> tuple[Tokens, list[Mention]]:
    return mentions_in(tokenize(text), extractor)


def mentions_in(tokens: Tokens, extractor: Extractor) -> tuple[Tokens, list[Mention]]:
    return tokens, propagate(tokens, extractor.extract(tokens), lexicon())


class EntityStage:
    name = "entities"

    def __init__(self, extractor: Extractor | None = None):
        self.extractor = extractor or default_extractor()

    def entities(self, title: str, body: str) -> list[Entity]:
        # Title and body as one text so that a name in the title propagates into the body.
        _, mentions = mentions_in(article_tokens(title, body)[0], self.extractor)
        return to_entities(mentions, lexicon())

    def apply(self, article: Article) -> Article:
        article.entities = self.entities(article.title, article.body)
        return article
