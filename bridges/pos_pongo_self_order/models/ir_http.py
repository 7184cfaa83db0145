# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        # The self-order screens load the translations of these modules only.
        return [
            *super()._get_translation_frontend_modules_name(),
            "pos_pongo_self_order",
        ]
