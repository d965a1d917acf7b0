# meshkit — the two commands of the Quick start are `make demo` and `make test`.
# Both create the virtual environment and install what they need themselves.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SRC    := ck runtime models adapters apps

.PHONY: demo test lint format typecheck pytest venv clean help

help:
	@echo "make demo   set up, load the model library and run the demo community"
	@echo "make test   set up, then ruff (lint + format check), mypy and pytest"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "meshkit needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies change.
$(STAMP): $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/meshkit demo

# mypy derives module names from folders; a link tree gives it meshkit.<folder> names.
.typecheck/meshkit: Makefile
	@mkdir -p .typecheck/meshkit
	@for d in $(SRC); do ln -sfn ../../$$d .typecheck/meshkit/$$d; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Fix what lint can fix and format code, including the Python snippets in docs/*.md.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) .typecheck/meshkit
	$(BIN)/mypy -p meshkit.ck -p meshkit.runtime -p meshkit.models -p meshkit.adapters -p meshkit.apps

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .typecheck .mypy_cache .pytest_cache .ruff_cache
