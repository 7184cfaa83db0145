# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A refund never gives back more than was refunded (Pongo has no partial refund)."""

from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .. import const as C
from .common import PongoEmulatorMixin, seed


@tagged("post_install", "-at_install")
class TestPongoRefunds(PongoEmulatorMixin, TestPoSCommon):
    """Emma buys two espressos (18.50 each) and gets her Viennoiserie offerte as a
    free croissant; then some of it, or all of it, is refunded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.espresso = cls.create_product("Espresso", cls.categ_basic, 18.5)
        cls.espresso.default_code = "CAFE-ESPRESSO"
        # Free here: the reward's line, at price 0 as the POS makes it.
        cls.croissant = cls.create_product("Croissant", cls.categ_basic, 0.0)
        cls.croissant.default_code = "VIENN-CROISSANT"

    def setUp(self):
        super().setUp()
        company = self.config.company_id
        self.client = self.pongo_map_pos(self.config)
        self.emma = self.pongo_member(seed.PHONE_EMMA, company)
        customer = {C.F_PUBLIC_ID: self.emma.pongo_customer_id}
        self.viennoiserie = next(
            item
            for item in self.emulator.state()["customer_rewards"]
            if item[C.F_CUSTOMER] == customer[C.F_PUBLIC_ID]
            and item[C.F_REWARD][C.F_NAME] == "Viennoiserie offerte"
        )[C.F_PUBLIC_ID]
        self.open_new_session()
        self.order = self.sync(
            [
                {"product": self.espresso, "quantity": 2},
                {
                    "product": self.croissant,
                    "quantity": 1,
                    "pongo_reward_id": self.viennoiserie,
                    "pongo_reward_name": "Viennoiserie offerte",
                },
            ]
        )
        self.drain()
        self.assertEqual(self.points(), 500 + 37, "1 point per euro of the order")
        self.assertTrue(self.reward_used())

    def sync(self, lines):
        data = self.create_ui_order_data(lines, self.emma, is_invoiced=False)
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def refund(self, product, quantity):
        line = self.order.lines.filtered(lambda line: line.product_id == product)
        return self.sync(
            [
                {
                    "product": product,
                    "quantity": -quantity,
                    "refunded_orderline_id": line.id,
                }
            ]
        )

    def drain(self):
        return self.env["pongo.job"]._cron_send_jobs(autocommit=False)

    def points(self):
        return self.client.get_customer_by_phone(seed.PHONE_EMMA)[C.F_POINTS]

    def reward_used(self):
        return next(
            item
            for item in self.emulator.state()["customer_rewards"]
            if item[C.F_PUBLIC_ID] == self.viennoiserie
        )[C.F_USED]

    def status_at_pongo(self):
        return self.emulator.ledger()["orders"][0]["status"]

    def to_do(self):
        return self.order.sudo().pongo_job_ids.filtered(
            lambda job: job.job_type == "refund_adjustment"
        )

    def test_full_refund_takes_everything_back_once(self):
        refund = self.sync(
            [
                {
                    "product": line.product_id,
                    "quantity": -line.qty,
                    "refunded_orderline_id": line.id,
                }
                for line in self.order.lines
            ]
        )
        self.assertEqual(refund.refunded_order_id, self.order)
        self.drain()
        self.assertEqual(self.status_at_pongo(), C.ORDER_STATUS_REFUNDED)
        self.assertEqual(self.points(), 500, "the points of the order are taken back")
        self.assertFalse(self.reward_used(), "its own line was refunded: it comes back")
        self.assertFalse(self.to_do())

    def test_partial_refund_sends_nothing_and_asks_a_manager(self):
        self.refund(self.espresso, 1)
        self.drain()
        self.assertEqual(self.status_at_pongo(), C.ORDER_STATUS_COMPLETED)
        self.assertEqual(
            self.points(), 537, "nothing sent: Pongo has no partial refund"
        )
        self.assertTrue(self.reward_used(), "the reward's line was not refunded")
        todo = self.to_do()
        self.assertEqual(todo.state, "manual")
        self.assertIn("take about 18 points back from Emma Petit", todo.instructions)
        self.assertNotIn("Give back", todo.instructions)
        self.assertEqual(
            self.order.pongo_sync_state, "done", "the order itself is sent"
        )

    def test_refund_of_the_reward_line_gives_back_that_reward_only(self):
        self.refund(self.croissant, 1)
        self.drain()
        self.assertEqual(self.status_at_pongo(), C.ORDER_STATUS_COMPLETED)
        self.assertEqual(self.points(), 537)
        self.assertTrue(self.reward_used(), "Pongo's API cannot give one reward back")
        self.assertIn(
            "Give back the rewards whose line was refunded: Viennoiserie offerte",
            self.to_do().instructions,
        )

    def test_two_partial_refunds_that_add_up_to_the_whole_order(self):
        self.refund(self.espresso, 2)
        self.drain()
        first = self.to_do()
        self.assertEqual(first.state, "manual")
        self.assertEqual(self.points(), 537)
        self.refund(self.croissant, 1)
        self.drain()
        self.assertEqual(self.status_at_pongo(), C.ORDER_STATUS_REFUNDED, "now whole")
        self.assertEqual(self.points(), 500, "taken back once")
        self.assertFalse(self.reward_used())
        self.assertEqual(first.state, "cancelled", "Pongo did it: nothing left to do")
        self.assertEqual(len(self.to_do()), 1)

    def test_whole_refund_after_an_adjustment_made_by_hand(self):
        self.refund(self.espresso, 2)
        self.to_do().action_mark_done()  # the manager took the points back at Pongo
        self.refund(self.croissant, 1)
        self.drain()
        self.assertEqual(self.status_at_pongo(), C.ORDER_STATUS_COMPLETED)
        self.assertEqual(self.points(), 537, "not taken back twice")
        follow_up = self.to_do().filtered(lambda job: job.state == "manual")
        self.assertIn("already adjusted at Pongo by hand", follow_up.instructions)
