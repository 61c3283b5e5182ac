"""Every error is JSON: {"error": code, "message": text, "details": {...}} — never an HTML page or a trace."""
from __future__ import annotations

import logging

from elasticsearch import ApiError, ConnectionError as EngineConnectionError, ConnectionTimeout, TransportError
from elastic_transport import TlsError
from flask import Flask, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from core.engine import describe_failure, refused_credentials

log = logging.getLogger("akhbar.api")
RETRY_AFTER_SECONDS = 5


class ClientError(Exception):
    """A request the client must change: 400 (or the given status) with a message naming what is wrong."""

    def __init__(self, message: str, *, status: int = 400, details: dict | None = None, error: str = "bad_request"):
        super().__init__(message)
        self.status, self.details, self.error = status, details or {}, error


def error_response(status: int, error: str, message: str, details: dict | None = None, headers: dict | None = None):
    response = jsonify({"error": error, "message": message, "details": details or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_error_response(error: HTTPException):
    """A werkzeug HTTP error (404, 405, 413 …) in Akhbar's shape: `Method Not Allowed` -> `method_not_allowed`."""
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def engine_unavailable(reason: str, message: str = "The search engine is unavailable; try again shortly."):
    return error_response(503, "engine_unavailable", message, {"reason": reason},
                          {"Retry-After": str(RETRY_AFTER_SECONDS)})


def engine_failure_reason(error: BaseException) -> str:
    """The cause a 503 names: the error's kind, or for a refused credential or an untrusted certificate what to
    fix (never the credential itself)."""
    if refused_credentials(error) or isinstance(error, TlsError):
        return describe_failure(error)
    return type(error).__name__


class JsonErrorsApi(Api):
    """flask-smorest, with its HTTP errors in Akhbar's error shape (validation problems under details.fields)."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            fields = {}
            for location in messages.values():
                fields.update(location)
            names = ", ".join(sorted(fields))
            return error_response(400, "validation_error", f"Invalid request parameter(s): {names}",
                                  {"fields": fields})
        return http_error_response(error)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ClientError)
    def client_error(error: ClientError):
        return error_response(error.status, error.error, str(error), error.details)

    @app.errorhandler(EngineConnectionError)
    @app.errorhandler(ConnectionTimeout)
    def engine_down(error):
        log.warning("engine unreachable: %s", error)
        return engine_unavailable(engine_failure_reason(error))

    @app.errorhandler(ApiError)
    def engine_error(error: ApiError):
        if error.meta.status == 429 or error.meta.status >= 500:
            return engine_unavailable(f"engine status {error.meta.status}")
        if refused_credentials(error):
            log.error("engine refused our credentials: %s", error.meta.status)
            return engine_unavailable(engine_failure_reason(error))
        if error.meta.status == 404:
            return error_response(404, "not_found", "The index is not there yet: no articles have been indexed.")
        log.error("engine rejected a request we built: %s", error)
        return error_response(400, "bad_request", "The search engine rejected this request.",
                              {"reason": str(error.message)})

    @app.errorhandler(TransportError)
    def transport_error(error):
        return engine_unavailable(engine_failure_reason(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error_response(error)
        log.exception("unexpected error")
        return error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
