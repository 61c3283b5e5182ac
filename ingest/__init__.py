"""The ingest API: publish, correct and retract articles over HTTP, behind bearer keys, on its own port.

It writes through the indexer's one pipeline (indexer/jobs.py), so a record sent here is validated, enriched,
refused and tombstoned exactly as the same record in a file given to `akhbar index`.
"""
from ingest.app import create_app  # noqa: F401
