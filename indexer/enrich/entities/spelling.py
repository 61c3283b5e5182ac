"""How names are spelled, learned from the corpus label profile: a word the news shows too rarely to have a profile
of its own still looks like the words that have one (فرويد like شومسكي and بينوشي; a transliterated surname
reads unlike an Arabic verb or noun).

The profile (entities.profile) says, for the ~100,000 words the news repeats, how often the first model tagged
each as part of a person, organization or location name. A logistic regression per type over each word's letter
n-grams (2 to 4, with its edges) learns which spellings those names have; its probability, as a coarse band, is a
word feature of the model trained a second time. Its weights travel in the model file as a table of n-grams, so
scoring a word needs no library: the sum of its n-grams' weights, once per word. Training needs scikit-learn
(the `train` extra).
"""
from __future__ import annotations

import math
from bisect import bisect_right

from indexer.enrich.entities.profile import PROFILE_TYPES
from indexer.enrich.tokens import Token

SPELLING_NAMES = ("spelling_pers", "spelling_org", "spelling_loc")
GRAMS = (2, 4)
_SIZES = range(GRAMS[0], GRAMS[1] + 1)
# A word counts as a name of a type when the first model tagged it so this often; weights closer to 0 than
# WEIGHT_FLOOR are left out of the table (they change no band).
NAME_SHARE = 0.5
WEIGHT_FLOOR = 0.01


def letter_grams(word: str) -> list[str]:
    """The word's letter n-grams, its edges marked by spaces (as scikit-learn's `char_wb`)."""
    padded = f" {word} "
    return [padded[i:i + n] for n in _SIZES for i in range(len(padded) - n + 1)]


Spelling = tuple[tuple[str, ...], tuple[float, ...], dict[str, tuple[float, ...]]]  # types, intercepts, weights


def train_spelling(shares: dict[str, tuple[float, ...]]) -> Spelling | None:
    """(the types learned, their intercepts, n-gram -> its weight per type), from word form -> its share of tags per
    type in PROFILE_TYPES; None when no type has both names and other words. Deterministic: liblinear on the
    words in the order given."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    words = list(shares)
    vectorizer = CountVectorizer(analyzer=letter_grams, binary=True, min_df=2)
    matrix = vectorizer.fit_transform(words)
    grams = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    types, intercepts, columns = [], [], []
    for index, kind in enumerate(PROFILE_TYPES):
        named = np.array([shares[word][index] >= NAME_SHARE for word in words])
        if named.all() or not named.any():
            continue  # nothing to tell apart (a tiny corpus)
        fitted = LogisticRegression(C=1.0, max_iter=300, solver="liblinear", random_state=0).fit(matrix, named)
        types.append(kind)
        intercepts.append(round(float(fitted.intercept_[0]), 3))
        columns.append(np.round(fitted.coef_[0], 3))
    if not types:
        return None
    rows = np.stack(columns, axis=1)
    weights = {gram: tuple(map(float, row)) for gram, row in zip(grams, rows) if np.abs(row).max() >= WEIGHT_FLOOR}
    return tuple(types), tuple(intercepts), weights


def spelling_features(token: Token, spelling: Spelling) -> dict[str, str]:
    """The band of the probability that the word's spelling is a name's, per type the model learned."""
    types, intercepts, weights = spelling
    rows = [row for row in map(weights.get, set(letter_grams(token.key))) if row is not None]
    return {_NAMES[kind]: _BANDS[bisect_right(_CUTS, sum(column))]
            for kind, column in zip(types, zip(intercepts, *rows))}


_NAMES = dict(zip(PROFILE_TYPES, SPELLING_NAMES))
_BANDS = ("lo", "mid", "hi", "top")
# the bands' probability bounds as scores (log-odds), so a word's band needs no exp()
_CUTS = tuple(math.log(p / (1 - p)) for p in (0.1, 0.3, 0.6))
