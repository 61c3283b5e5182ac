"""The rejects file: every record that was not indexed, where it came from and why (JSON Lines)."""
from __future__ import annotations

import json
import threading
from pathlib import Path


class Rejects:
    """Counts by reason; writes each reject to `path` when given, and keeps them in `entries` when `keep` (an API
    answer lists them)."""

    def __init__(self, path: Path | None, *, keep: bool = False):
        self.path = path
        self.count = 0
        self.by_reason: dict[str, int] = {}
        self.unreadable: set[str] = set()  # input files that could not be read (whole or in part)
        self.entries: list[dict] | None = [] if keep else None
        self._handle = open(path, "a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def add(self, file: str, position: str, reason: str, record: object, *, unreadable: bool = False) -> None:
        with self._lock:
            self.count += 1
            if unreadable:
                self.unreadable.add(file)
            kind = reason.split(":")[0]
            self.by_reason[kind] = self.by_reason.get(kind, 0) + 1
            line = {"file": file, "position": position, "reason": reason, "record": record}
            if self.entries is not None:
                self.entries.append(line)
            if self._handle:
                self._handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        if self._handle:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
