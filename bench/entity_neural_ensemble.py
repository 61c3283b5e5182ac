"""Entity model candidate: the shipped CRF combined with a BiLSTM-CRF tagger, by 5-fold cross-validation on the
same folds as `akhbar eval entities --folds 5` and bench/entity_model_candidates.py.

    python bench/entity_neural_ensemble.py [--hidden 128] [--epochs 20] [--weights 0.5] [--jobs 2]

Per fold, on the other four folds: the shipped CRF recipe (`crf.train`, as `make model`) and a BiLSTM-CRF
(Lample et al. 2016) whose word inputs are skip-gram word2vec vectors of SaudiNewsNet (fixed), a letter CNN, the
CRF's lexicon flags, its word classes and the rules' tag. The two are combined as a product of experts: per token
and label, `w` × the CRF's score + (1 − w) × the network's, the same for the transitions, then Viterbi with the
BIO constraints. Scored per sentence on the model's own tags (ANERcorp's convention) and as shipped (reconciled
with the rules, entities.combine: what `make model-cv` scores), as the candidates bench's `model` and `shipped`
lines: the CRF alone, the network alone and each combination. Not shipped: a measurement of the direction.

Needs the `train` and `neural` extras (torch, gensim): pip install -e '.[train,neural]'. About 45 min in all on a
2-core machine. The word2vec vectors are cached in AKHBAR_CACHE_DIR (a few minutes once; gensim's threads make
them differ slightly from run to run, so figures may move in the third decimal).
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

from entity_model_candidates import GOLD, UNLABELED

LABELS_SCORED = ("PERS", "ORG", "LOC", "micro")
# lexicon flags of the CRF's word features (crf._word_features) the network reads as 0/1 inputs
FLAGS = ("article", "foreign", "nationality", "digit", "latin", "gap", "first_name", "stop", "title", "org_head",
         "speech", "place_start", "org_start", "person_word")
LONGEST_WORD = 20  # letters the letter CNN reads
_job: dict = {}


def word2vec_vectors(cache_dir: Path) -> tuple[dict[str, int], "np.ndarray"]:
    """(form -> row, unit vectors): skip-gram vectors (100 dimensions, window 5) of every form seen 3 times in
    SaudiNewsNet, the forms word classes are grouped under (clusters.word_form)."""
    import numpy as np

    cache = cache_dir / "bench-word2vec-100-5.npz"
    if not cache.exists():
        from gensim.models import Word2Vec

        from indexer.enrich.entities.clusters import word_form
        from indexer.enrich.entities.training import corpus_texts
        from indexer.enrich.tokens import tokenize

        documents = [[word_form(t) for t in tokenize(text)] for text in corpus_texts([UNLABELED], Counter()) if text]
        counts = Counter(form for words in documents for form in words)
        words = [w for w, n in counts.most_common() if n >= 3]
        model = Word2Vec(documents, vector_size=100, window=5, min_count=3, sg=1, negative=5, epochs=5, workers=2,
                         seed=0)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, words=np.array(words), vectors=np.array([model.wv[w] for w in words], dtype=np.float32))
    saved = np.load(cache)
    vectors = saved["vectors"]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return {w: i + 1 for i, w in enumerate(saved["words"].tolist())}, vectors  # row 0: a form without a vector


class Inputs:
    """A text's tokens as the network's integer and flag inputs."""

    def __init__(self, rows: dict[str, int], classes, alphabet: list[str]):
        from indexer.enrich.entities.crf import Featurizer

        self.rows, self.classes = rows, classes
        self.letters = {ch: i + 2 for i, ch in enumerate(alphabet)}  # 0: padding, 1: a letter not in the alphabet
        self.featurize = Featurizer(classes)

    def __call__(self, tokens):
        from indexer.enrich.entities.clusters import classes_of
        from indexer.enrich.entities.crf import _TAGS, rule_tags

        features = [self.featurize.features(t) for t in tokens]
        return (
            [classes_of(t, self.rows, missing=0) for t in tokens],  # looked up as a word's classes are
            [[self.letters.get(ch, 1) for ch in t.norm[:LONGEST_WORD]] or [0] for t in tokens],
            [[float(f[name]) for name in FLAGS] for f in features],
            [_TAGS.index(tag) for tag in rule_tags(tokens, self.featurize.rules)],
            [[int(c) + 1 if c != "-" else 0 for c in classes_of(t, self.classes)] for t in tokens],
        )


def _network(vectors, letters: int, hidden: int):
    import numpy as np
    import torch
    from torch import nn

    from indexer.enrich.entities.clusters import LEVELS
    from indexer.enrich.entities.crf import _TAGS

    class Transitions(nn.Module):
        """The CRF layer: label transition scores, start and end scores; loss and Viterbi."""

        def __init__(self, n: int):
            super().__init__()
            self.between, self.start, self.end = (nn.Parameter(torch.zeros(*shape)) for shape in ((n, n), (n,), (n,)))

        def loss(self, emissions, tags, mask):
            gold = self.start[tags[:, 0]] + emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
            alpha = self.start + emissions[:, 0]
            for t in range(1, emissions.shape[1]):
                m = mask[:, t]
                step = self.between[tags[:, t - 1], tags[:, t]] + emissions[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
                gold = gold + step * m
                alpha = torch.where(m[:, None], torch.logsumexp(
                    alpha[:, :, None] + self.between[None] + emissions[:, t, None, :], dim=1), alpha)
            last = tags.gather(1, (mask.sum(1) - 1)[:, None]).squeeze(1)
            return (torch.logsumexp(alpha + self.end, dim=1) - gold - self.end[last]).sum()

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            table = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), vectors])
            self.word = nn.Embedding.from_pretrained(torch.tensor(table), freeze=True)
            self.letter = nn.Embedding(letters + 2, 32, padding_idx=0)
            self.letter_cnn = nn.Conv1d(32, 64, 3, padding=1)
            self.rule = nn.Embedding(len(_TAGS), 8)
            self.word_class = nn.ModuleList(nn.Embedding(k + 1, 16) for k in LEVELS)
            width = vectors.shape[1] + 1 + 64 + len(FLAGS) + 8 + 16 * len(LEVELS)
            self.dropout = nn.Dropout(0.5)
            self.lstm = nn.LSTM(width, hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * hidden, len(_TAGS))
            self.crf = Transitions(len(_TAGS))

        def emissions(self, batch):
            words, letters, flags, rules, word_classes, mask = batch
            b, t, n = letters.shape
            spelled = torch.relu(self.letter_cnn(self.letter(letters.view(b * t, n)).transpose(1, 2)))
            x = torch.cat([self.word(words), (words == 0).float()[..., None], spelled.max(2).values.view(b, t, -1),
                           flags, self.rule(rules), *(e(word_classes[..., i]) for i, e in enumerate(self.word_class))],
                          -1)
            packed = nn.utils.rnn.pack_padded_sequence(self.dropout(x), mask.sum(1), batch_first=True,
                                                       enforce_sorted=False)
            h, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=t)
            return self.out(self.dropout(h))

    return Tagger()


def _batch(items):
    """Padded tensors of (inputs, tags) items, and the mask of real tokens."""
    import torch

    length = max(len(inputs[0]) for inputs, _ in items)
    longest = max(len(letters) for inputs, _ in items for letters in inputs[1])
    size = len(items)
    words, rules, tags = (torch.zeros(size, length, dtype=torch.long) for _ in range(3))
    letters = torch.zeros(size, length, longest, dtype=torch.long)
    flags = torch.zeros(size, length, len(FLAGS))
    word_classes = torch.zeros(size, length, 3, dtype=torch.long)
    mask = torch.zeros(size, length, dtype=torch.bool)
    for b, ((w, spelled, f, r, c), y) in enumerate(items):
        n = len(w)
        words[b, :n], flags[b, :n], rules[b, :n] = torch.tensor(w), torch.tensor(f), torch.tensor(r)
        word_classes[b, :n], tags[b, :n], mask[b, :n] = torch.tensor(c), torch.tensor(y), True
        for i, each in enumerate(spelled):
            letters[b, i, :len(each)] = torch.tensor(each)
    return (words, letters, flags, rules, word_classes, mask), tags


def train_network(examples, inputs: Inputs, vectors, hidden: int, epochs: int, seed: int):
    """A BiLSTM-CRF trained on (CoNLL tokens, BIO tags) sentences as our tokenizer splits them (Adam, batches of
    16 sentences of similar length, a fixed number of epochs: no held-out part of the training folds to stop on)."""
    import numpy as np
    import torch
    from torch import nn

    from indexer.enrich.entities.crf import _TAGS, aligned_examples

    torch.manual_seed(seed)
    items = [(inputs(tokens), [_TAGS.index(tag) for tag in tags]) for tokens, tags in aligned_examples(examples)]
    network = _network(vectors, len(inputs.letters), hidden)
    optimizer = torch.optim.Adam([p for p in network.parameters() if p.requires_grad], lr=2e-3)
    draw = np.random.default_rng(seed)
    for _ in range(epochs):
        network.train()
        order = sorted(range(len(items)), key=lambda i: len(items[i][1]) + draw.random() * 8)
        batches = [order[i:i + 16] for i in range(0, len(order), 16)]
        draw.shuffle(batches)
        for chosen in batches:
            batch, tags = _batch([items[i] for i in chosen])
            loss = network.crf.loss(network.emissions(batch), tags, batch[-1]) / len(chosen)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
    return network.eval()


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


def _train_crf(k: int) -> bytes:
    """The shipped recipe trained on every fold but k: the model file's bytes."""
    from indexer.enrich.entities import crf
    from indexer.enrich.entities.training import unlabeled_texts

    held_out = _job["blocks"][k]
    training = [(s.tokens, s.tags) for i, s in enumerate(_job["sentences"]) if i not in held_out]
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "fold.xz"
        crf.train(training, model, classes=_job["classes"], unlabeled=unlabeled_texts([UNLABELED]))
        return model.read_bytes()


