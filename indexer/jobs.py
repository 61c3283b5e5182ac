"""The indexer's jobs: add/update/retract articles behind the alias, and rebuild a whole new index then swap."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from marshmallow import ValidationError

from core.settings import Settings
from indexer import aliases
from indexer.documents import input_from_document
from indexer.outages import Outages, transient
from indexer.pipeline import Summary, load_stages, run
from indexer.readers import RawRecord, read_all
from indexer.records import is_retraction, validate_retraction
from indexer.registry import curation as curation_file
from indexer.registry.sync import entity_refs, follow_writes, sync
from indexer.rejects import Rejects
from indexer.tombstones import Tombstones


def settings_curation(settings: Settings) -> curation_file.Curation:
    """The curation file the settings name (CurationError when it is unreadable or malformed), or none."""
    if settings.curation_file is None:
        return curation_file.Curation()
    return curation_file.load(settings.curation_file)


def index_paths(es: Elasticsearch, settings: Settings, paths: list[Path], *, fmt: str = "auto",
                rejects_path: Path | None = None, progress: bool | None = None, republish: bool = False) -> Summary:
    """Add, update or retract the articles of `paths` in the index behind the alias (creating the first one if
    needed), then bring their facet fields and the entity registry in line (a malformed curation file stops it
    first). `republish` lets tombstoned articles in `paths` back in and lifts their tombstones."""
    load_stages()  # a model file that cannot be used fails here, before anything is written
    curation = settings_curation(settings)
    outages = Outages(settings.engine_wait)
    with Rejects(rejects_path) as rejects:
        summary = write_records(es, settings, read_all(paths, fmt), rejects, progress=progress, republish=republish,
                                outages=outages)
    outages.call("refreshing the index", es.indices.refresh, index=settings.index_alias)
    summary.entities = sync(es, settings, curation).as_dict()
    return summary


def write_records(es: Elasticsearch, settings: Settings, records: Iterable[RawRecord], rejects: Rejects, *,
                  workers: int | None = None, outages: Outages | None = None, **options) -> Summary:
    """Records (articles and retractions) through the pipeline into the index behind the alias: the one way in
    for files, `akhbar delete` and the ingest API. `options` go to pipeline.run."""
    outages = outages or Outages(settings.engine_wait)
    outages.call("preparing the index", aliases.ensure_index, es, settings.index_alias,
                 shape=settings.index_shape)
    return run(es, settings.index_alias, records, rejects,
               workers=settings.index_workers if workers is None else workers,
               chunk_bytes=settings.bulk_chunk_bytes, tombstones=Tombstones(es, settings.index_alias, outages.call),
               outages=outages, **options)


def write_accounted(es: Elasticsearch, settings: Settings, records: Iterable[RawRecord], *, republish: bool = False,
                    refresh: str | None = "wait_for", outages: Outages | None = None) -> tuple[Summary, list[dict]]:
    """Records through the one pipeline (in this process), answering for each, in input order:
    {"position", "id", "result": "indexed" | "deleted" | "not_found" | "rejected", "reason"?}. With
    refresh="wait_for" the answer comes once the changes are searchable. The registry follows (follow_writes)."""
    order: list[str] = []
    outcomes: dict[str, dict] = {}

    def noted(given: Iterable[RawRecord]) -> Iterator[RawRecord]:
        for record in given:
            order.append(record.position)
            yield record

    def written(file: str, position: str, doc_id: str, result: str) -> None:
        outcomes[position] = {"position": position, "id": doc_id, "result": result}

    records = list(records)
    filed_under = entity_refs(es, settings.index_alias, retracted_ids(records))
    rejects = Rejects(None, keep=True)
    summary = write_records(es, settings, noted(records), rejects, workers=0, progress=False, republish=republish,
                            refresh=refresh, written=written, outages=outages)
    indexed = [outcome["id"] for outcome in outcomes.values() if outcome["result"] == "indexed"]
    follow_writes(es, settings, indexed, filed_under)
    for entry in rejects.entries:
        original = entry["record"]
        given_id = original.get("id") if isinstance(original, dict) else None
        outcome = outcomes.setdefault(entry["position"], {"position": entry["position"], "id": given_id,
                                                          "result": "rejected"})
        outcome["reason"] = entry["reason"]  # beside a result when only the tombstone failed
    unanswered = {"id": None, "result": "rejected", "reason": "no answer from the engine"}
    return summary, [outcomes.get(position) or {"position": position, **unanswered} for position in order]


def retracted_ids(records: list[RawRecord]) -> list[str]:
    """The ids the retractions among `records` name (the invalid ones are left to the pipeline to reject)."""
    ids = []
    for record in records:
        if record.data is not None and is_retraction(record.data):
            try:
                ids.append(validate_retraction(record.data).id)
            except ValidationError:
                continue
    return ids


def delete_ids(es: Elasticsearch, settings: Settings, ids: Iterable[tuple[str, str, str]], *, reason: str | None = None,
               rejects_path: Path | None = None, progress: bool | None = None) -> Summary:
    """Retract articles by id: `ids` are (id, file, position) — where each was given, for the rejects file. The
    registry's entries for the entities they were filed under follow (counts drop)."""
    given = list(ids)
    filed_under = entity_refs(es, settings.index_alias, [article_id for article_id, _, _ in given])
    records = (RawRecord(file, position, {"id": article_id, "deleted": True, "reason": reason}, None, article_id)
               for article_id, file, position in given)
    with Rejects(rejects_path) as rejects:
        summary = write_records(es, settings, records, rejects, workers=0, progress=progress)
    es.indices.refresh(index=settings.index_alias)
    summary.entities = {"entities_refreshed": follow_writes(es, settings, [], filed_under)}
    return summary


