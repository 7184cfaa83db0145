# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.res_company import SECRET_FIELDS


@tagged("post_install", "-at_install")
class TestPongoSetup(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.sudo().write(
            {
                "pongo_environment": "custom",
                "pongo_custom_url": "http://127.0.0.1:1/",
                "pongo_client_secret": "s3cret-client",
                "pongo_access_token": "s3cret-token",
            }
        )
        cls.pos_user = new_test_user(
            cls.env,
            login="pongo_pos_user",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.config = cls.env["pos.config"].create({"name": "Pongo Till"})

    def test_pos_is_active_only_when_mapped_and_connected(self):
        self.assertFalse(self.config.pongo_active)
        store = self.env["pongo.store"].create({"name": "Paris", "slug": "demo-paris"})
        self.config.pongo_store_id = store
        self.assertTrue(self.config.pongo_active)
        self.assertEqual(self.config.pongo_store_slug, "demo-paris")
        store.active = False  # gone from Pongo
        self.assertFalse(self.config.pongo_active)
        self.assertIn("no longer exists", self.company._pongo_mapping_report())
        store.active = True
        self.company.sudo().pongo_access_token = False
        self.config.invalidate_recordset(["pongo_active"])
        self.assertFalse(self.config.pongo_active)

    def test_base_url_per_environment(self):
        self.assertEqual(self.company._pongo_base_url(), "http://127.0.0.1:1")
        self.company.sudo().pongo_environment = "production"
        self.assertEqual(self.company._pongo_base_url(), "https://api.heypongo.com")
        self.company.sudo().pongo_environment = "sandbox"
        self.assertEqual(
            self.company._pongo_base_url(), "https://sandbox-api.heypongo.com"
        )

    def test_pos_user_cannot_read_secrets(self):
        company = self.company.with_user(self.pos_user)
        for field in (*SECRET_FIELDS, "pongo_client_id"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                company.read([field])
        # What a POS user may read of the company carries no secret.
        values = company.read()[0]
        self.assertNotIn("s3cret-token", str(values))
        self.assertNotIn("s3cret-client", str(values))

    def test_secret_fields_are_for_system_administrators_only(self):
        fields = self.env["res.company"]._fields
        for name in SECRET_FIELDS:
            with self.subTest(field=name):
                self.assertEqual(fields[name].groups, "base.group_system")
                self.assertFalse(fields[name].copy)
