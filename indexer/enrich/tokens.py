"""Words of a text with everything the enrichment rules ask of them, computed once per distinct word.

News vocabulary repeats heavily, so normalization, clitic readings and lookup keys are cached per word form;
a text is tokenized once and shared by the entity and topic stages.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from core.arabic import clitic_readings, normalize, strip_article

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def match_key(norm: str) -> str:
    """How a normalized word is compared against word lists: the article dropped."""
    return strip_article(norm)


class Token(NamedTuple):
    text: str  # as written
    start: int
    end: int
    norm: str  # core.arabic.normalize(text)
    key: str  # match_key(norm)
    readings: tuple[tuple[str, str], ...]  # (reading, its key) for each clitic reading, the word itself first
    gap: bool  # punctuation (not just spaces) separates it from the previous token


@lru_cache(maxsize=500_000)
def word_info(word: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    norm = normalize(word)
    return norm, match_key(norm), tuple((r, match_key(r)) for r in clitic_readings(norm))


_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)


@lru_cache(maxsize=16)
def tokenize(text: str) -> tuple[Token, ...]:
    # split() with a capturing group alternates separator, word, separator, …: no match objects to build.
    parts = _SPLIT.split(text)
    tokens = []
    offset = len(parts[0])
    for index in range(1, len(parts), 2):
        word = parts[index]
        before = parts[index - 1]
        gap = bool(before) and (not before.isspace() or "\n" in before)
        norm, key, readings = word_info(word)
        end = offset + len(word)
        tokens.append(Token(word, offset, end, norm, key, readings, gap))
        offset = end + len(parts[index + 1])
    return tuple(tokens)


def article_tokens(title: str, body: str) -> tuple[tuple[Token, ...], int]:
    """One token sequence for an article (body after the title, across a line break) and how many tokens
    the title has. Cached, so the entity and topic stages share one tokenization."""
    tokens = tokenize(f"{title}\n{body}")
    end = len(title)
    return tokens, sum(1 for t in tokens if t.start < end)
