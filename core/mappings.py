"""The articles index definition (kept as data in mappings/) and the naming of its versioned indices."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from core.settings import PROJECT_ROOT

MAPPINGS_DIR = PROJECT_ROOT / "mappings"


@lru_cache(maxsize=None)
def _load(name: str) -> dict:
    with open(MAPPINGS_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def index_definition(name: str = "articles", *, shards: int | None = None, replicas: int | None = None) -> dict:
    """A fresh copy of {"settings": ..., "mappings": ...}, shaped by AKHBAR_INDEX_SHARDS / _REPLICAS when given;
    callers may adjust it for a bulk build."""
    definition = copy.deepcopy(_load(name))
    if shards is not None:
        definition["settings"]["number_of_shards"] = shards
    if replicas is not None:
        definition["settings"]["number_of_replicas"] = replicas
    return definition


def versioned_index_name(alias: str, now: datetime | None = None) -> str:
    """`articles-v20261129t120000123456`: sortable, unique per build, recognisable as behind `alias`."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dt%H%M%S%f")
    return f"{alias}-v{stamp}"


def mappings_path(name: str = "articles") -> Path:
    return MAPPINGS_DIR / f"{name}.json"
