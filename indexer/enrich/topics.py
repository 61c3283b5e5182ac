"""Topic tagging from the controlled taxonomy: weighted keyword evidence (indexer/enrich/data/topic_keywords.json).

- One top-level topic, the best-supported one; a second only when its support is close (the article truly spans
  both) — a child's evidence counts for its parent.
- A fine topic (illegal migration, drug trafficking …) only when the article is about it: in the title, or
  repeated in the body, never for a single passing mention.
- Publisher-supplied topics are kept as given (mapped to taxonomy ids when they name one).
"""
from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from itertools import compress
from pathlib import Path

from core.taxonomy import topic_id, topics
from indexer.article import Article
from indexer.enrich.tokens import Tokens, WordMemo, article_tokens, phrase_keys, word_token

KEYWORDS = Path(__file__).parent / "data" / "topic_keywords.json"
TITLE_WEIGHT = 3.0
MIN_TOP = 3.0  # evidence needed to claim any top-level topic
SECOND_RATIO = 0.7  # a second top-level topic needs this share of the first's evidence
MIN_FINE = 2.0  # a title hit, or two mentions in the body: never one passing mention
BODY_TOKENS = 400  # what an article is about is settled in its first paragraphs; long tails drift
MAX_HITS_PER_KEYWORD = 4  # one word repeated all over an article is one piece of evidence, not twenty


@lru_cache(maxsize=1)
def _keyword_index() -> dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]:
    """first word key -> [(phrase keys, topics)], longest phrase first."""
    data = json.loads(KEYWORDS.read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], set[str]] = {}
    for topic, words in data.items():
        for word in words:
            phrases.setdefault(phrase_keys(word), set()).add(topic)
    index: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
    for phrase, topic_ids in sorted(phrases.items(), key=lambda item: -len(item[0])):
        index.setdefault(phrase[0], []).append((phrase, frozenset(topic_ids)))
    return index


def _keywords_opened(word: str) -> tuple:
    """The keyword phrases a word may open, longest first for each of its readings (empty: none)."""
    index = _keyword_index()
    return tuple(index[first] for _, first in word_token(word).readings if first in index)


_OPENED = WordMemo(_keywords_opened)  # decided once per distinct word, per process


def evidence(tokens: Tokens, start: int, stop: int, weight: float, scores: Counter) -> None:
    """Keyword evidence from tokens[start:stop] (a phrase must end inside that window)."""
    hits: Counter = Counter()
    keys = tokens.keys
    opened = list(map(_OPENED.__getitem__, tokens.words[start:stop]))
    for i in compress(range(start, stop), opened):
        found = None
        for candidates in opened[i - start]:  # the first reading with a matching phrase wins
            for phrase, topic_ids in candidates:
                end = i + len(phrase)
                if end == i + 1 or (end <= stop and tuple(keys[i + 1:end]) == phrase[1:]):
                    found = phrase, topic_ids
                    break
            if found:
                hits[found] += 1
                break
    for (_, topic_ids), found in hits.items():
        for topic in topic_ids:
            scores[topic] += weight * min(found, MAX_HITS_PER_KEYWORD)


def classify(title: str, body: str) -> list[str]:
    scores: Counter = Counter()
    tokens, in_title = article_tokens(title, body)
    evidence(tokens, 0, in_title, TITLE_WEIGHT, scores)
    evidence(tokens, in_title, min(len(tokens), in_title + BODY_TOKENS), 1.0, scores)
    taxonomy = topics()
    top_scores = Counter({t: s for t, s in scores.items() if taxonomy[t].parent is None})
    for topic, score in scores.items():
        parent = taxonomy[topic].parent
        if parent:
            top_scores[parent] += score * 0.5
    chosen: list[str] = []
    ranked = top_scores.most_common(2)
    if ranked and ranked[0][1] >= MIN_TOP:
        chosen.append(ranked[0][0])
        if len(ranked) > 1 and ranked[1][1] >= SECOND_RATIO * ranked[0][1]:
            chosen.append(ranked[1][0])
    fine = [t for t, s in scores.items() if taxonomy[t].parent and s >= MIN_FINE]
    for topic in sorted(fine, key=lambda t: -scores[t]):
        parent = taxonomy[topic].parent
        if parent not in chosen:
            if sum(taxonomy[t].parent is None for t in chosen) >= 2:
                continue  # at most two top-level topics: a fine topic outside both is a side issue here
            chosen.append(parent)
        chosen.append(topic)
    return list(dict.fromkeys(chosen))


class TopicStage:
    name = "topics"

    def apply_all(self, articles: list[Article]) -> list[Article]:
        return list(map(self.apply, articles))

    def apply(self, article: Article) -> Article:
        found = classify(article.title, article.body)
        given = [topic_id(t) for t in article.publisher_topics]
        article.topics = list(dict.fromkeys([*given, *found]))
        return article
