# pos_pongo developer commands. ODOO_HOME points at an Odoo 18.0 source tree; each
# target first installs what it needs and is missing (scripts/setup.sh): Debian
# packages, Odoo's virtualenv ODOO_PYTHON (default $(ODOO_HOME)/.venv/bin/python)
# from Odoo's requirements.txt, and this repository's requirements.
ODOO_HOME ?= /opt/odoo
ODOO_PYTHON ?= $(ODOO_HOME)/.venv/bin/python
export ODOO_HOME ODOO_PYTHON

.PHONY: help test lint compat demo emulator reliability bench screenshots i18n wheel pongo-probe

help:
	@echo "make test      lint + every test, through pytest-odoo (ARGS=\"-k phone\")"
	@echo "make compat    Odoo's own POS tour suites with pos_pongo installed"
	@echo "make demo      demo database + Pongo emulator + Odoo on http://127.0.0.1:8069"
	@echo "make lint      ruff, ruff format, pylint-odoo and prettier only"
	@echo "make emulator  the Pongo emulator alone on http://127.0.0.1:8071"
	@echo "make pongo-probe DB=<db> [COMPANY=<id>]  is the configured Pongo what const.py says?"
	@echo "make reliability  fault-injection suite, one row per case (ARGS=\"--quick --cases 1,5\")"
	@echo "make bench     performance ratios against plain Odoo (.bench/bench.json)"
	@echo "make screenshots  the POS tours, saving README pictures in doc/screenshots"
	@echo "make i18n      the translation templates anew, merged into fr.po"
	@echo "make wheel     the addon as a Python wheel in dist/ (OCA's whool)"

test:
	@scripts/setup.sh test
	@$(ODOO_PYTHON) scripts/run_tests.py $(ARGS)

compat:
	@scripts/setup.sh compat
	@$(ODOO_PYTHON) scripts/run_compat.py $(ARGS)

lint:
	@scripts/setup.sh lint
	@$(ODOO_PYTHON) scripts/run_tests.py scripts/checks/test_lint.py $(ARGS)

demo:
	@scripts/setup.sh demo
	@$(ODOO_PYTHON) scripts/demo.py $(ARGS)

reliability:
	@scripts/setup.sh test
	@$(ODOO_PYTHON) scripts/reliability.py $(ARGS)

emulator:
	@scripts/setup.sh test
	@$(ODOO_PYTHON) emulator/pongo_emulator --host 127.0.0.1 --port 8071 $(ARGS)

pongo-probe:
	@scripts/setup.sh demo
	@$(ODOO_PYTHON) scripts/pongo_probe.py --db "$(DB)" $(if $(COMPANY),--company $(COMPANY)) $(ARGS)

bench:
	@scripts/setup.sh test
	@$(ODOO_PYTHON) scripts/bench.py $(ARGS)

i18n:
	@scripts/setup.sh test
	@$(ODOO_PYTHON) scripts/i18n.py

screenshots:
	@scripts/setup.sh test
	@POS_PONGO_SCREENSHOTS=$(CURDIR)/doc/screenshots $(ODOO_PYTHON) scripts/run_tests.py \
		--skip-lint --skip-emulator --test-tags=/pos_pongo:TestPongoPosUi $(ARGS)

wheel:
	@scripts/setup.sh wheel
	@$(ODOO_PYTHON) scripts/build_wheel.py $(ARGS)
