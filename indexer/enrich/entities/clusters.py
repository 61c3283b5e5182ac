"""Word classes learned from unlabeled news text, for the optional CRF (`akhbar train entities --unlabeled`).

Words that occur in the same contexts fall into the same class: transliterated surnames with surnames, verbs
with verbs, whatever the labelled data happened to contain. That lets the model recognise a name it never saw
in training (`شوماخر` beside `ألونسو`). Classes come from positive PMI counts of the words at ±1 and ±2,
reduced by a truncated SVD and grouped by k-means at three granularities. Needs the `train` extra.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from indexer.enrich.tokens import Token, tokenize

# Class counts from coarse to fine: a coarse class generalises, a fine one keeps distinctions.
LEVELS = (64, 256, 1024)
LEVEL_NAMES = ("class_coarse", "class_mid", "class_fine")
NO_CLASS = ("-",) * len(LEVELS)


def word_form(token: Token) -> str:
    """The form a word is grouped under: normalized, the article dropped (clitics are tried at look-up)."""
    return token.key


def build_classes(texts: Iterable[str], *, vocabulary: int = 80_000, contexts: int = 3_000, dims: int = 100,
                  min_count: int = 3, levels: tuple[int, ...] = LEVELS, seed: int = 0) -> dict[str, tuple[str, ...]]:
    """word form -> its class at each level, for the `vocabulary` most frequent forms of `texts`, most frequent
    first (the order is the corpus evidence of which reading of a word is a word). A small text gets fewer
    classes: at most a quarter of its words."""
    from sklearn.cluster import MiniBatchKMeans

    words, vectors = word_vectors(texts, vocabulary=vocabulary, contexts=contexts, dims=dims, min_count=min_count,
                                  seed=seed)
    labels = [MiniBatchKMeans(min(k, len(words) // 4), random_state=seed, batch_size=4096, n_init=3)
              .fit(vectors).labels_ for k in levels]
    return {word: tuple(str(level[i]) for level in labels) for i, word in enumerate(words)}


def word_vectors(texts: Iterable[str], *, vocabulary: int = 80_000, contexts: int = 3_000, dims: int = 100,
                 min_count: int = 3, seed: int = 0):
    """(words, unit vectors): the `vocabulary` most frequent forms of `texts` seen `min_count` times or more, most
    frequent first, and a row per word of its positive PMI with the `contexts` most frequent forms at ±1 and ±2,
    reduced to `dims` dimensions by a truncated SVD."""
    import numpy as np
    import scipy.sparse as sparse
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    documents = [[word_form(t) for t in tokenize(text)] for text in texts if text]
    counts = Counter(form for words in documents for form in words)
    words = [w for w, n in counts.most_common(vocabulary) if n >= min_count]
    if len(words) < 16:
        raise ValueError(f"too little unlabeled text for word classes: {len(words)} distinct words seen "
                         f"{min_count} times or more")
    row_of = {w: i for i, w in enumerate(words)}
    column_of = {w: i for i, (w, _) in enumerate(counts.most_common(contexts))}
    width = len(column_of)
    rows, columns = [], []
    for forms in documents:
        for i, form in enumerate(forms):
            row = row_of.get(form)
            if row is None:
                continue
            for slot, offset in enumerate((-1, 1, -2, 2)):
                j = i + offset
                if 0 <= j < len(forms):
                    column = column_of.get(forms[j])
                    if column is not None:
                        rows.append(row)
                        columns.append(slot * width + column)
    matrix = sparse.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)),
                               shape=(len(words), 4 * width)).tocsr().tocoo()  # tocsr sums duplicates
    total = matrix.sum()
    row_sums = np.asarray(matrix.sum(axis=1)).ravel()
    column_sums = np.asarray(matrix.sum(axis=0)).ravel()
    pmi = np.log(matrix.data * total / (row_sums[matrix.row] * column_sums[matrix.col]))
    positive = pmi > 0
    ppmi = sparse.csr_matrix((pmi[positive], (matrix.row[positive], matrix.col[positive])), shape=matrix.shape)
    dims = min(dims, min(ppmi.shape) - 1)
    return words, normalize(TruncatedSVD(dims, random_state=seed).fit_transform(ppmi))


def classes_of(token: Token, classes: dict, missing=NO_CLASS):
    """A word's classes: of the word itself, else of its first clitic reading that has some (وشوماخر); `missing`
    when none has. Any table keyed by word form is looked up the same way (a word's vector, in the benches)."""
    found = classes.get(word_form(token))
    if found is None:
        found = next((classes[key] for _, key in token.readings[1:] if key in classes), missing)
    return found
