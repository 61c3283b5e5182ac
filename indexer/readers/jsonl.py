"""Akhbar's own JSON Lines (plain or .gz): id, title, body|content, url, source, published_at, author, topics|tags."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from indexer.readers import RawRecord, open_text_lines, parse_json_line

FIELDS = ("id", "title", "url", "source", "published_at", "author")


def to_input(item: dict) -> dict:
    data = {key: item.get(key) for key in FIELDS}
    data["body"] = item.get("body") if item.get("body") is not None else item.get("content")
    data["topics"] = item.get("topics") if item.get("topics") is not None else item.get("tags")
    return data


class JsonLinesReader:
    name = "jsonl"

    def matches(self, path: Path, first_object: dict | None) -> bool:
        return path.name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".json.gz"))

    def read(self, path: Path) -> Iterator[RawRecord]:
        for number, line in open_text_lines(path):
            value, error = parse_json_line(path, number, line)
            position = f"line {number}"
            if error:
                yield RawRecord(str(path), position, None, error, value)
            else:
                yield RawRecord(str(path), position, to_input(value), None, value)
