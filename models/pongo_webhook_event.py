# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Log of the webhook events Pongo posts to us, each applied once."""

import json
import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, frozendict
from odoo.tools.sql import create_index

from .. import const as C
from ..tools.vacuum import delete_in_batches

_logger = logging.getLogger(__name__)

CUSTOMER_EVENTS = (C.EVENT_CUSTOMER_CREATED, C.EVENT_CUSTOMER_UPDATED)
POS_NOTIFICATION = "PONGO_CUSTOMER_UPDATED"
BATCH_SIZE = 100  # events applied per transaction
# In the cron, a short batch waits this long for more of a burst: fewer, bigger
# batches (each costs a cron round: progress row, commits, bus notice).
GATHER_SECONDS = 0.25
MAX_RETRIES = 5
# What _pongo_write_changes and res.partner.write read of each partner
PREFETCHED_FIELDS = ["pongo_customer_id", "pongo_phone", "pongo_points", "name"]
PREFETCHED_FIELDS += ["email", "user_ids", "child_ids"]
PREFETCHED_FIELDS += ["pongo_sms_optin", "pongo_email_optin"]
# A delivery signed up to the tolerance ahead of our clock can be replayed up to
# the tolerance after that: its id is kept at least this long after receipt.
REPLAY_WINDOW = timedelta(seconds=2 * C.WEBHOOK_TOLERANCE_SECONDS)


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

    @api.model
    def _cron_process_events(self):
        """Apply one batch of received events, oldest first (so in order per
        customer); returns how many were applied. The cron's runner commits it
        and runs the next batch while some remain (Odoo's cron progress API).

        The webhook request only records an event and wakes this cron, whose
        runs never overlap: each event is applied once.
        """
        if self.env.context.get("cron_id"):
            self._gather_burst()
        for retry in range(MAX_RETRIES + 1):
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT id FROM pongo_webhook_event WHERE state = 'received'
                 ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                """,
                [BATCH_SIZE],
            )
            events = self.browse(row[0] for row in self.env.cr.fetchall())
            try:
                events._process()
                break
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # A partner changed meanwhile (a cashier): the batch again, with a
                # new snapshot (nothing of it is written yet).
                if retry == MAX_RETRIES:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
        self.env.cr.execute(
            "SELECT count(*) FROM pongo_webhook_event WHERE state = 'received'"
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(events), remaining=remaining)
        return len(events)

    @api.model
    def _gather_burst(self):
        """Wait a little while fewer events than a batch are waiting: more of a
        burst may be on its way (a lone event waits that long, unseen)."""
        self.env.cr.execute(
            "SELECT count(*) FROM pongo_webhook_event WHERE state = 'received'"
        )
        if 0 < self.env.cr.fetchone()[0] < BATCH_SIZE:
            self.env.cr.rollback()  # nothing written yet; a new snapshot after
            time.sleep(GATHER_SECONDS)

    def _process(self):
        """Apply the events in order; an error is kept on its event.

        All in one savepoint first (one flush for the batch); when one fails,
        again one savepoint per event. Only a PostgreSQL concurrency error is
        raised, for the caller to retry. The open POS screens hear once of each
        changed customer.
        """
        events = self.with_context(pongo_known_partners=self._pongo_prefetch_partners())
        try:
            with self.env.cr.savepoint():
                for record in events:
                    record._pongo_apply_and_log(raise_errors=True)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:  # each event again, alone
            for record in events:
                record._pongo_apply_and_log(raise_errors=False)
        changed = {}
        for record in self.filtered(lambda event: event.state == "done"):
            if record.partner_id:
                changed.setdefault(record.company_id, {})[record.partner_id.id] = (
                    record.customer_public_id
                )
        for company, partners in changed.items():
            self._pongo_notify_pos(company, partners)
        return True

    def _pongo_prefetch_partners(self):
        """Find and read the batch's known partners in one query per company,
        not one per event; ``(company id, Pongo id) -> partner id``."""
        known = {}
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        for company, events in self.grouped("company_id").items():
            public_ids = [pid for pid in events.mapped("customer_public_id") if pid]
            for partner in Partner.search_fetch(
                [
                    ("pongo_customer_id", "in", public_ids),
                    ("company_id", "in", [company.id, False]),
                ],
                PREFETCHED_FIELDS,
            ):
                known.setdefault((company.id, partner.pongo_customer_id), partner.id)
        return frozendict(known)

    def _pongo_apply_and_log(self, raise_errors):
        self.ensure_one()
        values = {"processed_at": fields.Datetime.now(), "error": False}
        try:
            if raise_errors:
                values.update(self._pongo_apply(json.loads(self.payload)))
            else:
                with self.env.cr.savepoint():
                    values.update(self._pongo_apply(json.loads(self.payload)))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as exc:  # the savepoint has cleared the cache
            if raise_errors:
                raise
            _logger.warning(
                "Pongo webhook event %s not applied: %s", self.id, type(exc).__name__
            )
            error = str(exc).replace("\x00", "") or type(exc).__name__
            values.update(state="error", error=error)
        self.write(values)

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
            .with_context(
                tracking_disable=True,  # the event log is the history
                pongo_consent_source="pongo_webhook",
            )
            ._pongo_upsert_from_customer(customer, self.company_id)
        )
        return {"state": "done", "partner_id": partner.id}

    @api.model
    def _pongo_notify_pos(self, company, partners):
        """Tell the open POS screens of ``company`` that these customers changed
        (``partners``: partner id -> Pongo customer id)."""
        sessions = (
            self.env["pos.session"]
            .sudo()
            .search(
                [
                    ("state", "!=", "closed"),
                    ("rescue", "=", False),
                    ("config_id.company_id", "=", company.id),
                ]
            )
        )
        for config in sessions.config_id:
            for partner_id, public_id in partners.items():
                message = {"partner_id": partner_id, "pongo_customer_id": public_id}
                config._notify(POS_NOTIFICATION, message)

    def action_reprocess(self):
        """Apply again the events in error (button of the form)."""
        events = self.filtered(lambda event: event.state == "error")
        if not events:
            raise UserError(_("Only events in error can be processed again."))
        events._process()
        return True

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    def init(self):
        # The events to apply, found without walking the applied ones.
        create_index(
            self.env.cr,
            "pongo_webhook_event_received_index",
            self._table,
            ["id"],
            where="state = 'received'",
        )

    @api.autovacuum
    def _gc_pongo_applied_events(self, autocommit=True):
        """Delete the applied and ignored events older than their company's
        retention; returns how many. Events in error or not applied yet stay,
        and an event id stays as long as a replay of its delivery could carry a
        valid signature (a replay is then acknowledged, not applied again)."""
        now = fields.Datetime.now()

        def select(after, limit):
            return SQL(
                """
                SELECT event.id FROM pongo_webhook_event event
                  JOIN res_company company ON company.id = event.company_id
                 WHERE event.id > %(after)s AND event.state IN ('done', 'ignored')
                   AND COALESCE(event.processed_at, event.received_at) < %(now)s
                       - make_interval(days => company.pongo_event_retention_days)
                   AND event.received_at < %(replayable_since)s
                 ORDER BY event.id LIMIT %(limit)s
                """,
                after=after,
                now=now,
                replayable_since=now - REPLAY_WINDOW,
                limit=limit,
            )

        return delete_in_batches(self, select, autocommit)
