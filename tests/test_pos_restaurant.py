# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pongo in a restaurant (pos_restaurant): tables, transfer, split bill, tips and
two devices on one floor, as a cashier with the Point of Sale User right alone."""

from odoo.tests import new_test_user, tagged

from odoo.addons.pos_restaurant.tests.test_frontend import TestFrontendCommon

from .. import const as C
from .common import PongoEmulatorMixin, seed

PHONE_EMMA = seed.PHONE_EMMA  # 500 points, owns Viennoiserie offerte and Bon de 5 €


@tagged("post_install", "-at_install")
class TestPongoRestaurant(PongoEmulatorMixin, TestFrontendCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fr")
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_waiter",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        food = cls.env["pos.category"].search([("name", "=", "Food")], limit=1)
        for name, sku, price in (
            ("Croissant", "VIENN-CROISSANT", 1.2),
            ("Pain au chocolat", "VIENN-PAINCHOC", 1.4),
            ("Menu du jour", "MENU-JOUR", 12.0),
        ):
            cls.env["product.product"].create(
                {
                    "name": name,
                    "default_code": sku,
                    "available_in_pos": True,
                    "list_price": price,
                    "taxes_id": False,
                    "pos_categ_ids": [(4, food.id)],
                }
            )

    def setUp(self):
        super().setUp()
        company = self.pos_config.company_id
        self.pongo_map_pos(self.pos_config)
        self.emma = self.pongo_member(PHONE_EMMA, company)
        self.emma_id = self.emma.pongo_customer_id

    def start_waiter_tour(self, tour, open_register=True):
        if open_register:
            self.pos_config.with_user(self.cashier).open_ui()
        self.start_tour(
            f"/pos/ui?config_id={self.pos_config.id}", tour, login="pongo_waiter"
        )

    def owned(self, name):
        return next(
            item
            for item in self.emulator.state()["customer_rewards"]
            if item[C.F_CUSTOMER] == self.emma_id and item[C.F_REWARD][C.F_NAME] == name
        )

    def lock_calls(self):
        return [
            (request["method"], request["path"].split("/")[3])
            for request in self.emulator.requests_log("/v1/rewards/")
            if request["path"].endswith("/lock")
        ]

    def paid_orders(self):
        return self.env["pos.order"].search(
            [
                ("session_id", "=", self.pos_config.current_session_id.id),
                ("state", "=", "paid"),
            ],
            order="id",
        )

    def send(self):
        self.env["pongo.job"]._cron_send_jobs(autocommit=False)
        return self.emulator.ledger()["orders"]

    def assert_used_once(self, *names):
        for name in names:
            owned = self.owned(name)
            self.assertTrue(owned[C.F_USED], f"{name} is used at Pongo")

    # ------------------------------------------------------------------
    def test_transfer_keeps_customer_rewards_and_locks(self):
        """A table order with a free product and a voucher moves to an empty
        table, then onto a table with an order: customer, rewards and their locks
        follow; the bill is sent once with both rewards."""
        viennoiserie = self.owned("Viennoiserie offerte")[C.F_PUBLIC_ID]
        voucher = self.owned("Bon de 5 €")[C.F_PUBLIC_ID]
        self.start_waiter_tour("PosPongoRestaurantTransferTour")
        self.assertEqual(
            self.lock_calls(),
            [("POST", viennoiserie), ("POST", voucher)],
            "locked once each, never unlocked by the transfers",
        )
        order = self.paid_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id, self.emma)
        self.assertEqual(order.table_id.table_number, 2)
        self.assertEqual(
            set(order.lines.mapped("pongo_reward_id")) - {False},
            {viennoiserie, voucher},
        )
        sent = self.send()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sorted(sent[0]["reward_ids"]), sorted([viennoiserie, voucher]))
        self.assertEqual(sent[0]["payload"][C.F_AMOUNT], 920)
        self.assert_used_once("Viennoiserie offerte", "Bon de 5 €")

    def test_split_bill_each_paid_part_once(self):
        """Split: the part with the free croissant takes Emma along; each paid part
        is its own Pongo order with its own amount; the reward is used once."""
        viennoiserie = self.owned("Viennoiserie offerte")[C.F_PUBLIC_ID]
        self.start_waiter_tour("PosPongoRestaurantSplitTour")
        orders = self.paid_orders()
        self.assertEqual(len(orders), 2)
        self.assertEqual(orders.partner_id, self.emma)
        with_reward = orders.filtered(lambda o: o.lines.filtered("pongo_reward_id"))
        self.assertEqual(len(with_reward), 1)
        self.assertAlmostEqual(with_reward.amount_total, 2.2)
        sent = {entry["order_id"]: entry for entry in self.send()}
        self.assertEqual(set(sent), set(orders.mapped("pos_reference")))
        for order in orders:
            entry = sent[order.pos_reference]
            self.assertEqual(
                entry["payload"][C.F_AMOUNT], round(order.amount_paid * 100)
            )
            expected = [viennoiserie] if order == with_reward else []
            self.assertEqual(entry["reward_ids"], expected)
        self.assertEqual(
            sum(entry["payload"][C.F_AMOUNT] for entry in sent.values()),
            1640,
            "Pongo hears of the whole bill once",
        )
        self.assert_used_once("Viennoiserie offerte")
        self.assertEqual(self.lock_calls(), [("POST", viennoiserie)])

    def test_tip_after_payment_is_not_sent_again(self):
        """A tip added on the tip screen after payment neither sends the order again
        nor earns points: Pongo receives the bill as paid, tip excluded."""
        self.pos_config.write(
            {
                "set_tip_after_payment": True,
                "iface_tipproduct": True,
                "tip_product_id": self.env.ref("point_of_sale.product_product_tip"),
            }
        )
        self.start_waiter_tour("PosPongoRestaurantTipTour")
        order = self.paid_orders()
        self.assertEqual(len(order), 1)
        self.assertTrue(order.is_tipped)
        self.assertAlmostEqual(order.tip_amount, 2.0)
        self.assertEqual(len(order.sudo().pongo_job_ids), 1)
        sent = self.send()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["payload"][C.F_AMOUNT], 1200, "the bill, tip excluded")
        self.assertEqual(self.send(), sent, "nothing more to send")

    def test_two_devices_see_the_rewards_and_never_lock_twice(self):
        """Device 1 puts both rewards on table 5; device 2 (another browser) opens
        the table, sees them, changes the order and takes the payment."""
        viennoiserie = self.owned("Viennoiserie offerte")[C.F_PUBLIC_ID]
        voucher = self.owned("Bon de 5 €")[C.F_PUBLIC_ID]
        self.start_waiter_tour("PosPongoRestaurantDevice1Tour")
        draft = self.env["pos.order"].search(
            [("session_id", "=", self.pos_config.current_session_id.id)]
        )
        self.assertEqual(draft.state, "draft")
        self.assertEqual(
            set(draft.lines.mapped("pongo_reward_id")) - {False},
            {viennoiserie, voucher},
            "the rewards reached the server with the table's order",
        )
        self.start_waiter_tour("PosPongoRestaurantDevice2Tour", open_register=False)
        self.assertEqual(
            self.lock_calls(),
            [("POST", viennoiserie), ("POST", voucher)],
            "device 2 neither locked nor unlocked the rewards",
        )
        order = self.paid_orders()
        self.assertEqual(order, draft)
        sent = self.send()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sorted(sent[0]["reward_ids"]), sorted([viennoiserie, voucher]))
        self.assert_used_once("Viennoiserie offerte", "Bon de 5 €")
