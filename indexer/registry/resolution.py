"""Corpus-level resolution: a short form of a person's name folds into the full name it stands for.

Candidates come from word containment: the short form's words appear, in order, in the longer name, which
begins with the same word (`محمد بن نايف` in `محمد بن نايف بن عبدالعزيز`, `عادل الجبير` in
`عادل بن أحمد الجبير`), or the short form is the longer name's last words (`أوباما` in `باراك أوباما`,
`منصور هادي` in `عبد ربه منصور هادي`) unless those follow `بن` (`محمد بن سلمان بن عبدالعزيز` is the son of
`سلمان بن عبدالعزيز`). `خالد الفيصل` is no candidate for `فيصل بن خالد`: the order differs.

Containment alone would fold namesakes (`عبدالله بن عبدالعزيز` the king into `عبدالله بن عبدالعزيز الربيعة` the
minister). What decides is the company each form keeps: the other entities of the articles that use it (the
articles both forms appear in count for both, so direct co-occurrence weighs in), each weighted by its rarity
(idf), compared by cosine; times the share of the short form's articles that fall within the long form's period
(time overlap). A form that mostly stands alone in other company is another person. A short form folds when
exactly one entity (after the longer names' own folding) reaches SAME_ENTITY, and both forms stand in at least
MIN_ARTICLES articles; the merged group is keyed by its most-mentioned form of two words or more.

Only persons are resolved automatically: a shorter organization or place name (`وزارة الخارجية`) is as often
another body as the same one. `suggest` lists such pairs, and persons below the bar, for the curation file.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from indexer.registry.corpus import Corpus, EntityRef

# Cosine of the idf-weighted company two forms keep, times their time overlap. On the shared corpus the forms of
# one person score 0.55-0.90 and namesakes and unrelated names under 0.40 (README, "Measured").
SAME_ENTITY = 0.5
MIN_ARTICLES = 2
TIME_MARGIN = timedelta(days=7)
AUTOMATIC_TYPES = ("person",)
LINEAGE = frozenset({"بن", "ابن", "بنت"})  # son / daughter of (keys are normalized: ابنة is ابنه)


@dataclass(frozen=True)
class Evidence:
    """Why `short` might stand for `full`."""
    type: str
    short: str
    full: str
    short_articles: int
    full_articles: int
    together: int  # articles using both forms
    alone: float  # share of the short form's articles without any of its longer candidates
    company: float  # cosine of the idf-weighted other entities of their articles
    overlap: float  # share of the short form's articles within the full form's period
    score: float

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _contains(short: list[str], full: list[str]) -> bool:
    """Ordered word containment anchored at the first word, or the last words of the full name (a surname,
    `منصور هادي` in `عبد ربه منصور هادي`)."""
    if len(full) <= len(short):
        return False
    if full[-len(short):] == short and full[-len(short) - 1] not in LINEAGE:  # after بن: the father's name
        return True
    if len(short) == 1 or full[0] != short[0]:
        return False
    rest = iter(full[1:])
    return all(word in rest for word in short[1:])


def candidates(keys: list[str]) -> dict[str, list[str]]:
    """short key -> the longer keys that contain it (`_contains`), for keys of one type."""
    by_last: dict[str, list[str]] = defaultdict(list)
    by_first_word: dict[tuple[str, str], list[str]] = defaultdict(list)
    split = {key: key.split(" ") for key in keys}
    for key, words in split.items():
        if len(words) < 2:
            continue
        by_last[words[-1]].append(key)
        for word in set(words[1:]):
            by_first_word[(words[0], word)].append(key)
    found = {}
    for key, words in split.items():
        pool = by_last.get(words[-1], [])
        if len(words) > 1:
            pool = pool + by_first_word.get((words[0], words[-1]), [])
        longer = [other for other in dict.fromkeys(pool) if other != key and _contains(words, split[other])]
        if longer:
            found[key] = longer
    return found


class _Company:
    """Each form's idf-weighted company (the other entities of its articles), computed when first asked for."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        total = max(len(corpus.ids), 1)
        self.idf = {ref: math.log((total + 1) / (len(stats.articles) + 0.5)) for ref, stats in corpus.keys.items()}
        self._vectors: dict[EntityRef, tuple[Counter, float]] = {}

    def vector(self, ref: EntityRef) -> Counter:
        if ref not in self._vectors:
            counts = Counter()
            for number in self.corpus.keys[ref].articles:
                counts.update(self.corpus.entities[number])
            del counts[ref]
            self._vectors[ref] = counts
        return self._vectors[ref]

    def similarity(self, a: EntityRef, b: EntityRef) -> float:
        va, vb = self.vector(a), self.vector(b)
        idf = self.idf

        def weight(vector, ref):
            return vector[ref] * idf[ref] if ref not in (a, b) else 0.0

        if len(va) > len(vb):
            va, vb = vb, va
        dot = sum(weight(va, r) * weight(vb, r) for r in va if r in vb)
        norm_a = math.sqrt(sum(weight(va, r) ** 2 for r in va))
        norm_b = math.sqrt(sum(weight(vb, r) ** 2 for r in vb))
        return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


