#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make demo``: a demo database wired to the Pongo emulator, served on 127.0.0.1.

Creates (or updates) the database with point_of_sale, pos_pongo and demo data,
starts the emulator and Odoo, connects the company to the emulator and prints how
to open the POS. Ctrl-C stops both. Settings: DEMO_DB (pos_pongo_demo),
DEMO_PORT (8069), EMULATOR_PORT (8071), plus those of scripts/odoo_env.py.
"""

import os
import signal
import subprocess
import sys

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [SCRIPTS, os.path.join(os.path.dirname(SCRIPTS), "emulator")]
import odoo_env  # noqa: E402
from process import EmulatorProcess  # noqa: E402

DEMO_DB = os.environ.get("DEMO_DB") or "pos_pongo_demo"
DEMO_PORT = int(os.environ.get("DEMO_PORT") or 8069)
EMULATOR_PORT = int(os.environ.get("EMULATOR_PORT") or 8071)

CONFIGURE = """
company = env.ref("base.main_company")
company.write({{
    "pongo_environment": "custom",
    "pongo_custom_url": {url!r},
    "pongo_client_id": "pongo-demo-client",
    "pongo_client_secret": "pongo-demo-secret",
    "pongo_access_token": {token!r},
}})
config = env.ref("pos_pongo.pos_config_pongo_cafe")
config.pongo_store_slug = "demo-paris"
env.cr.commit()
print("DEMO_CONFIG", config.id)
"""


def database_exists():
    import psycopg2

    connection = psycopg2.connect(
        host=odoo_env.DB_HOST,
        port=odoo_env.DB_PORT,
        user=odoo_env.DB_USER,
        password=odoo_env.DB_PASSWORD,
        dbname="postgres",
    )
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DEMO_DB])
        found = cursor.fetchone()
    connection.close()
    return bool(found)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main():
    # Ctrl-C (even when started in the background) and SIGTERM stop everything.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    odoo_env.require_odoo()
    odoo_env.ensure_postgres()
    addons = odoo_env.addons_dir()
    env = odoo_env.odoo_environ()

    try:
        emulator = EmulatorProcess(port=EMULATOR_PORT, stderr=None)
    except RuntimeError as error:
        odoo_env.fail(str(error))
    url, admin_url = emulator.url, emulator.admin_url
    server = None
    try:
        install = "-u" if database_exists() else "-i"
        print(f"== {'Updating' if install == '-u' else 'Creating'} database {DEMO_DB}")
        subprocess.run(
            odoo_env.odoo_command(
                DEMO_DB,
                addons,
                [
                    install,
                    "pos_pongo",
                    "--stop-after-init",
                    "--no-http",
                    "--log-level=warn",
                ],
            ),
            check=True,
            env=env,
        )
        script = CONFIGURE.format(url=url, token=emulator.issue_token())
        result = subprocess.run(
            odoo_env.odoo_command(
                DEMO_DB,
                addons,
                ["--no-http", "--log-level=warn"],
                subcommand="shell",
            ),
            input=script,
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        config_id = result.stdout.split("DEMO_CONFIG", 1)[1].split()[0]
        server = subprocess.Popen(
            odoo_env.odoo_command(
                DEMO_DB,
                addons,
                [
                    "--http-interface=127.0.0.1",
                    f"--http-port={DEMO_PORT}",
                    "--log-level=warn",
                ],
            ),
            env=env,
        )
        base = f"http://127.0.0.1:{DEMO_PORT}"
        print(
            f"""
== pos_pongo demo is running
   Odoo:            {base}/web   (login: admin, password: admin)
   Point of Sale:   {base}/pos/ui?config_id={config_id}
                    (or Point of Sale > "Pongo Café" > Open Register)
   Pongo emulator:  {url}   (admin API: {admin_url}/_emulator/state)
   Demo customers:  phones +33 6 12 34 56 01 ... 10 (e.g. Emma, 500 points: ...04)
   Ctrl-C stops Odoo and the emulator.
""",
            flush=True,
        )
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, emulator.process):
            if process and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
