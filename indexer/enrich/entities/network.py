"""The entity model's second expert: a bidirectional LSTM tagger (Lample et al. 2016), run with numpy.

Its label scores and transitions are weighed with the CRF's, a product of experts, before the one Viterbi pass of
`crf.CrfExtractor.tag`: the CRF reads many sparse features, the network reads dense ones, word vectors learned from
unlabeled news and the letters of each word, and the two err on different words. Its inputs per word: the word's
vector (entities.training.word_vectors; int8 in the model file), a letter CNN over its first LONGEST_WORD letters,
the CRF's lexicon flags (and, in a model with them, its proper-noun band) and its word classes; per token, the rules'
tag. What a word adds to the LSTM's gates is the same wherever it stands, so it is computed once per word and kept in
a table (bounded); the recurrence then runs over all the sentences of a batch of articles at once, both directions
in step (entities.steps). Trained with torch (entities.network_training); tagging needs numpy only.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Sequence

import numpy as np

from indexer.enrich.entities.base import Token
from indexer.enrich.entities.clusters import LEVELS, classes_of
from indexer.enrich.entities.steps import Steps
from indexer.enrich.tokens import word_token

FLAG_COUNT = 14  # the CRF's lexicon flags (crf.Featurizer.flags), read as 0/1 inputs
PROPER_FLAG_COUNT = 4  # and, in a network trained with them, the proper-noun band's (crf.Featurizer.network_flags)
LONGEST_WORD = 20  # letters the letter CNN reads; shorter words are padded to this length
VECTOR_DIM = 100  # word2vec dimensions (entities.training.word_vectors)
LETTER_DIM, LETTER_FILTERS, RULE_DIM, CLASS_DIM = 32, 64, 8, 16
HIDDEN = 64  # LSTM units a direction: 128 score within 0.01 and take twice the time (bench/entity_neural_ensemble.py)
CRF_SHARE = 0.5  # the CRF's weight in the product of experts, fixed before it was measured (0.3 and 0.7 score alike)
# Words whose gate inputs are kept per process: 2 KB each at 64 units, so ~80 MB; the most frequent are met first,
# and the others are computed again, all of a batch's at once.
WORDS_CACHED = 40_000
_GAP, _NORM = attrgetter("gap"), attrgetter("norm")


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 and a scale per row (a quarter of the float32 size in the model file)."""
    scales = np.abs(vectors).max(axis=1) / 127
    scales[scales == 0] = 1
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return codes.astype(np.float32) * scales[:, None]


def vector_rows(classes: dict, count: int) -> dict[str, int]:
    """word -> its row in the word-vector table: the first `count` words of `classes`, from 1 (0: no vector)."""
    return {word: i + 1 for i, word in zip(range(count), classes)}


def letter_ids(token: Token, alphabet: dict[str, int]) -> list[int]:
    """The word's letters as the letter CNN's symbols (0 pads, 1 is a letter training never saw)."""
    ids = [alphabet.get(ch, 1) for ch in token.norm[:LONGEST_WORD]]
    return ids + [0] * (LONGEST_WORD - len(ids))


def class_ids(token: Token, classes: dict) -> list[int]:
    """The word's class at each level, 1-based (0: a word with no class)."""
    return [int(c) + 1 if c != "-" else 0 for c in classes_of(token, classes)]


def input_width(flags: int = FLAG_COUNT) -> int:
    """The LSTM's input: vector, no-vector flag, letter CNN, `flags` 0/1 inputs, rule tag, word classes (in that
    order)."""
    return VECTOR_DIM + 1 + LETTER_FILTERS + flags + RULE_DIM + CLASS_DIM * len(LEVELS)


