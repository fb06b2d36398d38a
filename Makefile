# stackgraph: `make run` sets everything up and serves; `make test` runs the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test fuzz screenshots readme bench lint db-start db-stop clean help

help:
	@echo "make run    set up (venv, packages, Neo4j jars), start Neo4j, load data, serve the API"
	@echo "make test   run the test suite against a real Neo4j started for the tests"
	@echo "make fuzz   the API fuzz tests with many more examples (FUZZ_EXAMPLES, default 3000)"
	@echo "make screenshots  run the browser tests and refresh the screenshots in docs/"
	@echo "make bench  run the benchmarks; figures go to bench/results/ and BENCHMARKS.md"
	@echo "make lint   ruff and mypy"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "stackgraph needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/stackgraph up

test: setup
	$(BIN)/python -m pytest

FUZZ_EXAMPLES ?= 3000
fuzz: setup
	STACKGRAPH_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/api/test_fuzz.py -q

# the browser tests again, refreshing the screenshots kept under docs/ (on purpose only:
# `make test` writes them to a temporary folder and leaves the checkout clean)
screenshots: setup
	STACKGRAPH_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser

# the example outputs of README.md and docs/graphql.md rewritten from the real answers
# (tests/test_readme.py and tests/api/test_docs_graphql.py check them)
readme: setup
	STACKGRAPH_UPDATE_README=1 $(BIN)/python -m pytest tests/test_readme.py tests/api/test_docs_graphql.py -q

# the API benchmark compares against the Neo4j GraphQL Library, installed from npm
bench/neo4j_graphql/node_modules/.package-lock.json: bench/neo4j_graphql/package-lock.json
	@command -v npm >/dev/null || { echo "make bench needs Node.js and npm for the API comparison"; exit 1; }
	cd bench/neo4j_graphql && npm ci --no-audit --no-fund

bench: setup bench/neo4j_graphql/node_modules/.package-lock.json
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

db-start: setup
	$(BIN)/stackgraph db start

db-stop: setup
	$(BIN)/stackgraph db stop

clean:
	-$(BIN)/stackgraph db stop
	rm -rf $(VENV) .stackgraph
