# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where Odoo, PostgreSQL and Chromium are, for the test, demo and bench commands.

Settings (environment variables): ODOO_HOME (default /opt/odoo), ODOO_PYTHON
(default $ODOO_HOME/.venv/bin/python), DB_HOST (127.0.0.1), DB_PORT (5432),
DB_USER (odoo), DB_PASSWORD (odoo).
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BRIDGES = os.path.join(ROOT, "bridges")
ODOO_HOME = os.environ.get("ODOO_HOME") or "/opt/odoo"
DB_HOST = os.environ.get("DB_HOST") or "127.0.0.1"
DB_PORT = os.environ.get("DB_PORT") or "5432"
DB_USER = os.environ.get("DB_USER") or "odoo"
DB_PASSWORD = os.environ.get("DB_PASSWORD") or "odoo"
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)


def fail(message, code=2):
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def require_odoo():
    """Stop (exit 2) unless this Python runs Odoo 18.0 from ODOO_HOME."""
    if not os.path.isfile(os.path.join(ODOO_HOME, "odoo-bin")):
        fail(
            f"Odoo 18.0 not found in ODOO_HOME={ODOO_HOME} (see README.md, 'Install')."
        )
    if ODOO_HOME not in sys.path:
        sys.path.insert(0, ODOO_HOME)
    try:
        import odoo.release
    except ImportError:
        fail(f"this Python ({sys.executable}) cannot import Odoo; set ODOO_PYTHON.")
    if odoo.release.version_info[:2] != (18, 0):
        fail(f"Odoo 18.0 is required, found {odoo.release.version} in {ODOO_HOME}.")


def require_chromium():
    if not any(shutil.which(name) for name in CHROMIUM_NAMES):
        fail("Chromium is needed for the POS tours: apt-get install chromium")


def addons_dir():
    """A folder outside the repository where pos_pongo is a link to it (Odoo wants
    the folder of an addon named after it; a link inside the repository would
    make Odoo's file walks loop forever)."""
    digest = hashlib.sha1(ROOT.encode()).hexdigest()[:10]  # noqa: S324 - a name only
    folder = os.path.join(tempfile.gettempdir(), f"pos_pongo_addons_{digest}")
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "pos_pongo")
    if os.path.realpath(link) != ROOT:
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    return folder


def odoo_environ():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [ODOO_HOME, env.get("PYTHONPATH")])
    )
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bridge_addons():
    """The addons in <repository>/bridges (pos_pongo's glue to optional modules)."""
    if not os.path.isdir(BRIDGES):
        return []
    return sorted(
        name
        for name in os.listdir(BRIDGES)
        if os.path.isfile(os.path.join(BRIDGES, name, "__manifest__.py"))
    )


def addons_path(addons_dir):
    folders = [
        os.path.join(ODOO_HOME, "addons"),
        os.path.join(ODOO_HOME, "odoo", "addons"),
        addons_dir,
    ]
    if os.path.isdir(BRIDGES):
        folders.append(BRIDGES)
    return ",".join(folders)


def write_config(path, db_name, addons_dir, **options):
    """An odoo.conf for pytest-odoo (``--odoo-config``): database and addons."""
    values = {
        "addons_path": addons_path(addons_dir),
        "db_name": db_name,
        "db_host": DB_HOST,
        "db_port": DB_PORT,
        "db_user": DB_USER,
        "db_password": DB_PASSWORD,
        "max_cron_threads": 0,
        **options,
    }
    with open(path, "w") as conf:
        conf.write("[options]\n")
        conf.writelines(f"{key} = {value}\n" for key, value in values.items())
    return path


def odoo_command(db_name, addons_dir, extra, subcommand=None):
    """Command line of odoo-bin for ``db_name`` with pos_pongo in ``addons_dir``."""
    command = [sys.executable, os.path.join(ODOO_HOME, "odoo-bin")]
    if subcommand:
        command.append(subcommand)
    return [
        *command,
        f"--addons-path={addons_path(addons_dir)}",
        f"--database={db_name}",
        f"--db_host={DB_HOST}",
        f"--db_port={DB_PORT}",
        f"--db_user={DB_USER}",
        f"--db_password={DB_PASSWORD}",
        *extra,
    ]


def _can_connect(dbname="postgres"):
    import psycopg2

    try:
        psycopg2.connect(
            host=DB_HOST,
            port=DB_PORT,
            user=DB_USER,
            password=DB_PASSWORD,
            dbname=dbname,
        ).close()
    except psycopg2.OperationalError as exc:
        return str(exc)
    return ""


def _as_postgres(command):
    runner = (
        ["runuser", "-u", "postgres", "--"]
        if os.geteuid() == 0
        else ["sudo", "-u", "postgres"]
    )
    return subprocess.run(runner + command, capture_output=True, text=True)


def ensure_postgres():
    """Start the local PostgreSQL cluster if needed and make sure our role exists."""
    error = _can_connect()
    if not error:
        return
    if DB_HOST in ("127.0.0.1", "localhost") and shutil.which("pg_lsclusters"):
        clusters = subprocess.run(
            ["pg_lsclusters", "-h"], capture_output=True, text=True
        )
        for line in clusters.stdout.splitlines():
            version, name, _port, status = line.split()[:4]
            if status != "online":
                subprocess.run(["pg_ctlcluster", version, name, "start"], check=False)
        for _attempt in range(30):
            error = _can_connect()
            if (
                not error
                or "password authentication failed" in error
                or "does not exist" in error
            ):
                break
            time.sleep(0.5)
        if error and (
            "password authentication failed" in error or "does not exist" in error
        ):
            role = f'"{DB_USER}"'
            sql = (
                "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                f"'{DB_USER}') THEN CREATE ROLE {role} LOGIN CREATEDB; END IF; END$$;"
                f"ALTER ROLE {role} WITH LOGIN CREATEDB PASSWORD '{DB_PASSWORD}';"
            )
            _as_postgres(["psql", "-p", DB_PORT, "-v", "ON_ERROR_STOP=1", "-c", sql])
            error = _can_connect()
    if error:
        fail(
            f"cannot reach PostgreSQL as {DB_USER}@{DB_HOST}:{DB_PORT}: "
            f"{error.strip()} "
            "(apt-get install postgresql, or set DB_HOST/DB_USER/DB_PASSWORD)"
        )


def drop_database(db_name):
    import psycopg2

    connection = psycopg2.connect(
        host=DB_HOST,
        port=DB_PORT,
        user=DB_USER,
        password=DB_PASSWORD,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    connection.close()
