# Every target sets itself up on a fresh machine: a venv with Python deps and Node 24 (.venv/),
# and the pinned CDK CLI (node_modules/). Pass extra CDK arguments with ARGS, e.g.
#   make deploy ARGS="-c bufferSizeMiB=5 -c labName=Lab2"
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
ARGS ?=
# jsii and the CDK CLI run on the venv's Node LTS, never the machine's end-of-life Node.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup synth test deploy destroy clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt producer/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	$(CDK) synth --quiet $(ARGS)

test: setup
	$(PY) -m pytest

deploy: setup
	$(PY) -m tools.aws_preflight --bootstrap
	$(CDK) deploy --require-approval never --outputs-file cdk-outputs.json $(ARGS)

destroy: setup
	$(PY) -m tools.aws_preflight
	$(CDK) destroy --force $(ARGS)

clean:
	rm -rf cdk.out cdk-outputs.json .pytest_cache
