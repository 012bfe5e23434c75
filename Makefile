# Skillpath: `make run` serves the demo, `make test` runs the whole suite, `make help` lists the rest.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app pwa
PORT ?= 5000
# Invite links and passkeys follow the port unless SKILLPATH_ORIGIN is set.
ORIGIN = $${SKILLPATH_ORIGIN:-http://localhost:$(PORT)}
# This machine's pip configuration names local mirror folders that may not exist;
# pip warns about each on every install. Those lines say nothing about our packages.
QUIET_PIP = 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
CHROMIUM := /usr/bin/chromium
LOCK := requirements.lock
# The lock file is written by pip-tools, kept in a virtual environment of its own.
PIP_TOOLS := pip-tools==7.7.0
LOCK_VENV := .venv-lock

.PHONY: help run run-scaled test check bench lint lock chromium db messages translations

# Each language's catalogue (.po, committed) is compiled into the .mo the app reads (not
# committed: it is built from the .po, so the two can never disagree). Every target that
# starts the app or the tests depends on them (.ci/run: through `make test`), and the tests'
# conftest compiles any that is stale, for a bare `python -m pytest`.
CATALOGUES := $(wildcard pwa/i18n/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

help: ## List the targets, one line each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# The app runs from this folder (flask --app pwa, python -m pytest): only the locked
# dependencies are installed, every one at its exact version and checked against its hash.
$(VENV)/.installed: $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK) $(QUIET_PIP)
	touch $@

lock: ## Rewrite requirements.lock from pyproject.toml (exact versions and hashes)
	test -x $(LOCK_VENV)/bin/pip-compile || \
	  ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS) $(QUIET_PIP))
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --extra test --output-file $(LOCK) \
	  $(LOCK_ARGS) pyproject.toml $(QUIET_PIP)

db: $(VENV)/.installed $(COMPILED) ## Create or upgrade the development database (SQLite in instance/)
	SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) db upgrade

run: db ## Seed the demo organisation and serve the app on http://localhost:5000
	@SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) vapid generate >/dev/null
	@SKILLPATH_ORIGIN=$(ORIGIN) SKILLPATH_ENV=$${SKILLPATH_ENV:-development} \
	  $(FLASK) seed-demo --print-invites
	@echo "Serving on $(ORIGIN) (open the links above on this address)."
	SKILLPATH_ORIGIN=$(ORIGIN) SKILLPATH_ENV=$${SKILLPATH_ENV:-development} \
	  $(FLASK) run --host localhost --port $(PORT)

# PostgreSQL and Redis of this machine (DATABASE_URL, REDIS_URL override them); see the
# README's "Running it for an organisation" and scripts/run_scaled.py.
run-scaled: $(VENV)/.installed $(COMPILED) ## The demo on PostgreSQL + Redis: gunicorn, an RQ worker and the scheduler
	exec $(PY) scripts/run_scaled.py --port $(PORT)

chromium: ## Install Debian's chromium for the browser tests if it is missing
	@test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

test: $(VENV)/.installed $(COMPILED) chromium ## Run the whole suite, browser tests included (SQLite)
	$(PY) -m pytest $(PYTEST_ARGS)

check: lint $(COMPILED) ## The fast loop: ruff, mypy and every test that needs no browser
	$(PY) -m pytest -q -m "not browser" $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

node_modules/.bin/lighthouse: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.installed $(COMPILED) chromium node_modules/.bin/lighthouse ## Every benchmark on SQLite and PostgreSQL, then the goals missed
	$(PY) -m tests.benchmarks.run $(PYTEST_ARGS)

# Re-extract every server string (templates, pages, api, engine's N_ templates) into the
# English catalogue template, then update each language's catalogue from it: new strings
# arrive empty, changed ones fuzzy (docs/translating.md).
messages: $(VENV)/.installed ## Re-extract the server's strings into the catalogue template
	$(VENV)/bin/pybabel --quiet extract -F pwa/i18n/babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -k N_plural:1,2 \
		--project Skillpath --copyright-holder Skillpath --no-wrap --sort-by-file \
		-o pwa/i18n/translations/messages.pot.new engine api pwa
	@# Only the extraction's date changed: keep the file as it is, so that nothing differs.
	if diff -q -I '^"POT-Creation-Date:' pwa/i18n/translations/messages.pot \
	    pwa/i18n/translations/messages.pot.new >/dev/null 2>&1; \
	then rm pwa/i18n/translations/messages.pot.new; \
	else mv pwa/i18n/translations/messages.pot.new pwa/i18n/translations/messages.pot; fi
	for po in $(CATALOGUES); do \
	  $(VENV)/bin/pybabel --quiet update --no-wrap --ignore-obsolete \
	    -i pwa/i18n/translations/messages.pot -o "$$po" -l "$$(basename "$$(dirname "$$(dirname "$$po")")")"; \
	done

translations: $(COMPILED) ## Compile each language's catalogue (.po) into the .mo the app reads

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet compile -i $< -o $@
