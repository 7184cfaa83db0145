# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError

# The references Odoo gives the orders of its self-order screens.
SELF_ORDER_PREFIXES = ("Kiosk ", "Self-Order ")


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _pongo_self_rewards(self, states=("held",)):
        return (
            self.env["pongo.self.order.reward"]
            .sudo()
            .search([("order_id", "in", self.ids), ("state", "in", list(states))])
        )

    @api.depends("partner_id")
    def _compute_contact_details(self):
        """The self-order screens read their orders back: an order of theirs keeps
        no copy of its customer's e-mail and phone (the contact has them)."""
        result = super()._compute_contact_details()
        for order in self:
            if (order.pos_reference or "").startswith(SELF_ORDER_PREFIXES):
                order.email = ""
                order.mobile = ""
        return result

    def _pongo_self_price_rewards(self):
        """Prices of the reward lines a self-order screen sent, from the rewards
        held for the order: free products first, then the one voucher."""
        for order in self:
            held = order._pongo_self_rewards()
            by_id = {reward.owned_id: reward for reward in held}
            in_order = order.lines.mapped("pongo_reward_id")
            vouchers = held.filtered(
                lambda r, in_order=in_order: (
                    r.apply == "voucher" and r.owned_id in in_order
                )
            )
            if len(vouchers) > 1:
                raise UserError(self.env._("Only one voucher can be used per order."))
            for line in order.lines.filtered("pongo_reward_id"):
                reward = by_id.get(line.pongo_reward_id)
                if reward and reward.apply == "product":
                    if in_order.count(reward.owned_id) > 1:
                        raise UserError(
                            self.env._(
                                "%(reward)s gives one product.", reward=reward.name
                            )
                        )
                    reward._pongo_price_free_line(line)
            for voucher in vouchers:
                voucher._pongo_price_voucher(order)

    # ------------------------------------------------------------------
    # Paid, cancelled, deleted: the held rewards follow
    # ------------------------------------------------------------------
    def action_pos_order_paid(self):
        result = super().action_pos_order_paid()
        for order in self:
            rewards = order._pongo_self_rewards()
            used = set(order.lines.mapped("pongo_reward_id"))
            rewards.filtered(lambda r, used=used: r.owned_id in used)._pongo_mark_used()
            # taken off the order at the counter before it was paid
            rewards.filtered(
                lambda r, used=used: r.owned_id not in used
            )._pongo_release()
        return result

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "cancel":
            self._pongo_self_rewards()._pongo_release()
        return result

    @api.ondelete(at_uninstall=False)
    def _pongo_self_release_on_delete(self):
        self._pongo_self_rewards()._pongo_release()
