# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every use the bridge makes of pos_pongo's methods, in this one file.

pos_pongo's POS methods require a Point of Sale user. A self-order screen runs as
its point of sale's self-order default user, which Odoo requires to be one; the
routes check the screen's access token, then call these as that user, exactly as
the cashier's POS would. What they answer stays on the server: the screens get
the public answers the identification model builds from it.
"""

import re

from odoo import api, models

from odoo.addons.pos_pongo import const as C

REWARD_KINDS = ("product", "voucher")  # pos_pongo's "apply" values the kiosk applies


class PosConfig(models.Model):
    _inherit = "pos.config"

    # ------------------------------------------------------------------
    # Where this point of sale stands
    # ------------------------------------------------------------------
    def _pongo_self_active(self):
        """Pongo is on for this point of sale (store mapped, company connected)."""
        self.ensure_one()
        return self.pongo_active

    def _pongo_self_as_screen(self):
        """This point of sale as its self-order screens act: as its self-order
        default user, in its company (what pos_self_order's access check gives)."""
        self.ensure_one()
        config = self.sudo()
        company = config.company_id
        return (
            config.sudo(False)
            .with_user(config.self_ordering_default_user_id)
            .with_company(company)
            .with_context(allowed_company_ids=company.ids)
        )

    def _pongo_self_is_kiosk(self):
        self.ensure_one()
        return self.self_ordering_mode == "kiosk"

    def _pongo_self_takes_payment(self):
        """The screen takes payment itself (kiosk terminal): an order left unpaid
        there is abandoned, not waiting at the counter."""
        self.ensure_one()
        data = {
            "pos.config": {
                "data": [
                    {
                        "self_ordering_mode": self.self_ordering_mode,
                        "payment_method_ids": self.payment_method_ids.ids,
                    }
                ]
            }
        }
        domain = self.env["pos.payment.method"]._load_pos_self_data_domain(data)
        return bool(domain and self.payment_method_ids.filtered_domain(domain))

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------
    def _pongo_self_find_by_phone(self, phone):
        """pos_pongo: ``pongo_search_phone``."""
        return self.pongo_search_phone(phone)

    def _pongo_self_find_by_pass(self, code):
        """pos_pongo: ``pongo_scan`` (the wallet pass holds the customer id)."""
        return self.pongo_scan(code)

    def _pongo_self_join(self, phone, first_name, sms_optin, email_optin):
        """pos_pongo: ``pongo_enlist``, with the customer's own two answers."""
        return self.pongo_enlist(
            {
                "phone": phone,
                "first_name": first_name,
                "sms_optin": sms_optin,
                "email_optin": email_optin,
            }
        )

    @api.model
    def _pongo_self_first_name(self, partner):
        """The first name pos_pongo sends Pongo for this partner; never a number
        nor an address (a contact Pongo knew without a name is named after it)."""
        first = partner.sudo()._pongo_customer_payload().get(C.F_FIRST_NAME) or ""
        return first if first and not re.search(r"[\d@+]", first) else False

    # ------------------------------------------------------------------
    # Rewards
    # ------------------------------------------------------------------
    def _pongo_self_loyalty(self, partner):
        """pos_pongo: ``pongo_loyalty`` (points, catalogue, owned rewards: three
        calls in parallel, one round trip)."""
        return self.pongo_loyalty(partner.id)

    def _pongo_self_buy(self, partner, reward_id):
        """pos_pongo: ``pongo_buy_reward``."""
        return self.pongo_buy_reward(partner.id, reward_id)

    def _pongo_self_lock(self, partner, owned_id):
        """pos_pongo: ``_pongo_lock`` (one Pongo call): Pongo's owned reward, its
        type and value included; raises the client's PongoError."""
        return self._pongo_lock(partner, owned_id)

    def _pongo_self_reward_products(self, skus):
        """pos_pongo: ``pongo_reward_products``, kept to what the screens sell."""
        ids = self.pongo_reward_products(skus).get("product_ids") or []
        products = self.env["product.product"].browse(ids)
        return products.filtered("self_order_available")

    def _pongo_self_voucher(self, owned):
        """pos_pongo: ``loyalty.program._pongo_voucher_program``: the Odoo discount
        of a Pongo voucher, as the POS applies it, from the owned reward Pongo
        answered to its lock. Returns (mode, value, discount product), mode being
        Odoo's "per_order" (value in currency) or "percent"; raises UserError for
        a reward that is no voucher Odoo knows."""
        reward = owned.get(C.F_REWARD) or {}
        program = (
            self.env["loyalty.program"]
            .sudo()
            .with_company(self.company_id)
            ._pongo_voucher_program(reward, self)
        )
        discount = program.reward_ids[:1]
        return (
            discount.discount_mode,
            discount.discount,
            discount.discount_line_product_id,
        )

    def _pongo_self_release(self, partner, owned_id):
        """pos_pongo: ``pongo.job._enqueue_unlock``: the reward is unlocked at
        Pongo after commit, retried while Pongo is down."""
        self.ensure_one()
        self.env["pongo.job"].sudo()._enqueue_unlock(self.company_id, owned_id, partner)
