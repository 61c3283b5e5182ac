"""The statistical extractor: a linear-chain CRF over word features, with the rules' own decisions among its
features (stacking), trained on CoNLL data by `akhbar train entities` (`make model` builds the shipped one).

On by default: the package ships a model (entities/data/entity-model-network.xz: this CRF with a network beside it,
entities.network; entity-model.xz is the CRF alone); AKHBAR_ENTITY_MODEL picks another, `crf` or `none`. The rules
still canonicalize and propagate its mentions. Word classes learned from unlabeled news
(entities.clusters), the corpus label profile a first model made of that news (entities.profile, self-training) and
the spelling model learned from that profile (entities.spelling) and each word's proper-noun band from a POS
tagger's reading of the same news (entities.proper_nouns) travel in the same model file, an xz-compressed pickle
that holds the CRFsuite model itself, so using one needs python-crfsuite and nothing heavier.
"""
from __future__ import annotations

import lzma
import pickle
import re
import sys
from functools import lru_cache
from itertools import compress
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Callable, Iterable

from indexer.enrich.entities.base import Mention, Token, mention_surface
from indexer.enrich.tokens import Tokens, WordMemo, word_token
from indexer.enrich.entities.clusters import LEVEL_NAMES, classes_of
from indexer.enrich.entities.combine import reconcile
from indexer.enrich.entities.lexicon import Lexicon, lexicon
from indexer.enrich.entities.profile import PROFILE_NAMES, label_shares, profile_features, profile_of
from indexer.enrich.entities.proper_nouns import PROPER_NAME, proper_features, proper_flags
from indexer.enrich.entities.spelling import SPELLING_NAMES, Spelling, spelling_features, train_spelling
from indexer.enrich.entities.rules import FOREIGN_ENDINGS, RuleExtractor, is_definite
from indexer.enrich.entities.steps import Steps, viterbi

_BIO = {"person": "PERS", "organization": "ORG", "location": "LOC"}
_TYPES = {v: k for k, v in _BIO.items()}


def rule_tags(tokens: Tokens, rules: RuleExtractor, found: list[Mention] | None = None) -> list[str]:
    """The rules' decisions as BIO tags (`found`: their mentions, when already extracted)."""
    tags = ["O"] * len(tokens)
    for mention in rules.extract(tokens) if found is None else found:
        label = _BIO[mention.type]
        tags[mention.first] = f"B-{label}"
        for k in range(mention.first + 1, mention.last + 1):
            tags[k] = f"I-{label}"
    return tags


def _word_features(token: Token, lex: Lexicon, places, orgs, titles, person_words,
                   classes, profile=None, spelling=None, proper=None) -> dict[str, str | bool]:
    norm, key = token.norm, token.key
    stem = token.readings[-1][1]  # the most stripped reading
    readings = [reading for reading, _ in token.readings]
    return {
        "key": key,
        "stem": stem,
        "clitics": norm[:len(norm) - len(readings[-1])],
        "pre1": norm[:1],
        "pre2": norm[:2],
        "pre3": norm[:3],
        "suf2": norm[-2:],
        "suf3": norm[-3:],
        "stem_suf1": stem[-1:],
        "stem_suf4": stem[-4:],
        "len": str(min(len(norm), 8)),
        **_lexicon_flags(token, readings, lex, places, orgs, titles, person_words),
        **(dict(zip(LEVEL_NAMES, classes_of(token, classes))) if classes else {}),
        **(profile_features(token, profile) if profile else {}),
        **(spelling_features(token, spelling) if spelling else {}),
        **(proper_features(token, proper) if proper else {}),
    }


def _lexicon_flags(token: Token, readings: list[str], lex: Lexicon, places, orgs, titles,
                   person_words) -> dict[str, bool]:
    """The word's yes/no features: its spelling and its membership in the rules' lists (also the network's
    flags: network.FLAG_COUNT of them)."""
    norm, keys = token.norm, token.keyset
    return {
        "article": is_definite(token),
        "foreign": norm.endswith(FOREIGN_ENDINGS),
        "nationality": not lex.nationalities.isdisjoint(readings),
        "digit": _HAS_DIGIT(norm) is not None,
        "latin": _HAS_LATIN(norm) is not None,
        "gap": token.gap,
        "first_name": not lex.first_names.isdisjoint(readings),
        "stop": lex.is_stop(norm),
        "title": not titles.isdisjoint(keys),
        "org_head": not lex.org_heads.isdisjoint(keys),
        "speech": not lex.speech_verbs.isdisjoint(readings),
        "place_start": not places.isdisjoint(keys),
        "org_start": not orgs.isdisjoint(keys),
        "person_word": not person_words.isdisjoint(keys),  # a word of a listed public figure
    }


