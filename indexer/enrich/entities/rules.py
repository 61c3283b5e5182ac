"""Rule-based extraction of persons, organizations and locations: no training data needed at run time.

Evidence, strongest first:
- gazetteers of places and organizations, matched with the clitics a first word may carry (وبالرياض);
- organization head nouns (وزارة، هيئة، مكتب …) with the definite genitive chain that completes them;
- titles and offices (الرئيس، وزير الخارجية، المتحدث باسم …) and common given names, followed by name words;
- place triggers (مدينة، محافظة …) followed by a name.
Overlaps keep the longest span. Propagation within an article happens later (entities.canonical).
"""
from __future__ import annotations

from collections import defaultdict

from indexer.enrich.entities.base import Mention, Token, surface_without_prefix
from indexer.enrich.entities.lexicon import Lexicon, lexicon, match_key

_PLACE_TRIGGERS = frozenset(match_key(w) for w in (
    "مدينه", "محافظه", "ولايه", "منطقه", "اقليم", "بلده", "قريه", "عاصمه", "جزيره", "مقاطعه", "ميناء"))
_LINK_WORDS = frozenset({"بن", "بنت", "ابن", "ابو", "ابي", "ال", "عبد", "دي", "فان", "فون"})
_SPECIFIER = frozenset({"معني", "معنيه", "خاص", "خاصه", "مكلف", "مكلفه", "مستقل", "مستقله"})
_ORDINALS = frozenset({"اول", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع", "عاشر"})
_CLITIC_ARTICLE = ("بال", "وال", "فال", "كال", "لل")
_NOBLE = frozenset({"ملك", "امير", "شيخ", "سلطان", "امام"})
# Priority when two candidates cover the same length: gazetteer evidence beats patterns.
_PRIORITY = {"gazetteer": 0, "org_head": 1, "title": 2, "given_name": 3, "place_trigger": 4}


def _index_by_first(table: dict[tuple[str, ...], str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in table:
        index[phrase[0]].append(phrase)
    for phrases in index.values():
        phrases.sort(key=len, reverse=True)
    return dict(index)


class RuleExtractor:
    def __init__(self, lex: Lexicon | None = None):
        self.lex = lex or lexicon()
        self._places = _index_by_first(self.lex.locations)
        self._orgs = _index_by_first(self.lex.organizations)
        self._titles = _index_by_first(self.lex.titles)

    # -- public --------------------------------------------------------------------------------------------
    def extract(self, tokens: list[Token]) -> list[Mention]:
        keys = [t.key for t in tokens]
        candidates: list[tuple[int, int, int, Mention]] = []  # (-length, priority, first, mention)

        def add(kind: str, etype: str, first: int, last: int, reading: str | None = None):
            surface = self.surface(tokens, first, last, reading)
            mention = Mention(etype, first, last, surface)
            candidates.append((-(last - first + 1), _PRIORITY[kind], first, mention))

        for i, token in enumerate(tokens):
            for reading, key in token.readings:
                for table, etype in ((self._orgs, "organization"), (self._places, "location")):
                    length = self._phrase_at(table, key, keys, tokens, i) if key in table else 0
                    if length:
                        add("gazetteer", etype, i, i + length - 1, reading)
                if key in self.lex.org_heads:
                    last = self._org_complement(tokens, keys, i)
                    if last > i:
                        add("org_head", "organization", i, last, reading)
                title_length = self._phrase_at(self._titles, key, keys, tokens, i) if key in self._titles else 0
                if title_length:
                    span = self._name_after(tokens, keys, i + title_length, after_title=True)
                    if span:
                        add("title", "person", *span)
                if reading in self.lex.first_names and "ى" not in token.text:
                    span = self._name_after(tokens, keys, i, after_title=False, reading=reading)
                    if span and span[1] > span[0]:
                        add("given_name", "person", span[0], span[1], reading)
                if (key in _PLACE_TRIGGERS and not reading.startswith("ال") and i + 1 < len(tokens)
                        and not tokens[i + 1].gap and self._is_name_word(tokens, keys, i + 1, 0)):
                    add("place_trigger", "location", i + 1, i + 1)
        return self._resolve(candidates)

    # -- pieces --------------------------------------------------------------------------------------------
    def _phrase_at(self, table, key, keys, tokens, i) -> int:
        """Length of the longest phrase of `table` starting at token i (first word read as `key`), or 0."""
        for phrase in table.get(key, ()):
            end = i + len(phrase)
            if end <= len(tokens) and all(
                keys[i + k] == phrase[k] and not tokens[i + k].gap for k in range(1, len(phrase))
            ):
                return len(phrase)
        return 0

    def _org_complement(self, tokens, keys, head: int) -> int:
        """Index of the last token of the organization opened by the head noun at `head` (head if none)."""
        last = head
        specified = False
        for k in range(head + 1, min(head + 8, len(tokens))):
            token = tokens[k]
            if token.gap or self.lex.is_stop(token.norm) or token.norm.isdigit():
                break
            norm = token.norm
            previous = keys[k - 1]
            if norm.startswith("ال") or previous in _NOBLE or keys[k] in self._places or keys[k] in self._orgs:
                last = k
            elif (specified or previous in _SPECIFIER) and norm[:3] in ("بال", "وال", "لل") or norm.startswith("لل"):
                last = k
            else:
                break
            specified = specified or keys[k] in _SPECIFIER
        return last

    def _is_name_word(self, tokens, keys, k, position: int) -> bool:
        token = tokens[k]
        norm = token.norm
        if position > 0 and keys[k] in _ORDINALS:
            return True  # عبدالله الثاني
        if len(norm) < 2 or norm.isdigit() or self.lex.is_stop(norm) or keys[k] in self.lex.org_heads:
            return False
        if keys[k] in self._titles:
            return False
        if norm.startswith("ال") and position == 0 and norm not in self.lex.first_names:
            return False
        if norm.startswith(_CLITIC_ARTICLE):
            # بالمخدرات، للأمم: preposition + article opens a noun phrase — unless it closes the name (سفيان بالخير،)
            if position == 0 or (k + 1 < len(tokens) and not tokens[k + 1].gap):
                return False
        if position == 0 and norm[0] in "لب" and norm not in self.lex.first_names:
            return False  # لشؤون، بحضور: a preposition attached to a noun
        if norm not in self.lex.first_names and len(norm) >= 4 and (
                norm[:2] in ("سي", "ست", "سن") or norm[0] == "ي" or (position == 0 and norm[0] in "تن")):
            return False  # يلتقي، تؤكد، ستزور: imperfect verbs, which follow names and titles in news
        return not any("0" <= c <= "9" for c in norm)

    def _name_after(self, tokens, keys, start: int, *, after_title: bool, reading: str | None = None):
        """(first, last) of a personal name that starts at `start`, or None."""
        k = start
        if after_title:
            # Skip nationality and role adjectives: الرئيس الأمريكي باراك أوباما
            skipped = 0
            while (k < len(tokens) and skipped < 2 and not tokens[k].gap and tokens[k].norm.startswith("ال")
                   and tokens[k].norm.endswith(("ي", "يه")) and keys[k] not in self._places):
                k += 1
                skipped += 1
            # Skip the body the office belongs to: الأمين العام للأمم المتحدة كوفي أنان; the name may then
            # follow as an apposition after a comma: الممثلة الإقليمية لمكتب الأمم المتحدة …، هيلين فورد
            skipped_body = False
            if k < len(tokens) and not tokens[k].gap:
                for reading, key in tokens[k].readings[1:]:
                    length = (self._phrase_at(self._orgs, key, keys, tokens, k)
                              or self._phrase_at(self._places, key, keys, tokens, k))
                    if not length and key in self.lex.org_heads:
                        length = self._org_complement(tokens, keys, k) - k + 1
                    if length:
                        k += length
                        skipped_body = True
                        break
            if skipped_body and k < len(tokens) and tokens[k].gap and tokens[k].text and k + 1 < len(tokens):
                span = self._name_after(tokens, keys, k, after_title=False)
                if span and span[1] > span[0] and (span[1] + 1 >= len(tokens) or tokens[span[1] + 1].gap):
                    return span  # a two-word or longer apposition closed by punctuation
                return None
        if k >= len(tokens) or (after_title and tokens[k].gap):
            return None  # "الرئيس: ..." — punctuation right after the title, no name follows
        first = k
        count = 0
        while k < len(tokens) and count < 6:
            if k > first and tokens[k].gap:
                break
            if not (self._is_name_word(tokens, keys, k, count) or (count > 0 and tokens[k].norm in _LINK_WORDS)):
                break
            if count > 0 and (keys[k] in self._places or keys[k] in self._orgs):
                break
            if (count > 0 and tokens[k].norm.startswith("ال") and tokens[k - 1].norm.startswith("ال")
                    and tokens[k - 1].norm not in _LINK_WORDS and keys[k] not in _ORDINALS):
                break  # بشار الأسد | المجتمع الدولي: two definite words in a row leave the name
            k += 1
            count += 1
        while count > 0 and tokens[first + count - 1].norm in _LINK_WORDS:
            count -= 1  # a name does not end on بن / أبو
        if count == 0:
            return None
        return first, first + count - 1

    @staticmethod
    def surface(tokens: list[Token], first: int, last: int, reading: str | None = None) -> str:
        """The name as written, minus the clitics that the first word's `reading` dropped."""
        words = [surface_without_prefix(tokens[first], reading or tokens[first].norm)]
        words += [surface_without_prefix(t, t.norm) for t in tokens[first + 1:last + 1]]
        return " ".join(words)

    @staticmethod
    def _resolve(candidates) -> list[Mention]:
        taken: set[int] = set()
        chosen: list[Mention] = []
        for _, _, _, mention in sorted(candidates, key=lambda c: (c[0], c[1], c[2])):
            span = range(mention.first, mention.last + 1)
            if taken.isdisjoint(span):
                taken.update(span)
                chosen.append(mention)
        return sorted(chosen, key=lambda m: m.first)
