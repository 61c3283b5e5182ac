"""GET /health — 200 with the engine's status, 503 when it cannot be reached."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from api.errors import error_response, RETRY_AFTER_SECONDS
from api.schemas import Health

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/health")
class HealthCheck(MethodView):
    @blp.response(200, Health)
    @blp.alt_response(503, description="engine unreachable")
    def get(self):
        """Service and engine status."""
        es = context.es()
        try:
            health = es.options(request_timeout=2, max_retries=0).cluster.health().body
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy, reported as such
            return error_response(503, "engine_unavailable", "The search engine is unavailable.",
                                  {"reason": type(error).__name__}, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        alias_ok = es.options(request_timeout=2, max_retries=0).indices.exists_alias(
            name=context.settings().index_alias).body
        return {"status": "ok" if health["status"] in ("green", "yellow") else "degraded",
                "engine": {"cluster": health["cluster_name"], "status": health["status"],
                           "nodes": health["number_of_nodes"], "index_ready": bool(alias_ok)}}
