# Developer tasks. `make run` and `make test` work from a fresh clone on Debian/Ubuntu with Python 3.11+.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# A recipe that fails half-way (e.g. a .mo written despite catalog errors) must not leave its target behind.
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The stamp is inside .venv, so deleting .venv also forgets the installation.
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

LANGS := mk bg sq
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
MAKEMESSAGES_ARGS := $(addprefix -l ,$(LANGS)) --no-location --no-obsolete \
	-i '.venv/*' -i 'staticfiles/*' -i 'node_modules/*' -i 'tests/*'

IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: help install pdf-libraries translations run test browser lint format messages check-messages worker beat broker clean bench-reports api-fuzz bench

help:
	@echo "make run             install, migrate, load seed projects and demo accounts, serve http://127.0.0.1:8000"
	@echo "make test            run the whole test suite (extra pytest arguments: PYTEST_ARGS='-k forum')"
	@echo "make install         create .venv and install the project with its dev extras, compile translations"
	@echo "make lint / format   ruff check and format check / apply ruff fixes and formatting"
	@echo "make messages        update locale/{mk,bg,sq} catalogs from the code (needs GNU gettext)"
	@echo "make check-messages  fail on untranslated, fuzzy or out-of-date catalogs"
	@echo "make worker / beat   Celery worker / beat (needs CELERY_BROKER_URL)"
	@echo "make bench-reports   time the seed projects' executive summaries (on a throwaway database)"
	@echo "make bench          response times and query counts on 10,000 generated projects (BENCH_ARGS=--fresh)"
	@echo "make api-fuzz        fuzz the live API against its OpenAPI schema (needs PostgreSQL and Redis)"
	@echo "make clean           remove db.sqlite3 and staticfiles/"

install: $(STAMP) translations pdf-libraries

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Python 3.11 or later is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; exit 1; }
	@if ! $(PY) -m pip --version >/dev/null 2>&1; then \
		rm -rf $(VENV); \
		if ! $(PYTHON) -m venv $(VENV); then \
			rm -rf $(VENV); \
			if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null; then \
				echo "python3 -m venv failed: installing python3-venv"; \
				apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv \
					&& $(PYTHON) -m venv $(VENV) || exit 1; \
			else \
				echo "python3 -m venv failed. Install venv support and run make again:" >&2; \
				echo "    sudo apt-get update && sudo apt-get install -y python3-venv" >&2; \
				exit 1; \
			fi; \
		fi; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# WeasyPrint loads Pango and HarfBuzz from the system when imported: an OSError means they are missing.
PDF_LIBRARIES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pdf-libraries: $(STAMP)
	@if $(PY) -c 'import weasyprint' 2>&1 | grep -q '^OSError'; then \
		if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null; then \
			echo "WeasyPrint cannot load Pango: installing $(PDF_LIBRARIES)"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(PDF_LIBRARIES) || exit 1; \
		else \
			echo "warning: WeasyPrint cannot load Pango, so no PDF can be rendered. Install its libraries:" >&2; \
			echo "    sudo apt-get update && sudo apt-get install -y $(PDF_LIBRARIES)" >&2; \
		fi; \
	fi

# Compile a catalog only when its .po is newer than its .mo. Babel does it without GNU gettext.
# Babel skips a catalog whose header is marked fuzzy (a catalog still being translated): say so, but go
# on, so work in progress does not stop `make run`; .ci/check-translations fails on it.
translations: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	@echo "compiling $<"
	@rm -f $@.tmp
	@$(VENV)/bin/pybabel -q compile -D django -i $< -o $@.tmp || { rm -f $@.tmp; exit 1; }
	@if [ -f $@.tmp ]; then mv $@.tmp $@; else \
		echo "warning: $< not compiled: its header is marked '#, fuzzy' (remove the flag when translated)" >&2; fi

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_seed_projects
	$(MANAGE) load_demo_accounts
	$(MANAGE) runserver 127.0.0.1:8000

test: install browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; without it they are skipped (or fail when PORTAL_REQUIRE_BROWSER=1).
browser:
	@if [ -x /usr/bin/chromium ]; then \
		exit 0; \
	elif [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
			|| { echo "Could not install chromium." >&2; [ "$$PORTAL_REQUIRE_BROWSER" != 1 ]; }; \
	else \
		echo "/usr/bin/chromium is missing: the browser tests will be skipped. To run them:"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	@command -v xgettext >/dev/null || { \
		echo "makemessages needs GNU gettext: sudo apt-get install -y gettext" >&2; exit 1; }
	$(MANAGE) makemessages $(MAKEMESSAGES_ARGS)

check-messages: $(STAMP)
	$(PY) .ci/check-translations

worker: install broker
	$(VENV)/bin/celery -A config worker -l info

beat: install broker
	$(VENV)/bin/celery -A config beat -l info

# Without a broker the settings run tasks eagerly in the web process, so a worker would have nothing to do.
broker:
	@[ -n "$$CELERY_BROKER_URL" ] || grep -qs '^CELERY_BROKER_URL=.' .env || { \
		echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) in the environment or in .env." >&2; exit 1; }

# Prints render times; asserts nothing (see the script's docstring for what each column measures).
bench-reports: install
	$(PY) benchmarks/reports.py

# Generates its PostgreSQL datasets once (kept; BENCH_ARGS=--fresh makes them again), serves them with gunicorn,
# prints the results and writes them into docs/benchmarks.md. Needs PostgreSQL and Redis (see the script).
BENCH_ARGS ?=
bench: install
	$(PY) benchmarks/scale.py $(BENCH_ARGS)

# Serves the API with gunicorn on a throwaway database and runs schemathesis against it (see the script).
api-fuzz: install
	bash .ci/api-fuzz

clean:
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	rm -rf staticfiles
