"""App factory: configuration, engine client, OpenAPI (flask-smorest), CORS, gzip, JSON errors, blueprints,
the search page at / and the offline docs."""
from __future__ import annotations

from flask import Flask, abort, request
from flask_compress import Compress
from flask_cors import CORS

from api.blueprints import docs, web
from api.entity_names import EntityNames
from api.errors import JsonErrorsApi, register_error_handlers
from core import engine
from core import settings as settings_module
from core.settings import Settings


def create_app(settings: Settings | None = None, es=None) -> Flask:
    settings = settings or settings_module.load()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Akhbar — Arabic news search",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=docs.ASSETS_URL,
        # Swagger UI would otherwise fetch a validator badge from outside: /docs must work offline.
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        COMPRESS_MIN_SIZE=1024,
        COMPRESS_MIMETYPES=["application/json", "text/html", "text/css", "text/javascript",
                            "application/javascript"],
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # Arabic stays readable in responses
    app.json.sort_keys = False  # keep the schema order: total, page, … before hits and facets
    app.extensions["akhbar.settings"] = settings
    app.extensions["akhbar.es"] = es or engine.client(settings)
    app.extensions["akhbar.entity_names"] = EntityNames(lambda: app.extensions["akhbar.es"], settings.index_alias)
    if settings.cors_origins:
        CORS(app, origins=list(settings.cors_origins))
    Compress(app)
    @app.before_request
    def refuse_large_bodies():
        # GET requests never read their body, so MAX_CONTENT_LENGTH alone would not stop one.
        length = request.content_length
        if length is not None and length > settings.max_request_bytes:
            abort(413)

    api = JsonErrorsApi(app)
    register_error_handlers(app)

    from api.blueprints import articles, entities, facets, health, search

    for blueprint in (search.blp, articles.blp, entities.blp, facets.blp, health.blp):
        api.register_blueprint(blueprint)
    # The page and the docs' assets are no API operations: plain blueprints, outside the OpenAPI document.
    app.register_blueprint(web.blp)
    app.register_blueprint(docs.blp)
    return app
