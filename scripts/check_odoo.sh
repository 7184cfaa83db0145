#!/usr/bin/env bash
# Exit 2, fast and with a useful message, when Odoo 18.0 is not where ODOO_HOME says.
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
ODOO_PYTHON=${ODOO_PYTHON:-$ODOO_HOME/.venv/bin/python}
help="Install Odoo 18.0: put its source tree in ODOO_HOME (default /opt/odoo), create
a virtualenv at \$ODOO_HOME/.venv (or set ODOO_PYTHON) and pip install its
requirements.txt plus phonenumbers; see README.md, section 'Install'."
if [ ! -f "$ODOO_HOME/odoo-bin" ] || [ ! -f "$ODOO_HOME/odoo/release.py" ]; then
    echo "error: Odoo 18.0 not found: no odoo-bin in ODOO_HOME=$ODOO_HOME" >&2
    echo "$help" >&2
    exit 2
fi
if [ ! -x "$ODOO_PYTHON" ]; then
    echo "error: Odoo's Python not found: ODOO_PYTHON=$ODOO_PYTHON" >&2
    echo "$help" >&2
    exit 2
fi
version=$(cd "$ODOO_HOME" && timeout 20 "$ODOO_PYTHON" -c \
    'import odoo.release as r; print("%s.%s" % r.version_info[:2])' 2>/dev/null)
if [ "$version" != "18.0" ]; then
    echo "error: ODOO_HOME=$ODOO_HOME is not a working Odoo 18.0 (found: ${version:-nothing importable})" >&2
    echo "$help" >&2
    exit 2
fi
