# Skillpath: `make run` serves the demo, `make test` runs the whole suite.
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

.PHONY: run test bench lint chromium db messages

# The app runs from this folder (flask --app pwa, python -m pytest), so only the
# dependencies listed in pyproject.toml are installed: nothing is built or packaged.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(QUIET_PIP)
	$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	  print("\n".join(p["dependencies"] + p["optional-dependencies"]["test"]))' \
	  > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt $(QUIET_PIP)
	touch $@

db: $(VENV)/.installed
	SKILLPATH_ENV=$${SKILLPATH_ENV:-development} $(FLASK) db upgrade

run: db
	@SKILLPATH_ORIGIN=$(ORIGIN) SKILLPATH_ENV=$${SKILLPATH_ENV:-development} \
	  $(FLASK) seed-demo --print-invites
	@echo "Serving on $(ORIGIN) (open the links above on this address)."
	SKILLPATH_ORIGIN=$(ORIGIN) SKILLPATH_ENV=$${SKILLPATH_ENV:-development} \
	  $(FLASK) run --host localhost --port $(PORT)

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
