"""GET /search — faceted full-text search with highlighted snippets."""
from __future__ import annotations

import base64
import json

from elasticsearch import NotFoundError
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from core.web import ClientError
from api.query import build_search, selected_filters
from api.results import facet_keys, shape_search
from api.schemas import SearchArgs, SearchResponse

blp = Blueprint("search", __name__, description="Full-text search with facets and snippets")


def _decode_cursor(cursor: str) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not isinstance(state, dict) or "pit" not in state or "after" not in state:
            raise ValueError
        return state
    except (ValueError, UnicodeDecodeError):
        raise ClientError("cursor is not one this API returned", details={"fields": {"cursor": ["invalid"]}})


def _encode_cursor(pit: str, after: list) -> str:
    return base64.urlsafe_b64encode(json.dumps({"pit": pit, "after": after}).encode()).decode()


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query", error_status_code=400)
    @blp.response(200, SearchResponse)
    def get(self, args):
        """Search articles.

        Filters repeat (`person=a&person=b`): OR within a facet, AND across facets. Facet counts are
        disjunctive. `cursor=*` starts a walk over every result (search_after on a point in time).
        """
        settings, es = context.settings(), context.es()
        alias = settings.index_alias
        pit_id, after = None, None
        if args.get("cursor"):
            if args["cursor"] == "*":
                pit_id = es.open_point_in_time(index=alias, keep_alive="2m")["id"]
            else:
                state = _decode_cursor(args["cursor"])
                pit_id, after = state["pit"], state["after"]
        selected = context.resolved_filters(selected_filters(args))
        body = build_search(args, pre_tag=settings.highlight_pre, post_tag=settings.highlight_post,
                            search_after=after, pit_id=pit_id, selected=selected)
        try:
            response = es.search(index=None if pit_id else alias, body=body).body
        except NotFoundError:
            if pit_id:
                raise ClientError("cursor expired; start again with cursor=*", status=410, error="cursor_expired")
            raise
        names = context.display_names(facet_keys(response.get("aggregations", {})))
        result = shape_search(response, args, selected, names)
        if pit_id:
            hits = response["hits"]["hits"]
            if len(hits) == args["size"] and hits:
                result["next_cursor"] = _encode_cursor(response.get("pit_id", pit_id), hits[-1]["sort"])
            else:
                result["next_cursor"] = None
                es.options(ignore_status=404).close_point_in_time(id=response.get("pit_id", pit_id))
        # results.py shapes it as SearchResponse already; a second pass through marshmallow would cost a few
        # milliseconds a request (the schema stays for the OpenAPI document).
        return jsonify(result)
