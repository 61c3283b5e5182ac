"""Swagger UI's assets for /docs, served by the app from the flask-swagger-ui distribution (no CDN)."""
from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
ASSETS_URL = "/docs/assets/"

blp = Blueprint("docs_assets", __name__, static_folder=str(SWAGGER_UI_DIST), static_url_path=ASSETS_URL.rstrip("/"))
