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

.PHONY: setup dev test test-unit test-integration test-e2e test-infra lint bench clean chromium synth deploy destroy

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

# Two processes: the browser suite never shares one with the threads the other tests start
# (stacks, pollers). Both always run; the target fails if either did.
test: setup synth
	$(PY) -m pytest tests; first=$$?; $(PY) -m pytest e2e; second=$$?; \
	  if [ $$first -ne 0 ] || [ $$second -ne 0 ]; then echo "make test: tests/ exited $$first, e2e/ exited $$second"; exit 1; fi

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

# ---------------------------------------------------------------- AWS (README: Deploy to AWS)
# `make synth` needs no account and no CDK CLI: the app synthesizes itself (python -m infra.app)
# for dev and prod into .lumi/cdk.out/<stage>, fails on an unsuppressed cdk-nag finding, and
# cfn-lint checks both templates. Deploy and destroy use the CDK CLI from npm (through the
# venv's npx) and stop first, with what to do, without credentials or with an unknown STAGE.
STAGE ?= dev
CDK_OUT := .lumi/cdk.out
CDK_APP := $(PY) -m infra.app
# The CDK CLI is versioned apart from aws-cdk-lib: 2.1149.0 reads the cloud assemblies of
# aws-cdk-lib 2.275 (schema 55). Bump it with aws-cdk-lib.
CDK_CLI_VERSION := 2.1149.0
CDK := npx --yes aws-cdk@$(CDK_CLI_VERSION)
# What a deploy builds before CDK runs (CDK builds the app server's image itself, with Docker):
# the web bundle (`reflex export`; Reflex turns the baked-in localhost into the page's own host,
# so the websocket is wss://<the distribution>/_event) and the Lambda packages (infra/assets.py:
# pip wheels for Python 3.12 on Amazon Linux 2023, cached under .lumi/lambda-assets).
WEB_BUNDLE := .lumi/web/8000
DEPLOY_BUILD = $(PY) -m tools.app_build http://localhost:8000 && $(PY) -m infra.assets
# DEPLOY_CONTEXT: your own `-c key=value` for deploy and destroy (mediaSigningPublicKey,
# alarmEmail=ops@example.com, sesFromAddress=..., see the README's "Deploy to AWS").
DEPLOY_CONTEXT ?=
CDK_ARGS = -a "$(CDK_APP)" -c stage=$(STAGE) -c lambdaAssets=build -c webBundle=$(WEB_BUNDLE) $(DEPLOY_CONTEXT) --output $(CDK_OUT)/$(STAGE)-deploy

synth: setup
	@for stage in dev prod; do \
	  rm -rf $(CDK_OUT)/$$stage; \
	  echo "synthesizing Lumi-$$stage into $(CDK_OUT)/$$stage"; \
	  CDK_OUTDIR=$(CDK_OUT)/$$stage CDK_CONTEXT_JSON='{"stage": "'$$stage'"}' $(PY) -m infra.app || exit 1; \
	done
	$(PY) -m infra.cfn_lint $(CDK_OUT)/dev/Lumi-dev.template.json $(CDK_OUT)/prod/Lumi-prod.template.json

# Bootstrapping is idempotent (a no-op once the account and region have the CDK's toolkit stack).
# Prod asks before a change that widens access (IAM, security groups); dev does not.
deploy: setup
	$(PY) -m infra.deploy preflight --stage $(STAGE)
	$(DEPLOY_BUILD)
	$(CDK) bootstrap $(CDK_ARGS)
	$(CDK) deploy Lumi-$(STAGE) $(CDK_ARGS) --require-approval $(if $(filter prod,$(STAGE)),broadening,never) --outputs-file $(CDK_OUT)/$(STAGE)-outputs.json
	$(PY) -m infra.deploy url --stage $(STAGE) --outputs $(CDK_OUT)/$(STAGE)-outputs.json

# Dev's data goes with it; prod keeps its table, buckets, user pool, search domain and secrets
# (RETAIN) and asks before it starts.
destroy: setup
	$(PY) -m infra.deploy preflight --stage $(STAGE)
	$(CDK) destroy Lumi-$(STAGE) $(CDK_ARGS) $(if $(filter dev,$(STAGE)),--force)

clean:
	rm -rf .web .lumi .pytest_cache .ruff_cache
