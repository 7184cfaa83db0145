# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, models

# Points read from Pongo this recently are shown as they are (pos_pongo's webhooks
# keep them current); older ones are read again, with the rewards, in one round trip.
POINTS_FRESH = timedelta(minutes=1)


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _pongo_points_fresh(self):
        self.ensure_one()
        read = self.pongo_points_date
        return bool(read and read >= fields.Datetime.now() - POINTS_FRESH)
