# Fangkong: `make demo` to try it, `make test` to test it. Everything goes into .venv
# and node_modules; nothing is installed system-wide.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FANGKONG := $(BIN)/fangkong
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install install-test test test-clock lint messages serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Static files are collected at install time (not at each start of the server): again
# only when the packages or a static file changed.
DATA_DIR := $(or $(FANGKONG_DATA_DIR),var)
STATIC_SOURCES := $(shell find fangkong -path '*/static/*' -type f 2>/dev/null)
$(DATA_DIR)/.static-collected: $(VENV)/.installed node_modules/.installed $(STATIC_SOURCES)
	$(FANGKONG) collectstatic --noinput --verbosity 0
	touch $@

install: $(VENV)/.installed node_modules/.installed $(DATA_DIR)/.static-collected

install-test: $(VENV)/.installed-test node_modules/.installed

demo: install
	$(FANGKONG) migrate --noinput
	$(FANGKONG) seed-demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/ with the two worker lanes beside it: urgent (escalation, delivery, follow-ups) and routine (the rest)  (Ctrl-C stops all)"
	$(FANGKONG) worker --only urgent & urgent=$$!; \
	$(FANGKONG) worker --except urgent & routine=$$!; \
	trap 'kill $$urgent $$routine 2>/dev/null' EXIT INT TERM; \
	$(FANGKONG) serve --host $(HOST) --port $(PORT)

serve: install
	$(FANGKONG) serve --host $(HOST) --port $(PORT)

test: install-test
	$(FANGKONG) makemigrations --check --dry-run
	$(BIN)/ruff check fangkong bench
	$(BIN)/ruff format --check --quiet fangkong bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

# The tests nearest the date and the hour (the demo, the browser, check-ins, reminders,
# duty, deadlines), with the clock moved (conftest.py): by default to 17:30 UTC today,
# when Shanghai is already on tomorrow. `make test-clock FANGKONG_TEST_NOW=...` for another
# moment; the whole suite takes it too (`FANGKONG_TEST_NOW=... make test`).
FANGKONG_TEST_NOW ?= $(shell date -u +%Y-%m-%d)T17:30:00+00:00
CLOCK_TESTS := fangkong/core/tests/test_clock.py fangkong/duty/tests/test_demo.py \
	fangkong/reporting/tests/test_demo.py fangkong/health/tests/test_browser.py \
	fangkong/incidents/tests/test_browser.py fangkong/reporting/tests/test_browser.py \
	fangkong/health/tests/test_checkins.py fangkong/reporting/tests/test_reminders.py \
	fangkong/duty/tests/test_on_duty.py

test-clock: install-test
	FANGKONG_TEST_NOW=$(FANGKONG_TEST_NOW) $(BIN)/pytest -n 2 --dist loadfile $(CLOCK_TESTS)

lint: install-test
	$(BIN)/ruff check fangkong bench
	$(BIN)/ruff format --check fangkong bench
	$(BIN)/mypy

messages: install-test
	cd fangkong && ../$(FANGKONG) makemessages -l zh_Hans --no-obsolete --ignore "tests/*" --ignore "*/tests/*" && ../$(FANGKONG) compilemessages

clean:
	rm -rf $(VENV) node_modules var
