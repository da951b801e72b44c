# Faktura — `make run` serves a demo on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-sqlite test-postgres lint format install system-deps clean migrate bench bench-smoke bench-compare wrk fuzz openapi-lint openapi-examples

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --all-extras --quiet
	touch $(STAMP)

install: $(STAMP) system-deps

# What PDFs need of the system, installed when missing: Pango (WeasyPrint lays text out with
# it), HarfBuzz's subsetter (embeds subset fonts fast) and poppler-utils (the tests read PDFs
# back with pdftotext, pdffonts and pdftoppm). The fonts themselves ship in src/faktura/pdfs/fonts.
# The hosted payment page is tested in Debian's Chromium (Playwright drives it), with a font
# that has Hebrew.
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpango-1.0.so.0 ' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0 ' || missing="$$missing libpangoft2-1.0-0"; \
	ldconfig -p | grep -q 'libharfbuzz-subset.so.0 ' || missing="$$missing libharfbuzz-subset0"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list :lang=he | grep -q . || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get install -y $$missing || (apt-get update && apt-get install -y $$missing); \
	fi

migrate: install
	$(BIN)/faktura migrate

run: install
	$(BIN)/faktura demo
	$(BIN)/faktura serve

test: install
	$(BIN)/pytest -n auto

# Leaves out the tests marked slow (processes, the benchmark): for quick rounds, not for CI.
test-fast: install
	$(BIN)/pytest -n auto -m "not slow"

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# The OpenAPI document as served, checked by openapi-spec-validator and by Spectral's
# `spectral:oas` ruleset (.spectral.yaml), which must report nothing, not even a warning.
SPECTRAL_VERSION := 6.16.3
SPECTRAL := var/tools/node_modules/.bin/spectral
$(SPECTRAL):
	@command -v npm >/dev/null || (apt-get install -y nodejs npm || (apt-get update && apt-get install -y nodejs npm))
	npm install --silent --no-audit --no-fund --prefix var/tools @stoplight/spectral-cli@$(SPECTRAL_VERSION)

openapi-lint: install $(SPECTRAL)
	@mkdir -p var
	$(BIN)/faktura openapi > var/openapi.json
	$(BIN)/openapi-spec-validator var/openapi.json
	$(SPECTRAL) lint var/openapi.json --ruleset .spectral.yaml --fail-severity=warn

# The OpenAPI document's examples, recorded again from the tests' tour of the API (review the diff).
openapi-examples: install
	FAKTURA_WRITE_EXAMPLES=1 $(BIN)/pytest -p no:randomly -p no:xdist tests/api/test_openapi_examples.py

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

# Benchmarks (docs/performance.md): PostgreSQL on 127.0.0.1:5432 as postgres, and SQLite.
wrk:
	@command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))

bench: install wrk
	$(BIN)/python bench/run.py --db postgresql --db sqlite

bench-smoke: install wrk
	$(BIN)/python bench/run.py --smoke --db postgresql --db sqlite --out var/bench-smoke

# create + issue, retrieve and list page 1 on REV, then on this checkout: make bench-compare REV=…
REV ?= main
ROUNDS ?= 1
bench-compare: install wrk
	$(BIN)/python bench/run.py --compare $(REV) --rounds $(ROUNDS)

# schemathesis against the served API on SQLite and PostgreSQL (docs/fuzzing.md); EXAMPLES per operation
EXAMPLES ?= 25
fuzz: install
	$(BIN)/python -m bench.fuzz --db sqlite --db postgresql --max-examples $(EXAMPLES)

# The Python SDK (sdk/python, docs in its README). Its models and resources are generated from
# the OpenAPI document: `make sdk` writes them again; `make sdk-check` fails when the committed
# ones differ from what this checkout's server generates, and lints the SDK (ruff, mypy strict);
# `make sdk-test` runs its tests against a real server of its own.
.PHONY: sdk sdk-check sdk-test
sdk: install
	$(BIN)/python sdk/python/generate.py

sdk-check: install
	$(BIN)/python sdk/python/generate.py --check
	$(BIN)/ruff check sdk/python
	$(BIN)/ruff format --check sdk/python
	cd sdk/python && ../../$(BIN)/mypy

sdk-test: install
	cd sdk/python && ../../$(BIN)/pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
