# Entry points: make demo, make test. Both install what they need.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# tests/ and bench/ may not exist in a fresh clone (git keeps no empty directories).
LINT_PATHS := $(wildcard src tests bench)

.PHONY: install demo demo-reset test lint fmt bench messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	PORT=$(PORT) $(BIN)/guanjia demo

demo-reset: $(STAMP)
	rm -rf var
	PORT=$(PORT) $(BIN)/guanjia demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# pytest runs last so that its summary ("N passed") is the last line printed; its exit status is
# make's (5, no tests collected, fails too).
test: $(STAMP)
	@if [ -z "$(SKIP_LINT)" ]; then $(MAKE) --no-print-directory lint; fi
	$(BIN)/guanjia makemigrations --check --dry-run
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for b in $(wildcard bench/*.py); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

messages: $(STAMP)
	cd src/guanjia && ../../$(BIN)/guanjia makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/python -m guanjia.core.compilemo

clean:
	rm -rf $(VENV) var
