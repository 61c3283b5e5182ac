"""From mentions to the entities of one article: propagation, one canonical key each, the displayed name.

- Propagation: a name found once is found again wherever it recurs in the article (with or without clitics), and
  a later bare surname (`ألبرتين`) joins the full name found earlier (`كريستينا ألبرتين`).
- One key per entity (core.arabic.facet_key of its fullest form); the display is its most frequent full form.
- No entity that is a single stop word, a title alone, or ends in a preposition; no person that is a given name
  alone, unless a full name of the same article owns it.
- A religious formula is no part of a name: a mention ends before one (عبدالله رحمه الله → عبدالله), and a
  name does not end on a link (عبد الله بن → عبد الله).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from operator import attrgetter

from core.arabic import facet_key
from indexer.article import Entity
from indexer.enrich.entities.base import Mention, mention_surface
from indexer.enrich.entities.lexicon import Lexicon
from indexer.enrich.tokens import Tokens, WordMemo, phrase_keys

_KEYSET = attrgetter("keyset")
# A mention's words keyed as tokens are (names recur across articles, so computed once per surface form).
_surface_keys = WordMemo(phrase_keys, bound=100_000)
_TRAILING_PREPOSITIONS = frozenset({"في", "من", "علي", "الي", "عن", "مع", "ب", "ل", "و"})
_TRAILING_LINKS = frozenset({"بن", "بنت", "ابن", "ابو", "ابي", "ال", "عبد"})  # as phrase_keys has them


def clean_surface(surface: str, lex: Lexicon) -> str:
    """A mention's words before any religious formula in it, without a trailing name link ('' if none are
    left). Most mentions have neither, and come back unchanged."""
    words = _surface_keys[surface]
    end = len(words)
    for start in range(len(words)):
        if any(words[start:start + size] in lex.formulae for size in range(1, min(5, len(words) - start) + 1)):
            end = start
            break
    while end and words[end - 1] in _TRAILING_LINKS:
        end -= 1
    if end == len(words):
        return surface
    return " ".join(surface.split()[:end])


def propagate(tokens: Tokens, mentions: list[Mention], lex: Lexicon) -> list[Mention]:
    """Add mentions for later recurrences of names already found in the same text."""
    if not mentions:
        return mentions
    keys = tokens.keys
    taken = {k for m in mentions for k in range(m.first, m.last + 1)}
    patterns: dict[tuple[str, ...], Mention] = {}
    for mention in mentions:
        words = _surface_keys[mention.surface]
        patterns.setdefault(words, mention)
        if mention.type == "person" and len(words) >= 2:
            surname = words[-1]
            if len(surname) >= 3 and surname not in lex.first_names and not lex.is_stop(surname):
                patterns.setdefault((surname,), mention)
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for words in sorted(patterns, key=len, reverse=True):
        by_first[words[0]].append(words)
    added: list[Mention] = []
    firsts = set(by_first)  # a set, so isdisjoint walks the smaller side
    # Positions whose word may open a known name: list.index finds each next one in C, skipping the rest.
    elsewhere = list(map(firsts.isdisjoint, map(_KEYSET, tokens)))
    i = -1
    while True:
        try:
            i = elsewhere.index(False, i + 1)
        except ValueError:
            break
        if i in taken:
            continue
        token = tokens[i]
        for reading, key in token.readings:
            candidates = by_first.get(key)
            if not candidates:
                continue
            hit = next((w for w in candidates if len(w) == 1 or _matches(w, keys, tokens, i, taken)), None)
            if hit:
                source = patterns[hit]
                last = i + len(hit) - 1
                surface = mention_surface(tokens, i, last, reading)
                added.append(Mention(source.type, i, last, surface))
                taken.update(range(i, last + 1))
                break
    return sorted(mentions + added, key=lambda m: m.first)


def _matches(words, keys, tokens, i, taken) -> bool:
    """Whether the words after the first (which matched) follow at i, unbroken and not already taken."""
    end = i + len(words)
    return (tuple(keys[i + 1:end]) == words[1:] and not any(tokens[k].gap for k in range(i + 1, end))
            and taken.isdisjoint(range(i + 1, end)))


# Dual and sound-plural endings: الوزيران، المستشارين، المراسلون are roles as much as الوزير is.
_NUMBER_ENDINGS = ("ان", "ين", "ون")


def _plural_role(words: list[str], lex: Lexicon) -> bool:
    """Whether a one-word value is a listed role in the dual or a sound plural (no name is one)."""
    word = words[0] if len(words) == 1 else ""
    return any(word.endswith(ending) and (word[:-2],) in lex.roles for ending in _NUMBER_ENDINGS)


def acceptable(name: str, lex: Lexicon, key: str | None = None) -> bool:
    """Whether a mention may become a facet value (`key`: its facet key, when already computed)."""
    key = key or facet_key(name)
    words = key.split()
    if not words or len(key.replace(" ", "")) < 2:
        return False
    if (len(words) == 1 and lex.is_stop(words[0])) or tuple(words) in lex.roles or _plural_role(words, lex):
        return False
    return words[-1] not in _TRAILING_PREPOSITIONS


def to_entities(mentions: list[Mention], lex: Lexicon) -> list[Entity]:
    """Group mentions into entities: surnames fold into the fullest name that ends with them, a given name
    into the only full name that begins with it."""
    mentions = [m if clean == m.surface else m._replace(surface=clean)
                for m in mentions for clean in (clean_surface(m.surface, lex),) if clean]
    keyed = [(mention, facet_key(mention.surface)) for mention in mentions]
    full_names = Counter(key for mention, key in keyed if mention.type == "person" and " " in key)
    surname_owner: dict[str, str] = {}
    # the fullest name first; between names as full, the more mentioned, then the first met (never hash order:
    # the same article gets the same facets in every run)
    for key in sorted(full_names, key=lambda name: (-len(name), -full_names[name])):
        surname_owner.setdefault(key.split()[-1], key)
    # A given name alone (الأمير خالد) belongs to the one full name of the article that begins with it.
    given_owners: dict[str, set[str]] = defaultdict(set)
    for key in full_names:
        given_owners[key.split()[0]].add(key)
    for given, owners in given_owners.items():
        if len(owners) == 1 and given not in surname_owner and given in lex.given_names:
            surname_owner[given] = next(iter(owners))

    grouped: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for mention, key in keyed:
        if not acceptable(mention.surface, lex, key):
            continue
        if mention.type == "person" and " " not in key and key in surname_owner:
            key = surname_owner[key]
            grouped[(mention.type, key)][None] += 1  # counts toward the full name, not its display
            continue
        if mention.type == "person" and " " not in key and key in lex.given_names:
            continue  # a given name alone (محمد، عبدالله، رضا) that no full name here owns identifies nobody
        grouped[(mention.type, key)][mention.surface] += 1
    entities = []
    for (etype, key), surfaces in grouped.items():
        shown = [(n, s) for s, n in surfaces.items() if s is not None]
        if not shown:
            continue
        display = max(shown, key=lambda item: (item[0], len(item[1])))[1]
        entities.append(Entity(etype, key, display, sum(surfaces.values())))
    return sorted(entities, key=lambda e: (-e.count, e.type, e.key))
