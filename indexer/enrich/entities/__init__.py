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
        return self.entities_all([(title, body)])[0]

    def entities_all(self, texts: list[tuple[str, str]]) -> list[list[Entity]]:
        """The entities of each (title, body), the texts tagged together (faster with a model)."""
        # Title and body as one text so that a name in the title propagates into the body.
        tokens = [article_tokens(title, body)[0] for title, body in texts]
        return [to_entities(propagate(text, found, lexicon()), lexicon())
                for text, found in zip(tokens, self.extractor.extract_all(tokens))]

    def apply(self, article: Article) -> Article:
        return self.apply_all([article])[0]

    def apply_all(self, articles: list[Article]) -> list[Article]:
        for article, entities in zip(articles, self.entities_all([(a.title, a.body) for a in articles])):
            article.entities = entities
        return articles
