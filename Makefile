# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser up test engine-start engine-stop bench model model-cv model-crf model-crf-cv clean

# The shipped entity model and the data it is built from (ANERcorp dev file, SaudiNewsNet for the word classes).
DATA         ?= ../shared/data
ENTITY_GOLD  ?= $(DATA)/anercorp/anercorp-dev.conll
UNLABELED    ?= $(DATA)/saudinewsnet/articles.jsonl.gz
ENTITY_MODEL := indexer/enrich/entities/data/entity-model-network.xz
CRF_MODEL    := indexer/enrich/entities/data/entity-model.xz

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

# The browser tests drive Debian's headless Chromium and its driver; a fresh machine has neither. Installed with
# apt-get (as root, or through sudo) when missing; elsewhere the browser tests say what to install.
browser:
	@if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends chromium chromium-driver \
	  || echo "make: could not install chromium and chromium-driver; the browser tests will fail until they are"; \
	fi

# Engine (unless ELASTICSEARCH_URL is set), the sample corpus, the API on port 8000 — in the foreground.
up: install
	$(BIN)/akhbar up

# Everything the tests need, then the tests. The test session starts the embedded engine when none is
# reachable and stops what it started; pytest's exit code is make's.
test: install browser
	$(BIN)/python -m pytest

engine-start: install
	$(BIN)/akhbar engine start

engine-stop: install
	$(BIN)/akhbar engine stop

bench: install
	$(BIN)/python bench/index_throughput.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/ingest.py

# Rebuild the shipped entity model, the CRF with a network beside it: deterministic (fixed seeds, fixed settings,
# one thread), same inputs give the same file. Training needs torch (the neural extra: a large download), Java and
# Maven (the Stanford Arabic POS tagger reads a third of the corpus once: entities/proper_nouns.py) and about 25
# minutes.
model: install
	$(BIN)/pip install -q -e '.[neural]'
	$(BIN)/akhbar train entities $(ENTITY_GOLD) --out $(ENTITY_MODEL) --unlabeled $(UNLABELED) --network

# The model recipe cross-validated over the whole gold file (5 contiguous folds, two at a time; about 35 minutes).
model-cv: install
	$(BIN)/pip install -q -e '.[neural]'
	nice $(BIN)/akhbar eval entities $(ENTITY_GOLD) --folds 5 --jobs 2 --context 15 --unlabeled $(UNLABELED) --network

# The same CRF alone (AKHBAR_ENTITY_MODEL=crf): faster to index, a little less accurate; no torch needed.
model-crf: install
	$(BIN)/akhbar train entities $(ENTITY_GOLD) --out $(CRF_MODEL) --unlabeled $(UNLABELED)

model-crf-cv: install
	nice $(BIN)/akhbar eval entities $(ENTITY_GOLD) --folds 5 --jobs 2 --context 15 --unlabeled $(UNLABELED)

clean:
	rm -rf $(VENV) engine/target .akhbar .pytest_cache
