"""App factory: the shared JSON app skeleton (core/web.py: OpenAPI, JSON errors, body limit, optional keys,
offline docs), CORS, gzip, the search blueprints and the search page at /. Read-only."""
from __future__ import annotations

from flask import Flask
from flask_compress import Compress
from flask_cors import CORS

from api.blueprints import web
from api.entity_names import EntityNames
from core import settings as settings_module
from core.settings import Settings
from core.web import create_json_app, health_blueprint


def create_app(settings: Settings | None = None, es=None) -> Flask:
    settings = settings or settings_module.load()
    app, api = create_json_app(__name__, "Akhbar — Arabic news search", settings, es_client=es,
                               max_request_bytes=settings.max_request_bytes, keys=settings.search_keys,
                               spec_options={"security": [{"bearer": []}]} if settings.search_keys else None)
    app.config.update(COMPRESS_MIN_SIZE=1024, COMPRESS_MIMETYPES=[
        "application/json", "text/html", "text/css", "text/javascript", "application/javascript"])
    app.extensions["akhbar.entity_names"] = EntityNames(lambda: app.extensions["akhbar.es"], settings.index_alias)
    if settings.cors_origins:
        CORS(app, origins=list(settings.cors_origins))
    Compress(app)

    from api.blueprints import articles, entities, facets, search

    for blueprint in (search.blp, articles.blp, entities.blp, facets.blp, health_blueprint()):
        api.register_blueprint(blueprint)
    # The page is no API operation: a plain blueprint, outside the OpenAPI document.
    app.register_blueprint(web.blp)
    return app
