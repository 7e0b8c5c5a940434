# make run   install into .venv and the PDF fonts (apt, as root), then start the back office with demo data
#            on the embedded SQLite file
# make test  install the dev tools, make sure PostgreSQL and Redis are up, then ruff, the static analysis
#            (scripts/static_analysis.sh: bandit, pip-audit, our semgrep rules) and the whole pytest suite
# make lint  ruff only
# make static-analysis  bandit, pip-audit and the semgrep rules only
# make screenshots  the README's pictures of the main screens, in headless Chromium

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# semgrep in a virtualenv of its own: its pins would downgrade packages the app uses (scripts/static_analysis.sh).
SEMGREP_VENV := .venv-semgrep
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/returns
# `make run` always uses the embedded SQLite default, DEBUG so runserver serves the admin's CSS, lets
# webhooks go to local receivers (a demo has no public ones), links customers' emails to runserver, and
# writes those emails (hundreds, for the demo's returns) as files into demo-mail/ instead of the terminal.
RUN_ENV := env -u DATABASE_URL DEBUG=$${DEBUG:-true} OUTBOX_ALLOW_PRIVATE_URLS=$${OUTBOX_ALLOW_PRIVATE_URLS:-true} \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:8000} \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} \
	EMAIL_FILE_PATH=$${EMAIL_FILE_PATH:-demo-mail}

.PHONY: run test lint static-analysis screenshots

run: $(VENV)/.installed
	scripts/install_system_tools.sh --fonts
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev $(SEMGREP_VENV)/.installed
	scripts/install_system_tools.sh
	DATABASE_URL='$(DATABASE_URL)' PYTHON=$(BIN)/python scripts/ensure_postgres.sh
	PYTHON=$(BIN)/python scripts/ensure_redis.sh
	$(BIN)/ruff check .
	BIN=$(BIN) scripts/static_analysis.sh
	DATABASE_URL='$(DATABASE_URL)' $(BIN)/pytest -p no:cacheprovider

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

static-analysis: $(VENV)/.installed-dev $(SEMGREP_VENV)/.installed
	BIN=$(BIN) scripts/static_analysis.sh

screenshots: $(VENV)/.installed-dev
	scripts/install_system_tools.sh
	$(BIN)/python scripts/take_screenshots.py

# Stamp files: pip runs again only when a requirements file changes (or .venv is new).
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(SEMGREP_VENV)/.installed: requirements-semgrep.txt
	test -x $(SEMGREP_VENV)/bin/python || $(PYTHON) -m venv $(SEMGREP_VENV)
	$(SEMGREP_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-semgrep.txt
	touch $@
