"""Rule-based extraction of persons, organizations and locations: no training data needed at run time.

Evidence, strongest first:
- gazetteers of places and organizations, matched with the clitics a first word may carry (وبالرياض);
- organization head nouns (وزارة، هيئة، مكتب …) with the definite genitive chain that completes them;
- titles and offices (الرئيس، وزير الخارجية، المتحدث باسم …), common given names and nationality adjectives,
  followed by name words; reporting verbs (قال، أكد …) followed by a short name that visibly ends;
- place triggers (مدينة، محافظة …) followed by a name;
- name boundaries: verbs, pronoun suffixes, function words and a second definite word end a name.
Overlaps keep the longest span. Propagation within an article happens later (entities.canonical).
"""
from __future__ import annotations

import re
from collections import defaultdict
from itertools import compress
from typing import NamedTuple

from core.arabic import facet_key, normalize
from indexer.enrich.entities.base import Mention, mention_surface
from indexer.enrich.entities.lexicon import Lexicon, lexicon
from indexer.enrich.tokens import Token, Tokens, WordMemo, match_key, word_token

_HAS_DIGIT = re.compile(r"\d").search
# Words that only describe a body (general, supreme, security …): a head with nothing else is no name.
_GENERIC = frozenset(match_key(w) for w in (
    "العامه", "العام", "العليا", "الاعلي", "الخاصه", "الخاص", "الاداره", "التنفيذي", "التنفيذيه", "المركزي",
    "المركزيه", "الرسمي", "الرسميه", "المحليه", "الدايمه", "المختصه", "المعنيه", "الامن", "الامنيه", "النادي",
    "الوزراء", "الحكومي", "الحكوميه", "الجديد", "الجديده", "الدوليه", "المشتركه", "الاقليمي", "الاقليميه"))
# Kinds of bodies whose proper name follows them: the name is the entity (صحيفة الوفاق → الوفاق).
_TYPE_NOUNS = frozenset(match_key(w) for w in (
    "صحيفه", "جريده", "مجله", "قناه", "فضاييه", "اذاعه", "تلفزيون", "موقع", "شركه", "شركات", "مجموعه", "ماركه"))
_MEDIA = frozenset(match_key(w) for w in ("صحيفه", "جريده", "مجله", "قناه", "فضاييه", "اذاعه", "موقع"))
_CANAL = match_key("قناه")  # a TV channel, or a canal
_PLACE_TRIGGERS = frozenset(match_key(w) for w in (
    "مدينه", "محافظه", "ولايه", "منطقه", "اقليم", "بلده", "قريه", "عاصمه", "جزيره", "مقاطعه", "ميناء"))
_LINK_WORDS = frozenset({"بن", "بنت", "ابن", "ابو", "ابي", "ال", "عبد", "دي", "دو", "فان", "فون"})
# Second particles of European names, links only right after the first (فون دير لاين، دو لا سابليير): alone,
# دير is a monastery and لا means no.
_SECOND_PARTICLES = {"فون": frozenset({"دير"}), "فان": frozenset({"دير", "دن"}), "دو": frozenset({"لا"}),
                     "دي": frozenset({"لا", "لوس"})}
