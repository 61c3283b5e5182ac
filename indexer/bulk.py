"""The bulk writer: actions in, per-action results out, in chunks bounded by bytes and count.

Each chunk is one bulk request sent through `Outages.call`, so an engine that goes away or is overloaded is
waited for and the same chunk (only its documents not yet acknowledged) is sent again. Results have the shape
`helpers.streaming_bulk` gives: `(ok, {op_type: item})`.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import orjson
from elasticsearch import ApiError, Elasticsearch

from core.engine import refused_credentials
from indexer.outages import BusyItems, EngineGone, Outages, transient

RETRY_ITEM_STATUS = frozenset({429, 502, 503, 504})  # a shard busy, relocating or on a node that restarts
FILTER_PATH = "errors,items.*._id,items.*._index,items.*.status,items.*.error"  # only what is needed per item

Action = tuple[dict, bytes | None]  # the action line, and the document source already serialized (or None)


def _lines(action: dict, source: bytes | None) -> bytes:
    head = orjson.dumps(action) + b"\n"
    return head if source is None else head + source + b"\n"


def _chunks(actions: Iterable[Action], max_bytes: int, max_docs: int) -> Iterator[list[tuple[dict, bytes]]]:
    chunk: list[tuple[dict, bytes]] = []
    size = 0
    for action, source in actions:
        lines = _lines(action, source)
        if chunk and (size + len(lines) > max_bytes or len(chunk) >= max_docs):
            yield chunk
            chunk, size = [], 0
        chunk.append((action, lines))
        size += len(lines)
    if chunk:
        yield chunk


def stream(es: Elasticsearch, items: Iterable, *, expand: Callable[[object], Action], outages: Outages,
           max_chunk_bytes: int = 5 * 1024 * 1024, chunk_size: int = 2000,
           refresh: str | None = None) -> Iterator[tuple[bool, dict]]:
    """Write `items` (each made an action by `expand`) and yield one result per item, in order per chunk.
    `refresh` is the bulk API's (e.g. "wait_for": answered once searchable)."""
    extra = {"refresh": refresh} if refresh else {}
    for chunk in _chunks(map(expand, items), max_chunk_bytes, chunk_size):
        yield from _send(es, chunk, outages, extra)


def _send(es: Elasticsearch, chunk: list[tuple[dict, bytes]], outages: Outages,
          extra: dict) -> Iterator[tuple[bool, dict]]:
    results: list[tuple[bool, dict] | None] = [None] * len(chunk)
    pending = list(range(len(chunk)))

    def attempt() -> None:
        nonlocal pending
        body = b"".join(chunk[i][1] for i in pending)
        try:
            response = es.bulk(operations=body, filter_path=FILTER_PATH, **extra)
        except ApiError as error:
            if transient(error) or refused_credentials(error):
                raise
            # The request itself was refused (too large, malformed): each of its documents is a reject.
            for i in pending:
                op_type, meta = next(iter(chunk[i][0].items()))
                results[i] = (False, {op_type: {**meta, "status": error.meta.status,
                                                "error": {"type": "request refused", "reason": str(error.message)}}})
            pending = []
            return
        busy, status = [], 0
        for i, item in zip(pending, response["items"]):
            op_type, info = next(iter(item.items()))
            if info.get("status") in RETRY_ITEM_STATUS:
                busy.append(i)
                status = info["status"]
            else:
                results[i] = (200 <= info.get("status", 500) < 300, {op_type: info})
        pending = busy
        if busy:
            raise BusyItems(len(busy), status)

    try:
        outages.call("writing articles", attempt)
    except EngineGone:
        yield from (result for result in results if result is not None)  # acknowledged before the stop
        raise
    yield from results
