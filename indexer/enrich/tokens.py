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
    """A word in context. The same word with the same gap is the same Token object (cached): most of an
    article's tokens are words already seen, so tokenizing is mostly dictionary look-ups."""

    text: str  # as written
    norm: str  # core.arabic.normalize(text)
    key: str  # match_key(norm)
    readings: tuple[tuple[str, str], ...]  # (reading, its key) for each clitic reading, the word itself first
    gap: bool  # punctuation (not just spaces) separates it from the previous token
    keyset: frozenset[str]  # the keys of all readings, for quick "could this word be X" tests


@lru_cache(maxsize=200_000)
def _token(word: str, gap: bool) -> Token:
    norm = normalize(word)
    readings = tuple((r, match_key(r)) for r in clitic_readings(norm))
    return Token(word, norm, match_key(norm), readings, gap, frozenset(k for _, k in readings))


_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)


def _gap(separator: str) -> bool:
    return bool(separator) and (not separator.isspace() or "\n" in separator)


@lru_cache(maxsize=16)
def tokenize(text: str) -> tuple[Token, ...]:
    # split() with a capturing group alternates separator, word, separator, …: no match objects to build.
    parts = _SPLIT.split(text)
    gaps = [separator != " " and _gap(separator) for separator in parts[0:-1:2]]  # one space: the usual case
    return tuple(map(_token, parts[1::2], gaps))


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of `tokenize(text)`, for mapping mentions back onto the text."""
    bounds = list(accumulate(map(len, _SPLIT.split(text))))  # bounds[2i] = start of word i, bounds[2i+1] its end
    return list(zip(bounds[0::2], bounds[1::2]))


def article_tokens(title: str, body: str) -> tuple[tuple[Token, ...], int]:
    """One token sequence for an article (body after the title, across a line break) and how many tokens
    the title has. Cached, so the entity and topic stages share one tokenization."""
    return tokenize(f"{title}\n{body}"), len(_SPLIT.split(title)) // 2
