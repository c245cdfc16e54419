# Lumi: `make dev` runs the whole system locally, `make test` runs the whole suite.
# Both set up what is missing first (a .venv with pinned requirements, Debian's Chromium).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup dev test test-unit test-integration test-e2e test-infra lint bench clean chromium

setup: $(STAMP) chromium

$(STAMP): requirements.txt $(wildcard requirements/*.txt)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Lumi needs Python 3.11, found " + sys.version' 
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (browsers are never downloaded by Playwright)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Data is kept in .lumi/data across runs; FRESH=1 moves it aside (.lumi/data.old-<time>) and starts empty.
dev: setup
	$(PY) -m tools.dev $(if $(SEED),--seed) $(if $(FRESH),--fresh)

test: setup
	$(PY) -m pytest tests e2e

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

test-infra: setup
	$(PY) -m pytest tests/infra

# BASE_URL=https://staging.example.com drives that deployment instead of starting the system (e2e/README.md).
test-e2e: setup
	$(PY) -m pytest e2e $(if $(BASE_URL),--base-url $(BASE_URL))

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) -m bench.api
	$(PY) -m bench.realtime
	$(PY) -m bench.moments
	$(PY) -m bench.music
	$(PY) -m bench.snapshot
	$(PY) -m bench.lighthouse

clean:
	rm -rf .web .lumi .pytest_cache .ruff_cache
