# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One closing line for several pytest runs: ``total: N passed, N failed, N skipped``.

.ci/run ends with it, over the JUnit files of ``make test`` and ``make compat``.
"""

import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        errors = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - errors - skips
        failed += errors
        skipped += skips
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or not passed else 0)
