"""Entity model candidates compared by 5-fold cross-validation on the same folds as `akhbar eval entities --folds`.

    python bench/entity_model_candidates.py [CANDIDATE…] [--jobs 2]      (default: all candidates)

Each candidate is the shipped recipe with one change (training settings, or extra word features); per fold a
model is trained on the other four folds and scored per sentence, both on its own tags (ANERcorp's convention)
and as shipped (reconciled with the rules, entities.combine), beside the rules alone. Prints mean ± sd per type.
Word classes and proper-noun shares (entities.proper_nouns): SaudiNewsNet, from the cache `make model` fills
(AKHBAR_CACHE_DIR); each fold's first model reads SaudiNewsNet for the corpus label profile, as `make model` does.
Needs the `train` extra.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOLD = ROOT.parent / "shared" / "data" / "anercorp" / "anercorp-dev.conll"
UNLABELED = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"


def _rank_band(token, classes):
    """How frequent the word is in the unlabeled news: the bit length of its rank (oov when unseen)."""
    rank = _RANKS.setdefault(id(classes), {word: i for i, word in enumerate(classes or ())})
    position = next((rank[key] for _, key in token.readings if key in rank), None)
    return "oov" if position is None else str(position.bit_length())


_RANKS: dict = {}


def _binarized(token, classes):
    """The word's vector (the PPMI + SVD vectors its classes are grouped from), binarized as Guo et al. (2014,
    "Revisiting embedding features for simple semi-supervised learning") do: dimension j is a flag `e{j}+` when
    its value is above the mean of that dimension's positive values, `e{j}-` when below the mean of its negative
    ones, and no flag otherwise."""
    from indexer.enrich.entities.clusters import classes_of

    # looked up as a word's classes are, clitic readings too
    return {f"e{flag}": True for flag in classes_of(token, _job["binarized"], missing=())}


def _binarized_table() -> dict[str, tuple[str, ...]]:
    """word form -> its binarized vector's flags, from SaudiNewsNet (a few minutes)."""
    import numpy as np
    from collections import Counter

    from indexer.enrich.entities.clusters import word_vectors
    from indexer.enrich.entities.training import corpus_texts

    words, vectors = word_vectors(corpus_texts([UNLABELED], Counter()))
    above = np.array([column[column > 0].mean() if (column > 0).any() else np.inf for column in vectors.T])
    below = np.array([column[column < 0].mean() if (column < 0).any() else -np.inf for column in vectors.T])
    return {word: (*(f"{j}+" for j in np.flatnonzero(row > above)), *(f"{j}-" for j in np.flatnonzero(row < below)))
            for word, row in zip(words, vectors)}


_IDENTITY = ("key=", "stem=")


def _singleton_dropout(share: float):
    """A stand-in for crf.training_sequences: a word whose form (or stem) occurs once in the training sentences
    loses that identity attribute, its own and as its neighbours see it, with probability `share` (Lample et al.
    2016 replace singletons by UNK likewise), so the model learns to tag such a word from its context and
    spelling, as it must tag a name it never saw."""
    import random
    from collections import Counter

    from indexer.enrich.entities import crf

    sequences = _shipped(crf, "training_sequences")

    def training_sequences(examples, featurize):
        prepared = list(sequences(examples, featurize))
        counts = Counter(a for items, _ in prepared for item in items for a in item if a.startswith(_IDENTITY))
        draw = random.Random(0).random
        for items, tags in prepared:
            dropped = {a for item in items for a in item
                       if a.startswith(_IDENTITY) and counts[a] == 1 and draw() < share}
            if dropped:
                dropped |= {f"{offset}:{a}" for a in dropped for offset in crf._OFFSETS}
                items = [[a for a in item if a not in dropped] for item in items]
            yield items, tags

    crf.training_sequences = training_sequences


def _misc_label(keep: bool) -> None:
    """Train with ANERcorp's MISC names as a label of their own (B-MISC, I-MISC) instead of O, so that a name
    of another kind (جائزة نوبل، كأس العالم) is not taught as a plain word; MISC is still never output."""
    from indexer.enrich.entities import crf

    aligned, to_mentions = _shipped(crf, "aligned_tags"), _shipped(crf, "tags_to_mentions")
    shares = _shipped(crf, "label_shares")
    if not keep:
        crf.aligned_tags, crf.tags_to_mentions, crf.label_shares = aligned, to_mentions, shares
        return

    def aligned_tags(sentence_tokens, gold_tags, token_starts):
        marked = [tag.replace("MISC", "MX") for tag in gold_tags]  # past the shipped MISC -> O
        return [tag.replace("MX", "MISC") for tag in aligned(sentence_tokens, marked, token_starts)]

    def tags_to_mentions(tokens, tags, rank=None):
        return to_mentions(tokens, ["O" if tag.endswith("MISC") else tag for tag in tags], rank)

    def label_shares(tag, texts, *args, **kwargs):  # the corpus label profile counts PERS, ORG, LOC only
        return shares(lambda tokens: ["O" if t.endswith("MISC") else t for t in tag(tokens)], texts, *args, **kwargs)

    crf.aligned_tags, crf.tags_to_mentions, crf.label_shares = aligned_tags, tags_to_mentions, label_shares