class NetworkTagger:
    """Label scores per token (in crf._TAGS order) from the exported weights of a trained network.

    `saved`: {"weights": torch parameter name -> array, "alphabet": its letters, "vectors"/"scales": the int8 word
    vectors, row i for the i-th word of `classes`, "proper_flags": whether it reads the proper-noun bands}. `flags`:
    a token's 0/1 inputs (crf.Featurizer.flags, or .network_flags for a network with "proper_flags");
    `rule_row`: a rule tag's row in the rule embedding."""

    def __init__(self, saved: dict, classes: dict, flags, rule_row: dict[str, int]):
        w = {name: np.asarray(value, dtype=np.float32) for name, value in saved["weights"].items()}
        self.hidden = h = w["lstm.weight_hh_l0"].shape[1]
        self.alphabet = {ch: i + 2 for i, ch in enumerate(saved["alphabet"])}
        self.codes, self.scales = saved["vectors"], saved["scales"]
        self.rows = vector_rows(classes, len(self.codes))
        self.classes, self.flags, self.rule_row = classes, flags, rule_row
        # torch's gate order is i, f, g, o; here i, f, o, g, so that the three sigmoids are one block, and
        # sigmoid(x) = (1 + tanh(x / 2)) / 2 with the halving folded into those gates' weights: one tanh a step
        order = np.r_[0:2 * h, 3 * h:4 * h, 2 * h:3 * h]
        half = np.r_[np.full(3 * h, 0.5), np.ones(h)].astype(np.float32)

        def gates_of(matrix):  # rows of a direction's 4h gates, reordered and scaled
            return matrix[order] * (half[:, None] if matrix.ndim == 2 else half)

        directions = ("l0", "l0_reverse")
        inputs = np.concatenate([gates_of(w[f"lstm.weight_ih_{d}"]) for d in directions])  # (8h, width)
        self._bias = np.concatenate([gates_of(w[f"lstm.bias_ih_{d}"] + w[f"lstm.bias_hh_{d}"]) for d in directions])
        self._recurrent = np.stack([gates_of(w[f"lstm.weight_hh_{d}"]).T for d in directions])  # (2, h, 4h)
        probe = word_token("ا")
        flag_count = FLAG_COUNT + (PROPER_FLAG_COUNT if saved.get("proper_flags") else 0)
        if len(flags(probe)) != flag_count:
            raise ValueError(f"the network reads {flag_count} flags, the featurizer gives {len(flags(probe))}")
        edges = np.cumsum([0, VECTOR_DIM, 1, LETTER_FILTERS, flag_count, RULE_DIM, *[CLASS_DIM] * len(LEVELS)])
        part = [inputs[:, a:b] for a, b in zip(edges, edges[1:])]
        # a word's dense inputs (vector, no-vector flag, letter CNN, flags) go through one product
        self._dense = np.concatenate(part[:4], axis=1).T  # (100 + 1 + filters + flags, 8h)
        # an embedding feeds the gates only through its product with these weights: fold them in once
        rule_gates = w["rule.weight"] @ part[4].T  # (rule tags, 8h)
        self._class_gates = [w[f"word_class.{i}.weight"] @ part[5 + i].T for i in range(len(LEVELS))]
        # the convolution of embedded letters, per letter and offset: a look-up instead of a product
        self._conv = [w["letter.weight"] @ w["letter_cnn.weight"][:, :, k].T for k in range(3)]  # (letters, filters)
        self._conv_bias = w["letter_cnn.bias"]
        self._out = w["out.weight"].T  # (2h, tags)
        self._out_bias = w["out.bias"]
        self.between, self.start = w["crf.between"], w["crf.start"]
        # word (normalized: the inputs depend on nothing else) -> its row of word gates; np.empty leaves the
        # table's pages untouched until rows are written
        self._rows: dict[str, int] = {}
        self._table = np.empty((WORDS_CACHED, 8 * h), np.float32)
        # the gap flag (punctuation before a word) is the one input that is the token's, not the word's: its
        # share of the gates, found as the flag that a gap changes, is added per token
        gap_flag = [a != b for a, b in zip(flags(probe), flags(probe._replace(gap=True)))].index(True)
        gap_gates = self._dense[VECTOR_DIM + 1 + LETTER_FILTERS + gap_flag]
        # row 2 * (rule tag's row) + gap: both directions' share of the token's own inputs
        both = np.stack([rule_gates, rule_gates + gap_gates], axis=1).reshape(-1, 8 * h)
        self._token_gates = both[:, :4 * h].copy(), both[:, 4 * h:].copy()

    def word_gates(self, tokens: list[Token]) -> np.ndarray:
        """(tokens, 8h): what each word adds to both directions' gates wherever it stands (all but the rule
        tag), for many words at once."""
        rows = np.array([classes_of(t, self.rows, missing=0) for t in tokens])
        known = rows > 0
        dense = np.zeros((len(tokens), self._dense.shape[0]), np.float32)
        dense[known, :VECTOR_DIM] = dequantize(self.codes[rows[known] - 1], self.scales[rows[known] - 1])
        dense[:, VECTOR_DIM] = ~known
        dense[:, VECTOR_DIM + 1:VECTOR_DIM + 1 + LETTER_FILTERS] = self.letter_features(tokens)
        dense[:, VECTOR_DIM + 1 + LETTER_FILTERS:] = [self.flags(t) for t in tokens]
        gates = dense @ self._dense + self._bias
        for table, ids in zip(self._class_gates, np.array([class_ids(t, self.classes) for t in tokens]).T):
            gates += table[ids]
        return gates

    def letter_features(self, tokens: list[Token]) -> np.ndarray:
        """The letter CNN: embedded letters, a width-3 convolution (zero-padded), ReLU, max over positions."""
        ids = np.array([letter_ids(t, self.alphabet) for t in tokens])  # (n, LONGEST_WORD); 0 embeds to zeros
        padded = np.pad(ids, ((0, 0), (1, 1)))
        out = self._conv[0][padded[:, :-2]] + self._conv[1][ids] + self._conv[2][padded[:, 2:]] + self._conv_bias
        return np.maximum(out, 0).max(axis=1)

    def _word_gates_of(self, tokens: Sequence[Token]) -> tuple[np.ndarray, np.ndarray]:
        """(words, 8h) the word gates of each distinct word of `tokens`, and each token's row there: from the
        table, and those of the words not in it computed together (and kept while the table has room)."""
        norms = list(map(_NORM, tokens))
        words = list(dict.fromkeys(norms))  # in the order first met
        place = {word: i for i, word in enumerate(words)}
        rows = np.fromiter(map(place.__getitem__, norms), np.intp, len(tokens))
        stored = list(map(self._rows.get, words))
        gates = np.empty((len(words), self._table.shape[1]), np.float32)
        known = [i for i, row in enumerate(stored) if row is not None]
        gates[known] = self._table[[stored[i] for i in known]]
        if len(known) < len(words):
            missing = [i for i, row in enumerate(stored) if row is None]
            token_of = dict(zip(norms, tokens))  # any token of a word will do: its gates depend on its norm alone
            computed = gates[missing] = self.word_gates([token_of[words[i]]._replace(gap=False) for i in missing])
            start = len(self._rows)
            room = max(0, min(len(missing), WORDS_CACHED - start))  # bounded: the frequent words are met first
            self._table[start:start + room] = computed[:room]
            self._rows.update(zip([words[i] for i in missing[:room]], range(start, start + room)))
        return gates, rows

    def emissions(self, tokens: Sequence[Token], rule_tags: list[str], steps: Steps) -> np.ndarray:
        """(tokens, tags): each token's label scores, the LSTM run over each sentence (`steps`) on its own; all
        the sentences in step, both directions at once."""
        h = self.hidden
        words, rows = self._word_gates_of(tokens)
        # what a token adds to the gates beside its word's share: its rule tag's and its gap's, a row of _token_gates
        extra = np.fromiter(map(self.rule_row.__getitem__, rule_tags), np.intp, len(tokens)) * 2 + \
            np.fromiter(map(_GAP, tokens), np.intp, len(tokens))
        # each direction's tables and each token's rows in them, in step order: a step gathers its inputs from
        # small tables into a small buffer (big step-ordered copies of the inputs would cost more than the LSTM)
        tables = [(words[:, :4 * h].copy(), words[:, 4 * h:].copy()), self._token_gates]
        order = [(rows[steps.ahead], rows[steps.back]), (extra[steps.ahead], extra[steps.back])]
        outputs = np.empty((2, len(tokens), h), np.float32)
        count = steps.count
        state, cell, product = (np.zeros((2, count, h), np.float32) for _ in range(3))
        z, inputs = np.empty((2, count, 4 * h), np.float32), np.empty((2, count, 4 * h), np.float32)
        for t, n in enumerate(steps.active):  # in place: a few array calls a step
            block = steps.block(t)
            zz, cc, ss, pp, ii = z[:, :n], cell[:, :n], state[:, :n], product[:, :n], inputs[:, :n]
            np.matmul(ss, self._recurrent, out=zz)
            for (forward, backward), (ahead, back) in zip(tables, order):
                np.take(forward, ahead[block], axis=0, out=ii[0])
                np.take(backward, back[block], axis=0, out=ii[1])
                zz += ii
            np.tanh(zz, out=zz)
            sigmoids = zz[..., :3 * h]
            sigmoids += 1
            sigmoids *= 0.5  # i, f, o; then g
            cc *= zz[..., h:2 * h]
            np.multiply(zz[..., :h], zz[..., 3 * h:], out=pp)
            cc += pp
            np.tanh(cc, out=ss)
            ss *= zz[..., 2 * h:3 * h]
            outputs[:, block] = ss
        hidden = np.empty((len(tokens), 2 * h), np.float32)
        hidden[steps.ahead, :h] = outputs[0]
        hidden[steps.back, h:] = outputs[1]
        return hidden @ self._out + self._out_bias
