"""What every entity extractor produces, and the interface it implements."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from core.arabic import normalize, strip_marks

TYPES = ("person", "organization", "location")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str  # as written
    start: int
    end: int
    norm: str  # core.arabic.normalize(text)
    gap: bool  # punctuation (not just spaces) separates it from the previous token


@dataclass(frozen=True)
class Mention:
    type: str
    first: int  # token index
    last: int  # token index, inclusive
    surface: str  # the name as written, clitics removed (what a facet displays)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        between = text[previous_end:match.start()]
        gap = bool(between.strip()) or "\n" in between
        tokens.append(Token(match.group(), match.start(), match.end(), normalize(match.group()), gap))
        previous_end = match.end()
    return tokens


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
