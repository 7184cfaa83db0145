# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which exported messages belong to pos_pongo's own catalogue.

Odoo's exporter walks the whole addon folder, bridges/ included; the bridge
addons keep their messages in their own catalogues.
"""

BRIDGES_PART = "/bridges/"


def drop_bridge_messages(pofile):
    """Remove from a polib file the occurrences (and then the messages) that
    only come from bridges/; returns the file."""
    for entry in list(pofile):
        entry.occurrences = [
            (path, line) for path, line in entry.occurrences if BRIDGES_PART not in path
        ]
        if not entry.occurrences:
            pofile.remove(entry)
    return pofile
