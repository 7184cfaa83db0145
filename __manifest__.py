# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "POS Pongo Loyalty",
    "summary": "Pongo loyalty in the Point of Sale: enlist, points, rewards",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/pos-pongo/pos_pongo",
    "author": "pos_pongo contributors",
    "maintainers": ["pos-pongo"],
    "development_status": "Beta",
    "license": "LGPL-3",
    "depends": ["point_of_sale", "pos_loyalty", "phone_validation"],
    "external_dependencies": {"python": ["requests", "phonenumbers"]},
    "data": [
        "security/ir.model.access.csv",
        "security/pos_pongo_security.xml",
        "data/ir_cron_data.xml",
        "data/barcode_rule_data.xml",
        "views/pongo_job_views.xml",
        "views/pongo_webhook_event_views.xml",
        "views/pongo_store_views.xml",
        "views/pos_order_views.xml",
        "views/res_partner_views.xml",
        "views/pos_config_views.xml",
        "views/res_config_settings_views.xml",
        "views/oauth_templates.xml",
        "views/pongo_menus.xml",
    ],
    "demo": [
        "demo/pos_pongo_demo.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "pos_pongo/static/src/**/*",
        ],
        "web.assets_tests": [
            "pos_pongo/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
