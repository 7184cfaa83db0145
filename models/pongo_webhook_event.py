# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Log of the webhook events Pongo posts to us, each applied once."""

import json
import logging

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from .. import const as C

_logger = logging.getLogger(__name__)

CUSTOMER_EVENTS = (C.EVENT_CUSTOMER_CREATED, C.EVENT_CUSTOMER_UPDATED)
POS_NOTIFICATION = "PONGO_CUSTOMER_UPDATED"


class PongoWebhookEvent(models.Model):
    _name = "pongo.webhook.event"
    _description = "Pongo Webhook Event"
    _order = "id desc"
    _rec_name = "event_id"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    event_id = fields.Char(string="Pongo Event ID", required=True, readonly=True)
    event_type = fields.Char(readonly=True)
    customer_public_id = fields.Char(string="Pongo Customer ID", readonly=True)
    payload = fields.Text(readonly=True)
    state = fields.Selection(
        [
            ("received", "Received"),
            ("done", "Done"),
            ("ignored", "Ignored"),
            ("error", "Error"),
        ],
        default="received",
        required=True,
        readonly=True,
    )
    error = fields.Text(readonly=True)
    partner_id = fields.Many2one(
        "res.partner", index="btree_not_null", ondelete="set null", readonly=True
    )
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    processed_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "company_event_uniq",
            "unique(company_id, event_id)",
            "A Pongo event is recorded once per company.",
        ),
    ]

    def _pongo_record(self, company, event, raw_text):
        """Store an event; an empty recordset when it was already received.

        One ``INSERT ... ON CONFLICT DO NOTHING``: a duplicated delivery, even a
        concurrent one, neither fails nor logs an SQL error.
        """
        data = event.get(C.F_DATA)
        public_id = data.get(C.F_PUBLIC_ID) if isinstance(data, dict) else None
        if not isinstance(public_id, str) or "\x00" in public_id:
            public_id = None  # a bad id fails in _process, not here
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO pongo_webhook_event (
                    company_id, event_id, event_type, customer_public_id, payload,
                    state, received_at, create_uid, create_date, write_uid, write_date
                )
                VALUES (
                    %(company)s, %(event_id)s, %(event_type)s, %(public_id)s,
                    %(payload)s, 'received', %(now)s, %(uid)s, %(now)s, %(uid)s,
                    %(now)s
                )
                ON CONFLICT (company_id, event_id) DO NOTHING
                RETURNING id
                """,
                company=company.id,
                event_id=str(event[C.F_ID]),
                event_type=str(event[C.F_EVENT]),
                public_id=public_id or None,
                payload=raw_text,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else ())

    def _process(self, event=None):
        """Apply each event in its own savepoint; an error is kept on the event.

        Only a PostgreSQL concurrency error is raised, for Odoo to retry.

        ``event``: the decoded payload of a single record, when the caller has it.
        """
        for record in self:
            values = {"processed_at": fields.Datetime.now(), "error": False}
            try:
                with self.env.cr.savepoint():
                    values.update(
                        record._pongo_apply(event or json.loads(record.payload))
                    )
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise  # transient: Odoo retries the whole request
            except Exception as exc:  # the savepoint has cleared the cache
                _logger.warning(
                    "Pongo webhook event %s not applied: %s",
                    record.id,
                    type(exc).__name__,
                )
                error = str(exc).replace("\x00", "") or type(exc).__name__
                values.update(state="error", error=error)
            record.write(values)
            if record.state == "done" and record.partner_id:
                record._pongo_notify_pos()
        return True

    def _pongo_apply(self, event):
        """Values of the processed event; raises when it cannot be applied."""
        self.ensure_one()
        if self.event_type not in CUSTOMER_EVENTS:
            return {"state": "ignored"}
        customer = event.get(C.F_DATA)
        if not isinstance(customer, dict) or not self.customer_public_id:
            raise UserError(_("The event carries no Pongo customer."))
        partner = (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            ._pongo_upsert_from_customer(customer, self.company_id)
        )
        return {"state": "done", "partner_id": partner.id}

    def _pongo_notify_pos(self):
        """Tell the open POS screens of the company that a customer changed."""
        self.ensure_one()
        sessions = (
            self.env["pos.session"]
            .sudo()
            .search(
                [
                    ("state", "!=", "closed"),
                    ("rescue", "=", False),
                    ("config_id.company_id", "=", self.company_id.id),
                ]
            )
        )
        message = {
            "partner_id": self.partner_id.id,
            "pongo_customer_id": self.customer_public_id,
        }
        for config in sessions.config_id:
            config._notify(POS_NOTIFICATION, message)

    def action_reprocess(self):
        """Apply again the events in error (button of the form)."""
        events = self.filtered(lambda event: event.state == "error")
        if not events:
            raise UserError(_("Only events in error can be processed again."))
        events._process()
        return True
