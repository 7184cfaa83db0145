# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routes of the self-order screens for Pongo.

Each one first checks the kiosk's or table's access token the way pos_self_order
does (``_verify_pos_config``: unknown token, self-ordering off or no open session
answer 401), then works as that point of sale's self-order user. A ticket opens
only the identification made on the same screen.
"""

from werkzeug.exceptions import Unauthorized

from odoo import http
from odoo.http import request

from odoo.addons.pos_self_order.controllers.orders import PosSelfOrderController

PREFIX = "/pos-self-order/pongo"


class PongoSelfOrderController(PosSelfOrderController):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _pongo_config(self, access_token):
        config = self._verify_pos_config(access_token)
        if not config._pongo_self_active():
            raise Unauthorized("Pongo is not active on this point of sale")
        return config

    def _pongo_counters(self, config):
        """The lookup counters of this screen: the kiosk itself; or, for a phone,
        its browser session and its network address."""
        if config._pongo_self_is_kiosk():
            return [("kiosk", config.id)]
        request.session["pongo_self_order"] = True  # keeps the session (and its id)
        address = request.httprequest.remote_addr or "unknown"
        return [
            ("phone_session", f"{config.id}:{request.session.sid}"),
            ("phone_address", f"{config.id}:{address}"),
        ]

    def _pongo_allowed(self, config):
        Lookup = request.env["pongo.self.order.lookup"]
        if Lookup._pongo_allow(self._pongo_counters(config)):
            return None
        return {
            "status": "limited",
            "message": request.env._(
                "Too many tries on this screen. Please try again in a few minutes, "
                "or ask at the counter."
            ),
        }

    def _pongo_identification(self, access_token, ticket):
        config = self._pongo_config(access_token)
        Identification = request.env["pongo.self.order.identification"]
        return Identification._pongo_find(config, ticket)

    @staticmethod
    def _pongo_forgotten():
        return {
            "status": "forgotten",
            "message": request.env._(
                "This screen has forgotten you. Type your number again to use "
                "your points."
            ),
        }

    # ------------------------------------------------------------------
    # Identify
    # ------------------------------------------------------------------
    @http.route(f"{PREFIX}/identify", auth="public", type="json", website=True)
    def pongo_identify(self, access_token, phone=None, code=None):
        config = self._pongo_config(access_token)
        limited = self._pongo_allowed(config)
        if limited:
            return limited
        Identification = request.env["pongo.self.order.identification"]
        return Identification._pongo_identify(config, phone=phone, code=code)

    @http.route(f"{PREFIX}/join", auth="public", type="json", website=True)
    def pongo_join(
        self, access_token, phone, first_name=None, sms_optin=None, email_optin=None
    ):
        config = self._pongo_config(access_token)
        limited = self._pongo_allowed(config)
        if limited:
            return limited
        Identification = request.env["pongo.self.order.identification"]
        return Identification._pongo_join(
            config, phone, first_name, sms_optin, email_optin
        )

    # ------------------------------------------------------------------
    # Rewards, with the ticket of an identification
    # ------------------------------------------------------------------
    @http.route(f"{PREFIX}/rewards", auth="public", type="json", website=True)
    def pongo_rewards(self, access_token, ticket):
        identification = self._pongo_identification(access_token, ticket)
        if not identification:
            return self._pongo_forgotten()
        return identification._pongo_rewards()

    @http.route(f"{PREFIX}/buy", auth="public", type="json", website=True)
    def pongo_buy(self, access_token, ticket, reward_id):
        identification = self._pongo_identification(access_token, ticket)
        if not identification:
            return self._pongo_forgotten()
        return identification._pongo_buy(reward_id)

    @http.route(f"{PREFIX}/apply", auth="public", type="json", website=True)
    def pongo_apply(self, access_token, ticket, owned_id):
        identification = self._pongo_identification(access_token, ticket)
        if not identification:
            return self._pongo_forgotten()
        return identification._pongo_apply(owned_id)

    @http.route(f"{PREFIX}/remove", auth="public", type="json", website=True)
    def pongo_remove(self, access_token, ticket, owned_id):
        identification = self._pongo_identification(access_token, ticket)
        if not identification:
            return self._pongo_forgotten()
        return identification._pongo_remove(owned_id)

    @http.route(f"{PREFIX}/forget", auth="public", type="json", website=True)
    def pongo_forget(self, access_token, ticket):
        identification = self._pongo_identification(access_token, ticket)
        identification._pongo_forget()
        return {"status": "ok"}

    # ------------------------------------------------------------------
    # Orders sent by the screens
    # ------------------------------------------------------------------
    @http.route()
    def process_order_args(
        self, order, access_token, table_identifier, device_type, **kwargs
    ):
        """The order's customer and rewards come from the identification of the
        ticket the screen sends along, never from the browser."""
        ticket = order.pop("pongo_ticket", None) if isinstance(order, dict) else None
        config = self._verify_pos_config(access_token)
        Identification = request.env["pongo.self.order.identification"]
        identification = Identification.browse()
        if ticket and config._pongo_self_active():
            identification = Identification._pongo_find(config, ticket)
        Identification._pongo_clean_order_values(identification, order)
        request.update_context(pongo_self_identification_id=identification.id)
        return super().process_order_args(
            order, access_token, table_identifier, device_type, **kwargs
        )

    def _verify_line_price(self, lines, pos_config, takeaway=False):
        result = super()._verify_line_price(lines, pos_config, takeaway=takeaway)
        identification_id = request.env.context.get("pongo_self_identification_id")
        orders = lines.order_id.sudo()
        if identification_id:
            identification = (
                request.env["pongo.self.order.identification"]
                .sudo()
                .browse(identification_id)
            )
            identification._pongo_attach(orders[:1])
        orders._pongo_self_price_rewards()
        return result
