"""Building and selecting the entity model: word classes from a corpus (cached), training, k-fold cross-validation.

Needs the `train` extra (scikit-learn for the word classes). Used by `akhbar train entities`, `make model` and
`akhbar eval entities GOLD --folds K`.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import pickle
import statistics
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from indexer.evaluation import GOLD_TYPES, Sentence, evaluate_entities

CLASSES_VERSION = 1  # raised when build_classes changes what it computes: cached classes are then rebuilt


def corpus_texts(paths: list[Path], unreadable: Counter) -> Iterator[str]:
    """The titles and bodies of the articles in `paths` (any input format `akhbar index` reads); records that
    cannot be read are counted in `unreadable` by reason."""
    from indexer.readers import read_all

    for record in read_all(paths):
        if record.data is None:
            unreadable[record.error] += 1
            continue
        for field in ("title", "body"):
            value = record.data.get(field)
            if isinstance(value, str) and value:
                yield value


def corpus_cache_file(cache_dir: Path, name: str, suffix: str, recipe: list, paths: list[Path]) -> Path:
    """Where what `recipe` (its version and settings) learns from the corpus `paths` is cached: named by a digest of
    the recipe and of the corpus files' paths, sizes and modification times."""
    identity = recipe + [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
    return cache_dir / f"{name}-{hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]}{suffix}"


def write_cache(cached: Path, value) -> None:
    """Pickle `value` to the cache file `cached` (its folder made if need be), never half-written under that name."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    scratch = cached.with_suffix(".partial")
    scratch.write_bytes(pickle.dumps(value, protocol=5))
    scratch.replace(cached)


def word_classes(paths: list[Path], cache_dir: Path) -> tuple[dict[str, tuple[str, ...]], str]:
    """Word classes learned from the articles in `paths`, and a line saying what was done. Built once per
    corpus (its files' paths, sizes and modification times) and kept in `cache_dir`: cross-validation and
    retraining reuse them."""
    from indexer.enrich.entities.clusters import build_classes

    cached = corpus_cache_file(cache_dir, "word-classes", ".pickle", [CLASSES_VERSION], paths)
    if cached.exists():
        with open(cached, "rb") as handle:
            classes = pickle.load(handle)
        return classes, f"word classes for {len(classes)} words (cached in {cached})"
    unreadable: Counter = Counter()
    classes = build_classes(corpus_texts(paths, unreadable))  # ValueError: too little text
    write_cache(cached, classes)
    skipped = ", ".join(f"{n} {reason}" for reason, n in unreadable.most_common())
    return classes, f"word classes for {len(classes)} words" + (f" (records not read: {skipped})" if skipped else "")


VECTORS_VERSION = 1  # raised when word_vectors changes what it computes


def _word_hash(word: str) -> int:
    """gensim seeds each word's starting vector with a hash of it; Python's own hash of a string changes with
    every interpreter, this one never does."""
    return zlib.crc32(word.encode())


def word_vectors(paths: list[Path], classes: dict[str, tuple[str, ...]], cache_dir: Path,
                 kind: str = "word2vec"):
    """Skip-gram word2vec vectors (Mikolov et al. 2013: 100 dimensions, window 5, 5 epochs) learned from the
    articles in `paths`, unit length, a row per word of `classes` in its order (the network's word inputs), and a
    line saying what was done. Deterministic: one worker thread, a fixed seed and a fixed word hash. Needs the
    `neural` extra (gensim); cached per corpus like the classes. `kind="fasttext"`: fastText's skip-gram instead
    (Bojanowski et al. 2017: a word's vector is the sum of its letter 3- to 6-grams' and its own, so a rare word or
    a clitic-prefixed form shares most of its vector with the frequent forms), a measured candidate, not taken:
    cross-validated, the network alone lost PERS in every fold and the combined model moved within the seed's noise
    (bench/entity_neural_ensemble.py --vectors)."""
    import numpy as np

    from indexer.enrich.entities.clusters import word_form
    from indexer.enrich.entities.network import VECTOR_DIM
    from indexer.enrich.tokens import tokenize

    words = list(classes)
    # the shipped kind keeps the key it had before there were kinds, so caches built then stay valid
    recipe = [VECTORS_VERSION, words[:100], len(words)] + ([kind] if kind != "word2vec" else [])
    cached = corpus_cache_file(cache_dir, "word-vectors", ".npy", recipe, paths)
    if cached.exists():
        vectors = np.load(cached)
        return vectors, f"word vectors for {len(vectors)} words (cached in {cached})"
    from gensim.models import FastText, Word2Vec

    documents = [[word_form(t) for t in tokenize(text)] for text in corpus_texts(paths, Counter()) if text]
    learner = {"word2vec": Word2Vec, "fasttext": FastText}[kind]
    model = learner(documents, vector_size=VECTOR_DIM, window=5, min_count=3, sg=1, negative=5, epochs=5,
                    workers=1, seed=0, hashfxn=_word_hash)
    vectors = np.array([model.wv[w] if w in model.wv else np.zeros(VECTOR_DIM) for w in words], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = cached.with_suffix(".partial.npy")
    np.save(scratch, vectors)
    scratch.replace(cached)
    return vectors, f"word vectors for {len(vectors)} words"


def unlabeled_texts(paths: list[Path] | None) -> Callable[[], Iterator[str]] | None:
    """The texts of the articles in `paths`, read afresh at each call (for crf.train), or None without paths."""
    if not paths:
        return None
    return lambda: corpus_texts(paths, Counter())


# -- cross-validation ------------------------------------------------------------------------------------------
# What every fold's process needs, set before the processes fork (the classes are not copied into each task).
_job: dict = {}


def folds_of(count: int, folds: int) -> list[range]:
    """`folds` contiguous blocks of sentence positions. Contiguous, not shuffled: ANERcorp's sentences run article
    by article, and a shuffled split would put sentences of the same article (the same names) on both sides."""
    return [range(count * k // folds, count * (k + 1) // folds) for k in range(folds)]


def _score_fold(k: int) -> dict[int, dict]:
    from indexer.enrich.entities import extract_mentions
    from indexer.enrich.entities.crf import CrfExtractor, train

    sentences, blocks, classes, options = _job["sentences"], _job["blocks"], _job["classes"], _job["options"]
    contexts, corpus = _job["contexts"], _job["corpus"]
    held_out = blocks[k]
    training = [(s.tokens, s.tags) for i, s in enumerate(sentences) if i not in held_out]
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "fold.xz"
        train(training, model, classes=classes, unlabeled=unlabeled_texts(corpus), **options)
        extractor = CrfExtractor.load(model)
        return {context: evaluate_entities(None, lambda text: extract_mentions(text, extractor),
                                           [sentences[i] for i in held_out], context=context)
                for context in contexts}


def cross_validate(sentences: list[Sentence], folds: int, *, classes=None, corpus: list[Path] | None = None,
                   jobs: int = 1, contexts=(1,), progress: Callable[[str], None] | None = None, **options) -> dict:
    """Train on all folds but one and score on that one, for each fold (`corpus`: the unlabeled articles each
    fold's first model reads for the corpus label profile, as `train` does); per type (PERS, ORG, LOC, micro) the
    mean, standard deviation, minimum and maximum of precision, recall and F1, and each fold's scores. Each
    of `contexts` is a way of scoring (evaluation.evaluate_entities): sentences read one by one, or in runs of
    N as one text."""
    blocks = folds_of(len(sentences), folds)
    _job.update(sentences=sentences, blocks=blocks, classes=classes, options=options, contexts=contexts,
                corpus=corpus)
    try:
        if jobs <= 1:
            scores = []
            for k in range(folds):
                scores.append(_score_fold(k))
                if progress:
                    progress(f"fold {k + 1}/{folds}: micro F1 {scores[-1][contexts[0]]['micro']['f1']:.3f}")
        else:
            context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with context.Pool(min(jobs, folds)) as pool:
                scores = pool.map(_score_fold, range(folds))
    finally:
        _job.clear()
    return {"folds": folds, "sentences": len(sentences),
            "summary": _summary([fold[contexts[0]] for fold in scores]),
            "per_fold": [fold[contexts[0]] for fold in scores],
            "context": contexts[0],
            "by_context": {context: {"summary": _summary([fold[context] for fold in scores]),
                                     "per_fold": [fold[context] for fold in scores]} for context in contexts}}


def _summary(scores: list[dict]) -> dict:
    summary = {}
    for label in (*GOLD_TYPES, "micro"):
        summary[label] = {}
        for metric in ("precision", "recall", "f1"):
            values = [fold[label][metric] for fold in scores]
            summary[label][metric] = {"mean": round(statistics.fmean(values), 4),
                                      "sd": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                                      "min": min(values), "max": max(values)}
    return summary


def format_cross_validation(result: dict) -> str:
    lines = [f"{result['folds']}-fold cross-validation over {result['sentences']} sentences (contiguous folds)"]
    for context, scored in result["by_context"].items():
        lines += ["sentences scored one by one" if context == 1
                  else f"sentences read {context} at a time as one text (an article's worth)",
                  f"{'type':<6} {'f1 mean':>8} {'sd':>6} {'min':>6} {'max':>6} {'precision':>9} {'recall':>7}"]
        for label, row in scored["summary"].items():
            f1 = row["f1"]
            lines.append(f"{label:<6} {f1['mean']:>8.3f} {f1['sd']:>6.3f} {f1['min']:>6.3f} {f1['max']:>6.3f} "
                         f"{row['precision']['mean']:>9.3f} {row['recall']['mean']:>7.3f}")
    return "\n".join(lines)
