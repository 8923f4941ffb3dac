# Two entry points, each installing what it needs first:
#   make synth   synthesizes dist/ for every environment (through `cdk8s synth`)
#   make test    runs the test suite
# The project's Node runtime (npm package `node`) comes first on PATH so jsii
# never runs on the machine's end-of-life Node 20.

# CI tests the oldest Python meshc supports (pyproject.toml: >=3.11). To run the
# suite on a newer one, give both: make test PYTHON=python3.13 VENV=.venv313
VENV ?= .venv
# The real MCP Mesh SDK and PostgreSQL for the runtime contract test (tests/runtime):
# a venv of their own, see tests/runtime/requirements.txt for why.
MESH_VENV := .venv-mesh
PYTHON ?= python3.11
# cdk8s-cli asks npm for a newer version on every run; offline that prints a
# stack trace, and a pinned tool has nothing to upgrade to.
export CDK8S_CHECK_UPGRADE := false
# The Flux CRDs that validate schema-checks HelmReleases and Kustomizations
# against. meshc never copies CRD files; on our machines the reference copies
# sit next to the checkout. Set MESHC_CRD_DIRS yourself to point elsewhere.
export MESHC_CRD_DIRS ?= $(wildcard $(CURDIR)/../shared/crds)
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup synth test validate bench
setup: $(VENV)/.installed $(MESH_VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

$(MESH_VENV)/.installed: tests/runtime/requirements.txt
	$(PYTHON) -m venv $(MESH_VENV)
	$(MESH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r tests/runtime/requirements.txt
	$(MESH_VENV)/bin/pip check
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	cdk8s synth

test: setup
	python -m pytest -q