_HAS_DIGIT = re.compile(r"\d").search
_HAS_LATIN = re.compile("[a-z]").search


def _as_strings(features: dict[str, str | bool], prefix: str = "", only: tuple[str, ...] | None = None) -> list[str]:
    """CRFsuite attributes: `name=value` for strings, `name` for a true flag (false flags are left out)."""
    names = only if only is not None else tuple(features)
    out = []
    for name in names:
        value = features[name]
        if value is True:
            out.append(f"{prefix}{name}")
        elif value is not False:
            out.append(f"{prefix}{name}={value}")
    return out


_NEIGHBOUR = ("key", "suf2", "first_name", "title", "stop", "speech", "org_head", "article", "gap", "nationality",
              "person_word", *LEVEL_NAMES[1:])
# for the immediate neighbours only
_NEAR = ("stem", "pre2", "suf3", "place_start", "org_start", "foreign", "clitics", *LEVEL_NAMES[:1], *PROFILE_NAMES,
         *SPELLING_NAMES, PROPER_NAME)
_OFFSETS = (-2, -1, 1, 2)
_TAGS = ("O", *(f"{p}-{t}" for t in _BIO.values() for p in "BI"))
# offset -> tag -> the attribute string "offset:rule=tag" (0: the token's own "rule=tag"), built once
_RULE_ATTRIBUTES = {offset: {tag: f"{offset}:rule={tag}" if offset else f"rule={tag}" for tag in _TAGS}
                    for offset in (0, *_OFFSETS)}
# Words whose attribute lists are kept per process (~1 KB each, their strings shared); the most frequent words
# are met first.
WORDS_CACHED = 120_000


