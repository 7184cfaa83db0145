# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``python3 emulator/pongo_emulator --port 8071``, or ``python3 -m pongo_emulator``."""

import os
import sys

if not __package__:  # run as a directory: make the package importable by name
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pongo_emulator.server import main

sys.exit(main())
