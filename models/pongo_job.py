# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbox of calls to Pongo, sent after commit by a cron, each exactly once."""

import contextlib
import json
import logging
import random
import threading
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
    PongoConflictError,
    PongoError,
    PongoNotFoundError,
    PongoRateLimitedError,
    PongoUnavailableError,
    PongoValidationError,
)
from ..tools.vacuum import delete_in_batches

_logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MAX_ATTEMPTS = 30
BATCH_SIZE = 20  # jobs claimed, sent and committed together
SEND_THREADS = 8  # concurrent HTTP calls of a batch (the session pools 16)
MAX_CLAIM_CONFLICTS = 100


class PongoJob(models.Model):
    _name = "pongo.job"
    _description = "Pongo Call"
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
            ("reward_unlock", "Unlock reward"),
            ("refund_adjustment", "Adjust a partial refund"),
            ("reward_refused", "Check a refused reward"),
        ],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("manual", "To do at Pongo"),
            ("done", "Done"),
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
    instructions = fields.Text(
        readonly=True,
        help="What a manager does by hand at Pongo (Pongo's API cannot do it).",
    )
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
    def _pongo_ask_manager(self, order, job_type, instructions):
        """A follow-up only a person can do at Pongo, listed in *To do at Pongo* and
        written in the order's chatter."""
        job = self.sudo().create(
            {
                "company_id": order.company_id.id,
                "job_type": job_type,
                "pos_order_id": order.id,
                "state": "manual",
                "instructions": instructions,
            }
        )
        order.sudo().message_post(body=instructions)
        return job

    @api.model
    def _enqueue_unlock(self, company, owned_id, partner=None):
        """Unlock a customer's Pongo reward after commit, retried while Pongo
        cannot be reached (a reward is never left locked by an order that
        dropped it)."""
        return self._enqueue(
            {
                "company_id": company.id,
                "job_type": "reward_unlock",
                "partner_id": partner.id if partner else False,
                "payload": json.dumps({C.F_PUBLIC_ID: owned_id}),
            }
        )

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
    def _cron_send_jobs(self, limit=BATCH_SIZE):
        """Send one batch of due calls; returns how many were tried. The cron's
        runner commits it and runs the next batch while some are due (Odoo's cron
        progress API).

        A batch is claimed with ``FOR UPDATE SKIP LOCKED`` and keeps its row
        locks while Pongo is called, so concurrent workers never send a job
        twice; a job Pongo accepted but Odoo did not commit is sent again, and
        Pongo's 202 for a known order id makes that harmless. Only the HTTP
        calls of a batch run in threads; the ORM stays in this one.
        """
        for _conflict in range(MAX_CLAIM_CONFLICTS):
            try:
                jobs = self._claim_batch(limit)
                break
            except psycopg2.errors.SerializationFailure:
                # Another worker sent some of them after our snapshot: again, with
                # a new snapshot (nothing of this batch is written yet).
                self.env.cr.rollback()
                self.env.invalidate_all()
        else:
            jobs = self.browse()
        tried = jobs._send_batch(_send_pool()) if jobs else 0
        remaining = self._due_count()
        self.env["ir.cron"]._notify_progress(done=tried, remaining=remaining)
        if not remaining:
            self._wake_at_next_attempt()
        return tried

    @api.model
    def _due_count(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT count(*) FROM pongo_job
                WHERE state = 'pending' AND next_attempt_at <= %s""",
            [fields.Datetime.now()],
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _wake_at_next_attempt(self):
        """Run again when the next postponed call is due, not at the next
        five-minute run: retries keep their back-off."""
        self.env.cr.execute(
            "SELECT min(next_attempt_at) FROM pongo_job WHERE state = 'pending'"
        )
        due = self.env.cr.fetchone()[0]
        if due and due > fields.Datetime.now():
            wake(self.env, "pos_pongo.ir_cron_pongo_send_jobs", at=due)

    @api.model
    def _claim_batch(self, size):
        self.env.flush_all()  # the SQL below must see the outcome of the last batch
        self.env.cr.execute(
            """
            SELECT job.id FROM pongo_job job
             WHERE job.state = 'pending' AND job.next_attempt_at <= %s
               AND (job.depends_on_id IS NULL OR EXISTS (
                    SELECT 1 FROM pongo_job dep
                     WHERE dep.id = job.depends_on_id AND dep.state = 'done'))
             ORDER BY job.next_attempt_at, job.id
             LIMIT %s
             FOR UPDATE OF job SKIP LOCKED
            """,
            [fields.Datetime.now(), size],
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _send_batch(self, pool):
        """Send these claimed jobs and record each outcome (no commit here).

        A company's first call goes alone: when Pongo is missing (down, rate
        limiting, refused credentials), the company's other due jobs are postponed
        untried instead of each paying the client's retries (a circuit breaker).
        Returns the jobs tried.
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
            if calls:  # the first call alone: is Pongo there?
                job, call = calls.pop(0)
                outcome = _outcome(call)
                job._record_outcome(outcome)
                tried += 1
                if _pongo_missing(outcome):
                    jobs._pongo_trip(company, outcome, [job for job, _c in calls])
                    calls = []
            outcomes = list(pool.map(_outcome, [call for _job, call in calls]))
            for (job, _call), outcome in zip(calls, outcomes, strict=True):
                job._record_outcome(outcome)
                tried += 1
            if outcomes and all(_pongo_missing(outcome) for outcome in outcomes):
                jobs._pongo_trip(company, outcomes[0], [])
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

    def _pongo_message(self, error):
        """The error as the people reading the outbox read it (no request here)."""
        if isinstance(error, PongoError):
            lang = self.env.lang or self.env.company.partner_id.lang or "en_US"
            return error.message_in(lang)
        return str(error)

    def _pongo_trip(self, company, error, claimed):
        """Pongo is missing for ``company``: postpone its due jobs, untried."""
        delay = self._backoff_delay(1, error)
        values = {
            "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
            "last_error": self._pongo_message(error),
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
        if self.job_type == "order" and self._pongo_drop_refused_rewards(error):
            return
        retryable = isinstance(
            error, PongoUnavailableError | PongoRateLimitedError | PongoAuthError
        )
        retryable = retryable or not isinstance(error, PongoError)
        values = {"attempts": attempts, "last_error": self._pongo_message(error)}
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

    def _pongo_drop_refused_rewards(self, error):
        """Pongo refused the order because of a reward (used elsewhere meanwhile,
        not this customer's): send the order without that reward at once, so the
        purchase earns its points, and tell the managers which reward, by name.
        True when the order goes again."""
        if not isinstance(error, PongoValidationError | PongoConflictError):
            return False
        payload = json.loads(self.payload)
        used = list(payload.get(C.F_REWARD_IDS) or [])
        if not used:
            return False
        words = " ".join(
            [error.message, *(str(key) for key in error.errors)]
            + [
                str(m)
                for ms in error.errors.values()
                for m in (ms if isinstance(ms, list) else [ms])
            ]
        )
        refused = [reward for reward in used if reward in words]
        if not refused and "reward" in words.lower():
            refused = used  # Pongo blames the rewards without saying which
        if not refused:
            return False
        payload[C.F_REWARD_IDS] = [reward for reward in used if reward not in refused]
        for line in payload.get(C.F_LINES) or []:
            for key in (C.F_PUBLIC_REWARD_ID, C.F_LINE_REWARD_ID):
                if line.get(key) in refused:
                    line.pop(key)
        order = self.pos_order_id
        names = order._pongo_reward_names(refused)
        self.write(
            {
                "payload": json.dumps(payload),
                "attempts": self.attempts + 1,
                "next_attempt_at": fields.Datetime.now(),
                "last_error": self._pongo_message(error),
            }
        )
        self._pongo_ask_manager(
            order,
            "reward_refused",
            self.env._(
                "Pongo refused the reward %(rewards)s on order %(order)s (%(reason)s). "
                "The order was sent without it, so the customer earns its points; "
                "the reward was given at the till: check it with the customer at "
                "Pongo.",
                rewards=", ".join(names),
                order=order.pos_reference or order.name,
                reason=self._pongo_message(error),
            ),
        )
        return True

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

    def _prepare_reward_unlock(self, client):
        owned_id = json.loads(self.payload)[C.F_PUBLIC_ID]

        def call():
            # A lock (or a reward) Pongo no longer has is freed already: done.
            with contextlib.suppress(PongoNotFoundError):
                client.unlock_reward(owned_id)
            return {}

        return call

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
        wake(self.env, "pos_pongo.ir_cron_pongo_send_jobs")
        return self.env["res.company"]._pongo_notification(
            _(
                "%(count)s call(s) will be sent to Pongo in a moment.",
                count=len(retryable),
            )
        )

    def action_mark_done(self):
        """A manager did at Pongo what a *To do at Pongo* call asked."""
        todo = self.filtered(lambda job: job.state == "manual")
        if not todo:
            raise UserError(_("Only calls to do at Pongo can be marked as done."))
        todo.write({"state": "done", "done_at": fields.Datetime.now()})
        return True

    def action_cancel(self):
        self.filtered(lambda job: job.state in ("pending", "failed", "manual")).write(
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


_pool = None
_pool_lock = threading.Lock()


def _send_pool():
    """The threads that make the HTTP calls of the batches (no ORM in them)."""
    global _pool  # noqa: PLW0603
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="pongo_job")
        return _pool


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
