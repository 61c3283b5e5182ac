"""Entity model candidates: the shipped CRF combined with a BiLSTM-CRF tagger at several weights, by 5-fold
cross-validation on the same folds as `akhbar eval entities --folds 5` and bench/entity_model_candidates.py.

    python bench/entity_neural_ensemble.py [--hidden 64] [--epochs 20,30] [--weights 0,0.5,1] [--jobs 2]
                                           [--pretrain 0,N] [--pseudo N] [--vectors word2vec,fasttext]
                                           [--average 0,E] [--seed S] [--word-dropout 0,P] [--augment 0,P]

Per fold, on the other four folds: the shipped CRF recipe (`crf.train`, as `make model-crf`) and the network of
`make model` (entities.network_training: a BiLSTM-CRF after Lample et al. 2016, whose word inputs are
word2vec vectors of SaudiNewsNet, a letter CNN, the CRF's lexicon flags, its word classes and the rules' tag). The
two are combined as a product of experts: per token and label, `w` × the CRF's score + (1 − w) × the network's, the
same for the transitions, then Viterbi with the BIO constraints (what the shipped model does at w =
network.CRF_SHARE). Scored per sentence on the model's own tags (ANERcorp's convention) and as shipped (reconciled
with the rules, entities.combine: what `make model-cv` scores), as the candidates bench's `model` and `shipped`
lines: the CRF alone, the network alone and each combination. This is how the weight and the network's size were
chosen; `make model-cv` then scores the shipped recipe itself.

`--pretrain 0,N` measures pretraining the network as a language model on N SaudiNewsNet sentences first
(entities.network_training._pretrain), against none, on the same folds and seeds.

`--vectors word2vec,fasttext` measures the network with fastText's letter-n-gram word vectors of the same corpus
(entities.training.word_vectors, kind "fasttext") against the shipped word2vec ones, on the same folds and seeds.

`--average 0,E` measures stochastic weight averaging: the network exported as the mean of its weights at the end of
epochs E to the last (entities.network_training.train_network), against the last epoch's weights.

`--epochs 20,30` measures training epochs, each count on the same folds and seeds. `--seed S` shifts every fold's
seed by S (fold k's network is seeded S + k), to see whether a difference between candidates outlives the seed.

`--word-dropout 0,P` measures reading each training word, with probability P, as a word the corpus never had (no
vector, no word class), so that the letters and the context learn to carry unseen names; `--augment 0,P` measures
mention replacement: a copy of each training sentence that names something, each name replaced with probability P
by another of its type from the training folds (entities.network_training.replaced_mentions). Every combination
of the listed values is trained and scored.

`--pseudo N` measures self-training of the network: N SaudiNewsNet sentences, as each fold's CRF tags them (its own
tags, ANERcorp's convention), are added to that fold's network training (the CRF is trained as before).

Needs the `train` and `neural` extras (torch, gensim): pip install -e '.[train,neural]'. About 20 minutes on a 2-core
machine, an hour with --pseudo 12000 (each fold's network trains on one thread, for determinism, two at a time);
on a slower machine the five CRFs alone take 16 minutes and each pair of networks 10. Each fold's line is printed as its
network is done; the means per variant at the end.

Each fold's CRF and network are kept in AKHBAR_CACHE_DIR/ensemble-bench, named by a digest of what they are trained
from (the code and word lists under indexer/, docstrings and comments aside; the gold file, the corpus tables, the
variant, the seed, the processor and torch release), and read back while none of those changes: training is
deterministic on one machine, so a kept model is the one the run would train. A candidate is then scored beside the
baseline in the same run (`--augment 0,0.5`) at the cost of the candidate alone. Each fold's line says whether its
network was trained or read back.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import itertools
import multiprocessing
import pickle
import platform
import statistics
import tempfile
from functools import lru_cache
from pathlib import Path

from entity_model_candidates import GOLD, ROOT, UNLABELED

from indexer.enrich.entities.network import HIDDEN
from indexer.enrich.entities.steps import Steps
from indexer.enrich.entities.network_training import EPOCHS

LABELS_SCORED = ("PERS", "ORG", "LOC", "micro")
_job: dict = {}


def _name(variant: tuple) -> str:
    kind, pretrain, average, epochs, dropout, augment = variant
    return (f"{kind:<8} pretrain {pretrain:<6} average {average:<2} epochs {epochs:<3} word-dropout {dropout:<4} "
            f"augment {augment:<3}")



def _values(listed: str, kind=int) -> list:
    """A comma-separated option's values ("0,11"; "0,0.25" with kind float)."""
    return [kind(value) for value in listed.split(",")]


