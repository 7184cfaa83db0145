# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbox of calls to Pongo, sent after commit by a cron, each exactly once."""

import json
import logging
import random
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const as C
from ..tools.pongo_client import (
    PongoAuthError,
    PongoError,
    PongoRateLimitedError,
    PongoUnavailableError,
)

_logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MAX_ATTEMPTS = 30
BATCH_SECONDS = 50  # a cron run stops claiming new jobs after this long
MAX_CLAIM_CONFLICTS = 100


class PongoJob(models.Model):
    _name = "pongo.job"
    _description = "Pongo Outbound Call"
    _order = "id desc"
    _rec_name = "display_name"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    job_type = fields.Selection(
        [
            ("order", "Send order"),
            ("order_status", "Update order status"),
            ("customer_update", "Update customer"),
        ],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("done", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        index=True,
        readonly=True,
    )
    pos_order_id = fields.Many2one("pos.order", index="btree_not_null", readonly=True)
    partner_id = fields.Many2one("res.partner", index="btree_not_null", readonly=True)
    depends_on_id = fields.Many2one(
        "pongo.job",
        readonly=True,
        help="Sent only once this job is sent (a refund after its order).",
    )
    payload = fields.Text(readonly=True)
    response = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(
        default=fields.Datetime.now, required=True, index=True, readonly=True
    )
    last_error = fields.Text(readonly=True)
    done_at = fields.Datetime(readonly=True)

    @api.depends("job_type", "pos_order_id", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["job_type"].selection)
        for job in self:
            target = job.pos_order_id or job.partner_id
            job.display_name = f"{labels.get(job.job_type)} {target.display_name or ''}"

    # ------------------------------------------------------------------
    # Enqueueing (in the caller's transaction)
    # ------------------------------------------------------------------
    def _enqueue(self, values):
        job = self.sudo().create(values)
        self.env.ref("pos_pongo.ir_cron_pongo_send_jobs").sudo()._trigger()
        return job

    @api.model
    def _enqueue_customer_update(self, partner, company):
        pending = self.sudo().search(
            [
                ("job_type", "=", "customer_update"),
                ("partner_id", "=", partner.id),
                ("state", "=", "pending"),
                ("attempts", "=", 0),
            ],
            limit=1,
        )
        if pending:
            return pending  # its payload is built when sent: it carries this change too
        return self._enqueue(
            {
                "company_id": company.id,
                "job_type": "customer_update",
                "partner_id": partner.id,
            }
        )

    # ------------------------------------------------------------------
    # Sending (cron)
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_jobs(self, limit=None, autocommit=True):
        """Send due jobs one by one, each in its own transaction.

        A job is claimed with ``FOR UPDATE SKIP LOCKED`` and keeps its row lock
        while Pongo is called, so concurrent workers never send it twice; a job
        Pongo accepted but Odoo did not commit is sent again, and Pongo's 202 for
        a known order id makes that harmless.
        """
        deadline = fields.Datetime.now() + timedelta(seconds=BATCH_SECONDS)
        sent = conflicts = 0
        while limit is None or sent < limit:
            if fields.Datetime.now() > deadline:
                self.env.ref("pos_pongo.ir_cron_pongo_send_jobs")._trigger()
                break
            try:
                job = self._claim_next()
            except psycopg2.errors.SerializationFailure:
                # Another worker sent that job after our snapshot: take another.
                if not autocommit or conflicts >= MAX_CLAIM_CONFLICTS:
                    raise
                conflicts += 1
                self.env.cr.rollback()
                self.env.invalidate_all()
                continue
            if not job:
                break
            job._send()
            sent += 1
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return sent

    @api.model
    def _claim_next(self):
        self.env.flush_all()  # the SQL below must see the outcome of the last job
        self.env.cr.execute(
            """
            SELECT job.id FROM pongo_job job
             WHERE job.state = 'pending' AND job.next_attempt_at <= %s
               AND (job.depends_on_id IS NULL OR EXISTS (
                    SELECT 1 FROM pongo_job dep
                     WHERE dep.id = job.depends_on_id AND dep.state = 'done'))
             ORDER BY job.next_attempt_at, job.id
             LIMIT 1
             FOR UPDATE OF job SKIP LOCKED
            """,
            [fields.Datetime.now()],
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _send(self):
        """Call Pongo for this job and record the outcome (no commit here)."""
        self.ensure_one()
        company = self.company_id
        try:
            if not company._pongo_is_connected():
                raise PongoAuthError()
            client = company._pongo_get_client()
            response = getattr(self, f"_send_{self.job_type}")(client)
        except PongoError as error:
            self._record_failure(error)
            return False
        except Exception as error:  # a bug must not block the queue
            _logger.exception("Pongo job %s crashed", self.id)
            self._record_failure(error)
            return False
        self.write(
            {
                "state": "done",
                "done_at": fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "last_error": False,
                "response": json.dumps(response or {}),
            }
        )
        self._after_done(response or {})
        return True

    def _record_failure(self, error):
        attempts = self.attempts + 1
        retryable = isinstance(
            error, PongoUnavailableError | PongoRateLimitedError | PongoAuthError
        )
        retryable = retryable or not isinstance(error, PongoError)
        values = {"attempts": attempts, "last_error": str(error)}
        if retryable and attempts < MAX_ATTEMPTS:
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
            delay = delay * (0.8 + 0.4 * random.random())  # noqa: S311 - jitter only
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                delay = max(delay, retry_after)
            values["next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
        else:
            values["state"] = "failed"
        _logger.info(
            "Pongo job %s (%s) attempt %s failed: %s",
            self.id,
            self.job_type,
            attempts,
            error,
        )
        self.write(values)

    def _after_done(self, response):
        if self.pos_order_id:
            self.pos_order_id._pongo_after_job_done(self, response)

    # -- one method per job type -------------------------------------------
    def _send_order(self, client):
        body, already = client.create_order(json.loads(self.payload))
        return {**body, "already_processed": already}

    def _send_order_status(self, client):
        values = json.loads(self.payload)
        return client.update_order_status(
            values[C.F_ORDER_ID], values[C.F_STATUS], values[C.F_LOYALTY_STORE_SLUG]
        )

    def _send_customer_update(self, client):
        partner = self.partner_id
        payload = partner._pongo_customer_payload()
        self.payload = json.dumps(payload)
        return client.update_customer(partner.pongo_customer_id, payload)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Send again now (failed jobs included)."""
        retryable = self.filtered(lambda job: job.state in ("pending", "failed"))
        if not retryable:
            raise UserError(_("Only pending or failed calls can be retried."))
        retryable.write({"state": "pending", "next_attempt_at": fields.Datetime.now()})
        self.env.ref("pos_pongo.ir_cron_pongo_send_jobs").sudo()._trigger()
        return True

    def action_cancel(self):
        self.filtered(lambda job: job.state in ("pending", "failed")).write(
            {"state": "cancelled"}
        )
        return True