SCAN_RESTARTS = 5
SCAN_PAGE = 500


class LostShards(Exception):
    """A page of the scroll came back without some shards (a node left): what it holds is incomplete."""


def _scroll(es: Elasticsearch, alias: str) -> Iterator[dict]:
    """Every article of `alias`, by scroll, checking each page (the empty last one too) for failed shards: a
    node that leaves mid-read must not end the read early and silently short."""
    response = es.search(index=alias, query={"match_all": {}}, sort=["_doc"], size=SCAN_PAGE, scroll="5m")
    scroll_id = response.get("_scroll_id")
    try:
        while True:
            shards = response["_shards"]
            if shards.get("successful", 0) + shards.get("skipped", 0) < shards.get("total", 0):
                raise LostShards(f"{shards.get('failed', 0)} of {shards['total']} shard(s) failed")
            hits = response["hits"]["hits"]
            if not hits:
                return
            yield from hits
            response = es.scroll(scroll_id=scroll_id, scroll="5m")
            scroll_id = response.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            try:
                es.options(ignore_status=404, request_timeout=5, max_retries=0).clear_scroll(scroll_id=scroll_id)
            except Exception:  # noqa: BLE001 - the scroll expires by itself; the engine may be the problem
                pass


def stored_records(es: Elasticsearch, alias: str, outages: Outages | None = None) -> Iterator[RawRecord]:
    """The live index's articles as input records, to re-run enrichment over them.

    A scroll lives on the nodes holding the shards: a node that restarts or an outage ends it. The read then
    starts over once the engine answers again, skipping the articles already given (ids are stable, so nothing
    is lost or doubled)."""
    outages = outages or Outages(0)
    seen: set[str] = set()
    for attempt in range(SCAN_RESTARTS + 1):
        try:
            for hit in _scroll(es, alias):
                if hit["_id"] in seen:
                    continue
                seen.add(hit["_id"])
                data = input_from_document(hit["_source"])
                data["id"] = hit["_id"]
                yield RawRecord(alias, f"id {hit['_id']}", data, None, data)
            return
        except (LostShards, NotFoundError, TransportError, ApiError) as error:
            lost_scroll = isinstance(error, (LostShards, NotFoundError))  # shards failed, or the context is gone
            if attempt == SCAN_RESTARTS or not (lost_scroll or transient(error)):
                raise
            outages.say(f"reading the live index: {type(error).__name__}; starting over after "
                        f"{len(seen)} article(s) (they are not read twice)")
            outages.call("reading the live index", es.options(ignore_status=408).cluster.health, index=alias,
                         wait_for_status="yellow", timeout="30s")


def reindex(es: Elasticsearch, settings: Settings, paths: list[Path] | None = None, *, fmt: str = "auto",
            rejects_path: Path | None = None, keep_old: bool = False, progress: bool | None = None) -> Summary:
    """Build a complete new versioned index, then move the alias to it in one atomic step.

    Searches keep hitting the old index until the swap; if the build fails, the alias never moves, the new index
    is dropped (or, with the engine gone, named for deletion), and the error carries a note saying which.
    """
    load_stages()  # a model file that cannot be used fails here, before an index is created
    alias = settings.index_alias
    outages = Outages(settings.engine_wait)
    old = outages.call("reading the alias", aliases.current_indices, es, alias)
    if not paths and not old:
        raise RuntimeError(f"nothing to reindex: no paths given and no index behind `{alias}`")
    curation = settings_curation(settings)
    records = read_all(paths, fmt) if paths else stored_records(es, alias, outages)
    new_index, final_settings = outages.call("creating the new index", aliases.create_build_index, es, alias,
                                             shape=settings.index_shape)
    tombstones = Tombstones(es, alias, outages.call)
    started = datetime.now(timezone.utc)
    try:
        with Rejects(rejects_path) as rejects:
            summary = run(es, new_index, records, rejects, workers=settings.index_workers,
                          chunk_bytes=settings.bulk_chunk_bytes, progress=progress, tombstones=tombstones,
                          outages=outages)
        # Facet fields and registry follow the new index before searches see it.
        summary.entities = sync(es, settings, curation, index=new_index, new_registry=True).as_dict()
        outages.call("moving the alias", aliases.publish, es, alias, new_index, final_settings, keep_old=keep_old)
    except BaseException as error:
        error.add_note(_drop_partial(es, alias, old, new_index))
        raise
    _retract_again(es, alias, tombstones.since(started))
    return summary


def _retract_again(es: Elasticsearch, alias: str, ids: list[str]) -> None:
    """Deletions made while a rebuild ran reached the old index only: repeat them on the new one."""
    if ids:
        helpers.bulk(es, ({"_op_type": "delete", "_index": alias, "_id": i} for i in ids), raise_on_error=False,
                     refresh="wait_for")


def _drop_partial(es: Elasticsearch, alias: str, old: list[str], new_index: str) -> str:
    """Delete a failed build's index; the sentence that says what became of it and of the alias."""
    where = f"`{alias}` still points at {', '.join(old)}" if old else f"`{alias}` was not created"
    try:
        engine = es.options(request_timeout=30, max_retries=1)
        if new_index in aliases.current_indices(engine, alias):  # the swap happened after all: keep it
            return f"`{alias}` points at the new index {new_index}"
        engine.options(ignore_status=404).indices.delete(index=new_index)
    except Exception:  # noqa: BLE001 - the engine is the problem being reported; say what is left behind
        return f"{where}; the partial index {new_index} is left behind: delete it when the engine is back"
    return f"{where}; the partial index {new_index} was deleted"
