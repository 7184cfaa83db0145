# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Pongo customer a self-order screen identified, and the rewards it holds.

The browser of a kiosk or a phone is public: it only ever holds an opaque ticket.
The partner, the rewards Pongo listed for them and the rewards locked for their
order stay here, and every answer to the screen is built by ``_pongo_public*``:
first name, points, reward names, nothing else about the customer.
"""

import secrets
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from odoo.addons.pos_pongo.tools.pongo_client import PongoError

IDLE = {
    "kiosk": timedelta(minutes=15),  # the kiosk forgets on reset; this is the backstop
    "mobile": timedelta(hours=3),  # a meal, paid at the end
}
KEEP_CLOSED = timedelta(days=7)
# What is kept of an owned reward pos_pongo listed: what applying it needs.
SHOWN_KEYS = ("id", "name", "apply", "skus", "reward_id")


class PongoSelfOrderIdentification(models.Model):
    _name = "pongo.self.order.identification"
    _description = "Pongo Customer at a Self-Order Screen"
    _order = "id desc"

    token = fields.Char(
        required=True, copy=False, readonly=True, groups="base.group_system"
    )
    config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="config_id.company_id", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    state = fields.Selection(
        [("open", "On screen"), ("closed", "Forgotten")],
        default="open",
        required=True,
        index=True,
        readonly=True,
    )
    last_seen = fields.Datetime(default=fields.Datetime.now, required=True)
    order_id = fields.Many2one(
        "pos.order", index="btree_not_null", ondelete="set null", readonly=True
    )
    reward_ids = fields.One2many(
        "pongo.self.order.reward", "identification_id", readonly=True
    )
    shown_rewards = fields.Json(
        readonly=True,
        help="The rewards Pongo last listed for this customer on this screen: the "
        "only ones the screen may buy ('available') or use ('owned').",
    )

    _sql_constraints = [
        ("token_unique", "unique(token)", "A self-order ticket is unique."),
    ]

    # ------------------------------------------------------------------
    # Messages for the customer
    # ------------------------------------------------------------------
    def _pongo_unavailable(self):
        return {
            "status": "unavailable",
            "message": self.env._(
                "Pongo can't be reached right now. You can order without your points."
            ),
        }

    def _pongo_refused(self, message):
        return {"status": "error", "message": message}

    # ------------------------------------------------------------------
    # Identify
    # ------------------------------------------------------------------
    @api.model
    def _pongo_identify(self, config, phone=None, code=None):
        """By phone number or by the Pongo pass: one Pongo round trip at most."""
        if code:
            answer = config._pongo_self_find_by_pass(str(code).strip()[:80])
        else:
            answer = config._pongo_self_find_by_phone(str(phone or "")[:40])
        status = answer.get("status")
        if status == "found":
            partner = self.env["res.partner"].sudo().browse(answer["partner_id"])
            return self._pongo_open(config, partner, partner._pongo_points_fresh())
        if status == "not_found":
            return {"status": "not_found"}
        if status == "invalid":
            return {
                "status": "invalid",
                "message": self.env._(
                    "This pass isn't known here. Type your phone number instead."
                )
                if code
                else self.env._("This phone number is not valid."),
            }
        if status == "inactive":
            return {"status": "inactive"}
        return self._pongo_unavailable()

    @api.model
    def _pongo_join(self, config, phone, first_name, sms_optin, email_optin):
        """Join Pongo with the customer's own answers to both consent questions."""
        errors = {
            key: self.env._("Please answer yes or no.")
            for key, value in (("sms_optin", sms_optin), ("email_optin", email_optin))
            if not isinstance(value, bool)
        }
        if errors:
            return {"status": "invalid", "errors": errors}
        first_name = str(first_name or "").strip()[:60]
        answer = config._pongo_self_join(
            str(phone or "")[:40], first_name, sms_optin, email_optin
        )
        status = answer.get("status")
        if status in ("created", "created_offline", "linked"):  # linked: a member
            partner = self.env["res.partner"].sudo().browse(answer["partner_id"])
            result = self._pongo_open(config, partner, fresh=True)
            if status == "created_offline":
                result["message"] = self.env._(
                    "Pongo can't be reached right now: you will join, with the "
                    "points of this order, as soon as it is back."
                )
            return result
        if status == "invalid":
            errors = answer.get("errors") or {}
            return {
                "status": "invalid",
                "errors": {
                    "phone": self.env._("This phone number is not valid.")
                    if "phone" in errors
                    else self.env._("Pongo did not accept this registration.")
                },
            }
        if status == "inactive":
            return {"status": "inactive"}
        return self._pongo_unavailable()

    @api.model
    def _pongo_open(self, config, partner, fresh):
        """Start the visit of ``partner`` on this screen; its public answer.
        ``fresh``: the points were just read from Pongo; otherwise they are read
        now, with the rewards, in one round trip."""
        identification = self.sudo().create(
            {
                "token": secrets.token_urlsafe(32),
                "config_id": config.id,
                "partner_id": partner.id,
            }
        )
        result = {"status": "found", "ticket": identification.token}
        if not fresh and partner.pongo_customer_id:
            listed = identification._pongo_list_rewards()
            if listed.get("status") != "ok":
                result["points_later"] = True
        return {**result, **identification._pongo_public_customer()}

    @api.model
    def _pongo_find(self, config, ticket):
        """The open identification of this ticket on this screen, or an empty
        recordset: a ticket of another screen or a forgotten one opens nothing."""
        if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
            return self.browse()
        identification = self.sudo().search(
            [("token", "=", ticket), ("config_id", "=", config.id)], limit=1
        )
        if identification.state != "open":
            return self.browse()
        if identification._pongo_idle():
            identification._pongo_forget()
            return self.browse()
        identification.last_seen = fields.Datetime.now()
        return identification

    def _pongo_screen(self):
        """The point of sale of this visit, acting as its screen does."""
        return self.config_id._pongo_self_as_screen()

    def _pongo_mode(self):
        return "kiosk" if self.config_id._pongo_self_is_kiosk() else "mobile"

    def _pongo_idle(self):
        self.ensure_one()
        if self._pongo_waiting_at_counter():
            return False  # kept until its order is paid or cancelled
        return self.last_seen < fields.Datetime.now() - IDLE[self._pongo_mode()]

    def _pongo_waiting_at_counter(self):
        """Its order was sent to be paid at the counter (or after the meal)."""
        self.ensure_one()
        return (
            self.order_id.state == "draft"
            and not self.config_id._pongo_self_takes_payment()
        )

    def _pongo_public_customer(self):
        """All a public screen learns about the customer."""
        self.ensure_one()
        partner = self.partner_id
        return {
            "first_name": self.config_id._pongo_self_first_name(partner),
            "points": partner.pongo_points or 0,
            "member": bool(partner.pongo_customer_id),
            "rewards": bool(
                partner.pongo_customer_id and self.config_id._pongo_self_is_kiosk()
            ),
        }

    # ------------------------------------------------------------------
    # Rewards (kiosk)
    # ------------------------------------------------------------------
    def _pongo_rewards_refused(self):
        """Why this visit cannot see or use rewards, or None."""
        self.ensure_one()
        if not self.config_id._pongo_self_is_kiosk():
            return self._pongo_refused(
                self.env._("Rewards are used at the kiosk or at the counter.")
            )
        if not self.partner_id.pongo_customer_id:
            return self._pongo_refused(
                self.env._("Your rewards will be here once Pongo has your account.")
            )
        return None

    def _pongo_list_rewards(self):
        """Points and rewards from Pongo (one round trip); remembers what was shown."""
        self.ensure_one()
        answer = self._pongo_screen()._pongo_self_loyalty(self.partner_id)
        if answer.get("status") != "ok":
            return self._pongo_unavailable()
        held = set(self._pongo_held().mapped("owned_id"))
        owned = [
            {
                "id": item["id"],
                "name": item["name"],
                "apply": item["apply"] or False,
                "held": item["id"] in held,
            }
            for item in answer["owned"]
            if item.get("id")
        ]
        available = [
            {
                "id": item["id"],
                "name": item["name"],
                "description": item.get("description") or "",
                "points": item["points"],
                "affordable": item["affordable"],
                "missing": item["missing"],
            }
            for item in answer["available"]
            if item.get("id")
        ]
        self.shown_rewards = {
            "owned": {
                item["id"]: {key: item.get(key) for key in SHOWN_KEYS}
                for item in answer["owned"]
                if item.get("id")
            },
            "available": [item["id"] for item in available],
        }
        return {
            "status": "ok",
            "points": answer["points"],
            "owned": owned,
            "available": available,
        }

    def _pongo_rewards(self):
        self.ensure_one()
        return self._pongo_rewards_refused() or self._pongo_list_rewards()

    def _pongo_buy(self, reward_id):
        """Buy a reward of the catalogue just shown (Pongo checks the points)."""
        self.ensure_one()
        refused = self._pongo_rewards_refused()
        if refused:
            return refused
        if reward_id not in (self.shown_rewards or {}).get("available", []):
            return self._pongo_refused(self.env._("This reward is not offered here."))
        answer = self._pongo_screen()._pongo_self_buy(self.partner_id, reward_id)
        if answer.get("status") == "ok":
            return {"status": "ok"}
        return self._pongo_refused(
            self.env._("This reward could not be bought. Please try again later.")
        )

    def _pongo_apply(self, owned_id):
        """Lock an owned reward for this order (one Pongo call) and say how the
        screen adds it: a free product among ``product_ids``, or a voucher."""
        self.ensure_one()
        refused = self._pongo_rewards_refused()
        if refused:
            return refused
        owned = (self.shown_rewards or {}).get("owned", {}).get(owned_id)
        if not owned or owned.get("apply") not in ("product", "voucher"):
            return self._pongo_refused(
                self.env._("This reward can't be used in an order here.")
            )
        held = self._pongo_held().filtered(lambda reward: reward.owned_id == owned_id)
        if held:
            return held._pongo_public()
        values = {
            "identification_id": self.id,
            "owned_id": owned_id,
            "name": owned["name"],
            "apply": owned["apply"],
        }
        config = self._pongo_screen()
        if owned["apply"] == "product":
            products = config._pongo_self_reward_products(owned.get("skus") or [])
            if not products:
                return self._pongo_refused(
                    self.env._("No product sold here matches this reward.")
                )
            values["product_ids"] = [fields.Command.set(products.ids)]
        try:
            at_pongo = config._pongo_self_lock(self.partner_id, owned_id)
        except PongoError:
            return self._pongo_refused(
                self.env._("This reward is already on another order, or used.")
            )
        if owned["apply"] == "voucher":
            try:
                mode, value, product = config._pongo_self_voucher(at_pongo)
            except UserError:
                config._pongo_self_release(self.partner_id, owned_id)
                return self._pongo_refused(
                    self.env._("This voucher can't be used here.")
                )
            values.update(
                voucher_mode=mode, voucher_value=value, discount_product_id=product.id
            )
        return self.env["pongo.self.order.reward"].sudo().create(values)._pongo_public()

    def _pongo_held(self):
        return self.reward_ids.filtered(lambda reward: reward.state == "held")

    def _pongo_remove(self, owned_id):
        """The customer took a reward out of the cart: unlocked at once (an order
        already sent keeps its rewards: its lines are no longer the cart's)."""
        self.ensure_one()
        self._pongo_held().filtered(
            lambda reward: reward.owned_id == owned_id and not reward.order_id
        )._pongo_release()
        return {"status": "ok"}

    # ------------------------------------------------------------------
    # Order and end of visit
    # ------------------------------------------------------------------
    @api.model
    def _pongo_clean_order_values(self, identification, values):
        """What a self-order screen may say about Pongo in an order it sends: its
        identified customer and the rewards it holds, nothing else (a partner or a
        reward id from a public browser is never trusted)."""
        existing = self.env["pos.order"].sudo()._get_open_order(values)
        values.pop("partner_id", None)
        if identification and not existing.partner_id:
            values["partner_id"] = identification.partner_id.id
        held = {r.owned_id: r for r in identification._pongo_held()}
        current = {line.id: line.pongo_reward_id for line in existing.lines}
        for command in values.get("lines") or []:
            if not (isinstance(command, list | tuple) and len(command) == 3):
                continue
            line = command[2] if isinstance(command[2], dict) else {}
            reward_id = line.pop("pongo_reward_id", None)
            line.pop("pongo_reward_name", None)
            if not reward_id or (
                command[0] == 1 and current.get(command[1]) == reward_id
            ):
                continue
            if reward_id not in held:
                raise UserError(
                    self.env._(
                        "A reward in your order can no longer be used. Please remove "
                        "it and try again."
                    )
                )
            line["pongo_reward_id"] = reward_id
            line["pongo_reward_name"] = held[reward_id].name
        return values

    def _pongo_attach(self, order):
        """The screen sent ``order``: it is this visit's; the rewards held but left
        out of it are freed."""
        self.ensure_one()
        self.write({"order_id": order.id, "last_seen": fields.Datetime.now()})
        used = set(order.lines.mapped("pongo_reward_id"))
        for reward in self._pongo_held():
            if reward.owned_id in used:
                reward.order_id = order
            else:
                reward._pongo_release()

    def _pongo_forget(self):
        """The screen forgot the customer (kiosk reset, idle, "not me"): its rewards
        are freed, but those of an order waiting to be paid at the counter."""
        for identification in self:
            order = identification.order_id
            waiting = identification._pongo_waiting_at_counter()
            identification._pongo_held().filtered(
                lambda reward, order=order, waiting=waiting: (
                    not (waiting and reward.order_id == order)
                )
            )._pongo_release()
        self.write({"state": "closed"})

    @api.model
    def _cron_forget_idle(self):
        """Forget the visits their screen left without a word (closed tab, crash)."""
        for identification in self.sudo().search([("state", "=", "open")]):
            if identification._pongo_idle():
                identification._pongo_forget()

    @api.autovacuum
    def _gc_identifications(self):
        old = self.sudo().search(
            [
                ("state", "=", "closed"),
                ("last_seen", "<", fields.Datetime.now() - KEEP_CLOSED),
            ]
        )
        old.filtered(lambda i: not i._pongo_held()).unlink()


