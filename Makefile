# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make run    virtualenv, dependencies, database, demo data, server on 127.0.0.1:5000
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app training
PORT   ?= 5000
HOST   ?= 127.0.0.1
WORKERS ?= 2
# Links in e-mails, calendars and certificates start with TRAINING_BASE_URL. When it is
# not set, `make run`, `make serve` and `make worker` derive it from HOST and PORT (a
# server bound to every address, 0.0.0.0 or ::, is reached by this machine's name).
URL_HOST := $(if $(filter 0.0.0.0 :: [::],$(HOST)),$(shell hostname -f 2>/dev/null || hostname),$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST)))
BASE_URL := $(or $(TRAINING_BASE_URL),http://$(URL_HOST):$(PORT))
RUN_ENV  := $(or $(TRAINING_ENV),development)
# Task workers are processes, one per core: bulk certificate issue spreads over them.
# An idle consumer polls the queue at least every second (huey's default waits up to 10 s).
TASK_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
CONSUMER := $(BIN)/huey_consumer training.tasks.huey --workers $(TASK_WORKERS) --worker-type process --max-delay 1

.PHONY: run test test-repeat serve worker lint format system-packages clean-instance bench audit screenshots translations

# The interface's languages: training/translations/<lang>/LC_MESSAGES/messages.po, kept in
# the repository; the compiled messages.mo is built here whenever its .po is newer.
CATALOGUES := $(wildcard training/translations/*/LC_MESSAGES/messages.po)
COMPILED_CATALOGUES := $(CATALOGUES:.po=.mo)
training/translations/%/LC_MESSAGES/messages.mo: training/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing messages in the code or templates: extract them, update every catalogue
# (new messages come in untranslated; tests/unit/test_translations.py fails until they are
# translated), then compile.
translations: $(VENV)/.installed
	$(BIN)/python tools/translations.py update
	$(BIN)/python tools/translations.py compile

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtualenv: on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Libraries WeasyPrint needs from the system (Pango, HarfBuzz's subsetter for
# fast font embedding) and fonts for the PDFs. Installed when we may, else named.
# The certificates' display serif (EB Garamond) is required: without it the set-up
# stops, since fontconfig would quietly set certificates in another font.
REQUIRED_FONT_PACKAGES := fonts-ebgaramond
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core $(REQUIRED_FONT_PACKAGES)
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing system packages:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }; \
		else \
			echo "WARNING: missing system packages:$$missing"; \
			echo "         PDFs will be slow or fail. Install them with: sudo apt-get install$$missing"; \
		fi; \
	fi; \
	for p in $(REQUIRED_FONT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || \
			{ echo "ERROR: the certificates' font package $$p is missing: sudo apt-get install $$p"; exit 1; }; \
	done

# Development: TRAINING_ENV=development unless set (certificates may then carry links
# to this computer, see README's Settings).
run: export TRAINING_BASE_URL = $(BASE_URL)
run: export TRAINING_ENV = $(RUN_ENV)
run: $(VENV)/.installed system-packages $(COMPILED_CATALOGUES)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT) (task worker beside it). Ctrl-C stops both."
	@echo "Links in e-mails, calendars and certificates: TRAINING_BASE_URL=$(BASE_URL)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(CONSUMER) --quiet & worker=$$!; \
		$(FLASK) run --host $(HOST) --port $(PORT)

.PHONY: checkers
# The Nu Html Checker (vnu.jar, pinned in tests/support/checkers.py) from the npm registry,
# kept in the virtualenv; the markup tests run it with Java and fail without it.
checkers: $(VENV)/.dev-installed
	@command -v java >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }; \
		else echo "WARNING: java is missing (sudo apt-get install default-jre-headless): the markup test will fail"; fi; }
	@$(BIN)/python -m tests.support.checkers >/dev/null

test: $(VENV)/.dev-installed system-packages checkers $(COMPILED_CATALOGUES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests N times in a row, stopping at the first failure: a test that
# fails once in ten runs shows up here before it shows up in someone else's build.
N ?= 10
test-repeat: $(VENV)/.dev-installed system-packages $(COMPILED_CATALOGUES)
	@for i in $$(seq 1 $(N)); do \
		start=$$(date +%s); \
		$(BIN)/python -m pytest tests/e2e -q -p no:cacheprovider $(PYTEST_ARGS) || \
			{ echo "Browser tests: run $$i of $(N) failed."; exit 1; }; \
		echo "Browser tests: run $$i of $(N) passed in $$(( $$(date +%s) - start )) s."; \
	done

# Pictures of the dashboard, a workshop page, roll call, a quiz and the certificate at
# 390 and 1366 px, from the demo data in a throwaway instance, into docs/screenshots/.
screenshots: $(VENV)/.dev-installed system-packages $(COMPILED_CATALOGUES)
	$(BIN)/python tools/screenshots.py --out docs/screenshots

# Production: gunicorn with several workers. Run `make worker` beside it (or
# under your process supervisor) for the task queue, with the same TRAINING_BASE_URL
# (or HOST and PORT).
serve: export TRAINING_BASE_URL = $(BASE_URL)
serve: $(VENV)/.installed $(COMPILED_CATALOGUES)
	$(FLASK) db upgrade
	@echo "Links in e-mails, calendars and certificates: TRAINING_BASE_URL=$(BASE_URL)"
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - "training:create_app()"

worker: export TRAINING_BASE_URL = $(BASE_URL)
worker: $(VENV)/.installed $(COMPILED_CATALOGUES)
	@echo "Links in e-mails, calendars and certificates: TRAINING_BASE_URL=$(BASE_URL)"
	$(CONSUMER)

# The benchmark (bench/): programme-sized databases built once from a fixed seed,
# then pages, certificates, load and memory; writes bench/RESULTS.md and results.json.
# Options: BENCH_ARGS="--scale 0.1" (see python -m bench --help).
bench: $(VENV)/.dev-installed system-packages $(COMPILED_CATALOGUES)
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
		else echo "wrk is missing (sudo apt-get install wrk), or run with BENCH_ARGS=--skip-load"; exit 1; fi; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# Known vulnerabilities in the pinned dependencies. pip-audit asks PyPI's vulnerability
# service; offline, tools/audit_dependencies.py says what it could not audit and exits 0
# with a warning. It fails only for a vulnerability found.
PIP_AUDIT := pip-audit==2.10.1
audit: $(VENV)/.installed
	@$(BIN)/python -c 'import pip_audit' 2>/dev/null || $(BIN)/python -m pip install --quiet $(PIP_AUDIT) || \
		echo "WARNING: could not install $(PIP_AUDIT) (offline?)"
	$(BIN)/python tools/audit_dependencies.py -r requirements.txt

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r training
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
