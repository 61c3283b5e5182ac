"""The indexer's two jobs: add/update articles behind the alias, and rebuild a whole new index then swap."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from elasticsearch import Elasticsearch, helpers

from core.settings import Settings
from indexer import aliases
from indexer.documents import input_from_document
from indexer.pipeline import Summary, run
from indexer.readers import RawRecord, read_all
from indexer.rejects import Rejects


def index_paths(es: Elasticsearch, settings: Settings, paths: list[Path], *, fmt: str = "auto",
                rejects_path: Path | None = None, progress: bool | None = None) -> Summary:
    """Add or update the articles of `paths` in the index behind the alias (creating the first one if needed)."""
    aliases.ensure_index(es, settings.index_alias)
    with Rejects(rejects_path) as rejects:
        summary = run(es, settings.index_alias, read_all(paths, fmt), rejects, workers=settings.index_workers,
                      chunk_bytes=settings.bulk_chunk_bytes, progress=progress)
    es.indices.refresh(index=settings.index_alias)
    return summary


def stored_records(es: Elasticsearch, alias: str) -> Iterator[RawRecord]:
    """The live index's articles as input records, to re-run enrichment over them."""
    for hit in helpers.scan(es, index=alias, query={"query": {"match_all": {}}}, size=500, scroll="5m"):
        data = input_from_document(hit["_source"])
        data["id"] = hit["_id"]
        yield RawRecord(alias, f"id {hit['_id']}", data, None, data)


def reindex(es: Elasticsearch, settings: Settings, paths: list[Path] | None = None, *, fmt: str = "auto",
            rejects_path: Path | None = None, keep_old: bool = False, progress: bool | None = None) -> Summary:
    """Build a complete new versioned index, then move the alias to it in one atomic step.

    Searches keep hitting the old index until the swap; if the build fails, the new index is dropped and the
    alias never moves.
    """
    alias = settings.index_alias
    if not paths and not aliases.current_indices(es, alias):
        raise RuntimeError(f"nothing to reindex: no paths given and no index behind `{alias}`")
    records = read_all(paths, fmt) if paths else stored_records(es, alias)
    new_index, final_settings = aliases.create_build_index(es, alias)
    try:
        with Rejects(rejects_path) as rejects:
            summary = run(es, new_index, records, rejects, workers=settings.index_workers,
                          chunk_bytes=settings.bulk_chunk_bytes, progress=progress)
        aliases.publish(es, alias, new_index, final_settings, keep_old=keep_old)
    except BaseException:
        es.options(ignore_status=404).indices.delete(index=new_index)
        raise
    return summary
