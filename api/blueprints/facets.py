"""GET /facets/<name> — facet value search for autocomplete."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from core.web import ClientError
from api.query import build_facet_values
from api.results import facet_values
from api.schemas import FACETS, FacetArgs, FacetValues

blp = Blueprint("facets", __name__, description="Facet values (autocomplete)")


@blp.route("/facets/<string:name>")
class Facet(MethodView):
    @blp.arguments(FacetArgs, location="query", error_status_code=400)
    @blp.response(200, FacetValues)
    def get(self, args, name: str):
        """Values of one facet whose words start with `prefix` (Arabic-normalized), most frequent first."""
        if name not in FACETS:
            raise ClientError(f"unknown facet {name!r}; one of: {', '.join(FACETS)}", status=404, error="not_found")
        body = build_facet_values(name, args["prefix"], args["size"])
        response = context.es().search(index=context.settings().index_alias, body=body).body
        buckets = response["aggregations"]["values"]["buckets"]
        names = context.display_names([(name, b["key"]) for b in buckets])
        return {"facet": name, "prefix": args["prefix"], "values": facet_values(buckets, name, set(), names)}
