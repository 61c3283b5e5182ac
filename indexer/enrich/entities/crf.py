"""An optional statistical extractor: a linear-chain CRF over word features, with the rules' own decisions among
its features (stacking), trained on CoNLL data by `akhbar train entities`.

Used when AKHBAR_ENTITY_MODEL points at a trained model; the rules still canonicalize and propagate its
mentions. Word classes learned from unlabeled news (entities.clusters) travel in the same model file. Needs the
`train` extra (python-crfsuite; scikit-learn for the word classes). The model file holds the CRFsuite model
itself, so using one imports nothing heavier than python-crfsuite. Model files are build output, never committed.
"""
from __future__ import annotations

import pickle
from operator import itemgetter
from pathlib import Path

from indexer.enrich.entities.base import Mention, Token, mention_surface
from indexer.enrich.tokens import Tokens
from indexer.enrich.entities.clusters import LEVEL_NAMES, classes_of
from indexer.enrich.entities.lexicon import Lexicon, lexicon
from indexer.enrich.entities.rules import FOREIGN_ENDINGS, RuleExtractor, is_definite

_BIO = {"person": "PERS", "organization": "ORG", "location": "LOC"}
_TYPES = {v: k for k, v in _BIO.items()}


def rule_tags(tokens: Tokens, rules: RuleExtractor) -> list[str]:
    tags = ["O"] * len(tokens)
    for mention in rules.extract(tokens):
        label = _BIO[mention.type]
        tags[mention.first] = f"B-{label}"
        for k in range(mention.first + 1, mention.last + 1):
            tags[k] = f"I-{label}"
    return tags


def _word_features(token: Token, lex: Lexicon, places, orgs, titles, person_words,
                   classes) -> dict[str, str | bool]:
    norm, key = token.norm, token.key
    stem = token.readings[-1][1]  # the most stripped reading
    return {
        "key": key,
        "stem": stem,
        "clitics": norm[:len(norm) - len(token.readings[-1][0])],
        "pre1": norm[:1],
        "pre2": norm[:2],
        "pre3": norm[:3],
        "suf2": norm[-2:],
        "suf3": norm[-3:],
        "stem_suf1": stem[-1:],
        "stem_suf4": stem[-4:],
        "len": str(min(len(norm), 8)),
        "article": is_definite(token),
        "foreign": norm.endswith(FOREIGN_ENDINGS),
        "nationality": any(r in lex.nationalities for r, _ in token.readings),
        "digit": any(c.isdigit() for c in norm),
        "latin": any("a" <= c <= "z" for c in norm),
        "gap": token.gap,
        "first_name": any(r in lex.first_names for r, _ in token.readings),
        "stop": lex.is_stop(norm),
        "title": any(k in titles for _, k in token.readings),
        "org_head": any(k in lex.org_heads for _, k in token.readings),
        "speech": any(r in lex.speech_verbs for r, _ in token.readings),
        "place_start": any(k in places for _, k in token.readings),
        "org_start": any(k in orgs for _, k in token.readings),
        "person_word": any(k in person_words for _, k in token.readings),  # a word of a listed public figure
        **(dict(zip(LEVEL_NAMES, classes_of(token, classes))) if classes else {}),
    }


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
_NEAR = ("stem", "pre2", "suf3", "place_start", "org_start", "foreign", "clitics", *LEVEL_NAMES[:1])
_OFFSETS = (-2, -1, 1, 2)
_TAGS = ("O", *(f"{p}-{t}" for t in _BIO.values() for p in "BI"))
# offset -> tag -> the attribute string "offset:rule=tag" (0: the token's own "rule=tag"), built once
_RULE_ATTRIBUTES = {offset: {tag: f"{offset}:rule={tag}" if offset else f"rule={tag}" for tag in _TAGS}
                    for offset in (0, *_OFFSETS)}
# Words whose attribute lists are kept per process (~1 KB each, their strings shared); the most frequent words
# are met first.
WORDS_CACHED = 120_000


