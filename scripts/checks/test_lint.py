# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The linters of `make lint`, `make test` and .pre-commit-config.yaml, one each."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
PRETTIER_VERSION = "3.10.1"  # also in .pre-commit-config.yaml
LINTERS = {
    "ruff": [sys.executable, "-m", "ruff", "check", "."],
    "ruff-format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "pylint-odoo": [
        sys.executable,
        "-m",
        "pylint",
        "--rcfile=.pylintrc",
        "--recursive=y",
        ".",
    ],
    "prettier": [
        "npx",
        "--yes",
        f"prettier@{PRETTIER_VERSION}",
        "--check",
        "static/**/*.js",
        "bridges/*/static/**/*.js",
    ],
}


@pytest.mark.parametrize("linter", LINTERS)
def test_lint(linter):
    command = LINTERS[linter]
    if not shutil.which(command[0]):
        pytest.skip(f"{command[0]} is not installed (prettier: apt-get install npm)")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{linter}:\n{result.stdout[-8000:]}{result.stderr}"
