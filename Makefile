# pos_pongo developer commands. ODOO_HOME points at an Odoo 18.0 source tree
# whose Python (ODOO_PYTHON, default $(ODOO_HOME)/.venv/bin/python) has its requirements.
ODOO_HOME ?= /opt/odoo
ODOO_PYTHON ?= $(ODOO_HOME)/.venv/bin/python
export ODOO_HOME ODOO_PYTHON

.PHONY: help test lint demo emulator reliability bench screenshots i18n check-odoo pongo-probe

help:
	@echo "make test      lint + every test on a throwaway database (needs Odoo 18)"
	@echo "make demo      demo database + Pongo emulator + Odoo on http://127.0.0.1:8069"
	@echo "make lint      ruff and pylint-odoo only"
	@echo "make emulator  the Pongo emulator alone on http://127.0.0.1:8071"
	@echo "make pongo-probe DB=<db> [COMPANY=<id>]  is the configured Pongo what const.py says?"
	@echo "make reliability  fault-injection suite, one row per case (ARGS=\"--quick --cases 1,5\")"
	@echo "make bench     performance ratios against plain Odoo (.bench/bench.json)"
	@echo "make screenshots  the POS tours, saving README pictures in doc/screenshots"
	@echo "make i18n      the translation templates anew, merged into fr.po"

check-odoo:
	@scripts/check_odoo.sh

test: check-odoo
	@$(ODOO_PYTHON) scripts/run_tests.py $(ARGS)

lint: check-odoo
	@$(ODOO_PYTHON) -m ruff check . && $(ODOO_PYTHON) -m ruff format --check . \
		&& $(ODOO_PYTHON) -m pylint --rcfile=.pylintrc --recursive=y .

demo: check-odoo
	@$(ODOO_PYTHON) scripts/demo.py $(ARGS)

reliability: check-odoo
	@$(ODOO_PYTHON) scripts/reliability.py $(ARGS)

emulator: check-odoo
	@$(ODOO_PYTHON) emulator/pongo_emulator --host 127.0.0.1 --port 8071 $(ARGS)

pongo-probe: check-odoo
	@$(ODOO_PYTHON) scripts/pongo_probe.py --db "$(DB)" $(if $(COMPANY),--company $(COMPANY)) $(ARGS)

bench: check-odoo
	@$(ODOO_PYTHON) scripts/bench.py $(ARGS)

i18n: check-odoo
	@$(ODOO_PYTHON) scripts/i18n.py

screenshots: check-odoo
	@POS_PONGO_SCREENSHOTS=$(CURDIR)/doc/screenshots $(ODOO_PYTHON) scripts/run_tests.py \
		--skip-lint --skip-pytest --test-tags=/pos_pongo:TestPongoPosUi $(ARGS)
