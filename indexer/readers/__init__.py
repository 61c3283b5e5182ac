"""Readers turn input files into a stream of raw records, one module per format behind one interface.

A reader never raises on bad content: a line that is not JSON, not UTF-8 or not an object becomes a
`RawRecord` with `error` set, so it reaches the rejects file with its position instead of stopping the run.
A file that cannot be read (missing, binary, a corrupt archive or compressed stream) is one such record marked
`unreadable`, after the records read before the damage; the run goes on with the next file.
"""
from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol

import orjson


@dataclass(frozen=True)
class RawRecord:
    file: str
    position: str  # "line 12", "2015-07-21.json item 3": where a person finds it again
    data: dict | None  # fields in Akhbar's input shape (title, body, url, source, published_at, author, topics, id)
    error: str | None = None
    original: object = None  # what was read, for the rejects file
    unreadable: bool = False  # the file (or the rest of it) could not be read: the run's exit code says so


# What reading a damaged file raises: a truncated or corrupt gzip/zip stream, an I/O error.
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)
_SNIFF_BYTES = 8192


def unreadable(path: Path, position: str, error: BaseException | str) -> RawRecord:
    return RawRecord(str(path), position, None, f"unreadable: {_read_error(error)}", unreadable=True)


def _read_error(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, (gzip.BadGzipFile, EOFError, zlib.error)):
        return f"corrupt or truncated compressed data ({error})"
    if isinstance(error, zipfile.BadZipFile):
        return f"corrupt zip archive ({error})"
    return f"{type(error).__name__}: {error}"


def binary_content(path: Path) -> bool:
    """A file whose first bytes (decompressed for .gz) hold a NUL is not JSON Lines text."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return b"\0" in handle.read(_SNIFF_BYTES)


class Reader(Protocol):
    name: str

    def matches(self, path: Path, first_object: dict | None) -> bool:
        """Whether this reader is the right one for `path` (auto-detection)."""

    def read(self, path: Path) -> Iterator[RawRecord]:
        """Stream the records of one file; memory does not grow with the file."""


def open_text_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of a plain or gzip file; bytes so a bad UTF-8 line is a reject, not a crash."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def parse_json_line(path: Path, number: int, line: bytes) -> tuple[object, str | None]:
    try:
        value = orjson.loads(line)  # fast path; a line it refuses gets the standard library's verdict and words
    except orjson.JSONDecodeError:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            return line.decode("utf-8", errors="replace"), f"invalid UTF-8 at byte {error.start}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            return text.rstrip("\n"), f"invalid JSON: {error.msg} at column {error.colno}"
    if not isinstance(value, dict):
        return value, f"expected a JSON object, got {type(value).__name__}"
    return value, None


def read_json_lines(path: Path, to_input) -> Iterator[RawRecord]:
    """Records of a JSON Lines file, each object mapped into the input shape by `to_input`; where the file
    cannot be read further, one unreadable record after those read before."""
    number = 0

    def numbered() -> Iterator[tuple[int, bytes]]:
        nonlocal number
        for number, line in open_text_lines(path):
            yield number, line

    try:
        if binary_content(path):
            yield unreadable(path, "file", "binary content (a NUL byte), not JSON Lines text")
            return
        yield from json_line_records(str(path), numbered(), to_input)
    except READ_ERRORS as error:
        yield unreadable(path, f"line {number + 1}" if number else "file", error)


def json_line_records(name: str, lines: Iterable[tuple[int, bytes]], to_input) -> Iterator[RawRecord]:
    """Records of numbered JSON lines (from a file or a request body named `name`)."""
    for number, line in lines:
        value, error = parse_json_line(name, number, line)
        position = f"line {number}"
        if error:
            yield RawRecord(name, position, None, error, value)
        else:
            yield RawRecord(name, position, to_input(value), None, value)


def first_object(path: Path) -> dict | None:
    """The first JSON object of a JSON Lines file or of the first member of a zip, for detection."""
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in sorted(archive.namelist()):
                    if member.endswith(".json"):
                        with archive.open(member) as handle:
                            items = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
                        return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
            return None
        for number, line in open_text_lines(path):
            value, error = parse_json_line(path, number, line)
            if error is None:
                return value
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    return None


def readers() -> list[Reader]:
    from indexer.readers.jsonl import JsonLinesReader
    from indexer.readers.saudinewsnet import SaudiNewsNetReader

    # Most specific first: SaudiNewsNet JSON Lines are also JSON Lines.
    return [SaudiNewsNetReader(), JsonLinesReader()]


FORMATS = ("auto", "jsonl", "saudinewsnet")


def reader_for(path: Path, fmt: str = "auto") -> Reader:
    available = readers()
    if fmt != "auto":
        return next(r for r in available if r.name == fmt)
    sample = first_object(path)
    for reader in available:
        if reader.matches(path, sample):
            return reader
    raise ValueError(f"{path}: cannot tell its format (expected .jsonl, .jsonl.gz or a SaudiNewsNet .zip)")


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder contributes its .jsonl, .jsonl.gz, .json.gz and .zip files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz", ".zip")))
        else:
            files.append(path)
    return files


def read_all(paths: list[Path], fmt: str = "auto") -> Iterator[RawRecord]:
    for path in expand(paths):
        if not path.exists():
            yield unreadable(path, "file", "file not found")
            continue
        try:
            reader = reader_for(path, fmt)
        except ValueError as error:
            yield unreadable(path, "file", str(error))
            continue
        yield from reader.read(path)
