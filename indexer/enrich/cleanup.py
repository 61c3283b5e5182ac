"""Text cleanup: markup, entities, tatweel, control characters and runs of whitespace removed.

The original text is kept on the article (original_title/original_body) for display and reindexing.
"""
from __future__ import annotations

import html
import re

from core.arabic import strip_invisible
from indexer.article import Article

_TAG = re.compile(r"<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>|<[^>]{1,500}>", re.S | re.I)
_BLOCK_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?>", re.I)
_ODD_SPACE = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # inline whitespace other than the plain space
_HAS_ODD_SPACE = re.compile(f"[{_ODD_SPACE}]").search
# A run of inline whitespace that is not already one plain space (matching every single space is 2x slower).
_INLINE_SPACE = re.compile(f" (?=[ {_ODD_SPACE}])[ {_ODD_SPACE}]*|[{_ODD_SPACE}][ {_ODD_SPACE}]*")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(text: str) -> str:
    if "<" in text:
        text = _BLOCK_BREAK.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Diacritics stay in the display text; the analyzer and the facet keys fold them.
    text = strip_invisible(text)
    if "  " in text or _HAS_ODD_SPACE(text):
        text = _INLINE_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


class Cleanup:
    name = "cleanup"

    def apply_all(self, articles: list[Article]) -> list[Article]:
        return list(map(self.apply, articles))

    def apply(self, article: Article) -> Article:
        article.original_title = article.title
        article.original_body = article.body
        article.title = clean_text(article.title).replace("\n", " ")
        article.body = clean_text(article.body)
        return article
