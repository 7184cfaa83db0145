#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make wheel``: pos_pongo (and each addon of bridges/) as a wheel, with whool.

whool, OCA's build backend, packs every file git tracks in the addon folder. Here
the repository root is the addon and also holds the project's tooling, so the
addon's files are first copied to a staging folder without it: no scripts/,
emulator/, tests/ (they need the emulator), doc/, .ci/, bridges/ (built as wheels
of their own), nor the development files at the root. The wheels go to dist/:
``odoo_addon_pos_pongo-<version>-py3-none-any.whl``, installed with
``pip install`` into the Python that runs Odoo.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from whool.buildapi import build_wheel

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
# Tooling of the project, not part of the addon Odoo loads.
NOT_SHIPPED = ("scripts/", "emulator/", "tests/", "doc/", ".ci/", "bridges/", ".")
NOT_SHIPPED_FILES = ("Makefile", "pyproject.toml", "requirements.txt")
NOT_SHIPPED_FILES += ("requirements-test.txt",)


def tracked(folder):
    """The files git tracks under ``folder``, relative to it."""
    output = subprocess.run(
        ["git", "ls-files", "-z", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [path for path in output.split("\0") if path]


def shipped(path):
    return not (path.startswith(NOT_SHIPPED) or path in NOT_SHIPPED_FILES)


def build(addon_dir, files):
    """Stage ``files`` of ``addon_dir`` under the addon's name and build its wheel."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp, addon_dir.name if addon_dir != ROOT else "pos_pongo")
        for path in files:
            target = staged / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(addon_dir / path, target)
        # Outside git, whool packs the whole folder (git's "not a git repository"
        # on stderr is expected: it is shown only if the build fails).
        here, stderr = os.getcwd(), os.dup(2)
        with tempfile.TemporaryFile() as log:
            os.chdir(staged)  # whool builds the addon of the current folder
            os.dup2(log.fileno(), 2)
            try:
                return build_wheel(str(DIST))
            except Exception:
                log.seek(0)
                os.write(stderr, log.read())
                raise
            finally:
                os.dup2(stderr, 2)
                os.chdir(here)


def main():
    DIST.mkdir(exist_ok=True)
    addons = [(ROOT, [path for path in tracked(ROOT) if shipped(path)])]
    bridges = ROOT / "bridges"
    if bridges.is_dir():
        addons += [
            (folder, tracked(folder))
            for folder in sorted(bridges.iterdir())
            if (folder / "__manifest__.py").is_file()
        ]
    for addon_dir, files in addons:
        wheel = build(addon_dir, files)
        print(f"dist/{wheel}: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
