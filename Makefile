# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/clientops.duckdb
HOST ?= 127.0.0.1
PORT ?= 8888
APP_PORT ?= 8866

.PHONY: setup run demo test lint typecheck bench clean serve browser postgres

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

$(DB): | $(STAMP)
	$(BIN)/clientops demo --db $(DB)

demo: $(DB)

## make run: set up, build the demo database if missing, then serve the web app (one server) and
## JupyterLab on notebooks/, both on 127.0.0.1 (URLs printed); Ctrl-C stops both.
run: setup demo
	@export CLIENTOPS_DB="$(abspath $(DB))"; \
	$(BIN)/clientops serve --db "$$CLIENTOPS_DB" --host $(HOST) --port $(APP_PORT) & app=$$!; \
	trap 'kill $$app 2>/dev/null' EXIT INT TERM; \
	$(BIN)/jupyter lab --ServerApp.ip=$(HOST) --ServerApp.port=$(PORT) --no-browser \
		--ServerApp.allow_root=True --ServerApp.root_dir=notebooks

## make serve: only the web app (it prints the editor's and the reader's addresses)
serve: setup demo
	$(BIN)/clientops serve --db $(DB) --host $(HOST) --port $(APP_PORT)

lint: setup
	$(BIN)/ruff check clientops tests bench

typecheck: setup
	$(BIN)/mypy

## browser: the web-app tests drive Debian's Chromium (headless); installed with apt when missing
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian/Ubuntu)"; exit 1; \
		fi; \
	fi

## postgres: team-mode tests start a throw-away PostgreSQL cluster (Debian's server binaries
## under /usr/lib/postgresql/*/bin); installed with apt when missing
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "PostgreSQL is missing: run 'sudo apt-get install postgresql' (Debian/Ubuntu)"; exit 1; \
		fi; \
	fi

## make test: set up and run lint, types and the whole suite (pytest + nbval over notebooks/)
test: setup browser postgres lint typecheck
	CLIENTOPS_REQUIRE_SYSTEM=1 $(BIN)/python -m pytest -p no:cacheprovider

bench: setup
	$(BIN)/python bench/bench_connections.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
