# Every target sets itself up on a fresh machine from the locks, resolving nothing: a venv that is exactly
# requirements-dev.lock (Python packages, Node 24), the producer's locked wheels for the lab's asset
# (producer/wheels/), and the pinned CDK CLI (node_modules/, npm ci). `make lock` refreshes the locks on purpose.
# Pass extra CDK arguments with ARGS, e.g.
#   make deploy ARGS="-c bufferSizeMiB=5 -c labName=Lab2"
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
CDK := node_modules/.bin/cdk
WHEELS := producer/wheels
# One Python for every lock (the oldest the project supports); markers cover newer ones. LOCK_ARGS, e.g.
# --upgrade-package boto3, passes through to uv pip compile.
LOCK := $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock"
LOCK_ARGS ?=
ARGS ?=
REHEARSE_ARGS ?=
LAB_LOCAL_ARGS ?=
# jsii and the CDK CLI run on the venv's Node LTS, never the machine's end-of-life Node.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# The lab's words in Spanish (producer/i18n.py): one gettext catalog per package that prints, its source in git
# (<package>/locale/es/LC_MESSAGES/<package>.po), compiled here to the .mo gettext reads, as the wheels are fetched:
# never edited by hand, never in git; the producer's ships in its asset.
I18N_PACKAGES := producer lab_stack labctl rehearsal
CATALOGS := $(foreach package,$(I18N_PACKAGES),$(package)/locale/es/LC_MESSAGES/$(package).mo)
# Besides gettext's own (_, N_, ngettext): labctl/text.py's counted(n, singular, plural) is a plural message.
I18N_KEYWORDS := counted:2,3

.PHONY: setup lock i18n synth test test-all rehearse lab-local cost deploy verify status query watch destroy bench clean \
	class-up class-down class-check class-cost class-status rehearse-class

setup: $(VENV)/.installed $(WHEELS)/.installed node_modules/.installed $(CATALOGS)

# uv first (pip checks its hashes; the setuptools CPython 3.11 seeds a venv with is in no lock), then uv makes the
# venv exactly the lock, wheels only: adds, upgrades and removes.
$(VENV)/.installed: requirements-uv.lock requirements-dev.lock
	test -x $(UV) || { $(PYTHON) -m venv $(VENV) && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-uv.lock && \
	  $(UV) pip uninstall --quiet --python $(PY) setuptools; }
	$(UV) pip sync --quiet --require-hashes --only-binary :all: --python $(PY) requirements-dev.lock
	touch $@

# The wheels the lab instance installs offline: part of the producer's asset (lab_stack/producer_host.py).
$(WHEELS)/.installed: producer/requirements.lock $(VENV)/.installed
	rm -rf $(WHEELS)
	$(PY) -m pip download --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
	  --dest $(WHEELS) -r producer/requirements.lock
	touch $@

# On purpose only: resolve the requirements*.txt pins again and rewrite every lock with hashes. Kept versions
# stay unless LOCK_ARGS says --upgrade or --upgrade-package NAME. Then `make test` and `make rehearse`.
lock: $(VENV)/.installed
	$(LOCK) $(LOCK_ARGS) requirements-dev.txt -o requirements-dev.lock
	$(LOCK) $(LOCK_ARGS) requirements-uv.txt -c requirements-dev.lock -o requirements-uv.lock
	$(LOCK) $(LOCK_ARGS) producer/requirements.txt -c requirements-dev.lock -o producer/requirements.lock
	$(LOCK) $(LOCK_ARGS) requirements-student.txt -c requirements-dev.lock -o requirements-student.lock

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet compile --input-file $< --output-file $@

# On purpose only: extract each package's messages (_(), N_(), ngettext()) and bring its Spanish catalog up to date:
# new messages empty, removed ones dropped, an edited one kept as fuzzy (not used until reviewed). Then translate
# the empty and fuzzy ones; tests/unit/test_i18n.py fails until every message has its Spanish.
i18n: $(VENV)/.installed
	set -e; for package in $(I18N_PACKAGES); do \
	  template=$$(mktemp); \
	  $(VENV)/bin/pybabel --quiet extract --add-location=file --no-wrap --sort-output --project=firehose-lab \
	    --keyword "$(I18N_KEYWORDS)" --output-file $$template $$package; \
	  $(VENV)/bin/pybabel --quiet update --no-wrap --ignore-obsolete --ignore-pot-creation-date --init-missing \
	    --locale es --domain $$package --input-file $$template --output-dir $$package/locale; \
	  rm $$template; \
	done

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	$(CDK) synth --quiet $(ARGS)

# The fast tier: everything but tests/e2e/, on every core (about two minutes on two). A module's tests stay on one
# worker, in order, sharing its synth and its lab fixture (loadfile).
test: setup
	$(PY) -m pytest -n auto --dist loadfile -m "not e2e"

# The whole specification: the fast tier, then the end-to-end tests (rehearsals on a scaled clock, lab-local, the
# guide, the CDK CLI's settings runs) one module at a time, as CI runs them.
test-all: test
	$(PY) -m pytest -m e2e

# The main job without an AWS account: real CDK CLI against a local emulator, real 60 s buffer by default.
# Faster: make rehearse REHEARSE_ARGS="--clock-scale 0.1"
rehearse: setup
	$(PY) -m rehearsal $(ARGS) $(REHEARSE_ARGS)

