"""Tombstones: the ids of retracted articles, when and why, in an index of their own beside the alias.

A retraction that comes back because someone re-runs an old input file is a legal problem, so later index runs
refuse a tombstoned id (a reject with the tombstone's date and reason). Only an explicit re-publication lifts
one: `PUT /articles/{id}` on the ingest API, or `akhbar index --republish`.

The index (`<alias>-tombstones`) is created by the first retraction: archives that never delete never get one.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from elasticsearch import Elasticsearch, helpers

from core.mappings import index_definition

MGET_IDS = 1000


def tombstones_index(alias: str) -> str:
    """Derived from the articles alias, so every test alias has its own."""
    return f"{alias}-tombstones"


def _direct(what: str, fn, *args, **kwargs):
    return fn(*args, **kwargs)


class Tombstones:
    def __init__(self, es: Elasticsearch, alias: str, call=_direct):
        """`call(what, fn, …)` runs each engine call: an indexer run passes `Outages.call` to ride out outages."""
        self.es = es
        self.call = call
        self.index = tombstones_index(alias)
        self._exists = bool(call("looking for tombstones", es.indices.exists, index=self.index))

    def ensure(self) -> None:
        if self._exists:
            return
        self.call("creating the tombstones index", self.es.options(ignore_status=400).indices.create,
                  index=self.index, **index_definition("tombstones"))
        self.call("creating the tombstones index", self.es.cluster.health, index=self.index,
                  wait_for_status="yellow", timeout="60s")
        self._exists = True

    def find(self, ids: Iterable[str]) -> dict[str, dict]:
        """The tombstones among `ids` (id -> {"deleted_at", "reason", …}); real-time, no refresh needed."""
        wanted = list(dict.fromkeys(ids))
        if not wanted or not self._exists:
            return {}
        found = {}
        for start in range(0, len(wanted), MGET_IDS):
            response = self.call("checking tombstones", self.es.mget, index=self.index,
                                 ids=wanted[start:start + MGET_IDS])
            found.update({doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")})
        return found

    def document(self, article_id: str, reason: str | None, via: str) -> dict:
        return {"id": article_id, "deleted_at": datetime.now(timezone.utc).isoformat(), "reason": reason, "via": via}

    def lift(self, ids: Iterable[str]) -> None:
        """Remove the tombstones of re-published articles."""
        actions = ({"_op_type": "delete", "_index": self.index, "_id": i} for i in ids)
        if self._exists:
            helpers.bulk(self.es, actions, raise_on_error=False, stats_only=True)

    def since(self, moment: datetime) -> list[str]:
        """Ids retracted at or after `moment` (to catch up a rebuild with deletions made while it ran)."""
        self._exists = self._exists or bool(self.es.indices.exists(index=self.index))  # made while a rebuild ran
        if not self._exists:
            return []
        self.es.indices.refresh(index=self.index)
        query = {"range": {"deleted_at": {"gte": moment.isoformat()}}}
        return [hit["_id"] for hit in helpers.scan(self.es, index=self.index, query={"query": query}, _source=False)]


def reject_reason(article_id: str, tombstone: dict) -> str:
    """The reject reason for a tombstoned article: what happened, when, why, and how to re-publish it."""
    reason = f" ({tombstone['reason']})" if tombstone.get("reason") else ""
    return (f"retracted: article {article_id} was deleted at {tombstone.get('deleted_at')}{reason}; re-publish it "
            f"explicitly with PUT /articles/{{id}} on the ingest API or `akhbar index --republish`")
