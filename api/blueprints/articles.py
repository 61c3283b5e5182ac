"""GET /articles/<id> — one full article with its entities and topics; GET /articles/<id>/related."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import context
from core.web import ClientError
from api.entities import build_related, shape_related
from api.results import shape_article
from api.schemas import ArticleOut, RelatedArgs, RelatedArticles

blp = Blueprint("articles", __name__, description="Single articles")


@blp.route("/articles/<string:article_id>")
class ArticleById(MethodView):
    @blp.response(200, ArticleOut)
    def get(self, article_id: str):
        """The full article, with its entities and topics."""
        if len(article_id) > 512:
            raise ClientError("article id too long", details={"fields": {"article_id": ["max 512 characters"]}})
        es = context.es()
        document = es.options(ignore_status=404).get(index=context.settings().index_alias, id=article_id,
                                                     source_excludes=["original"])
        if not document.body.get("found"):
            raise ClientError(f"no article with id {article_id!r}", status=404, error="not_found")
        return shape_article(document.body)


@blp.route("/articles/<string:article_id>/related")
class RelatedToArticle(MethodView):
    @blp.arguments(RelatedArgs, location="query", error_status_code=400)
    @blp.response(200, RelatedArticles)
    @blp.alt_response(404, description="no such article")
    def get(self, args, article_id: str):
        """Articles sharing this one's entities and text, best first."""
        if len(article_id) > 512:
            raise ClientError("article id too long", details={"fields": {"article_id": ["max 512 characters"]}})
        es, alias = context.es(), context.settings().index_alias
        document = es.options(ignore_status=404).get(index=alias, id=article_id, source_includes=[
            "persons", "organizations", "locations"])
        if not document.body.get("found"):
            raise ClientError(f"no article with id {article_id!r}", status=404, error="not_found")
        body = build_related(article_id, document.body["_index"], document.body["_source"], args["size"])
        return shape_related(article_id, es.search(index=alias, body=body).body)