def sentences(tokens: Tokens) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a text: the model tags sentence by sentence, as it was trained."""
    bounds = [0, *tokens.sentence_starts, len(tokens)]
    return list(zip(bounds, bounds[1:]))


class Featurizer:
    """Token features as CRFsuite attribute strings; each word's strings are built once and reused.

    `known`: the attributes a trained model weighs. Others change nothing in its decisions, so they are dropped
    before caching (an L1-trained model weighs a small part of what training saw). `remember`: keep each word's
    strings (training); the tagger keeps each word's summed scores instead. `profile`: the corpus label profile
    (entities.profile) of a model trained a second time, and `spelling`, the spelling model learned from it
    (entities.spelling); `proper`: each word's proper-noun band (entities.proper_nouns)."""

    def __init__(self, classes: dict[str, tuple[str, ...]] | None = None, known: frozenset[str] | None = None,
                 remember: bool = True, profile: dict[str, tuple[str, ...]] | None = None,
                 spelling: Spelling | None = None, proper: dict[str, str] | None = None):
        self.classes = classes
        self.proper = proper
        self.profile = profile
        self.spelling = spelling
        self.known = known
        self.remember = remember
        self.lex = lexicon()
        self.rules = RuleExtractor(self.lex)
        self.places = {p[0] for p in self.lex.locations}
        self.orgs = {p[0] for p in self.lex.organizations}
        self.titles = {p[0] for p in self.lex.titles}
        self.person_words = {word for name in self.lex.persons for word in name}
        # (word, gap) -> (own attributes, (attributes as seen from a neighbour at each of _OFFSETS))
        self._words: dict[tuple[str, bool], tuple[list[str], tuple[list[str], ...]]] = {}
        self._strings: dict[str, str] = {}  # one object per distinct attribute string (most are common to many)

    def word(self, token: Token) -> tuple[list[str], tuple[list[str], ...]]:
        """A word's own attributes, and its attributes as seen from a neighbour at each of _OFFSETS."""
        cache_key = (token.text, token.gap)
        cached = self._words.get(cache_key)
        if cached is None:
            features = self.features(token)
            cached = (self._weighed(_as_strings(features)), tuple(
                self._weighed(_as_strings(features, f"{offset}:", [name for name in _NEIGHBOUR + (
                    _NEAR if abs(offset) == 1 else ()) if name in features]))
                for offset in _OFFSETS))
            if self.remember and len(self._words) < WORDS_CACHED:  # bounded: frequent words are met first
                self._words[cache_key] = cached
        return cached

    def features(self, token: Token) -> dict[str, str | bool]:
        """The word's own feature values, from the lexicon and the corpus tables this featurizer holds."""
        return _word_features(token, self.lex, self.places, self.orgs, self.titles, self.person_words,
                              self.classes, self.profile, self.spelling, self.proper)

    def flags(self, token: Token) -> list[bool]:
        """The word's lexicon flags alone (the network's inputs), in their order."""
        readings = [reading for reading, _ in token.readings]
        return list(_lexicon_flags(token, readings, self.lex, self.places, self.orgs, self.titles,
                                   self.person_words).values())

    def network_flags(self, token: Token) -> list[bool]:
        """The network's 0/1 inputs: the lexicon flags, then the proper-noun band's flags (with bands)."""
        return self.flags(token) + proper_flags(token, self.proper)

    def _weighed(self, attributes: list[str]) -> list[str]:
        """The attributes the model weighs, each string shared with every other word that has it."""
        if self.known is None:
            return attributes
        shared = self._strings
        return [shared.setdefault(a, a) for a in attributes if a in self.known]

    def __call__(self, tokens: Tokens) -> list[list[list[str]]]:
        """The attribute lists of each sentence's tokens (what CRFsuite trains on)."""
        words = list(map(self.word, tokens))
        rules = rule_tags(tokens, self.rules)
        return [self._sentence(words[start:end], rules[start:end]) for start, end in sentences(tokens)]

    @staticmethod
    def _sentence(words, rules) -> list[list[str]]:
        # For each offset, what token i sees there: (that word's view from this offset, its rule tag), aligned
        # on i, with an edge marker beyond the sentence. The items are then built by list displays, in C.
        views = list(map(itemgetter(1), words))
        sides = []
        for index, offset in enumerate(_OFFSETS):
            seen = list(map(itemgetter(index), views))
            seen_rules = list(map(_RULE_ATTRIBUTES[offset].__getitem__, rules))
            pad = min(abs(offset), len(words))
            if offset < 0:
                sides += [[[]] * pad + seen[:offset], [f"{offset}:edge"] * pad + seen_rules[:offset]]
            else:
                sides += [seen[offset:] + [[]] * pad, seen_rules[offset:] + [f"{offset}:edge"] * pad]
        own_rules = list(map(_RULE_ATTRIBUTES[0].__getitem__, rules))
        return [["bias", own_rule, *own, *a, a_rule, *b, b_rule, *c, c_rule, *d, d_rule]
                for own, own_rule, a, a_rule, b, b_rule, c, c_rule, d, d_rule
                in zip(map(itemgetter(0), words), own_rules, *sides)]


def tags_to_mentions(tokens: Tokens, tags: list[str], rank: dict[str, int] | None = None) -> list[Mention]:
    mentions, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (prefix != "I" or kind != label):
            reading = tokens[start].readings[_reading_index(tokens[start], rank or {})][0]
            mentions.append(Mention(_TYPES[label], start, i - 1, mention_surface(tokens, start, i - 1, reading)))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, kind
    return mentions


def _reading_index(token: Token, rank: dict[str, int]) -> int:
    """Which clitic reading of a mention's first word to display. A letter is taken for a clitic only on
    evidence that the word without it is the word: the first reading a gazetteer or the given names know
    (للأمم → الأمم), else the reading most frequent in the news the word classes were learned from (فرانس is
    far more frequent than رانس, so its ف stays), else the word without a leading و — the conjunction, which
    no unlisted name begins with in practice — else the word as written."""
    lex = lexicon()
    for index, (reading, key) in enumerate(token.readings):
        if (key,) in lex.locations or (key,) in lex.organizations or reading in lex.first_names:
            return index
    known = [(rank[key], index) for index, (_, key) in enumerate(token.readings) if key in rank]
    if known:
        return min(known)[1]
    if len(token.readings) > 1 and token.norm[:1] == "و":
        return 1
    return 0


