# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the admin does in the settings: connect, map stores, webhooks, import."""

from urllib.parse import parse_qs, urlparse

import psycopg2

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from .. import const as C
from ..models.res_company import SECRET_FIELDS
from .common import PongoEmulatorMixin


@tagged("post_install", "-at_install")
class TestPongoSettings(PongoEmulatorMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.company = self.env.company
        self.company.sudo().write(
            {
                "pongo_environment": "custom",
                "pongo_custom_url": self.emulator.url,
                "pongo_client_id": "pongo-demo-client",
                "pongo_client_secret": "pongo-demo-secret",
            }
        )
        self.settings = self.env["res.config.settings"].create({})

    def test_one_partner_per_pongo_customer_and_company(self):
        Partner = self.env["res.partner"]
        customer = {C.F_PUBLIC_ID: "cust_unique01", C.F_PHONE: "33612349999"}
        first = Partner._pongo_upsert_from_customer(customer, self.company)
        self.assertEqual(
            Partner._pongo_upsert_from_customer(customer, self.company), first
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                Partner.create(
                    {
                        "name": "Copy",
                        "pongo_customer_id": "cust_unique01",
                        "company_id": self.company.id,
                    }
                )
        other = self.env["res.company"].create({"name": "Other shop"})
        self.assertNotEqual(Partner._pongo_upsert_from_customer(customer, other), first)

    def test_connect_button_points_to_pongo_form_with_a_state(self):
        action = self.settings.action_pongo_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        url = urlparse(action["url"])
        query = parse_qs(url.query)
        self.assertEqual(f"{url.scheme}://{url.netloc}", self.emulator.url)
        self.assertEqual(url.path, C.PATH_OAUTH_FORM)
        self.assertEqual(query["client_id"], ["pongo-demo-client"])
        self.assertEqual(query["state"], [self.company.sudo().pongo_oauth_state])
        self.assertTrue(query["redirect_uri"][0].endswith("/pos_pongo/oauth/callback"))

    def test_token_from_pongo_then_test_then_disconnect(self):
        with self.assertRaises(UserError):
            self.company.action_pongo_use_token("  ")
        self.company.action_pongo_use_token(self.emulator.issue_token())
        self.assertTrue(self.company._pongo_is_connected())
        self.assertEqual(self.company.pongo_merchant_name, "Café Pongo Démo")
        stores = self.env["pongo.store"].search([("company_id", "=", self.company.id)])
        self.assertEqual(set(stores.mapped("slug")), {"demo-paris", "demo-lyon"})
        self.company.action_pongo_disconnect()
        self.assertFalse(self.company._pongo_is_connected())
        with self.assertRaises(UserError):
            self.company.action_pongo_test_connection()

    def test_settings_actions_reload_the_page(self):
        """The settings show what a button changed: connected, subscribed..."""
        self.pongo_connect_company(self.company)
        settings = self.env["res.config.settings"].create({})
        for action in (
            settings.action_pongo_subscribe_webhooks(),
            settings.action_pongo_disconnect(),
        ):
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        self.assertFalse(self.env["res.config.settings"].create({}).pongo_connected)

    def test_bad_token_is_a_clear_error(self):
        with self.assertRaisesRegex(UserError, "Reconnect"):
            self.company.action_pongo_use_token("not-a-token")

    def test_store_gone_from_pongo_is_archived_and_reported(self):
        self.pongo_connect_company(self.company)
        self.company.action_pongo_fetch_stores()
        lyon = self.env["pongo.store"].search([("slug", "=", "demo-lyon")])
        config = self.env["pos.config"].create(
            {"name": "Lyon Till", "pongo_store_id": lyon.id}
        )
        self.assertTrue(config.pongo_active)
        report = self.company._pongo_mapping_report()
        self.assertNotIn("Lyon Till", report)
        lyon.slug = "demo-lyon-old"  # as if Pongo renamed/removed it
        self.company.action_pongo_fetch_stores()
        self.assertFalse(lyon.active)
        self.assertFalse(config.pongo_active)
        self.assertIn("Lyon Till", self.company._pongo_mapping_report())

    def test_subscribe_webhooks_stores_secret_and_url(self):
        self.pongo_connect_company(self.company)
        self.company.action_pongo_subscribe_webhooks()
        company = self.company.sudo()
        self.assertTrue(company.pongo_webhook_secret)
        self.assertEqual(len(company.pongo_webhook_ids.split(",")), 2)
        hooks = self.emulator.state()["webhooks"]
        self.assertEqual({h["event"] for h in hooks}, set(C.WEBHOOK_EVENTS))
        self.assertEqual({h["url"] for h in hooks}, {self.company._pongo_webhook_url()})
        self.assertIn(
            self.company._pongo_webhook_url(), self.settings.pongo_webhook_url
        )
        self.company.action_pongo_subscribe_webhooks()  # again: replaces, no pile-up
        self.assertEqual(len(self.emulator.state()["webhooks"]), 2)

    def test_initial_import_pages_through_without_duplicates(self):
        self.pongo_connect_company(self.company)
        self.emulator.admin(
            "POST", "customers/generate", {"count": 240, "prefix": "3367"}
        )
        existing = self.env["res.partner"].create(
            {"name": "Known Locally", "mobile": "+33612345604"}
        )
        self.company.action_pongo_import_customers()
        with self.assertRaises(UserError):
            self.company.action_pongo_import_customers()
        self.env["res.company"]._cron_pongo_import_customers(autocommit=False)
        company = self.company
        self.assertEqual(company.pongo_import_state, "done")
        self.assertEqual(company.pongo_import_count, 250)
        self.assertEqual(company.pongo_import_page, 3)
        self.assertEqual(company.pongo_import_created, 249)
        linked = self.env["res.partner"].search([("pongo_customer_id", "!=", False)])
        self.assertEqual(len(linked), 250)
        self.assertTrue(existing.pongo_customer_id, "matched by phone, not duplicated")
        self.assertEqual(existing.name, "Emma Petit")
        # A second import changes nothing.
        company.action_pongo_import_customers()
        self.env["res.company"]._cron_pongo_import_customers(autocommit=False)
        self.assertEqual(company.pongo_import_created, 0)
        self.assertEqual(
            self.env["res.partner"].search_count([("pongo_customer_id", "!=", False)]),
            250,
        )

    def test_import_survives_an_outage(self):
        self.pongo_connect_company(self.company)
        self.company.action_pongo_import_customers()
        self.emulator.faults(outage="503")
        self.env["res.company"]._cron_pongo_import_customers(autocommit=False)
        self.assertEqual(self.company.pongo_import_state, "running")
        self.assertTrue(self.company.pongo_import_message)
        self.emulator.faults(clear=True)
        self.env["res.company"]._cron_pongo_import_customers(autocommit=False)
        self.assertEqual(self.company.pongo_import_state, "done")
        self.assertEqual(self.company.pongo_import_count, 10)

    def test_reward_skus_without_product_are_a_warning(self):
        self.pongo_connect_company(self.company)
        self.company.action_pongo_fetch_stores()
        paris = self.env["pongo.store"].search([("slug", "=", "demo-paris")])
        config = self.env["pos.config"].create(
            {"name": "Paris Till", "pongo_store_id": paris.id}
        )
        self.env["product.product"].create(
            {
                "name": "Espresso",
                "default_code": "CAFE-ESPRESSO",
                "available_in_pos": True,
            }
        )
        self.env["product.product"].create(
            {
                "name": "Croissant",
                "barcode": "VIENN-CROISSANT",
                "available_in_pos": True,
            }
        )
        warning = config._pongo_check_reward_skus()
        self.assertNotIn("Café offert", warning)
        self.assertNotIn("Viennoiserie offerte", warning, "matched by barcode")
        self.assertIn("Goodies: no product here for ZZZ-NOT-SOLD", warning)
        self.assertIn("Surprise du chef: no SKU", warning)
        self.assertNotIn("Jus d'orange", warning, "a Lyon-only reward")
        self.emulator.faults(outage="refuse")
        self.assertEqual(config._pongo_check_reward_skus(), warning, "kept when down")

    def test_neutralize_forgets_credentials_and_pending_calls(self):
        self.pongo_connect_company(self.company)
        company = self.company.sudo()
        company.write(dict.fromkeys(SECRET_FIELDS, "secret value"))
        pending = self.env["pongo.job"].create(
            {"company_id": self.company.id, "job_type": "order", "payload": "{}"}
        )
        path = get_module_path("pos_pongo") + "/data/neutralize.sql"
        with open(path) as sql:
            self.env.flush_all()
            self.env.cr.execute(sql.read())
        self.env.invalidate_all()
        self.assertEqual(company.pongo_environment, "sandbox")
        for field in SECRET_FIELDS:
            self.assertFalse(company[field], field)
        self.assertEqual(pending.state, "cancelled", "no call to Pongo from a copy")


@tagged("post_install", "-at_install")
class TestPongoOAuthBrowser(PongoEmulatorMixin, HttpCase):
    """The admin authorises Odoo on Pongo's form; Pongo sends them back to Odoo."""

    def test_oauth_connect_through_the_emulator_form(self):
        company = self.env.company
        company.sudo().write(
            {
                "pongo_environment": "custom",
                "pongo_custom_url": self.emulator.url,
                "pongo_client_id": "pongo-demo-client",
                "pongo_client_secret": "pongo-demo-secret",
            }
        )
        self.env["pos.config"].create({"name": "Unmapped Till"})
        action = self.env["res.config.settings"].create({}).action_pongo_connect()
        self.env.flush_all()
        query = parse_qs(urlparse(action["url"]).query)
        # The admin presses "Authorize" on Pongo's form...
        location = self.emulator.authorization_code(
            query["redirect_uri"][0], query["state"][0], scope=query["scope"][0]
        )
        callback = urlparse(location)
        self.assertEqual(callback.path, "/pos_pongo/oauth/callback")
        # ... and Pongo's redirect brings them back to Odoo, which says so.
        self.authenticate("admin", "admin")
        page = self.url_open(f"{callback.path}?{callback.query}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Connected to Pongo", page.text)
        self.assertIn("Café Pongo Démo", page.text)
        self.assertIn("map each point of sale", page.text)
        self.env.invalidate_all()
        company = company.sudo()
        self.assertTrue(
            company.pongo_access_token, "the code was exchanged on the server"
        )
        self.assertNotIn(company.pongo_access_token, page.text, "no token shown")
        self.assertTrue(company.pongo_refresh_token)
        self.assertFalse(company.pongo_oauth_state, "a state is used once")
        self.assertEqual(company.pongo_merchant_name, "Café Pongo Démo")

    def test_callback_refuses_an_unknown_state(self):
        self.authenticate("admin", "admin")
        response = self.url_open("/pos_pongo/oauth/callback?code=abc&state=forged")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.env.company.sudo().pongo_access_token)
