# Skillpath: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app pwa
PORT ?= 5000
CHROMIUM := /usr/bin/chromium

.PHONY: run test bench lint chromium db messages

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

db: $(VENV)/.installed
	SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) db upgrade

run: db
	@SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) seed-demo --print-invites
	@echo "Serving on http://localhost:$(PORT) (open the links above on this address)."
	SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) run --host localhost --port $(PORT)

chromium:
	@test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

test: $(VENV)/.installed chromium
	$(PY) -m pytest $(PYTEST_ARGS)

node_modules/.bin/lighthouse: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.installed chromium node_modules/.bin/lighthouse
	SKILLPATH_BENCH=1 $(PY) -m pytest tests/benchmarks -m benchmark -q $(PYTEST_ARGS)
	SKILLPATH_BENCH=1 TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PY) -m pytest tests/benchmarks -m benchmark -q $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Re-extract every server string (templates, pages, api, engine's N_ templates) into the
# English catalogue template. Translations are made from it with `pybabel init/update`.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet extract -F pwa/i18n/babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 \
		--project Skillpath --copyright-holder Skillpath --no-wrap --sort-by-file \
		-o pwa/i18n/translations/messages.pot engine api pwa
