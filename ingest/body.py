"""Request bodies -> input records, read the way `akhbar index` reads files: one article (or retraction) as
`application/json`, many as NDJSON (`application/x-ndjson`), one a line, each line answered on its own."""
from __future__ import annotations

from indexer.readers import RawRecord, json_line_records, parse_json_line
from indexer.readers.jsonl import to_input
from core.web import ClientError

JSON = "application/json"
NDJSON = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
REQUEST = "request"


def body_records(body: bytes, mimetype: str, *, many: bool = True) -> list[RawRecord]:
    if mimetype == JSON:
        value, error = parse_json_line(REQUEST, 1, body)
        if error:  # one record that is not an object is a bad request, not a reject
            raise ClientError(f"the body is not one JSON article: {error}", details={"body": [error]})
        return [RawRecord(REQUEST, "body", to_input(value), None, value)]
    if mimetype in NDJSON and many:
        lines = ((number, line) for number, line in enumerate(body.splitlines(), start=1) if line.strip())
        records = list(json_line_records(REQUEST, lines, to_input))
        if not records:
            raise ClientError("the body holds no line to ingest")
        return records
    accepted = " or ".join((JSON, NDJSON[0]) if many else (JSON,))
    raise ClientError(f"send {accepted}, not {mimetype or 'a body without a Content-Type'}", status=415,
                      error="unsupported_media_type")
