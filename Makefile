# bluegreen.aws developer entry points.
#
#   make demo      provision the stack on the embedded AWS, switch to green, release version 2, show status
#   make test      every check: pytest, and beside it lint (yamllint, ansible-lint),
#                  sanity, changelog, molecule; then each stage's seconds
#   make clean     remove .venv and caches
#
# Each check also runs on its own: make lint | pytest | sanity | molecule | changelog.
# Everything runs from .venv, created with $(PYTHON) on first use and
# reinstalled only when a requirements file changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin

# Tools from .venv first; ansible-test and molecule start further tools by name.
export PATH := $(BIN):$(PATH)
# Not the AWS account of whoever runs this: everything here talks to the emulator.
unexport AWS_PROFILE AWS_ENDPOINT_URL

PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --quiet

# Stamps: a requirements file newer than its stamp means reinstall.
RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP    := $(VENV)/.installed-test

# One worker per CPU, each with its own emulator; --dist loadfile keeps each test
# file on one worker, in order (the playbook tests build one stack per module).
# --no-loadscope-reorder: files go out in collection order, which conftest.py
# sorts slowest first, so the two workers end together.
# `make pytest PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder

# `make test`: pytest in the foreground; the other stages, one after the other,
# beside it (their output in $(CI_OUT)/<stage>.log, shown when they end).
# Most of a pytest run waits on ansible-playbook and the emulator; the second
# lane fills the CPU time that leaves. Stage seconds: $(CI_OUT)/<stage>.time.
CI_OUT      := tests/output/ci
SIDE_STAGES := lint sanity changelog molecule
export CI_OUT

# The test directories that exist (git keeps no empty directory).
PYTEST_PATHS := $(wildcard tests/unit tests/integration)

.DEFAULT_GOAL := help
# `make -j test` must still run the checks one after the other.
.NOTPARALLEL:
.PHONY: help demo venv test lint pytest sanity molecule changelog clean

help:
	@sed -n '3,10s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(TEST_STAMP): requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements-test.txt
	touch $@ $(RUNTIME_STAMP)

demo: $(RUNTIME_STAMP)
	ansible-playbook site.yml
	ansible-playbook switch.yml -e color=green
	ansible-playbook deploy.yml -e version=2
	ansible-playbook playbooks/status.yml

venv: $(TEST_STAMP)

test: $(TEST_STAMP)
	@rm -rf $(CI_OUT)
	@.ci/stages --log $(SIDE_STAGES) & side=$$!; \
	.ci/stages pytest; rc=$$?; \
	wait $$side || rc=1; \
	.ci/stages --report lint pytest sanity molecule changelog; \
	exit $$rc

lint: $(TEST_STAMP)
	yamllint --strict .
	ansible-lint

pytest: $(TEST_STAMP)
	python -m pytest -p no:cacheprovider $(PYTEST_ARGS) $(PYTEST_PATHS)

sanity: $(TEST_STAMP)
	PYTHON=$(BIN)/python tests/sanity/run.sh

# Every scenario in extensions/molecule/: the whole flow (default) and windows
# (skips itself without a real instance). Each role on its own is tested by
# pytest (tests/integration/test_role_*.py).
molecule: $(TEST_STAMP)
	molecule test --all

changelog: $(TEST_STAMP)
	antsibull-changelog lint

clean:
	rm -rf $(VENV) tests/output .pytest_cache .ansible .cache
	find . -path ./collections -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
