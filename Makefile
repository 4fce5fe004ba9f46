# newsflow: the README's commands. Everything installs itself on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NF     := $(BIN)/newsflow

.PHONY: help install browser up up-detached down status test test-faults lint unit bench bench-sustained clean-data

help:
	@echo "make up           run the whole system in the foreground (Ctrl-C stops it)"
	@echo "make up-detached  run it in the background (same as: make up DETACH=1)"
	@echo "make down         stop everything (data kept)"
	@echo "make status       show each component, its port, pid and health"
	@echo "make test         install everything, lint, type-check and run all tests"
	@echo "make test-faults  only the fault scenarios (kills, outages, full disk) on a stack of their own"
	@echo "make browser      install Debian's chromium and chromedriver (the web page's browser test)"
	@echo "make bench        print throughput and latency figures"
	@echo "make bench-sustained  only the sustained-load run and its plot (ARGS=\"--seconds 600 --rate 5\")"
	@echo "make clean-data   after 'make down': delete Kafka, Elasticsearch and state data"

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsflow needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed
	$(NF) fetch

up: install
	$(NF) up $(if $(DETACH),--detach)

up-detached: install
	$(NF) up --detach

down:
	@if [ -x $(NF) ]; then $(NF) down; else echo "nothing was running"; fi

status: install
	$(NF) status

# mypy runs on the installed layout (tools/typecheck.py); lint-imports enforces the layers
# (docs/decisions/0002-one-package-in-layers.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.typecheck
	$(BIN)/python -m tools.layers

unit: install
	$(BIN)/pytest tests/unit

# The web page's test drives Debian's chromium through its chromedriver (no download by Selenium).
# apt-get needs root: sudo is used when not root; the package lists are refreshed only if needed.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER_PACKAGES := chromium chromium-driver

browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y $(BROWSER_PACKAGES) \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y $(BROWSER_PACKAGES); }; \
	fi

test: install lint browser
	$(BIN)/pytest

# The fault scenarios start their own Kafka + Elasticsearch on other ports (`make test` runs them too).
test-faults: install
	$(BIN)/pytest -m faults tests/faults

bench: install
	$(BIN)/python -m bench

bench-sustained: install
	$(BIN)/python -m bench.sustained $(ARGS)

clean-data:
	@if [ -x $(NF) ]; then $(NF) clean-data; else rm -rf .newsflow/data; fi
