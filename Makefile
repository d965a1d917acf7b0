# meshkit — the two commands of the Quick start are `make demo` and `make test`.
# Both create the virtual environment and install what they need themselves.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SRC    := ck runtime models adapters apps

.PHONY: demo test lint format typecheck pytest venv clean help web web-test node chromium e2e

help:
	@echo "make demo   set up, load the model library and run the demo community"
	@echo "make test   set up, then ruff (lint + format check), mypy, pytest and the web apps' checks"
	@echo "make web    install the web apps' packages and build them (apps/web/dist)"
	@echo "make e2e    the browser tests: headless Chromium against meshkit serve with the demo data"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "meshkit needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies change.
$(STAMP): $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP) web
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

test: lint typecheck pytest web-test e2e

# --- the web apps (apps/web, docs/apps.md): Node.js 18.18+ and npm ---------------------------
WEB         := apps/web
WEB_MODULES := $(WEB)/node_modules/.installed
WEB_BUILT   := $(WEB)/dist/.built
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/app $(WEB)/portal -type f 2>/dev/null) \
               $(WEB)/vite.config.ts $(WEB)/tsconfig.json
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Node.js from the system's package manager when there is none (Debian/Ubuntu: apt-get).
node:
	@command -v npm >/dev/null 2>&1 || { \
	  echo "npm not found: installing nodejs and npm with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }

# `npm ci` only when the lock file (or package.json) changed.
$(WEB_MODULES): $(WEB)/package.json $(WEB)/package-lock.json
	@$(MAKE) --no-print-directory node
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Build only when the packages, the sources or the model changed. The model's schema goes into
# the management app (dist/app/schema.graphql) for servers that refuse introspection.
WEB_MODEL   := $(shell find models -name '*.yaml' 2>/dev/null)

$(WEB_BUILT): $(WEB_MODULES) $(WEB_SOURCES) $(WEB_MODEL) $(STAMP)
	$(BIN)/meshkit graphql sdl > $(WEB)/node_modules/.schema.graphql
	cd $(WEB) && MESHKIT_SCHEMA_SDL=node_modules/.schema.graphql npm run --silent build
	@touch $@

web: $(WEB_BUILT)

# TypeScript type check and the vitest unit tests (no build, no browser needed); the tests also
# check every generated query against the real schema, printed by `meshkit graphql sdl`.
web-test: $(WEB_MODULES) $(STAMP)
	$(BIN)/meshkit graphql sdl > $(WEB)/node_modules/.schema.graphql
	cd $(WEB) && npx --no-install tsc --noEmit
	cd $(WEB) && MESHKIT_SCHEMA_SDL=node_modules/.schema.graphql npx --no-install vitest run

# --- the browser tests (apps/web/e2e, docs/apps.md): Playwright driving Debian's Chromium -----
# Playwright cannot download its own browsers here; the tests use the system's Chromium.
# Without one (and no way to install it) they fail under CI=true and are skipped loudly elsewhere.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@[ -x "$(CHROMIUM)" ] || { \
	  echo "no Chromium at $(CHROMIUM): installing Debian's chromium with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	  || echo "could not install chromium"; }

# A fresh demo database in a temporary folder, `meshkit serve` on a free loopback port, the tests;
# screenshots of the main pages go to apps/web/e2e/screenshots/ (not committed).
e2e: $(WEB_BUILT) $(STAMP)
	@$(MAKE) --no-print-directory chromium
	@if [ -x "$(CHROMIUM)" ]; then \
	  cd $(WEB) && npx --no-install tsc --noEmit -p e2e \
	  && MESHKIT_CHROMIUM="$(CHROMIUM)" npx --no-install playwright test -c e2e; \
	elif [ "$$CI" = "true" ]; then \
	  echo "error: no Chromium at $(CHROMIUM) and it could not be installed: the browser tests cannot run" >&2; \
	  exit 1; \
	else \
	  echo "##########################################################################"; \
	  echo "## SKIPPED: the browser tests (make e2e) did NOT run: no Chromium at $(CHROMIUM)"; \
	  echo "## install Debian's chromium (apt-get install chromium) or set CHROMIUM=/path"; \
	  echo "##########################################################################"; \
	fi
clean:
	rm -rf $(VENV) .typecheck .mypy_cache .pytest_cache .ruff_cache
