"""GET /health — 200 with the engine's status, 503 when it cannot be reached."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from api.errors import engine_failure_reason, engine_unavailable
from api.schemas import Health

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/health")
class HealthCheck(MethodView):
    @blp.response(200, Health)
    @blp.alt_response(503, description="engine unreachable")
    def get(self):
        """Service and engine status."""
        # One try per listed node: with several, a dead one is passed over, not reported as the cluster.
        es = context.es().options(request_timeout=2, max_retries=len(context.settings().engine_hosts) - 1)
        try:
            health = es.cluster.health().body
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy, reported as such
            return engine_unavailable(engine_failure_reason(error), "The search engine is unavailable.")
        alias_ok = es.indices.exists_alias(
            name=context.settings().index_alias).body
        return {"status": "ok" if health["status"] in ("green", "yellow") else "degraded",
                "engine": {"cluster": health["cluster_name"], "status": health["status"],
                           "nodes": health["number_of_nodes"], "index_ready": bool(alias_ok)}}
