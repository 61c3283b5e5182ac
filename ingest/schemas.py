"""Request and response schemas of the ingest API (marshmallow, for flask-smorest and its OpenAPI document)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class WriteArgs(Schema):
    wait = fields.Boolean(load_default=True, metadata={
        "description": "true: answer once the changes are searchable (refresh=wait_for, about a second); "
                       "false: answer at once, searchable within the index refresh interval (1 s)"})


class DeleteArgs(WriteArgs):
    reason = fields.String(load_default=None, validate=validate.Length(max=2000),
                           metadata={"description": "why the article is retracted; kept with its tombstone"})


class RecordAnswer(Schema):
    position = fields.String(metadata={"description": "`body`, `path` or `line N` of an NDJSON body"})
    id = fields.String(allow_none=True)
    result = fields.String(metadata={"enum": ["indexed", "deleted", "not_found", "rejected"]})
    reason = fields.String(metadata={"description": "why a record was rejected (the rejects-file reason)"})


class IngestAnswer(Schema):
    indexed = fields.Integer()
    deleted = fields.Integer()
    not_found = fields.Integer(metadata={"description": "retracted ids that were not in the index (tombstoned)"})
    rejected = fields.Integer()
    errors = fields.Boolean(metadata={"description": "whether any record was rejected"})
    searchable = fields.Boolean(metadata={"description": "whether the changes were searchable when this was sent"})
    took_ms = fields.Integer()
    items = fields.List(fields.Nested(RecordAnswer), metadata={"description": "one per record, in input order"})
