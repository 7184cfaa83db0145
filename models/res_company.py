# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const as C
from ..tools.pongo_client import PongoClient

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    pongo_environment = fields.Selection(
        selection=[
            (C.ENV_SANDBOX, "Sandbox"),
            (C.ENV_PRODUCTION, "Production"),
            (C.ENV_CUSTOM, "Custom URL"),
        ],
        default=C.ENV_SANDBOX,
        required=True,
        groups="base.group_system",
    )
    pongo_custom_url = fields.Char(
        string="Pongo API URL",
        help="Base URL of a Pongo-compatible API, e.g. the local emulator.",
        groups="base.group_system",
    )
    pongo_client_id = fields.Char(string="Pongo Client ID", groups="base.group_system")
    pongo_client_secret = fields.Char(groups="base.group_system", copy=False)
    pongo_access_token = fields.Char(groups="base.group_system", copy=False)
    pongo_refresh_token = fields.Char(groups="base.group_system", copy=False)
    pongo_token_expires_at = fields.Datetime(
        string="Pongo Token Expiry", groups="base.group_system", copy=False
    )
    pongo_merchant_name = fields.Char(
        string="Pongo Merchant", readonly=True, copy=False
    )

    def _pongo_base_url(self):
        self.ensure_one()
        company = self.sudo()
        if company.pongo_environment == C.ENV_CUSTOM:
            return (company.pongo_custom_url or "").rstrip("/")
        return C.BASE_URLS.get(company.pongo_environment, "")

    def _pongo_is_connected(self):
        self.ensure_one()
        return bool(self.sudo().pongo_access_token and self._pongo_base_url())

    def _pongo_get_client(self):
        """A client with this company's credentials; a refreshed token is saved
        at once in its own transaction so a later rollback cannot lose it."""
        self.ensure_one()
        company = self.sudo()
        return PongoClient(
            self._pongo_base_url(),
            company.pongo_access_token,
            client_id=company.pongo_client_id,
            client_secret=company.pongo_client_secret,
            refresh_token=company.pongo_refresh_token,
            on_token_refreshed=self._pongo_save_token_now,
        )

    def _pongo_token_values(self, token):
        values = {
            "pongo_access_token": token.get(C.TOKEN_ACCESS_TOKEN),
            "pongo_token_expires_at": False,
        }
        if token.get(C.TOKEN_REFRESH_TOKEN):
            values["pongo_refresh_token"] = token[C.TOKEN_REFRESH_TOKEN]
        expires_in = token.get(C.TOKEN_EXPIRES_IN)
        if isinstance(expires_in, int) and expires_in > 0:
            values["pongo_token_expires_at"] = fields.Datetime.add(
                fields.Datetime.now(), seconds=expires_in
            )
        return values

    def _pongo_save_token_now(self, token):
        values = self._pongo_token_values(token)
        with self.env.registry.cursor() as cr:
            self.with_env(self.env(cr=cr)).sudo().write(values)
        self.sudo().write(values)
        _logger.info("Pongo token refreshed for company %s", self.id)

    def action_pongo_test_connection(self):
        """Ask Pongo who we are; shows the merchant name or a clear error."""
        self.ensure_one()
        if not self._pongo_is_connected():
            raise UserError(_("This company is not connected to Pongo yet."))
        from ..tools.pongo_client import PongoError

        try:
            info = self._pongo_get_client().get_user_info() or {}
        except PongoError as exc:
            raise UserError(
                _("Pongo connection failed: %(error)s", error=exc.message)
            ) from None
        merchant = (info.get("merchant") or {}).get(C.F_NAME) or info.get(C.F_NAME)
        self.sudo().pongo_merchant_name = merchant
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Connected to Pongo as %(merchant)s.", merchant=merchant),
                "sticky": False,
            },
        }
