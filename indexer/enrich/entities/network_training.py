"""Training the entity model's network (entities.network) with torch, and exporting its weights for numpy.

Needs the `neural` extra (torch, gensim). Deterministic: one thread, fixed seeds, deterministic algorithms only, so
the same sentences and vectors always give the same weights (and `make model` the same file).
"""
from __future__ import annotations

from itertools import islice
from typing import Iterable

import numpy as np

from indexer.enrich.entities.clusters import LEVELS, classes_of
from indexer.enrich.entities.crf import _TAGS, Featurizer, aligned_examples, rule_tags, sentences
from indexer.enrich.entities.network import (CLASS_DIM, HIDDEN, LETTER_DIM, LETTER_FILTERS, LONGEST_WORD,
                                             RULE_DIM, NetworkTagger, class_ids, dequantize, input_width,
                                             letter_ids, quantize, vector_rows)
from indexer.enrich.entities.steps import Steps
from indexer.enrich.tokens import Tokens, tokenize
from indexer.evaluation import GOLD_TYPES, bio_spans

# 20 epochs: 30 measured by 5-fold CV at two seeds (bench/entity_neural_ensemble.py --epochs 20,30 --seed S),
# within the seed's noise; the README's model card says why it was not taken.
EPOCHS, BATCH, LEARNING_RATE, DROPOUT = 20, 16, 2e-3, 0.5
PRETRAIN_BATCH = 32


def _modules(table: np.ndarray, letters: int, flags: int, hidden: int):
    import torch
    from torch import nn

    class Transitions(nn.Module):
        """The CRF layer: label transition and start scores; the sentence loss (negative log-likelihood)."""

        def __init__(self, n: int):
            super().__init__()
            self.between, self.start = nn.Parameter(torch.zeros(n, n)), nn.Parameter(torch.zeros(n))

        def loss(self, emissions, tags, mask):
            gold = self.start[tags[:, 0]] + emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
            alpha = self.start + emissions[:, 0]
            for t in range(1, emissions.shape[1]):
                m = mask[:, t]
                step = self.between[tags[:, t - 1], tags[:, t]] + emissions[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
                gold = gold + step * m
                alpha = torch.where(m[:, None], torch.logsumexp(
                    alpha[:, :, None] + self.between[None] + emissions[:, t, None, :], dim=1), alpha)
            return (torch.logsumexp(alpha, dim=1) - gold).sum()

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding.from_pretrained(torch.tensor(table), freeze=True)
            self.letter = nn.Embedding(letters + 2, LETTER_DIM, padding_idx=0)
            self.letter_cnn = nn.Conv1d(LETTER_DIM, LETTER_FILTERS, 3, padding=1)
            self.rule = nn.Embedding(len(_TAGS), RULE_DIM)
            self.word_class = nn.ModuleList(nn.Embedding(k + 1, CLASS_DIM) for k in LEVELS)
            self.dropout = nn.Dropout(DROPOUT)
            self.lstm = nn.LSTM(input_width(flags), hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * hidden, len(_TAGS))
            self.crf = Transitions(len(_TAGS))

        def emissions(self, batch):
            return self.out(self.dropout(self.states(batch)))

        def states(self, batch):
            """The LSTM's output per token: the forward direction's units, then the backward's."""
            words, letters, flags, rules, word_classes, mask = batch
            b, t, n = letters.shape
            spelled = torch.relu(self.letter_cnn(self.letter(letters.view(b * t, n)).transpose(1, 2)))
            # the order of network.input_width
            x = torch.cat([self.word(words), (words == 0).float()[..., None], spelled.max(2).values.view(b, t, -1),
                           flags, self.rule(rules), *(e(word_classes[..., i]) for i, e in enumerate(self.word_class))],
                          -1)
            packed = nn.utils.rnn.pack_padded_sequence(self.dropout(x), mask.sum(1), batch_first=True,
                                                       enforce_sorted=False)
            return nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=t)[0]

    return Tagger()


