# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The server's side of the rewards a kiosk puts in an order: their prices, and
their locks at Pongo until the order is paid or given up."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pos_pongo import const as C

from .common import PHONE_EMMA, PongoSelfOrderCommon


@tagged("post_install", "-at_install")
class TestPongoKioskOrderRewards(PongoSelfOrderCommon):
    def setUp(self):
        super().setUp()
        self.open_kiosk()
        self.emma_id = self.customer(PHONE_EMMA)[C.F_PUBLIC_ID]
        self.ticket = self.pongo("identify", phone=PHONE_EMMA)["ticket"]

    def apply(self, name, config=None):
        rewards = self.pongo("rewards", config=config, ticket=self.ticket)
        owned = next(item for item in rewards["owned"] if item["name"] == name)
        answer = self.pongo(
            "apply", config=config, ticket=self.ticket, owned_id=owned["id"]
        )
        self.assertEqual(answer["status"], "ok", answer)
        return answer

    def send(self, lines, config=None, **values):
        config = config or self.kiosk
        order = self.draft_order_values(config, lines, ticket=self.ticket, **values)
        answer = self.json_call(
            f"/pos-self-order/process-order/{config.self_ordering_mode}",
            access_token=config.access_token,
            table_identifier=None,
            order=order,
        )
        if "error" in answer:
            return answer["error"]["data"]["message"]
        return self.env["pos.order"].browse(answer["result"]["pos.order"][0]["id"])

    def locked(self, owned_id):
        self.send_outbox()
        return next(
            item[C.F_LOCKED]
            for item in self.pongo_owned_rewards(self.emma_id)
            if item[C.F_PUBLIC_ID] == owned_id
        )

    def pay(self, order):
        order.add_payment(
            {
                "amount": order.amount_total,
                "payment_method_id": self.bank_payment_method.id,
                "pos_order_id": order.id,
            }
        )
        order.action_pos_order_paid()

    # ------------------------------------------------------------------
    def test_a_voucher_is_shared_over_the_taxes_by_the_server(self):
        tax10, tax20 = (
            self.env["account.tax"].create(
                {"name": f"VAT {rate}", "amount": rate, "amount_type": "percent"}
            )
            for rate in (10, 20)
        )
        self.croissant.taxes_id = tax10
        self.menu.taxes_id = tax20
        voucher = self.apply("Bon de 5 €")
        self.assertEqual((voucher["mode"], voucher["value"]), ("amount", 5.0))
        discount = voucher["product"]["id"]
        order = self.send(
            [
                self.line_values(
                    self.croissant,
                    10.0,
                    tax_ids=[[4, tax10.id]],
                    price_subtotal_incl=11.0,
                ),
                self.line_values(
                    self.menu, 20.0, tax_ids=[[4, tax20.id]], price_subtotal_incl=24.0
                ),
                # The screen's own figure is not trusted: the server recomputes.
                self.line_values(
                    self.env["product.product"].browse(discount),
                    -100.0,
                    pongo_reward_id=voucher["id"],
                    tax_ids=[[4, tax10.id]],
                ),
            ]
        )
        lines = order.lines.filtered("pongo_reward_id")
        self.assertEqual(len(lines), 2, "one discount line per set of taxes")
        by_tax = {line.tax_ids: line for line in lines}
        self.assertAlmostEqual(by_tax[tax10].price_unit, -1.43)
        self.assertAlmostEqual(by_tax[tax20].price_unit, -2.86)
        self.assertAlmostEqual(sum(lines.mapped("price_subtotal_incl")), -5.0)
        self.assertAlmostEqual(order.amount_total, 30.0)
        self.assertEqual(set(lines.mapped("pongo_reward_name")), {"Bon de 5 €"})

    def test_a_percentage_voucher(self):
        rewards = self.pongo("rewards", ticket=self.ticket)
        ten = next(
            r for r in rewards["available"] if r["name"] == "-10 % sur l'addition"
        )
        self.assertEqual(
            self.pongo("buy", ticket=self.ticket, reward_id=ten["id"])["status"], "ok"
        )
        voucher = self.apply("-10 % sur l'addition")
        self.assertEqual((voucher["mode"], voucher["value"]), ("percent", 10.0))
        product = self.env["product.product"].browse(voucher["product"]["id"])
        order = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 1.2, qty=2, price_subtotal_incl=2.4),
                self.line_values(product, 0, pongo_reward_id=voucher["id"]),
            ]
        )
        self.assertAlmostEqual(order.amount_total, 12.96)

    def test_a_free_product_is_priced_by_the_server(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        self.assertEqual(
            set(viennoiserie["product_ids"]), {self.croissant.id, self.pain_choc.id}
        )
        reward_id = viennoiserie["id"]
        error = self.send([self.line_values(self.menu, 0, pongo_reward_id=reward_id)])
        self.assertIn("does not give this product", error)
        error = self.send(
            [self.line_values(self.croissant, 0, qty=2, pongo_reward_id=reward_id)]
        )
        self.assertIn("gives one product", error)
        order = self.send(
            [self.line_values(self.croissant, 1.2, pongo_reward_id=reward_id)]
        )
        self.assertEqual(order.lines.price_unit, 0)
        self.assertEqual(order.amount_total, 0)
        self.assertEqual(order.state, "paid", "nothing to pay: paid at the kiosk")
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["reward_ids"], [reward_id])
        held = self.env["pongo.self.order.reward"].search(
            [("owned_id", "=", reward_id)]
        )
        self.assertEqual(held.state, "used")

    def test_one_voucher_per_order(self):
        rewards = self.pongo("rewards", ticket=self.ticket)
        ten = next(
            r for r in rewards["available"] if r["name"] == "-10 % sur l'addition"
        )
        self.pongo("buy", ticket=self.ticket, reward_id=ten["id"])
        five, ten = self.apply("Bon de 5 €"), self.apply("-10 % sur l'addition")
        product = self.env["product.product"].browse(five["product"]["id"])
        error = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(product, -5, pongo_reward_id=five["id"]),
                self.line_values(product, -1.2, pongo_reward_id=ten["id"]),
            ]
        )
        self.assertIn("one voucher", error)

    def test_rewards_left_out_of_the_order_are_freed(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        self.assertTrue(self.locked(viennoiserie["id"]))
        order = self.send([self.line_values(self.menu, 12.0)])
        self.assertEqual(order.partner_id.pongo_customer_id, self.emma_id)
        self.assertFalse(self.locked(viennoiserie["id"]))

    def test_an_order_waiting_at_the_counter_keeps_its_reward_until_cancelled(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        order = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 0, pongo_reward_id=viennoiserie["id"]),
            ]
        )
        self.pongo("forget", ticket=self.ticket)  # the kiosk reset
        self.assertTrue(self.locked(viennoiserie["id"]), "waiting at the counter")
        order.action_pos_order_cancel()
        self.assertFalse(self.locked(viennoiserie["id"]), "cancelled: freed")
        self.assertEqual(self.send_outbox(), [])

    def test_a_deleted_order_frees_its_reward(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        order = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 0, pongo_reward_id=viennoiserie["id"]),
            ]
        )
        order.unlink()
        self.assertFalse(self.locked(viennoiserie["id"]))
        self.assertEqual(self.send_outbox(), [])

    def test_a_reward_taken_off_at_the_counter_is_freed_not_used(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        order = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 0, pongo_reward_id=viennoiserie["id"]),
            ]
        )
        order.lines.filtered("pongo_reward_id").unlink()
        order.write({"amount_total": 12.0, "amount_tax": 0.0})
        self.pay(order)
        sent = self.send_outbox()
        self.assertEqual(sent[0]["reward_ids"], [])
        self.assertFalse(self.locked(viennoiserie["id"]))

    def test_a_paying_kiosk_frees_the_rewards_of_an_unpaid_order_on_reset(self):
        kiosk = self.card_kiosk
        self.open_kiosk(kiosk)
        self.ticket = self.pongo("identify", config=kiosk, phone=PHONE_EMMA)["ticket"]
        viennoiserie = self.apply("Viennoiserie offerte", kiosk)
        order = self.send(
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 0, pongo_reward_id=viennoiserie["id"]),
            ],
            kiosk,
        )
        self.assertEqual(order.state, "draft")
        self.pongo("forget", config=kiosk, ticket=self.ticket)  # paying given up
        self.assertFalse(self.locked(viennoiserie["id"]))

    def test_idle_visits_are_forgotten(self):
        viennoiserie = self.apply("Viennoiserie offerte")
        Identification = self.env["pongo.self.order.identification"]
        visit = Identification.search([("token", "=", self.ticket)])
        Identification._cron_forget_idle()
        self.assertEqual(visit.state, "open")
        visit.sudo().last_seen = fields.Datetime.now() - timedelta(minutes=16)
        Identification._cron_forget_idle()
        self.assertEqual(visit.state, "closed")
        self.assertFalse(self.locked(viennoiserie["id"]))
        answer = self.pongo("rewards", ticket=self.ticket)
        self.assertEqual(answer["status"], "forgotten")

    def test_the_order_says_nothing_of_the_customers_contact(self):
        order = self.send([self.line_values(self.menu, 12.0)])
        self.assertTrue(order.partner_id.email)
        self.assertFalse(order.email)
        self.assertFalse(order.mobile)
        till_order = self.env["pos.order"].new({"partner_id": order.partner_id.id})
        self.assertEqual(
            till_order.email, order.partner_id.email, "the till's orders keep it"
        )
