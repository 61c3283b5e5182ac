"""The one way to get an Elasticsearch client: same hosts, credentials, TLS, timeout and retry policy for the
indexer and the API."""
from __future__ import annotations

from elasticsearch import ApiError, Elasticsearch, TransportError

from core.settings import Settings


def client(settings: Settings, *, timeout: float | None = None, retries: int = 2) -> Elasticsearch:
    options: dict = {}
    if settings.api_key:
        options["api_key"] = settings.api_key
    elif settings.username:
        options["basic_auth"] = (settings.username, settings.password or "")
    if settings.ca_certs:
        options["ca_certs"] = settings.ca_certs
    if not settings.verify_certs:
        options.update(verify_certs=False, ssl_show_warn=False)
    return Elasticsearch(
        settings.engine_hosts,
        request_timeout=timeout if timeout is not None else settings.request_timeout,
        max_retries=retries,  # with several hosts a retry goes to another node
        retry_on_timeout=True,
        retry_on_status=(429, 502, 503, 504),  # overload and restarts are worth another try; 500 is not
        **options,
    )


def refused_credentials(error: BaseException) -> bool:
    """The engine answered but would not accept who we are (or what we may do)."""
    return isinstance(error, ApiError) and error.meta.status in (401, 403)


def describe_failure(error: BaseException) -> str:
    """A short cause for a failed engine call, fit for a user: never a credential, never a stack."""
    if isinstance(error, ApiError):
        status = error.meta.status
        if status == 401:
            return "the engine refused the credentials (401: check ELASTICSEARCH_API_KEY or USERNAME/PASSWORD)"
        if status == 403:
            return "the engine refused the action for these credentials (403: the key or user lacks a privilege)"
        return f"the engine answered {status} ({error.error})"
    if isinstance(error, TransportError):
        cause = str(error.message) if getattr(error, "message", None) else type(error).__name__
        if "CERTIFICATE_VERIFY_FAILED" in cause or "certificate verify failed" in cause.lower():
            return ("the engine's TLS certificate is not trusted (set ELASTICSEARCH_CA_CERTS to the PEM of its CA)")
        return f"the engine is unreachable ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"
