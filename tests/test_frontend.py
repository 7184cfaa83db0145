# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import PongoEmulatorMixin


@tagged("post_install", "-at_install")
class TestPongoFrontend(PongoEmulatorMixin, TestPointOfSaleHttpCommon):
    def setUp(self):
        super().setUp()
        self.pongo_map_pos(self.main_pos_config)

    def test_smoke_tour_sells_in_a_mapped_pos(self):
        """A mapped POS opens with the Pongo badge and sells as usual."""
        cashier = new_test_user(
            self.env,
            login="pongo_smoke_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        self.main_pos_config.with_user(cashier).open_ui()
        self.start_pos_tour("PosPongoSmokeTour", login=cashier.login)
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.lines.product_id, self.desk_pad)
        self.assertEqual(order.lines.qty, 2)
