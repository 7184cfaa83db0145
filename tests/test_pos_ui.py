# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cashier flows in the POS screen (tours), against a real Pongo emulator."""

import base64
import os
import pathlib
import re
import threading
import time

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .. import const as C
from .common import PongoEmulatorMixin, new_cashier, seed

PHONE_LUCAS = seed.PHONE_LUCAS  # 120 points, owns "Café offert"
PHONE_EMMA = seed.PHONE_EMMA  # 500 points, owns "Viennoiserie offerte" (won)


# `make screenshots` sets this: the tours' "pongo-screenshot:<name>" marks become PNGs.
SCREENSHOT_DIR = os.environ.get("POS_PONGO_SCREENSHOTS")
SCREENSHOT_MARK = "pongo-screenshot:"


def _console_with_screenshots(directory):
    handle_console = ChromeBrowser._handle_console

    def handle(browser, type, args=None, stackTrace=None, **kw):
        text = (args or [{}])[0].get("value")
        if type == "log" and isinstance(text, str) and text.startswith(SCREENSHOT_MARK):
            name = re.sub(r"[^a-z0-9-]", "", text[len(SCREENSHOT_MARK) :])
            path = pathlib.Path(directory, f"{name}.png")

            def save(future):
                path.write_bytes(base64.b64decode(future.result(timeout=0)["data"]))

            browser._websocket_send(
                "Page.captureScreenshot", with_future=True
            ).add_done_callback(save)
        return handle_console(browser, type, args, stackTrace, **kw)

    return handle


