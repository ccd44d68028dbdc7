# dashapp — `make run` serves the app on the embedded default; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ROWS   ?= 100000
PORT   ?= 8050

AXE    := tests/support/axe/node_modules/axe-core/axe.min.js

.PHONY: venv install db run serve lint audit test test-fast bench screenshots load-venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned exactly: a range would pull a multi-GB CUDA build (see README).
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# axe-core for the browser tests' accessibility gate, from the npm registry (test tooling only).
$(AXE): tests/support/axe/package.json tests/support/axe/package-lock.json
	npm ci --prefix tests/support/axe --no-audit --no-fund --silent
	touch $(AXE)

# `venv` is the app alone (Python and make); `install` adds the test tools (npm, for axe-core).
venv: $(STAMP)

install: venv $(AXE)

# run, db and serve need only the venv: a machine without npm serves the app.
db: venv
	$(BIN)/dashapp init-db
	$(BIN)/dashapp seed --if-empty --rows $(ROWS)

run: db
	@echo "dashapp on http://127.0.0.1:$(PORT)  (embedded mode: SQLite + diskcache jobs)"
	$(BIN)/dashapp run --host 127.0.0.1 --port $(PORT)

serve: db
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# Style, types, the import rules (pyproject: [tool.importlinter]), no function above radon
# grade C, no module over 400 lines, no dead code (pyproject: [tool.vulture]).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/xenon --max-absolute C dashapp tasks
	$(BIN)/python scripts/module_sizes.py --max-lines 400 dashapp tasks
	$(BIN)/vulture

# Dependency audit against PyPI's advisory data; says how many packages it could really check.
audit: install
	$(BIN)/python scripts/audit.py

# Two pytest processes: the main suite, and last the fault-injection tests that restart
# PostgreSQL and Redis under everything else.
test: lint audit
	$(BIN)/pytest -q -ra -m "not disruptive"
	$(BIN)/pytest -q -ra -m disruptive

# The unit tests (about a minute): no browser, no Celery worker.
test-fast: venv
	$(BIN)/pytest -q -ra tests/unit

# Every page in light/dark at 1440/390 px plus the main states, with an index page to look at.
screenshots: install
	$(BIN)/python scripts/screenshots.py --out screenshots

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Locust needs urllib3 2, dash[testing]'s selenium pins urllib3 1.26: a venv of its own.
load-venv:
	$(PYTHON) -m venv .venv-load
	.venv-load/bin/pip install --quiet locust

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache screenshots tests/support/axe/node_modules