_GAP = attrgetter("gap")


class CrfExtractor:
    """Tags with the weights of a CRFsuite model, read once: each word's score per label (its own attributes, and
    as a neighbour at each offset) is summed once per word and cached, a token's scores are then a few array
    sums, and Viterbi runs over all the sentences of an article at once. Same decisions as CRFsuite's own
    tagger (tests compare them), several times faster on long texts."""

    def __init__(self, crfsuite_model: bytes, classes: dict[str, tuple[str, ...]] | None = None,
                 profile: dict[str, tuple[str, ...]] | None = None, spelling: Spelling | None = None,
                 network: dict | None = None, proper: dict[str, str] | None = None):
        import numpy as np
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(crfsuite_model)
        info = tagger.info()
        self.labels = tuple(tagger.labels())
        self._label_array = np.array(self.labels, dtype=object)
        self.tagger = tagger  # the reference tagger (tests); it reads crfsuite_model in place, so keep that too
        self._model = crfsuite_model
        column = {label: i for i, label in enumerate(self.labels)}
        width = len(self.labels)
        weights: dict[str, np.ndarray] = {}
        for (attribute, label), weight in info.state_features.items():
            weights.setdefault(attribute, np.zeros(width))[column[label]] += weight
        self.transitions = np.zeros((width, width))  # [previous label, label]
        for (previous, label), weight in info.transitions.items():
            self.transitions[column[previous], column[label]] = weight
        self._weights = weights
        self.featurize = Featurizer(classes, frozenset(weights), remember=False, profile=profile, spelling=spelling,
                                    proper=proper)
        self._rank = {word: i for i, word in enumerate(classes or ())}  # the classes run most frequent first
        none = np.zeros(width)
        self._bias = weights.get("bias", none)
        # rule tag -> its row, and per offset (0 = the token itself) the scores each rule tag adds
        self._rule_row = {tag: i for i, tag in enumerate(_TAGS)}
        self._rule_scores = [np.array([weights.get(_RULE_ATTRIBUTES[offset][tag], none) for tag in _TAGS])
                             for offset in (0, *_OFFSETS)]
        self._edge = [weights.get(f"{offset}:edge", none) for offset in _OFFSETS]
        self._nothing = np.zeros((1 + len(_OFFSETS), width))
        self._value_rows = WordMemo(self._value_scores, bound=WORDS_CACHED)  # (feature name, value) -> scores
        self._plain = WordMemo(lambda word: self._word_scores(word_token(word)), bound=WORDS_CACHED)
        self._gapped = WordMemo(lambda word: self._word_scores(word_token(word)._replace(gap=True)),
                                bound=WORDS_CACHED // 4)
        self.network, self._start = None, None  # _start: what opening a sentence on each label adds
        if network is not None:  # the second expert (entities.network): its scores are weighed with these
            from indexer.enrich.entities.network import CRF_SHARE, NetworkTagger

            if network.get("proper_flags") and not proper:
                raise ValueError("its network reads proper-noun bands that the file does not hold")
            flags = self.featurize.network_flags if network.get("proper_flags") else self.featurize.flags
            self.network = NetworkTagger(network, classes, flags, self._rule_row)
            self._net_order = order = [_TAGS.index(label) for label in self.labels]  # in this model's label order
            self._crf_share = w = CRF_SHARE
            # BIO: I-X only after B-X or I-X, and never first
            allowed = np.array([[not (b.startswith("I-") and a[2:] != b[2:]) for b in self.labels]
                                for a in self.labels])
            self.transitions = np.where(allowed, w * self.transitions + (1 - w) * self.network.between[
                np.ix_(order, order)], -1e4)
            self._start = np.where([not label.startswith("I-") for label in self.labels],
                                   (1 - w) * self.network.start[order], -1e4)

    def _word_scores(self, token: Token):
        """(1 + len(_OFFSETS), labels): the scores a word adds to its own token, then to the token at each offset
        from it, as that token's neighbour: the sum of what each of its feature values adds (feature values
        recur across words, so each one's scores are looked up once)."""
        features = self.featurize.features(token)
        rows = self._value_rows
        found = [row for row in map(rows.__getitem__, features.items()) if row is not None]
        return sum(found[1:], found[0]) if found else self._nothing

    def _value_scores(self, item: tuple[str, str | bool]):
        """What one feature value (name, value) adds to its word's token and, as a neighbour, at each offset;
        None when the model weighs it nowhere."""
        import numpy as np

        name, value = item
        if value is False:
            return None
        attribute = name if value is True else f"{name}={value}"
        weights, none = self._weights, self._nothing[0]
        scores = [weights.get(attribute, none)] + [
            weights.get(f"{offset}:{attribute}", none) if name in _NEIGHBOUR or (abs(offset) == 1 and name in _NEAR)
            else none for offset in _OFFSETS]
        return np.array(scores) if any(row is not none for row in scores) else None

    @classmethod
    def load(cls, path: str | Path) -> "CrfExtractor":
        """The model of the file at `path`, loaded once per process; ModelError (one line naming the file and
        what to do) when it is missing, unreadable or from another version."""
        path = Path(path).resolve()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as error:
            reason = (error.strerror or type(error).__name__).lower()
            raise ModelError(f"entity model {path}: {reason}; {_REMEDY}") from None
        return _loaded(path, stamp)

    def scores(self, tokens: Tokens, rule_mentions: list[Mention] | None = None):
        """(tokens, labels): each token's score per label, its neighbours taken within its sentence."""
        return self._scored([tokens], [rule_mentions])[0]

    def _scored(self, texts: list[Tokens], rule_mentions: list[list[Mention] | None]):
        """(scores, steps) of the texts' tokens one after another (the empty texts have none): each token's score
        per label, and the texts' sentences in step. The network (if any) reads all the texts' sentences at once."""
        import numpy as np

        totals, words, tags, bounds = [], [], [], []
        for tokens, found in zip(texts, rule_mentions):
            if not tokens:
                continue
            text_tags = rule_tags(tokens, self.featurize.rules, found)
            text_bounds = sentences(tokens)
            totals.append(self._crf_scores(tokens, text_tags, text_bounds))
            bounds += [(start + len(words), end + len(words)) for start, end in text_bounds]
            words += tokens
            tags += text_tags
        scores, steps = np.concatenate(totals), Steps(bounds)
        if self.network is None:
            return scores, steps
        # the product of experts: the CRF's scores and the network's, weighed (the transitions were, at load)
        network = self.network.emissions(words, tags, steps)[:, self._net_order]
        return self._crf_share * scores + (1 - self._crf_share) * network, steps

    def _crf_scores(self, tokens: Tokens, tags: list[str], bounds: list[tuple[int, int]]):
        """The CRF's own scores of one text's tokens, given the rules' tag of each."""
        import numpy as np

        count = len(tokens)
        rows = list(map(self._plain.__getitem__, tokens.words))
        for i in compress(range(count), map(_GAP, tokens)):
            rows[i] = self._gapped[tokens.words[i]]
        words = np.array(rows)
        rules = np.fromiter(map(self._rule_row.__getitem__, tags), int, count)
        lengths = np.array([end - start for start, end in bounds])
        first = np.repeat([start for start, _ in bounds], lengths)
        end = np.repeat([end for _, end in bounds], lengths)
        position = np.arange(count)
        total = words[:, 0] + self._bias + self._rule_scores[0][rules]
        for index, offset in enumerate(_OFFSETS, start=1):
            seen = position + offset
            inside = (seen >= first) & (seen < end)
            seen = np.clip(seen, 0, count - 1)
            total += np.where(inside[:, None], words[seen, index] + self._rule_scores[index][rules[seen]],
                              self._edge[index - 1])
        return total

    def tag(self, tokens: Tokens, rule_mentions: list[Mention] | None = None) -> list[str]:
        """The best label sequence of each sentence."""
        return self.tag_all([tokens], [rule_mentions])[0]

    def tag_all(self, texts: list[Tokens], rule_mentions: list[list[Mention] | None]) -> list[list[str]]:
        """Each text's labels: the best label sequence of each of its sentences (one Viterbi pass over all the
        texts' sentences in step)."""
        if not any(texts):
            return [[] for _ in texts]
        scores, steps = self._scored(texts, rule_mentions)
        labels = self._label_array[viterbi(scores, self.transitions, self._start, steps)].tolist()
        tags, start = [], 0
        for tokens in texts:
            tags.append(labels[start:start + len(tokens)])
            start += len(tokens)
        return tags

    def extract(self, tokens: Tokens) -> list[Mention]:
        return self.extract_all([tokens])[0]

    def extract_all(self, texts: list[Tokens]) -> list[list[Mention]]:
        """The mentions of each text; the texts tagged together, which is faster than one by one."""
        rules = self.featurize.rules
        rule_mentions = [rules.extract(tokens) if tokens else [] for tokens in texts]
        return [reconcile(tags_to_mentions(tokens, tags, self._rank), found, tokens, rules) if tokens else []
                for tokens, tags, found in zip(texts, self.tag_all(texts, rule_mentions), rule_mentions)]


def aligned_tags(sentence_tokens: list[str], gold_tags: list[str], token_starts: list[int]) -> list[str]:
    """Gold BIO tags moved from CoNLL tokens onto our tokenizer's tokens of the same running text."""
    starts, offset = [], 0
    for word in sentence_tokens:
        starts.append(offset)
        offset += len(word) + 1
    tags, previous_source = [], -1
    for token_start in token_starts:
        source = max(i for i, s in enumerate(starts) if s <= token_start)
        tag = gold_tags[source]
        if tag.startswith("B-") and source == previous_source:
            tag = "I-" + tag[2:]  # a CoNLL token our tokenizer split: only its first piece begins the entity
        if tag.endswith("MISC"):
            tag = "O"
        tags.append(tag)
        previous_source = source
    return tags


# xz-compressed pickle of {"format", "crfsuite": model bytes, "classes", "profile", "spelling"}; raised when
# features change. Format 8 adds "network" (entities.network), format 9 "proper" (entities.proper_nouns; with or
# without a network), format 10 a network that reads the proper-noun bands too: a model is written in the lowest
# format that holds it, so an older version refuses a model whose parts it would misread, and reads the others.
MODEL_FORMAT = 7
NETWORK_FORMAT = 8
PROPER_FORMAT = 9
NETWORK_PROPER_FORMAT = 10
_FORMATS = (MODEL_FORMAT, NETWORK_FORMAT, PROPER_FORMAT, NETWORK_PROPER_FORMAT)
_REMEDY = ("rebuild it with `make model` (or `akhbar train entities`), or set AKHBAR_ENTITY_MODEL to another model "
           "file, to `crf` for the shipped CRF alone, or to `none` for the rules alone")


class ModelError(Exception):
    """An entity model file that cannot be used; the message is one line naming the file and what to do."""


@lru_cache(maxsize=4)
def _loaded(path: Path, stamp: int) -> CrfExtractor:
    """`stamp` (the file's modification time) is part of the cache key: a rebuilt file is read again."""
    try:
        with lzma.open(path, "rb") as handle:
            saved = pickle.load(handle)
    except (OSError, lzma.LZMAError, EOFError) as error:  # unreadable, not xz data, or cut short
        raise ModelError(f"entity model {path} cannot be read ({error or type(error).__name__}); {_REMEDY}") from None
    except Exception as error:  # noqa: BLE001 - a damaged pickle can fail in many ways; all mean the same here
        raise ModelError(f"entity model {path} is damaged ({type(error).__name__}); {_REMEDY}") from None
    if not isinstance(saved, dict) or saved.get("format") not in _FORMATS:
        found = saved.get("format") if isinstance(saved, dict) else None
        raise ModelError(f"entity model {path} is format {found}, this version reads formats "
                         f"{', '.join(map(str, _FORMATS))}; {_REMEDY}")
    try:
        return CrfExtractor(saved["crfsuite"], saved["classes"], saved.get("profile"), saved.get("spelling"),
                            saved.get("network"), saved.get("proper"))
    except Exception as error:  # noqa: BLE001 - CRFsuite refuses a damaged model with a bare ValueError
        raise ModelError(f"entity model {path} holds no usable model ({error}); {_REMEDY}") from None


def write_model(out: Path, crfsuite_model: bytes, classes: dict[str, tuple[str, ...]] | None,
                profile: dict[str, tuple[str, ...]] | None = None, spelling: Spelling | None = None,
                network: dict | None = None, proper: dict[str, str] | None = None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    # Equal strings as one object each: pickle's bytes then do not depend on where the tables came from (built
    # now or read from the cache), and the same inputs always make the same file.
    classes, profile = (
        {sys.intern(word): tuple(map(sys.intern, values)) for word, values in table.items()} if table else table
        for table in (classes, profile))
    saved = {"format": MODEL_FORMAT, "crfsuite": crfsuite_model, "classes": classes, "profile": profile,
             "spelling": spelling}
    if network is not None:
        saved.update(format=NETWORK_FORMAT, network=network)
    if proper is not None:
        saved.update(format=PROPER_FORMAT, proper={sys.intern(word): sys.intern(band) for word, band in proper.items()})
    if network is not None and network.get("proper_flags"):
        saved.update(format=NETWORK_PROPER_FORMAT)
    payload = pickle.dumps(saved, protocol=5)
    # preset 9 and no timestamps in the xz container: the same model always makes the same bytes
    out.write_bytes(lzma.compress(payload, preset=9))


def train(examples: list[tuple[list[str], list[str]]], out: Path, *, iterations: int = 150,
          classes: dict[str, tuple[str, ...]] | None = None, c1: float = 0.1, c2: float = 0.1,
          unlabeled: Callable[[], Iterable[str]] | None = None, with_spelling: bool = True,
          vectors=None, proper: dict[str, str] | None = None,
          progress: Callable[[str], None] | None = None) -> None:
    """Train on (CoNLL tokens, BIO tags) sentences (L-BFGS, L1 + L2: most attributes end with no weight) and
    write the model file. `unlabeled`: the texts of a news corpus (a fresh iterator per call); the first model
    then reads them, and a second one is trained with the corpus label profile (entities.profile) it made and
    (`with_spelling`) the spelling model learned from that (entities.spelling). `vectors`: word vectors of that
    corpus, a row per word of `classes` (training.word_vectors); the network (entities.network) is then trained
    too, the CRF's second expert (needs the `neural` extra). `proper`: word key -> its proper-noun band
    (entities.proper_nouns), a feature of both CRF models and an input of the network."""
    model = _fit(examples, Featurizer(classes, proper=proper), iterations, c1, c2)
    profile = spelling = None
    if unlabeled is not None:
        shares = label_shares(CrfExtractor(model, classes, proper=proper).tag, unlabeled())
        profile, spelling = profile_of(shares), train_spelling(shares) if with_spelling else None
        if progress:
            progress(f"corpus label profile of {len(profile)} words, spelling model of "
                     f"{len(spelling[2]) if spelling else 0} letter n-grams; training again")
        model = _fit(examples, Featurizer(classes, profile=profile, spelling=spelling, proper=proper), iterations,
                     c1, c2)
    network = None
    if vectors is not None:
        from indexer.enrich.entities.network_training import train_network

        if progress:
            progress("training the network (a few minutes)")
        network = train_network(examples, classes, vectors, proper=proper)
    write_model(out, model, classes, profile, spelling, network, proper)


def aligned_examples(examples: list[tuple[list[str], list[str]]]):
    """(our tokens, gold tags on them) of each example's running text that has any."""
    from indexer.enrich.tokens import spans, tokenize

    for words, gold in examples:
        text = " ".join(words)
        tokens = tokenize(text)
        if tokens:
            yield tokens, aligned_tags(words, gold, [start for start, _ in spans(text)])


def training_sequences(examples: list[tuple[list[str], list[str]]], featurize: Featurizer):
    """(attribute lists, gold tags) of each sentence of the examples as our tokenizer splits them, what
    CRFsuite trains on."""
    for tokens, tags in aligned_examples(examples):
        for items, (start, end) in zip(featurize(tokens), sentences(tokens)):
            yield items, tags[start:end]


def _fit(examples: list[tuple[list[str], list[str]]], featurize: Featurizer, iterations: int, c1: float,
         c2: float) -> bytes:
    """A CRFsuite model (its bytes) trained on the sentences as `featurize` sees them."""
    import tempfile

    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.possible_transitions": True})
    for items, tags in training_sequences(examples, featurize):
        trainer.append(items, tags)
    with tempfile.TemporaryDirectory() as scratch:
        model_path = Path(scratch) / "model.crfsuite"
        trainer.train(str(model_path))
        return model_path.read_bytes()