@tagged("post_install", "-at_install")
class TestPongoPosUi(PongoEmulatorMixin, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fr")
        cls.cashier = new_cashier(cls.env, "pongo_cashier")
        Product = cls.env["product.product"]
        cls.espresso, cls.croissant, cls.pain_choc, cls.menu = (
            Product.create(
                {
                    "name": name,
                    "default_code": sku,
                    "available_in_pos": True,
                    "list_price": price,
                    "taxes_id": False,
                    "pos_categ_ids": [(4, cls.pos_desk_misc_test.id)],
                }
            )
            for name, sku, price in (
                ("Espresso", "CAFE-ESPRESSO", 1.8),
                ("Croissant", "VIENN-CROISSANT", 1.2),
                ("Pain au chocolat", "VIENN-PAINCHOC", 1.4),
                ("Menu du jour", "MENU-JOUR", 12.0),
            )
        )

    def setUp(self):
        super().setUp()
        company = self.main_pos_config.company_id
        self.client = self.pongo_map_pos(self.main_pos_config)
        self.emma_customer = self.client.get_customer_by_phone(PHONE_EMMA)
        self.emma = self.env["res.partner"]._pongo_upsert_from_customer(
            self.emma_customer, company
        )
        self.assertTrue(self.main_pos_config.pongo_active)
        if SCREENSHOT_DIR:
            os.makedirs(SCREENSHOT_DIR, exist_ok=True)
            self.patch(
                ChromeBrowser,
                "_handle_console",
                _console_with_screenshots(SCREENSHOT_DIR),
            )

    # ------------------------------------------------------------------
    def start_tour_here(self, tour, **params):
        """The tour as a cashier with the Point of Sale User right alone."""
        self.main_pos_config.with_user(self.cashier).open_ui()
        query = "".join(f"&{key}={value}" for key, value in params.items())
        self.start_tour(
            f"/pos/ui?config_id={self.main_pos_config.id}{query}",
            tour,
            login=self.cashier.login,
        )

    def assert_sent_once_with_reward_used(self, owned_id):
        """The outbox sends the one paid order with this reward; Pongo marks it used."""
        self.send_pongo_calls()
        sent = self.emulator.ledger()["orders"]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["reward_ids"], [owned_id])
        used = next(
            item
            for item in self.pongo_owned_rewards(self.emma_customer[C.F_PUBLIC_ID])
            if item[C.F_PUBLIC_ID] == owned_id
        )
        self.assertTrue(used[C.F_USED])

    def customer(self, phone):
        return self.client.get_customer_by_phone(phone)

    def session_orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )

    # ------------------------------------------------------------------
    def test_loyalty_panel_and_buy(self):
        """Points, affordable and expensive rewards; buying one refreshes the panel."""
        self.env["res.partner"]._pongo_upsert_from_customer(
            self.customer(PHONE_LUCAS), self.main_pos_config.company_id
        )
        self.start_tour_here("PosPongoLoyaltyPanelTour")
        self.assertEqual(self.customer(PHONE_EMMA)[C.F_POINTS], 450)
        cafes = [
            item
            for item in self.pongo_owned_rewards(self.emma_customer[C.F_PUBLIC_ID])
            if item[C.F_REWARD][C.F_NAME] == "Café offert" and not item[C.F_USED]
        ]
        self.assertEqual(len(cafes), 1, "the reward was bought at Pongo")
        self.assertEqual(cafes[0][C.F_ORIGIN], "bought")

    def test_apply_free_product_reward(self):
        """Viennoiserie offerte: croissant, free line, locked, sent with the order."""
        self.start_tour_here("PosPongoApplyRewardTour")
        order = self.session_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id, self.emma)
        line = order.lines.filtered(lambda line: line.product_id == self.croissant)
        self.assertEqual(line.price_unit, 0)
        viennoiserie = self.pongo_owned_reward(
            self.emma_customer[C.F_PUBLIC_ID], "Viennoiserie offerte"
        )
        self.assertEqual(line.pongo_reward_id, viennoiserie[C.F_PUBLIC_ID])
        self.assertTrue(viennoiserie[C.F_LOCKED], "locked while the order is not sent")
        self.assertFalse(viennoiserie[C.F_USED])

        self.assert_sent_once_with_reward_used(viennoiserie[C.F_PUBLIC_ID])

    def test_apply_voucher_through_odoo_coupons(self):
        """Bon de 5 €: Odoo coupon with Pongo's code, removed (unlocked), applied
        again, paid; Pongo gets the reward id once."""
        self.start_tour_here("PosPongoVoucherTour")
        voucher = self.pongo_owned_reward(
            self.emma_customer[C.F_PUBLIC_ID], "Bon de 5 €"
        )
        order = self.session_orders()
        self.assertEqual(len(order), 1)
        lines = order.lines.filtered("pongo_reward_id")
        self.assertTrue(lines)
        self.assertEqual(set(lines.mapped("pongo_reward_id")), {voucher[C.F_PUBLIC_ID]})
        self.assertEqual(lines.coupon_id.code, voucher[C.F_COUPON_CODE])
        self.assertTrue(all(line.is_reward_line for line in lines))
        self.assertAlmostEqual(sum(lines.mapped("price_subtotal_incl")), -5.0)
        self.assertAlmostEqual(order.amount_total, 8.2)
        self.assertEqual(lines.coupon_id.points, 0, "pos_loyalty spent the coupon")
        locks = [
            request["method"]
            for request in self.emulator.requests_log("/v1/rewards/")
            if request["path"].endswith("/lock")
        ]
        self.assertEqual(locks, ["POST", "DELETE", "POST"])

        self.assert_sent_once_with_reward_used(voucher[C.F_PUBLIC_ID])

    def test_removed_reward_line_is_unlocked(self):
        self.start_tour_here("PosPongoUnlockTour")
        viennoiserie = self.pongo_owned_reward(
            self.emma_customer[C.F_PUBLIC_ID], "Viennoiserie offerte"
        )
        self.assertFalse(viennoiserie[C.F_LOCKED], "unlocked when its line is removed")
        unlocks = [
            request
            for request in self.emulator.requests_log("/v1/rewards/")
            if request["path"].endswith("/lock") and request["method"] == "DELETE"
        ]
        self.assertEqual(len(unlocks), 1)

    def test_enlist_with_both_consents(self):
        self.start_tour_here("PosPongoEnlistTour")
        customer = self.customer("33612345699")
        self.assertEqual(customer[C.F_FIRST_NAME], "Zoé")
        self.assertEqual(customer[C.F_LAST_NAME], "Durand")
        self.assertIs(customer[C.F_SMS_OPTIN], True)
        self.assertIs(customer[C.F_EMAIL_OPTIN], False)
        partner = self.env["res.partner"].search(
            [("pongo_customer_id", "=", customer[C.F_PUBLIC_ID])]
        )
        self.assertEqual(partner.pongo_sms_optin, "yes")
        self.assertEqual(partner.pongo_email_optin, "no")

    def test_enlist_shows_server_errors(self):
        self.start_tour_here("PosPongoEnlistErrorsTour")
        self.assertFalse(
            self.env["res.partner"].search([("mobile", "=", "+33612345698")])
        )

    def assert_one_linked_partner(self, phone):
        """Exactly one partner here for the number, linked to its Pongo customer."""
        partners = self.env["res.partner"].search([("pongo_phone", "=", "+" + phone)])
        self.assertEqual(len(partners), 1, partners.mapped("name"))
        self.assertEqual(
            partners.pongo_customer_id, self.customer(phone)[C.F_PUBLIC_ID]
        )
        return partners

    def test_search_by_phone_finds_lucas(self):
        self.start_tour_here("PosPongoSearchPhoneTour")
        lucas = self.assert_one_linked_partner(PHONE_LUCAS)
        self.assertEqual(lucas.name, "Lucas Thomas")
        self.assertEqual(lucas.pongo_points, 120)

    def test_scan_wallet_pass(self):
        public_id = self.customer(PHONE_LUCAS)[C.F_PUBLIC_ID]
        self.start_tour_here("PosPongoScanTour", pongo_code=public_id)
        self.assert_one_linked_partner(PHONE_LUCAS)
        self.assertFalse(
            self.env["res.partner"].search(
                [("pongo_customer_id", "like", "cust_does")]
            ),
            "an unknown card makes no contact",
        )

    def test_pongo_down_does_not_block_the_sale(self):
        self.emulator.faults(outage="503")
        self.start_tour_here("PosPongoUnavailableTour")
        order = self.session_orders()
        self.assertEqual(order.state, "paid")
        # Pongo comes back: the order is sent then, once.
        self.send_pongo_calls()
        self.assertEqual(order.pongo_sync_state, "pending")
        self.emulator.faults(clear=True)
        order.action_pongo_retry()
        self.send_pongo_calls()
        self.assertEqual(order.pongo_sync_state, "done")
        ledger = self.emulator.ledger()
        self.assertEqual(
            [entry["order_id"] for entry in ledger["orders"]], [order.pos_reference]
        )

    def test_odoo_offline_mode_keeps_selling(self):
        """Odoo's own offline mode: Pongo actions say why they are off, the sale is
        paid offline, synced when the network is back, then sent to Pongo once."""
        # Offline, Odoo's payment screen rejects its order push on purpose
        # (ConnectionLostError, logged by the browser): that is its offline mode.
        handle_console = ChromeBrowser._handle_console

        def offline_is_expected(browser, type, args=None, *rest, **kw):
            text = str((args or [{}])[0].get("value") or "")
            if type == "error" and text.startswith("ConnectionLostError"):
                type = "warning"
            return handle_console(browser, type, args, *rest, **kw)

        self.patch(ChromeBrowser, "_handle_console", offline_is_expected)
        self.start_tour_here("PosPongoOdooOfflineTour")
        orders = self.session_orders()
        self.assertEqual(len(orders), 2, "both orders reached the server")
        emma_order = orders.filtered(lambda order: order.partner_id == self.emma)
        self.assertEqual(len(emma_order), 1)
        self.assertEqual(emma_order.state, "paid")
        self.assertEqual(len(emma_order.pongo_job_ids), 1)
        self.send_pongo_calls()
        sent = self.emulator.ledger()["orders"]
        self.assertEqual(len(sent), 1, "the walk-in order is not Pongo's business")
        self.assertEqual(sent[0]["customer"], self.emma_customer[C.F_PUBLIC_ID])

    def test_free_product_options_stay_paid(self):
        """Café offert on an espresso with oat milk: free espresso, paid milk."""
        milk = self.env["product.attribute"].create(
            {
                "name": "Milk",
                "display_type": "radio",
                "create_variant": "no_variant",
                "value_ids": [
                    Command.create({"name": "No milk"}),
                    Command.create({"name": "Oat milk"}),
                ],
            }
        )
        line = self.env["product.template.attribute.line"].create(
            {
                "product_tmpl_id": self.espresso.product_tmpl_id.id,
                "attribute_id": milk.id,
                "value_ids": [Command.set(milk.value_ids.ids)],
            }
        )
        line.product_template_value_ids.filtered(
            lambda value: value.name == "Oat milk"
        ).price_extra = 0.5
        lucas = self.env["res.partner"]._pongo_upsert_from_customer(
            self.customer(PHONE_LUCAS), self.main_pos_config.company_id
        )
        self.start_tour_here("PosPongoPaidOptionsTour")
        order = self.session_orders()
        self.assertEqual(order.partner_id, lucas)
        espresso = order.lines.filtered(lambda line: line.product_id == self.espresso)
        self.assertAlmostEqual(espresso.price_unit, 0.5)
        self.assertEqual(espresso.attribute_value_ids.name, "Oat milk")
        cafe = self.pongo_owned_reward(lucas.pongo_customer_id, "Café offert")
        self.assertEqual(espresso.pongo_reward_id, cafe[C.F_PUBLIC_ID])

    def test_unmapped_pos_shows_no_pongo(self):
        self.main_pos_config.pongo_store_id = False
        self.start_tour_here("PosPongoUnmappedTour")
        order = self.session_orders()
        self.assertEqual(order.partner_id, self.emma)
        self.assertFalse(order.pongo_job_ids, "an unmapped POS sends nothing to Pongo")

    def test_webhook_message_refreshes_the_open_panel(self):
        """Pongo changes Emma while her panel is open: the POS message the webhook
        sends (checked in test_webhook) refreshes the panel and the customer."""
        emma_id = self.emma_customer[C.F_PUBLIC_ID]

        def change_emma_once_the_panel_is_open():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.emulator.requests_log(f"/v1/customers/{emma_id}"):
                    self.emulator.admin(
                        "PATCH", f"customers/{emma_id}", {"points": 777}
                    )
                    return
                time.sleep(0.05)

        pongo = threading.Thread(target=change_emma_once_the_panel_is_open)
        pongo.start()
        try:
            self.start_tour_here("PosPongoWebhookRefreshTour")
        finally:
            pongo.join()
        self.assertEqual(self.emma.pongo_points, 777)

    def test_existing_contact_joins_from_the_panel(self):
        """A contact made with Odoo's own Create: the panel offers to join, the form
        is filled from the contact, and that very contact becomes the member."""
        ada = self.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "mobile": "0699887766",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        self.start_tour_here("PosPongoJoinTour")
        customer = self.customer("33699887766")
        self.assertEqual(ada.pongo_customer_id, customer[C.F_PUBLIC_ID])
        self.assertIs(customer[C.F_SMS_OPTIN], False)
        self.assertIs(customer[C.F_EMAIL_OPTIN], True)
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("pongo_phone", "=", "+33699887766")]
            ),
            1,
            "no second contact",
        )
        panels = [
            r
            for r in self.emulator.requests_log("/v1/customers/")
            if r["path"].endswith("/rewards")
        ]
        self.assertEqual(len(panels), 1, "the double tap loaded the panel once")

    def test_counter_one_balance_enter_and_several_rewards(self):
        """One balance (Pongo's) in the customer list and on the receipt, Enter
        searches Pongo, two rewards applied from one open panel."""
        program = self.env["loyalty.program"].create(
            {
                "name": "Odoo points",
                "program_type": "loyalty",
                "pos_config_ids": [Command.link(self.main_pos_config.id)],
            }
        )
        self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": self.emma.id, "points": 30}
        )
        till = self.main_pos_config.with_user(self.cashier)
        voucher = self.pongo_owned_reward(
            self.emma_customer[C.F_PUBLIC_ID], "Bon de 5 €"
        )
        till.pongo_prepare_voucher(self.emma.id, voucher[C.F_PUBLIC_ID])
        till.pongo_unlock_reward(voucher[C.F_PUBLIC_ID])  # its coupon stays, 1 point
        self.start_tour_here("PosPongoCounterTour")
        lucas = self.env["res.partner"].search(
            [("pongo_customer_id", "=", self.customer(PHONE_LUCAS)[C.F_PUBLIC_ID])]
        )
        self.assertTrue(lucas, "found at Pongo with Enter")
        order = self.session_orders().filtered(lambda o: o.state == "paid")
        self.assertEqual(order.partner_id, self.emma)
        self.assertEqual(
            set(order.lines.mapped("pongo_reward_id")) - {False},
            {
                voucher[C.F_PUBLIC_ID],
                self.pongo_owned_reward(
                    self.emma_customer[C.F_PUBLIC_ID], "Viennoiserie offerte"
                )[C.F_PUBLIC_ID],
            },
        )

    def test_typed_pongo_code_goes_through_the_lock(self):
        """The voucher applied on one order, its code typed on another: refused,
        because Pongo holds it for the first; nothing was unlocked."""
        voucher = self.pongo_owned_reward(
            self.emma_customer[C.F_PUBLIC_ID], "Bon de 5 €"
        )
        self.start_tour_here(
            "PosPongoTypedCodeTour", pongo_code=voucher[C.F_COUPON_CODE]
        )
        locks = [
            request["method"]
            for request in self.emulator.requests_log("/v1/rewards/")
            if request["path"].endswith("/lock")
        ]
        self.assertEqual(locks, ["POST", "POST"], "Apply locked, the typed code tried")
        self.assertTrue(
            self.pongo_owned_reward(self.emma_customer[C.F_PUBLIC_ID], "Bon de 5 €")[
                C.F_LOCKED
            ]
        )
