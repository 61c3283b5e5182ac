# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install up test engine-start engine-stop bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

# Engine (unless ELASTICSEARCH_URL is set), the sample corpus, the API on port 8000 — in the foreground.
up: install
	$(BIN)/akhbar up

# Everything the tests need, then the tests. The test session starts the embedded engine when none is
# reachable and stops what it started; pytest's exit code is make's.
test: install
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

clean:
	rm -rf $(VENV) engine/target .akhbar .pytest_cache
