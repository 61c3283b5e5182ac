"""What the two web apps (the read-only search API in api/, the ingest API in ingest/) share: the app skeleton,
JSON errors, request body limits, bearer keys and the health endpoint.

Every error is JSON: {"error": code, "message": text, "details": {...}} — never an HTML page or a trace.
"""
from __future__ import annotations

import hmac
import logging
from pathlib import Path

import flask
import flask_swagger_ui
from elastic_transport import TlsError
from elasticsearch import ApiError, ConnectionError as EngineConnectionError, ConnectionTimeout, Elasticsearch, \
    TransportError
from flask import Flask, abort, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from core import engine
from core.engine import describe_failure, refused_credentials
from core.settings import Settings

log = logging.getLogger("akhbar.web")
SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
DOCS_ASSETS_URL = "/docs/assets/"
RETRY_AFTER_SECONDS = 5
# Paths open without a key: probes need /health; the OpenAPI document describes the API, not the archive.
OPEN_PATHS = ("/health", "/openapi.json", "/docs")


# -- request-time access to what the app was built with ------------------------------------------------------------
def settings() -> Settings:
    return current_app.extensions["akhbar.settings"]


def es() -> Elasticsearch:
    return current_app.extensions["akhbar.es"]


# -- errors --------------------------------------------------------------------------------------------------------
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


class Error(Schema):
    """The one error shape, as documented for every error response."""
    error = fields.String()
    message = fields.String()
    details = fields.Dict()


class JsonErrorsApi(Api):
    """flask-smorest, with its HTTP errors in Akhbar's error shape (validation problems under details.fields),
    and that shape documented as the error responses' schema."""

    ERROR_SCHEMA = Error

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
        if error.error == "index_closed_exception":  # an operator's doing, not the request's
            return engine_unavailable("an index is closed")
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


# -- the app skeleton ----------------------------------------------------------------------------------------------
def create_json_app(import_name: str, title: str, settings: Settings, *, es_client=None, max_request_bytes: int,
                    keys: tuple[str, ...] = (), engine_timeout: float | None = None, spec_options: dict | None = None
                    ) -> tuple[Flask, JsonErrorsApi]:
    """A Flask app with OpenAPI (flask-smorest), JSON errors, a body size limit, the engine client and settings
    in its extensions and, when `keys` are given, a bearer key on every path but OPEN_PATHS."""
    app = Flask(import_name)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=DOCS_ASSETS_URL,
        # Swagger UI would otherwise fetch a validator badge from outside: /docs must work offline.
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        MAX_CONTENT_LENGTH=max_request_bytes,
        API_SPEC_OPTIONS=dict(spec_options or {}),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # Arabic stays readable in responses
    app.json.sort_keys = False  # keep the schema order
    app.extensions["akhbar.settings"] = settings
    app.extensions["akhbar.es"] = es_client or engine.client(settings, timeout=engine_timeout)
    if keys:
        require_bearer_key(app, keys)
    limit_body_size(app, max_request_bytes)
    api = JsonErrorsApi(app)
    register_error_handlers(app)
    if keys:
        api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Swagger UI's assets for /docs, served from the flask-swagger-ui distribution (no CDN); no API operation.
    app.register_blueprint(flask.Blueprint("docs_assets", __name__, static_folder=str(SWAGGER_UI_DIST),
                                           static_url_path=DOCS_ASSETS_URL.rstrip("/")))
    return app, api


def limit_body_size(app: Flask, max_bytes: int) -> None:
    @app.before_request
    def refuse_large_bodies():
        # A view that never reads its body would not trip MAX_CONTENT_LENGTH: check the declared length first.
        length = request.content_length
        if length is not None and length > max_bytes:
            abort(413, f"The request body is larger than {max_bytes} bytes.")


def require_bearer_key(app: Flask, keys: tuple[str, ...]) -> None:
    """`Authorization: Bearer KEY` on every path but OPEN_PATHS (and CORS preflights). Keys are compared in
    constant time, each of them, and never written anywhere."""
    known = tuple(key.encode("utf-8") for key in keys)

    @app.before_request
    def check_key():
        if request.method == "OPTIONS" or request.path in OPEN_PATHS or request.path.startswith("/docs/"):
            return None
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return _unauthorized("This endpoint needs a key: send `Authorization: Bearer KEY`.")
        if not key_matches(given.strip().encode("utf-8"), known):
            return _unauthorized("The key is not valid.")
        return None


def key_matches(given: bytes, known: tuple[bytes, ...]) -> bool:
    """Whether `given` is one of `known`, taking the same time whichever it matches (or none)."""
    match = False
    for key in known:
        match |= hmac.compare_digest(given, key)
    return match


def _unauthorized(message: str):
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="akhbar"'})


# -- health --------------------------------------------------------------------------------------------------------
class Health(Schema):
    status = fields.String()
    engine = fields.Dict()


def health_blueprint() -> Blueprint:
    """GET /health — 200 with the engine's status, 503 when it cannot be reached. Open without a key."""
    blp = Blueprint("health", __name__, description="Service health")

    @blp.route("/health")
    class HealthCheck(MethodView):
        @blp.response(200, Health)
        @blp.alt_response(503, description="engine unreachable")
        @blp.doc(security=[])
        def get(self):
            """Service and engine status."""
            # One try per listed node: with several, a dead one is passed over, not reported as the cluster.
            client = es().options(request_timeout=2, max_retries=len(settings().engine_hosts) - 1)
            try:
                health = client.cluster.health().body
            except Exception as error:  # noqa: BLE001 - any failure means unhealthy, reported as such
                return engine_unavailable(engine_failure_reason(error), "The search engine is unavailable.")
            alias_ok = client.indices.exists_alias(name=settings().index_alias).body
            return {"status": "ok" if health["status"] in ("green", "yellow") else "degraded",
                    "engine": {"cluster": health["cluster_name"], "status": health["status"],
                               "nodes": health["number_of_nodes"], "index_ready": bool(alias_ok)}}

    return blp
