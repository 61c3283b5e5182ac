"""The word lists the rules use (indexer/enrich/data/*.txt), loaded once per process and keyed the way tokens are."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.arabic import normalize
from indexer.enrich.tokens import match_key, phrase_keys

DATA = Path(__file__).resolve().parent.parent / "data"


def _lines(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _phrases(name: str) -> dict[tuple[str, ...], str]:
    """phrase keys -> the name to display. A line `alias = name` makes the alias display as the name."""
    table = {}
    for line in _lines(name):
        alias, _, canonical = line.partition("=")
        table[phrase_keys(alias)] = (canonical or alias).strip()
    return table


@dataclass(frozen=True)
class Lexicon:
    locations: dict[tuple[str, ...], str]
    organizations: dict[tuple[str, ...], str]
    persons: dict[tuple[str, ...], str]
    titles: dict[tuple[str, ...], str]
    definite: frozenset[tuple[str, ...]]  # listed places and bodies written with the article (المغرب، الجزيرة)
    roles: frozenset[tuple[str, ...]]  # titles and role words (roles.txt) none of which is a facet value alone
    org_heads: frozenset[str]
    first_names: frozenset[str]
    common_word_names: frozenset[str]  # given names that are also common words: never a name alone
    given_names: frozenset[str]  # both lists: every listed given name (a facet value needs more than one alone)
    speech_verbs: frozenset[str]
    nationalities: frozenset[str]
    stopwords: frozenset[str]
    maqsura_stops: frozenset[str]  # function words written with ى, as normalized (على → علي): not given names
    # religious formulae (رحمه الله), keyed as phrases are, and their beginnings of two words or more (رضي الله
    # of رضي الله عنه): never in a name
    formulae: frozenset[tuple[str, ...]]
    max_phrase: int

    def is_stop(self, norm: str) -> bool:
        """A function word, also with a conjunction attached (وهو، فإن، ومن)."""
        if norm in self.stopwords or match_key(norm) in self.stopwords:
            return True
        return len(norm) > 2 and norm[0] in "وف" and (norm[1:] in self.stopwords or match_key(norm[1:]) in self.stopwords)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    locations, organizations, titles = _phrases("locations.txt"), _phrases("organizations.txt"), _phrases("titles.txt")
    persons = _phrases("persons.txt")
    return Lexicon(
        locations=locations,
        organizations=organizations,
        persons=persons,
        titles=titles,
        definite=frozenset(phrase_keys(line.partition("=")[0]) for name in ("locations.txt", "organizations.txt")
                           for line in _lines(name) if normalize(line).startswith("ال")),
        roles=frozenset(titles) | frozenset(_phrases("roles.txt")),
        org_heads=frozenset(match_key(normalize(w)) for w in _lines("org_heads.txt")),
        first_names=(first_names := frozenset(normalize(w) for w in _lines("first_names.txt"))),
        common_word_names=(common_word_names := frozenset(normalize(w) for w in _lines("given_names_common.txt"))),
        given_names=first_names | common_word_names,
        speech_verbs=frozenset(normalize(w) for w in _lines("speech_verbs.txt")),
        nationalities=frozenset(normalize(w) for w in _lines("nationalities.txt")),
        stopwords=frozenset(normalize(w) for w in _lines("stopwords.txt"))
        | frozenset(match_key(normalize(w)) for w in _lines("stopwords.txt") if normalize(w).startswith("ال")),
        maqsura_stops=frozenset(normalize(w) for w in _lines("stopwords.txt") if "ى" in w),
        formulae=frozenset(phrase[:size] for phrase in map(phrase_keys, _lines("religious_formulae.txt"))
                           for size in range(min(2, len(phrase)), len(phrase) + 1)),
        max_phrase=max(len(k) for k in (*locations, *organizations, *persons, *titles)),
    )