class Featurizer:
    """Token features as CRFsuite attribute strings; each word's strings are built once and reused.

    `known`: the attributes a trained model weighs. Others change nothing in its decisions, so they are dropped
    before caching and tagging (an L1-trained model weighs a small part of what training saw)."""

    def __init__(self, classes: dict[str, tuple[str, ...]] | None = None, known: frozenset[str] | None = None):
        self.classes = classes
        self.known = known
        self.lex = lexicon()
        self.rules = RuleExtractor(self.lex)
        self.places = {p[0] for p in self.lex.locations}
        self.orgs = {p[0] for p in self.lex.organizations}
        self.titles = {p[0] for p in self.lex.titles}
        self.person_words = {word for name in self.lex.persons for word in name}
        # (word, gap) -> (own attributes, (attributes as seen from a neighbour at each of _OFFSETS))
        self._words: dict[tuple[str, bool], tuple[list[str], tuple[list[str], ...]]] = {}
        self._strings: dict[str, str] = {}  # one object per distinct attribute string (most are common to many)

    def _word(self, token: Token):
        cache_key = (token.text, token.gap)
        cached = self._words.get(cache_key)
        if cached is None:
            features = _word_features(token, self.lex, self.places, self.orgs, self.titles, self.person_words,
                                      self.classes)
            cached = (self._weighed(_as_strings(features)), tuple(
                self._weighed(_as_strings(features, f"{offset}:", [name for name in _NEIGHBOUR + (
                    _NEAR if abs(offset) == 1 else ()) if name in features]))
                for offset in _OFFSETS))
            if len(self._words) < WORDS_CACHED:  # bounded: the most frequent words are met first
                self._words[cache_key] = cached
        return cached

    def _weighed(self, attributes: list[str]) -> list[str]:
        """The attributes the model weighs, each string shared with every other word that has it."""
        if self.known is None:
            return attributes
        shared = self._strings
        return [shared.setdefault(a, a) for a in attributes if a in self.known]

    def __call__(self, tokens: Tokens) -> list[list[str]]:
        words = list(map(self._word, tokens))
        rules = rule_tags(tokens, self.rules)
        # For each offset, what token i sees there: (that word's view from this offset, its rule tag), aligned
        # on i, with an edge marker beyond the text. The items are then built by list displays, in C.
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


def tags_to_mentions(tokens: Tokens, tags: list[str]) -> list[Mention]:
    mentions, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (prefix != "I" or kind != label):
            surface = mention_surface(tokens, start, i - 1, tokens[start].readings[_reading_index(tokens[start])][0])
            mentions.append(Mention(_TYPES[label], start, i - 1, surface))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, kind
    return mentions


def _reading_index(token: Token) -> int:
    """Which clitic reading of a mention's first word to display: the first one a gazetteer or name list
    knows, else the word without a leading و/ف conjunction, else the word itself."""
    lex = lexicon()
    for index, (reading, key) in enumerate(token.readings):
        if (key,) in lex.locations or (key,) in lex.organizations or reading in lex.first_names:
            return index
    if len(token.readings) > 1 and token.norm[:1] in ("و", "ف"):
        return 1
    return 0


class CrfExtractor:
    def __init__(self, crfsuite_model: bytes, classes: dict[str, tuple[str, ...]] | None = None):
        import pycrfsuite

        self._model = crfsuite_model  # the tagger reads this buffer in place: it must live as long as the tagger
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(crfsuite_model)
        self.featurize = Featurizer(classes, frozenset(a for a, _ in self.tagger.info().state_features))

    @classmethod
    def load(cls, path: str | Path) -> "CrfExtractor":
        with open(path, "rb") as handle:
            saved = pickle.load(handle)
        if not isinstance(saved, dict) or saved.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path} is not an entity model of this version: train it again with "
                             "`akhbar train entities`")
        return cls(saved["crfsuite"], saved["classes"])

    def extract(self, tokens: Tokens) -> list[Mention]:
        if not tokens:
            return []
        return tags_to_mentions(tokens, self.tagger.tag(self.featurize(tokens)))


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


MODEL_FORMAT = 4  # {"format", "crfsuite": model bytes, "classes"}; raised when features change


def train(sentences: list[tuple[list[str], list[str]]], out: Path, *, iterations: int = 150,
          classes: dict[str, tuple[str, ...]] | None = None) -> None:
    """Train on (CoNLL tokens, BIO tags) sentences (L-BFGS, L1 + L2: most attributes end with no weight) and
    write the model file."""
    import tempfile

    import pycrfsuite

    from indexer.enrich.tokens import spans, tokenize

    featurize = Featurizer(classes)
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    trainer.set_params({"c1": 0.1, "c2": 0.1, "max_iterations": iterations,
                        "feature.possible_transitions": True})
    for words, gold in sentences:
        text = " ".join(words)
        tokens = tokenize(text)
        if tokens:
            trainer.append(featurize(tokens), aligned_tags(words, gold, [start for start, _ in spans(text)]))
    with tempfile.TemporaryDirectory() as scratch:
        model_path = Path(scratch) / "model.crfsuite"
        trainer.train(str(model_path))
        crfsuite_model = model_path.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        pickle.dump({"format": MODEL_FORMAT, "crfsuite": crfsuite_model, "classes": classes}, handle)
