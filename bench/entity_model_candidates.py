"""Entity model candidates compared by 5-fold cross-validation on the same folds as `akhbar eval entities --folds`.

    python bench/entity_model_candidates.py [CANDIDATE…] [--jobs 2]      (default: all candidates)

Each candidate is the shipped recipe with one change (training settings, or extra word features); per fold a
model is trained on the other four folds and scored per sentence, both on its own tags (ANERcorp's convention)
and as shipped (reconciled with the rules, entities.combine), beside the rules alone. Prints mean ± sd per type.
Word classes: SaudiNewsNet, from the cache `make model` fills (AKHBAR_CACHE_DIR); each fold's first model reads
SaudiNewsNet for the corpus label profile, as `make model` does. Needs the `train` extra.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
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
EXTRA_FEATURES = {
    "stem_pre2": lambda token, classes: token.readings[-1][1][:2],
    "stem_pre3": lambda token, classes: token.readings[-1][1][:3],
    "stem_suf2": lambda token, classes: token.readings[-1][1][-2:],
    "stem_suf3": lambda token, classes: token.readings[-1][1][-3:],
    "freq": _rank_band,
    # each letter trigram of the stem (with its edges) as a flag: the letter patterns of transliterated names
    "trigrams": lambda token, classes: {f"tri:{stem[i:i + 3]}": True
                                        for stem in ["^" + token.readings[-1][1] + "$"] for i in range(len(stem) - 2)},
}
# name -> (training options, extra features, extra features also seen from the words at ±1); "profile": False
# trains once, without the corpus label profile
CANDIDATES = {
    "shipped": ({}, (), ()),
    "without-spelling": ({"with_spelling": False}, (), ()),
    "without-profile": ({"profile": False}, (), ()),
    "letter-trigrams": ({}, ("trigrams",), ()),
    "l1-l2-0.05": ({"c1": 0.05, "c2": 0.05}, (), ()),
    "stem-affixes-frequency": ({}, ("stem_pre2", "stem_pre3", "stem_suf2", "stem_suf3", "freq"), ("freq",)),
}
_job: dict = {}


def _use_features(extra: tuple[str, ...], near: tuple[str, ...]) -> None:
    """Add the candidate's features to the word features (this process only: a fold's process)."""
    from indexer.enrich.entities import crf

    base = crf._word_features

    def features(token, lex, places, orgs, titles, person_words, classes, *corpus_tables):
        out = base(token, lex, places, orgs, titles, person_words, classes, *corpus_tables)
        for name in extra:
            value = EXTRA_FEATURES[name](token, classes)
            out.update(value if isinstance(value, dict) else {name: value})
        return out

    crf._word_features = features
    crf._NEAR = crf._NEAR + near


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
    corpus = [UNLABELED] if options.pop("profile", True) else None
    _use_features(extra, near)
    sentences, held_out = _job["sentences"], _job["blocks"][k]
    training = [(s.tokens, s.tags) for i, s in enumerate(sentences) if i not in held_out]
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "fold.xz"
        crf.train(training, model, classes=_job["classes"], unlabeled=unlabeled_texts(corpus), **options)
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
    from indexer.enrich.entities.training import folds_of, word_classes
    from indexer.evaluation import read_conll

    sentences = list(read_conll(GOLD))
    classes, note = word_classes([UNLABELED], load().cache_dir)
    print(note)
    for candidate in args.candidates or CANDIDATES:
        _job.update(candidate=candidate, sentences=sentences, blocks=folds_of(len(sentences), 5), classes=classes)
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
