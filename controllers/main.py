# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receiver of the events Pongo posts (``customer.created``, ``customer.updated``)."""

import json
import logging

from odoo import http
from odoo.http import request

from .. import const as C
from ..tools.cron import wake
from ..tools.webhook import verify_signature

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_ID_LENGTH = 255
MAX_PG_INTEGER = 2**31 - 1


def _is_db_text(value):
    """A short non-empty string PostgreSQL can store (no NUL character)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and "\x00" not in value
    )


class PongoWebhookController(http.Controller):
    _webhook_path = "/pos_pongo/webhook/{company_id}"

    @http.route(
        "/pos_pongo/webhook/<int:company_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY_BYTES,  # also bounds form parsing by werkzeug
    )
    def pongo_webhook(self, company_id, **_kwargs):
        """Check and record one event, applied later by a cron; always answers
        quickly, never 5xx.

        A duplicated delivery (same Pongo event id) is acknowledged and skipped.
        A processing error is recorded on the event: the admin reprocesses it,
        Pongo does not retry it forever.
        """
        raw_body = self._pongo_read_body()
        if raw_body is None:
            return self._answer(413, "payload too large")
        company, refusal = self._pongo_authenticate(company_id, raw_body)
        if refusal:
            return self._answer(*refusal)

        text, event = self._pongo_parse(raw_body)
        if event is None:
            return self._answer(400, "malformed event")

        events = request.env["pongo.webhook.event"].sudo().with_company(company)
        if events._pongo_record(company, event, text):
            # Applied after the answer, in order, by the cron.
            wake(request.env, "pos_pongo.ir_cron_pongo_webhook_events")
        return self._answer(200, "ok")

    @staticmethod
    def _pongo_read_body():
        """The raw body, or None when it is over the limit."""
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return None
        # A chunked body has no Content-Length: check what was read too.
        raw_body = httprequest.get_data()
        return raw_body if len(raw_body) <= MAX_BODY_BYTES else None

    def _pongo_authenticate(self, company_id, raw_body):
        """``(company, None)`` for a signed body, else ``(None, (status, message))``.

        Nothing is parsed before the signature is checked; the logs carry
        neither the secret nor the body.
        """
        company = self._pongo_company(company_id)
        secret = company.pongo_webhook_secret
        if not secret:
            _logger.warning(
                "Pongo webhook refused: no receiver for company %s", company_id
            )
            return None, (403, "forbidden")
        header = request.httprequest.headers.get(C.HEADER_SIGNATURE)
        if not header:
            _logger.warning(
                "Pongo webhook refused: no signature (company %s)", company_id
            )
            return None, (401, "signature required")
        if not verify_signature(secret, raw_body, header):
            _logger.warning(
                "Pongo webhook refused: invalid or stale signature (company %s)",
                company_id,
            )
            return None, (403, "forbidden")
        return company, None

    @staticmethod
    def _pongo_company(company_id):
        """The company (sudo) with its webhook secret read alone: one query."""
        companies = request.env["res.company"].sudo()
        if not 0 < company_id <= MAX_PG_INTEGER:
            return companies
        return companies.search_fetch(
            [("id", "=", company_id)], ["pongo_webhook_secret"]
        )

    @staticmethod
    def _pongo_parse(raw_body):
        """``(text, event)`` of a UTF-8 JSON event; event is None when unusable."""
        try:
            text = raw_body.decode()
            event = json.loads(text)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return None, None
        if not isinstance(event, dict):
            return text, None
        event_id, event_type = event.get(C.F_ID), event.get(C.F_EVENT)
        if isinstance(event_id, int) and not isinstance(event_id, bool):
            event_id = event[C.F_ID] = str(event_id)
        if not (_is_db_text(event_id) and _is_db_text(event_type)):
            return text, None
        return text, event

    @staticmethod
    def _answer(status, message):
        return request.make_json_response({"status": message}, status=status)
