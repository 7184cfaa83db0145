# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const as C
from ..tools.cron import wake
from ..tools.phone import PongoPhoneError, to_e164
from ..tools.pongo_client import (
    PongoAuthError,
    PongoConflictError,
    PongoError,
    PongoNotFoundError,
    PongoRateLimitedError,
    PongoUnavailableError,
    PongoValidationError,
)
from .res_partner import ENLIST_FIELDS

_logger = logging.getLogger(__name__)

ORIGINS = {C.ORIGIN_WON: "won", C.ORIGIN_BOUGHT: "bought"}  # Pongo -> POS screen


def _skus(reward):
    raw = reward.get(C.F_EXTERNAL_ID) or ""
    return [sku.strip() for sku in raw.split(C.SKU_SEPARATOR) if sku.strip()]


def _apply_kind(reward_type):
    """How the POS applies a reward of this Pongo type ("product", "voucher"), or
    False when the staff hands it over."""
    if reward_type == C.REWARD_FREE_PRODUCT:
        return "product"
    if str(reward_type).startswith(C.REWARD_VOUCHER_PREFIX):
        return "voucher"
    return False


class PosConfig(models.Model):
    _inherit = "pos.config"

    pongo_store_id = fields.Many2one(
        "pongo.store",
        copy=False,
        domain="[('company_id', '=', company_id)]",
        help="Pongo store this point of sale sells for. "
        "Pongo is active in this point of sale only when it is set.",
    )
    pongo_store_slug = fields.Char(related="pongo_store_id.slug", store=True)
    pongo_active = fields.Boolean(compute="_compute_pongo_active")
    pongo_sku_warning = fields.Text(
        string="Pongo Reward Warning",
        copy=False,
        readonly=True,
        help="Rewards whose SKUs match no product sold here, checked in the "
        "background (daily, when the store mapping changes, when a session opens).",
    )

    @api.depends("pongo_store_id.active", "company_id")
    def _compute_pongo_active(self):
        for config in self:
            config.pongo_active = bool(
                config.pongo_store_id.active and config.company_id._pongo_is_connected()
            )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        if not fields_list:
            return fields_list
        return [*fields_list, "pongo_store_slug", "pongo_active"]

    # ------------------------------------------------------------------
    # Reward SKUs of the store vs products of this POS
    # ------------------------------------------------------------------
    def _pongo_products_by_sku(self, skus):
        """Products sold here whose internal reference (or barcode) is a SKU."""
        self.ensure_one()
        domain = [
            ("available_in_pos", "=", True),
            "|",
            ("default_code", "in", list(skus)),
            ("barcode", "in", list(skus)),
        ]
        if self.limit_categories and self.iface_available_categ_ids:
            domain.append(("pos_categ_ids", "in", self.iface_available_categ_ids.ids))
        return self.env["product.product"].search(domain)

    def _pongo_check_reward_skus(self, rewards_by_slug=None):
        """Store (and return) the rewards whose SKUs match no product sold here.

        ``rewards_by_slug``: the store catalogues already read in this run.
        """
        self.ensure_one()
        if not self.pongo_active:
            self.pongo_sku_warning = False
            return False
        rewards_by_slug = {} if rewards_by_slug is None else rewards_by_slug
        slug = self.pongo_store_slug
        if slug not in rewards_by_slug:
            try:
                rewards_by_slug[slug] = self.company_id._pongo_get_client().get_rewards(
                    store_slug=slug
                )
            except PongoError as error:
                _logger.info("Pongo rewards not checked for POS %s: %s", self.id, error)
                rewards_by_slug[slug] = None
        rewards = rewards_by_slug[slug]
        if rewards is None:
            return self.pongo_sku_warning
        wanted = {}
        for reward in rewards:
            if reward.get(C.F_REWARD_TYPE) != C.REWARD_FREE_PRODUCT:
                continue
            wanted[reward.get(C.F_NAME)] = _skus(reward)
        products = self._pongo_products_by_sku(
            {s for skus in wanted.values() for s in skus}
        )
        known = set(products.mapped("default_code")) | set(products.mapped("barcode"))
        problems = [
            self.env._(
                "%(reward)s: no product here for %(skus)s",
                reward=name,
                skus=", ".join(skus),
            )
            if skus
            else self.env._("%(reward)s: no SKU set at Pongo", reward=name)
            for name, skus in sorted(wanted.items())
            if not known.intersection(skus)
        ]
        self.pongo_sku_warning = "\n".join(problems) or False
        return self.pongo_sku_warning

    @api.model
    def _cron_pongo_check_reward_skus(self):
        """Check every mapped point of sale, one catalogue read per store."""
        rewards_by_slug = {}
        for config in self.search([("pongo_store_id", "!=", False)]):
            config._pongo_check_reward_skus(rewards_by_slug)

    def _pongo_schedule_sku_check(self):
        """Check the reward SKUs soon, in the background: never in the request."""
        wake(self.env, "pos_pongo.ir_cron_pongo_check_reward_skus")

    def write(self, vals):
        result = super().write(vals)
        if "pongo_store_id" in vals:
            self.filtered(lambda config: not config.pongo_store_id).write(
                {"pongo_sku_warning": False}
            )
            if self.filtered("pongo_store_id"):
                self._pongo_schedule_sku_check()
        return result

    def action_pongo_check_rewards(self):
        self.ensure_one()
        warning = self._pongo_check_reward_skus()
        message = warning or _(
            "Every Pongo reward matches a product of this point of sale."
        )
        return self.company_id._pongo_notification(
            message, "warning" if warning else "success"
        )

    def _action_to_open_ui(self):
        if not self.current_session_id and self.pongo_store_id:
            self._pongo_schedule_sku_check()  # a warning, never a wait
        return super()._action_to_open_ui()

    # ------------------------------------------------------------------
    # What the POS screen asks (thin: the model that owns the data does the
    # work). Each answer is a dict with a ``status``; Pongo's problems are answers
    # for the cashier, never exceptions.
    # ------------------------------------------------------------------
    def _pongo_cashier_answer(self):
        """None when a cashier may use Pongo here, else the answer to give."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only point of sale users can use Pongo."))
        self.fetch(["pongo_store_id", "company_id"])  # not the whole point of sale
        if self.pongo_store_id.active and self.company_id._pongo_is_connected():
            return None
        if self.pongo_store_id:
            return {
                "status": "inactive",
                "message": _(
                    "Pongo is disconnected. Keep selling, and ask a manager to "
                    "reconnect Pongo in the settings."
                ),
            }
        return {"status": "inactive"}

    def _pongo_client(self):
        return self.company_id._pongo_get_client(interactive=True)

    @contextmanager
    def _pongo_threaded_client(self):
        """A client whose calls may run in threads: a token refreshed there is
        saved here, in the ORM's thread, once they are done."""
        client = self._pongo_client()
        tokens = []
        client.on_token_refreshed = tokens.append
        try:
            yield client
        finally:
            if tokens:
                self.company_id._pongo_save_token_now(tokens[-1])

    def _pongo_phone_country(self):
        """Region of the numbers typed without their country code: the country of
        the Pongo store, else the company's."""
        return self.pongo_store_id.country_id or self.company_id._pongo_country()

    def _pongo_error_answer(self, error, action):
        """What the cashier is told when Pongo answered ``error`` to ``action``
        (search, scan, enlist, panel, buy, apply)."""
        if isinstance(error, PongoAuthError):
            if error.status == 403:
                message = _(
                    "Pongo does not allow this connection to do that. Ask a "
                    "manager to reconnect Pongo in the settings and to accept "
                    "every permission."
                )
            else:
                message = _(
                    "Pongo refused the connection of this point of sale (expired "
                    "or withdrawn). Keep selling, and ask a manager to reconnect "
                    "Pongo in the settings."
                )
            return {"status": "error", "reason": "auth", "message": message}
        if isinstance(error, PongoUnavailableError | PongoRateLimitedError):
            first = (
                _("Pongo is busy right now.")
                if isinstance(error, PongoRateLimitedError)
                else _("Pongo cannot be reached right now.")
            )
            then = {
                "search": _(
                    "Sell as usual: a new customer can be enlisted now "
                    "and joins Pongo with the order."
                ),
                "scan": _("Sell as usual, or find the customer by phone."),
                "panel": _(
                    "Rewards cannot be bought or applied now; the points "
                    "of this order are sent to Pongo later."
                ),
                "buy": _("Try again in a moment; the sale can go on."),
                "apply": _(
                    "Try again in a moment; the sale can go on without the reward."
                ),
            }.get(action, "")
            return {"status": "unavailable", "message": f"{first} {then}".strip()}
        if isinstance(error, PongoNotFoundError):
            message = {
                "scan": _("This Pongo card is unknown to this merchant."),
                "panel": _("Pongo no longer knows this customer."),
                "buy": _("This reward is no longer available at Pongo."),
                "apply": _("This reward is no longer available: refresh the panel."),
            }.get(action, error.message)
        elif isinstance(error, PongoConflictError):
            message = {
                "buy": _(
                    "Pongo refused this purchase: the reward is not available "
                    "for this customer now."
                ),
                "apply": _("This reward is already used or on another order."),
            }.get(action, error.message)
        else:  # validation errors carry Pongo's own words
            message = error.message
        status = "invalid" if action == "scan" else "error"
        return {"status": status, "message": message}

    def _pongo_member(self, partner_id):
        """(partner, None) for a Pongo member at an active POS, else (None, answer)."""
        refused = self._pongo_cashier_answer()
        if refused:
            return None, refused
        partner = self.env["res.partner"].sudo().browse(int(partner_id)).exists()
        if not partner.pongo_customer_id:
            return None, {
                "status": "error",
                "message": _("This customer is not a Pongo member yet."),
            }
        return partner, None

    # -- find ------------------------------------------------------------------
    def pongo_search_phone(self, phone):
        """The customer of a phone number: here first, then at Pongo (and linked
        here). A contact here that Pongo does not know is offered to join."""
        refused = self._pongo_cashier_answer()
        if refused:
            return refused
        try:
            e164 = to_e164(phone, self._pongo_phone_country())
        except PongoPhoneError as error:
            return {"status": "invalid", "message": str(error)}
        Partner = self.env["res.partner"]
        local = Partner._pongo_find_by_phone(self.company_id, e164)
        if local.pongo_customer_id:
            return {"status": "found", "partner_id": local.id}
        try:
            with self._pongo_threaded_client() as client:
                partner = Partner._pongo_fetch_by_phone(self.company_id, e164, client)
        except PongoNotFoundError:
            values = local._pongo_join_values() if local else {"phone": e164}
            return {"status": "not_found", "phone": e164, "join": values}
        except PongoError as error:
            answer = self._pongo_error_answer(error, "search")
            if local:
                return {
                    **answer,
                    "status": "local_only",
                    "partner_id": local.id,
                    "message": _(
                        "%(name)s is set on the order, but Pongo could not be "
                        "asked: %(reason)s",
                        name=local.name,
                        reason=answer["message"],
                    ),
                }
            if answer["status"] == "unavailable":
                answer.update(can_enlist_offline=True, phone=e164)
            return answer
        return {"status": "found", "partner_id": partner.id}

    def pongo_scan(self, code):
        """The wallet pass carries the Pongo customer id."""
        refused = self._pongo_cashier_answer()
        if refused:
            return refused
        code = (code or "").strip()
        if not re.match(C.CUSTOMER_ID_PATTERN, code):
            return {
                "status": "invalid",
                "message": _("%(code)s is not a Pongo loyalty card.", code=code[:40]),
            }
        try:
            partner = self.env["res.partner"]._pongo_fetch_by_id(
                self.company_id, code, self._pongo_client()
            )
        except PongoError as error:
            return self._pongo_error_answer(error, "scan")
        return {"status": "found", "partner_id": partner.id}

    # -- enlist ----------------------------------------------------------------
    def pongo_enlist(self, values):
        """Enlist the customer at Pongo and here, with both consents and their
        proof. ``values["partner_id"]``: the contact here who joins."""
        refused = self._pongo_cashier_answer()
        if refused:
            return refused
        Partner = self.env["res.partner"]
        e164, errors = Partner._pongo_enlist_check(values, self._pongo_phone_country())
        if errors:
            return {"status": "invalid", "errors": errors}
        partner = Partner.browse()
        if values.get("partner_id"):
            partner = Partner.sudo().browse(int(values["partner_id"])).exists()
        try:
            status, partner = Partner._pongo_enlist(
                self, values, e164, self._pongo_client(), partner=partner
            )
        except PongoValidationError as error:
            return {
                "status": "invalid",
                "errors": {
                    ENLIST_FIELDS.get(field, "phone"): " ".join(messages)
                    for field, messages in error.errors.items()
                }
                or {"phone": error.message},
            }
        except (PongoUnavailableError, PongoRateLimitedError) as error:
            # Never block the sale: enlisted with the order when Pongo is back.
            partner = Partner._pongo_enlist_offline(self, values, e164, partner)
            return {
                "status": "created_offline",
                "partner_id": partner.id,
                "message": _(
                    "%(reason)s %(name)s is saved here and joins Pongo with the order.",
                    reason=self._pongo_error_answer(error, "enlist")["message"],
                    name=partner.name,
                ),
            }
        except PongoError as error:
            return self._pongo_error_answer(error, "enlist")
        answer = {"status": status, "partner_id": partner.id}
        if status == "linked":
            answer["message"] = _(
                "%(name)s is already a Pongo member: linked to this contact.",
                name=partner.name,
            )
        return answer

    # -- loyalty panel -----------------------------------------------------------
    @staticmethod
    def _pongo_owned_json(owned):
        reward = owned.get(C.F_REWARD) or {}
        return {
            # What the POS can do with it, so that no Pongo enum reaches the browser.
            "apply": _apply_kind(reward.get(C.F_REWARD_TYPE) or ""),
            "id": owned.get(C.F_PUBLIC_ID),
            "reward_id": reward.get(C.F_PUBLIC_ID),
            "name": reward.get(C.F_NAME),
            "value": reward.get(C.F_VALUE),
            "origin": ORIGINS.get(owned.get(C.F_ORIGIN), False),
            "coupon_code": owned.get(C.F_COUPON_CODE),
            "expires_at": owned.get(C.F_EXPIRES_AT),
            "skus": _skus(reward),
            "locked": bool(owned.get(C.F_LOCKED)),
        }

    def _pongo_reward_json(self, reward, points, sold_here):
        cost = reward.get(C.F_POINTS) or 0
        kind = _apply_kind(reward.get(C.F_REWARD_TYPE) or "")
        skus = _skus(reward)
        # What stops this POS from giving the reward, if anything.
        if kind == "product" and not skus:
            hint = _("No product is set for it at Pongo.")
        elif kind == "product" and not sold_here.intersection(skus):
            hint = _("Its product is not sold here.")
        elif not kind:
            hint = _("Handed over by the staff, not applied to the order.")
        else:
            hint = ""
        return {
            "id": reward.get(C.F_PUBLIC_ID),
            "name": reward.get(C.F_NAME),
            "description": reward.get(C.F_DESCRIPTION),
            "points": cost,
            "apply": kind,
            "hint": hint,
            "affordable": cost <= points,
            "missing": max(cost - points, 0),
        }

    def pongo_loyalty(self, partner_id):
        """Points, rewards to buy here, rewards owned: one Pongo round trip."""
        refused = self._pongo_cashier_answer()
        if refused:
            return refused
        partner = self.env["res.partner"].sudo().browse(int(partner_id)).exists()
        if not partner.pongo_customer_id:
            return {"status": "not_linked", "join": partner._pongo_join_values()}
        try:
            with self._pongo_threaded_client() as client:
                customer, catalogue, owned = partner._pongo_loyalty_reads(self, client)
        except PongoError as error:
            return {
                **self._pongo_error_answer(error, "panel"),
                "points": partner.pongo_points,
            }
        points = customer.get(C.F_POINTS) or 0
        partner._pongo_remember_points(points)
        wanted = {sku for reward in catalogue for sku in _skus(reward)}
        products = self._pongo_products_by_sku(wanted)
        sold_here = set(products.mapped("default_code")) | set(
            products.mapped("barcode")
        )
        available = [
            self._pongo_reward_json(reward, points, sold_here) for reward in catalogue
        ]
        available.sort(key=lambda reward: (not reward["affordable"], reward["points"]))
        return {
            "status": "ok",
            "points": points,
            "available": available,
            "owned": [
                self._pongo_owned_json(item) for item in owned if not item.get(C.F_USED)
            ],
        }

    def pongo_buy_reward(self, partner_id, reward_id):
        """One Pongo call; the panel refreshes right after (balance included)."""
        partner, refused = self._pongo_member(partner_id)
        if refused:
            return refused
        try:
            owned = self._pongo_client().buy_reward(
                reward_id, partner.pongo_customer_id, self.pongo_store_slug
            )
        except PongoError as error:
            return self._pongo_error_answer(error, "buy")
        return {"status": "ok", "owned": self._pongo_owned_json(owned)}

    # -- apply: lock while on the order ------------------------------------------
    def pongo_lock_reward(self, partner_id, owned_id):
        """Hold the customer's free-product reward while it sits on this order."""
        partner, refused = self._pongo_member(partner_id)
        if refused:
            return refused
        try:
            self._pongo_lock(partner, owned_id)
        except PongoError as error:
            return self._pongo_error_answer(error, "apply")
        return {"status": "ok"}

    def _pongo_lock(self, partner, owned_id):
        return self._pongo_client().lock_reward(
            owned_id, partner.pongo_customer_id, self.pongo_store_slug
        )

    def pongo_prepare_voucher(self, partner_id, owned_id):
        """Lock an owned voucher at Pongo and make it an Odoo coupon with the same
        code, for pos_loyalty to apply like any coupon."""
        partner, refused = self._pongo_member(partner_id)
        if refused:
            return refused
        try:
            owned = self._pongo_lock(partner, owned_id)
        except PongoError as error:
            return self._pongo_error_answer(error, "apply")
        try:
            card = self.env["loyalty.card"]._pongo_prepare_voucher(owned, self, partner)
        except UserError as error:
            self._pongo_unlock_quietly(owned_id)
            return {"status": "error", "message": error.args[0]}
        program = card.program_id
        return {
            "status": "ok",
            "code": card.code,
            "coupon_id": card.id,
            "program_id": program.id,
            "reward_id": program.reward_ids[:1].id,
            "discount_product_id": program.reward_ids[:1].discount_line_product_id.id,
            # pos_loyalty never auto-loads its models: the program comes along.
            "pos_data": self._pongo_program_pos_data(program, card),
        }

    def _pongo_program_pos_data(self, program, card):
        """A loyalty program, its rewards and a coupon as the POS loads them."""
        Reward = self.env["loyalty.reward"]
        rewards = program.reward_ids.read(
            Reward._load_pos_data_fields(self.id), load=False
        )
        for reward in rewards:
            reward["reward_product_domain"] = Reward._replace_ilike_with_in(
                reward["reward_product_domain"]
            )
        return {
            "loyalty.program": program.read(
                program._load_pos_data_fields(self.id), load=False
            ),
            "loyalty.rule": program.rule_ids.read(
                self.env["loyalty.rule"]._load_pos_data_fields(self.id), load=False
            ),
            "loyalty.reward": rewards,
            "loyalty.card": card.read(card._load_pos_data_fields(self.id), load=False),
        }

    def use_coupon_code(self, code, creation_date, partner_id, pricelist_id):
        """A Pongo voucher's code, typed or scanned, goes through the same lock as
        its Apply: taken at once after the Apply that locked it, else locked now."""
        result = super().use_coupon_code(code, creation_date, partner_id, pricelist_id)
        if not result.get("successful"):
            pongo_card = (
                self.env["loyalty.card"]
                .sudo()
                .search_count(
                    [("code", "=", code), ("pongo_owned_reward_id", "!=", False)],
                    limit=1,
                )
            )
            if pongo_card:
                result["payload"]["error_message"] = _(
                    "This is a Pongo voucher: apply it from the customer's Pongo "
                    "panel (the Pongo button)."
                )
            return result
        card = self.env["loyalty.card"].sudo().browse(result["payload"]["coupon_id"])
        if not card.pongo_owned_reward_id or card._pongo_take_apply_pass():
            return result
        refused = self._pongo_cashier_answer()
        partner = card.partner_id
        if not refused and not partner.pongo_customer_id:
            refused = {"message": _("This Pongo voucher has no Pongo customer.")}
        if not refused:
            try:
                self._pongo_lock(partner, card.pongo_owned_reward_id)
            except PongoError as error:
                refused = self._pongo_error_answer(error, "apply")
        if refused:
            message = refused.get("message") or _("Pongo is off here.")
            return {
                "successful": False,
                "payload": {
                    "error_message": _(
                        "This Pongo voucher cannot be used now: %(reason)s",
                        reason=message,
                    )
                },
            }
        return result

    def _pongo_unlock_quietly(self, owned_id):
        """Unlock at Pongo; returns the error, logged, rather than raising it."""
        self.env["loyalty.card"].sudo().search(
            [("pongo_owned_reward_id", "=", owned_id)]
        ).write({"pongo_apply_until": False})
        try:
            self._pongo_client().unlock_reward(owned_id)
        except PongoError as error:
            # The lock expires with the order anyway; the sale goes on.
            _logger.info("Pongo reward %s not unlocked: %s", owned_id, error)
            return error
        return None

    def pongo_unlock_reward(self, owned_id):
        refused = self._pongo_cashier_answer()
        if refused:
            return refused
        error = self._pongo_unlock_quietly(owned_id)
        if error:
            return {"status": "error", "message": error.message}
        return {"status": "ok"}

    @api.readonly
    def pongo_reward_products(self, skus):
        """Products sold here matching the reward SKUs (internal reference, then
        barcode), in the SKU order; SKUs of other systems are simply ignored."""
        self.ensure_one()
        skus = [str(sku).strip() for sku in skus or [] if str(sku).strip()]
        products = self._pongo_products_by_sku(skus)
        by_code = {p.default_code: p for p in products if p.default_code}
        by_barcode = {p.barcode: p for p in products if p.barcode}
        ordered = []
        for sku in skus:
            product = by_code.get(sku) or by_barcode.get(sku)
            if product and product.id not in ordered:
                ordered.append(product.id)
        return {"product_ids": ordered}

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------
    @api.model
    def _pongo_load_demo_config(self):
        """Demo: a café point of sale mapped to the emulator's Paris store."""
        xmlid = "pos_pongo.pos_config_pongo_cafe"
        if self.env.ref(xmlid, raise_if_not_found=False):
            return
        journal, payment_methods = self._create_journal_and_payment_methods(
            cash_ref="pos_pongo.cash_payment_method_pongo_cafe",
            cash_journal_vals={"name": "Cash Pongo Café", "show_on_dashboard": False},
        )
        store = self.env["pongo.store"].create(
            {
                "name": "Café Pongo Démo Paris",
                "slug": "demo-paris",
                "city": "Paris",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        config = self.create(
            {
                "name": "Pongo Café",
                "journal_id": journal.id,
                "payment_method_ids": payment_methods,
                "limit_categories": True,
                "iface_available_categ_ids": [
                    self.env.ref("pos_pongo.pos_category_pongo_cafe").id
                ],
                "pongo_store_id": store.id,
            }
        )
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": xmlid, "record": config, "noupdate": True}]
        )
        config._pongo_demo_without_odoo_loyalty()

    def _pongo_demo_without_odoo_loyalty(self):
        """Demo: Odoo's own demo loyalty and gift card programs are not offered
        at the Pongo point of sale (one loyalty program there: Pongo)."""
        others = self.search([("id", "not in", self.ids)])
        programs = self.env["loyalty.program"].search(
            [("pos_ok", "=", True), ("pongo_reward_id", "=", False)]
        )
        for program in programs:
            if program.pos_config_ids:
                program.pos_config_ids -= self
            else:  # "every point of sale": every one but these
                program.pos_config_ids = others
