#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make demo``: a demo database wired to the Pongo emulator, served on 127.0.0.1.

Creates (or updates) the database with point_of_sale, pos_pongo and demo data,
starts the emulator and Odoo, connects the company to the emulator and prints how
to open the POS, the demo members and the emulator's fault commands. Ctrl-C stops
both. ``--fresh`` recreates the database. Settings: DEMO_DB (pos_pongo_demo),
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

# A new demo database: a French company in euros (Odoo installs its French
# accounting with it), as Pongo's merchants are.
CREATE = """
import sys
import odoo
from odoo.service import db
odoo.tools.config.parse_config(sys.argv[1:])
db.exp_create_database({db!r}, True, "en_US", "admin", "admin", "FR", None)
print("DEMO_CREATED")
"""

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
env.cr.commit()
print("DEMO_CONFIG", config.id, company.country_id.code, company.currency_id.name)
"""

BANNER = """
== pos_pongo demo is running
   Odoo:            {base}/web   (login: admin, password: admin)
   Point of Sale:   {base}/pos/ui?config_id={config_id}
                    (or Point of Sale > "Pongo Café" > Open Register)
   Company:         {country}, {currency}; the POS is mapped to Pongo's Paris store.

   Demo members (type the phone in the customer list, then Search Pongo; or scan
   the wallet pass id on the product screen):
{members}
   A new customer: type e.g. 06 99 88 77 66, Search Pongo, then enlist.

   Pongo emulator:  {url}
     state:         curl {admin}/_emulator/state
     Pongo down:    curl -X POST {admin}/_emulator/faults -d '{{"outage": "503"}}'
     Pongo slow:    curl -X POST {admin}/_emulator/faults -d '{{"latency_ms": 2500}}'
     back to normal: curl -X POST {admin}/_emulator/faults -d '{{"clear": true}}'
   Ctrl-C stops Odoo and the emulator.
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


def demo_members(emulator):
    """One line per demo member: name, phone, points, wallet pass id."""
    customers = emulator.state()["customers"]
    return "\n".join(
        f"     {c['first_name'] + ' ' + c['last_name']:<16}"
        f" +{c['international_phone_number']}"
        f"  {c['points']:>4} points  pass {c['public_id']}"
        for c in customers
    )


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
        if "--fresh" in sys.argv[1:] and database_exists():
            print(f"== Dropping database {DEMO_DB} (--fresh)", flush=True)
            odoo_env.drop_database(DEMO_DB)
        install = "-u" if database_exists() else "-i"
        if install == "-i":
            print(
                f"== Creating database {DEMO_DB}: a French company in EUR "
                "(about a minute)",
                flush=True,
            )
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CREATE.format(db=DEMO_DB),
                    *odoo_env.odoo_command(DEMO_DB, addons, [])[2:],
                ],
                check=True,
                env=env,
            )
            # Accounting first: it brings the French chart of accounts, which the
            # point of sale's demo data needs (journals, taxes).
            subprocess.run(
                odoo_env.odoo_command(
                    DEMO_DB,
                    addons,
                    [
                        "-i",
                        "account",
                        "--stop-after-init",
                        "--no-http",
                        "--log-level=warn",
                    ],
                ),
                check=True,
                env=env,
            )
        print(
            f"== {'Updating' if install == '-u' else 'Installing'} pos_pongo with its "
            "demo data (about two minutes)",
            flush=True,
        )
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
        config_id, country, currency = result.stdout.split("DEMO_CONFIG", 1)[1].split()[
            :3
        ]
        print("== Starting Odoo", flush=True)
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
            BANNER.format(
                base=base,
                config_id=config_id,
                country=country,
                currency=currency,
                members=demo_members(emulator),
                url=url,
                admin=admin_url,
            ),
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
