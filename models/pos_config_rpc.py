# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the POS screen asks the server about Pongo.

Each method answers a dict with a ``status``; business problems (bad phone,
Pongo down, not enough points) are answers for the cashier, not exceptions.
Secrets stay here: the browser only ever sees customers and rewards.
"""

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const as C
from ..tools.phone import PongoPhoneError, to_e164
from ..tools.pongo_client import (
    PongoConflictError,
    PongoError,
    PongoNotFoundError,
    PongoUnavailableError,
    PongoValidationError,
)

_logger = logging.getLogger(__name__)

# Pongo field -> field of the POS enlist form
ENLIST_FIELDS = {
    C.F_PHONE: "phone",
    C.F_EMAIL: "email",
    C.F_FIRST_NAME: "first_name",
    C.F_LAST_NAME: "last_name",
    C.F_SMS_OPTIN: "sms_optin",
    C.F_EMAIL_OPTIN: "email_optin",
}
ORIGINS = {C.ORIGIN_WON: "won", C.ORIGIN_BOUGHT: "bought"}  # Pongo -> POS screen


def _skus(reward):
    raw = reward.get(C.F_EXTERNAL_ID) or ""
    return [sku.strip() for sku in raw.split(C.SKU_SEPARATOR) if sku.strip()]


def _apply_kind(reward_type):
    """How the POS applies a reward of this Pongo type ("product", "voucher"), or
    False when the staff hands it over."""
    if reward_type == C.REWARD_FREE_PRODUCT:
        return "product"
    if reward_type.startswith(C.REWARD_VOUCHER_PREFIX):
        return "voucher"
    return False


class PosConfig(models.Model):
    _inherit = "pos.config"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _pongo_rpc_check(self):
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only point of sale users can use Pongo."))
        self.fetch(["pongo_store_id", "company_id"])  # not the whole point of sale
        return self.pongo_active

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

    @staticmethod
    def _pongo_down(error):
        return {
            "status": "unavailable",
            "message": _(
                "Pongo cannot be reached (%(error)s). Keep selling: the customer "
                "stays on the order and the points are sent later.",
                error=error.message,
            ),
        }

    def _pongo_link(self, customer):
        partner = self.env["res.partner"]._pongo_upsert_from_customer(
            customer, self.company_id
        )
        return {"status": "found", "partner_id": partner.id}

    # ------------------------------------------------------------------
    # Find a customer
    # ------------------------------------------------------------------
    def pongo_search_phone(self, phone):
        """Local partner by E.164 phone first, then Pongo (and link it here)."""
        if not self._pongo_rpc_check():
            return {"status": "inactive"}
        country = self.company_id._pongo_country()
        try:
            e164 = to_e164(phone, country)
        except PongoPhoneError as error:
            return {"status": "invalid", "message": str(error)}
        Partner = self.env["res.partner"].sudo()
        partner = Partner.search(
            [
                ("pongo_phone", "=", e164),
                ("company_id", "in", [self.company_id.id, False]),
            ],
            order="pongo_customer_id, id",
            limit=1,
        )
        if partner.pongo_customer_id:
            return {"status": "found", "partner_id": partner.id}
        if not partner:
            return self._pongo_search_phone_remote(e164)
        try:
            customer = self._pongo_client().get_customer_by_phone(e164.lstrip("+"))
        except PongoError:
            return {"status": "found", "partner_id": partner.id}
        return self._pongo_link(customer)

    def _pongo_search_phone_remote(self, e164):
        """Nobody here has this number: ask Pongo. While Pongo answers, the
        partner for the number is made here, in a savepoint rolled back when Pongo
        does not know it, so the cashier waits for Pongo, not Pongo then Odoo."""
        Partner = self.env["res.partner"]
        with (
            self._pongo_threaded_client() as client,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            answer = pool.submit(client.get_customer_by_phone, e164.lstrip("+"))
            try:
                with self.env.cr.savepoint():
                    draft = Partner._pongo_create_copy(  # Pongo's answer completes it
                        {"name": e164, "mobile": e164}, self.company_id
                    )
                    self.env.flush_all()  # its computed fields too, while waiting
                    partner = Partner._pongo_upsert_from_customer(
                        answer.result(), self.company_id, known=draft
                    )
                    if partner != draft:  # linked here under another number
                        draft.sudo().unlink()
            except PongoNotFoundError:
                return {"status": "not_found", "phone": e164}
            except PongoError as error:
                return self._pongo_down(error)
        return {"status": "found", "partner_id": partner.id}

    def pongo_scan(self, code):
        """The wallet pass carries the Pongo customer id."""
        if not self._pongo_rpc_check():
            return {"status": "inactive"}
        code = (code or "").strip()
        if not re.match(C.CUSTOMER_ID_PATTERN, code):
            return {
                "status": "invalid",
                "message": _("%(code)s is not a Pongo loyalty card.", code=code[:40]),
            }
        partner = self.env["res.partner"]._pongo_find(self.company_id, public_id=code)
        if partner:
            return {"status": "found", "partner_id": partner.id}
        try:
            customer = self._pongo_client().get_customer(code)
        except PongoNotFoundError:
            return {
                "status": "invalid",
                "message": _("This Pongo card is unknown to this merchant."),
            }
        except PongoError as error:
            return self._pongo_down(error)
        return self._pongo_link(customer)

    # ------------------------------------------------------------------
    # Enlist
    # ------------------------------------------------------------------
    def pongo_enlist(self, values):
        """Create the customer at Pongo and here, with both consents and their proof."""
        if not self._pongo_rpc_check():
            return {"status": "inactive"}
        errors = {}
        try:
            e164 = to_e164(values.get("phone"), self.company_id.country_id)
        except PongoPhoneError as error:
            errors["phone"] = str(error)
        for key in ("sms_optin", "email_optin"):
            if not isinstance(values.get(key), bool):
                errors[key] = _("Ask the customer and answer yes or no.")
        email = (values.get("email") or "").strip()
        if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            errors["email"] = _("This e-mail address is not valid.")
        if errors:
            return {"status": "invalid", "errors": errors}
        names = [values.get("first_name") or "", values.get("last_name") or ""]
        payload = {
            C.F_PHONE: e164.lstrip("+"),
            C.F_REFERENCE_STORE_SLUG: self.pongo_store_slug,
            C.F_FIRST_NAME: names[0].strip() or None,
            C.F_LAST_NAME: names[1].strip() or None,
            C.F_EMAIL: email or None,
            C.F_SMS_OPTIN: values["sms_optin"],
            C.F_EMAIL_OPTIN: values["email_optin"],
        }
        local = {
            "name": " ".join(n.strip() for n in names if n.strip()) or e164,
            "mobile": e164,
            "email": email or False,
            "pongo_sms_optin": "yes" if values["sms_optin"] else "no",
            "pongo_email_optin": "yes" if values["email_optin"] else "no",
        }
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(pongo_pos_config_id=self.id, pongo_no_push=True)
        )
        try:
            customer = self._pongo_client().create_customer(payload)
        except PongoValidationError as error:
            return {
                "status": "invalid",
                "errors": {
                    ENLIST_FIELDS.get(field, "phone"): " ".join(messages)
                    for field, messages in error.errors.items()
                }
                or {"phone": error.message},
            }
        except (PongoUnavailableError, PongoError) as error:
            # Never block the sale: enlisted with the order when Pongo is back.
            partner = Partner.create({**local, "company_id": self.company_id.id})
            return {
                "status": "created_offline",
                "partner_id": partner.id,
                "message": self._pongo_down(error)["message"],
            }
        partner = Partner._pongo_find(self.company_id, phone=e164)
        values_from_pongo = Partner._pongo_values_from_customer(customer)
        if partner:
            partner.with_context(pongo_pos_config_id=self.id, pongo_no_push=True).write(
                {**local, **values_from_pongo}
            )
        else:
            partner = Partner.create(
                {**local, **values_from_pongo, "company_id": self.company_id.id}
            )
        return {"status": "created", "partner_id": partner.id}

    # ------------------------------------------------------------------
    # Loyalty panel
    # ------------------------------------------------------------------
    def _pongo_partner(self, partner_id):
        partner = self.env["res.partner"].sudo().browse(int(partner_id)).exists()
        return partner if partner.pongo_customer_id else None

    @staticmethod
    def _pongo_owned_json(owned):
        reward = owned.get(C.F_REWARD) or {}
        return {
            # What the POS can do with it, so that no Pongo enum reaches the browser.
            "apply": _apply_kind(reward.get(C.F_REWARD_TYPE) or ""),
            "id": owned.get(C.F_PUBLIC_ID),
            "reward_id": reward.get(C.F_PUBLIC_ID),
            "name": reward.get(C.F_NAME),
            "type": reward.get(C.F_REWARD_TYPE),
            "value": reward.get(C.F_VALUE),
            "origin": ORIGINS.get(owned.get(C.F_ORIGIN), False),
            "coupon_code": owned.get(C.F_COUPON_CODE),
            "skus": _skus(reward),
            "locked": bool(owned.get(C.F_LOCKED)),
        }

    def pongo_loyalty(self, partner_id):
        """Points, rewards to buy here, rewards owned: three calls in parallel."""
        if not self._pongo_rpc_check():
            return {"status": "inactive"}
        partner = self._pongo_partner(partner_id)
        if not partner:
            return {"status": "not_linked"}
        public_id = partner.pongo_customer_id
        with (
            self._pongo_threaded_client() as client,
            ThreadPoolExecutor(max_workers=3) as pool,
        ):
            calls = {
                "customer": pool.submit(client.get_customer, public_id),
                "catalogue": pool.submit(
                    client.get_rewards, public_id, self.pongo_store_slug
                ),
                "owned": pool.submit(client.get_customer_rewards, public_id, False),
            }
            try:
                results = {name: call.result() for name, call in calls.items()}
            except PongoError as error:
                return {**self._pongo_down(error), "points": partner.pongo_points}
        points = results["customer"].get(C.F_POINTS) or 0
        partner.with_context(pongo_no_push=True).write(
            {"pongo_points": points, "pongo_points_date": fields.Datetime.now()}
        )
        available = [
            {
                "id": reward.get(C.F_PUBLIC_ID),
                "name": reward.get(C.F_NAME),
                "description": reward.get(C.F_DESCRIPTION),
                "points": reward.get(C.F_POINTS) or 0,
                "type": reward.get(C.F_REWARD_TYPE),
                "affordable": (reward.get(C.F_POINTS) or 0) <= points,
                "missing": max((reward.get(C.F_POINTS) or 0) - points, 0),
            }
            for reward in results["catalogue"]
        ]
        available.sort(key=lambda reward: (not reward["affordable"], reward["points"]))
        owned = [
            self._pongo_owned_json(item)
            for item in results["owned"]
            if not item.get(C.F_USED)
        ]
        return {
            "status": "ok",
            "points": points,
            "available": available,
            "owned": owned,
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
        except PongoUnavailableError as error:
            return {"status": "error", "message": self._pongo_down(error)["message"]}
        except PongoError as error:
            return {"status": "error", "message": error.message}
        return {"status": "ok", "owned": self._pongo_owned_json(owned)}

    def pongo_lock_reward(self, partner_id, owned_id):
        """Hold the customer's reward while it sits on this order."""
        partner, refused = self._pongo_member(partner_id)
        if refused:
            return refused
        try:
            self._pongo_lock(partner, owned_id)
        except PongoError as error:
            return self._pongo_lock_refused(error)
        return {"status": "ok"}

    def _pongo_lock(self, partner, owned_id):
        return self._pongo_client().lock_reward(
            owned_id, partner.pongo_customer_id, self.pongo_store_slug
        )

    @staticmethod
    def _pongo_lock_refused(error):
        if isinstance(error, PongoConflictError):
            message = _("This reward is already used or on another order.")
        else:
            message = error.message
        return {"status": "error", "message": message}

    def _pongo_member(self, partner_id):
        """(partner, None) for a Pongo member at an active POS, else (None, answer)."""
        if not self._pongo_rpc_check():
            return None, {"status": "inactive"}
        partner = self._pongo_partner(partner_id)
        if not partner:
            return None, {
                "status": "error",
                "message": _("This customer is not at Pongo."),
            }
        return partner, None

    def pongo_prepare_voucher(self, partner_id, owned_id):
        """Lock an owned voucher at Pongo and make it an Odoo coupon with the
        same code, for pos_loyalty to apply like any coupon."""
        partner, refused = self._pongo_member(partner_id)
        if refused:
            return refused
        try:
            owned = self._pongo_lock(partner, owned_id)
        except PongoError as error:
            return self._pongo_lock_refused(error)
        reward = owned.get(C.F_REWARD) or {}
        try:
            if not str(reward.get(C.F_REWARD_TYPE)).startswith(C.REWARD_VOUCHER_PREFIX):
                raise UserError(_("This Pongo reward is not a voucher."))
            with self.env.cr.savepoint():
                program = (
                    self.env["loyalty.program"]
                    .sudo()
                    .with_company(self.company_id)
                    ._pongo_voucher_program(reward, self)
                )
                card = (
                    self.env["loyalty.card"]
                    .sudo()
                    ._pongo_voucher_card(owned, program, partner)
                )
        except UserError as error:
            self._pongo_unlock_quietly(owned_id)
            return {"status": "error", "message": error.args[0]}
        return {
            "status": "ok",
            "code": card.code,
            "coupon_id": card.id,
            "program_id": program.id,
            "reward_id": program.reward_ids[:1].id,
            "discount_product_id": program.reward_ids[:1].discount_line_product_id.id,
            # pos_loyalty never auto-loads its models: the program comes along.
            "pos_data": self._pongo_program_pos_data(program),
        }

    def _pongo_program_pos_data(self, program):
        """A loyalty program and its rewards as the POS loads them at boot."""
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
        }

    def _pongo_unlock_quietly(self, owned_id):
        """Unlock at Pongo; returns the error, logged, rather than raising it."""
        try:
            self._pongo_client().unlock_reward(owned_id)
        except PongoError as error:
            # The lock expires with the order anyway; the sale goes on.
            _logger.info("Pongo reward %s not unlocked: %s", owned_id, error)
            return error
        return None

    def pongo_unlock_reward(self, owned_id):
        if not self._pongo_rpc_check():
            return {"status": "inactive"}
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
