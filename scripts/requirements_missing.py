# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Print the lines of requirement files that this Python does not satisfy.

Used by scripts/setup.sh to know, without pip and in a second, whether Odoo's
requirements.txt and requirements-test.txt are installed. Standard library and
pip's vendored ``packaging`` only.
"""

import os
import sys
from importlib import metadata

try:
    from packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # a bare virtualenv: pip brings its own copy
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement


def missing(path):
    with open(path) as requirements:
        for line in requirements:
            text = line.split(" #", 1)[0].strip()
            if text.startswith("-r "):  # an included file, beside this one
                yield from missing(os.path.join(os.path.dirname(path), text[3:]))
                continue
            if not text or text.startswith(("#", "-")):
                continue
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                yield text
                continue
            if requirement.marker and not requirement.marker.evaluate():
                continue
            try:
                version = metadata.version(requirement.name)
            except metadata.PackageNotFoundError:
                yield text
                continue
            if not requirement.specifier.contains(version, prereleases=True):
                yield text


if __name__ == "__main__":
    lines = [line for path in sys.argv[1:] for line in missing(path)]
    for line in lines:
        print(line)
    sys.exit(1 if lines else 0)