class _Inputs:
    """A sentence's tokens as the network's integer and flag inputs (what NetworkTagger computes per word)."""

    def __init__(self, rows: dict[str, int], classes: dict, alphabet: dict[str, int], featurize: Featurizer):
        self.rows, self.classes, self.alphabet, self.featurize = rows, classes, alphabet, featurize
        self.flags = featurize.network_flags if featurize.proper else featurize.flags

    def __call__(self, tokens, rules: list[str]):
        return ([classes_of(t, self.rows, missing=0) for t in tokens],
                [letter_ids(t, self.alphabet) for t in tokens],
                [list(map(float, self.flags(t))) for t in tokens],
                [_TAGS.index(tag) for tag in rules],
                [class_ids(t, self.classes) for t in tokens])


def _batch(items):
    """Padded tensors of (inputs, tags) items, and the mask of real tokens."""
    import torch

    length, size = max(len(inputs[0]) for inputs, _ in items), len(items)
    words, rules, tags = (torch.zeros(size, length, dtype=torch.long) for _ in range(3))
    letters = torch.zeros(size, length, LONGEST_WORD, dtype=torch.long)
    flags = torch.zeros(size, length, len(items[0][0][2][0]))
    word_classes = torch.zeros(size, length, len(LEVELS), dtype=torch.long)
    mask = torch.zeros(size, length, dtype=torch.bool)
    for b, ((w, spelled, f, r, c), y) in enumerate(items):
        n = len(w)
        words[b, :n], letters[b, :n], flags[b, :n] = torch.tensor(w), torch.tensor(spelled), torch.tensor(f)
        rules[b, :n], word_classes[b, :n], tags[b, :n], mask[b, :n] = torch.tensor(r), torch.tensor(c), \
            torch.tensor(y), True
    return (words, letters, flags, rules, word_classes, mask), tags


def corpus_sentences(texts: Iterable[str], count: int | None = None, every: int = 7) -> list[Tokens]:
    """The sentences of 4 to 60 tokens of every `every`-th text (the first `count` of them), tokenized:
    unlabeled sentences spread over the corpus (its articles run source by source), for pretraining."""
    chosen = []
    for tokens in map(tokenize, islice(texts, 0, None, every)):
        # each sentence a text of its own, its words joined by spaces, as the gold sentences are (aligned_examples)
        chosen += [tokenize(" ".join(tokens.words[start:end])) for start, end in sentences(tokens)
                   if 4 <= end - start <= 60]
        if count is not None and len(chosen) >= count:
            break
    return chosen[:count]


def _pretrain(network, unlabeled: list[Tokens], inputs: "_Inputs", draw) -> None:
    """One pass of language modelling over unlabeled sentences before the tagging (Dai & Le 2015; Peters et al.
    2017): the forward direction's state at each word predicts the next word's fine word class, the backward
    direction's the previous one's, so the letter CNN, the embeddings and the LSTM start from what news text looks
    like rather than from the few thousand labelled sentences. The prediction layers are dropped afterwards.
    A candidate, not the shipped recipe: cross-validated it moved nothing beyond the seed's noise
    (bench/entity_neural_ensemble.py --pretrain), so `make model` does not pretrain."""
    import torch
    from torch import nn
    from torch.nn.functional import cross_entropy

    hidden = network.lstm.hidden_size
    ahead, behind = nn.Linear(hidden, LEVELS[-1] + 1), nn.Linear(hidden, LEVELS[-1] + 1)
    optimizer = torch.optim.Adam([p for p in network.parameters() if p.requires_grad] + list(ahead.parameters())
                                 + list(behind.parameters()), lr=LEARNING_RATE)
    network.train()
    order = sorted(range(len(unlabeled)), key=lambda i: len(unlabeled[i]) + draw.random() * 8)
    batches = [order[i:i + PRETRAIN_BATCH] for i in range(0, len(order), PRETRAIN_BATCH)]
    draw.shuffle(batches)
    for chosen in batches:
        texts = [unlabeled[i] for i in chosen]
        batch, _ = _batch([(inputs(tokens, rule_tags(tokens, inputs.featurize.rules)), [0] * len(tokens))
                           for tokens in texts])
        states, word_class, mask = network.dropout(network.states(batch)), batch[4][..., -1], batch[-1]
        pairs = mask[:, 1:]  # (word, next word) both real
        loss = (cross_entropy(ahead(states[:, :-1, :hidden][pairs]), word_class[:, 1:][pairs], reduction="sum")
                + cross_entropy(behind(states[:, 1:, hidden:][pairs]), word_class[:, :-1][pairs], reduction="sum"))
        optimizer.zero_grad()
        (loss / pairs.sum()).backward()
        nn.utils.clip_grad_norm_(network.parameters(), 5.0)
        optimizer.step()


