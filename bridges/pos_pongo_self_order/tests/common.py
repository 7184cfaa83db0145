# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A café with a Pongo-mapped till, a kiosk and a restaurant taking orders from the
customers' phones, all against a real Pongo emulator."""

import json
import os
import uuid

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.addons.pos_pongo.tests.common import PongoEmulatorMixin
from odoo.addons.pos_pongo.tests.test_pos_ui import (
    SCREENSHOT_DIR,
    _console_with_screenshots,
)

PHONE_LUCAS = "33612345603"  # seed: 120 points, owns "Café offert"
PHONE_EMMA = (
    "33612345604"  # seed: 500 points, owns "Bon de 5 €", "Viennoiserie offerte"
)
PHONE_NEW = "33612345699"  # unknown to Pongo


@tagged("post_install", "-at_install")
class PongoSelfOrderCommon(PongoEmulatorMixin, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.country_id = env.ref("base.fr")
        cls.cafe = env["pos.category"].create({"name": "Café"})
        Product = env["product.product"]
        cls.espresso, cls.croissant, cls.pain_choc, cls.menu = (
            Product.create(
                {
                    "name": name,
                    "default_code": sku,
                    "available_in_pos": True,
                    "self_order_available": True,
                    "list_price": price,
                    "taxes_id": False,
                    "pos_categ_ids": [Command.link(cls.cafe.id)],
                }
            )
            for name, sku, price in (
                ("Espresso", "CAFE-ESPRESSO", 1.8),
                ("Croissant", "VIENN-CROISSANT", 1.2),
                ("Pain au chocolat", "VIENN-PAINCHOC", 1.4),
                ("Menu du jour", "MENU-JOUR", 12.0),
            )
        )
        milk = env["product.attribute"].create(
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
        milk_line = env["product.template.attribute.line"].create(
            {
                "product_tmpl_id": cls.espresso.product_tmpl_id.id,
                "attribute_id": milk.id,
                "value_ids": [Command.set(milk.value_ids.ids)],
            }
        )
        milk_line.product_template_value_ids.filtered(
            lambda value: value.name == "Oat milk"
        ).price_extra = 0.5
        cls.terminal = env["pos.payment.method"].create(
            {
                "name": "Card terminal",
                "journal_id": cls.bank_journal.id,
                "outstanding_account_id": (
                    cls.bank_payment_method.outstanding_account_id.id
                ),
            }
        )
        # Odoo's kiosk takes payment only through its Adyen or Stripe terminals; the
        # tests stand in for the terminal at its server boundary (pay_at_terminal).
        env.cr.execute(
            "UPDATE pos_payment_method SET use_payment_terminal = 'adyen' "
            "WHERE id = %s",
            [cls.terminal.id],
        )
        cls.terminal.invalidate_recordset(["use_payment_terminal"])
        kiosk = {
            "self_ordering_mode": "kiosk",
            "self_ordering_default_user_id": cls.pos_user.id,
            "self_ordering_pay_after": "each",
            "self_ordering_service_mode": "counter",
            "self_ordering_takeaway": False,
            "limit_categories": True,
            "iface_available_categ_ids": [Command.set(cls.cafe.ids)],
        }
        # A kiosk sending its orders to the counter to be paid, and one paid at
        # its own card terminal.
        cls.kiosk = env["pos.config"].create(
            {
                **kiosk,
                "name": "Kiosk",
                "payment_method_ids": [Command.set(cls.bank_payment_method.ids)],
            }
        )
        cls.card_kiosk = env["pos.config"].create(
            {
                **kiosk,
                "name": "Card kiosk",
                "payment_method_ids": [Command.set(cls.terminal.ids)],
            }
        )
        # A restaurant whose tables order from the customers' phones, paid after
        # the meal at its own till.
        restaurant_cash = env["pos.payment.method"].create(
            {
                "name": "Cash",
                "is_cash_count": True,
                "journal_id": env["account.journal"]
                .create({"name": "Cash Terrace", "type": "cash", "code": "CSHT"})
                .id,
            }
        )
        cls.restaurant = env["pos.config"].create(
            {
                "name": "Restaurant",
                "module_pos_restaurant": True,
                "self_ordering_mode": "mobile",
                "self_ordering_default_user_id": cls.pos_user.id,
                "self_ordering_pay_after": "meal",
                "self_ordering_service_mode": "table",
                "payment_method_ids": [
                    Command.set((cls.bank_payment_method | restaurant_cash).ids)
                ],
                "limit_categories": True,
                "iface_available_categ_ids": [Command.set(cls.cafe.ids)],
            }
        )
        floor = env["restaurant.floor"].create(
            {"name": "Terrace", "pos_config_ids": [Command.set(cls.restaurant.ids)]}
        )
        cls.table = env["restaurant.table"].create(
            {"floor_id": floor.id, "table_number": 7, "seats": 2}
        )
        cls.main_pos_config.write(
            {
                "limit_categories": True,
                "iface_available_categ_ids": [Command.set(cls.cafe.ids)],
            }
        )

    def setUp(self):
        super().setUp()
        company = self.kiosk.company_id
        self.pongo_connect_company(company)
        self.store = self.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris", "company_id": company.id}
        )
        configs = self.kiosk | self.card_kiosk | self.main_pos_config | self.restaurant
        configs.pongo_store_id = self.store
        self.client = company._pongo_get_client()
        test = self

        def payment_request_from_kiosk(method, order):
            return test._pay_at_terminal(method, order)

        self.patch(
            type(self.env["pos.payment.method"]),
            "_payment_request_from_kiosk",
            payment_request_from_kiosk,
        )
        if SCREENSHOT_DIR:
            os.makedirs(SCREENSHOT_DIR, exist_ok=True)
            self.patch(
                ChromeBrowser,
                "_handle_console",
                _console_with_screenshots(SCREENSHOT_DIR),
            )

    # ------------------------------------------------------------------
    # Screens
    # ------------------------------------------------------------------
    @staticmethod
    def open_session(config, user):
        config.with_user(user).open_ui()
        config.current_session_id.set_opening_control(0, "")
        return config.current_session_id

    def open_kiosk(self, config=None):
        return self.open_session(config or self.kiosk, self.pos_user)

    def _pay_at_terminal(self, method, order):
        """The card terminal: approves every payment and answers the way Odoo's
        Adyen bridge does (the payment, the order paid, the kiosk notified)."""
        if method != self.terminal:
            return None
        order.add_payment(
            {
                "amount": order.amount_total,
                "payment_date": order.date_order,
                "payment_method_id": method.id,
                "card_type": "visa",
                "transaction_id": f"terminal-{order.id}",
                "payment_status": "Success",
                "pos_order_id": order.id,
            }
        )
        order.action_pos_order_paid()
        fields = order._load_pos_self_data_fields(order.config_id.id)
        order.config_id._notify(
            "PAYMENT_STATUS",
            {
                "payment_result": "Success",
                "data": {
                    "pos.order": order.read(fields, load=False),
                    "pos.order.line": order.lines.read(
                        order.lines._load_pos_self_data_fields(order.config_id.id),
                        load=False,
                    ),
                },
            },
        )
        return True

    def kiosk_route(self, config=None):
        return (config or self.kiosk)._get_self_order_route()

    def table_route(self):
        return self.restaurant._get_self_order_route(self.table.id)

    # ------------------------------------------------------------------
    # JSON routes, as the screens call them
    # ------------------------------------------------------------------
    def json_call(self, route, **params):
        """The decoded JSON-RPC answer of ``route`` (``result`` or ``error``)."""
        response = self.url_open(
            route,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": str(uuid.uuid4()),
                    "params": params,
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def pongo(self, action, config=None, **params):
        """The result of a Pongo route of the self-order screens; fails on error."""
        config = config or self.kiosk
        answer = self.json_call(
            f"/pos-self-order/pongo/{action}",
            access_token=config.access_token,
            **params,
        )
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def draft_order_values(self, config, lines=(), ticket=None, **values):
        """An order as the self-order screen serializes it."""
        order = {
            "id": None,
            "uuid": str(uuid.uuid4()),
            "config_id": config.id,
            "session_id": config.current_session_id.id,
            "access_token": None,
            "pos_reference": None,
            "state": "draft",
            "amount_total": 0,
            "amount_tax": 0,
            "amount_paid": 0,
            "amount_return": 0,
            "takeaway": False,
            "lines": [[0, 0, line] for line in lines],
            **values,
        }
        if ticket:
            order["pongo_ticket"] = ticket
        return order

    @staticmethod
    def line_values(product, price, **values):
        return {
            "uuid": str(uuid.uuid4()),
            "product_id": product.id,
            "qty": 1,
            "price_unit": price,
            "price_subtotal": price,
            "price_subtotal_incl": price,
            "tax_ids": [],
            "full_product_name": product.name,
            **values,
        }

    # ------------------------------------------------------------------
    # Pongo, as the emulator has it
    # ------------------------------------------------------------------
    def customer(self, phone):
        return self.client.get_customer_by_phone(phone)

    def send_outbox(self):
        self.send_pongo_calls()
        return self.emulator.ledger()["orders"]

    def kiosk_orders(self, config=None):
        return self.env["pos.order"].search(
            [("config_id", "=", (config or self.kiosk).id)], order="id"
        )
