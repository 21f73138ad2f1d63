# storesync_connector: `make run` and `make test` on a fresh machine (see README.md).
# The work is done by scripts/dev.py (standard library only), which is idempotent.
PYTHON ?= python3
DEV := $(PYTHON) scripts/dev.py
ARGS ?=

.PHONY: run test bench reliability screenshots setup lint i18n help

help:
	@echo "make run    set everything up, run Odoo with the addon and the demo store emulators"
	@echo "make test   the whole test suite on a throwaway database, then the linters"
	@echo "make bench  the benchmark (ARGS=--quick: small sizes; ARGS='--platform shoprenter'; README: Benchmark)"
	@echo "make reliability  faults, kills, two servers, webhook storm, stores down, hostile input, access (ARGS=--quick: small sizes; README: Reliability)"
	@echo "make screenshots  retake docs/img/*.png in headless Chromium (installs Debian's chromium; ARGS='--only store_form', ARGS=--url=http://localhost:8069)"
	@echo "make setup  only the setup (Odoo source, .venv, PostgreSQL, .odoo/odoo.conf)"
	@echo "make lint   ruff and pylint-odoo only"
	@echo "make i18n   regenerate the addon .pot (after make run created the demo database)"

run:
	$(DEV) run $(ARGS)

test:
	$(DEV) test $(ARGS)

bench:
	$(PYTHON) scripts/bench.py $(ARGS)

reliability:
	$(PYTHON) scripts/reliability.py $(ARGS)

screenshots:
	$(PYTHON) scripts/screenshots.py $(ARGS)

setup:
	$(DEV) setup

i18n:
	$(DEV) i18n

lint:
	$(DEV) lint