EXTRA_FEATURES = {
    "stem_pre2": lambda token, classes: token.readings[-1][1][:2],
    "stem_pre3": lambda token, classes: token.readings[-1][1][:3],
    "stem_suf2": lambda token, classes: token.readings[-1][1][-2:],
    "stem_suf3": lambda token, classes: token.readings[-1][1][-3:],
    "freq": _rank_band,
    # each letter trigram of the stem (with its edges) as a flag: the letter patterns of transliterated names
    "trigrams": lambda token, classes: {f"tri:{stem[i:i + 3]}": True
                                        for stem in ["^" + token.readings[-1][1] + "$"] for i in range(len(stem) - 2)},
    "binarized": _binarized,
    "proper_spelling": lambda token, classes: _proper_spelling(token),
    "stem_pos": lambda token, classes: _job["stem_pos"].get(token.key, "unseen"),
}


def _stem_pos_table() -> dict[str, str]:
    """word key -> the POS tag the Stanford Arabic tagger most often gives its longest piece (its stem: NN, DTJJ,
    VBD, NNP …), over the same texts as the proper-noun bands, for words seen MIN_COUNT times: the whole treebank
    reading of a word, of which the bands keep only the proper-noun share. Cached beside them."""
    from core.settings import load
    from indexer.enrich.entities import proper_nouns

    def stem_tags(words):
        counts: dict[str, Counter] = defaultdict(Counter)
        for key, pieces in words:
            if pieces:
                counts[key][max(pieces)[1]] += 1
        return ({key: tags.most_common(1)[0][0] for key, tags in counts.items()
                 if sum(tags.values()) >= proper_nouns.MIN_COUNT}, "tagged")

    return proper_nouns.tagged_table([UNLABELED], load().cache_dir, "stem-pos", stem_tags)[0]


def _proper_spelling(token) -> str:
    """The band of the probability that the word is spelled as a proper noun, by a logistic regression over its
    letter n-grams (entities.spelling) fitted to the words the POS tagger tagged a proper noun at least half the
    time (entities.proper_nouns): so a word the tagged news never showed gets a reading too."""
    from indexer.enrich.entities.spelling import spelling_features, train_spelling

    if "proper_spelling" not in _job:
        shares = {key: (float(band == "mostly"), 0.0, 0.0) for key, band in _job["proper"].items()}
        _job["proper_spelling"] = train_spelling(shares)
    return spelling_features(token, _job["proper_spelling"])["spelling_pers"]


_BINARIZED_FLAGS = tuple(f"e{j}{sign}" for j in range(100) for sign in "+-")
# name -> (training options, extra features, extra features also seen from the words at ±1); "profile": False
# trains once, without the corpus label profile; "dropout": SHARE, singleton dropout (_singleton_dropout);
# "proper_every": N, the proper-noun bands from every N-th text (default entities.proper_nouns.EVERY)
CANDIDATES = {
    "shipped": ({}, (), ()),
    "without-spelling": ({"with_spelling": False}, (), ()),
    "without-profile": ({"profile": False}, (), ()),
    "letter-trigrams": ({}, ("trigrams",), ()),
    "l1-l2-0.05": ({"c1": 0.05, "c2": 0.05}, (), ()),
    "stem-affixes-frequency": ({}, ("stem_pre2", "stem_pre3", "stem_suf2", "stem_suf3", "freq"), ("freq",)),
    "l1-0.25": ({"c1": 0.25}, (), ()),
    "singleton-dropout": ({"dropout": 0.5}, (), ()),
    "binarized-vectors": ({}, ("binarized",), _BINARIZED_FLAGS),
    "misc-label": ({"misc": True}, (), ()),
    "without-proper-nouns": ({"proper": False}, (), ()),
    "proper-noun-spelling": ({}, ("proper_spelling",), ("proper_spelling",)),
    "proper-nouns-every-text": ({"proper_every": 1}, (), ()),
    "stem-pos": ({}, ("stem_pos",), ("stem_pos",)),
}
_job: dict = {}


