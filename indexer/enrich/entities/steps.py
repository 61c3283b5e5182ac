"""The sentences of many texts in step, for the taggers' recurrences (the network's LSTM and the Viterbi pass).

Both run over each sentence on its own, position by position. Run one sentence at a time, they would cost a few
array calls per token; run all the sentences of a batch of articles in step, a few array calls per position of
the longest one. Step t holds token t of every sentence longer than t, the longest sentences first: a step's
tokens are then one contiguous block of the step-ordered arrays, and the sentences still running are its first
rows, so each step reads and writes without copies.
"""
from __future__ import annotations

import numpy as np


class Steps:
    """`bounds`: (start, end) of each sentence, none empty, as token offsets into one sequence of tokens."""

    def __init__(self, bounds: list[tuple[int, int]]):
        ordered = sorted(bounds, key=lambda b: b[0] - b[1])  # longest first
        lengths = np.array([end - start for start, end in ordered])
        self.count = len(ordered)  # sentences
        self.active = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="left")  # longer than t
        self.at = np.concatenate([[0], np.cumsum(self.active)])  # step t's block: at[t]:at[t + 1]
        starts = np.array([start for start, _ in ordered])
        lasts = np.array([end - 1 for _, end in ordered])
        # the token at each place of the step order: read forward, and read from each sentence's end
        self.ahead = np.concatenate([starts[:n] + t for t, n in enumerate(self.active)])
        self.back = np.concatenate([lasts[:n] - t for t, n in enumerate(self.active)])

    def __len__(self) -> int:
        return len(self.active)  # steps: the longest sentence's length

    def block(self, t: int) -> slice:
        return slice(self.at[t], self.at[t + 1])


def viterbi(scores: np.ndarray, transitions: np.ndarray, start: np.ndarray | None, steps: Steps) -> np.ndarray:
    """The best label (column of `scores`) of each token, each sentence decoded on its own. `scores`: (tokens,
    labels) in the tokens' own order; `transitions`: [previous label, label]; `start`: what opening a sentence on
    each label adds, if anything."""
    emitted = scores[steps.ahead]
    count, labels = steps.count, scores.shape[1]
    best = emitted[:count] + start if start is not None else emitted[:count].copy()
    back = np.empty((len(emitted), labels), dtype=np.intp)  # in step order: the best previous label of each
    step = np.empty((count, labels, labels))  # [sentence, previous, label]
    for t in range(1, len(steps)):  # in place: a few array calls per step
        n, block = steps.active[t], steps.block(t)
        np.add(best[:n, :, None], transitions, out=step[:n])
        step[:n].argmax(axis=1, out=back[block])
        step[:n].max(axis=1, out=best[:n])
        best[:n] += emitted[block]
    path = np.empty(len(emitted), dtype=np.intp)
    current = best.argmax(axis=1)  # each sentence's last label (a finished sentence's row stopped changing)
    rows = np.arange(count)
    for t in range(len(steps) - 1, 0, -1):
        n, block = steps.active[t], steps.block(t)
        path[block] = current[:n]
        current[:n] = back[block][rows[:n], current[:n]]
    path[:count] = current
    labelled = np.empty(len(emitted), dtype=np.intp)
    labelled[steps.ahead] = path
    return labelled
