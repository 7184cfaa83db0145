#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run every check of the addon against real Odoo 18, PostgreSQL and Chromium.

Lint, the emulator's pytest suite, then Odoo's own test runner (TransactionCase and
HttpCase tours) on a fresh throwaway database, then an uninstall. Ends with one line
``N passed, N failed[, N skipped]`` counting every test, tours included; exits 1 on
any failure. Run through ``make test``, which first checks that Odoo is there.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odoo_env

ROOT = odoo_env.ROOT
LOG_DIR = os.path.join(ROOT, ".test-logs")
PRETTIER_VERSION = "3.10.1"

# Odoo's test result logs one line per test start, failure, error and skip.
RE_START = re.compile(r"\bodoo\.addons\.pos_pongo\.tests\.\S+: Starting (\S+) \.\.\.")
RE_FAIL = re.compile(r" (?:ERROR|CRITICAL) \S+ (\S+): (FAIL|ERROR): (.*)")
RE_SKIP = re.compile(r"\bodoo\.addons\.pos_pongo\.tests\.\S+: skipped (\S+)")
RE_LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
RE_TOUR = re.compile(r"\btour\b.*\bsucceeded\b|Tour \S+ succeeded", re.IGNORECASE)


def step(title):
    print(f"\n=== {title}", flush=True)


def run_lint():
    """ruff (lint + format) and pylint-odoo; returns the list of failed linters."""
    failed = []
    py = sys.executable
    commands = {
        "ruff check": [py, "-m", "ruff", "check", "."],
        "ruff format": [py, "-m", "ruff", "format", "--check", "."],
        "pylint-odoo": [py, "-m", "pylint", "--rcfile=.pylintrc", "--recursive=y", "."],
    }
    if shutil.which("npx"):
        commands["prettier"] = [
            "npx",
            "--yes",
            f"prettier@{PRETTIER_VERSION}",
            "--check",
            "static/**/*.js",
            "bridges/*/static/**/*.js",
        ]
    else:
        print("lint prettier: skipped (no npx; apt-get install npm)", flush=True)
    for name, command in commands.items():
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        status = "ok" if result.returncode == 0 else "FAILED"
        print(f"lint {name}: {status}", flush=True)
        if result.returncode:
            print(result.stdout[-6000:], result.stderr[-2000:], flush=True)
            failed.append(name)
    return failed


def run_pytest():
    """The emulator's own tests (plain pytest, no Odoo).

    :return: (passed, failed, skipped)
    """
    os.makedirs(LOG_DIR, exist_ok=True)
    junit = os.path.join(LOG_DIR, "emulator-junit.xml")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "emulator/tests",
    ]
    result = subprocess.run(command, cwd=ROOT)
    if not os.path.exists(junit):
        return 0, 1, 0
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    if result.returncode not in (0, 1) and not failed:
        failed = 1  # pytest itself broke (collection error, internal error)
    return total - failed - skipped, failed, skipped


def parse_odoo_log(lines):
    """Counts from Odoo's test log: started tests, failed ones, skipped ones."""
    started, failed, skipped, errors = [], set(), set(), []
    for line in lines:
        if match := RE_START.search(line):
            started.append(match.group(1))
        elif match := RE_FAIL.search(line):
            failed.add(match.group(3).split(" ")[0] or match.group(1))
        elif match := RE_SKIP.search(line):
            skipped.add(match.group(1))
        if RE_LOG_ERROR.search(line):
            errors.append(line.rstrip())
    return started, failed, skipped, errors


def run_odoo_tests(args, db_name, addons_dir):
    """Install pos_pongo on a fresh database with tests enabled; returns counts."""
    log_path = os.path.join(LOG_DIR, "odoo-tests.log")
    command = odoo_env.odoo_command(
        db_name,
        addons_dir,
        [
            "-i",
            "pos_pongo,pos_restaurant",
            "--test-enable",
            f"--test-tags={args.test_tags}",
            "--stop-after-init",
            "--max-cron-threads=0",
            f"--http-port={odoo_env.free_port()}",
            "--log-level=info",
        ]
        + ([] if args.demo else ["--without-demo=all"]),
    )
    print("$", " ".join(command[1:]), flush=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=odoo_env.odoo_environ(),
        )
        lines = []
        for line in process.stdout:
            log.write(line)
            lines.append(line)
            if (
                RE_START.search(line)
                or RE_LOG_ERROR.search(line)
                or "post-tests in" in line
            ):
                print(line.rstrip()[:400], flush=True)
        returncode = process.wait()
    started, failed, skipped, errors = parse_odoo_log(lines)
    print(f"odoo log: {log_path}", flush=True)
    return returncode, started, failed, skipped, errors


