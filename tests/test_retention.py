# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bounded tables: sent calls and applied webhook events are deleted after their
company's retention (autovacuum); failed items stay, replays stay refused."""

import inspect
import json
import time
import types
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, HttpCase, TransactionCase, tagged

from odoo.addons.base.models.ir_autovacuum import is_autovacuum
from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .. import const as C
from ..models import pongo_webhook_event as event_module
from ..tools import vacuum as vacuum_tools
from ..tools import webhook as webhook_tools
from .common import PongoEmulatorMixin, seed
from .test_webhook import SECRET, customer, event_body, signed_header

DAY = timedelta(days=1)


def age(env, record, **columns):
    """Set the date columns of ``record`` (values: how long ago, a timedelta)."""
    env.flush_all()
    now = fields.Datetime.now()
    for column, ago in columns.items():
        env.cr.execute(
            f"UPDATE {record._table} SET {column} = %s WHERE id = %s",  # noqa: S608
            [now - ago, record.id],
        )
    env.invalidate_all()


@tagged("post_install", "-at_install")
class TestPongoJobRetention(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.Job = cls.env["pongo.job"].sudo()

    def job(self, state, ago=timedelta(0), company=None, **values):
        """A call in ``state`` that reached it ``ago``."""
        job = self.Job.create(
            {
                "company_id": (company or self.company).id,
                "job_type": "order",
                "payload": "{}",
                "state": state,
                **values,
            }
        )
        if state == "done":
            age(self.env, job, done_at=ago, write_date=ago)
        else:
            age(self.env, job, write_date=ago, next_attempt_at=ago)
        return job

    def vacuum(self):
        return self.Job._gc_pongo_sent_jobs(autocommit=False)

    def test_defaults_are_thirty_days(self):
        company = self.env["res.company"].create({"name": "New Shop"})
        self.assertEqual(company.pongo_job_retention_days, 30)
        self.assertEqual(company.pongo_event_retention_days, 30)

    def test_sent_and_cancelled_calls_go_after_the_retention(self):
        old_sent = self.job("done", 31 * DAY)
        old_cancelled = self.job("cancelled", 31 * DAY)
        recent_sent = self.job("done", 29 * DAY)
        recent_cancelled = self.job("cancelled", 29 * DAY)
        self.assertEqual(self.vacuum(), 2)
        self.assertFalse((old_sent | old_cancelled).exists())
        self.assertEqual(
            (recent_sent | recent_cancelled).exists(), recent_sent | recent_cancelled
        )

    def test_failed_and_pending_calls_stay_until_handled(self):
        failed = self.job("failed", 400 * DAY, attempts=30, last_error="refused")
        pending = self.job("pending", 400 * DAY)
        self.assertEqual(self.vacuum(), 0)
        self.assertEqual((failed | pending).exists(), failed | pending)
        failed.action_cancel()
        age(self.env, failed, write_date=31 * DAY)
        self.assertEqual(self.vacuum(), 1, "cancelled: handled")
        self.assertFalse(failed.exists())

    def test_a_call_another_one_waits_for_stays(self):
        order_call = self.job("cancelled", 60 * DAY)
        refund = self.job("pending", timedelta(0), depends_on_id=order_call.id)
        self.assertEqual(self.vacuum(), 0)
        self.assertEqual(refund.depends_on_id, order_call, "still waiting, not freed")
        self.assertNotIn(refund, self.Job._claim_batch(10), "its order was cancelled")
        refund.action_cancel()
        age(self.env, refund, write_date=31 * DAY)
        self.assertEqual(self.vacuum(), 2)

    def test_each_company_its_own_retention(self):
        other = self.env["res.company"].create(
            {"name": "Long Memory", "pongo_job_retention_days": 90}
        )
        here = self.job("done", 60 * DAY)
        there = self.job("done", 60 * DAY, company=other)
        self.assertEqual(self.vacuum(), 1)
        self.assertFalse(here.exists())
        self.assertTrue(there.exists())
        other.pongo_job_retention_days = 0  # as soon as sent
        just_sent = self.job("done", timedelta(minutes=1), company=other)
        self.assertEqual(self.vacuum(), 2)
        self.assertFalse((there | just_sent).exists())

    def test_batches_and_time_budget(self):
        self.patch(vacuum_tools, "BATCH_SIZE", 2)
        jobs = self.Job.browse([self.job("done", 40 * DAY).id for _n in range(5)])
        deletes = []
        execute = type(self.env.cr).execute

        def counting(cr, query, params=None, log_exceptions=True):
            if str(getattr(query, "code", query)).lstrip().startswith("DELETE"):
                deletes.append(query)
            return execute(cr, query, params, log_exceptions)

        self.patch(type(self.env.cr), "execute", counting)
        self.patch(vacuum_tools, "SECONDS", -1)  # over budget after one batch
        autovacuum = self.env.ref("base.autovacuum_job")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", autovacuum.id)])
        self.assertEqual(self.vacuum(), 2)
        self.assertEqual(len(deletes), 1)
        self.assertEqual(len(jobs.exists()), 3)
        after = self.env["ir.cron.trigger"].search([("cron_id", "=", autovacuum.id)])
        self.assertTrue(after - triggers, "the autovacuum runs again for the rest")
        self.patch(vacuum_tools, "SECONDS", 300)
        self.assertEqual(self.vacuum(), 3)
        self.assertEqual(len(deletes), 3, "two more batches: 2 + 1")
        self.assertFalse(jobs.exists())

    def test_run_by_odoo_autovacuum(self):
        for model, method in (
            ("pongo.job", "_gc_pongo_sent_jobs"),
            ("pongo.webhook.event", "_gc_pongo_applied_events"),
        ):
            cls = self.env.registry[model]
            self.assertIn(method, dict(inspect.getmembers(cls, is_autovacuum)))

    def test_admin_sets_the_days_on_the_settings_page(self):
        # The Pongo block shows once a point of sale is chosen, as all of POS's.
        self.env["pos.config"].create({"name": "Retention Shop"})
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.pongo_job_retention_days, 30)
        settings.pongo_job_retention_days = 7
        settings.pongo_event_retention_days = 90
        settings.save().execute()
        self.assertEqual(self.company.pongo_job_retention_days, 7)
        self.assertEqual(self.company.pongo_event_retention_days, 90)
        with self.assertRaises(ValidationError):
            self.company.pongo_event_retention_days = -1