def replaced_mentions(examples: list[tuple[list[str], list[str]]], seed: int, share: float = 0.5
                      ) -> list[tuple[list[str], list[str]]]:
    """A copy of each example that names something, each of its persons, organizations and places replaced, with
    probability `share`, by a mention of the same type drawn from all the examples (mention replacement, Dai & Adel
    2020): the same contexts around other names, so that the network learns what a context says about a name it has
    never seen rather than the few thousand names it has. Measured at 0.5, not taken: through the pipeline micro
    +0.002 and ORG -0.002 beside the shipped recipe in the same run (bench/entity_neural_ensemble.py --augment)."""
    draw = np.random.default_rng(seed)
    label = {kind: tag for tag, kind in GOLD_TYPES.items()}  # person -> PERS
    found = [sorted(bio_spans(tags)) for _, tags in examples]  # (first, last, kind) of each name
    pools: dict[str, list[list[str]]] = {}
    for (words, _), names in zip(examples, found):
        for first, last, kind in names:
            pools.setdefault(kind, []).append(words[first:last + 1])
    copies = []
    for (words, tags), names in zip(examples, found):
        if not names:
            continue
        new_words, new_tags, at = [], [], 0
        for first, last, kind in names:
            new_words += words[at:first]
            new_tags += tags[at:first]
            mention = words[first:last + 1]
            if draw.random() < share:
                mention = pools[kind][draw.integers(len(pools[kind]))]
            new_words += mention
            new_tags += [f"B-{label[kind]}"] + [f"I-{label[kind]}"] * (len(mention) - 1)
            at = last + 1
        copies.append((new_words + words[at:], new_tags + tags[at:]))
    return copies


