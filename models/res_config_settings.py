# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pongo_environment = fields.Selection(
        related="company_id.pongo_environment", readonly=False
    )
    pongo_custom_url = fields.Char(
        related="company_id.pongo_custom_url", readonly=False
    )
    pongo_client_id = fields.Char(related="company_id.pongo_client_id", readonly=False)
    pongo_client_secret = fields.Char(
        related="company_id.pongo_client_secret", readonly=False
    )
    pongo_merchant_name = fields.Char(related="company_id.pongo_merchant_name")
    pos_pongo_store_slug = fields.Char(
        related="pos_config_id.pongo_store_slug", readonly=False
    )

    def action_pongo_test_connection(self):
        return self.company_id.action_pongo_test_connection()
