"""Measuring extraction and topic tagging against gold data (`akhbar eval entities|topics`)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from indexer.enrich.tokens import spans

GOLD_TYPES = {"PERS": "person", "ORG": "organization", "LOC": "location"}


@dataclass
class Sentence:
    tokens: list[str]
    spans: set[tuple[int, int, str]]  # (first token, last token, type), gold
    tags: list[str]


def read_conll(path: Path) -> Iterator[Sentence]:
    """CoNLL `token TAG` lines, blank line between sentences, BIO tags; MISC is ignored."""
    tokens: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if not parts:
                if tokens:
                    yield Sentence(tokens, bio_spans(tags), tags)
                tokens, tags = [], []
                continue
            tokens.append(parts[0])
            tags.append(parts[-1] if len(parts) > 1 else "O")
    if tokens:
        yield Sentence(tokens, bio_spans(tags), tags)


def bio_spans(tags: list[str]) -> set[tuple[int, int, str]]:
    spans, start, kind = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        if start is not None and (prefix != "I" or label != kind):
            if kind in GOLD_TYPES:
                spans.add((start, i - 1, GOLD_TYPES[kind]))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, kind = i, label
    return spans


def predicted_spans(sentence: Sentence, extract) -> set[tuple[int, int, str]]:
    """Run the extractor on the sentence as running text; map its mentions back to token spans."""
    text = " ".join(sentence.tokens)
    starts, offset = [], 0
    for token in sentence.tokens:
        starts.append(offset)
        offset += len(token) + 1
    _, mentions = extract(text)
    offsets = spans(text)

    def token_at(char: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo

    return {(token_at(offsets[m.first][0]), token_at(offsets[m.last][1] - 1), m.type) for m in mentions}


def score(gold: Counter, predicted: Counter, correct: Counter) -> dict:
    result = {}
    for label, etype in (*((k, v) for k, v in GOLD_TYPES.items()), ("micro", None)):
        if etype is None:
            c, p, g = sum(correct.values()), sum(predicted.values()), sum(gold.values())
        else:
            c, p, g = correct[etype], predicted[etype], gold[etype]
        precision = c / p if p else 0.0
        recall = c / g if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                         "gold": g, "predicted": p, "correct": c}
    return result


def evaluate_entities(path: Path, extract, sentences: list[Sentence] | None = None) -> dict:
    gold, predicted, correct = Counter(), Counter(), Counter()
    for sentence in sentences if sentences is not None else read_conll(path):
        found = predicted_spans(sentence, extract)
        for span in sentence.spans:
            gold[span[2]] += 1
        for span in found:
            predicted[span[2]] += 1
            if span in sentence.spans:
                correct[span[2]] += 1
    return score(gold, predicted, correct)


def format_table(result: dict) -> str:
    lines = [f"{'type':<6} {'precision':>9} {'recall':>7} {'f1':>6} {'gold':>6} {'pred':>6}"]
    for label, row in result.items():
        lines.append(f"{label:<6} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} "
                     f"{row['gold']:>6} {row['predicted']:>6}")
    return "\n".join(lines)


def to_json(result: dict) -> str:
    return json.dumps({k: {m: v[m] for m in ("precision", "recall", "f1")} for k, v in result.items()})
