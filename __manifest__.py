# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "POS Pongo Loyalty",
    "summary": "Pongo loyalty in the Point of Sale: enlist, points, rewards",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://www.heypongo.com",
    "author": "pos_pongo contributors",
    "license": "LGPL-3",
    "depends": ["point_of_sale", "pos_loyalty", "phone_validation"],
    "external_dependencies": {"python": ["requests", "phonenumbers"]},
    "data": [
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
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
