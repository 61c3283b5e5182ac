"""Words of a text with everything the enrichment rules ask of them, computed once per distinct word.

News vocabulary repeats heavily, so normalization, clitic readings and lookup keys are cached per word form;
a text is tokenized once and shared by the entity and topic stages.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate
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


@lru_cache(maxsize=200_000)
def word_info(word: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    norm = normalize(word)
    return norm, match_key(norm), tuple((r, match_key(r)) for r in clitic_readings(norm))


_new_token = tuple.__new__  # skips NamedTuple's Python-level __new__: tokens are made by the hundred thousand
_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)


@lru_cache(maxsize=16)
def tokenize(text: str) -> tuple[Token, ...]:
    # split() with a capturing group alternates separator, word, separator, …: no match objects to build,
    # and the per-token work runs in map/zip rather than in a Python loop body.
    parts = _SPLIT.split(text)
    words = parts[1::2]
    if not words:
        return ()
    bounds = list(accumulate(map(len, parts)))  # bounds[2i] = start of word i, bounds[2i+1] = its end
    gaps = [bool(sep) and (not sep.isspace() or "\n" in sep) for sep in parts[0:-1:2]]
    return tuple(
        _new_token(Token, (word, start, end, *info, gap))
        for word, start, end, info, gap in zip(words, bounds[0::2], bounds[1::2], map(word_info, words), gaps)
    )


def article_tokens(title: str, body: str) -> tuple[tuple[Token, ...], int]:
    """One token sequence for an article (body after the title, across a line break) and how many tokens
    the title has. Cached, so the entity and topic stages share one tokenization."""
    tokens = tokenize(f"{title}\n{body}")
    end = len(title)
    return tokens, sum(1 for t in tokens if t.start < end)
