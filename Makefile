# Workbench: the two commands a person needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench soak demo catalogs screenshot clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

ARGS ?= --as m.shanwei

run: $(STAMP)
	$(BIN)/workbench demo --if-missing
	$(BIN)/workbench run $(ARGS)

demo: $(STAMP)
	$(BIN)/workbench demo

test: $(TEST_STAMP)
	$(BIN)/lint-imports
	tools/system-packages.sh
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not serial" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS)

# Benchmarks: outside the tests, each prints its table and writes bench/results/<name>.json.
BENCHES ?= $(wildcard bench/*_bench.py)
bench: $(TEST_STAMP)
	tools/system-packages.sh
	@status=0; for b in $(BENCHES); do \
		echo "== $$b"; $(BIN)/python -m bench.$$(basename $$b .py) || status=1; \
	done; exit $$status

# The long runs: the money state machine at 10,000 examples of 50 steps (make test runs 200),
# kill -9 over 10,000 operations (a fifth of that on PostgreSQL), 300 junk inputs per command.
# `make soak SOAK=2000` runs that many examples and operations instead.
SOAK ?= 10000
soak: $(TEST_STAMP)
	tools/system-packages.sh
	WORKBENCH_SOAK=$(SOAK) $(BIN)/python -m pytest tests/test_money_machine.py tests/test_crash.py tests/test_junk.py tests/test_junk_forms.py \
		-s --hypothesis-show-statistics $(PYTEST_ARGS)

catalogs: $(TEST_STAMP)
	$(BIN)/python tools/catalog.py

screenshot: $(TEST_STAMP)
	$(BIN)/python tools/screenshot.py docs/dashboard-merchant-zh.svg
	$(BIN)/python tools/screenshot.py --lang en --as c.xiaoyu docs/dashboard-creator-en.svg

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
