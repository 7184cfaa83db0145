# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest plugin of ``make test`` and ``make compat``, beside pytest-odoo.

- ``--odoo-test-tags=SPEC`` keeps the Odoo tests that Odoo's own ``--test-tags``
  would run (Odoo's ``TagsSelector``, e.g. ``/pos_pongo:TestPhone.test_e164``);
- marks the running Odoo test as Odoo's suite does (``current_test``: the test
  cursor then refuses a request left over from a previous test);
- an ERROR logged during a test fails it, as on Odoo's runbot (``mute_logger``
  and ``assertLogs`` keep expected errors out);
- prints the time spent in each part of the run before pytest's closing line.
"""

import logging
import os
import time
from collections import defaultdict

import pytest

import odoo
from odoo.tools import config

# Importing Odoo's test framework outside test mode logs an ERROR: pytest-odoo
# imports it before any test, so import it here, in test mode.
config["test_enable"] = True
import odoo.tests  # noqa: E402

config["test_enable"] = False

ERROR_LOGS = pytest.StashKey[list]()
PART_TIMES = defaultdict(float)
PART_COUNTS = defaultdict(lambda: defaultdict(int))
NODE_PARTS = {}


def pytest_addoption(parser):
    group = parser.getgroup("pos_pongo")
    group.addoption(
        "--odoo-test-tags",
        help="keep only the Odoo tests that odoo-bin --test-tags=SPEC would run",
    )


def _odoo_test(item):
    cls = getattr(item, "cls", None)
    return cls is not None and issubclass(cls, odoo.tests.BaseCase)


def pytest_collection_modifyitems(config, items):
    spec = config.getoption("--odoo-test-tags")
    if not spec:
        return
    from odoo.tests.tag_selector import TagsSelector

    selector = TagsSelector(spec)
    kept, dropped = [], []
    for item in items:
        if _odoo_test(item) and not selector.check(item.cls(item.name)):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def part_of(item):
    """The part of the run an item belongs to, for the summary."""
    path = str(item.path)
    if _odoo_test(item):
        cls = item.cls
        if cls.__module__.startswith("odoo.addons."):
            return f"Odoo tests of {cls.test_module}"
        return f"Odoo tests of {cls.test_module}, {cls.__name__}"  # make compat
    if f"{os.sep}emulator{os.sep}" in path:
        return "emulator tests"
    return item.path.stem.removeprefix("test_").replace("_", " ")


class _ErrorCollector(logging.Handler):
    def __init__(self, records):
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record):
        self.records.append(record)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _odoo_test(item):
        odoo.modules.module.current_test = item.instance


def _collect_errors(item):
    records = item.stash.setdefault(ERROR_LOGS, [])
    handler = _ErrorCollector(records)
    logging.getLogger().addHandler(handler)
    started = time.monotonic()
    return handler, started


def _stop_collecting(item, handler, started):
    logging.getLogger().removeHandler(handler)
    PART_TIMES[part_of(item)] += time.monotonic() - started


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase (setup, call, teardown, subtest) answers for the errors it logged."""
    report = yield
    NODE_PARTS[item.nodeid] = part_of(item)
    records = item.stash.get(ERROR_LOGS, [])
    logged, records[:] = records[:], []
    if logged and report.passed:
        report.outcome = "failed"
        report.longrepr = "ERROR logged during the test:\n" + "\n".join(
            f"{record.name}: {record.getMessage()}"[:3000] for record in logged
        )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    handler, started = _collect_errors(item)
    try:
        return (yield)
    finally:
        _stop_collecting(item, handler, started)
        if nextitem is None or not _odoo_test(nextitem):
            odoo.modules.module.current_test = False


def pytest_runtest_logreport(report):
    """Counts per part: a test's call, or its set-up when that fails or skips."""
    part = NODE_PARTS.get(report.nodeid)
    if part is None:
        return
    if getattr(report, "context", None):  # a subtest: pytest counts its failure
        if report.failed:
            PART_COUNTS[part]["failed"] += 1
    elif report.when == "call" or (report.when == "setup" and not report.passed):
        PART_COUNTS[part][report.outcome] += 1
    elif report.when == "teardown" and report.failed:
        PART_COUNTS[part]["errors in teardown"] += 1


def pytest_terminal_summary(terminalreporter):
    if PART_TIMES:
        terminalreporter.section("parts of the run")
        for part, seconds in PART_TIMES.items():
            counts = ", ".join(f"{n} {what}" for what, n in PART_COUNTS[part].items())
            terminalreporter.write_line(
                f"{part}: {counts or 'nothing run'}; {seconds:.0f} s"
            )
