# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import fields, models

from odoo.addons.pos_pongo import const as C


class PongoJob(models.Model):
    """pos_pongo's outbox also frees the rewards a self-order screen held."""

    _inherit = "pongo.job"

    job_type = fields.Selection(
        selection_add=[("reward_unlock", "Unlock reward")],
        ondelete={"reward_unlock": "cascade"},
    )

    def _prepare_reward_unlock(self, client):
        owned_id = json.loads(self.payload)[C.F_PUBLIC_ID]

        def call():
            client.unlock_reward(owned_id)
            return {}

        return call
