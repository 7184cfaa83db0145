# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing a register: how many of the session's orders have not reached Pongo,
shown as information, never in the way."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import PongoEmulatorMixin, new_cashier, seed

PHONE_EMMA = seed.PHONE_EMMA


@tagged("post_install", "-at_install")
class TestPongoClosingSummary(PongoEmulatorMixin, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.cashier = new_cashier(cls.env, "pongo_closing_cashier")
        cls.manager = new_test_user(
            cls.env,
            login="pongo_closing_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        cls.product = cls.create_product("Espresso", cls.categ_basic, 1.8)
        cls.product.default_code = "CAFE-ESPRESSO"

    def setUp(self):
        super().setUp()
        self.pongo_map_pos(self.config)
        self.emma = self.pongo_member(PHONE_EMMA, self.config.company_id)

    def pay(self, partner):
        data = self.create_ui_order_data([(self.product, 1)], partner)
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def summary(self, user):
        return self.config.current_session_id.with_user(user).pongo_closing_summary()

    def test_counts_for_a_cashier_and_the_link_for_a_manager(self):
        self.open_new_session()
        sent, pending, failed = (self.pay(self.emma) for _i in range(3))
        walk_in = self.pay(self.env["res.partner"])  # not Pongo's business
        sent.sudo().pongo_job_ids.write({"state": "done"})
        failed.sudo().pongo_job_ids.write({"state": "failed", "last_error": "422"})
        self.assertEqual(
            (sent + pending + failed + walk_in).mapped("pongo_sync_state"),
            ["done", "pending", "failed", False],
        )

        self.assertEqual(
            self.summary(self.cashier), {"pending": 1, "failed": 1, "url": False}
        )
        summary = self.summary(self.manager)
        session = self.config.current_session_id
        action_xmlid = "pos_pongo.action_pos_order_pongo_unsent"
        self.assertEqual(
            summary["url"], f"/odoo/pos.session/{session.id}/action-{action_xmlid}"
        )
        action = self.env.ref(action_xmlid)
        domain = safe_eval(action.domain, {"active_id": session.id})
        self.assertEqual(
            self.env["pos.order"].with_user(self.manager).search(domain),
            pending + failed,
        )
        self.assertNotIn(
            self.cashier, action.groups_id.users, "a cashier has no such list"
        )

    def test_nothing_to_say_when_every_order_reached_pongo(self):
        self.open_new_session()
        self.pay(self.emma).sudo().pongo_job_ids.write({"state": "done"})
        self.assertEqual(
            self.summary(self.manager), {"pending": 0, "failed": 0, "url": False}
        )


@tagged("post_install", "-at_install")
class TestPongoClosingUi(PongoEmulatorMixin, TestPointOfSaleHttpCommon):
    """The closing screen as a POS-User-only cashier, Pongo down."""

    def setUp(self):
        super().setUp()
        company = self.main_pos_config.company_id
        company.country_id = self.env.ref("base.fr")
        self.pongo_connect_company(company)
        self.main_pos_config.pongo_store_id = self.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris", "company_id": company.id}
        )
        client = company._pongo_get_client()
        self.env["res.partner"]._pongo_upsert_from_customer(
            client.get_customer_by_phone(PHONE_EMMA), company
        )
        self.assertFalse(self.pos_user.has_group("point_of_sale.group_pos_manager"))
        self.assertTrue(self.main_pos_config.cash_control)

    def close_with_pongo_down(self, tour):
        self.emulator.faults(outage="503")
        self.main_pos_config.with_user(self.pos_user).open_ui()
        session = self.main_pos_config.current_session_id
        self.start_tour(
            f"/pos/ui?config_id={self.main_pos_config.id}", tour, login="pos_user"
        )
        self.env.invalidate_all()
        self.assertEqual(session.state, "closed")
        order = session.order_ids
        self.assertEqual(order.pongo_sync_state, "pending", "still to send")
        return order

    def test_closing_shows_the_orders_not_at_pongo_and_closes(self):
        order = self.close_with_pongo_down("PosPongoClosingTour")
        # A manager's link opens the back-office list of these orders.
        summary = order.session_id.with_user(self.pos_admin).pongo_closing_summary()
        self.assertEqual(summary["pending"], 1)
        self.start_tour(summary["url"], "PosPongoUnsentOrdersTour", login="pos_admin")

    def test_closing_when_the_count_fails(self):
        def broken(session):
            raise UserError("count unavailable")  # pylint: disable=translation-required

        self.patch(type(self.env["pos.session"]), "pongo_closing_summary", broken)
        self.close_with_pongo_down("PosPongoClosingNoCountTour")
