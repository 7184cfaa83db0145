# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ordering from the table with one's phone: the points are earned when the meal
is paid at the restaurant's till."""

from odoo.tests import tagged

from odoo.addons.pos_pongo import const as C

from .common import PHONE_LUCAS, PongoSelfOrderCommon


@tagged("post_install", "-at_install")
class TestPongoMobileTours(PongoSelfOrderCommon):
    browser_size = "375x667"
    touch_enabled = True

    def test_table_order_earns_points_when_the_meal_is_paid(self):
        self.open_session(self.restaurant, self.pos_user)
        lucas = self.customer(PHONE_LUCAS)
        self.start_tour(self.table_route(), "PongoMobileTableTour", timeout=180)
        order = self.kiosk_orders(self.restaurant)
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.table_id, self.table)
        self.assertEqual(order.partner_id.pongo_customer_id, lucas[C.F_PUBLIC_ID])
        self.assertEqual(self.send_outbox(), [], "not paid: Pongo hears nothing")

        # The waiter's till is no phone.
        self.browser_size, self.touch_enabled = "1366x768", False
        self.start_tour(
            f"/pos/ui?config_id={self.restaurant.id}",
            "PongoWaiterPaysTableTour",
            login="pos_user",
        )
        self.assertEqual(order.state, "paid")
        sent = self.send_outbox()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["customer"], lucas[C.F_PUBLIC_ID])
        self.assertEqual(sent[0]["reward_ids"], [])
        self.assertEqual(
            self.customer(PHONE_LUCAS)[C.F_POINTS], 120 + sent[0]["points_earned"]
        )
        self.assertEqual(self.send_outbox(), sent, "sent once")
