"""Measuring extraction and topic tagging against gold data (`akhbar eval entities|topics`)."""
from __future__ import annotations

import json
from collections import Counter
from bisect import bisect_right
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
    return predicted_in_text([sentence], extract)[0]


def predicted_in_text(sentences: list[Sentence], extract) -> list[set[tuple[int, int, str]]]:
    """Run the extractor on consecutive sentences as one text (a line each, as an article's paragraphs), and map
    its mentions back to token spans of each sentence (a mention is counted in the sentence it begins in)."""
    text = "\n".join(" ".join(sentence.tokens) for sentence in sentences)
    starts, owners, offset = [], [], 0  # each CoNLL token's first character, and its (sentence, token)
    for number, sentence in enumerate(sentences):
        for index, token in enumerate(sentence.tokens):
            starts.append(offset)
            owners.append((number, index))
            offset += len(token) + 1
    _, mentions = extract(text)
    offsets = spans(text)
    found: list[set[tuple[int, int, str]]] = [set() for _ in sentences]
    for mention in mentions:
        number, first = owners[bisect_right(starts, offsets[mention.first][0]) - 1]
        end_number, last = owners[bisect_right(starts, offsets[mention.last][1] - 1) - 1]
        if end_number != number:
            last = len(sentences[number].tokens) - 1
        found[number].add((first, last, mention.type))
    return found


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


def evaluate_entities(path: Path, extract, sentences: list[Sentence] | None = None, context: int = 1) -> dict:
    """Scores per type. `context`: sentences the extractor reads as one text (1: each alone, the CoNLL way; an
    article's worth lets propagation work as it does on articles: a name found once is found again)."""
    gold, predicted, correct = Counter(), Counter(), Counter()
    given = sentences if sentences is not None else list(read_conll(path))
    blocks = [given[i:i + context] for i in range(0, len(given), context)]
    for block in blocks:
        for sentence, found in zip(block, predicted_in_text(block, extract)):
            _count(sentence, found, gold, predicted, correct)
    return score(gold, predicted, correct)


def _count(sentence: Sentence, found, gold: Counter, predicted: Counter, correct: Counter) -> None:
    for span in sentence.spans:
        gold[span[2]] += 1
    for span in found:
        predicted[span[2]] += 1
        if span in sentence.spans:
            correct[span[2]] += 1


def format_table(result: dict) -> str:
    lines = [f"{'type':<6} {'precision':>9} {'recall':>7} {'f1':>6} {'gold':>6} {'pred':>6}"]
    for label, row in result.items():
        lines.append(f"{label:<6} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} "
                     f"{row['gold']:>6} {row['predicted']:>6}")
    return "\n".join(lines)


def to_json(result: dict) -> str:
    return json.dumps({k: {m: v[m] for m in ("precision", "recall", "f1")} for k, v in result.items()})
