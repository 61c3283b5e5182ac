"""What every entity extractor produces, and the interface it implements."""
from __future__ import annotations

from typing import NamedTuple, Protocol

from indexer.enrich.tokens import Token, Tokens

TYPES = ("person", "organization", "location")


class Mention(NamedTuple):  # a NamedTuple: articles make tens of them, and tuples are cheap to build
    type: str
    first: int  # token index
    last: int  # token index, inclusive
    surface: str  # the name as written, clitics removed (what a facet displays)


def surface_without_prefix(token: Token, reading: str) -> str:
    """The written form of `token` with the clitic letters that `reading` dropped removed."""
    written = token.plain
    dropped = len(token.norm) - len(reading)
    if dropped <= 0 or len(written) != len(token.norm):
        return written if dropped <= 0 else reading
    if token.norm[:dropped].endswith("لل"):
        return "ال" + written[dropped:]  # للأمم = ل + الأمم with the article's alef elided
    return written[dropped:]


def mention_surface(tokens: Tokens, first: int, last: int, reading: str | None = None) -> str:
    """A mention as written, minus the clitics that the first word's `reading` dropped."""
    words = [surface_without_prefix(tokens[first], reading or tokens[first].norm)]
    words += [surface_without_prefix(t, t.norm) for t in tokens[first + 1:last + 1]]
    return " ".join(words)


class Extractor(Protocol):
    def extract(self, tokens: Tokens) -> list[Mention]:
        """Mentions found in an article's tokens, non-overlapping, in order."""

    def extract_all(self, texts: list[Tokens]) -> list[list[Mention]]:
        """`extract` of each text: a model tags a batch of articles together, which is faster."""