@tagged("post_install", "-at_install")
class TestPongoEventRetention(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.Event = cls.env["pongo.webhook.event"].sudo()

    def event(self, state, processed_ago, received_ago=None):
        data = {"id": f"evt_{time.time_ns()}", "event": C.EVENT_CUSTOMER_UPDATED}
        event = self.Event._pongo_record(self.company, data, json.dumps(data))
        event.state = state
        age(
            self.env,
            event,
            processed_at=processed_ago,
            received_at=processed_ago if received_ago is None else received_ago,
        )
        return event

    def vacuum(self):
        return self.Event._gc_pongo_applied_events(autocommit=False)

    def test_applied_and_ignored_events_go_after_the_retention(self):
        old = self.event("done", 31 * DAY) | self.event("ignored", 31 * DAY)
        recent = self.event("done", 29 * DAY) | self.event("ignored", 29 * DAY)
        self.assertEqual(self.vacuum(), 2)
        self.assertFalse(old.exists())
        self.assertEqual(recent.exists(), recent)

    def test_events_in_error_or_not_applied_stay(self):
        waiting = self.event("error", 400 * DAY) | self.event("received", 400 * DAY)
        self.assertEqual(self.vacuum(), 0)
        self.assertEqual(waiting.exists(), waiting)

    def test_retention_counts_from_when_the_event_was_applied(self):
        # In error for 40 days, then reprocessed 10 days ago.
        late = self.event("done", 10 * DAY, received_ago=50 * DAY)
        self.assertEqual(self.vacuum(), 0)
        self.assertTrue(late.exists())

    def test_ids_stay_while_a_replay_could_be_signed(self):
        self.company.pongo_event_retention_days = 0  # as soon as it is safe
        window = timedelta(seconds=2 * C.WEBHOOK_TOLERANCE_SECONDS)
        self.assertEqual(event_module.REPLAY_WINDOW, window)
        replayable = self.event("done", window - timedelta(seconds=5))
        past = self.event("done", window + timedelta(seconds=5))
        self.assertEqual(self.vacuum(), 1)
        self.assertFalse(past.exists())
        self.assertTrue(replayable.exists())


@tagged("post_install", "-at_install")
class TestPongoReplayAfterRetention(HttpCase):
    """A delivery replayed over HTTP while its signature is valid is acknowledged
    and not applied again, even with the shortest retention."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.sudo().write(
            {"pongo_webhook_secret": SECRET, "pongo_event_retention_days": 0}
        )
        cls.url = f"/pos_pongo/webhook/{cls.company.id}"
        cls.Event = cls.env["pongo.webhook.event"].sudo()

    def setUp(self):
        super().setUp()
        self.applied = []
        partner_class = type(self.env["res.partner"])
        upsert = partner_class._pongo_upsert_from_customer

        def counting_upsert(partner_model, data, company):
            self.applied.append(data.get("public_id"))
            return upsert(partner_model, data, company)

        self.patch(partner_class, "_pongo_upsert_from_customer", counting_upsert)

    def at(self, moment):
        """The receiver's clock reads ``moment`` (epoch seconds)."""
        self.patch(webhook_tools, "time", types.SimpleNamespace(time=lambda: moment))

    def deliver(self, body, header):
        self.env.flush_all()
        response = self.url_open(
            self.url,
            data=body,
            headers={C.HEADER_SIGNATURE: header, "Content-Type": "application/json"},
        )
        self.env.invalidate_all()
        self.Event._cron_process_events()
        return response.status_code

    def events(self):
        return self.Event.search([("company_id", "=", self.company.id)])

    def test_replay_inside_and_after_the_signature_tolerance(self):
        tolerance = C.WEBHOOK_TOLERANCE_SECONDS
        start = int(time.time())
        self.at(start)
        body = event_body(customer(public_id="cus_replay"), event_id="evt_replay_1")
        # The sender's clock is ahead by almost the tolerance: still accepted.
        header = signed_header(SECRET, body, start + tolerance - 1)
        self.assertEqual(self.deliver(body, header), 200)
        event = self.events()
        self.assertEqual(event.state, "done")
        self.assertEqual(self.applied, ["cus_replay"])

        # Almost two tolerances later the same request still carries a valid
        # signature: the event id is kept, the replay acknowledged, not applied.
        later = timedelta(seconds=2 * tolerance - 3)
        age(self.env, event, received_at=later, processed_at=later)
        self.at(start + later.total_seconds())
        self.assertEqual(self.Event._gc_pongo_applied_events(autocommit=False), 0)
        self.assertEqual(self.deliver(body, header), 200)
        self.assertEqual(self.events(), event)
        self.assertEqual(self.applied, ["cus_replay"])

        # Past that, no replay can be signed: the id goes, and a replay is refused.
        later = timedelta(seconds=2 * tolerance + 3)
        age(self.env, event, received_at=later, processed_at=later)
        self.at(start + later.total_seconds())
        self.assertEqual(self.Event._gc_pongo_applied_events(autocommit=False), 1)
        self.assertFalse(self.events())
        self.assertEqual(self.deliver(body, header), 403)
        self.assertFalse(self.events())
        self.assertEqual(self.applied, ["cus_replay"])


@tagged("post_install", "-at_install")
class TestPongoRefundAfterRetention(PongoEmulatorMixin, TestPoSCommon):
    """An order keeps its Pongo state once its call is deleted, and a refund
    made after that still reverses its points at Pongo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Espresso", cls.categ_basic, 18.5, 10.0)

    def setUp(self):
        super().setUp()
        self.client = self.pongo_map_pos(self.config)
        self.emma = self.pongo_member(seed.PHONE_EMMA, self.config.company_id)
        self.open_new_session()

    def pay(self, quantity, refund_of=None):
        lines = [(self.product, -quantity if refund_of else quantity)]
        data = self.create_ui_order_data(lines, self.emma, is_invoiced=False)
        if refund_of:
            data["lines"][0][2]["refunded_orderline_id"] = refund_of.lines[0].id
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def points(self):
        return self.client.get_customer_by_phone(seed.PHONE_EMMA)[C.F_POINTS]

    def test_refund_after_the_call_was_deleted(self):
        order = self.pay(3)
        self.send_pongo_calls()
        self.assertEqual(self.points(), 500 + int(order.amount_total))
        age(self.env, order.pongo_job_ids, done_at=31 * DAY)
        self.assertEqual(self.env["pongo.job"]._gc_pongo_sent_jobs(autocommit=False), 1)
        self.assertFalse(order.pongo_job_ids)
        self.assertEqual(order.pongo_sync_state, "done", "still shown as sent")
        self.pay(3, refund_of=order)
        refund_call = order.pongo_job_ids
        self.assertEqual(refund_call.job_type, "order_status")
        self.assertFalse(refund_call.depends_on_id)
        self.send_pongo_calls()
        self.assertEqual(refund_call.state, "done")
        self.assertEqual(self.points(), 500, "the points of the order are taken back")
