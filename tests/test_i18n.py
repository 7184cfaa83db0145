# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import os
import re
from collections import Counter

import polib

from odoo.modules.module import get_module_path
from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tools.translate import trans_export

from ..tools.i18n import drop_bridge_messages

# %(name)s / %s style placeholders, {name} / {{ expr }} placeholders, and tags.
PLACEHOLDER_RE = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]"  # %(name)s
    r"|%[sdifr]"  # %s
    r"|\{[^{}]*\}"  # {name}
)
TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def placeholders(text):
    return Counter(PLACEHOLDER_RE.findall(text))


def tags(text):
    return Counter(TAG_RE.findall(text))


class FrenchCatalogueChecks:
    """The French catalogue of ``module`` against its template (pos_pongo's, and
    each bridge addon's test with its own ``module``)."""

    module = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        i18n = os.path.join(get_module_path(cls.module), "i18n")
        cls.template = polib.pofile(os.path.join(i18n, f"{cls.module}.pot"))
        cls.french = polib.pofile(os.path.join(i18n, "fr.po"))
        cls.french_by_key = {(e.msgctxt, e.msgid): e for e in cls.french}

    def test_french_header(self):
        self.assertEqual(self.french.metadata.get("Language"), "fr")
        self.assertEqual(
            self.french.metadata.get("Plural-Forms"), "nplurals=2; plural=n > 1;"
        )

    def test_every_template_message_is_translated(self):
        template_keys = {(e.msgctxt, e.msgid) for e in self.template if not e.obsolete}
        self.assertTrue(template_keys, "the template has no message")
        for key in sorted(template_keys, key=lambda k: (k[0] or "", k[1])):
            with self.subTest(msgid=key[1]):
                entry = self.french_by_key.get(key)
                self.assertIsNotNone(entry, "missing from fr.po")
                self.assertTrue(entry.msgstr.strip(), "empty translation")
        extra = {k for k, e in self.french_by_key.items() if not e.obsolete}
        self.assertEqual(extra - template_keys, set(), "fr.po has unknown msgids")

    def test_no_fuzzy_entry(self):
        fuzzy = [e.msgid for e in self.french if "fuzzy" in e.flags]
        self.assertEqual(fuzzy, [])

    def test_placeholders_and_tags_are_kept(self):
        for entry in self.french:
            if entry.obsolete or not entry.msgstr:
                continue
            with self.subTest(msgid=entry.msgid):
                self.assertEqual(placeholders(entry.msgstr), placeholders(entry.msgid))
                self.assertEqual(tags(entry.msgstr), tags(entry.msgid))


@tagged("post_install", "-at_install")
class TestPongoI18n(FrenchCatalogueChecks, BaseCase):
    module = "pos_pongo"


@tagged("post_install", "-at_install")
class TestPongoI18nTemplate(TransactionCase):
    def test_template_is_up_to_date(self):
        """i18n/pos_pongo.pot holds every message of the code (``make i18n``)."""
        buffer = io.BytesIO()
        trans_export(False, ["pos_pongo"], buffer, "po", self.env.cr)
        exported = drop_bridge_messages(polib.pofile(buffer.getvalue().decode()))
        path = os.path.join(get_module_path("pos_pongo"), "i18n", "pos_pongo.pot")
        template = polib.pofile(path)
        now = {(e.msgctxt, e.msgid) for e in exported}
        kept = {(e.msgctxt, e.msgid) for e in template if not e.obsolete}
        self.assertEqual(
            sorted(m for _c, m in now - kept), [], "not in the template: make i18n"
        )
        self.assertEqual(
            sorted(m for _c, m in kept - now), [], "gone from the code: make i18n"
        )
