# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.res_company import OAUTH_CALLBACK_PATH
from ..tools.pongo_client import PongoError

_logger = logging.getLogger(__name__)


class PongoOAuthController(http.Controller):
    @http.route(OAUTH_CALLBACK_PATH, type="http", auth="user", methods=["GET"])
    def pongo_oauth_callback(self, code=None, state=None, **kwargs):
        """Pongo sends the admin back here with the code; the server swaps it
        for the token, which never reaches the browser."""
        if not request.env.user.has_group("base.group_system") or not state:
            raise Forbidden()
        company = (
            request.env["res.company"]
            .sudo()
            .search([("pongo_oauth_state", "=", state)], limit=1)
        )
        if not company or not code:
            _logger.warning("Pongo OAuth callback with an unknown state or no code")
            raise Forbidden()
        try:
            company._pongo_finish_oauth(code)
            error = False
        except (PongoError, UserError) as exc:
            _logger.info("Pongo OAuth exchange failed: %s", exc)
            error = exc.message if isinstance(exc, PongoError) else exc.args[0]
        # A page that says what happened and what to do next.
        return request.render(
            "pos_pongo.oauth_result",
            {
                "company": company,
                "merchant": company.pongo_merchant_name,
                "error": error,
                "unmapped": request.env["pos.config"].search_count(
                    [("company_id", "=", company.id), ("pongo_store_id", "=", False)]
                ),
                "settings_url": "/odoo/action-point_of_sale.action_pos_configuration",
            },
        )