def _score_fold(k: int, crf_model: Path, network, inputs: Inputs, weights: list[float]) -> dict:
    import numpy as np
    import torch

    from indexer.enrich.entities import crf
    from indexer.enrich.entities.canonical import propagate
    from indexer.enrich.entities.combine import reconcile
    from indexer.enrich.entities.lexicon import lexicon
    from indexer.enrich.tokens import tokenize
    from indexer.evaluation import evaluate_entities

    extractor = crf.CrfExtractor.load(crf_model)
    order = [extractor.labels.index(tag) for tag in crf._TAGS]
    crf_between = extractor.transitions[np.ix_(order, order)]
    net_between, net_start = (p.detach().numpy() for p in (network.crf.between, network.crf.start))
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
        with torch.no_grad():
            net = network.emissions(_batch([(inputs(tokens), [0] * len(tokens))])[0])[0].numpy()
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
                rules = extractor.featurize.rules
                found = reconcile(found, rules.extract(tokens), tokens, rules)
            return tokens, propagate(tokens, found, lexicon())
        scores[w, way] = evaluate_entities(None, mentions, test)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=128, help="LSTM units per direction")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--weights", default="0,0.5,1", help="CRF weights w to score (0: the network alone, 1: the "
                                                             "CRF alone)")
    parser.add_argument("--jobs", type=int, default=2, help="CRFs trained at the same time")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    from core.settings import load
    from indexer.enrich.entities.training import folds_of, word_classes
    from indexer.enrich.tokens import tokenize
    from indexer.evaluation import read_conll

    settings = load()
    sentences = list(read_conll(GOLD))
    classes, note = word_classes([UNLABELED], settings.cache_dir)
    print(note, flush=True)
    rows, vectors = word2vec_vectors(settings.cache_dir)
    print(f"word2vec vectors for {len(rows)} forms", flush=True)
    _job.update(sentences=sentences, blocks=folds_of(len(sentences), 5), classes=classes)
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        crf_models = pool.map(_train_crf, range(5))
    import torch  # after the fork: a forked process does not inherit torch's threads safely

    torch.set_num_threads(args.jobs)
    # the letters of the whole file (a letter is an input symbol, not a label: no fold learns from another's tags)
    alphabet = sorted({ch for s in sentences for w in s.tokens for t in tokenize(w) for ch in t.norm})
    inputs = Inputs(rows, classes, alphabet)
    folds = []
    with tempfile.TemporaryDirectory() as scratch:
        for k, model_bytes in enumerate(crf_models):
            crf_model = Path(scratch) / f"crf{k}.xz"
            crf_model.write_bytes(model_bytes)
            training = [(s.tokens, s.tags) for i, s in enumerate(sentences) if i not in _job["blocks"][k]]
            network = train_network(training, inputs, vectors, args.hidden, args.epochs, seed=k)
            folds.append(_score_fold(k, crf_model, network, inputs, weights))
            print(f"fold {k}: " + "  ".join(f"w={w} PERS {folds[-1][w, 'model']['PERS']['f1']:.3f}" for w in weights),
                  flush=True)
    for way in ("model", "shipped"):
        for w in weights:
            row = [f"{label} {statistics.fmean(f[w, way][label]['f1'] for f in folds):.3f} ± "
                   f"{statistics.stdev(f[w, way][label]['f1'] for f in folds):.3f}" for label in LABELS_SCORED]
            name = "network alone" if w == 0 else "CRF alone" if w == 1 else f"CRF × {w} + network × {1 - w:g}"
            print(f"{name:<28} {way:<8} " + "  ".join(row), flush=True)


if __name__ == "__main__":
    main()