_SECOND_WORDS = frozenset().union(*_SECOND_PARTICLES.values())
_SPECIFIER = frozenset({"معني", "معنيه", "خاص", "خاصه", "مكلف", "مكلفه", "مستقل", "مستقله"})
_PRONOUN_SUFFIXES = ("ها", "هم", "هما", "هن", "كم", "كما", "ته", "تها", "يه", "وا")
# Endings of transliterated surnames that Arabic verbs and nouns do not have: -vić, -ov(a), -ski, -enko
FOREIGN_ENDINGS = ("يتش", "وف", "وفا", "سكي", "ينكو", "يفا", "يتشي")
_ORDINALS = frozenset({"اول", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع", "عاشر"})
_CLITIC_ARTICLE = ("بال", "وال", "فال", "كال", "لل")
# Places and institutions named after a person: the name after them (and its title) is part of their own name.
_FACILITIES = frozenset(match_key(w) for w in (
    "مطار", "قاعده", "مستشفي", "مدينه", "شارع", "طريق", "جسر", "ملعب", "استاد", "مسجد", "قصر", "ميناء", "حي",
    "برج", "مجمع", "جايزه", "كرسي", "قاعه", "منتزه", "متنزه", "حديقه", "حدايق", "جامع", "مدرسه", "كليه", "جامعه", "مركز", "معهد",
    "مكتبه", "مؤسسه", "صندوق", "برنامج", "مشروع", "منحه"))
_NOBLE = frozenset({"ملك", "امير", "شيخ", "سلطان", "امام"})
# Priority when two candidates cover the same length: gazetteer evidence beats patterns.
_PRIORITY = {"media_name": -1, "gazetteer": 0, "org_head": 1, "title": 2, "given_name": 3, "place_trigger": 4, "speaker": 5, "nationality": 6, "type_noun": 1}
# What follows a speaker's name: "قال بلير إن …", "وأضاف سولانا في …", "قالت رايس أمس …"
# What follows a speaker's name only (not a name in general): قال كورت الذي …، أعرب بيريز عن …
_AFTER_SPEAKER_ONLY = frozenset({"الذي", "التي", "عن", "بان", "بانه", "بانها", "وهو", "وهي"})
_AFTER_SPEAKER = frozenset({"ان", "انه", "انها", "في", "امس", "اليوم", "خلال", "لدي", "عقب", "بعد", "ل", "من"})


_HAMZA_ALEFS = "أإآ"  # an alef the article never carries: أل / إل begin a word, not an article


def is_link(tokens, k: int) -> bool:
    """A word that joins the parts of a name (بن، آل، أبو، فون …), or the second particle of a pair (فون دير)."""
    norm = tokens[k].norm
    if norm in _LINK_WORDS:
        return True
    return norm in _SECOND_WORDS and k > 0 and norm in _SECOND_PARTICLES.get(tokens[k - 1].norm, ())


def is_definite(token: Token) -> bool:
    """Whether a word begins with the article. The article's alef never carries a hamza, so a written أل / إل
    begins a name, not an article: ألونسو، ألبرتين، إلهام."""
    return token.norm.startswith("ال") and token.text[:1] not in _HAMZA_ALEFS


class _Cue(NamedTuple):
    """One reading of a word and the rules it can open."""

    reading: str
    key: str
    organization: bool  # first word of a listed organization
    place: bool  # first word of a listed place
    person: bool  # first word of a listed public figure
    type_noun: bool  # صحيفة، شركة …: a proper name follows
    org_head: bool  # وزارة، هيئة …: opens an organization
    title: bool  # first word of a title or office
    given_name: bool
    nationality: bool
    speech_verb: bool
    place_trigger: bool  # مدينة، محافظة … (without the article)


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
        self._persons = _index_by_first(self.lex.persons)
        self._titles = _index_by_first(self.lex.titles)
        self._roles = {phrase[0] for phrase in self.lex.roles if len(phrase) == 1}  # one-word offices and roles
        self._cues = WordMemo(self._word_cues)  # word as written -> the rules it can open

    # -- public --------------------------------------------------------------------------------------------
    def extract_all(self, texts: list[Tokens]) -> list[list[Mention]]:
        return list(map(self.extract, texts))

    def extract(self, tokens: Tokens) -> list[Mention]:
        keys = tokens.keys
        # (-length, priority, first, last, type, reading of the first word); surfaces only for the chosen ones
        candidates: list[tuple[int, int, int, int, str, str | None]] = []

        def add(kind: str, etype: str, first: int, last: int, reading: str | None = None, name: str | None = None):
            candidates.append((first - last - 1, _PRIORITY[kind], first, last, etype, reading, name))

        # Which rules a word can open is decided once per distinct word (its cues); the loop visits only the
        # words that have some, without a Python-level pass over the others.
        cues_at = list(map(self._cues.__getitem__, tokens.words))
        for i in compress(range(len(tokens)), cues_at):
            token = tokens[i]
            for cue in cues_at[i]:
                reading, key = cue.reading, cue.key
                if cue.organization:
                    self._listed(self._orgs, self.lex.organizations, "organization", tokens, keys, i, cue, add)
                if cue.place:
                    self._listed(self._places, self.lex.locations, "location", tokens, keys, i, cue, add)
                if cue.person:
                    self._listed(self._persons, self.lex.persons, "person", tokens, keys, i, cue, add)
                if key == _CANAL and i + 1 < len(tokens) and self._listed_at(tokens, keys, i + 1):
                    continue  # قناة السويس، قناة بنما: a canal named after a place, not a channel
                if cue.type_noun and i + 1 < len(tokens) and (
                        key in _MEDIA or not is_definite(tokens[i + 1])):
                    # صحيفة «الوفاق»، شركة توتال، قناة الجزيرة: the name after the kind of body, not the kind
                    span = self._proper_name_after(tokens, keys, i + 1, definite=key in _MEDIA)
                    if span:
                        add("type_noun", "organization", *span)
                    if key in _MEDIA:
                        # صحيفة الشرق الأوسط، قناة الجزيرة: a place name right after a medium names the medium
                        for next_reading, next_key in tokens[i + 1].readings[:1]:
                            length = self._phrase_at(self._places, next_key, keys, tokens, i + 1)
                            if length:
                                add("media_name", "organization", i + 1, i + length, next_reading)
                    continue
                if cue.org_head:
                    last = self._org_complement(tokens, keys, i)
                    if (last > i and not self._described_only(reading, tokens[i + 1:last + 1])
                            and not self._named_inside(tokens, keys, i + 1, last)):
                        add("org_head", "organization", i, last, reading)
                title_length = self._phrase_at(self._titles, key, keys, tokens, i) if cue.title else 0
                if title_length == 1 and self.lex.titles[(key,)].startswith("ال") and not reading.startswith("ال"):
                    title_length = 0  # الصحفي is a title, صحفي an adjective (مؤتمر صحفي)
                if title_length and self.names_facility(tokens, i):
                    title_length = 0  # مطار الملك خالد، قاعدة الملك فهد الجوية: a facility named after a person
                if title_length:
                    span = self._name_after(tokens, keys, i + title_length, after_title=True)
                    if span and not self._feminine_verb(tokens, i + title_length - 1, span[0]):
                        add("title", "person", *span)
                if cue.given_name and not (i > 0 and not token.gap and (tokens[i - 1].key,) in self.lex.titles
                                           and self.names_facility(tokens, i - 1)):
                    span = self._name_after(tokens, keys, i, after_title=False)
                    if span and (span[1] > span[0] or (reading not in self.lex.common_word_names
                                                        and self._lone_name_ends(tokens, span[0]))):
                        add("given_name", "person", span[0], span[1], reading)
                if (cue.nationality and not cue.place and i + 1 < len(tokens) and not tokens[i + 1].gap
                        and not is_definite(tokens[i + 1])
                        and (i == 0 or token.gap or not tokens[i - 1].norm.startswith(("ال", *_CLITIC_ARTICLE)))):
                    # الفرنسي جيولي after a verb or preposition; not الاقتصاد الإسرائيلي (an adjective)
                    span = self._name_after(tokens, keys, i + 1, after_title=True)
                    if span:
                        add("nationality", "person", *span)
                if cue.speech_verb and i + 1 < len(tokens) and not tokens[i + 1].gap:
                    span = self._speaker_after(tokens, keys, i + 1)
                    if span:
                        add("speaker", "person", *span)
                if (cue.place_trigger and i + 1 < len(tokens)
                        and not tokens[i + 1].gap and self._is_name_word(tokens, keys, i + 1, 0)):
                    add("place_trigger", "location", i + 1, i + 1)
        return self._resolve(tokens, candidates)

    def _listed(self, table, names, etype: str, tokens, keys, i: int, cue: _Cue, add) -> None:
        """A gazetteer phrase starting at token i (first word read as `cue`), displayed as its listed name when
        it is a declared alias."""
        length = self._phrase_at(table, cue.key, keys, tokens, i)
        if length:
            phrase = (cue.key, *keys[i + 1:i + length])
            alias_of = names.get(phrase)
            if (length == 1 and cue.reading.startswith("ال") and cue.reading.endswith("ي")
                    and not normalize(alias_of).startswith("ال")):
                return  # التشيلي، الكوري: with the article, a place named like a nisba is the adjective
            written = tokens[i].norm
            if phrase in self.lex.definite and not (
                    cue.reading.startswith("ال") or written[:len(written) - len(cue.reading)].endswith("لل")):
                return  # a name listed with the article needs it: جزيرة is an island, الجزيرة the channel
            add("gazetteer", etype, i, i + length - 1, cue.reading,
                alias_of if alias_of and facet_key(alias_of) != facet_key(" ".join(phrase)) else None)

    def _proper_name_after(self, tokens, keys, k: int, *, definite: bool = False):
        """1-3 article-less name words that visibly end (punctuation, a function word, the end); media names
        may be one definite word (قناة الجزيرة، صحيفة الوطن)."""
        if definite and tokens[k].norm.startswith("ال"):
            closes = self._closes_name(tokens, k)
            ok = closes and not self.lex.is_stop(tokens[k].norm) and not tokens[k].norm.endswith(("ي", "يه"))
            return (k, k) if ok else None
        last = k
        while last < len(tokens) and last - k < 3:
            norm = tokens[last].norm
            if (last > k and tokens[last].gap) or is_definite(tokens[last]) or self.lex.is_stop(norm) \
                    or self._looks_like_verb(norm) or _HAS_DIGIT(norm) or len(norm) < 2:
                break
            last += 1
        if last == k or not (last >= len(tokens) or tokens[last].gap or self.lex.is_stop(tokens[last].norm)
                             or tokens[last].norm in _AFTER_SPEAKER):
            return None
        return k, last - 1

    def _word_cues(self, word: str) -> tuple[_Cue, ...]:
        """The readings of a word that can open some rule, with the rules each can open (empty: none)."""
        lex = self.lex
        cues = []
        for reading, key in word_token(word).readings:
            cue = _Cue(reading, key, key in self._orgs, key in self._places, key in self._persons, key in _TYPE_NOUNS,
                       key in lex.org_heads, key in self._titles, self._given_name(reading, word),
                       reading in lex.nationalities, reading in lex.speech_verbs,
                       key in _PLACE_TRIGGERS and not reading.startswith("ال"))
            if any(cue[2:]):
                cues.append(cue)
        return tuple(cues)

    # -- pieces --------------------------------------------------------------------------------------------
    def _given_name(self, reading: str, written: str) -> bool:
        """A known given name, but not a function word that folds onto one: على is not علي (مصطفى and موسى
        are names)."""
        if reading.startswith("ال") and written.lstrip("وفبل")[:1] not in _HAMZA_ALEFS:
            return False  # ألفريد is a name, الفريد "the unique"
        return reading in self.lex.first_names and not ("ى" in written and reading in self.lex.maqsura_stops)

    def _phrase_at(self, table, key, keys, tokens, i) -> int:
        """Length of the longest phrase of `table` starting at token i (first word read as `key`), or 0."""
        for phrase in table.get(key, ()):
            end = i + len(phrase)
            if end <= len(tokens) and all(
                keys[i + k] == phrase[k] and not tokens[i + k].gap for k in range(1, len(phrase))
            ):
                return len(phrase)
        return 0

    def _described_only(self, head: str, complement) -> bool:
        """A description, not a name: الحكومة المصرية، الإدارة الأمريكية (a definite head with one
        nationality-style adjective; named ones such as الاتحاد الأوروبي come from the gazetteer), or a head
        whose complement is only generic words or an ordinal: مجلس الإدارة، الهيئة العامة، قوات الأمن، المركز الثالث."""
        if all(t.key in _GENERIC or t.key in self.lex.org_heads or t.key in _ORDINALS for t in complement):
            return True
        if not head.startswith("ال") or len(complement) != 1:
            return False
        word = complement[0].norm
        return word.startswith("ال") and word.endswith(("ي", "يه"))

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
            if k > head + 1 and self._describes(tokens, k):
                break
            if norm.startswith("ال") or previous in _NOBLE or keys[k] in self._places or keys[k] in self._orgs:
                last = k
            elif (specified or previous in _SPECIFIER) and norm[:3] in ("بال", "وال", "لل"):
                last = k
            else:
                break
            specified = specified or keys[k] in _SPECIFIER
        return last

    def _describes(self, tokens, k: int) -> bool:
        """A definite word after a body's name that describes it rather than names it: a participle taking its
        own complement (مجلس الأمن المؤلف من، الحكومة المحاصرة بالمشكلات) or a plural agreeing with people
        (سفراء الاتحاد الأوروبي المعتمدين)."""
        norm = tokens[k].norm
        if not norm.startswith("ال") or tokens[k].key in _SPECIFIER or norm.endswith(("ي", "يه")):
            return False
        if norm.endswith(("ين", "ون")) and len(norm) > 5:
            return True
        if k + 1 >= len(tokens) or tokens[k + 1].gap or not norm.startswith(("الم", "الت")):
            return False
        following = tokens[k + 1].norm
        return self.lex.is_stop(following) or following.startswith(("بال", "لل"))

    def _named_inside(self, tokens, keys, first: int, last: int) -> bool:
        """Whether a head's complement is only a listed place or organization, with nothing after it but
        adjectives: قوات الأمم المتحدة، حكومة كوبا، بحركة طالبان الأصولية name the listed entity, found on its
        own. A specified body stays whole: مكتب الأمم المتحدة المعني بالمخدرات والجريمة."""
        for _, key in tokens[first].readings:
            length = (self._phrase_at(self._orgs, key, keys, tokens, first)
                      or self._phrase_at(self._places, key, keys, tokens, first))
            if length:
                return all(tokens[k].norm.startswith("ال") and tokens[k].norm.endswith(("ي", "يه"))
                           and keys[k] not in _SPECIFIER for k in range(first + length, last + 1))
        return False

    def _foreign_surname(self, tokens, keys, k: int) -> bool:
        """A transliterated surname that merely looks like a verb or verbal noun (يانكوفيتش، تورسونوف، سيلفا):
        an ending Arabic words do not have, or a long word where the name visibly ends."""
        token = tokens[k]
        norm = token.norm
        if token.gap or is_definite(token) or self.lex.is_stop(norm) or _HAS_DIGIT(norm) or keys[k] in self._places:
            return False
        return norm.endswith(FOREIGN_ENDINGS)

    def _listed_at(self, tokens, keys, k: int) -> bool:
        """Whether a listed place or organization starts at token k (the whole phrase, not only its first
        word: دير الزور is a place, دير in فون دير لاين is not)."""
        key = keys[k]
        return bool((key in self._places and self._phrase_at(self._places, key, keys, tokens, k))
                    or (key in self._orgs and self._phrase_at(self._orgs, key, keys, tokens, k)))

    def _looks_like_verb(self, norm: str) -> bool:
        """Imperfect verbs (يلتقي، ستزور) and words carrying object/possessive pronouns (صلاحياته، عقدها)."""
        if norm in self.lex.first_names or len(norm) < 4:
            return False
        return (norm[0] == "ي" or norm[:2] in ("سي", "ست", "سن")
                or (len(norm) >= 5 and norm.endswith(_PRONOUN_SUFFIXES)))

    def _verb_shaped(self, token: Token) -> bool:
        """_looks_like_verb, unless the word is written with a final ة: no verb or pronoun suffix ends in one
        (العطية، الغامدية)."""
        return self._looks_like_verb(token.norm) and not token.plain.endswith("ة")

    def _looks_like_verbal_noun(self, token: Token) -> bool:
        """Verb and verbal-noun patterns that surnames rarely have: ت + three letters or more (تزايد، تجاوز،
        تناولت), and the افتعال / استفعال nouns (ارتفاع، اجتماع، استقبال) — never a known given name."""
        norm = token.norm
        if len(norm) < 4 or norm in self.lex.first_names:
            return False
        return norm[0] == "ت" or (len(norm) >= 5 and norm[0] == "ا" and norm[2] == "ت") or norm.startswith("است")

    def _is_name_word(self, tokens, keys, k, position: int, *, after_title: bool = False) -> bool:
        """Whether token k can stand at `position` of a personal name."""
        token = tokens[k]
        norm = token.norm
        if position > 0 and keys[k] in _ORDINALS:
            return True  # عبدالله الثاني
        if after_title and position == 0 and self._given_name(norm, token.text):
            return True  # الإمام علي: a given name, though "على" folds to the same letters
        if len(norm) < 2 or _HAS_DIGIT(norm) or self.lex.is_stop(norm) or norm.isascii():
            return False  # (a word in Latin letters is no part of a name written in Arabic: ارسل رسالة SMS)
        if (len(norm) >= 4 and token.plain.endswith("ه") and not token.plain.endswith("يه")
                and norm not in self.lex.first_names):
            return False  # حديثه، مواقفه: a possessive ـه (names end in ة, or in ـيه as جوزيه، روجيه)
        key = keys[k]
        if key in self.lex.org_heads or key in self._titles or key in _TYPE_NOUNS or key in self._roles or (
                key[0] in "وف" and (key[1:] in self._titles or key[1:] in self.lex.org_heads)):
            return False  # وسمو، ووزارة: a title or a body with a conjunction attached opens the next phrase
        if norm.startswith(_CLITIC_ARTICLE):
            # بالمخدرات، للأمم: preposition + article opens a noun phrase — unless it closes the name (سفيان بالخير،)
            if position == 0 or (k + 1 < len(tokens) and not tokens[k + 1].gap):
                return False
        if position == 0:
            if is_definite(token) and norm not in self.lex.first_names:
                return False
            if after_title and norm[0] == "و" and len(norm) >= 4 and norm not in self.lex.first_names:
                return False  # مع السعودية وخالفوا …: a conjunction after a title opens a clause, not a name
            if (keys[k] in self._places or keys[k] in self._orgs) and norm not in self.lex.first_names:
                return False  # وزير خارجية روسيا: a place or body, not a name
            if norm[0] in "لب" and norm not in self.lex.first_names:
                # لشؤون المغتربين، بحضور: a preposition attached to a noun. After a title, a ل/ب word opens a
                # name only when a plain (article-less) name word follows: برويز مشرف.
                following = k + 1 < len(tokens) and not tokens[k + 1].gap and not is_definite(tokens[k + 1])
                if not (after_title and following and self._is_name_word(tokens, keys, k + 1, 1)):
                    return False
            if after_title and norm not in self.lex.first_names and self._looks_like_verbal_noun(token):
                return False  # الرئيس السوري ترسيم الحدود، الوزير تشكيل …: the verbal noun is an object
            if self._verb_shaped(token) or (not after_title and norm[0] in "تن" and len(norm) >= 4
                                               and norm not in self.lex.first_names):
                # After a title a verb-like first word is a name only if another name word follows it
                # (توني بلير) — never when the sentence goes on (تبحث مع).
                return after_title and k + 1 < len(tokens) and not tokens[k + 1].gap and self._is_name_word(
                    tokens, keys, k + 1, 1)
            return True
        if norm[0] == "و" and len(norm) >= 4 and norm not in self.lex.first_names:
            return False  # فاطمة ووالد، عثمان وقتل، جمال حمزة ومصطفى جعفر: a conjunction ends the name
        return not self._verb_shaped(token)

    def _speaker_after(self, tokens, keys, k: int):
        """A one- or two-word name right after a reporting verb, when what follows it shows the name ended."""
        for length in (2, 1):
            last = k + length - 1
            if last >= len(tokens) or any(tokens[j].gap for j in range(k + 1, last + 1)):
                continue
            if not all(self._plain_name_word(tokens, keys, j) for j in range(k, last + 1)):
                continue
            if length == 2 and self._looks_like_verbal_noun(tokens[last]):
                continue  # وتوقع فارس تزايد …: the name is one word, a verb or verbal noun follows
            if last + 1 == len(tokens) or tokens[last + 1].gap or tokens[last + 1].norm in _AFTER_SPEAKER:
                return k, last
            following = tokens[last + 1]
            if following.norm in _AFTER_SPEAKER_ONLY or following.key in self._roles:
                return k, last  # قال بلير الذي …، أكد كورت مدير …: a relative or the speaker's office follows
        return None

    def _plain_name_word(self, tokens, keys, k: int) -> bool:
        """A word that can be a speaker's bare name: not a listed place or organization, not a title or
        function word, not a verb; a preposition-looking first letter is fine here (وقال بلير في …)."""
        norm = tokens[k].norm
        if self._given_name(norm, tokens[k].text):
            return True
        if len(norm) < 3 or keys[k] in self._places or keys[k] in self._orgs or norm.startswith(_CLITIC_ARTICLE):
            return False
        if is_definite(tokens[k]):
            # وقال الديوان، وكشفت الصحافة: after a reporting verb a definite word is a body or a noun; the
            # definite surnames of public figures (السنيورة) come from the gazetteer
            return False
        return self._is_name_word(tokens, keys, k, 0, after_title=True) or (
            norm[0] in "لب" and self._is_name_word(tokens, keys, k, 1))

    def _feminine_verb(self, tokens, title_end: int, first: int) -> bool:
        """After a feminine title (الوزيرة، الملكة), a first word that begins or ends with ت is the verb she is
        the subject of (الوزيرة الأميركية صرحت، الملكة تحمل), unless it is a known given name."""
        word = tokens[first]
        if not tokens[title_end].plain.endswith("ة") or word.norm in self.lex.first_names or len(word.norm) < 3:
            return False
        return word.norm.endswith("ت") or word.norm.startswith("ت")

    @staticmethod
    def names_facility(tokens, title: int) -> bool:
        """Whether the title at `title` follows a facility noun (مطار الملك خالد): the name is the facility's."""
        return title > 0 and not tokens[title].gap and tokens[title - 1].key in _FACILITIES

    def _lone_name_ends(self, tokens, k) -> bool:
        """A given name alone is a mention where punctuation or a function word visibly ends it (وكان حمدان،
        قتلة عثمان .); not before a name link (بندر بن …), where the name goes on."""
        return self._closes_name(tokens, k) and (
            k + 1 >= len(tokens) or tokens[k + 1].gap or tokens[k + 1].norm not in _LINK_WORDS)

    def _closes_name(self, tokens, k) -> bool:
        """What follows token k shows a name ending there: punctuation, the end of the text, a name link
        (بن، آل), or a function word (أمس، في، الذي، أن …)."""
        if k + 1 >= len(tokens) or tokens[k + 1].gap:
            return True
        following = tokens[k + 1].norm
        return following in _LINK_WORDS or following in _AFTER_SPEAKER or self.lex.is_stop(following)

    def _name_after(self, tokens, keys, start: int, *, after_title: bool):
        """(first, last) of a personal name that starts at `start`, or None."""
        k = start
        if after_title:
            # Skip nationality and role adjectives: الرئيس الأمريكي باراك أوباما
            skipped = 0
            while (k < len(tokens) and skipped < 2 and not tokens[k].gap and tokens[k].norm.startswith("ال")
                   and tokens[k].norm.endswith(("ي", "يه")) and keys[k] not in self._places
                   and tokens[k].norm not in self.lex.first_names and not self.lex.is_stop(tokens[k].norm)):
                k += 1  # (not الذي / التي: القاضي الذي رفض … has no name)
                skipped += 1
            if (skipped and k + 1 < len(tokens) and keys[k] in self._places and not tokens[k + 1].gap
                    and keys[k + 1] not in self._places and self._is_name_word(tokens, keys, k + 1, 1)):
                # رئيسة الوزراء الإيطالية جورجيا ميلوني: the country is already named, so a place name here
                # is a given name
                tail = self._name_after(tokens, keys, k + 1, after_title=False)
                if tail:
                    return k, tail[1]
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
            if skipped_body and k < len(tokens) and tokens[k].gap and k + 1 < len(tokens):
                span = self._name_after(tokens, keys, k, after_title=False)
                if span and span[1] > span[0] and (span[1] + 1 >= len(tokens) or tokens[span[1] + 1].gap):
                    return span  # a two-word or longer apposition closed by punctuation
                return None
        if k >= len(tokens) or (after_title and tokens[k].gap):
            return None  # "الرئيس: ..." — punctuation right after the title, no name follows
        first = k
        words = 0  # name words, not counting links (بن، آل، عبد، أبو)
        allowance = 3
        while k < len(tokens):
            if k > first and tokens[k].gap:
                break
            norm = tokens[k].norm
            if k > first and is_link(tokens, k):
                allowance += 1  # محمد بن راشد آل مكتوم: each link carries one more word
                k += 1
                continue
            if words >= allowance:
                break
            surname = k > first and self._foreign_surname(tokens, keys, k)
            if not surname and not self._is_name_word(tokens, keys, k, k - first, after_title=after_title):
                break
            if (k > first and not surname and not is_link(tokens, k - 1)
                    and self._looks_like_verbal_noun(tokens[k])):
                break  # فارس تزايد، صبري عقد اجتماعا: the sentence goes on after the name
            if words >= 2 and not is_link(tokens, k - 1) and not self._closes_name(tokens, k):
                break  # a third word belongs to the name only where the name visibly ends (محمد شياع السوداني،)
            if k > first and self._listed_at(tokens, keys, k) and not (
                    k == first + 1 and (keys[k],) in self.lex.organizations
                    and self._given_name(tokens[first].norm, tokens[first].text)):
                break  # وزير خارجية روسيا; but a company named after a family is a surname: هيلين فورد
            if k > first and is_definite(tokens[k]) and keys[k] not in _ORDINALS:
                previous = tokens[k - 1].norm
                compound = k - 2 >= first and is_link(tokens, k - 2)  # عبد الكريم الخطابي
                if is_definite(tokens[k - 1]) and not is_link(tokens, k - 1) and not compound:
                    break  # بشار الأسد | المجتمع الدولي: two definite words in a row leave the name
            k += 1
            if not (k - 1 == first and norm in _LINK_WORDS):
                words += 1  # عبد ربه منصور هادي: a leading عبد / أبو is part of the next word
        last = k - 1
        while last >= first and is_link(tokens, last):
            last -= 1  # a name does not end on بن / أبو
        if last < first:
            return None
        return first, last

    @staticmethod
    def _resolve(tokens, candidates) -> list[Mention]:
        """Longest first, then the stronger evidence; no two mentions share a token. A listed public figure is a
        whole name: a pattern that runs on past it from the same word (وكرر بوش موقفه) does not count."""
        listed = {c[2]: c[3] for c in candidates if c[1] == _PRIORITY["gazetteer"] and c[4] == "person"
                  and (c[3] + 1 >= len(tokens) or tokens[c[3] + 1].norm not in _LINK_WORDS)}  # … بن عبدالعزيز
        if listed:
            candidates = [c for c in candidates if c[4] != "person" or c[3] <= listed.get(c[2], c[3])]
        taken: set[int] = set()
        chosen: list[Mention] = []
        for _, _, first, last, etype, reading, name in sorted(candidates, key=lambda c: c[:3]):
            span = range(first, last + 1)
            if taken.isdisjoint(span):
                taken.update(span)
                chosen.append(Mention(etype, first, last, name or mention_surface(tokens, first, last, reading)))
        return sorted(chosen, key=lambda m: m.first)
