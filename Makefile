# Every target sets itself up on a fresh machine: a venv with Python deps and Node 24 (.venv/),
# and the pinned CDK CLI (node_modules/). Pass extra CDK arguments with ARGS, e.g.
#   make deploy ARGS="-c bufferSizeMiB=5 -c labName=Lab2"
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
ARGS ?=
REHEARSE_ARGS ?=
# jsii and the CDK CLI run on the venv's Node LTS, never the machine's end-of-life Node.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup synth test rehearse deploy verify destroy bench clean

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

# The main job without an AWS account: real CDK CLI against a local emulator, real 60 s buffer by default.
# Faster: make rehearse REHEARSE_ARGS="--clock-scale 0.1"
rehearse: setup
	$(PY) -m rehearsal $(ARGS) $(REHEARSE_ARGS)

deploy: setup
	$(CDK) synth --quiet $(ARGS)  # a bad setting stops here, before the account is touched
	$(PY) -m labctl preflight --bootstrap
	$(CDK) deploy --require-approval never --outputs-file cdk-outputs.json $(ARGS)

verify: setup
	$(PY) -m labctl verify $(ARGS)

destroy: setup
	$(PY) -m labctl preflight
	$(CDK) destroy --force $(ARGS)

bench: setup
	$(PY) bench/bench_producer.py
	$(PY) bench/bench_pressure.py

clean:
	rm -rf cdk.out cdk-outputs.json .pytest_cache
