"""The API's JSON errors are the ones both web apps share (core/web.py); these names stay importable here."""
from core.web import (  # noqa: F401
    RETRY_AFTER_SECONDS, ClientError, JsonErrorsApi, engine_failure_reason, engine_unavailable, error_response,
    http_error_response, register_error_handlers,
)