def run_uninstall(db_name, addons_dir):
    """Uninstall pos_pongo from the test database; True when it is gone cleanly."""
    script = (
        "module = env['ir.module.module'].search([('name', '=', 'pos_pongo')])\n"
        "module.button_immediate_uninstall()\n"
        "env.cr.commit()\n"
        'env.cr.execute("SELECT count(*) FROM information_schema.columns '
        "WHERE table_name = 'pos_config' AND column_name LIKE 'pongo%%'\")\n"
        "columns = env.cr.fetchone()[0]\n"
        "state = env['ir.module.module'].search([('name', '=', 'pos_pongo')]).state\n"
        "print('UNINSTALL_RESULT', state, columns)\n"
    )
    command = odoo_env.odoo_command(
        db_name, addons_dir, ["--no-http", "--log-level=warn"], subcommand="shell"
    )
    result = subprocess.run(
        command,
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=odoo_env.odoo_environ(),
    )
    match = re.search(r"UNINSTALL_RESULT (\S+) (\d+)", result.stdout)
    ok = bool(match and match.group(1) == "uninstalled" and match.group(2) == "0")
    if not ok:
        print(result.stdout[-3000:], result.stderr[-3000:], flush=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-lint", action="store_true")
    parser.add_argument("--skip-pytest", action="store_true")
    parser.add_argument("--demo", action="store_true", help="install with demo data")
    parser.add_argument("--test-tags", default="/pos_pongo")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    started_at = time.monotonic()
    os.makedirs(LOG_DIR, exist_ok=True)
    odoo_env.require_odoo()
    odoo_env.require_chromium()
    odoo_env.ensure_postgres()
    passed = failed = skipped = 0
    problems = []

    if not args.skip_lint:
        step("lint")
        problems += [f"lint: {name}" for name in run_lint()]

    if not args.skip_pytest:
        step("emulator tests (pytest)")
        p, f, s = run_pytest()
        passed, failed, skipped = passed + p, failed + f, skipped + s

    step("Odoo tests (TransactionCase + HttpCase tours in Chromium)")
    db_name = f"pos_pongo_test_{os.getpid()}"
    addons_dir = tempfile.mkdtemp(prefix="pos_pongo_addons_")
    os.symlink(ROOT, os.path.join(addons_dir, "pos_pongo"))
    try:
        returncode, started, odoo_failed, odoo_skipped, errors = run_odoo_tests(
            args, db_name, addons_dir
        )
        # An error logged outside any test (install, teardown) fails the run too.
        stray = [line for line in errors if not RE_FAIL.search(line)]
        if not started:
            problems.append("odoo: no test was run")
        if returncode:
            problems.append(f"odoo: exit code {returncode}")
        if stray:
            problems.append(f"odoo: {len(stray)} error line(s) in the log")
            print("\n".join(stray[:20]))
        n_failed = len(odoo_failed)
        n_skipped = len(odoo_skipped)
        passed += max(len(started) - n_failed - n_skipped, 0)
        failed += n_failed
        skipped += n_skipped
        step("uninstall")
        if run_uninstall(db_name, addons_dir):
            print("uninstall: ok")
            passed += 1
        else:
            print("uninstall: FAILED")
            failed += 1
    finally:
        if not args.keep_db:
            odoo_env.drop_database(db_name)
        shutil.rmtree(addons_dir, ignore_errors=True)

    step("summary")
    for problem in problems:
        print(f"problem: {problem}")
    print(f"time: {time.monotonic() - started_at:.0f} s")
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, flush=True)
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
