# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "POS Pongo Loyalty at the Self-Order Kiosk",
    "summary": "Pongo points and rewards at Odoo's self-order kiosk and on the "
    "customer's phone",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://www.heypongo.com",
    "author": "pos_pongo contributors",
    "license": "LGPL-3",
    "depends": ["pos_pongo", "pos_self_order"],
    "data": [
        "security/ir.model.access.csv",
        "security/pos_pongo_self_order_security.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "pos_self_order.assets": [
            "pos_pongo_self_order/static/src/app/**/*",
        ],
        "pos_self_order.assets_tests": [
            "pos_pongo/static/tests/tours/utils/screenshot.js",
            "pos_pongo_self_order/static/tests/tours/self_order/**/*",
        ],
        "web.assets_tests": [
            "pos_pongo_self_order/static/tests/tours/pos/**/*",
        ],
    },
    "installable": True,
    "auto_install": True,
    "application": False,
}
