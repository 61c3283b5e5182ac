"""read -> validate -> enrich -> build document -> bulk write, with every failure sent to the rejects file.

A retraction (`{"id": …, "deleted": true}`) takes the same road in its place in the input: it is validated,
passes enrichment untouched, and is written as a tombstone followed by a delete. An article whose id has a
tombstone is refused (indexer/tombstones.py) unless the run re-publishes.

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
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

import orjson
from elasticsearch import Elasticsearch
from marshmallow import ValidationError
from tqdm import tqdm

from indexer import bulk
from indexer.article import Article, Retraction
from indexer.documents import build_document
from indexer.enrich import Stage, default_stages, enrich, enrich_all
from indexer.outages import EngineGone, Outages
from indexer.readers import RawRecord
from indexer.records import describe, is_retraction, validate_record, validate_retraction
from indexer.rejects import Rejects
from indexer.tombstones import Tombstones, reject_reason

BATCH = 64
READ_AHEAD_BATCHES = 32  # ~2,000 enriched articles waiting for the bulk writer: about one bulk chunk
TOMBSTONE_CHECK_BATCH = 500  # ids looked up in the tombstones index per request

_stages: list[Stage] | None = None
# The stages keep per-process memos (and maybe a CRF tagger) not made for threads: in a threaded server (the ingest
# API enriches in its request threads) one batch at a time per process.
_enriching = threading.Lock()


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
    """A worker process's start: its stages (inherited when forked), a collector tuned for enrichment, and one
    BLAS thread: the workers are the parallelism, and a matrix library's own threads in each would only contend
    for the same cores (the network model's small products ran at half speed, and 7x slower in `reindex`)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    gc.set_threshold(*_GC_THRESHOLD)
    load_stages()
    gc.freeze()  # the word lists, the model and the taxonomy live as long as the worker: never scan them again


def _serialize(document: dict) -> bytes:
    try:
        return orjson.dumps(document)
    except TypeError:  # a lone surrogate in some field orjson refuses: the engine reads the escaped form
        return json.dumps(document, ensure_ascii=True).encode("ascii")


def load_stages() -> None:
    """Load the enrichment stages now rather than on the first article: a server's start, and a run's parent
    before its workers fork, so that a model file that cannot be used stops the run at once with its one-line
    error (entities.crf.ModelError), and forked workers share the loaded model instead of each reading it."""
    global _stages
    with _enriching:
        if _stages is None:
            _stages = default_stages()


def enrich_batch(articles: list[Article | Retraction]) -> list[tuple[str, bytes | None, str | None] | Retraction]:
    """Worker side: enrich, build and serialize documents (UTF-8 JSON, so the parent process only ships it).
    Returns (id, document, None), or (id, None, reason) for an article enrichment failed on — one odd article
    becomes a reject, never the end of the run. Pure apart from the per-process stage objects."""
    load_stages()
    with _enriching:
        batch = [article for article in articles if not isinstance(article, Retraction)]
        try:  # the batch at once (stages change articles in place: they work on copies)
            enriched = iter(enrich_all([replace(article) for article in batch], _stages))
        except Exception:  # noqa: BLE001 - some article of the batch: find it, one by one
            enriched = map(_enriched_alone, batch)
        # a retraction has nothing to enrich: it passes through in its place, so input order holds
        return [article if isinstance(article, Retraction) else _built(article.id, next(enriched))
                for article in articles]


def _enriched_alone(article: Article) -> Article | Exception:
    try:
        return enrich(article, _stages)
    except Exception as error:  # noqa: BLE001 - reported per record, with its reason
        return error


def _built(article_id: str, article: Article | Exception) -> tuple[str, bytes | None, str | None]:
    if isinstance(article, Exception):
        return article_id, None, _failure(article)
    try:
        return article_id, _serialize(build_document(article)), None
    except Exception as error:  # noqa: BLE001 - reported per record, with its reason
        return article_id, None, _failure(error)


def _failure(error: Exception) -> str:
    return f"enrichment failed: {type(error).__name__}: {error}"


@dataclass
class Summary:
    indexed: int
    rejected: int
    seconds: float
    deleted: int = 0
    not_found: list[str] = field(default_factory=list)  # ids retracted that were not in the index
    unreadable: int = 0  # input files (or their tails) that could not be read at all
    entities: dict | None = None  # the entity registry's sync after the run (indexer/registry/sync.py)

    def as_dict(self) -> dict:
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        summary = {"indexed": self.indexed, "deleted": self.deleted, "not_found": len(self.not_found),
                   "rejected": self.rejected, "unreadable": self.unreadable, "seconds": round(self.seconds, 2),
                   "docs_per_s": round(rate, 1)}
        if self.entities is not None:
            summary["entities"] = self.entities
        return summary


class _Origins:
    """Where each in-flight document came from, so an engine error can name the input record. An id given twice
    in one run is answered twice, in input order."""

    def __init__(self):
        self._by_id: dict[str, deque[tuple[str, str, object]]] = {}

    def add(self, article_id: str, record: RawRecord) -> None:
        self._by_id.setdefault(article_id, deque()).append((record.file, record.position, record.original))

    def peek(self, article_id: str) -> tuple[str, str, object]:
        waiting = self._by_id.get(article_id)
        return waiting[0] if waiting else ("?", article_id, None)

    def pop(self, article_id: str) -> tuple[str, str, object]:
        waiting = self._by_id.get(article_id)
        if not waiting:
            return "?", article_id, None
        origin = waiting.popleft()
        if not waiting:
            del self._by_id[article_id]
        return origin


def validated(records: Iterable[RawRecord], rejects: Rejects) -> Iterator[tuple[RawRecord, Article | Retraction]]:
    for record in records:
        if record.error:
            rejects.add(record.file, record.position, record.error, record.original, unreadable=record.unreadable)
            continue
        retraction = is_retraction(record.data)
        try:
            item = validate_retraction(record.data) if retraction else validate_record(record.data)
        except ValidationError as error:
            kind = "invalid retraction" if retraction else "invalid record"
            rejects.add(record.file, record.position, f"{kind}: {describe(error)}", record.original)
            continue
        yield record, item


def unretracted(pairs: Iterator[tuple[RawRecord, Article | Retraction]], tombstones: Tombstones, rejects: Rejects,
                origins: _Origins, retracted: dict[str, dict], *, republish: bool,
                lifting: set[str]) -> Iterator[Article | Retraction]:
    """Articles whose id has a tombstone are refused, unless the run re-publishes (then the tombstone is lifted
    once the article lands); retractions pass and fill `retracted` (id -> tombstone to write). Looked up in
    batches but decided in input order, so a retraction earlier in the same input counts too."""
    for batch in _batches(pairs, TOMBSTONE_CHECK_BATCH):
        stones = tombstones.find(item.id for _, item in batch if isinstance(item, Article))
        for record, item in batch:
            if isinstance(item, Retraction):
                retracted[item.id] = tombstones.document(item.id, item.reason, f"{record.file} {record.position}")
            else:
                stone = retracted.get(item.id) or stones.get(item.id)
                if stone is not None and not republish:
                    rejects.add(record.file, record.position, reject_reason(item.id, stone), record.original)
                    continue
                if stone is not None:
                    lifting.add(item.id)
            origins.add(item.id, record)
            yield item


def _batches(articles: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for article in articles:
        batch.append(article)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def enriched(articles: Iterator[Article | Retraction],
             workers: int) -> Iterator[tuple[str, bytes | None, str | None] | Retraction]:
    if workers <= 0:
        for batch in _batches(articles, BATCH):
            yield from enrich_batch(batch)
        return
    # Enrichment runs ahead of the bulk writer in a thread, so the workers keep going while a bulk request is
    # at the engine, and the engine gets the next chunk as soon as it answers. Bounded either way.
    for done in read_ahead(_pooled(articles, workers), depth=READ_AHEAD_BATCHES):
        yield from done


def _pooled(articles: Iterator[Article | Retraction],
            workers: int) -> Iterator[list[tuple[str, bytes | None, str | None] | Retraction]]:
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


Written = Callable[[str, str, str, str], None]  # (file, position, id, "indexed" | "deleted" | "not_found")


def run(es: Elasticsearch, index: str, records: Iterable[RawRecord], rejects: Rejects, *,
        workers: int = 0, chunk_bytes: int = 5 * 1024 * 1024, progress: bool | None = None,
        tombstones: Tombstones | None = None, republish: bool = False, refresh: str | None = None,
        written: Written | None = None, outages: Outages | None = None) -> Summary:
    """Index and retract what `records` hold. `tombstones` default to those of `index` taken as the alias;
    `republish` lifts the tombstones of the articles given; `refresh="wait_for"` answers once they are searchable;
    `written` hears of every record that landed; an engine outage is ridden out by `outages` (EngineGone, with
    the count of articles indexed so far, when it lasts too long)."""
    outages = outages or Outages(120.0)
    started = time.perf_counter()
    load_stages()
    origins = _Origins()
    tombstones = tombstones or Tombstones(es, index, outages.call)
    retracted: dict[str, dict] = {}  # id -> the tombstone to write for it
    lifting: set[str] = set()  # re-published ids whose tombstone goes once the article lands

    def actions() -> Iterator[tuple[str, str, bytes | None]]:
        items = unretracted(validated(records, rejects), tombstones, rejects, origins, retracted,
                            republish=republish, lifting=lifting)
        for done in enriched(items, workers):
            if isinstance(done, Retraction):
                tombstones.ensure()
                # The tombstone first: should the run stop between the two, the article stays out next time.
                yield "tombstone", done.id, _serialize(retracted[done.id])
                yield "delete", done.id, None
                continue
            doc_id, source, failure = done
            if failure is None:
                yield "index", doc_id, source
            else:
                file, position, original = origins.pop(doc_id)
                rejects.add(file, position, failure, original)

    def to_bulk(item: tuple[str, str, bytes | None]) -> tuple[dict, bytes | None]:
        action, doc_id, source = item
        if action == "tombstone":
            return {"index": {"_index": tombstones.index, "_id": doc_id}}, source
        return {action: {"_index": index, "_id": doc_id}}, source  # the client sends serialized JSON as it is

    indexed, deleted, not_found, lifted = 0, 0, [], []
    show = sys.stderr.isatty() if progress is None else progress
    with _collecting_rarely(), tqdm(desc="indexing", unit="doc", disable=not show, file=sys.stderr) as bar:
        results = bulk.stream(es, actions(), expand=to_bulk, outages=outages, max_chunk_bytes=chunk_bytes,
                              refresh=refresh)
        for ok, info in _counting_on_stop(results, lambda: indexed):
            action, item = next(iter(info.items()))
            doc_id = str(item.get("_id"))
            error = item.get("error")
            reason = error.get("reason") if isinstance(error, dict) else str(error or item.get("exception"))
            kind = error.get("type") if isinstance(error, dict) else "engine error"
            if item.get("_index") == tombstones.index:
                if not ok:
                    file, position, original = origins.peek(doc_id)
                    rejects.add(file, position, f"tombstone not written: {kind}: {reason}", original)
                continue
            file, position, original = origins.pop(doc_id)
            if action == "delete" and not ok and item.get("status") == 404 and error is None:
                outcome = "not_found"  # nothing to take out; the tombstone is written all the same
                not_found.append(doc_id)
            elif action == "delete" and ok:
                outcome = "deleted"
                deleted += 1
            elif ok:
                outcome = "indexed"
                indexed += 1
                if doc_id in lifting:
                    lifted.append(doc_id)
            else:
                rejects.add(file, position, f"engine refused: {kind}: {reason}", original)
                outcome = None
            if outcome and written:
                written(file, position, doc_id, outcome)
            bar.update(1)
    tombstones.lift(lifted)
    return Summary(indexed, rejects.count, time.perf_counter() - started, deleted, not_found,
                   len(rejects.unreadable))


def _counting_on_stop(results: Iterator, indexed) -> Iterator:
    """`results`, and when the engine is gone for good, the count of articles it acknowledged on the error."""
    try:
        yield from results
    except EngineGone as error:
        error.indexed = indexed()
        raise
