"""Akhbar's own JSON Lines (plain or .gz): id, title, body|content, url, source, published_at, author, topics|tags;
`{"id": …, "deleted": true, "reason": …}` retracts an article."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from indexer.readers import RawRecord, read_json_lines

FIELDS = ("id", "title", "url", "source", "published_at", "author")


def to_input(item: dict) -> dict:
    data = {key: item.get(key) for key in FIELDS}
    data["body"] = item.get("body") if item.get("body") is not None else item.get("content")
    data["topics"] = item.get("topics") if item.get("topics") is not None else item.get("tags")
    if item.get("deleted") not in (None, False):  # a retraction: {"id": …, "deleted": true, "reason": …}
        data["deleted"], data["reason"] = item["deleted"], item.get("reason")
    return data


class JsonLinesReader:
    name = "jsonl"

    def matches(self, path: Path, first_object: dict | None) -> bool:
        return path.name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".json.gz"))

    def read(self, path: Path) -> Iterator[RawRecord]:
        yield from read_json_lines(path, to_input)
