#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``make test``: every check of the addon in one pytest run, through pytest-odoo.

First a fresh database gets pos_pongo, pos_restaurant and the addons of bridges/
(odoo-bin -i ... --stop-after-init). Then one pytest session runs the linters
(scripts/checks/test_lint.py), the emulator's suite (emulator/tests), pos_pongo's
Odoo tests (TransactionCase, HttpCase and POS tours in headless Chromium, with
``--odoo-http``) and the retail check (scripts/checks/test_retail_install.py:
pos_pongo installed alone on a second database, then uninstalled). pytest's own
closing line ends the output; the exit code is pytest's.

Narrowing: ``--skip-lint``, ``--skip-emulator``, ``--skip-retail``,
``--test-tags=SPEC`` (Odoo's syntax, e.g. ``/pos_pongo:TestPhone.test_e164``;
leaves the retail check out), and any pytest option or path, e.g.
``-k voucher`` or ``tests/test_phone.py::TestPhone``.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import odoo_env

ROOT = odoo_env.ROOT
LOG_DIR = os.path.join(ROOT, ".test-logs")
SCRIPTS = os.path.join(ROOT, "scripts")
TEST_MODULES = ["pos_pongo", "pos_restaurant"]
RETAIL_CHECK = "test_retail_install.py"
STANDALONE = [os.path.join(SCRIPTS, "checks"), os.path.join(ROOT, "emulator")]


def step(title):
    print(f"\n=== {title}", flush=True)


def fresh_log(name):
    """A log file of this run in .test-logs/ (Odoo appends to an existing one)."""
    path = os.path.join(LOG_DIR, name)
    if os.path.exists(path):
        os.remove(path)
    return path


def prepare_database(db_name, conf, modules, demo=False, log_name="install"):
    """Install ``modules`` on a fresh ``db_name`` (no tests run); True when it works."""
    log_path = fresh_log(f"{log_name}.log")
    command = [
        sys.executable,
        os.path.join(odoo_env.ODOO_HOME, "odoo-bin"),
        f"--config={conf}",
        "-i",
        ",".join(modules),
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
        f"--logfile={log_path}",
    ] + ([] if demo else ["--without-demo=all"])
    print("$ odoo-bin", " ".join(command[3:]), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=odoo_env.odoo_environ())
    with open(log_path) as log:
        errors = [line for line in log if " ERROR " in line or " CRITICAL " in line]
    ok = not (result.returncode or errors)
    print(
        f"database {db_name} {'ready' if ok else 'NOT installed'} in "
        f"{time.monotonic() - started:.0f} s (log: {os.path.relpath(log_path, ROOT)})",
        flush=True,
    )
    if not ok:
        print("".join(errors[-20:]) or f"odoo-bin exit code {result.returncode}")
    return ok


def is_path(arg):
    """Whether a pytest argument names a file or folder of the repository."""
    head = arg.partition("::")[0]
    return not arg.startswith("-") and os.path.exists(os.path.join(ROOT, head))


def real(arg):
    return os.path.realpath(os.path.join(ROOT, arg.partition("::")[0]))


def linked(arg, addons):
    """A path of the repository as seen through the pos_pongo link of ``addons``."""
    _head, sep, tail = arg.partition("::")
    relative = os.path.relpath(real(arg), ROOT)
    if relative.startswith(".."):
        return arg
    return os.path.join(addons, "pos_pongo", relative) + sep + tail


def standalone_folder(pytest_args):
    """The folder of a run that has no Odoo test (only linters, or only the
    emulator's suite), or None. Such a run is rooted there and needs no database:
    outside pytest-odoo, pytest must not import the addon's __init__.py."""
    paths = [real(arg) for arg in pytest_args if is_path(arg)]
    for folder in STANDALONE:
        if paths and all(p == folder or p.startswith(folder + os.sep) for p in paths):
            return folder
    return None


def pytest_command(args, pytest_args, addons, conf):
    """The pytest command line; ``conf`` is None for a standalone run."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        os.path.join(SCRIPTS, "pytest.ini"),
        f"--junitxml={os.path.join(LOG_DIR, 'junit.xml')}",
    ]
    if not conf:
        folder = standalone_folder(pytest_args)
        asked = [
            real(arg) + arg[len(arg.partition("::")[0]) :] if is_path(arg) else arg
            for arg in pytest_args
        ]
        return [*command, f"--rootdir={folder}", "-p", "no:odoo", *asked]
    command += [
        f"--rootdir={addons}",
        f"--odoo-config={conf}",
        "--odoo-http",
        "--odoo-log-level=warn",
        f"--odoo-extra=logfile={fresh_log('odoo-tests.log')}",
    ]
    if args.test_tags:
        command.append(f"--odoo-test-tags={args.test_tags}")
    command += [linked(arg, addons) if is_path(arg) else arg for arg in pytest_args]
    if not any(is_path(arg) for arg in pytest_args):
        link = os.path.join(addons, "pos_pongo")
        if not args.skip_lint:
            command.append(os.path.join(link, "scripts", "checks", "test_lint.py"))
        if not args.skip_emulator:
            command.append(os.path.join(link, "emulator", "tests"))
        command.append(os.path.join(link, "tests"))
        command += [
            os.path.join(odoo_env.BRIDGES, name, "tests")
            for name in odoo_env.bridge_addons()
            if os.path.isdir(os.path.join(odoo_env.BRIDGES, name, "tests"))
        ]
        if not (args.skip_retail or args.test_tags):
            command.append(os.path.join(link, "scripts", "checks", RETAIL_CHECK))
    return command


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-lint", action="store_true")
    parser.add_argument(
        "--skip-emulator", "--skip-pytest", action="store_true", dest="skip_emulator"
    )
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--demo", action="store_true", help="install with demo data")
    parser.add_argument("--test-tags", help="Odoo test tags, e.g. /pos_pongo:TestPhone")
    parser.add_argument("--keep-db", action="store_true")
    args, pytest_args = parser.parse_known_args()

    started = time.monotonic()
    os.makedirs(LOG_DIR, exist_ok=True)
    odoo_env.require_odoo()
    standalone = standalone_folder(pytest_args)
    paths = [arg for arg in pytest_args if is_path(arg)]
    if not (paths and all("test_lint" in path for path in paths)):
        odoo_env.ensure_postgres()  # every run but make lint
    addons = odoo_env.addons_dir()
    db_name = f"pos_pongo_test_{os.getpid()}"
    workdir = tempfile.mkdtemp(prefix="pos_pongo_test_")
    conf = None
    try:
        if not standalone:
            odoo_env.require_chromium()
            modules = TEST_MODULES + odoo_env.bridge_addons()
            step(f"test database: {', '.join(modules)}")
            conf = odoo_env.write_config(
                os.path.join(workdir, "odoo.conf"), db_name, addons
            )
            if not prepare_database(db_name, conf, modules, demo=args.demo):
                print("0 passed, 1 failed")  # pos_pongo does not install
                return 1
        step("pytest (pytest-odoo)")
        print(f"setup: {time.monotonic() - started:.0f} s", flush=True)
        env = odoo_env.odoo_environ()
        env["PYTHONPATH"] = os.pathsep.join([SCRIPTS, env["PYTHONPATH"]])
        command = pytest_command(args, pytest_args, addons, conf)
        return subprocess.run(command, cwd=standalone or addons, env=env).returncode
    finally:
        if conf and not args.keep_db:
            odoo_env.drop_database(db_name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
