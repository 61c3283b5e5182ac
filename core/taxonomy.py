"""The controlled topic taxonomy (core/data/topics.json): stable ids with Arabic and English labels."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.arabic import normalize


@dataclass(frozen=True)
class Topic:
    id: str
    ar: str
    en: str
    parent: str | None = None


@lru_cache(maxsize=1)
def topics() -> dict[str, Topic]:
    data = json.loads((Path(__file__).parent / "data" / "topics.json").read_text(encoding="utf-8"))
    return {t["id"]: Topic(t["id"], t["ar"], t["en"], t.get("parent")) for t in data["topics"]}


def topic_id(value: str) -> str:
    """A topic id from an id, an English or an Arabic label; publisher tags outside the taxonomy keep a
    normalized form of their own (prefixed `tag:`)."""
    text = value.strip()
    table = topics()
    if text.lower() in table:
        return text.lower()
    norm = normalize(text)
    for topic in table.values():
        if norm in (normalize(topic.ar), topic.en.lower()):
            return topic.id
    return f"tag:{norm}"


def label(topic: str) -> dict:
    found = topics().get(topic)
    if found:
        return {"id": found.id, "ar": found.ar, "en": found.en, "parent": found.parent}
    name = topic.removeprefix("tag:")
    return {"id": topic, "ar": name, "en": name, "parent": None}
