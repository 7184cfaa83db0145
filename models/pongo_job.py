# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbox of calls to Pongo, sent after commit by a cron, each exactly once."""

import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import const as C
from ..tools.cron import wake
from ..tools.pongo_client import (
    PongoAuthError,
    PongoError,
    PongoRateLimitedError,
    PongoUnavailableError,
)
from ..tools.vacuum import delete_in_batches

_logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MAX_ATTEMPTS = 30
BATCH_SECONDS = 50  # a cron run stops claiming new jobs after this long
BATCH_SIZE = 20  # jobs claimed, sent and committed together
SEND_THREADS = 8  # concurrent HTTP calls of a batch (the session pools 16)
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
        index="btree_not_null",  # deleting a job looks for the jobs waiting on it
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
        wake(self.env, "pos_pongo.ir_cron_pongo_send_jobs")
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
        """Send due jobs in batches, one transaction per batch; returns how many
        jobs were tried.

        A batch is claimed with ``FOR UPDATE SKIP LOCKED`` and keeps its row
        locks while Pongo is called, so concurrent workers never send a job
        twice; a job Pongo accepted but Odoo did not commit is sent again, and
        Pongo's 202 for a known order id makes that harmless. Only the HTTP
        calls of a batch run in threads; the ORM stays in this one.
        """
        deadline = fields.Datetime.now() + timedelta(seconds=BATCH_SECONDS)
        sent = conflicts = 0
        run = {"down": set(), "reachable": set()}  # company ids, for this run
        with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="pongo_job") as pool:
            while limit is None or sent < limit:
                if fields.Datetime.now() > deadline:
                    self.env.ref("pos_pongo.ir_cron_pongo_send_jobs")._trigger()
                    break
                size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - sent)
                try:
                    jobs = self._claim_batch(size, run["down"])
                except psycopg2.errors.SerializationFailure:
                    # Another worker sent some of them after our snapshot: again.
                    if not autocommit or conflicts >= MAX_CLAIM_CONFLICTS:
                        raise
                    conflicts += 1
                    self.env.cr.rollback()
                    self.env.invalidate_all()
                    continue
                if not jobs:
                    break
                sent += jobs._send_batch(pool, run)
                if autocommit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        return sent

    @api.model
    def _claim_batch(self, size, skip_company_ids=()):
        self.env.flush_all()  # the SQL below must see the outcome of the last batch
        self.env.cr.execute(
            """
            SELECT job.id FROM pongo_job job
             WHERE job.state = 'pending' AND job.next_attempt_at <= %s
               AND job.company_id != ALL(%s)
               AND (job.depends_on_id IS NULL OR EXISTS (
                    SELECT 1 FROM pongo_job dep
                     WHERE dep.id = job.depends_on_id AND dep.state = 'done'))
             ORDER BY job.next_attempt_at, job.id
             LIMIT %s
             FOR UPDATE OF job SKIP LOCKED
            """,
            [fields.Datetime.now(), list(skip_company_ids), size],
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _send_batch(self, pool, run):
        """Send these claimed jobs and record each outcome (no commit here).

        While a company is not known reachable in this run, its first call goes
        alone: when Pongo is missing (down, rate limiting, refused credentials),
        the company's other due jobs are postponed untried instead of each
        paying the client's retries (a circuit breaker). Returns the jobs tried.
        """
        tried = 0
        for company, jobs in self.grouped("company_id").items():
            client, tokens = jobs._batch_client(company)
            calls = []
            for job in jobs:
                try:
                    if client is None:
                        raise PongoAuthError()
                    calls.append((job, job._prepare_call(client)))
                except Exception as error:  # recorded on the job
                    job._record_outcome(error)
                    tried += 1
            if calls and company.id not in run["reachable"]:
                job, call = calls.pop(0)
                outcomes = [_outcome(call)]
                job._record_outcome(outcomes[0])
                tried += 1
                if _pongo_missing(outcomes[0]):
                    jobs._pongo_trip(company, outcomes[0], [job for job, _c in calls])
                    run["down"].add(company.id)
                    calls = []
                else:
                    run["reachable"].add(company.id)
            outcomes = list(pool.map(_outcome, [call for _job, call in calls]))
            for (job, _call), outcome in zip(calls, outcomes, strict=True):
                job._record_outcome(outcome)
                tried += 1
            if outcomes and all(_pongo_missing(outcome) for outcome in outcomes):
                jobs._pongo_trip(company, outcomes[0], [])
                run["down"].add(company.id)
            if tokens:  # refreshed in a thread: saved here, in the ORM's thread
                company._pongo_save_token_now(tokens[-1])
        return tried

    @api.model
    def _batch_client(self, company):
        """``(client, refreshed tokens)``; client is None when not connected."""
        if not company._pongo_is_connected():
            return None, []
        client = company._pongo_get_client()
        tokens = []
        client.on_token_refreshed = tokens.append
        return client, tokens

    def _prepare_call(self, client):
        """A function making this job's HTTP call: it touches no ORM."""
        self.ensure_one()
        return getattr(self, f"_prepare_{self.job_type}")(client)

    def _record_outcome(self, outcome):
        """Record the answer (a dict) or the error of this job's call."""
        self.ensure_one()
        if isinstance(outcome, Exception):
            if not isinstance(outcome, PongoError):  # a bug must not block the queue
                _logger.error("Pongo job %s crashed", self.id, exc_info=outcome)
            self._record_failure(outcome)
            return False
        self.write(
            {
                "state": "done",
                "done_at": fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "last_error": False,
                "response": json.dumps(outcome or {}),
            }
        )
        if self.pos_order_id:
            try:
                with self.env.cr.savepoint():
                    self._after_done(outcome or {})
            except Exception:
                _logger.exception("Pongo job %s: answer not applied", self.id)
        return True

    def _pongo_trip(self, company, error, claimed):
        """Pongo is missing for ``company``: postpone its due jobs, untried."""
        delay = self._backoff_delay(1, error)
        values = {
            "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
            "last_error": str(error),
        }
        _logger.info(
            "Pongo unreachable for company %s: its calls wait %.0f s", company.id, delay
        )
        postponed = self.browse([job.id for job in claimed])
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    """
                    SELECT id FROM pongo_job
                     WHERE company_id = %s AND state = 'pending'
                       AND next_attempt_at <= %s
                     FOR UPDATE SKIP LOCKED
                    """,
                    [company.id, fields.Datetime.now()],
                )
                postponed |= self.browse(row[0] for row in self.env.cr.fetchall())
                postponed.write(values)
        except psycopg2.errors.SerializationFailure:
            # Others changed some meanwhile: postpone only what this batch holds.
            self.browse([job.id for job in claimed]).write(values)

    @staticmethod
    def _backoff_delay(attempts, error):
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
        delay = delay * (0.8 + 0.4 * random.random())  # noqa: S311 - jitter only
        return max(delay, getattr(error, "retry_after", None) or 0)

    def _record_failure(self, error):
        attempts = self.attempts + 1
        retryable = isinstance(
            error, PongoUnavailableError | PongoRateLimitedError | PongoAuthError
        )
        retryable = retryable or not isinstance(error, PongoError)
        values = {"attempts": attempts, "last_error": str(error)}
        if retryable and attempts < MAX_ATTEMPTS:
            delay = self._backoff_delay(attempts, error)
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

    # -- one method per job type: the HTTP call, prepared here ---------------
    def _prepare_order(self, client):
        payload = json.loads(self.payload)

        def call():
            body, already = client.create_order(payload)
            return {**body, "already_processed": already}

        return call

    def _prepare_order_status(self, client):
        values = json.loads(self.payload)
        order_id, status = values[C.F_ORDER_ID], values[C.F_STATUS]
        store = values[C.F_LOYALTY_STORE_SLUG]
        return lambda: client.update_order_status(order_id, status, store)

    def _prepare_customer_update(self, client):
        partner = self.partner_id
        payload = partner._pongo_customer_payload()
        self.payload = json.dumps(payload)
        public_id = partner.pongo_customer_id
        return lambda: client.update_customer(public_id, payload)

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

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.autovacuum
    def _gc_pongo_sent_jobs(self, autocommit=True):
        """Delete the sent and cancelled calls older than their company's
        retention; returns how many. Pending and failed calls stay, and so does a
        call that one of them waits for. Plain SQL: the ORM would recompute the
        orders' Pongo state (an order keeps "Sent" once its call is gone)."""
        now = fields.Datetime.now()

        def select(after, limit):
            return SQL(
                """
                SELECT job.id FROM pongo_job job
                  JOIN res_company company ON company.id = job.company_id
                 WHERE job.id > %(after)s AND job.state IN ('done', 'cancelled')
                   AND COALESCE(job.done_at, job.write_date) < %(now)s
                       - make_interval(days => company.pongo_job_retention_days)
                   AND NOT EXISTS (
                       SELECT 1 FROM pongo_job waiting
                        WHERE waiting.depends_on_id = job.id
                          AND waiting.state IN ('pending', 'failed'))
                 ORDER BY job.id LIMIT %(limit)s
                """,
                after=after,
                now=now,
                limit=limit,
            )

        return delete_in_batches(self, select, autocommit)


def _outcome(call):
    """The answer of ``call()``, or the exception it raised (run in a thread)."""
    try:
        return call()
    except Exception as error:  # handed back to the ORM thread
        return error


def _pongo_missing(outcome):
    """Pongo cannot take calls now: down, rate limiting or refusing the token."""
    return isinstance(
        outcome, PongoUnavailableError | PongoRateLimitedError | PongoAuthError
    )
