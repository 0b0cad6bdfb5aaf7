# bluegreen.aws developer entry points.
#
#   make demo      provision the stack on the embedded AWS, switch to green, release version 2, show status
#   make test      every check, in CI order, stopping at the first failure:
#                  lint (yamllint, ansible-lint), pytest, sanity, molecule, changelog
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
# file on one worker, in order (test_playbooks.py builds one stack per module).
# Measured ~25% faster than serial on 2 CPUs. `make pytest PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist loadfile

# The test directories that exist (git keeps no empty directory).
PYTEST_PATHS := $(wildcard tests/unit tests/integration)

.DEFAULT_GOAL := help
# `make -j test` must still run the checks one after the other.
.NOTPARALLEL:
.PHONY: help demo test lint pytest sanity molecule changelog clean

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

test: lint pytest sanity molecule changelog

lint: $(TEST_STAMP)
	yamllint --strict .
	ansible-lint

pytest: $(TEST_STAMP)
	python -m pytest -p no:cacheprovider $(PYTEST_ARGS) $(PYTEST_PATHS)

sanity: $(TEST_STAMP)
	PYTHON=$(BIN)/python tests/sanity/run.sh

# Every scenario in extensions/molecule/: the whole flow (default), one per
# infrastructure role, and windows (skips itself without a real instance).
molecule: $(TEST_STAMP)
	molecule test --all

changelog: $(TEST_STAMP)
	antsibull-changelog lint

clean:
	rm -rf $(VENV) tests/output .pytest_cache .ansible .cache
	find . -path ./collections -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
