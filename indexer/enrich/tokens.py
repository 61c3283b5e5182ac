"""Words of a text with everything the enrichment rules ask of them, computed once per distinct word.

News vocabulary repeats heavily, so normalization, clitic readings and lookup keys are cached per word form;
a text is tokenized once and shared by the entity and topic stages.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from itertools import accumulate, compress
from operator import attrgetter
from typing import NamedTuple

from core.arabic import DIACRITIC_CHARS, clitic_readings, normalize, strip_article, strip_marks

def match_key(norm: str) -> str:
    """How a normalized word is compared against word lists: the article dropped."""
    return strip_article(norm)


def phrase_keys(text: str) -> tuple[str, ...]:
    """A phrase as the word lists and token keys compare it: each word normalized, its article dropped."""
    return tuple(match_key(w) for w in normalize(text).split())


class Token(NamedTuple):
    """A word in context. The same word with the same gap is the same Token object (cached): most of an
    article's tokens are words already seen, so tokenizing is mostly dictionary look-ups."""

    text: str  # as written
    norm: str  # core.arabic.normalize(text)
    key: str  # match_key(norm)
    readings: tuple[tuple[str, str], ...]  # (reading, its key) for each clitic reading, the word itself first
    gap: bool  # punctuation (not just spaces) separates it from the previous token
    keyset: tuple[str, ...]  # the distinct keys of all readings, for quick "could this word be X" tests
    plain: str  # as written without diacritics and tatweel: what a facet displays


# Distinct word forms remembered per process. Half of this corpus (what one of two workers sees) has ~216,000;
# a word beyond the bound is still handled, only computed again when it recurs. ~450 bytes a word.
VOCABULARY = 300_000


class WordMemo(dict):
    """A per-process memo of a function of one word, bounded so memory stays flat on any corpus (news
    vocabulary is Zipfian: the words worth remembering are met early). Look-ups through `map(memo.__getitem__,
    words)` stay in C for every word already seen."""

    def __init__(self, compute, bound: int = VOCABULARY):
        super().__init__()
        self.compute = compute
        self.bound = bound

    def __missing__(self, word):
        value = self.compute(word)
        if len(self) < self.bound:
            self[word] = value
        return value


def _same(value: str, word: str) -> str:
    return word if value == word else value  # one string object where forms coincide: a smaller vocabulary


def _token(word: str) -> Token:
    norm = _same(normalize(word), word)
    readings = tuple((r, match_key(r)) for r in clitic_readings(norm))
    keyset = tuple(dict.fromkeys(k for _, k in readings))
    return Token(word, norm, readings[0][1], readings, False, keyset, _same(strip_marks(word), word))


_TOKENS = WordMemo(_token)
_GAPPED = WordMemo(lambda word: _TOKENS[word]._replace(gap=True))


def word_token(word: str) -> Token:
    """The Token of one word as written (no gap before it)."""
    return _TOKENS[word]


# A word: letters and digits with the diacritics, tatweel and joiners written inside it (مُحَمَّد is one word, as
# the engine's tokenizer sees it); a stray mark with no letter before it is punctuation. Not `_`, which joins
# hashtag words (#رؤية_2030). The pattern that need not exclude `_` is twice as fast: it serves texts without one.
_INSIDE = f"{DIACRITIC_CHARS}\u0640\u200c\u200d"
_SPLIT_FAST = re.compile(f"(\\w[\\w{_INSIDE}]*)")
_SPLIT_EXACT = re.compile(f"([^\\W_](?:[^\\W_]|[{_INSIDE}])*)")


def _split(text: str) -> list[str]:
    """separator, word, separator, word, …, separator (re.split with a capturing group)."""
    return (_SPLIT_EXACT if "_" in text else _SPLIT_FAST).split(text)


def _gap(separator: str) -> bool:
    return bool(separator) and (not separator.isspace() or "\n" in separator)


_KEY = attrgetter("key")


class Tokens(tuple):
    """The tokens of one text (a tuple of Token), with the columns that several stages scan computed once."""

    words: list[str]  # each token as written
    sentence_starts: list[int]  # tokens after a sentence end (. ! ? ؟ or a line break), in order

    @cached_property
    def keys(self) -> list[str]:
        return list(map(_KEY, self))


# Room for a batch of articles (indexer.pipeline.BATCH): the entity stage tokenizes all of a batch, then the
# topic stage reads the same tokens.
@lru_cache(maxsize=128)
def tokenize(text: str) -> Tokens:
    # split() with a capturing group alternates separator, word, separator, …: no match objects to build.
    parts = _split(text)
    words = parts[1::2]
    tokens = list(map(_TOKENS.__getitem__, words))
    separators = parts[0:-1:2]
    sentence_starts = []
    for i in compress(range(len(separators)), map(" ".__ne__, separators)):  # one space: the usual case
        if _gap(separators[i]):
            tokens[i] = _GAPPED[words[i]]
            if i and _SENTENCE_END(separators[i]):
                sentence_starts.append(i)
    result = Tokens(tokens)
    result.words = words
    result.sentence_starts = sentence_starts
    return result


_SENTENCE_END = re.compile(r"[.!?؟\n]").search


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of `tokenize(text)`, for mapping mentions back onto the text."""
    bounds = list(accumulate(map(len, _split(text))))  # bounds[2i] = start of word i, bounds[2i+1] its end
    return list(zip(bounds[0::2], bounds[1::2]))


def article_tokens(title: str, body: str) -> tuple[Tokens, int]:
    """One token sequence for an article (body after the title, across a line break) and how many tokens
    the title has. Cached, so the entity and topic stages share one tokenization."""
    return tokenize(f"{title}\n{body}"), len(_split(title)) // 2