def _span(corpus: Corpus, ref: EntityRef) -> tuple[date, date] | None:
    dated = [corpus.dates[n] for n in corpus.keys[ref].articles if corpus.dates[n]]
    if not dated:
        return None
    return date.fromisoformat(min(dated)) - TIME_MARGIN, date.fromisoformat(max(dated)) + TIME_MARGIN


def _overlap(corpus: Corpus, short: EntityRef, full: EntityRef) -> float:
    span = _span(corpus, full)
    dated = [corpus.dates[n] for n in corpus.keys[short].articles if corpus.dates[n]]
    if span is None or not dated:
        return 1.0  # undated articles: no evidence either way
    return sum(span[0] <= date.fromisoformat(d) <= span[1] for d in dated) / len(dated)


def evidence(corpus: Corpus, entity_type: str, company: _Company | None = None) -> dict[str, list[Evidence]]:
    """short key -> Evidence for each longer candidate, best first."""
    company = company or _Company(corpus)
    keys = [key for (etype, key) in corpus.keys if etype == entity_type]
    found = {}
    for short, longer in candidates(keys).items():
        s_ref = (entity_type, short)
        s_articles = set(corpus.keys[s_ref].articles)
        with_any = set()
        rows = []
        for full in longer:
            f_ref = (entity_type, full)
            f_articles = corpus.keys[f_ref].articles
            together = s_articles.intersection(f_articles)
            with_any |= together
            similarity = company.similarity(s_ref, f_ref)
            overlap = _overlap(corpus, s_ref, f_ref)
            rows.append((full, len(f_articles), len(together), similarity, overlap))
        alone = 1 - len(with_any) / len(s_articles)
        found[short] = sorted(
            (Evidence(entity_type, short, full, len(s_articles), n_full, together, alone, similarity, overlap,
                      similarity * overlap)
             for full, n_full, together, similarity, overlap in rows), key=lambda e: (-e.score, e.full))
    return found


def resolve(corpus: Corpus, types: tuple[str, ...] = AUTOMATIC_TYPES) -> tuple[dict[EntityRef, str], list[Evidence]]:
    """(extracted (type, key) -> the key of the entity it is a form of, non-identity entries only; the
    evidence of every fold made)."""
    mapping: dict[EntityRef, str] = {}
    folds: list[Evidence] = []
    for entity_type in types:
        found = evidence(corpus, entity_type)
        parent: dict[str, str] = {}

        def root(key: str) -> str:
            while key in parent:
                key = parent[key]
            return key

        # Longest names first, so a short form sees its candidates already grouped (the forms of one person are
        # one candidate, not an ambiguity).
        for short in sorted(found, key=lambda k: (-len(k.split(" ")), k)):
            if len(corpus.keys[(entity_type, short)].articles) < MIN_ARTICLES:
                continue
            strong = [e for e in found[short] if e.score >= SAME_ENTITY and e.full_articles >= MIN_ARTICLES]
            groups = {root(e.full) for e in strong} - {root(short)}
            if len(groups) == 1:
                parent[root(short)] = groups.pop()
                folds.append(strong[0])
        members: dict[str, list[str]] = defaultdict(list)
        for key in {k for k in parent} | set(parent.values()):
            members[root(key)].append(key)
        for group in members.values():
            def weight(key):
                # The full name: a form of two words or more (a surname alone never is), most mentioned.
                stats = corpus.keys[(entity_type, key)]
                return " " in key, len(stats.articles), stats.mentions, len(key), key

            canonical = max(group, key=weight)
            for key in group:
                if key != canonical:
                    mapping[(entity_type, key)] = canonical
    return mapping, folds


def suggest(corpus: Corpus, entity_type: str | None = None, limit: int = 20,
            resolved: dict[EntityRef, str] | None = None) -> list[Evidence]:
    """Likely merges not made automatically (organizations and places, persons below the bar), best first."""
    resolved = resolved or {}
    rows = []
    for etype in ([entity_type] if entity_type else ["person", "organization", "location"]):
        for short, rows_for in evidence(corpus, etype).items():
            best = rows_for[0]
            if best.short_articles < MIN_ARTICLES or best.full_articles < MIN_ARTICLES or best.score <= 0:
                continue
            already = resolved.get((etype, short), short) == resolved.get((etype, best.full), best.full)
            if not already:
                rows.append(best)
    rows.sort(key=lambda e: (-e.score * math.log1p(min(e.short_articles, e.full_articles)), e.short))
    return rows[:limit]