def train_network(examples: list[tuple[list[str], list[str]]], classes: dict, vectors: np.ndarray, *,
                  hidden: int = HIDDEN, epochs: int = EPOCHS, seed: int = 0, proper: dict[str, str] | None = None,
                  unlabeled: list[Tokens] | None = None, average_from: int | None = None,
                  word_dropout: float = 0.0, replace_share: float = 0.0) -> dict:
    """A BiLSTM-CRF trained on (CoNLL tokens, BIO tags) sentences as our tokenizer splits them (Adam, batches of
    sentences of similar length, a fixed number of epochs); what the model file keeps of it (NetworkTagger's
    `saved`). `vectors`: a row per word of `classes`, in its order (entities.training.word_vectors); `proper`:
    word key -> its proper-noun band (entities.proper_nouns), then read as four more flags; `unlabeled`:
    tokenized corpus sentences (corpus_sentences) to pretrain on first (_pretrain); `average_from`: export the mean
    of the weights at the end of each epoch from this one (1-based) on instead of the last ones (stochastic weight
    averaging, Izmailov et al. 2018: the mean of the iterates lies in a flatter part of the loss than any one of
    them), a measured candidate, not taken: averaged from epoch 11 of 20 the network alone scored lower and the
    combined model within the seed's noise (bench/entity_neural_ensemble.py --average); `word_dropout`: the
    probability that a training word is read as one the corpus never had (no vector, no word class), as Lample et al.
    (2016) read singletons as unknown, so that the letters and the context learn to carry a name the corpus lacks
    (measured at 0.25, not taken: the network alone traded PERS for ORG and the combined model moved within the
    seed's noise, bench/entity_neural_ensemble.py --word-dropout); `replace_share`: train on the examples and
    a copy of them with names replaced (replaced_mentions, that share of the names; 0: no copy; measured at 0.5,
    not taken: --augment)."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    codes, scales = quantize(vectors)
    table = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), dequantize(codes, scales)])  # as shipped
    rows = vector_rows(classes, len(codes))
    featurize = Featurizer(classes, proper=proper)
    if replace_share:
        examples = examples + replaced_mentions(examples, seed, replace_share)
    aligned = list(aligned_examples(examples))
    letters = sorted({ch for tokens, _ in aligned for t in tokens for ch in t.norm[:LONGEST_WORD]})
    inputs = _Inputs(rows, classes, {ch: i + 2 for i, ch in enumerate(letters)}, featurize)
    items = []
    for tokens, tags in aligned:  # sentence by sentence, as the tagger runs
        rules = rule_tags(tokens, featurize.rules)
        for start, end in sentences(tokens):
            items.append((inputs(tokens[start:end], rules[start:end]), [_TAGS.index(t) for t in tags[start:end]]))
    network = _modules(table, len(letters), len(inputs.flags(aligned[0][0][0])), hidden)
    optimizer = torch.optim.Adam([p for p in network.parameters() if p.requires_grad], lr=LEARNING_RATE)
    draw = np.random.default_rng(seed)
    if unlabeled:
        _pretrain(network, unlabeled, inputs, draw)
    averaged = torch.optim.swa_utils.AveragedModel(network) if average_from else None
    for epoch in range(1, epochs + 1):
        network.train()
        order = sorted(range(len(items)), key=lambda i: len(items[i][1]) + draw.random() * 8)
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        draw.shuffle(batches)
        for chosen in batches:
            batch, tags = _batch([items[i] for i in chosen])
            if word_dropout:  # the word's row 0 (no vector) and class 0 (none), as for a word the corpus lacks
                unseen = torch.rand(batch[0].shape) < word_dropout
                batch = (batch[0].masked_fill(unseen, 0), *batch[1:4], batch[4].masked_fill(unseen[..., None], 0),
                         batch[5])
            loss = network.crf.loss(network.emissions(batch), tags, batch[-1]) / len(chosen)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
        if averaged is not None and epoch >= average_from:
            averaged.update_parameters(network)
    if averaged is not None:
        network = averaged.module
    network.eval()
    saved = {"weights": {name: value.detach().numpy().copy() for name, value in network.state_dict().items()
                         if name != "word.weight"},
             "alphabet": "".join(letters), "vectors": codes, "scales": scales, "proper_flags": bool(proper)}
    _check_export(network, saved, classes, inputs, aligned[:40])
    return saved


def _check_export(network, saved: dict, classes: dict, inputs: _Inputs, aligned) -> None:
    """The numpy tagger must give torch's label scores: checked on training texts at every export."""
    import torch

    tagger = NetworkTagger(saved, classes, inputs.flags, {tag: i for i, tag in enumerate(_TAGS)})
    with torch.no_grad():
        for tokens, _ in aligned:
            rules, bounds = rule_tags(tokens, inputs.featurize.rules), sentences(tokens)
            expected = np.vstack([network.emissions(_batch([(inputs(tokens[a:b], rules[a:b]), [0] * (b - a))])[0])[0]
                                  .numpy() for a, b in bounds])
            got = tagger.emissions(tokens, rules, Steps(bounds))
            if not np.allclose(got, expected, atol=1e-3):
                raise RuntimeError(f"the exported network differs from torch's by {np.abs(got - expected).max()}")