def _use_features(extra: tuple[str, ...], near: tuple[str, ...]) -> None:
    """Add the candidate's features to the word features (this process only: a fold's process)."""
    from indexer.enrich.entities import crf

    base = _shipped(crf, "_word_features")

    def features(token, lex, places, orgs, titles, person_words, classes, *corpus_tables):
        out = base(token, lex, places, orgs, titles, person_words, classes, *corpus_tables)
        for name in extra:
            value = EXTRA_FEATURES[name](token, classes)
            out.update(value if isinstance(value, dict) else {name: value})
        return out

    crf._word_features = features
    crf._NEAR = _shipped(crf, "_NEAR") + near


_SHIPPED: dict = {}


def _shipped(module, name: str):
    """The module's own `name`, as it was before any candidate replaced it: a pool process scores several folds,
    and each fold's candidate must start from the shipped recipe, not wrap the previous fold's change again."""
    return _SHIPPED.setdefault((module.__name__, name), getattr(module, name))


def _fold(k: int) -> dict:
    from indexer.enrich.entities import crf
    from indexer.enrich.entities.canonical import propagate
    from indexer.enrich.entities.lexicon import lexicon
    from indexer.enrich.entities.rules import RuleExtractor
    from indexer.enrich.tokens import tokenize
    from indexer.enrich.entities.training import unlabeled_texts
    from indexer.evaluation import evaluate_entities

    options, extra, near = CANDIDATES[_job["candidate"]]
    options = dict(options)
    options.pop("proper_every", None)  # main's: the bands are in _job
    corpus = [UNLABELED] if options.pop("profile", True) else None
    if "dropout" in options:
        _singleton_dropout(options.pop("dropout"))
    else:
        crf.training_sequences = _shipped(crf, "training_sequences")
    _misc_label(options.pop("misc", False))
    _use_features(extra, near)
    sentences, held_out = _job["sentences"], _job["blocks"][k]
    training = [(s.tokens, s.tags) for i, s in enumerate(sentences) if i not in held_out]
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "fold.xz"
        crf.train(training, model, classes=_job["classes"], unlabeled=unlabeled_texts(corpus),
                  proper=_job["proper"] if options.pop("proper", True) else None, **options)
        extractor = crf.CrfExtractor.load(model)
    rules = RuleExtractor()
    ways = {"model": lambda t: crf.tags_to_mentions(t, extractor.tag(t), extractor._rank),
            "shipped": extractor.extract, "rules": rules.extract}
    test = [sentences[i] for i in held_out]
    scores = {}
    for way, extract in ways.items():
        def mentions(text, extract=extract):
            tokens = tokenize(text)
            return tokens, propagate(tokens, extract(tokens), lexicon())
        scores[way] = evaluate_entities(None, mentions, test)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidates", nargs="*", help=f"of {', '.join(CANDIDATES)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="folds trained at the same time")
    args = parser.parse_args()
    unknown = set(args.candidates) - set(CANDIDATES)
    if unknown:
        parser.error(f"unknown candidate(s): {', '.join(sorted(unknown))}")
    from core.settings import load
    from indexer.enrich.entities.proper_nouns import proper_noun_shares
    from indexer.enrich.entities.training import folds_of, word_classes
    from indexer.evaluation import read_conll

    sentences = list(read_conll(GOLD))
    classes, note = word_classes([UNLABELED], load().cache_dir)
    print(note)
    proper, note = proper_noun_shares([UNLABELED], load().cache_dir)
    print(note)
    for candidate in args.candidates or CANDIDATES:
        if "binarized" in CANDIDATES[candidate][1] and "binarized" not in _job:
            _job["binarized"] = _binarized_table()
        if "stem_pos" in CANDIDATES[candidate][1] and "stem_pos" not in _job:
            _job["stem_pos"] = _stem_pos_table()
            print(f"stem POS tags of {len(_job['stem_pos'])} words")
        every = CANDIDATES[candidate][0].get("proper_every")
        if every:  # the bands from another sample of the corpus (tagged once, then cached)
            bands, note = proper_noun_shares([UNLABELED], load().cache_dir, every=every)
            print(note)
        _job.update(candidate=candidate, sentences=sentences, blocks=folds_of(len(sentences), 5), classes=classes,
                    proper=bands if every else proper)
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            folds = pool.map(_fold, range(5))
        for way in folds[0]:
            row = []
            for label in ("PERS", "ORG", "LOC", "micro"):
                values = [fold[way][label]["f1"] for fold in folds]
                row.append(f"{label} {statistics.fmean(values):.3f} ± {statistics.stdev(values):.3f}")
            print(f"{candidate:<24} {way:<8} " + "  ".join(row), flush=True)


if __name__ == "__main__":
    main()
