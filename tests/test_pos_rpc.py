# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The server side of the cashier's Pongo actions, against the emulator."""

from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .. import const as C
from .common import PongoEmulatorMixin, seed

PHONE_LUCAS = seed.PHONE_LUCAS  # 120 points, owns "Café offert"
PHONE_EMMA = seed.PHONE_EMMA  # 500 points
PHONE_JULES = seed.PHONE_JULES  # 1000 points


@tagged("post_install", "-at_install")
class TestPongoPosRpc(PongoEmulatorMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fr")
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_rpc_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.store = cls.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris"}
        )
        cls.config = cls.env["pos.config"].create(
            {"name": "Pongo Till", "pongo_store_id": cls.store.id}
        )
        cls.espresso = cls.env["product.product"].create(
            {
                "name": "Espresso",
                "default_code": "CAFE-ESPRESSO",
                "available_in_pos": True,
            }
        )
        cls.croissant = cls.env["product.product"].create(
            {
                "name": "Croissant",
                "barcode": "VIENN-CROISSANT",
                "available_in_pos": True,
            }
        )
        cls.pain = cls.env["product.product"].create(
            {
                "name": "Pain au chocolat",
                "default_code": "VIENN-PAINCHOC",
                "available_in_pos": True,
            }
        )

    def setUp(self):
        super().setUp()
        self.pongo_connect_company(self.env.company)
        self.till = self.config.with_user(self.cashier)
        self.client = self.env.company._pongo_get_client()

    def partner(self, result):
        self.assertIn(
            result["status"],
            ("found", "local_only", "created", "created_offline", "linked"),
            result,
        )
        return self.env["res.partner"].browse(result["partner_id"])

    # -- find -------------------------------------------------------------
    def test_search_phone_any_form_links_the_pongo_customer_once(self):
        lucas = self.partner(self.till.pongo_search_phone("06 12 34 56 03"))
        self.assertEqual(lucas.name, "Lucas Thomas")
        self.assertEqual(lucas.pongo_points, 120)
        self.assertTrue(lucas.pongo_customer_id.startswith(C.CUSTOMER_ID_PREFIX))
        for typed in ("+33612345603", "0033 6 12 34 56 03", "0612345603"):
            with self.subTest(typed=typed):
                self.assertEqual(
                    self.partner(self.till.pongo_search_phone(typed)), lucas
                )
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("pongo_phone", "=", "+33612345603")]
            ),
            1,
        )

    def test_search_phone_links_pongo_customer_known_here_by_another_phone(self):
        lucas_id = self.client.get_customer_by_phone(PHONE_LUCAS)[C.F_PUBLIC_ID]
        known = self.env["res.partner"].create(
            {
                "name": "L. Thomas",
                "mobile": "+33600000001",
                "pongo_customer_id": lucas_id,
            }
        )
        self.assertEqual(self.partner(self.till.pongo_search_phone(PHONE_LUCAS)), known)
        self.assertEqual(
            self.env["res.partner"].search([("pongo_phone", "=", "+" + PHONE_LUCAS)]),
            known,
            "no second contact is left for the number",
        )

    def test_search_phone_local_first_then_not_found_invalid_unavailable(self):
        lucas = self.partner(self.till.pongo_search_phone("0612345603"))
        self.emulator.faults(outage="refuse")
        self.assertEqual(
            self.partner(self.till.pongo_search_phone("0612345603")), lucas
        )
        down = self.till.pongo_search_phone("0699999999")
        self.assertEqual(down["status"], "unavailable")
        self.assertIn("Sell as usual", down["message"])
        self.assertTrue(down["can_enlist_offline"], "enlisting offline is offered")
        self.assertEqual(down["phone"], "+33699999999")
        self.emulator.faults(clear=True)
        self.assertEqual(
            self.till.pongo_search_phone("06 99 99 99 99"),
            {
                "status": "not_found",
                "phone": "+33699999999",
                "join": {"phone": "+33699999999"},
            },
        )
        self.assertEqual(self.till.pongo_search_phone("12")["status"], "invalid")
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("pongo_phone", "=", "+33699999999")]),
            "the contact made while Pongo answered is dropped with its answer",
        )

    def test_scan_wallet_pass(self):
        public_id = self.client.get_customer_by_phone(PHONE_LUCAS)[C.F_PUBLIC_ID]
        lucas = self.partner(self.till.pongo_scan(public_id))
        self.assertEqual(lucas.pongo_customer_id, public_id)
        self.assertEqual(self.partner(self.till.pongo_scan(f" {public_id} ")), lucas)
        unknown = self.till.pongo_scan("cust_doesnotexist")
        self.assertEqual(unknown["status"], "invalid")
        self.assertIn("unknown", unknown["message"])
        for code in ("5901234123457", "", "cust_", "<script>"):
            with self.subTest(code=code):
                self.assertEqual(self.till.pongo_scan(code)["status"], "invalid")

    # -- enlist -----------------------------------------------------------
    def test_enlist_requires_both_consents(self):
        answer = self.till.pongo_enlist({"phone": "0699887766", "sms_optin": True})
        self.assertEqual(answer["status"], "invalid")
        self.assertEqual(set(answer["errors"]), {"email_optin"})
        answer = self.till.pongo_enlist(
            {"phone": "not a phone", "email": "nope", "sms_optin": None}
        )
        self.assertEqual(
            set(answer["errors"]), {"phone", "email", "sms_optin", "email_optin"}
        )
        self.assertFalse(
            self.client.customer_exists("33699887766"), "nothing half-written"
        )

    def test_enlist_creates_at_pongo_and_here_with_consent_proof(self):
        answer = self.till.pongo_enlist(
            {
                "phone": "06 99 88 77 66",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
                "sms_optin": True,
                "email_optin": False,
            }
        )
        partner = self.partner(answer)
        self.assertEqual(answer["status"], "created")
        customer = self.client.get_customer_by_phone("33699887766")
        self.assertTrue(customer[C.F_SMS_OPTIN])
        self.assertFalse(customer[C.F_EMAIL_OPTIN])
        self.assertEqual(customer[C.F_REFERENCE_STORE_SLUG], "demo-paris")
        self.assertEqual(partner.pongo_customer_id, customer[C.F_PUBLIC_ID])
        self.assertEqual(partner.name, "Ada Lovelace")
        self.assertEqual(
            (partner.pongo_sms_optin, partner.pongo_email_optin), ("yes", "no")
        )
        self.assertEqual(partner.pongo_consent_user_id, self.cashier)
        self.assertEqual(partner.pongo_consent_pos_config_id, self.config)
        self.assertTrue(partner.pongo_consent_date)
        self.assertFalse(
            self.env["pongo.job"].search([("partner_id", "=", partner.id)])
        )

    def test_enlist_of_a_member_links_them_and_keeps_the_answers_given(self):
        """Pongo already has the number (it says so with a 422 on the phone): the
        member is linked, once, and the consents answered now reach Pongo."""
        answer = self.till.pongo_enlist(
            {"phone": "0612345603", "sms_optin": True, "email_optin": False}
        )
        self.assertEqual(answer["status"], "linked")
        self.assertIn("already a Pongo member", answer["message"])
        lucas = self.partner(answer)
        customer = self.client.get_customer_by_phone(PHONE_LUCAS)
        self.assertEqual(lucas.pongo_customer_id, customer[C.F_PUBLIC_ID])
        self.assertEqual(lucas.name, "Lucas Thomas")
        self.assertEqual(
            (lucas.pongo_sms_optin, lucas.pongo_email_optin), ("yes", "no")
        )
        job = self.env["pongo.job"].search([("partner_id", "=", lucas.id)])
        self.assertEqual(job.job_type, "customer_update", "the new answers go out")
        self.env["pongo.job"]._cron_send_jobs(autocommit=False)
        customer = self.client.get_customer_by_phone(PHONE_LUCAS)
        self.assertIs(customer[C.F_SMS_OPTIN], True)
        self.assertIs(customer[C.F_EMAIL_OPTIN], False)
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("pongo_phone", "=", "+" + PHONE_LUCAS)]
            ),
            1,
        )

    def test_existing_contact_joins_pongo(self):
        """A customer made with Odoo's own Create button: Search Pongo says Pongo
        does not know them and offers to enlist, prefilled; enlisting links this
        very contact."""
        ada = self.env["res.partner"].create(
            {"name": "Ada Lovelace", "mobile": "06 99 88 77 66", "email": "ada@ex.com"}
        )
        found = self.till.pongo_search_phone("0699887766")
        self.assertEqual(found["status"], "not_found", "no longer 'found'")
        self.assertEqual(
            found["join"],
            {
                "partner_id": ada.id,
                "phone": "+33699887766",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@ex.com",
            },
        )
        panel = self.till.pongo_loyalty(ada.id)
        self.assertEqual(panel["status"], "not_linked")
        self.assertEqual(panel["join"], found["join"], "the panel offers to join too")
        answer = self.till.pongo_enlist(
            {**found["join"], "sms_optin": False, "email_optin": True}
        )
        self.assertEqual(answer["status"], "created")
        self.assertEqual(answer["partner_id"], ada.id, "this very contact joins")
        self.assertTrue(ada.pongo_customer_id)
        self.assertEqual(
            self.client.get_customer_by_phone("33699887766")[C.F_EMAIL], "ada@ex.com"
        )

    def test_enlist_while_pongo_is_down_keeps_the_customer_for_the_order(self):
        self.emulator.faults(outage="refuse")
        answer = self.till.pongo_enlist(
            {
                "phone": "0699887766",
                "first_name": "Ada",
                "sms_optin": False,
                "email_optin": True,
            }
        )
        self.assertEqual(answer["status"], "created_offline")
        partner = self.partner(answer)
        self.assertFalse(partner.pongo_customer_id)
        self.assertEqual(partner.pongo_email_optin, "yes")

    # -- loyalty panel, buy, lock ---------------------------------------------
    def test_loyalty_panel(self):
        emma = self.partner(self.till.pongo_search_phone(PHONE_EMMA))
        panel = self.till.pongo_loyalty(emma.id)
        self.assertEqual(panel["status"], "ok")
        self.assertEqual(panel["points"], 500)
        by_name = {reward["name"]: reward for reward in panel["available"]}
        self.assertTrue(by_name["Café offert"]["affordable"])
        self.assertNotIn("Cookie étudiant", by_name, "students only")
        self.assertNotIn("Jus d'orange lyonnais", by_name, "Lyon only")
        owned = {reward["name"]: reward for reward in panel["owned"]}
        self.assertEqual(
            owned["Viennoiserie offerte"]["skus"], ["VIENN-CROISSANT", "VIENN-PAINCHOC"]
        )
        self.assertTrue(owned["Bon de 5 €"]["coupon_code"])
        self.assertEqual(
            [(owned[n]["apply"], owned[n]["origin"]) for n in sorted(owned)],
            [("voucher", "bought"), ("product", "won")],
        )
        self.assertEqual(len(panel["owned"]), 2, "the used one is not offered")
        lucas = self.partner(self.till.pongo_search_phone(PHONE_LUCAS))
        panel = self.till.pongo_loyalty(lucas.id)
        kitchen = next(
            r for r in panel["available"] if r["name"] == "Visite des cuisines"
        )
        self.assertEqual((kitchen["affordable"], kitchen["missing"]), (False, 180))

    def test_loyalty_panel_when_pongo_is_down_or_customer_not_linked(self):
        emma = self.partner(self.till.pongo_search_phone(PHONE_EMMA))
        self.emulator.faults(outage="503")
        panel = self.till.pongo_loyalty(emma.id)
        self.assertEqual(panel["status"], "unavailable")
        self.assertEqual(panel["points"], 500, "last known balance")
        stranger = self.env["res.partner"].create({"name": "Walk-in"})
        self.assertEqual(self.till.pongo_loyalty(stranger.id)["status"], "not_linked")

    def test_buy_then_not_enough_points(self):
        lucas = self.partner(self.till.pongo_search_phone(PHONE_LUCAS))
        panel = self.till.pongo_loyalty(lucas.id)
        voucher = next(r for r in panel["available"] if r["name"] == "Bon de 5 €")
        calls = len(self.emulator.requests_log("/v1/"))
        bought = self.till.pongo_buy_reward(lucas.id, voucher["id"])
        self.assertEqual(bought["status"], "ok")
        self.assertTrue(bought["owned"]["coupon_code"])
        self.assertEqual(len(self.emulator.requests_log("/v1/")), calls + 1, "one call")
        self.assertEqual(self.till.pongo_loyalty(lucas.id)["points"], 20)
        self.assertEqual(lucas.pongo_points, 20)
        again = self.till.pongo_buy_reward(lucas.id, voucher["id"])
        self.assertEqual(again["status"], "error")
        self.assertIn("enough points", again["message"])

    def test_two_tills_one_reward_only_one_lock_wins(self):
        emma = self.partner(self.till.pongo_search_phone(PHONE_EMMA))
        owned = self.till.pongo_loyalty(emma.id)["owned"][0]
        other_till = (
            self.env["pos.config"]
            .create({"name": "Till 2", "pongo_store_id": self.store.id})
            .with_user(self.cashier)
        )
        self.assertEqual(
            self.till.pongo_lock_reward(emma.id, owned["id"]), {"status": "ok"}
        )
        second = other_till.pongo_lock_reward(emma.id, owned["id"])
        self.assertEqual(second["status"], "error")
        self.assertIn("another order", second["message"])
        self.assertEqual(self.till.pongo_unlock_reward(owned["id"]), {"status": "ok"})
        self.assertEqual(
            other_till.pongo_lock_reward(emma.id, owned["id"]), {"status": "ok"}
        )

    # -- vouchers ---------------------------------------------------------
    def owned_by_name(self, partner, name):
        owned = self.till.pongo_loyalty(partner.id)["owned"]
        return next(item for item in owned if item["name"] == name)

    def emulator_owned(self, owned_id):
        return next(
            item
            for item in self.emulator.state()["customer_rewards"]
            if item[C.F_PUBLIC_ID] == owned_id
        )

    def test_voucher_becomes_an_odoo_coupon_with_pongo_code(self):
        emma = self.partner(self.till.pongo_search_phone(PHONE_EMMA))
        voucher = self.owned_by_name(emma, "Bon de 5 €")
        result = self.till.pongo_prepare_voucher(emma.id, voucher["id"])
        self.assertEqual(result["status"], "ok", result)
        self.assertEqual(result["code"], voucher["coupon_code"])
        self.assertTrue(self.emulator_owned(voucher["id"])[C.F_LOCKED])
        card = self.env["loyalty.card"].browse(result["coupon_id"])
        self.assertEqual(
            (card.code, card.partner_id, card.points, card.pongo_owned_reward_id),
            (voucher["coupon_code"], emma, 1, voucher["id"]),
        )
        program = card.program_id
        self.assertEqual(program.id, result["program_id"])
        self.assertEqual(
            (program.program_type, program.trigger, program.pos_config_ids),
            ("coupons", "with_code", self.config),
        )
        self.assertFalse(program.communication_plan_ids, "Odoo e-mails no coupon")
        reward = program.reward_ids
        self.assertEqual(
            (reward.reward_type, reward.discount_mode, reward.discount),
            ("discount", "per_order", 5.0),
        )
        self.assertEqual(reward.discount_applicability, "order")
        # pos_loyalty's own coupon check accepts the code for Emma, not for others.
        used = self.config.with_user(self.cashier).use_coupon_code(
            voucher["coupon_code"], "2026-11-26 10:00:00", emma.id, False
        )
        self.assertTrue(used["successful"], used)
        self.assertEqual(used["payload"]["coupon_id"], card.id)
        stranger = self.env["res.partner"].create({"name": "Walk-in"})
        refused = self.config.with_user(self.cashier).use_coupon_code(
            voucher["coupon_code"], "2026-11-26 10:00:00", stranger.id, False
        )
        self.assertFalse(refused["successful"])

        # Unlocked (line removed), then applied again: same program, same coupon.
        self.assertEqual(self.till.pongo_unlock_reward(voucher["id"]), {"status": "ok"})
        again = self.till.pongo_prepare_voucher(emma.id, voucher["id"])
        self.assertEqual(
            (again["coupon_id"], again["program_id"]),
            (result["coupon_id"], result["program_id"]),
        )
        # Locked: a second till cannot take it.
        other_till = (
            self.env["pos.config"]
            .create({"name": "Till 2", "pongo_store_id": self.store.id})
            .with_user(self.cashier)
        )
        second = other_till.pongo_prepare_voucher(emma.id, voucher["id"])
        self.assertEqual(second["status"], "error")
        self.assertIn("another order", second["message"])

    def test_percentage_voucher_bought_then_prepared(self):
        jules = self.partner(self.till.pongo_search_phone(PHONE_JULES))
        panel = self.till.pongo_loyalty(jules.id)
        percent = next(
            r for r in panel["available"] if r["name"] == "-10 % sur l'addition"
        )
        self.assertEqual(percent["apply"], "voucher")
        bought = self.till.pongo_buy_reward(jules.id, percent["id"])
        self.assertEqual(bought["status"], "ok", bought)
        result = self.till.pongo_prepare_voucher(jules.id, bought["owned"]["id"])
        self.assertEqual(result["status"], "ok", result)
        reward = self.env["loyalty.reward"].browse(result["reward_id"])
        self.assertEqual((reward.discount_mode, reward.discount), ("percent", 10.0))
        self.assertEqual(reward.program_id.name, "Pongo: -10 % sur l'addition")

    def test_voucher_errors_unlock_the_reward(self):
        emma = self.partner(self.till.pongo_search_phone(PHONE_EMMA))
        voucher = self.owned_by_name(emma, "Bon de 5 €")
        # An Odoo coupon of another program already has Pongo's code.
        other = self.env["loyalty.program"].create(
            {"name": "Shop coupons", "program_type": "coupons"}
        )
        self.env["loyalty.card"].create(
            {"program_id": other.id, "code": voucher["coupon_code"], "points": 1}
        )
        result = self.till.pongo_prepare_voucher(emma.id, voucher["id"])
        self.assertEqual(result["status"], "error")
        self.assertIn(voucher["coupon_code"], result["message"])
        self.assertFalse(self.emulator_owned(voucher["id"])[C.F_LOCKED])
        self.assertFalse(
            self.env["loyalty.program"].search([("pongo_reward_id", "!=", False)]),
            "nothing half-made is left",
        )
        # A free-product reward is not a voucher.
        viennoiserie = self.owned_by_name(emma, "Viennoiserie offerte")
        refused = self.till.pongo_prepare_voucher(emma.id, viennoiserie["id"])
        self.assertEqual(refused["status"], "error")
        self.assertFalse(self.emulator_owned(viennoiserie["id"])[C.F_LOCKED])
        # Someone else's reward: Pongo does not find it for this customer.
        lucas = self.partner(self.till.pongo_search_phone(PHONE_LUCAS))
        self.assertEqual(
            self.till.pongo_prepare_voucher(lucas.id, voucher["id"])["status"], "error"
        )

    def test_reward_products_filter_skus_to_this_pos(self):
        products = self.till.pongo_reward_products(
            ["OTHERPOS-42", "VIENN-PAINCHOC", "VIENN-CROISSANT", "VIENN-PAINCHOC"]
        )
        self.assertEqual(products["product_ids"], [self.pain.id, self.croissant.id])
        self.assertEqual(
            self.till.pongo_reward_products(["ZZZ-NOT-SOLD"]), {"product_ids": []}
        )

    def test_unmapped_pos_is_inactive(self):
        self.config.pongo_store_id = False
        self.assertEqual(
            self.till.pongo_search_phone("0612345603"), {"status": "inactive"}
        )


