#!/usr/bin/env bash
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Installs what a make target needs and is missing, saying what it does:
# Debian packages (PostgreSQL, Chromium, the build headers of Odoo's requirements),
# Odoo's virtualenv from $ODOO_HOME/requirements.txt, then requirements-test.txt.
# Usage: scripts/setup.sh demo|test|compat|lint|wheel. Odoo itself is never
# downloaded: without an Odoo 18.0 tree in ODOO_HOME it stops at once, exit code 2.
set -euo pipefail
purpose=${1:-test}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
DEFAULT_PYTHON=$ODOO_HOME/.venv/bin/python
ODOO_PYTHON=${ODOO_PYTHON:-$DEFAULT_PYTHON}

stop() {
    echo "error: $1" >&2
    echo "Put an Odoo 18.0 source tree in ODOO_HOME (default /opt/odoo); the make" >&2
    echo "targets install the rest (see README.md, 'Install')." >&2
    exit 2
}

# 1. Odoo 18.0's source tree: the one thing that is not installed here.
[ -f "$ODOO_HOME/odoo-bin" ] || stop "Odoo 18.0 not found: no odoo-bin in ODOO_HOME=$ODOO_HOME"
grep -q "^version_info = (18, 0," "$ODOO_HOME/odoo/release.py" 2>/dev/null \
    || stop "ODOO_HOME=$ODOO_HOME is not Odoo 18.0 (odoo/release.py)"
if [ "$ODOO_PYTHON" != "$DEFAULT_PYTHON" ] && [ ! -x "$ODOO_PYTHON" ]; then
    stop "ODOO_PYTHON=$ODOO_PYTHON does not exist (unset it to use $DEFAULT_PYTHON)"
fi

# the addon's own Python dependencies, plus the test and lint tools but for a demo
ours=$ROOT/requirements-test.txt
[ "$purpose" = demo ] && ours=$ROOT/requirements.txt

# 2. What is missing.
odoo_requirements_missing=yes
missing_requirements=()
if [ -x "$ODOO_PYTHON" ]; then
    mapfile -t missing_requirements < <(
        "$ODOO_PYTHON" "$ROOT/scripts/requirements_missing.py" \
            "$ODOO_HOME/requirements.txt" "$ours" || true)
    if "$ODOO_PYTHON" "$ROOT/scripts/requirements_missing.py" \
        "$ODOO_HOME/requirements.txt" >/dev/null; then
        odoo_requirements_missing=
    fi
fi

packages=(postgresql)
case $purpose in
    test | compat) packages+=(chromium) ;;
esac
case $purpose in
    test | lint) command -v npx >/dev/null || packages+=(npm) ;; # prettier
esac
if [ -n "$odoo_requirements_missing" ]; then
    # a virtualenv, and the headers Odoo's requirements build against
    # (psycopg2: libpq; python-ldap: OpenLDAP and SASL)
    packages+=(python3 python3-venv python3-dev build-essential pkg-config
        libpq-dev libldap2-dev libsasl2-dev)
fi
missing_packages=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
        || missing_packages+=("$package")
done

if [ ${#missing_packages[@]} -eq 0 ] && [ ${#missing_requirements[@]} -eq 0 ] \
    && [ -x "$ODOO_PYTHON" ]; then
    exit 0
fi

# 3. Install it.
if [ ${#missing_packages[@]} -gt 0 ]; then
    echo "== setup: Debian packages: ${missing_packages[*]}"
    sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null \
            || stop "run as root, or: apt-get install ${missing_packages[*]}"
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
        "${missing_packages[@]}" >/dev/null
fi

if [ ! -x "$ODOO_PYTHON" ]; then
    echo "== setup: Odoo's virtualenv in $ODOO_HOME/.venv"
    /usr/bin/python3 -m venv "$ODOO_HOME/.venv"
fi
pip=("$ODOO_PYTHON" -m pip install -q --disable-pip-version-check)
if [ -n "$odoo_requirements_missing" ]; then
    echo "== setup: Odoo's requirements ($ODOO_HOME/requirements.txt) into $ODOO_PYTHON"
    # cbor2 5.4.2 (Python < 3.12) has no wheel; its build needs setuptools < 81
    # and setuptools_scm (its version), without build isolation
    "${pip[@]}" "setuptools<81" wheel setuptools_scm
    "${pip[@]}" --no-build-isolation "cbor2==5.4.2; python_version < '3.12'"
    "${pip[@]}" -r "$ODOO_HOME/requirements.txt"
fi
if ! "$ODOO_PYTHON" "$ROOT/scripts/requirements_missing.py" "$ours" >/dev/null; then
    echo "== setup: $(basename "$ours") into $ODOO_PYTHON"
    "${pip[@]}" -r "$ours"
fi

version=$(cd "$ODOO_HOME" && "$ODOO_PYTHON" -c \
    'import odoo.release as r; print("%s.%s" % r.version_info[:2])' 2>/dev/null) || true
[ "$version" = "18.0" ] || stop "Odoo in $ODOO_HOME does not import with $ODOO_PYTHON"
echo "== setup: done; Odoo 18.0 in $ODOO_HOME, Python $ODOO_PYTHON"
