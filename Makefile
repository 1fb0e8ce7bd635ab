# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every dependency pinned, with hashes (README, "Dependencies and the lock file"); uv installs
# it in seconds where pip took minutes. `make lock` regenerates it after pyproject.toml changes.
LOCK := requirements.lock
UV_VERSION := 0.13.9
UV := $(BIN)/uv
LOCK_PYTHON := 3.11.7
DB ?= data/clientops.duckdb
HOST ?= 127.0.0.1
PORT ?= 8888
APP_PORT ?= 8866

.PHONY: setup run demo test lint typecheck bench clean serve browser postgres lock

# The venv is made without pip (ensurepip took most of a minute on a loaded 2-core machine);
# the system's pip (>= 22.3) puts uv into it, and uv installs everything else.
$(UV):
	$(PY) -m venv --without-pip $(VENV)
	$(PY) -m pip --python $(BIN)/python install -q --no-deps uv==$(UV_VERSION)

## setup: the virtual environment, exactly as the lock file says (then clientops, editable).
## Everything is compiled to bytecode once, here: uv does not compile by default, and where
## PYTHONDONTWRITEBYTECODE is set Python never writes what it compiles, so every process (a
## command, the app, a kernel, a test worker) compiled pandas and the rest again as it started.
$(STAMP): $(LOCK) pyproject.toml | $(UV)
	$(UV) pip install -q --compile-bytecode --python $(BIN)/python -r $(LOCK)
	$(UV) pip install -q --compile-bytecode --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q clientops
	touch $(STAMP)

setup: $(STAMP)

## make lock: pin every dependency of pyproject.toml (and its `test` extra) in $(LOCK), with
## hashes; versions already in the lock are kept (add UPGRADE=1 to take the newest ones)
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra test --python-version $(LOCK_PYTHON) \
		--generate-hashes $(if $(UPGRADE),--upgrade) -o $(LOCK)

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

## make test: set up and run lint, types and the whole suite (pytest; it runs the notebooks too),
## on TEST_WORKERS processes (pytest-xdist; `auto`: one per core, `0`: in this process). Each
## worker has its own PostgreSQL cluster, SMTP servers, app servers and browser on free ports
## and its own temporary folders; a test file stays on one worker (--dist loadfile: a
## notebook's cells share one kernel, a module's browser and app server start once).
TEST_WORKERS ?= auto
test: setup browser postgres lint typecheck
	CLIENTOPS_REQUIRE_SYSTEM=1 $(BIN)/python -m pytest -p no:cacheprovider \
		-n $(TEST_WORKERS) --dist loadfile

bench: setup
	$(BIN)/python bench/bench_connections.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