def _viterbi(unary, between, start):
    best, back = unary[0] + start, []
    for t in range(1, len(unary)):
        step = best[:, None] + between
        back.append(step.argmax(0))
        best = step.max(0) + unary[t]
    current = int(best.argmax())
    path = [current]
    for pointers in reversed(back):
        current = int(pointers[current])
        path.append(current)
    return path[::-1]


def _code(path: Path) -> bytes:
    """What of a file can change a model: a Python file's syntax tree without its docstrings (nor, being a tree,
    its comments and layout), which every measured candidate rewrites; any other file whole."""
    if path.suffix != ".py":
        return path.read_bytes()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) and \
                isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


@lru_cache(maxsize=None)
def _sources() -> bytes:
    """The digest of the code and word lists under indexer/ (read once a run)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "indexer").rglob("*")):
        if path.suffix in (".py", ".txt", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + _code(path))
    return digest.digest()


def _digest(*parts: bytes) -> str:
    """A digest of what a fold's model is trained from: the code and word lists under indexer/ (not the shipped
    model files, which training does not read) and `parts` (the gold file, the corpus tables, the settings). A
    cached model is reused only while all of them are what they were; training is deterministic, so it is the
    model the run would train."""
    digest = hashlib.sha256(_sources())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _processor() -> bytes:
    """The processor and torch release models are trained with: the same seed gives the same network on one
    machine, not on another (its kernels round differently: the shipped network alone, same seed, scored ORG 0.624
    on one machine and 0.639 on another), so a model trained elsewhere is not read back as this machine's."""
    from importlib.metadata import version

    try:
        with open("/proc/cpuinfo") as info:
            cpu = sorted({line for line in info if line.startswith(("model name", "flags"))})
    except OSError:
        cpu = [platform.processor()]
    return "".join([platform.machine(), version("torch"), *cpu]).encode()


def _train_crf(k: int) -> tuple[bytes, bool]:
    """The shipped recipe trained on every fold but k (or read from its cache file): the model file's bytes, and
    whether they came from the cache."""
    from indexer.enrich.entities import crf
    from indexer.enrich.entities.training import unlabeled_texts

    cached = _job["crf_files"][k]
    if cached.exists():
        return cached.read_bytes(), True
    held_out = _job["blocks"][k]
    training = [(s.tokens, s.tags) for i, s in enumerate(_job["sentences"]) if i not in held_out]
    scratch = cached.with_name(f"{cached.stem}.partial.xz")
    cached.parent.mkdir(parents=True, exist_ok=True)
    crf.train(training, scratch, classes=_job["classes"], unlabeled=unlabeled_texts([UNLABELED]),
              proper=_job["proper"])
    scratch.replace(cached)
    return cached.read_bytes(), False


def _train_network(task: tuple) -> tuple[dict, bool]:
    """One fold's network (in its own process: torch on one thread each, two folds at a time; spawned, so it has
    none of `_job`), or the one its cache file keeps; and whether it came from the cache."""
    from indexer.enrich.entities.training import write_cache

    _, training, classes, vectors, proper, hidden, seed, variant, cached = task
    if cached.exists():
        return pickle.loads(cached.read_bytes()), True
    from indexer.enrich.entities.network_training import corpus_sentences, train_network
    from indexer.enrich.entities.training import unlabeled_texts

    _, pretrain, average, epochs, dropout, augment = variant
    unlabeled = corpus_sentences(unlabeled_texts([UNLABELED])(), pretrain) if pretrain else None
    network = train_network(training, classes, vectors, hidden=hidden, epochs=epochs, seed=seed, proper=proper,
                            unlabeled=unlabeled, average_from=average or None, word_dropout=dropout,
                            replace_share=augment)
    write_cache(cached, network)
    return network, False


def _self_training_examples(teacher, chosen: list) -> list[tuple[list[str], list[str]]]:
    """Tokenized corpus sentences (network_training.corpus_sentences) with the tags `teacher` (a CrfExtractor:
    its own tags, the gold file's convention) gives them, as (words, BIO tags)."""
    examples = []
    for first in range(0, len(chosen), 64):
        batch = chosen[first:first + 64]
        tagged = teacher.tag_all(batch, [None] * len(batch))
        examples += [([t.text for t in tokens], tags) for tokens, tags in zip(batch, tagged)]
    return examples


