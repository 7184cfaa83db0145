#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make pongo-probe DB=<database> [COMPANY=<id>]``: the conformance probe.

Runs tools/pongo_probe.py (the *Check compatibility* button of the settings) for
one company of an Odoo database, against the Pongo environment configured there:
every read call of the client, and on a sandbox a safe write cycle. Prints one
line per operation; the report is also kept for the settings page. Without
COMPANY, the one company connected to Pongo. Exit code 0: all OK; 1: differences
or failures; 2: cannot run.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odoo_env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="Odoo database")
    parser.add_argument("--company", type=int, help="res.company id")
    args = parser.parse_args()
    if not args.db:
        odoo_env.fail("usage: make pongo-probe DB=<database> [COMPANY=<id>]")
    odoo_env.require_odoo()
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        [
            f"--addons-path={odoo_env.addons_path(odoo_env.addons_dir())}",
            f"--database={args.db}",
            f"--db_host={odoo_env.DB_HOST}",
            f"--db_port={odoo_env.DB_PORT}",
            f"--db_user={odoo_env.DB_USER}",
            f"--db_password={odoo_env.DB_PASSWORD}",
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "pongo.deprecation" not in env:
            odoo_env.fail(f"pos_pongo is not installed in the database {args.db}.")
        Company = env["res.company"]
        if args.company:
            companies = Company.browse(args.company).exists()
        else:
            companies = Company.search([]).filtered(lambda c: c._pongo_is_connected())
        if len(companies) != 1:
            found = ", ".join(f"{c.id} ({c.name})" for c in companies) or "none"
            odoo_env.fail(f"choose one connected company with COMPANY=<id>: {found}")
        report = companies._pongo_probe()
        cr.commit()
    print(report.text(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
