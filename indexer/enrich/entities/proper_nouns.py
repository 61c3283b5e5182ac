"""How often a part-of-speech tagger trained on other labelled Arabic (the Penn Arabic Treebank) tags each word a
proper noun in the news: a word feature of the CRF that brings in what ANERcorp's 4,085 sentences cannot teach.

The Stanford Arabic POS tagger (Stanford CoreNLP's `models-arabic`, from Maven Central; it needs Java 17, which
the embedded engine needs too) reads every third text of the unlabeled articles, after its own segmenter has split
off the clitics. A word (our token key) is counted as tagged a proper noun where any of its pieces is (NNP, DTNNP
…); a word seen 3 times or more gets the share of its occurrences so tagged, in bands (never, < 10%, < 50%, more).
Cross-validated on the CRF alone (bench/entity_model_candidates.py): PERS 0.724 → 0.737, LOC 0.846 → 0.855, ORG
unchanged. The network reads the band too, as four flags (make model-cv, same seeds: PERS 0.744 → 0.748, LOC 0.867
→ 0.872, ORG 0.568 → 0.561 per sentence; each within the network's seed noise). Training only: the bands travel in
the model file, so tagging needs neither Java nor the tagger.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from indexer.enrich.entities.base import Token
from indexer.enrich.tokens import spans, tokenize

CORENLP = ("edu.stanford.nlp", "stanford-corenlp", "4.5.7")
PROPER_TAGS = frozenset({"NNP", "NNPS", "DTNNP", "DTNNPS"})
PROPER_NAME = "proper"
MIN_COUNT = 3
# every third text: the sample the figures above were measured with (about 6 minutes on 2 cores); every text (18
# minutes, 101,310 words banded instead of 56,250) measured lower: PERS 0.732, LOC 0.850 against 0.737, 0.855
EVERY = 3
TEXTS_PER_FILE = 250  # the tagger's JSON for one file is read whole
VERSION = 1  # raised when what proper_noun_shares computes changes


class TaggerError(Exception):
    """The POS tagger cannot be fetched or run; the message is one line saying what to do."""


def proper_noun_shares(paths: list[Path], cache_dir: Path, jobs: int = 2, every: int | None = None
                       ) -> tuple[dict[str, str], str]:
    """word key -> its band (proper_band), from every `every`-th article in `paths` (default EVERY), and a line
    saying what was done. Built once per corpus (its files' paths, sizes and modification times) and sample, and
    kept in `cache_dir`."""
    bands, how = tagged_table(paths, cache_dir, "proper-nouns", _bands, jobs, every)
    return bands, f"proper-noun shares of {len(bands)} words ({how})"


def _bands(words: Iterable[tuple[str, list[tuple[int, str]]]]) -> tuple[dict[str, str], str]:
    """Each word's band, from how often it was seen and how often some piece of it was tagged a proper noun."""
    seen, proper = Counter(), Counter()
    for key, pieces in words:
        seen[key] += 1
        if not PROPER_TAGS.isdisjoint(tag for _, tag in pieces):
            proper[key] += 1
    bands = {sys.intern(key): proper_band(proper[key] / count) for key, count in seen.items() if count >= MIN_COUNT}
    return bands, f"{sum(seen.values())} words tagged"


def tagged_table(paths: list[Path], cache_dir: Path, name: str, tabulate, jobs: int = 2, every: int | None = None
                 ) -> tuple[dict, str]:
    """What `tabulate` makes of the tagger's words (tagged_words) over every `every`-th article of `paths` (default
    EVERY): a (table, what it did) pair. The table is kept in `cache_dir`, per `name`, corpus and sample; the
    second value then says where."""
    from indexer.enrich.entities.training import corpus_cache_file, corpus_texts, write_cache

    every = every or EVERY
    cached = corpus_cache_file(cache_dir, name, ".pickle", [VERSION, every, *CORENLP], paths)
    if cached.exists():
        return pickle.loads(cached.read_bytes()), f"cached in {cached}"
    texts = (text for i, text in enumerate(corpus_texts(paths, Counter())) if i % every == 0)
    table, how = tabulate(tagged_words(texts, _tagger_classpath(cache_dir), jobs))
    write_cache(cached, table)
    return table, how


def proper_band(share: float) -> str:
    return "never" if share == 0 else "rare" if share < 0.1 else "often" if share < 0.5 else "mostly"


BANDS = ("never", "rare", "often", "mostly")  # proper_band's values; a word seen too seldom has none ("unseen")


def proper_features(token: Token, bands: dict[str, str]) -> dict[str, str]:
    return {PROPER_NAME: bands.get(token.key, "unseen")}


def proper_flags(token: Token, bands: dict[str, str]) -> list[bool]:
    """The word's band as one flag per band (all false: unseen), for the network's 0/1 inputs."""
    band = bands.get(token.key)
    return [band == name for name in BANDS]


def _tagger_classpath(cache_dir: Path) -> str:
    """The CoreNLP jar and its Arabic models, fetched through Maven once into `cache_dir`."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise TaggerError(f"`{tool}` is not on PATH: the proper-noun feature runs the Stanford Arabic POS tagger "
                              "(Java 17+ and Maven; Debian: apt-get install openjdk-17-jdk-headless maven), or train "
                              "without it (--no-proper-nouns)")
    group, artifact, version = CORENLP
    folder = cache_dir / f"{artifact}-{version}"
    jars = [folder / f"{artifact}-{version}.jar", folder / f"{artifact}-{version}-models-arabic.jar"]
    for jar, classifier in zip(jars, ("", ":jar:models-arabic")):
        if jar.exists():
            continue
        coordinates = f"{group}:{artifact}:{version}" + classifier
        result = subprocess.run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={coordinates}",
                                 f"-DoutputDirectory={folder}"], capture_output=True, text=True)
        if result.returncode != 0 or not jar.exists():
            last = (result.stdout + result.stderr).strip().splitlines()[-1:] or ["no output"]
            raise TaggerError(f"Maven could not fetch {coordinates} ({last[0]}); check the network or Maven's "
                              "settings, or train without the proper-noun feature (--no-proper-nouns)")
    return os.pathsep.join(map(str, jars))


def tagged_words(texts: Iterable[str], classpath: str, jobs: int) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """Each of our tokens of `texts` as (word key, [(length, POS tag) of each piece the tagger made of it])."""
    with tempfile.TemporaryDirectory() as scratch:
        parts = _write_parts(texts, Path(scratch))
        lists = []
        for job in range(min(jobs, len(parts))):  # the parts shared out among `jobs` tagger processes
            lists.append(Path(scratch) / f"files-{job}.txt")
            lists[-1].write_text("".join(f"{part}\n" for part in parts[job::jobs]))
        processes = [subprocess.Popen(
            ["java", "-Xmx3g", "-cp", classpath, "edu.stanford.nlp.pipeline.StanfordCoreNLP",
             "-props", "StanfordCoreNLP-arabic.properties", "-annotators", "tokenize,ssplit,pos",
             "-ssplit.eolonly", "true", "-filelist", str(listing), "-outputFormat", "json",
             "-outputDirectory", scratch], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for listing in lists]
        failures = [process.communicate()[1] for process in processes]
        if any(process.returncode for process in processes):
            last = next(e for p, e in zip(processes, failures) if p.returncode).strip().splitlines()[-1:]
            raise TaggerError(f"the Stanford Arabic POS tagger failed ({(last or ['no output'])[0]})")
        for part in parts:
            yield from _part_words(part, Path(f"{part}.json"))


def _write_parts(texts: Iterable[str], folder: Path) -> list[Path]:
    """The texts a paragraph a line (the tagger reads a line as a sentence), TEXTS_PER_FILE to a file. A character
    beyond the BMP becomes `?`: Java counts offsets in UTF-16 units, Python in characters."""
    parts, handle = [], None
    for index, text in enumerate(texts):
        if index % TEXTS_PER_FILE == 0:
            if handle:
                handle.close()
            parts.append(folder / f"part{len(parts):05d}.txt")
            handle = open(parts[-1], "w", encoding="utf-8")
        for line in text.splitlines():
            line = "".join(c if ord(c) < 0x10000 else "?" for c in " ".join(line.split()))
            if line:
                handle.write(line + "\n")
    if handle:
        handle.close()
    return parts


def _part_words(source: Path, tagged: Path) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """Each of our tokens of `source`, with the pieces the tagger made of it (matched by character offsets)."""
    pieces = sorted((t["characterOffsetBegin"], t["characterOffsetEnd"], t["pos"])
                    for sentence in json.loads(tagged.read_text(encoding="utf-8"))["sentences"]
                    for t in sentence["tokens"])
    begins = [begin for begin, _, _ in pieces]
    offset = 0
    for line in source.read_text(encoding="utf-8").split("\n"):
        for token, (start, end) in zip(tokenize(line), spans(line)):
            i, found = bisect_left(begins, offset + start), []
            while i < len(pieces) and pieces[i][0] < offset + end:
                found.append((pieces[i][1] - pieces[i][0], pieces[i][2]))
                i += 1
            yield token.key, found
        offset += len(line) + 1
