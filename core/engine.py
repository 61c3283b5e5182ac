"""The one way to get an Elasticsearch client: same URL, timeout and retry policy for the indexer and the API."""
from __future__ import annotations

from elasticsearch import Elasticsearch

from core.settings import Settings


def client(settings: Settings, *, timeout: float | None = None, retries: int = 2) -> Elasticsearch:
    return Elasticsearch(
        settings.engine_url,
        request_timeout=timeout if timeout is not None else settings.request_timeout,
        max_retries=retries,
        retry_on_timeout=True,
        retry_on_status=(429, 502, 503, 504),  # overload and restarts are worth another try; 500 is not
    )
