"""Write the labelled development slice for `akhbar eval topics`: SaudiNewsNet articles of source `3alyoum`,
labelled by the section in their URL. Output goes outside the repository (the corpus is never committed).

    python bench/topic_slice.py [CORPUS] [--out /tmp/3alyoum-topics.jsonl]
"""
from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from urllib.parse import unquote

SECTIONS = {"/news/pol/": "politics", "/finance/": "economy", "/sports/": "sports", "/culture/": "culture",
            "/technology/": "technology"}
DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--out", type=Path, default=Path("/tmp/3alyoum-topics.jsonl"))
    args = parser.parse_args()
    counts: dict[str, int] = {}
    with gzip.open(args.corpus, "rt", encoding="utf-8") as source, open(args.out, "w", encoding="utf-8") as out:
        for line in source:
            item = json.loads(line)
            if item.get("source") != "3alyoum":
                continue
            url = unquote(item.get("url") or "")
            label = next((topic for marker, topic in SECTIONS.items() if marker in url), None)
            if label is None:
                continue
            counts[label] = counts.get(label, 0) + 1
            out.write(json.dumps({"title": item["title"], "body": item["content"], "url": item["url"],
                                  "source": item["source"], "label": label}, ensure_ascii=False) + "\n")
    print(json.dumps({"out": str(args.out), "labels": counts}))


if __name__ == "__main__":
    main()