class PongoSelfOrderReward(models.Model):
    _name = "pongo.self.order.reward"
    _description = "Pongo Reward Held for a Self-Order"
    _order = "id"

    identification_id = fields.Many2one(
        "pongo.self.order.identification",
        string="Identified Customer",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    owned_id = fields.Char(
        string="Pongo Reward ID", required=True, index=True, readonly=True
    )
    name = fields.Char(required=True, readonly=True)
    apply = fields.Selection(
        [("product", "Free product"), ("voucher", "Voucher")],
        string="Kind",
        required=True,
        readonly=True,
    )
    product_ids = fields.Many2many(
        "product.product", string="Products It Gives", readonly=True
    )
    voucher_mode = fields.Selection(
        [("per_order", "Amount"), ("percent", "Percentage")], readonly=True
    )
    voucher_value = fields.Float(readonly=True)
    discount_product_id = fields.Many2one("product.product", readonly=True)
    order_id = fields.Many2one("pos.order", index="btree_not_null", readonly=True)
    company_id = fields.Many2one(related="identification_id.company_id", store=True)
    state = fields.Selection(
        [("held", "Locked at Pongo"), ("used", "Used"), ("released", "Unlocked")],
        default="held",
        required=True,
        index=True,
        readonly=True,
    )

    def _pongo_public(self):
        """How the screen adds this reward to the cart."""
        self.ensure_one()
        result = {
            "status": "ok",
            "id": self.owned_id,
            "name": self.name,
            "apply": self.apply,
        }
        if self.apply == "product":
            return {**result, "product_ids": self.product_ids.ids}
        config = self.identification_id.config_id
        product = self.discount_product_id.with_context(display_default_code=False)
        return {
            **result,
            "mode": "percent" if self.voucher_mode == "percent" else "amount",
            "value": self.voucher_value,
            "product": product.read(
                product._load_pos_self_data_fields(config.id), load=False
            )[0],
        }

    def _pongo_release(self):
        """Unlock at Pongo (through the outbox) the rewards still held."""
        for reward in self.filtered(lambda reward: reward.state == "held"):
            identification = reward.identification_id
            identification.config_id._pongo_self_release(
                identification.partner_id, reward.owned_id
            )
            reward.state = "released"

    def _pongo_mark_used(self):
        self.filtered(lambda reward: reward.state == "held").state = "used"

    # ------------------------------------------------------------------
    # Prices of the reward lines (the screen's prices are not trusted)
    # ------------------------------------------------------------------
    def _pongo_price_free_line(self, line):
        """The product is free; its paid options stay paid."""
        self.ensure_one()
        if line.product_id not in self.product_ids:
            raise UserError(
                self.env._("%(reward)s does not give this product.", reward=self.name)
            )
        if line.qty != 1:
            raise UserError(
                self.env._("%(reward)s gives one product.", reward=self.name)
            )
        line.write(
            {
                "price_unit": sum(line.attribute_value_ids.mapped("price_extra")),
                "price_type": "manual",
                "discount": 0,
            }
        )
        line.write(line._compute_amount_line_all())

    def _pongo_price_voucher(self, order):
        """One discount line per set of taxes of the order, each the same share of
        its lines: the voucher's percentage, or its amount over the order's total.
        The screens compute the same (see pongo_voucher.js) to show it."""
        self.ensure_one()
        lines = order.lines.filtered(lambda line: line.pongo_reward_id == self.owned_id)
        others = order.lines - lines
        bases, taxes = {}, {}
        for line in others:
            key = tuple(sorted(line.tax_ids.ids))
            taxes[key] = line.tax_ids
            bases[key] = bases.get(key, 0.0) + line.price_unit * line.qty * (
                1 - (line.discount or 0.0) / 100
            )
        if self.voucher_mode == "percent":
            share = min(self.voucher_value, 100) / 100
        else:
            total = sum(others.mapped("price_subtotal_incl"))
            share = min(1.0, self.voucher_value / total) if total > 0 else 0.0
        digits = self.env["decimal.precision"].precision_get("Product Price")
        wanted = {
            key: -float_round(share * base, precision_digits=digits)
            for key, base in bases.items()
        }
        wanted = {key: price for key, price in wanted.items() if price}
        by_key = {}
        for line in lines:
            by_key.setdefault(tuple(sorted(line.tax_ids.ids)), line)
        keep = self.env["pos.order.line"]
        for key, price in wanted.items():
            values = {
                "product_id": self.discount_product_id.id,
                "qty": 1,
                "discount": 0,
                "price_unit": price,
                "price_type": "manual",
                "pongo_reward_id": self.owned_id,
                "pongo_reward_name": self.name,
                "full_product_name": self.name,
            }
            line = by_key.pop(key, None)
            if line:
                line.write(values)
            else:
                line = self.env["pos.order.line"].create(
                    {
                        **values,
                        "order_id": order.id,
                        "uuid": str(uuid.uuid4()),
                        "tax_ids": [fields.Command.set(taxes[key].ids)],
                        "price_subtotal": 0.0,
                        "price_subtotal_incl": 0.0,
                    }
                )
            line.write(line._compute_amount_line_all())
            keep |= line
        (lines - keep).unlink()
