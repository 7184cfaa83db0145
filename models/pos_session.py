# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

UNSENT_STATES = ("pending", "failed")


class PosSession(models.Model):
    _inherit = "pos.session"

    def pongo_closing_summary(self):
        """What the closing screen says of Pongo: how many of this session's orders
        have not reached Pongo yet, how many failed, and for a manager the link to
        them. Read as the cashier: the orders' Pongo state, not the outbox."""
        self.ensure_one()
        self.check_access("read")
        counts = dict(
            self.env["pos.order"]._read_group(
                [
                    ("session_id", "=", self.id),
                    ("pongo_sync_state", "in", UNSENT_STATES),
                ],
                ["pongo_sync_state"],
                ["__count"],
            )
        )
        summary = {
            "pending": counts.get("pending", 0),
            "failed": counts.get("failed", 0),
            "url": False,
        }
        manager = self.env.user.has_group("point_of_sale.group_pos_manager")
        if manager and (summary["pending"] or summary["failed"]):
            action = "pos_pongo.action_pos_order_pongo_unsent"
            summary["url"] = f"/odoo/pos.session/{self.id}/action-{action}"
        return summary