@tagged("post_install", "-at_install")
class TestPongoPosRpcTokenRefresh(PongoEmulatorMixin, HttpCase):
    """Calls run in threads (lookup, panel) may refresh an expired token: the new
    one is saved. HttpCase: it is saved through another cursor, which Odoo's test
    mode routes to the test transaction."""

    def test_token_refreshed_in_a_thread_is_saved(self):
        company = self.env.company
        company.country_id = self.env.ref("base.fr")
        self.pongo_connect_company(company)
        location = self.emulator.authorization_code(
            "http://127.0.0.1:8069/cb", "st4te", scope=",".join(C.OAUTH_SCOPES)
        )
        code = parse_qs(urlparse(location).query)["code"][0]
        company.sudo().write(
            company._pongo_token_values(company._pongo_get_client().exchange_code(code))
        )
        store = self.env["pongo.store"].create({"name": "Paris", "slug": "demo-paris"})
        till = (
            self.env["pos.config"]
            .create({"name": "Pongo Till", "pongo_store_id": store.id})
            .with_user(
                new_test_user(
                    self.env,
                    login="pongo_refresh_cashier",
                    groups="base.group_user,point_of_sale.group_pos_user",
                )
            )
        )

        def after_expiry(action):
            before = company.sudo().pongo_access_token
            self.emulator.admin("POST", "tokens/expire")
            answer = action()
            company.invalidate_recordset()
            self.assertNotEqual(company.sudo().pongo_access_token, before)
            self.assertTrue(
                company._pongo_get_client().test_token(), "the saved token is valid"
            )
            return answer

        lucas = after_expiry(lambda: till.pongo_search_phone(PHONE_LUCAS))
        self.assertEqual(lucas["status"], "found", "looked up at Pongo: a thread")
        panel = after_expiry(lambda: till.pongo_loyalty(lucas["partner_id"]))
        self.assertEqual(panel["status"], "ok")
