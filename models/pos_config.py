# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    pongo_store_slug = fields.Char(
        string="Pongo Store",
        copy=False,
        help="Slug of the Pongo store this point of sale sells for. "
        "Pongo is active in this point of sale only when it is set.",
    )
    pongo_active = fields.Boolean(compute="_compute_pongo_active")

    @api.depends("pongo_store_slug", "company_id")
    def _compute_pongo_active(self):
        for config in self:
            config.pongo_active = bool(
                config.pongo_store_slug and config.company_id._pongo_is_connected()
            )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return [*fields_list, "pongo_store_slug", "pongo_active"] if fields_list else []

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
        config = self.create(
            {
                "name": "Pongo Café",
                "journal_id": journal.id,
                "payment_method_ids": payment_methods,
                "limit_categories": True,
                "iface_available_categ_ids": [
                    self.env.ref("pos_pongo.pos_category_pongo_cafe").id
                ],
                "pongo_store_slug": "demo-paris",
            }
        )
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": xmlid, "record": config, "noupdate": True}]
        )
