# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pongo_environment = fields.Selection(
        related="company_id.pongo_environment", readonly=False
    )
    pongo_custom_url = fields.Char(
        related="company_id.pongo_custom_url", readonly=False
    )
    pongo_client_id = fields.Char(related="company_id.pongo_client_id", readonly=False)
    pongo_client_secret = fields.Char(
        related="company_id.pongo_client_secret", readonly=False
    )
    pongo_manual_token = fields.Char(
        string="Token Given by Pongo", groups="base.group_system"
    )
    pongo_merchant_name = fields.Char(related="company_id.pongo_merchant_name")
    pongo_connected = fields.Boolean(compute="_compute_pongo_status")
    pongo_webhook_url = fields.Char(compute="_compute_pongo_status")
    pongo_webhooks_active = fields.Boolean(compute="_compute_pongo_status")
    pongo_mapping_report = fields.Text(compute="_compute_pongo_status")
    pongo_deprecation_report = fields.Text(compute="_compute_pongo_status")
    pongo_probe_report = fields.Text(related="company_id.pongo_probe_report")
    pongo_import_state = fields.Selection(related="company_id.pongo_import_state")
    pongo_import_count = fields.Integer(related="company_id.pongo_import_count")
    pongo_import_total = fields.Integer(related="company_id.pongo_import_total")
    pongo_import_message = fields.Char(related="company_id.pongo_import_message")
    pos_pongo_store_id = fields.Many2one(
        related="pos_config_id.pongo_store_id", readonly=False
    )
    pos_pongo_sku_warning = fields.Text(related="pos_config_id.pongo_sku_warning")
    pongo_job_retention_days = fields.Integer(
        related="company_id.pongo_job_retention_days", readonly=False
    )
    pongo_event_retention_days = fields.Integer(
        related="company_id.pongo_event_retention_days", readonly=False
    )

    @api.depends("company_id", "pos_config_id")
    def _compute_pongo_status(self):
        for settings in self:
            company = settings.company_id
            settings.pongo_connected = company._pongo_is_connected()
            settings.pongo_webhook_url = company._pongo_webhook_url()
            settings.pongo_webhooks_active = bool(company.sudo().pongo_webhook_ids)
            settings.pongo_mapping_report = company._pongo_mapping_report()
            settings.pongo_deprecation_report = self.env[
                "pongo.deprecation"
            ]._pongo_report(company._pongo_base_url())

    def _pongo_save(self):
        """Buttons of the settings page act on saved values."""
        self.ensure_one()
        self.execute()
        return self.company_id

    def action_pongo_connect(self):
        return self._pongo_save().action_pongo_connect()

    def action_pongo_use_token(self):
        token = self.pongo_manual_token
        return self._pongo_save().action_pongo_use_token(token)

    def action_pongo_test_connection(self):
        return self._pongo_save().action_pongo_test_connection()

    def action_pongo_disconnect(self):
        return self._pongo_save().action_pongo_disconnect()

    def action_pongo_fetch_stores(self):
        return self._pongo_save().action_pongo_fetch_stores()

    def action_pongo_subscribe_webhooks(self):
        return self._pongo_save().action_pongo_subscribe_webhooks()

    def action_pongo_import_customers(self):
        return self._pongo_save().action_pongo_import_customers()

    def action_pongo_probe(self):
        return self._pongo_save().action_pongo_probe()

    def action_pongo_check_rewards(self):
        self._pongo_save()
        return self.pos_config_id.action_pongo_check_rewards()
