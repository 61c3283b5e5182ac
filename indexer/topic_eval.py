"""Topic tagging against gold labels: accuracy of the first top-level topic, precision/recall per topic."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from core.taxonomy import topic_id, topics
from indexer.enrich.cleanup import clean_text
from indexer.enrich.topics import classify
from indexer.readers import read_all


def evaluate_topics(path: Path, label_field: str = "label") -> dict:
    taxonomy = topics()
    total = correct = 0
    predicted, gold, hits = Counter(), Counter(), Counter()
    for record in read_all([path], "jsonl"):
        if record.error or not isinstance(record.original, dict) or not record.original.get(label_field):
            continue
        expected = topic_id(str(record.original[label_field]))
        data = record.data
        found = [t for t in classify(clean_text(data.get("title") or ""), clean_text(data.get("body") or ""))
                 if t in taxonomy and taxonomy[t].parent is None]
        guess = found[0] if found else "none"
        total += 1
        gold[expected] += 1
        predicted[guess] += 1
        if guess == expected:
            correct += 1
            hits[expected] += 1
    per_topic = {
        t: {"precision": round(hits[t] / predicted[t], 4) if predicted[t] else 0.0,
            "recall": round(hits[t] / gold[t], 4) if gold[t] else 0.0, "support": gold[t]}
        for t in sorted(gold)
    }
    return {"accuracy": round(correct / total, 4) if total else 0.0, "articles": total, "topics": per_topic,
            "unlabelled_predictions": predicted["none"]}


def format_topics(result: dict) -> str:
    lines = [f"accuracy {result['accuracy']:.3f} over {result['articles']} articles "
             f"({result['unlabelled_predictions']} without a top-level topic)",
             f"{'topic':<12} {'precision':>9} {'recall':>7} {'support':>8}"]
    for topic, row in result["topics"].items():
        lines.append(f"{topic:<12} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['support']:>8}")
    return "\n".join(lines)
