"""GET /entities (look-up and autocomplete) and GET /entities/<type>/<key> (an entity's page)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from api.entities import build_profile, related_keys, shape_profile, summary_out
from core.web import ClientError
from api.schemas import ENTITY_TYPES, EntitiesArgs, EntityList, EntityProfile
from core import registry

blp = Blueprint("entities", __name__, description="The entity registry: persons, organizations, locations")
LISTED_ALIASES = 5


@blp.route("/entities")
class Entities(MethodView):
    @blp.arguments(EntitiesArgs, location="query", error_status_code=400)
    @blp.response(200, EntityList)
    def get(self, args):
        """Entities one of whose names (or aliases) has a word starting with `prefix`, most mentioned first."""
        alias = registry.registry_alias(context.settings().index_alias)
        found = registry.search_entities(context.es(), alias, args["type"], args["prefix"], args["size"])
        return {"type": args["type"], "prefix": args["prefix"],
                "entities": [summary_out(entity, LISTED_ALIASES) for entity in found]}


@blp.route("/entities/<string:entity_type>/<path:key>")
class EntityPage(MethodView):
    @blp.response(200, EntityProfile)
    @blp.alt_response(404, description="no such entity")
    def get(self, entity_type: str, key: str):
        """An entity: aliases, article count, monthly timeline, co-occurring entities, topics. Any alias's key
        finds it."""
        if entity_type not in ENTITY_TYPES or len(key) > 200:
            raise ClientError(f"no {entity_type} {key!r}", status=404, error="not_found")
        settings, es = context.settings(), context.es()
        entity = registry.get_entity(es, registry.registry_alias(settings.index_alias), entity_type, key)
        if entity is None:
            raise ClientError(f"no {entity_type} {key!r} in the entity registry", status=404, error="not_found")
        response = es.search(index=settings.index_alias, body=build_profile(entity_type, entity["key"])).body
        related = related_keys(response, entity_type, entity["key"])
        names = context.entity_names().names([(t, k) for t, pairs in related.items() for k, _ in pairs])
        return shape_profile(entity, response, names)
