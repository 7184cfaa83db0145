# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A retail shop installs pos_pongo alone (no pos_restaurant) and can remove it.

Runs odoo-bin on a fresh database of its own, then drops it.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
import odoo_env

CHECK = """
import json
Module = env["ir.module.module"]
installed = Module.search([("state", "=", "installed")])
result = {"installed": sorted(installed.mapped("name"))}
Module.search([("name", "=", "pos_pongo")]).button_immediate_uninstall()
env.cr.commit()
env.cr.execute(
    "SELECT table_name || '.' || column_name FROM information_schema.columns "
    "WHERE table_schema = 'public' AND column_name LIKE 'pongo%%'"
)
result["pongo_columns_left"] = sorted(row[0] for row in env.cr.fetchall())
result["state_after"] = Module.search([("name", "=", "pos_pongo")]).state
print("RESULT " + json.dumps(result))
"""


def test_pos_pongo_installs_and_uninstalls_without_pos_restaurant():
    db_name = f"pos_pongo_retail_{os.getpid()}"
    addons = odoo_env.addons_dir()
    env = odoo_env.odoo_environ()
    try:
        install = subprocess.run(
            odoo_env.odoo_command(
                db_name,
                addons,
                [
                    *("-i", "pos_pongo", "--stop-after-init", "--no-http"),
                    *("--without-demo=all", "--log-level=warn"),
                ],
            ),
            capture_output=True,
            text=True,
            env=env,
        )
        assert install.returncode == 0, install.stdout[-4000:] + install.stderr[-4000:]
        assert " ERROR " not in install.stderr, install.stderr[-4000:]
        check = subprocess.run(
            odoo_env.odoo_command(
                db_name, addons, ["--no-http", "--log-level=warn"], subcommand="shell"
            ),
            input=CHECK,
            capture_output=True,
            text=True,
            env=env,
        )
        line = [x for x in check.stdout.splitlines() if x.startswith("RESULT ")]
        assert line, check.stdout[-3000:] + check.stderr[-3000:]
        result = json.loads(line[0].removeprefix("RESULT "))
        assert "pos_pongo" in result["installed"]
        assert "pos_restaurant" not in result["installed"]
        assert result["pongo_columns_left"] == []
        assert result["state_after"] == "uninstalled"
    finally:
        odoo_env.drop_database(db_name)
