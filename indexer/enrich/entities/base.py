"""What every entity extractor produces, and the interface it implements."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.arabic import strip_marks
from indexer.enrich.tokens import Token, tokenize  # noqa: F401  (re-exported for extractors)

TYPES = ("person", "organization", "location")


@dataclass(frozen=True)
class Mention:
    type: str
    first: int  # token index
    last: int  # token index, inclusive
    surface: str  # the name as written, clitics removed (what a facet displays)


def surface_without_prefix(token: Token, reading: str) -> str:
    """The written form of `token` with the clitic letters that `reading` dropped removed."""
    written = strip_marks(token.text)
    dropped = len(token.norm) - len(reading)
    if dropped <= 0 or len(written) != len(token.norm):
        return written if dropped <= 0 else reading
    if token.norm[:dropped].endswith("لل"):
        return "ال" + written[dropped:]  # للأمم = ل + الأمم with the article's alef elided
    return written[dropped:]


class Extractor(Protocol):
    def extract(self, tokens: list[Token]) -> list[Mention]:
        """Mentions found in one text (a title or a body), non-overlapping, in order."""
