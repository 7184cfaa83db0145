# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a cashier with the Point of Sale *User* right alone reads and waits for."""

import time

from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import PongoEmulatorMixin, seed

PHONE_EMMA = seed.PHONE_EMMA  # 500 points


@tagged("post_install", "-at_install")
class TestPongoCashierAccess(PongoEmulatorMixin, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_plain_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.product = cls.create_product("Espresso", cls.categ_basic, 1.8)
        cls.product.default_code = "CAFE-ESPRESSO"

    def setUp(self):
        super().setUp()
        company = self.config.company_id
        self.pongo_map_pos(self.config)
        self.store = self.config.pongo_store_id
        self.emma = self.pongo_member(PHONE_EMMA, company)

    def pos_models(self):
        """The models the POS loads at boot, and those it reads later."""
        models = self.env["pos.session"]._load_pos_data_models(self.config.id)
        return sorted({*models, "pos.order", "pos.order.line", "res.partner"})

    def test_every_pongo_field_the_pos_loads_is_readable_by_a_cashier(self):
        """A field pos_pongo adds to a POS-loaded model is readable by a plain
        cashier (its records too), or not sent to the POS at all."""
        cashier_env = self.env(user=self.cashier)
        checked = []
        for model_name in self.pos_models():
            model = self.env[model_name]
            ours = {
                name: field
                for name, field in model._fields.items()
                if field._module == "pos_pongo"
            }
            if not ours:
                continue
            loaded = model._load_pos_data_fields(self.config.id)
            for name, field in ours.items():
                if loaded and name not in loaded:
                    continue  # not sent to the POS
                accessible = field.is_accessible(cashier_env)
                if not loaded and not accessible:
                    continue  # "all fields" means all the reader may read
                checked.append(f"{model_name}.{name}")
                self.assertTrue(
                    accessible, f"{model_name}.{name} is loaded but not readable"
                )
                if field.relational:
                    self.assertTrue(
                        cashier_env[field.comodel_name].has_access("read"),
                        f"{model_name}.{name}: a cashier cannot read "
                        f"{field.comodel_name} records",
                    )
        self.assertIn("pos.order.pongo_sync_state", checked)
        self.assertIn("res.partner.pongo_points", checked)
        self.assertNotIn("pos.order.pongo_job_ids", checked)

    def test_cashier_reads_paid_orders_as_the_pos_does(self):
        """Ticket screen (search_read of every field), restaurant sync
        (read_pos_data) and POS boot (load_data), as a plain cashier."""
        self.open_new_session()
        data = self.create_ui_order_data([(self.product, 1)], self.emma)
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertTrue(order.sudo().pongo_job_ids, "the outbox holds the order")

        orders = self.env["pos.order"].with_user(self.cashier)
        rows = orders.search_read([("id", "=", order.id)], [])
        self.assertEqual(rows[0]["pongo_sync_state"], "pending")
        self.assertNotIn("pongo_job_ids", rows[0])
        synced = orders.browse(order.id).read_pos_data([], self.config.id)
        self.assertEqual(synced["pos.order"][0]["id"], order.id)
        boot = self.config.current_session_id.with_user(self.cashier).load_data([])
        self.assertTrue(boot["pos.config"]["data"][0]["pongo_active"])

    def test_register_opens_without_waiting_on_pongo(self):
        """Pongo accepts the connection and never answers: the register opens at
        once, the SKU check runs in the background, and its warning shows then."""
        self.env["ir.cron.trigger"].search([]).unlink()
        self.emulator.faults(hang=True, hang_seconds=30)
        self.emulator.admin("DELETE", "requests")
        started = time.monotonic()
        self.config.with_user(self.cashier).open_ui()
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 2, "opening the register waited on Pongo")
        self.assertEqual(self.emulator.requests_log("/v1/"), [], "no Pongo call")
        cron = self.env.ref("pos_pongo.ir_cron_pongo_check_reward_skus")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
            "the check is scheduled in the background",
        )
        self.assertFalse(self.config.pongo_sku_warning)

        self.emulator.faults(clear=True)
        self.env["pos.config"]._cron_pongo_check_reward_skus()
        self.assertIn(
            "Goodies: no product here for ZZZ-NOT-SOLD", self.config.pongo_sku_warning
        )
        self.assertNotIn("Café offert", self.config.pongo_sku_warning)
        kanban = self.env["pos.config"].get_views([(False, "kanban")])
        self.assertIn("pongo_sku_warning", kanban["views"]["kanban"]["arch"])

    def test_mapping_change_schedules_the_check_and_unmapping_clears_it(self):
        cron = self.env.ref("pos_pongo.ir_cron_pongo_check_reward_skus")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        triggers.unlink()
        self.config.pongo_store_id = False
        self.config.pongo_sku_warning = "old warning"
        self.config.pongo_store_id = self.store
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.config.pongo_store_id = False
        self.assertFalse(self.config.pongo_sku_warning)