def _score_fold(k: int, crf_model: Path, network: dict, weights: list[float]) -> dict:
    import numpy as np

    from indexer.enrich.entities import crf
    from indexer.enrich.entities.network import NetworkTagger
    from indexer.enrich.entities.canonical import propagate
    from indexer.enrich.entities.combine import reconcile
    from indexer.enrich.entities.lexicon import lexicon
    from indexer.enrich.tokens import tokenize
    from indexer.evaluation import evaluate_entities

    extractor = crf.CrfExtractor.load(crf_model)
    rules = extractor.featurize.rules
    # a network that reads proper-noun bands is given the flags that carry them, as CrfExtractor gives them
    flags = extractor.featurize.network_flags if network.get("proper_flags") else extractor.featurize.flags
    tagger = NetworkTagger(network, _job["classes"], flags, {t: i for i, t in enumerate(crf._TAGS)})
    order = [extractor.labels.index(tag) for tag in crf._TAGS]
    crf_between = extractor.transitions[np.ix_(order, order)]
    net_between, net_start = tagger.between, tagger.start
    # BIO: I-X only after B-X or I-X, never first
    allowed = np.array([[not (b.startswith("I-") and a[2:] != b[2:]) for b in crf._TAGS] for a in crf._TAGS])
    may_start = np.array([not tag.startswith("I-") for tag in crf._TAGS])
    test = [_job["sentences"][i] for i in _job["blocks"][k]]

    @lru_cache(maxsize=None)
    def potentials(text):
        """(tokens, the CRF's label scores, the network's): computed once per text, scored at every weight."""
        tokens = tokenize(text)
        if not tokens:
            return tokens, None, None
        net = tagger.emissions(tokens, crf.rule_tags(tokens, rules), Steps(crf.sentences(tokens)))
        return tokens, extractor.scores(tokens)[:, order], net

    scores = {}
    for w, way in ((w, way) for w in weights for way in ("model", "shipped")):
        def mentions(text, w=w, way=way):
            tokens, by_crf, net = potentials(text)
            if not tokens:
                return tokens, []
            unary = w * by_crf + (1 - w) * net
            between = np.where(allowed, w * crf_between + (1 - w) * net_between, -1e4)
            start = np.where(may_start, (1 - w) * net_start, -1e4)
            tags = [crf._TAGS[i] for i in _viterbi(unary, between, start)]
            found = crf.tags_to_mentions(tokens, tags, extractor._rank)
            if way == "shipped":
                found = reconcile(found, rules.extract(tokens), tokens, rules)
            return tokens, propagate(tokens, found, lexicon())
        scores[w, way] = evaluate_entities(None, mentions, test)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=HIDDEN, help="LSTM units per direction")
    parser.add_argument("--epochs", default=str(EPOCHS), help="training epochs; several, comma-separated, are "
                                                              "each trained and scored")
    parser.add_argument("--seed", type=int, default=0, help="added to every fold's seed (fold k: seed + k)")
    parser.add_argument("--weights", default="0,0.5,1", help="CRF weights w to score (0: the network alone, 1: the "
                                                             "CRF alone)")
    parser.add_argument("--jobs", type=int, default=2, help="CRFs (then networks) trained at the same time")
    parser.add_argument("--pretrain", default="0", help="corpus sentences each fold's network is pretrained on "
                                                        "as a language model first; several, comma-separated, are "
                                                        "each trained and scored (0: none)")
    parser.add_argument("--vectors", default="word2vec", help="word vectors the network reads: word2vec (shipped), "
                                                              "fasttext; several, comma-separated, are each scored")
    parser.add_argument("--average", default="0", help="the epoch from which the network's weights are averaged "
                                                       "(0: none, the last epoch's); several, comma-separated")
    parser.add_argument("--word-dropout", default="0", help="the probability that a training word is read as one "
                                                            "the corpus never had (0: none); several, comma-separated")
    parser.add_argument("--augment", default="0", help="mention replacement: a copy of each training sentence that "
                                                       "names something, each name replaced by another of its type "
                                                       "with this probability (0: no copies); several, comma-separated")
    parser.add_argument("--pseudo", type=int, default=0, help="SaudiNewsNet sentences tagged by each fold's CRF "
                                                              "added to its network's training (self-training)")
    args = parser.parse_args()
    weights = _values(args.weights, float)
    # each (word vectors, pretraining sentences, first averaged epoch, epochs, word dropout, mention replacement)
    # trains a network per fold
    variants = list(itertools.product(_values(args.vectors, str), _values(args.pretrain), _values(args.average),
                                      _values(args.epochs), _values(args.word_dropout, float),
                                      _values(args.augment, float)))
    from core.settings import load
    from indexer.enrich.entities import crf
    from indexer.enrich.entities.network_training import corpus_sentences
    from indexer.enrich.entities.proper_nouns import proper_noun_shares
    from indexer.enrich.entities.training import folds_of, unlabeled_texts, word_classes, word_vectors
    from indexer.evaluation import read_conll

    settings = load()
    sentences = list(read_conll(GOLD))
    classes, note = word_classes([UNLABELED], settings.cache_dir)
    print(note, flush=True)
    vectors = {}
    for kind in dict.fromkeys(kind for kind, *_ in variants):
        vectors[kind], note = word_vectors([UNLABELED], classes, settings.cache_dir, kind)
        print(f"{kind}: {note}", flush=True)
    proper, note = proper_noun_shares([UNLABELED], settings.cache_dir)
    print(note, flush=True)
    # each fold's CRF and network are kept, by what they are trained from, so that a later run scores them again
    # (the baseline beside a candidate) without training them again
    cache = settings.cache_dir / "ensemble-bench"
    corpus = _digest(GOLD.read_bytes(), pickle.dumps(classes), pickle.dumps(proper), _processor())
    _job.update(sentences=sentences, blocks=folds_of(len(sentences), 5), classes=classes, proper=proper,
                crf_files=[cache / f"crf-fold{k}-{corpus}.xz" for k in range(5)])
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        crf_models = pool.map(_train_crf, range(5))
    print(f"CRFs: {sum(cached for _, cached in crf_models)} of 5 from {cache}", flush=True)
    unlabeled = corpus_sentences(unlabeled_texts([UNLABELED])(), args.pseudo) if args.pseudo else []
    folds = []
    with tempfile.TemporaryDirectory() as scratch:
        crf_paths, tasks = [], []
        for k, (model_bytes, _) in enumerate(crf_models):
            crf_paths.append(Path(scratch) / f"crf{k}.xz")
            crf_paths[-1].write_bytes(model_bytes)
            training = [(s.tokens, s.tags) for i, s in enumerate(sentences) if i not in _job["blocks"][k]]
            if args.pseudo:
                teacher = crf.CrfExtractor.load(crf_paths[-1])
                training += _self_training_examples(teacher, unlabeled)
            for variant in variants:
                recipe = repr((k, args.hidden, args.seed + k, args.pseudo, variant)).encode()
                digest = _digest(corpus.encode(), vectors[variant[0]].tobytes(), recipe)
                tasks.append((k, training, classes, vectors[variant[0]], proper, args.hidden, args.seed + k, variant,
                              cache / f"network-fold{k}-{digest}.pickle"))
        # spawned, not forked: torch must not start in a process that forks; each network scored and printed as
        # it comes, so that a run stopped (or a variant failing) part of the way keeps what it measured
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for (k, *_, variant, _), (network, cached) in zip(tasks, pool.imap(_train_network, tasks)):
                folds.append((variant, _score_fold(k, crf_paths[k], network, weights)))
                print(f"fold {k} {_name(variant)} ({'cached' if cached else 'trained'}): " + "  ".join(
                    f"w={w} {way} {label} {folds[-1][1][w, way][label]['f1']:.3f}" for w in weights
                    for way in ("model", "shipped") for label in LABELS_SCORED), flush=True)
    for variant in variants:
        scored = [fold for v, fold in folds if v == variant]
        for way in ("model", "shipped"):
            for w in weights:
                row = [f"{label} {statistics.fmean(f[w, way][label]['f1'] for f in scored):.3f} ± "
                       f"{statistics.stdev(f[w, way][label]['f1'] for f in scored):.3f}" for label in LABELS_SCORED]
                name = "network alone" if w == 0 else "CRF alone" if w == 1 else f"CRF × {w} + network × {1 - w:g}"
                print(f"{_name(variant)} {name:<28} {way:<8} " + "  ".join(row), flush=True)


if __name__ == "__main__":
    main()
