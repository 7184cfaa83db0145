# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _load_pos_data_relations(self, model, response):
        result = super()._load_pos_data_relations(model, response)
        if model == "pos.order":
            # pos_pongo's outbox is the managers' (see pos.order.pongo_job_ids): a
            # till or a screen knowing the field would send it back with its orders.
            response[model]["relations"].pop("pongo_job_ids", None)
        return result
