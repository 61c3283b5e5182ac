"""read -> validate -> enrich -> build document -> bulk write, with every failure sent to the rejects file.

Enrichment runs in worker processes (AKHBAR_INDEX_WORKERS) on batches, with a bounded number of batches in
flight, so memory stays flat however long the input is.
"""
from __future__ import annotations

import gc
import json
import multiprocessing
import queue
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator

import orjson
from elasticsearch import Elasticsearch, helpers
from marshmallow import ValidationError
from tqdm import tqdm

from indexer.article import Article
from indexer.documents import build_document
from indexer.enrich import Stage, default_stages, enrich
from indexer.readers import RawRecord
from indexer.records import describe, validate_record
from indexer.rejects import Rejects

BATCH = 64
READ_AHEAD_BATCHES = 32  # ~2,000 enriched articles waiting for the bulk writer: about one bulk chunk

_stages: list[Stage] | None = None


# Enrichment allocates many short-lived objects beside large, acyclic per-word caches; at the default threshold
# the cyclic collector keeps re-walking those caches (~10% of worker time). Collect far less often.
_GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def _collecting_rarely():
    """The parent's side of a run allocates a dict per input record: collect less often, restore after."""
    before = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _init_worker() -> None:
    """A worker process's start: its stages, and a collector tuned for enrichment (no other code runs here)."""
    global _stages
    gc.set_threshold(*_GC_THRESHOLD)
    _stages = default_stages()
    gc.freeze()  # the word lists and the taxonomy live as long as the worker: never scan them again


def _serialize(document: dict) -> bytes:
    try:
        return orjson.dumps(document)
    except TypeError:  # a lone surrogate in some field orjson refuses: the engine reads the escaped form
        return json.dumps(document, ensure_ascii=True).encode("ascii")


def enrich_batch(articles: list[Article]) -> list[tuple[str, bytes | None, str | None]]:
    """Worker side: enrich, build and serialize documents (UTF-8 JSON, so the parent process only ships it).
    Returns (id, document, None), or (id, None, reason) for an article enrichment failed on — one odd article
    becomes a reject, never the end of the run. Pure apart from the per-process stage objects."""
    global _stages
    if _stages is None:
        _stages = default_stages()
    done = []
    for article in articles:
        try:
            document = build_document(enrich(article, _stages))
            done.append((article.id, _serialize(document), None))
        except Exception as error:  # noqa: BLE001 - reported per record, with its reason
            done.append((article.id, None, f"enrichment failed: {type(error).__name__}: {error}"))
    return done


@dataclass
class Summary:
    indexed: int
    rejected: int
    seconds: float

    def as_dict(self) -> dict:
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        return {"indexed": self.indexed, "rejected": self.rejected, "seconds": round(self.seconds, 2),
                "docs_per_s": round(rate, 1)}


class _Origins:
    """Where each in-flight document came from, so an engine error can name the input record."""

    def __init__(self):
        self._by_id: dict[str, tuple[str, str, object]] = {}

    def add(self, article_id: str, record: RawRecord) -> None:
        self._by_id[article_id] = (record.file, record.position, record.original)

    def pop(self, article_id: str) -> tuple[str, str, object]:
        return self._by_id.pop(article_id, ("?", article_id, None))


def validated(records: Iterable[RawRecord], rejects: Rejects, origins: _Origins) -> Iterator[Article]:
    for record in records:
        if record.error:
            rejects.add(record.file, record.position, record.error, record.original)
            continue
        try:
            article = validate_record(record.data)
        except ValidationError as error:
            rejects.add(record.file, record.position, f"invalid record: {describe(error)}", record.original)
            continue
        origins.add(article.id, record)
        yield article


def _batches(articles: Iterator[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def enriched(articles: Iterator[Article], workers: int) -> Iterator[tuple[str, bytes | None, str | None]]:
    if workers <= 0:
        for batch in _batches(articles, BATCH):
            yield from enrich_batch(batch)
        return
    # Enrichment runs ahead of the bulk writer in a thread, so the workers keep going while a bulk request is
    # at the engine, and the engine gets the next chunk as soon as it answers. Bounded either way.
    for done in read_ahead(_pooled(articles, workers), depth=READ_AHEAD_BATCHES):
        yield from done


def _pooled(articles: Iterator[Article], workers: int) -> Iterator[list[tuple[str, bytes | None, str | None]]]:
    # Pool.imap would read the whole input ahead; keep at most a few batches in flight instead.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with context.Pool(workers, initializer=_init_worker) as pool:
        pending: deque = deque()
        for batch in _batches(articles, BATCH):
            pending.append(pool.apply_async(enrich_batch, (batch,)))
            if len(pending) >= workers * 3:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


_END = object()


def read_ahead(items: Iterator, depth: int) -> Iterator:
    """The items of `items`, produced by a background thread up to `depth` ahead of the consumer. Its
    exceptions reach the consumer; a consumer that stops early stops it too."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_END)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            ready.put(error)
        finally:
            if stop.is_set() and hasattr(items, "close"):
                items.close()  # runs the producer's own clean-up (the worker pool) in its thread

    thread = threading.Thread(target=produce, name="akhbar-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                ready.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.1)


def run(es: Elasticsearch, index: str, records: Iterable[RawRecord], rejects: Rejects, *,
        workers: int = 0, chunk_bytes: int = 5 * 1024 * 1024, progress: bool | None = None) -> Summary:
    started = time.perf_counter()
    origins = _Origins()

    def documents() -> Iterator[tuple[str, bytes]]:
        for doc_id, source, failure in enriched(validated(records, rejects, origins), workers):
            if failure is None:
                yield doc_id, source
            else:
                file, position, original = origins.pop(doc_id)
                rejects.add(file, position, failure, original)

    def to_bulk(item: tuple[str, bytes]) -> tuple[dict, bytes]:
        doc_id, source = item
        return {"index": {"_index": index, "_id": doc_id}}, source  # the client sends serialized JSON as it is

    indexed = 0
    show = sys.stderr.isatty() if progress is None else progress
    with _collecting_rarely(), tqdm(desc="indexing", unit="doc", disable=not show, file=sys.stderr) as bar:
        for ok, info in helpers.streaming_bulk(
            es, documents(), expand_action_callback=to_bulk, max_chunk_bytes=chunk_bytes, chunk_size=2000, max_retries=5,
            initial_backoff=1, max_backoff=30, raise_on_error=False, raise_on_exception=False,
            # Only what is needed per item: the full bulk response is most of what the parent parses.
            filter_path="errors,items.*._id,items.*.status,items.*.error",
        ):
            item = next(iter(info.values()))
            file, position, original = origins.pop(str(item.get("_id")))
            if ok:
                indexed += 1
            else:
                error = item.get("error")
                reason = error.get("reason") if isinstance(error, dict) else str(error or item.get("exception"))
                kind = error.get("type") if isinstance(error, dict) else "engine error"
                rejects.add(file, position, f"engine refused: {kind}: {reason}", original)
            bar.update(1)
    return Summary(indexed, rejects.count, time.perf_counter() - started)
