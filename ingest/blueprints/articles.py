"""POST /articles, PUT /articles/<id>, DELETE /articles/<id>: thin views over indexer.jobs.write_accounted."""
from __future__ import annotations

import logging
import time
from dataclasses import replace

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from core import web
from core.web import ClientError, error_response
from indexer.jobs import write_accounted
from indexer.outages import Outages
from indexer.readers import RawRecord
from ingest.body import JSON, NDJSON, body_records
from ingest.schemas import DeleteArgs, IngestAnswer, WriteArgs

blp = Blueprint("ingest", __name__, description="Publish, correct and retract articles")
log = logging.getLogger("akhbar.ingest")
ENGINE_WAIT_SECONDS = 10.0

MAX_ID = 512
_ARTICLE = {"$ref": "#/components/schemas/ArticleInput"}
_RETRACTION = {"$ref": "#/components/schemas/Retraction"}
_LINES = {"type": "string", "description": "one article or retraction (`{\"id\": …, \"deleted\": true}`) a line"}
_POST_BODY = {"required": True, "content": {JSON: {"schema": {"oneOf": [_ARTICLE, _RETRACTION]}},
                                            NDJSON[0]: {"schema": _LINES}}}
_PUT_BODY = {"required": True, "content": {JSON: {"schema": _ARTICLE}}}
_REJECTED = "the record was rejected (a single-record request); details.items says why"
_UNAUTHORIZED = "no key, or a key that is not valid"
_TOO_LARGE = "the body is larger than AKHBAR_INGEST_MAX_REQUEST_BYTES"


def _write(records: list[RawRecord], *, wait: bool, republish: bool = False, single: bool, indexed_status: int = 201):
    started = time.perf_counter()
    settings = web.settings()
    # A request rides out a short engine hiccup, not the indexer's long wait: then a 503 (EngineGone, ingest/app.py).
    outages = Outages(min(settings.engine_wait, ENGINE_WAIT_SECONDS), say=log.warning)
    summary, items = write_accounted(web.es(), settings, records, republish=republish,
                                     refresh="wait_for" if wait else None, outages=outages)
    answer = {"indexed": summary.indexed, "deleted": summary.deleted, "not_found": len(summary.not_found),
              "rejected": summary.rejected, "errors": summary.rejected > 0, "searchable": wait,
              "took_ms": round((time.perf_counter() - started) * 1000), "items": items}
    if single and items[0]["result"] == "rejected":
        return error_response(422, "rejected", items[0]["reason"], {"items": items})
    return answer, indexed_status if single and items[0]["result"] == "indexed" else 200


def _checked_id(article_id: str) -> str:
    if len(article_id) > MAX_ID:
        raise ClientError("article id too long", details={"fields": {"article_id": [f"max {MAX_ID} characters"]}})
    return article_id


@blp.route("/articles")
class Articles(MethodView):
    @blp.arguments(WriteArgs, location="query")
    @blp.response(200, IngestAnswer, description="a batch (NDJSON), or one retraction: each record's result")
    @blp.alt_response(201, schema=IngestAnswer, description="one article, indexed")
    @blp.alt_response(422, description=_REJECTED)
    @blp.alt_response(401, description=_UNAUTHORIZED)
    @blp.alt_response(413, description=_TOO_LARGE)
    @blp.doc(requestBody=_POST_BODY)
    def post(self, args):
        """Publish or correct one article (JSON) or many (NDJSON; retractions may ride along). A tombstoned id is
        rejected: re-publish it with PUT."""
        return _write(body_records(request.get_data(), request.mimetype), wait=args["wait"],
                      single=request.mimetype == JSON)


@blp.route("/articles/<string:article_id>")
class ArticleById(MethodView):
    @blp.arguments(WriteArgs, location="query")
    @blp.response(200, IngestAnswer)
    @blp.alt_response(422, description=_REJECTED)
    @blp.alt_response(401, description=_UNAUTHORIZED)
    @blp.alt_response(413, description=_TOO_LARGE)
    @blp.doc(requestBody=_PUT_BODY)
    def put(self, args, article_id: str):
        """Publish or correct the article at this id; an explicit re-publication: it lifts a tombstone."""
        record = body_records(request.get_data(), request.mimetype, many=False)[0]
        if record.data.get("deleted") not in (None, False):
            raise ClientError("a PUT publishes; retract with DELETE /articles/{id}")
        given = record.data.get("id")
        if given is not None and str(given) != _checked_id(article_id):
            raise ClientError(f"the body's id {given!r} is not the path's {article_id!r}",
                              details={"fields": {"id": ["must match the path or be left out"]}})
        record = replace(record, data={**record.data, "id": _checked_id(article_id)})
        return _write([record], wait=args["wait"], republish=True, single=True, indexed_status=200)

    @blp.arguments(DeleteArgs, location="query")
    @blp.response(200, IngestAnswer)
    @blp.alt_response(401, description=_UNAUTHORIZED)
    def delete(self, args, article_id: str):
        """Retract the article: it leaves search at once and a tombstone keeps later index runs from bringing it
        back. An id that is not in the index answers `not_found` (and is tombstoned all the same)."""
        data = {"id": _checked_id(article_id), "deleted": True, "reason": args["reason"]}
        return _write([RawRecord("request", "path", data, None, data)], wait=args["wait"], single=True)
