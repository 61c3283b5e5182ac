"""Stable document ids: the same article indexed twice is an update, never a duplicate."""
from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from core.arabic import normalize

_TRACKING = ("utm_", "fbclid", "gclid", "ref")


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, `www.` and default ports dropped, fragment and tracking parameters removed,
    percent-escapes decoded, trailing slash removed: the forms one article's URL takes in the wild."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(_TRACKING)))
    path = unquote(parts.path).rstrip("/") or "/"
    return urlunsplit(("http", host, path, query, ""))


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def article_id(url: str | None, source: str | None, title: str, published_at: datetime | None) -> str:
    if url and url.strip():
        return _digest(normalize_url(url))
    date = published_at.isoformat() if published_at else ""
    return _digest("\x1f".join((normalize(source or ""), normalize(title), date)))
