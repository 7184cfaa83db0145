# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pongo vouchers as Odoo coupons: one coupon program per Pongo voucher reward,
one coupon (with Pongo's code) per reward a customer owns."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const as C


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    pongo_reward_id = fields.Char(
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Pongo voucher reward whose coupons this program holds.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The POS tells a Pongo voucher's coupon from Odoo's own.
        return [*super()._load_pos_data_fields(config_id), "pongo_reward_id"]

    @api.model
    def _pongo_voucher_reward_values(self, reward):
        """Odoo discount matching a Pongo voucher reward (values in cents or %)."""
        kind = reward.get(C.F_REWARD_TYPE)
        value = reward.get(C.F_VALUE)
        if not isinstance(value, int) or value <= 0:
            raise UserError(_("This Pongo voucher has no value."))
        values = {
            "reward_type": "discount",
            "discount_applicability": "order",
            "required_points": 1,
            "description": reward.get(C.F_NAME) or _("Pongo voucher"),
        }
        if kind == C.REWARD_VOUCHER_AMOUNT:
            return {**values, "discount_mode": "per_order", "discount": value / 100}
        if kind == C.REWARD_VOUCHER_PERCENTAGE:
            if value > 100:
                raise UserError(_("This Pongo voucher is over 100 %."))
            return {**values, "discount_mode": "percent", "discount": value}
        raise UserError(_("Odoo does not know this kind of Pongo voucher (%s).", kind))

    @api.model
    def _pongo_voucher_program(self, reward, config):
        """The coupon program of this Pongo voucher reward, available in ``config``."""
        reward_values = self._pongo_voucher_reward_values(reward)
        program = self.with_context(active_test=False).search(
            [
                ("pongo_reward_id", "=", reward[C.F_PUBLIC_ID]),
                ("company_id", "=", config.company_id.id),
            ],
            limit=1,
        )
        name = _("Pongo: %s", reward.get(C.F_NAME) or reward[C.F_PUBLIC_ID])
        if not program:
            return self.create(
                {
                    "name": name,
                    "pongo_reward_id": reward[C.F_PUBLIC_ID],
                    "company_id": config.company_id.id,
                    "program_type": "coupons",
                    "trigger": "with_code",
                    "applies_on": "current",
                    "pos_ok": True,
                    "pos_config_ids": [fields.Command.link(config.id)],
                    "rule_ids": [fields.Command.clear()],
                    # Pongo tells the customer, not Odoo's coupon e-mail.
                    "communication_plan_ids": [fields.Command.clear()],
                    "reward_ids": [
                        fields.Command.clear(),
                        fields.Command.create(reward_values),
                    ],
                }
            )
        values = {"active": True, "name": name}
        if config not in program.pos_config_ids:
            values["pos_config_ids"] = [fields.Command.link(config.id)]
        program.write(values)
        odoo_reward = program.reward_ids[:1]
        changed = {
            key: value
            for key, value in reward_values.items()
            if odoo_reward[key] != value
        }
        if changed:
            odoo_reward.write(changed)
        return program


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    pongo_owned_reward_id = fields.Char(
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The customer's Pongo reward this coupon stands for.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        # A voucher's discount lines name their Pongo reward through their coupon.
        return [*super()._load_pos_data_fields(config_id), "pongo_owned_reward_id"]

    pongo_apply_until = fields.Datetime(
        copy=False,
        readonly=True,
        help="Locked at Pongo for the Apply of a point of sale: the code is taken "
        "once, until then, without locking it again.",
    )

    @api.model
    def _pongo_prepare_voucher(self, owned, config, partner):
        """The Odoo coupon of an owned Pongo voucher that ``config`` has just
        locked, in its coupon program; raises UserError when it cannot be one."""
        reward = owned.get(C.F_REWARD) or {}
        if not str(reward.get(C.F_REWARD_TYPE)).startswith(C.REWARD_VOUCHER_PREFIX):
            raise UserError(_("This Pongo reward is not a voucher."))
        with self.env.cr.savepoint():
            program = (
                self.env["loyalty.program"]
                .sudo()
                .with_company(config.company_id)
                ._pongo_voucher_program(reward, config)
            )
            card = self.sudo()._pongo_voucher_card(owned, program, partner)
            card.pongo_apply_until = fields.Datetime.add(
                fields.Datetime.now(), minutes=2
            )
        return card

    def _pongo_take_apply_pass(self):
        """True once after the Apply that locked this voucher (the code it sends)."""
        self.ensure_one()
        if not self.pongo_apply_until or self.pongo_apply_until < fields.Datetime.now():
            return False
        self.sudo().pongo_apply_until = False
        return True

    @api.model
    def _pongo_voucher_card(self, owned, program, partner):
        """The coupon carrying the Pongo coupon code of an owned voucher."""
        code = owned.get(C.F_COUPON_CODE)
        if not code:
            raise UserError(_("Pongo gave no coupon code for this voucher."))
        card = self.with_context(active_test=False).search(
            [("code", "=", code)], limit=1
        )
        if card and (
            card.pongo_owned_reward_id != owned[C.F_PUBLIC_ID]
            or card.program_id != program
        ):
            raise UserError(
                _("The coupon code %s is already used by another Odoo coupon.", code)
            )
        expires = owned.get(C.F_EXPIRES_AT)
        values = {
            "partner_id": partner.id,
            "expiration_date": fields.Date.to_date(expires[:10]) if expires else False,
        }
        if card:
            # Not used at Pongo (it accepted the lock): usable here again.
            card.write({**values, "points": max(card.points, 1)})
            return card
        return self.create(
            {
                **values,
                "code": code,
                "program_id": program.id,
                "points": 1,
                "pongo_owned_reward_id": owned[C.F_PUBLIC_ID],
            }
        )
