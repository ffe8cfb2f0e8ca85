# The two commands a fresh machine needs: `make demo` (the main job) and `make test`.
# Both create the virtual environment .venv and install the project into it first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PGDIR ?= /tmp/timebank-test-postgresql-$(shell id -u)
PYTEST_ARGS ?=
# Test worker processes (pytest-xdist; 0: the suite in this one process). Two keep a 2-core
# machine busy: most tests wait on servers and fsyncs, so a second worker fills the gaps.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist worksteal
SEEDS ?= 200
JOBS ?= 0

.PHONY: demo demo-postgresql test test-sqlite simulate bench proto lint clean venv

$(BIN)/timebank: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/timebank

demo: venv
	$(BIN)/timebank demo

# The same city with every party on PostgreSQL: a throwaway cluster from this machine's
# binaries, one database per party, stopped again afterwards.
demo-postgresql: venv
	@set -e; \
	url=$$(scripts/postgres_cluster.sh start $(PGDIR)-demo); \
	trap 'scripts/postgres_cluster.sh stop $(PGDIR)-demo >/dev/null 2>&1 || true' EXIT; \
	$(BIN)/timebank demo --backend postgresql --database-url $$url

# The whole suite on SQLite and on a throwaway PostgreSQL cluster started from this
# machine's own binaries (stopped again afterwards, whatever the result).
test: venv
	@set -e; \
	url=$$(scripts/postgres_cluster.sh start $(PGDIR)); \
	trap 'scripts/postgres_cluster.sh stop $(PGDIR) >/dev/null 2>&1 || true' EXIT; \
	TIMEBANK_TEST_POSTGRESQL_URL=$$url TIMEBANK_REQUIRE_POSTGRESQL=1 \
		$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The suite without PostgreSQL (its tests are skipped, each with the reason).
test-sqlite: venv
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The deterministic fault simulation (CI runs it after the tests): SEEDS seeds, on JOBS
# worker processes (0: one per CPU).
simulate: venv
	$(BIN)/timebank simulate --seeds $(SEEDS) $(if $(filter-out 0,$(JOBS)),--jobs $(JOBS))

# The benchmark: bench.json and PNG charts in bench-charts/ (matplotlib, the [plot] extra).
bench: venv
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	$(BIN)/timebank bench --out bench.json --plot bench-charts

proto: venv
	$(BIN)/python scripts/generate_proto.py

# The checks pre-commit runs too (.pre-commit-config.yaml): lint, format, types, import contracts.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
