# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stateful local emulator of the Hey Pongo loyalty API (stdlib only).

Run:  python3 emulator/pongo_emulator --host 127.0.0.1 --port 8071
In-process (emulator/ on sys.path):
    from pongo_emulator import Emulator
    emu = Emulator(port=0); emu.start(); ...; emu.stop()

Every wire name comes from ../../const.py (loaded by file path, never through
the Odoo addon package). The behaviour is described in emulator/openapi.yaml and
emulator/README.md. Modules: common (wire names, helpers, records), validation,
seed, state, routing, api (/v1), faults, webhooks, admin (/_emulator), server.
"""

from .common import C, Config
from .server import Emulator, main

__all__ = ["C", "Config", "Emulator", "main"]
