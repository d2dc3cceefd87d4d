# quizapp: `make run` to try it, `make test` to check it. Needs Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test test-pg install install-dev lint format migrate demo bench-scoring bench screenshots xapi-validator clean mutation mutation-fast

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps make re-installs happen only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo

run: demo
	@echo "quizapp is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects no tests; that is reported, not treated as a pass or a crash.
test: lint
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

# The same suite against PostgreSQL (TEST_DATABASE_URL, default: the local `test` database).
test-pg: install-dev
	@TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

# Mutation testing of quizapp/domain (docs/testing.md): mutmut runs tests/domain against each
# mutant, keeping its work in mutants/ (git-ignored; results are reused until the code changes).
# MUTATE selects mutants by name, e.g. MUTATE='quizapp.domain.cpd*'; empty means all of them.
# The report prints the score per file and every surviving mutant, and fails below MUTATION_MIN %.
MUTATE ?=
MUTATION_MIN ?= 95
MUTATION_CHILDREN ?= 2
MUTATION_ONLY = $(if $(MUTATE),--only $(subst .,/,$(firstword $(subst *, ,$(MUTATE)))))
mutation: install-dev
	$(BIN)/python scripts/mutation_report.py --reset-survivors $(MUTATION_ONLY)
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTATE) >mutants.log 2>&1 \
		|| { tail -n 40 mutants.log; exit 1; }
	$(BIN)/python scripts/mutation_report.py --fail-under $(MUTATION_MIN) $(MUTATION_ONLY)

# The fast subset CI runs (a few minutes on 2 cores): the scoring package's per-zone steps.
MUTATE_FAST ?= quizapp.domain.scoring.steps*
mutation-fast:
	$(MAKE) mutation MUTATE='$(MUTATE_FAST)'

# LearningLocker's xAPI validator (npm, pinned in tests/xapi_validator/package.json), for the
# xAPI tests; they skip without node or without this.
xapi-validator: tests/xapi_validator/node_modules/.package-lock.json
tests/xapi_validator/node_modules/.package-lock.json: tests/xapi_validator/package.json
	cd tests/xapi_validator && npm install --no-audit --no-fund --silent

# Needs Debian's chromium (apt-get install chromium).
screenshots: install-dev
	$(BIN)/python scripts/screenshots.py

bench-scoring: install
	$(BIN)/python bench/scoring.py

# Seeds a large academy (SCALE=1: 10,000 learners, 1,000,000 attempts) into BENCH_DB and load-tests
# it through gunicorn (bench/README.md). BENCH_DB is wiped first.
SCALE ?= 1
BENCH_DB ?= sqlite:///$(CURDIR)/instance/bench.sqlite3
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/seed.py --fresh --scale $(SCALE) --database-url $(BENCH_DB)
	$(BIN)/python bench/load.py --database-url $(BENCH_DB)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
