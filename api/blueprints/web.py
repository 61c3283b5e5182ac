"""GET / — the reference search page: static HTML, CSS and JS that use only the public API."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

# Nothing is loaded from outside the app, and no inline script runs: API text can never become code.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

blp = Blueprint("web", __name__, static_folder=str(STATIC), static_url_path="/web")


@blp.get("/")
def index():
    response = send_from_directory(STATIC, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
