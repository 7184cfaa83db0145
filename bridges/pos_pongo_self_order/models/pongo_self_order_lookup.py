# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer lookups at self-order screens, counted so that nobody can go through
phone numbers to list a merchant's members (one row per lookup and counter, kept
in the database so that every Odoo worker counts the same ones)."""

from datetime import timedelta

from odoo import api, fields, models

WINDOW = timedelta(minutes=10)
# counter -> (system parameter, lookups allowed per WINDOW)
LIMITS = {
    "kiosk": ("pos_pongo_self_order.kiosk_lookups", 60),
    "phone_session": ("pos_pongo_self_order.phone_session_lookups", 5),
    "phone_address": ("pos_pongo_self_order.phone_address_lookups", 20),
}


class PongoSelfOrderLookup(models.Model):
    _name = "pongo.self.order.lookup"
    _description = "Pongo Lookup at a Self-Order Screen"
    _log_access = False

    key = fields.Char(string="Counter", required=True, index=True)
    time = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _pongo_limit(self, counter):
        parameter, default = LIMITS[counter]
        value = self.env["ir.config_parameter"].sudo().get_param(parameter)
        try:
            return max(int(value), 0) if value else default
        except ValueError:
            return default

    @api.model
    def _pongo_allow(self, counters):
        """Count one lookup on each ``(counter, key)``; False, and nothing counted,
        when one of them has reached its limit."""
        since = fields.Datetime.now() - WINDOW
        Lookup = self.sudo()
        keys = [f"{counter}:{key}" for counter, key in counters]
        for (counter, _key), key in zip(counters, keys, strict=True):
            done = Lookup.search_count([("key", "=", key), ("time", ">=", since)])
            if done >= self._pongo_limit(counter):
                return False
        Lookup.create([{"key": key} for key in keys])
        return True

    @api.autovacuum
    def _gc_lookups(self):
        self.sudo().search(
            [("time", "<", fields.Datetime.now() - timedelta(days=1))]
        ).unlink()