# The lab offline until Ctrl-C, for the guide (docs/): the rehearsal's deploy and boot, then env lines to source.
# Settings as for deploy (ARGS="-c producerRatePerSecond=2000"); faster buffer clock: LAB_LOCAL_ARGS="--clock-scale 0.1"
lab-local: setup
	$(PY) -m rehearsal.lab_local $(ARGS) $(LAB_LOCAL_ARGS)

# What the lab costs with these settings, before anything is created; no AWS account needed.
cost: setup
	$(PY) -m labctl cost $(ARGS)

deploy: setup
	$(PY) -m labctl cost --summary $(ARGS)  # the price first; a bad setting stops here, before the account is touched
	$(CDK) synth --quiet $(ARGS)
	$(PY) -m labctl preflight --bootstrap $(ARGS)
	$(CDK) deploy --require-approval never --outputs-file cdk-outputs.json $(ARGS)

verify: setup
	$(PY) -m labctl verify $(ARGS)

status: setup
	$(PY) -m labctl status $(ARGS)

# make query (lists the saved queries) | make query QUERY="top tickers" | make query SQL="SELECT ..."
# Passed through the environment unexpanded ($(value ...)), so quotes and `$` ('$.a' in a JSON path) reach labctl as
# written; the command is not echoed (its shell syntax says nothing to a student).
query: export QUERY_NAME := $(value QUERY)
query: export QUERY_SQL := $(value SQL)
query: setup
	@$(PY) -m labctl query $(ARGS) $${QUERY_NAME:+"$$QUERY_NAME"} $${QUERY_SQL:+--sql "$$QUERY_SQL"}

# Each object as it lands in S3 and why it was flushed, live; on AWS or the offline lab. Ctrl-C ends it.
watch: setup
	$(PY) -m labctl watch $(ARGS)

destroy: setup
	$(PY) -m labctl preflight $(ARGS)
	$(CDK) destroy --force $(ARGS)

# A class of labs in one account (README "A class"): make class-up ROSTER=roster.csv CLASS=bda-2026 [HOURS=8]
# [ACCESS_KEYS=yes] [BUDGET=usd] [BUDGET_EMAIL=address],
# class-status CLASS=..., class-down CLASS=... [STUDENT=id ROSTER=...], class-check ROSTER=..., class-cost ROSTER=...
# Across accounts, one per student (a StackSet): class-up ... ACCOUNTS=111111111111,222222222222 or OU=ou-...;
# class-status and class-down know such a class by its StackSet. ACCOUNT_ROLE: the role to read student accounts by.
CLASS ?=
ROSTER ?=
STUDENT ?=
HOURS ?= 24
ACCESS_KEYS ?=
BUDGET ?=
BUDGET_EMAIL ?=
ACCOUNTS ?=
OU ?=
ACCOUNT_ROLE ?=
ACROSS = $(if $(ACCOUNTS),--accounts "$(ACCOUNTS)") $(if $(OU),--ou "$(OU)")
READ_AS = $(if $(ACCOUNT_ROLE),--account-role "$(ACCOUNT_ROLE)")
class-up: setup
	$(PY) -m labctl class up --class "$(CLASS)" --roster "$(ROSTER)" --hours "$(HOURS)" $(ACROSS) $(READ_AS) \
		$(if $(ACCESS_KEYS),--access-keys "$(ACCESS_KEYS)") $(if $(BUDGET),--budget "$(BUDGET)") \
		$(if $(BUDGET_EMAIL),--budget-email "$(BUDGET_EMAIL)") $(ARGS)

class-down: setup
	$(PY) -m labctl class down --class "$(CLASS)" $(if $(STUDENT),--student "$(STUDENT)" $(if $(ROSTER),--roster "$(ROSTER)")) $(READ_AS) $(ARGS)

class-check: setup
	$(PY) -m labctl class check $(if $(ROSTER),--roster "$(ROSTER)",--students "$(or $(STUDENTS),5)") $(ARGS)

class-cost: setup
	$(PY) -m labctl class cost $(if $(ROSTER),--roster "$(ROSTER)",--students "$(or $(STUDENTS),5)") --hours "$(HOURS)" $(ARGS)

class-status: setup
	$(PY) -m labctl class status --class "$(CLASS)" $(READ_AS) $(ARGS)

# The whole class offline (N labs on the emulator, the isolation matrix under enforced IAM, class-down): N=5 default.
# ACCOUNTS=3: a class across 3 accounts of an organization instead (a StackSet, rehearsal/stackset_class.py).
N ?= 5
rehearse-class: setup
	$(if $(ACCOUNTS),$(PY) -m rehearsal.stackset_class --accounts "$(ACCOUNTS)",$(PY) -m rehearsal.classroom --students "$(N)") $(REHEARSE_ARGS)

bench: setup
	$(PY) bench/bench_producer.py
	$(PY) bench/bench_pressure.py
	$(PY) bench/iam_evaluation.py
	$(PY) bench/bench_iam.py
	$(PY) bench/bench_athena.py

clean:
	rm -rf cdk.out cdk-outputs.json .pytest_cache $(WHEELS) $(CATALOGS)
