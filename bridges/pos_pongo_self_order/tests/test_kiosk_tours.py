# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The kiosk as a customer uses it (Odoo's self-order tours), and the till that
takes the payment of its orders, against the Pongo emulator."""

from odoo.tests import tagged

from odoo.addons.pos_pongo import const as C

from .common import PHONE_EMMA, PHONE_NEW, PongoSelfOrderCommon


@tagged("post_install", "-at_install")
class TestPongoKioskTours(PongoSelfOrderCommon):
    browser_size = "1080x1500"  # a portrait kiosk screen

    def setUp(self):
        super().setUp()
        self.emma_customer = self.customer(PHONE_EMMA)
        self.emma_id = self.emma_customer[C.F_PUBLIC_ID]

    def kiosk_tour(self, tour, kiosk=None, cookies=None, **params):
        """Run ``tour`` on ``kiosk`` (paid at the counter by default)."""
        kiosk = kiosk or self.kiosk
        self.open_kiosk(kiosk)
        query = "".join(f"&{key}={value}" for key, value in params.items())
        self.start_tour(
            self.kiosk_route(kiosk) + query, tour, timeout=180, cookies=cookies
        )

    def reward(self, name):
        return self.pongo_owned_reward(self.emma_id, name)

    def assert_nothing_sent(self):
        self.assertEqual(self.send_outbox(), [], "Pongo heard of no order")

    # ------------------------------------------------------------------
    def test_phone_rewards_and_payment_at_the_counter(self):
        """Emma types her number, buys a reward, takes two free products (one with
        a paid option), pays at the counter: sent once, only then."""
        self.kiosk_tour("PongoKioskPhoneRewardsTour")
        order = self.kiosk_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id.pongo_customer_id, self.emma_id)
        self.assertFalse(order.email, "no contact details on a self-order")
        viennoiserie = self.reward("Viennoiserie offerte")
        cafe = next(
            item
            for item in self.pongo_owned_rewards(self.emma_id)
            if item[C.F_REWARD][C.F_NAME] == "Café offert" and not item[C.F_USED]
        )
        self.assertEqual(cafe[C.F_ORIGIN], "bought", "bought at the kiosk")
        croissant = order.lines.filtered(lambda line: line.product_id == self.croissant)
        espresso = order.lines.filtered(lambda line: line.product_id == self.espresso)
        self.assertEqual(croissant.pongo_reward_id, viennoiserie[C.F_PUBLIC_ID])
        self.assertEqual(croissant.price_subtotal_incl, 0)
        self.assertEqual(espresso.pongo_reward_id, cafe[C.F_PUBLIC_ID])
        self.assertEqual(espresso.attribute_value_ids.name, "Oat milk")
        self.assertAlmostEqual(espresso.price_subtotal_incl, 0.5, msg="option paid")
        self.assertAlmostEqual(order.amount_total, 12.5)
        self.assertTrue(viennoiserie[C.F_LOCKED] and cafe[C.F_LOCKED])
        self.assertEqual(self.customer(PHONE_EMMA)[C.F_POINTS], 450)
        self.assert_nothing_sent()

        # The cashier takes the payment: Pongo gets the order once.
        self.browser_size = "1366x768"  # the till's screen
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_tour(
            f"/pos/ui?config_id={self.main_pos_config.id}",
            "PongoCounterPaysKioskOrderTour",
            login="pos_user",
        )
        self.assertEqual(order.state, "paid")
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["customer"], self.emma_id)
        self.assertEqual(
            sorted(sent[0]["reward_ids"]),
            sorted([viennoiserie[C.F_PUBLIC_ID], cafe[C.F_PUBLIC_ID]]),
        )
        self.assertEqual(sent[0]["payload"][C.F_AMOUNT], 1250)
        for owned_id in sent[0]["reward_ids"]:
            used = next(
                item
                for item in self.pongo_owned_rewards(self.emma_id)
                if item[C.F_PUBLIC_ID] == owned_id
            )
            self.assertTrue(used[C.F_USED])
        self.assertEqual(self.send_outbox(), sent, "sent once")
        self.assertEqual(self.emulator.ledger()["duplicates"], 0)

    def test_pass_voucher_and_payment_at_the_kiosk(self):
        """Emma scans her pass, applies her 5 € voucher and pays at the kiosk's
        terminal: the order is sent once, the voucher used."""
        self.kiosk_tour(
            "PongoKioskPassVoucherTour", self.card_kiosk, pongo_code=self.emma_id
        )
        order = self.kiosk_orders(self.card_kiosk)
        self.assertEqual(order.state, "paid")
        self.assertAlmostEqual(order.amount_total, 7.0)
        voucher = self.reward("Bon de 5 €")
        lines = order.lines.filtered("pongo_reward_id")
        self.assertEqual(set(lines.mapped("pongo_reward_id")), {voucher[C.F_PUBLIC_ID]})
        self.assertAlmostEqual(sum(lines.mapped("price_subtotal_incl")), -5.0)
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["customer"], self.emma_id)
        self.assertEqual(sent[0]["reward_ids"], [voucher[C.F_PUBLIC_ID]])
        self.assertEqual(sent[0]["payload"][C.F_AMOUNT], 700)
        self.assertTrue(self.reward("Bon de 5 €")[C.F_USED])
        self.assertEqual(
            self.customer(PHONE_EMMA)[C.F_POINTS], 500 + sent[0]["points_earned"]
        )

    def test_join_with_both_consents(self):
        self.kiosk_tour("PongoKioskJoinTour", self.card_kiosk)
        zoe = self.customer(PHONE_NEW)
        self.assertEqual(zoe[C.F_FIRST_NAME], "Zoé")
        self.assertIs(zoe[C.F_SMS_OPTIN], True)
        self.assertIs(zoe[C.F_EMAIL_OPTIN], False)
        partner = self.env["res.partner"].search(
            [("pongo_customer_id", "=", zoe[C.F_PUBLIC_ID])]
        )
        self.assertEqual(
            (partner.pongo_sms_optin, partner.pongo_email_optin), ("yes", "no")
        )
        self.assertEqual(partner.pongo_consent_pos_config_id, self.card_kiosk)
        order = self.kiosk_orders(self.card_kiosk)
        self.assertEqual((order.state, order.partner_id), ("paid", partner))
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["customer"], zoe[C.F_PUBLIC_ID])

    def test_abandoned_order_frees_its_reward_and_sends_nothing(self):
        self.kiosk_tour("PongoKioskAbandonTour")
        self.assertFalse(self.kiosk_orders(), "no order reached the server")
        viennoiserie = self.reward("Viennoiserie offerte")
        self.assertTrue(viennoiserie[C.F_LOCKED], "its unlock is in the outbox")
        self.assert_nothing_sent()
        viennoiserie = self.reward("Viennoiserie offerte")
        self.assertFalse(viennoiserie[C.F_LOCKED], "unlocked once the kiosk reset")
        self.assertFalse(viennoiserie[C.F_USED])
        identification = self.env["pongo.self.order.identification"].search([])
        self.assertEqual(identification.state, "closed")
        self.assertEqual(identification.reward_ids.state, "released")

    def test_reward_taken_out_of_the_cart_is_unlocked_at_once(self):
        self.kiosk_tour("PongoKioskRemoveRewardTour")
        identification = self.env["pongo.self.order.identification"].search([])
        self.assertEqual(identification.state, "open", "Emma is still at the kiosk")
        self.assertEqual(identification.reward_ids.mapped("state"), ["released"])
        self.assertTrue(self.reward("Viennoiserie offerte")[C.F_LOCKED])
        self.assert_nothing_sent()  # the unlock goes out, no order
        viennoiserie = self.reward("Viennoiserie offerte")
        self.assertFalse(viennoiserie[C.F_LOCKED], "unlocked before any order")
        self.assertFalse(viennoiserie[C.F_USED])

    def test_pongo_down_orders_without_points(self):
        self.emulator.faults(outage="503")
        self.kiosk_tour("PongoKioskDownTour")
        order = self.kiosk_orders()
        self.assertEqual(len(order), 1)
        self.assertFalse(order.partner_id)
        self.emulator.faults(clear=True)
        self.assert_nothing_sent()

    def test_pongo_slow_never_holds_the_kiosk(self):
        """Pongo takes longer than the POS's timeouts: the kiosk stops waiting
        (the tour times it) and the customer orders without points."""
        self.emulator.faults(latency_ms=6000, paths=["/v1/customers"])
        self.kiosk_tour("PongoKioskSlowTour")
        self._wait_remaining_requests(timeout=60)  # the lookup gives up too
        self.emulator.faults(clear=True)
        self.assertFalse(self.kiosk_orders())
        self.assert_nothing_sent()

    def test_pongo_down_keeps_the_number_for_later(self):
        """Pongo down: the customer answers both questions, pays; once Pongo is
        back the order is sent once and the customer joins with those answers."""
        self.emulator.faults(outage="503")
        self.kiosk_tour("PongoKioskKeepNumberTour", self.card_kiosk)
        order = self.kiosk_orders(self.card_kiosk)
        self.assertEqual(order.state, "paid")
        partner = order.partner_id
        self.assertEqual(partner.pongo_phone, "+" + PHONE_NEW)
        self.assertFalse(partner.pongo_customer_id)
        self.assertEqual(order.pongo_sync_state, "pending")
        self.emulator.faults(clear=True)
        order.action_pongo_retry()
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        joined = self.customer(PHONE_NEW)
        self.assertEqual(sent[0]["customer"], joined[C.F_PUBLIC_ID])
        self.assertIs(joined[C.F_SMS_OPTIN], False)
        self.assertIs(joined[C.F_EMAIL_OPTIN], True)
        self.assertEqual(joined[C.F_POINTS], sent[0]["points_earned"])

    def test_the_kiosk_speaks_french(self):
        french = self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["pos_self_order", "pos_pongo_self_order"], ["fr_FR"], overwrite=True
        )
        self.kiosk.self_ordering_available_language_ids |= french
        self.env["pos_self_order.custom_link"].search(
            [("pos_config_ids", "in", self.kiosk.ids)]
        ).with_context(lang="fr_FR").name = "Commander maintenant"
        self.kiosk_tour("PongoKioskFrenchTour", cookies={"frontend_lang": "fr_FR"})
