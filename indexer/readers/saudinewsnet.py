"""The public SaudiNewsNet corpus: per-day .zip files each holding a JSON array, or JSON Lines of its objects.

Its objects carry source, url, date_extracted, title, author, content.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Iterator

from indexer.readers import READ_ERRORS, RawRecord, read_json_lines, unreadable

SIGNATURE = {"date_extracted", "content"}


def to_input(item: dict) -> dict:
    return {
        "id": None,
        "title": item.get("title"),
        "body": item.get("content"),
        "url": item.get("url"),
        "source": item.get("source"),
        "published_at": item.get("date_extracted"),
        "author": item.get("author"),
        "topics": None,
    }


class SaudiNewsNetReader:
    name = "saudinewsnet"

    def matches(self, path: Path, first_object: dict | None) -> bool:
        if path.suffix == ".zip":
            return True
        return first_object is not None and SIGNATURE <= first_object.keys()

    def read(self, path: Path) -> Iterator[RawRecord]:
        if path.suffix == ".zip":
            yield from self._read_zip(path)
            return
        yield from read_json_lines(path, to_input)

    def _read_zip(self, path: Path) -> Iterator[RawRecord]:
        try:
            archive = zipfile.ZipFile(path)
        except READ_ERRORS as error:
            yield unreadable(path, "file", error)
            return
        with archive:
            # One member is one day: small enough to parse whole, so memory is bounded by the largest day.
            for member in sorted(m for m in archive.namelist() if m.endswith(".json")):
                try:
                    with archive.open(member) as handle:
                        items = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
                except (ValueError, UnicodeDecodeError) as error:
                    yield RawRecord(str(path), member, None, f"invalid JSON in {member}: {error}")
                    continue
                except READ_ERRORS as error:  # a damaged member: the others may still be whole
                    yield unreadable(path, member, error)
                    continue
                if not isinstance(items, list):
                    yield RawRecord(str(path), member, None, f"{member}: expected a JSON array", items)
                    continue
                for index, item in enumerate(items):
                    position = f"{member} item {index}"
                    if not isinstance(item, dict):
                        yield RawRecord(str(path), position, None, "expected a JSON object", item)
                    else:
                        yield RawRecord(str(path), position, to_input(item), None, item)
