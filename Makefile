# ror_graph — two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export ROR_GRAPH_DATA_DIR ?= ./var

.PHONY: run test install meili chromium lint schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) meili

meili:
	@bash scripts/install_meilisearch.sh >/dev/null

## make run: install, migrate, load reference + demo data, serve on $(HOST):$(PORT) (managed Meilisearch)
# e.g. make run PORT=8080 HOST=0.0.0.0
# The worker (reminders, quality rules) runs beside the server; without SMTP settings mails go to var/mailbox/.
# Plain http on loopback: the admin cookie cannot be HTTPS-only there.
run: export ROR_GRAPH_SECURE_COOKIES ?= false
run: install
	$(BIN)/ror-graph migrate
	$(BIN)/ror-graph load-reference
	$(BIN)/ror-graph demo
	$(BIN)/ror-graph worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	$(BIN)/ror-graph serve --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite; set ROR_GRAPH_TEST_DATABASE_URL for PostgreSQL)
test: install
	@bash scripts/ensure_chromium.sh || true
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	exit $$status

## make lint: ruff, size limits (scripts/check_sizes.py), import contracts (import-linter), types (mypy)
lint: install
	$(BIN)/ruff check ror_graph search_index tests bench scripts
	$(BIN)/python scripts/check_sizes.py
	$(BIN)/lint-imports
	$(BIN)/mypy

schema: install
	$(BIN)/ror-graph export-schema > schema.graphql

clean:
	rm -rf $(VENV) var .cache .pytest_cache
