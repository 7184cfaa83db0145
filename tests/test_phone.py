# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from ..tools.phone import (
    PongoPhoneError,
    from_pongo_phone,
    mask_phone,
    to_e164,
    to_pongo_phone,
)


@tagged("post_install", "-at_install")
class TestPhone(TransactionCase):
    def test_usual_french_forms_give_one_pongo_number(self):
        france = self.env.ref("base.fr")
        for typed in (
            "06 12 34 56 78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33612345678",
            "0033612345678",
            "06.12.34.56.78",
        ):
            with self.subTest(typed=typed):
                self.assertEqual(to_pongo_phone(typed, france), "33612345678")
                self.assertEqual(to_e164(typed, "FR"), "+33612345678")

    def test_country_is_only_the_default_region(self):
        self.assertEqual(to_pongo_phone("+32 470 12 34 56", "FR"), "32470123456")
        self.assertEqual(to_pongo_phone("0470 12 34 56", "BE"), "32470123456")

    def test_bad_numbers_are_clear_errors(self):
        for typed in ("", "   ", "hello", "12", "+33 6 12", "06123456789012345"):
            with self.subTest(typed=typed), self.assertRaises(PongoPhoneError):
                to_pongo_phone(typed, "FR")

    def test_from_pongo_and_mask(self):
        self.assertEqual(from_pongo_phone("33612345678"), "+33612345678")
        self.assertEqual(from_pongo_phone(""), "")
        self.assertEqual(mask_phone("33612345678"), "*********78")
