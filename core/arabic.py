"""Arabic text rules shared by the indexer (facet keys it stores) and the API (filter values it receives).

Two levels:
- `normalize`: orthographic folding only (diacritics, tatweel, alef/yeh/teh-marbuta/hamza seats, digits,
  Latin case, whitespace). Two spellings of the same word become one string.
- `facet_key`: `normalize` plus the definite article dropped from each word, so `الأمم المتحدة` and
  `الامم المتحده` share one key. What a facet filter value from a URL is compared by.
- `clitic_readings`: the ways a word may be read as clitics (و ف ب ل ك) + stem, for extractors to check.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks (a character-class body, for patterns).
DIACRITIC_CHARS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_DIACRITICS = re.compile(f"[{DIACRITIC_CHARS}]")
TATWEEL = "\u0640"
# Control and format characters (bidi marks, zero-width joiners) that arrive with scraped text, and lone
# surrogates (half of a broken \uXXXX pair in the input JSON: no character at all).
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ئ": "ي", "ؤ": "و", "ة": "ه",
    "ک": "ك", "ی": "ي", "ے": "ي",
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended (Persian) digits
})
_SPACE = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Remove tatweel and invisible control/format characters; diacritics and letters stay as written."""
    return _INVISIBLE.sub("", text.replace(TATWEEL, ""))


def strip_marks(text: str) -> str:
    """Remove diacritics as well as tatweel and invisible characters; letters stay as written."""
    return _DIACRITICS.sub("", strip_invisible(text))


# Text of bare Arabic letters only (no marks, tatweel, spaces, presentation forms): most words. For these the
# normal form is the letter folding alone.
_BARE_LETTERS = re.compile("[\u0621-\u063a\u0641-\u064a]+").fullmatch


def normalize(text: str) -> str:
    """Orthographic normal form: the same word spelled in different ways maps to one string."""
    if _BARE_LETTERS(text):
        return text.translate(_FOLD)
    text = unicodedata.normalize("NFKC", strip_marks(text))
    return _SPACE.sub(" ", text.translate(_FOLD)).strip().lower()

ARTICLE = "ال"
# Proclitics that attach to a word: conjunctions و ف, prepositions ب ل ك ("لل" is ل + the article).
PROCLITICS = ("و", "ف", "ب", "ل", "ك")


def strip_article(word: str, *, min_stem: int = 2) -> str:
    """Drop the definite article from a normalized word when enough of it remains."""
    if word.startswith(ARTICLE) and len(word) - len(ARTICLE) >= min_stem:
        return word[len(ARTICLE):]
    return word


def clitic_readings(word: str, *, min_stem: int = 3) -> list[str]:
    """Every way to read a normalized word as clitics + stem, the word itself first.

    `وللأمم` -> [وللامم, للامم, لامم, امم ...]. Callers decide which reading is real (a gazetteer hit, a known
    name); this function only proposes them, never shortens a word below `min_stem` letters.
    """
    readings = [word]
    frontier = [word]
    while frontier:
        current = frontier.pop()
        candidates = []
        if current[:1] in PROCLITICS and len(current) - 1 >= min_stem:
            candidates.append(current[1:])
        if current.startswith("لل") and len(current) - 2 >= min_stem:
            candidates.append(current[2:])  # ل + article with its alef elided
        for candidate in candidates:
            if candidate not in readings:
                readings.append(candidate)
                frontier.append(candidate)
    return readings


@lru_cache(maxsize=100_000)
def facet_key(value: str) -> str:
    """The canonical key of a facet value: orthographic variants folded and the article dropped from each word.

    Clitics are not guessed here (`لبنان` begins with ل); the extractor strips them from a mention in context
    and stores a clean surface form, so a value copied from a facet and one typed by a user key the same way.
    """
    words = [w for w in normalize(value).split(" ") if w]
    keyed = []
    for index, word in enumerate(words):
        if keyed and keyed[-1] in _COMPOUND_HEADS:
            keyed[-1] += word  # عبد الله = عبدالله, عبد العزيز = عبدالعزيز: one word, however it is spaced
        elif word in _COMPOUND_HEADS and index + 1 < len(words):
            keyed.append(word)
        else:
            keyed.append(strip_article(word))
    return " ".join(keyed)


# Name parts written sometimes joined to the next word, sometimes apart.
_COMPOUND_HEADS = frozenset({"عبد", "ابو"})
