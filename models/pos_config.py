# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import _, api, fields, models

from .. import const as C
from ..tools.cron import wake
from ..tools.pongo_client import PongoError

_logger = logging.getLogger(__name__)


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
            skus = [
                s.strip()
                for s in (reward.get(C.F_EXTERNAL_ID) or "").split(C.SKU_SEPARATOR)
            ]
            wanted[reward.get(C.F_NAME)] = [s for s in skus if s]
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
            {"name": "Café Pongo Démo Paris", "slug": "demo-paris", "city": "Paris"}
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
