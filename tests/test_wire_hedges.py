# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where Pongo's documents disagree the order carries both key forms; Pongo's
Deprecation/Sunset headers are logged once per route and day and shown on the
settings page."""

import logging
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import BaseCase, Form, TransactionCase, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .. import const as C
from ..tools import pongo_client
from ..tools.pongo_client import PongoClient
from .common import PongoEmulatorMixin, seed

CLIENT_LOGGER = "odoo.addons.pos_pongo.tools.pongo_client"
SUNSET = "Wed, 01 Jul 2026 00:00:00 GMT"
NOTICE_URL = "https://developers.heypongo.com/changelog"
DEPRECATED_STORES = {
    "path": C.PATH_STORES,
    "deprecation": "@1767225600",  # 2026-01-01
    "sunset": SUNSET,
    "link": NOTICE_URL,
}


@tagged("post_install", "-at_install")
class TestPongoHedgedOrderKeys(PongoEmulatorMixin, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Espresso", cls.categ_basic, 18.5, 10.0)

    def setUp(self):
        super().setUp()
        company = self.config.company_id
        client = self.pongo_map_pos(self.config)
        self.emma = self.pongo_member(seed.PHONE_EMMA, company)
        owned = client.get_customer_rewards(self.emma.pongo_customer_id, used=False)
        self.reward_id = owned[0][C.F_PUBLIC_ID]
        self.open_new_session()

    def test_order_sends_both_forms_and_pongo_reads_them(self):
        order_data = self.create_ui_order_data([(self.product, 1)], self.emma)
        order_data["lines"][0][2]["pongo_reward_id"] = self.reward_id
        self.env["pos.order"].sync_from_ui([order_data])
        self.env["pongo.job"]._cron_send_jobs(autocommit=False)
        (entry,) = self.emulator.ledger()["orders"]
        sent = entry["payload"]
        line = sent[C.F_LINES][0]
        self.assertEqual(line[C.F_PUBLIC_REWARD_ID], self.reward_id)
        self.assertEqual(line[C.F_LINE_REWARD_ID], self.reward_id)
        customer_id = self.emma.pongo_customer_id
        self.assertEqual(sent[C.F_CUSTOMER][C.F_PUBLIC_ID], customer_id)
        self.assertEqual(sent[C.F_CUSTOMER_PUBLIC_ID], customer_id)
        self.assertEqual(
            entry["keys_received"],
            {
                "line_reward": [C.F_PUBLIC_REWARD_ID, C.F_LINE_REWARD_ID],
                "customer_id": [
                    f"{C.F_CUSTOMER}.{C.F_PUBLIC_ID}",
                    C.F_CUSTOMER_PUBLIC_ID,
                ],
            },
        )
        self.assertEqual(entry["reward_ids"], [self.reward_id])


@tagged("post_install", "-at_install")
class TestPongoDeprecationLog(PongoEmulatorMixin, BaseCase):
    def setUp(self):
        super().setUp()
        pongo_client._deprecations_noted.clear()
        self.addCleanup(pongo_client._deprecations_noted.clear)
        self.notices = []
        self.client = PongoClient(
            self.emulator.url,
            self.emulator.issue_token(),
            on_deprecation=self.notices.append,
        )

    def warnings(self, calls):
        with self.assertLogs(CLIENT_LOGGER, level=logging.WARNING) as logs:
            calls()
            logging.getLogger(CLIENT_LOGGER).warning("end")  # never empty
        return [line for line in logs.output if "deprecated" in line]

    def test_logged_once_per_route_and_day(self):
        customer = self.client.get_customer_by_phone(seed.PHONE_LUCAS)
        marks = [DEPRECATED_STORES, {"path": "/v1/customers/"}]
        self.emulator.faults(deprecations=marks)

        def calls():
            for _round in range(3):
                self.client.list_stores()
                self.client.get_customer(customer[C.F_PUBLIC_ID])
                self.client.get_customer_by_phone(seed.PHONE_EMMA)

        logged = self.warnings(calls)
        self.assertEqual(len(logged), 3, logged)
        stores, by_id, by_phone = logged
        self.assertIn(
            f"GET {C.PATH_STORES} as deprecated (Deprecation: @1767225600, "
            f"Sunset: {SUNSET}, Link: {NOTICE_URL})",
            stores,
        )
        self.assertIn(f"GET {C.PATH_CUSTOMER} as deprecated", by_id)
        self.assertIn(f"GET {C.PATH_CUSTOMER_BY_PHONE} as deprecated", by_phone)
        self.assertNotIn(seed.PHONE_EMMA[-6:], by_phone)  # the route, not the call
        self.assertEqual(
            self.notices[0],
            {
                "base_url": self.emulator.url,
                "method": "GET",
                "path": C.PATH_STORES,
                "deprecation": "@1767225600",
                "sunset": SUNSET,
                "link": NOTICE_URL,
            },
        )
        self.assertEqual(len(self.notices), 3)
        tomorrow = pongo_client._today() + timedelta(days=1)
        with patch.object(pongo_client, "_today", return_value=tomorrow):
            logged = self.warnings(calls)
        self.assertEqual(len(logged), 3, logged)
        self.assertEqual(len(self.notices), 6)

    def test_no_header_no_log(self):
        self.assertEqual(self.warnings(self.client.list_stores), [])
        self.assertEqual(self.notices, [])


@tagged("post_install", "-at_install")
class TestPongoApiNotices(PongoEmulatorMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        # The notice is saved in a cursor of its own: let it be this test's.
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        pongo_client._deprecations_noted.clear()
        self.addCleanup(pongo_client._deprecations_noted.clear)
        self.company = self.env.company
        self.pongo_connect_company(self.company)

    def test_settings_page_shows_pongo_deprecations(self):
        self.assertFalse(Form(self.env["res.config.settings"]).pongo_deprecation_report)
        self.emulator.faults(deprecations=[DEPRECATED_STORES])
        self.company.with_context(lang="en_US").action_pongo_fetch_stores()
        notice = self.env["pongo.deprecation"].search([])
        self.assertEqual(
            (notice.base_url, notice.method, notice.path),
            (self.emulator.url, "GET", C.PATH_STORES),
        )
        report = Form(self.env["res.config.settings"]).pongo_deprecation_report
        self.assertEqual(
            report,
            f"GET {C.PATH_STORES} is deprecated, since 01/01/2026, removed on "
            f"07/01/2026, details: {NOTICE_URL}",
        )
        # another Pongo environment does not show this one's notices
        self.company.sudo().pongo_custom_url = "http://127.0.0.1:9"
        self.assertFalse(Form(self.env["res.config.settings"]).pongo_deprecation_report)
