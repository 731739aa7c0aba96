# Aptura: `make dev` runs everything locally, `make test` runs every test.
SHELL := /bin/bash
# The functions run on Python 3.13 (template.yaml), so the venv does too: pyenv's 3.13 where it is installed
# (these machines have it, see docs/deploy.md), else python3.13 on PATH, else python3.
PYENV_PYTHON := $(lastword $(sort $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13)))
PYTHON ?= $(or $(PYENV_PYTHON),$(shell command -v python3.13 2>/dev/null),python3)
# The tools' own venvs (SAM CLI, schemathesis) need no particular version.
TOOLS_PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .sam-venv
FUZZ_VENV := .fuzz-venv
TS_SDK := sdks/typescript
export PYTHONPATH := $(CURDIR)/layer:$(CURDIR)

.PHONY: dev test deps lint typecheck build sam-validate schema events invoke bench clean chromium screenshots sdks

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements-dev.txt layer/requirements.txt
	@# a venv of another Python (e.g. made before the move to 3.13) is made anew
	test -x $(PY) && [ "$$($(PY) -c 'import sys; print(sys.version_info[:2])')" = "$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ] \
		|| { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FUZZ_VENV)/.installed: requirements-fuzz.txt
	test -x $(FUZZ_VENV)/bin/python || $(TOOLS_PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/python -m pip install -q --disable-pip-version-check uv
	$(FUZZ_VENV)/bin/uv pip install -q -p $(FUZZ_VENV)/bin/python -r requirements-fuzz.txt
	touch $@

$(SAM_VENV)/.installed:
	test -x $(SAM_VENV)/bin/python || $(TOOLS_PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --disable-pip-version-check uv
	$(SAM_VENV)/bin/uv pip install -q -p $(SAM_VENV)/bin/python aws-sam-cli==1.170.0
	touch $@

dev: deps
	$(PY) -m local.devstack

# The browser tests use Debian's chromium: Playwright's own browser download cannot reach its CDN here.
CHROMIUM := /usr/bin/chromium
chromium: $(CHROMIUM)
$(CHROMIUM):
	SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); export DEBIAN_FRONTEND=noninteractive; \
		$$SUDO apt-get install -y -q chromium >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium >/dev/null; }
	test -x $@

test: deps $(TS_SDK)/node_modules/.installed $(SAM_VENV)/.installed $(FUZZ_VENV)/.installed $(CHROMIUM)
	SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam SCHEMATHESIS=$(CURDIR)/$(FUZZ_VENV)/bin/schemathesis \
		$(PY) -m pytest -n 2 --dist loadgroup

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy layer/aptura local sandboxes
	$(VENV)/bin/mypy tests bench
	for f in functions/*/app.py; do $(VENV)/bin/mypy $$f || exit 1; done  # each is a module named app

# Retake the README's screenshots (docs/screenshots/) with the browser tests.
screenshots: deps $(CHROMIUM)
	APTURA_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/browser -n 2

schema: deps
	$(PY) -m aptura.spec.schema > specs/schema.json

# The client libraries under sdks/, regenerated from the committed OpenAPI document (refreshed first).
sdks: deps $(TS_SDK)/node_modules/.installed
	$(PY) -m aptura.api.openapi > docs/openapi.json
	cd sdks && ../$(VENV)/bin/openapi-python-client generate --path ../docs/openapi.json \
		--config python-config.yaml --output-path python --overwrite
	cd $(TS_SDK) && ./node_modules/.bin/openapi-typescript ../../docs/openapi.json -o schema.d.ts \
		&& ./node_modules/.bin/tsc -p .

# The TypeScript client's own npm project: openapi-fetch, and openapi-typescript and tsc to regenerate it.
$(TS_SDK)/node_modules/.installed: $(TS_SDK)/package.json $(TS_SDK)/package-lock.json
	cd $(TS_SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

events: deps
	rm -rf events  # a route removed from the API must not leave its event behind
	$(PY) -m local.events --template template.yaml --out events/

# One function on one event, against the running `make dev` (sam local invoke without Docker).
invoke: deps
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/<Function>/<Name>.json" >&2; exit 2; }
	@$(PY) -m local.invoke "$(EVENT)"

# sam build finds the runtime's interpreter (python3.13) on PATH: the venv's own comes first.
SAM_ENV := SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
build: deps $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM_VENV)/bin/sam build
	$(PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build/EngineLayer/python

# Cold starts are measured on a build for this machine's architecture: the deployed one is arm64, whose
# compiled wheels an x86_64 machine cannot import (.aws-sam/native differs from it only in Architectures).
# Rebuilt only when a source is newer than it.
BUILD_SOURCES := template.yaml layer/requirements.txt $(shell find layer/aptura functions specs -name '*.py' -o -name '*.yaml' 2>/dev/null)
NATIVE_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)

.aws-sam/native/template.yaml: $(BUILD_SOURCES) | deps $(SAM_VENV)/.installed
	mkdir -p .aws-sam
	sed 's/\barm64\b/$(NATIVE_ARCH)/g' template.yaml > .aws-sam/native-template.yaml
	$(SAM_ENV) $(SAM_VENV)/bin/sam build --template-file .aws-sam/native-template.yaml --base-dir . \
		--build-dir .aws-sam/native
	$(PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/native/EngineLayer/python

bench: deps $(SAM_VENV)/.installed .aws-sam/native/template.yaml
	APTURA_BENCH_BUILD=.aws-sam/native $(PY) -m bench.run

sam-validate: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM_VENV)/bin/sam validate --lint

clean:
	rm -rf .aws-sam .aptura
