#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make i18n``: export each addon's translation template from a throwaway
database and merge it into its French catalogue.

For pos_pongo (and each addon of bridges/): ``i18n/<addon>.pot`` is written anew
by Odoo's exporter; ``i18n/fr.po`` keeps the translations of the messages that
remain, gains the new messages (empty: to translate) and loses the gone ones.
The untranslated messages are listed at the end (tests/test_i18n.py fails on
them and on a template that is not up to date).
"""

import importlib.util
import os
import subprocess
import sys
import tempfile

import polib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odoo_env

_spec = importlib.util.spec_from_file_location(
    "pos_pongo_i18n_rules", os.path.join(odoo_env.ROOT, "tools", "i18n.py")
)
_rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rules)
drop_bridge_messages = _rules.drop_bridge_messages


def addons(root):
    """(name, folder) of pos_pongo and of the bridge addons in the repository."""
    return [("pos_pongo", root)] + [
        (name, os.path.join(odoo_env.BRIDGES, name))
        for name in odoo_env.bridge_addons()
    ]


def merge(pot_path, po_path):
    """Merge the template into the French catalogue; returns the untranslated."""
    template = polib.pofile(pot_path)
    french = (
        polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile(wrapwidth=78)
    )
    known = {(entry.msgctxt, entry.msgid): entry for entry in french}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = french.metadata or {
        "Project-Id-Version": "Odoo Server 18.0",
        "Language": "fr",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "nplurals=2; plural=n > 1;",
    }
    merged.header = french.header or template.header
    for entry in template:
        old = known.get((entry.msgctxt, entry.msgid))
        merged.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgctxt=entry.msgctxt,
                msgstr=old.msgstr if old else "",
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=old.tcomment if old else "",
                flags=[flag for flag in entry.flags if flag != "fuzzy"],
            )
        )
    merged.save(po_path)
    return [entry.msgid for entry in merged if not entry.msgstr.strip()]


def main():
    odoo_env.require_odoo()
    odoo_env.ensure_postgres()
    root = odoo_env.ROOT
    names = addons(root)
    db_name = f"pos_pongo_i18n_{os.getpid()}"
    folder = tempfile.mkdtemp(prefix="pos_pongo_i18n_addons_")
    os.symlink(root, os.path.join(folder, "pos_pongo"))
    modules = ",".join(name for name, _path in names)
    environ = odoo_env.odoo_environ()
    try:
        print(f"== Installing {modules} on {db_name}", flush=True)
        subprocess.run(
            odoo_env.odoo_command(
                db_name,
                folder,
                [
                    "-i",
                    modules,
                    "--without-demo=all",  # as the tests install it
                    "--stop-after-init",
                    "--no-http",
                    "--log-level=warn",
                ],
            ),
            check=True,
            env=environ,
        )
        for name, path in names:
            pot = os.path.join(path, "i18n", f"{name}.pot")
            os.makedirs(os.path.dirname(pot), exist_ok=True)
            subprocess.run(
                odoo_env.odoo_command(
                    db_name,
                    folder,
                    [
                        f"--i18n-export={pot}",
                        f"--modules={name}",
                        "--stop-after-init",
                        "--no-http",
                        "--log-level=warn",
                    ],
                ),
                check=True,
                env=environ,
            )
            if name == "pos_pongo":
                drop_bridge_messages(polib.pofile(pot, wrapwidth=78)).save(pot)
            missing = merge(pot, os.path.join(path, "i18n", "fr.po"))
            print(f"{name}: {len(missing)} message(s) to translate in fr.po")
            for msgid in missing:
                print(f"  - {msgid[:100]!r}")
    finally:
        odoo_env.drop_database(db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
