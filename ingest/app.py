"""App factory of the ingest API: the shared JSON app skeleton (core/web.py) with bearer keys, a larger body limit,
and the ingest blueprint."""
from __future__ import annotations

from flask import Flask

from core import settings as settings_module
from core.settings import Settings
from core.web import create_json_app, engine_unavailable, health_blueprint
from indexer.outages import EngineGone
from indexer.pipeline import load_stages
from indexer.records import ArticleInputSchema, RetractionSchema

NO_KEYS = ("no ingest keys: set AKHBAR_INGEST_KEYS (comma-separated) or AKHBAR_INGEST_KEYS_FILE (one a line); "
           "the ingest API never runs without them")
# Bulk writes of large batches wait for a refresh too: more than a search may take.
ENGINE_TIMEOUT = 120


class NoKeys(RuntimeError):
    pass


def create_app(settings: Settings | None = None, es=None) -> Flask:
    settings = settings or settings_module.load()
    if not settings.ingest_keys:
        raise NoKeys(NO_KEYS)
    app, api = create_json_app(__name__, "Akhbar — ingest", settings, es_client=es, keys=settings.ingest_keys,
                               max_request_bytes=settings.ingest_max_request_bytes,
                               engine_timeout=max(settings.request_timeout, ENGINE_TIMEOUT),
                               spec_options={"security": [{"bearer": []}]})
    api.spec.components.schema("ArticleInput", schema=ArticleInputSchema)
    api.spec.components.schema("Retraction", schema=RetractionSchema)
    load_stages()  # the first article should not pay for loading the word lists

    @app.errorhandler(EngineGone)
    def engine_gone(error: EngineGone):
        return engine_unavailable(str(error), "The engine is unavailable; part of the request may have landed. "
                                              "Send it again: ids are stable, so nothing is duplicated.")

    from ingest.blueprints import articles

    for blueprint in (articles.blp, health_blueprint()):
        api.register_blueprint(blueprint)
    return app
