# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Paid POS orders reach Pongo exactly once, through the outbox and its cron."""

import json
import shutil
import tempfile
from datetime import timedelta

from odoo import api, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .. import const as C
from ..models import pongo_job as pongo_job_module
from ..models.res_company import SECRET_FIELDS
from ..tools import cron as cron_tools
from .common import PongoEmulatorMixin, odoo_script_process, seed

PHONE_EMMA = seed.PHONE_EMMA  # 500 points, owns a voucher with a coupon code
PHONE_JEANNE = seed.PHONE_JEANNE  # 0 points
JOB_LOGGER = "odoo.addons.pos_pongo.models.pongo_job"


@tagged("post_install", "-at_install")
class TestPongoOrderSync(PongoEmulatorMixin, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Espresso", cls.categ_basic, 18.5, 10.0)
        cls.product.default_code = "CAFE-ESPRESSO"

    def setUp(self):
        super().setUp()
        company = self.config.company_id
        self.client = self.pongo_map_pos(self.config)
        self.emma = self.pongo_member(PHONE_EMMA, company)
        self.open_new_session()

    def pay(self, partner, quantity=1, reward_line=None, refund_of=None):
        """Sync one paid order the way the POS does (sync_from_ui)."""
        lines = [(self.product, -quantity if refund_of else quantity)]
        order_data = self.create_ui_order_data(lines, partner, is_invoiced=False)
        if reward_line:
            order_data["lines"][0][2]["pongo_reward_id"] = reward_line
        if refund_of:
            order_data["lines"][0][2]["refunded_orderline_id"] = refund_of.lines[0].id
        result = self.env["pos.order"].sync_from_ui([order_data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def drain(self):
        return self.env["pongo.job"]._cron_send_jobs(autocommit=False)

    def points(self, phone):
        return self.client.get_customer_by_phone(phone)[C.F_POINTS]

    def test_retries_wake_the_cron_at_their_next_attempt(self):
        """After a failure the cron runs again when the call is due (its back-off),
        not at its next five-minute run."""
        cron = self.env.ref("pos_pongo.ir_cron_pongo_send_jobs")
        self.emulator.faults(outage="refuse")
        order = self.pay(self.emma)
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        self.drain()
        job = order.sudo().pongo_job_ids
        self.assertEqual(job.state, "pending")
        due = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertEqual(due.mapped("call_at"), [job.next_attempt_at])
        self.assertLess(
            job.next_attempt_at, fields.Datetime.now() + timedelta(minutes=1)
        )

    def test_failures_are_logged_without_translation_warnings(self):
        """A cron has no reader's language: the errors it stores and logs are
        written without Odoo's 'no translation language' warning (and its stack)."""
        self.emulator.faults(outage="503")
        self.pay(self.emma)
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):
            self.drain()
        job = self.env["pongo.job"].search([], order="id desc", limit=1)
        self.assertEqual(job.last_error, "Pongo cannot be reached right now.")

    def test_the_order_answer_keeps_the_balance_known(self):
        order = self.pay(self.emma, quantity=2)
        self.drain()
        self.assertEqual(order.pongo_points_earned, int(order.amount_total))
        self.assertEqual(self.emma.pongo_points, 500 + order.pongo_points_earned)

    def test_paid_order_sent_once_with_the_qa_payload(self):
        order = self.pay(self.emma, quantity=2)
        self.assertEqual(order.pongo_sync_state, "pending")
        self.assertEqual(
            self.emulator.ledger()["orders"], [], "nothing inside sync_from_ui"
        )
        self.assertEqual(self.drain(), 1)
        self.assertEqual(order.pongo_sync_state, "done")
        self.assertEqual(self.drain(), 0)
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 1)
        sent = ledger["orders"][0]["payload"]
        self.assertEqual(sent[C.F_ORDER_ID], order.pos_reference)
        self.assertEqual(sent[C.F_LOYALTY_STORE_SLUG], "demo-paris")
        self.assertEqual(sent[C.F_CUSTOMER][C.F_PUBLIC_ID], self.emma.pongo_customer_id)
        self.assertEqual(sent[C.F_CUSTOMER][C.F_PHONE], PHONE_EMMA)
        self.assertEqual(sent[C.F_AMOUNT], round(order.amount_total * 100))
        self.assertEqual(sent[C.F_LINES][0][C.F_EXTERNAL_ID], "CAFE-ESPRESSO")
        self.assertEqual(sent[C.F_LINES][0][C.F_QUANTITY], 2)
        self.assertEqual(
            sent[C.F_PAYMENTS][0][C.F_AMOUNT], round(order.amount_paid * 100)
        )
        self.assertEqual(sent[C.F_DEVICE_NAME], self.config.name)
        self.assertEqual(self.points(PHONE_EMMA), 500 + int(order.amount_total))
        self.assertEqual(order.pongo_points_earned, int(order.amount_total))

    def test_orders_without_pongo_are_not_sent(self):
        walk_in = self.pay(self.env["res.partner"])
        stranger = self.pay(self.env["res.partner"].create({"name": "No Pongo"}))
        self.assertFalse(walk_in.pongo_job_ids | stranger.pongo_job_ids)
        self.config.pongo_store_id = False
        unmapped = self.pay(self.emma)
        self.assertFalse(unmapped.pongo_job_ids)

    def test_new_customer_with_both_consents_is_enlisted_by_the_order(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "mobile": "06 99 88 77 66",
                "country_id": self.env.ref("base.fr").id,
                "pongo_sms_optin": "yes",
                "pongo_email_optin": "no",
            }
        )
        self.pay(partner)
        self.drain()
        customer = self.client.get_customer_by_phone("33699887766")
        self.assertTrue(customer[C.F_SMS_OPTIN])
        self.assertFalse(customer[C.F_EMAIL_OPTIN])
        self.assertEqual(partner.pongo_customer_id, customer[C.F_PUBLIC_ID])

    def test_reward_ids_travel_with_the_order_and_are_confirmed(self):
        owned = self.client.get_customer_rewards(
            self.emma.pongo_customer_id, used=False
        )
        voucher = next(r for r in owned if r[C.F_COUPON_CODE])
        self.pay(self.emma, reward_line=voucher[C.F_PUBLIC_ID])
        self.drain()
        sent = self.emulator.ledger()["orders"][0]["payload"]
        self.assertEqual(sent[C.F_REWARD_IDS], [voucher[C.F_PUBLIC_ID]])
        self.assertEqual(
            sent[C.F_LINES][0][C.F_PUBLIC_REWARD_ID], voucher[C.F_PUBLIC_ID]
        )
        still_open = self.client.get_customer_rewards(
            self.emma.pongo_customer_id, used=False
        )
        self.assertNotIn(voucher[C.F_PUBLIC_ID], [r[C.F_PUBLIC_ID] for r in still_open])

    def test_outage_then_recovery_sends_once(self):
        self.emulator.faults(outage="refuse")
        order = self.pay(self.emma)
        self.drain()
        job = order.pongo_job_ids
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.attempts, 1)
        self.assertTrue(job.last_error)
        self.assertGreater(job.next_attempt_at, job.create_date)
        self.assertEqual(self.drain(), 0, "not before its back-off")
        self.emulator.faults(clear=True)
        order.action_pongo_retry()
        self.drain()
        self.assertEqual(order.pongo_sync_state, "done")
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 1)
        self.assertEqual(ledger["duplicates"], 0)

    def test_accepted_but_unanswered_order_is_not_doubled(self):
        self.emulator.faults(hang=True, hang_seconds=2, paths=[C.PATH_ORDERS])
        order = self.pay(self.emma)
        self.patch(
            type(self.client), "__init__", _short_timeout(type(self.client).__init__)
        )
        self.drain()
        self.assertEqual(order.pongo_job_ids.state, "pending")
        self.emulator.faults(clear=True)
        order.action_pongo_retry()
        self.drain()
        self.assertEqual(order.pongo_sync_state, "done")
        self.assertTrue(json.loads(order.pongo_job_ids.response)["already_processed"])
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 1)
        self.assertEqual(self.points(PHONE_EMMA), 500 + int(order.amount_total))

    def refuse_store(self, order):
        """Make Pongo refuse the order for a reason that is not a reward."""
        job = order.sudo().pongo_job_ids
        payload = json.loads(job.payload)
        payload[C.F_LOYALTY_STORE_SLUG] = "no-such-store"
        job.payload = json.dumps(payload)

    def test_validation_error_stops_and_shows_the_reason(self):
        order = self.pay(self.emma)
        self.refuse_store(order)
        self.drain()
        self.assertEqual(order.pongo_sync_state, "failed")
        self.assertIn("store", order.pongo_last_error.lower())
        self.assertEqual(self.drain(), 0)

    def test_refused_reward_the_order_is_sent_without_it(self):
        """A reward used elsewhere between apply and payment: Pongo refuses the
        order; it goes again without that reward (the purchase earns its points)
        and the managers are told which reward, by name."""
        order = self.pay(self.emma, quantity=2, reward_line="crw_used_elsewhere")
        order.lines.pongo_reward_name = "Viennoiserie offerte"
        self.drain()
        self.assertEqual(order.pongo_sync_state, "done")
        sent = self.emulator.ledger()["orders"]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["reward_ids"], [])
        self.assertEqual(self.points(PHONE_EMMA), 500 + int(order.amount_total))
        todo = order.sudo().pongo_job_ids.filtered(
            lambda job: job.job_type == "reward_refused"
        )
        self.assertEqual(todo.state, "manual")
        self.assertIn("Viennoiserie offerte", todo.instructions)
        self.assertIn("Viennoiserie offerte", order.message_ids[:1].body)
        todo.action_mark_done()
        self.assertEqual(todo.state, "done")

    def test_refund_reverses_points_once(self):
        order = self.pay(self.emma, quantity=3)
        self.drain()
        earned = int(order.amount_total)
        self.assertEqual(self.points(PHONE_EMMA), 500 + earned)
        self.pay(self.emma, quantity=3, refund_of=order)
        status_jobs = order.pongo_job_ids.filtered(
            lambda j: j.job_type == "order_status"
        )
        self.assertEqual(len(status_jobs), 1)
        self.drain()
        self.assertEqual(status_jobs.state, "done")
        self.assertEqual(self.points(PHONE_EMMA), 500)

    def test_refund_of_an_order_not_yet_synced(self):
        self.emulator.faults(outage="refuse")
        order = self.pay(self.emma, quantity=3)
        self.pay(self.emma, quantity=3, refund_of=order)
        self.drain()
        self.emulator.faults(clear=True)
        order.pongo_job_ids.action_retry()
        for _round in range(3):
            self.drain()
        self.assertEqual(set(order.pongo_job_ids.mapped("state")), {"done"})
        self.assertEqual(
            self.points(PHONE_EMMA), 500, "earned then reversed: no double count"
        )
        self.assertEqual(len(self.emulator.ledger()["orders"]), 1)

    def test_one_failing_job_does_not_stop_its_batch(self):
        good = self.pay(self.emma)
        refused = self.pay(self.emma)
        self.refuse_store(refused)
        broken = self.pay(self.emma)
        broken.pongo_job_ids.write({"payload": "{not json"})
        last = self.pay(self.emma)
        with self.assertLogs(JOB_LOGGER, "ERROR"):
            self.assertEqual(self.drain(), 4, "one batch, each job tried once")
        self.assertEqual(good.pongo_sync_state, "done")
        self.assertEqual(last.pongo_sync_state, "done")
        self.assertEqual(refused.pongo_sync_state, "failed")
        self.assertEqual(broken.pongo_job_ids.state, "pending", "a bug is retried")
        self.assertEqual(broken.pongo_job_ids.attempts, 1)
        sent = [entry["order_id"] for entry in self.emulator.ledger()["orders"]]
        self.assertEqual(sorted(sent), sorted([good.pos_reference, last.pos_reference]))

    def test_jobs_beyond_one_batch_are_sent_once(self):
        self.patch(pongo_job_module, "BATCH_SIZE", 2)
        orders = [self.pay(self.emma) for _n in range(5)]
        self.pay(self.emma, refund_of=orders[0])
        # The refund waits for its order's job, then goes in a later batch.
        self.assertEqual(self.drain(), 6)
        self.assertEqual({o.pongo_sync_state for o in orders}, {"done"})
        self.assertEqual(set(orders[0].pongo_job_ids.mapped("state")), {"done"})
        ledger = self.emulator.ledger()
        self.assertEqual(ledger["posts"], 5)
        self.assertEqual(ledger["duplicates"], 0)
        self.assertEqual(self.points(PHONE_EMMA), 500 + 4 * int(orders[1].amount_total))

    def test_limit_caps_the_jobs_tried(self):
        orders = [self.pay(self.emma) for _n in range(3)]
        self.assertEqual(self.env["pongo.job"]._cron_send_jobs(2, False), 2)
        states = [order.pongo_sync_state for order in orders]
        self.assertEqual(states, ["done", "done", "pending"])

    def test_unreachable_pongo_is_tried_once_per_run(self):
        orders = [self.pay(self.emma) for _n in range(4)]
        self.emulator.faults(outage="refuse")
        self.assertEqual(self.drain(), 1, "the others wait, untried")
        jobs = self.env["pongo.job"].search(
            [("pos_order_id", "in", [o.id for o in orders])]
        )
        self.assertEqual(sorted(jobs.mapped("attempts")), [0, 0, 0, 1])
        self.assertTrue(all(jobs.mapped("last_error")))
        now = fields.Datetime.now()
        self.assertTrue(all(job.next_attempt_at > now for job in jobs))
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertEqual(self.drain(), 0, "backed off: no call before the delay")
        self.emulator.faults(clear=True)
        jobs.action_retry()
        self.assertEqual(self.drain(), 4)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertEqual(self.emulator.ledger()["posts"], 4)

    def test_paid_orders_wake_the_outbox_cron_once_per_commit(self):
        cron = self.env.ref("pos_pongo.ir_cron_pongo_send_jobs")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.env.cr.postcommit.clear()  # this test cursor never commits
        self.pay(self.emma)
        self.pay(self.emma)
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 2)
        notices = [
            func
            for func in self.env.cr.postcommit._funcs
            if func.__module__ == cron_tools.__name__
        ]
        self.assertEqual(len(notices), 1, "one notice per commit")

    def test_partner_change_is_pushed_after_commit(self):
        self.emma.write({"email": "emma.new@example.com", "pongo_email_optin": "no"})
        job = self.env["pongo.job"].search([("partner_id", "=", self.emma.id)])
        self.assertEqual(job.job_type, "customer_update")
        self.emma.write({"name": "Emma Petit-Durand"})
        self.assertEqual(
            self.env["pongo.job"].search_count([("partner_id", "=", self.emma.id)]), 1
        )
        self.drain()
        customer = self.client.get_customer_by_phone(PHONE_EMMA)
        self.assertEqual(customer[C.F_EMAIL], "emma.new@example.com")
        self.assertFalse(customer[C.F_EMAIL_OPTIN])
        self.assertEqual(customer[C.F_LAST_NAME], "Petit-Durand")
        self.assertEqual(self.emma.pongo_consent_user_id, self.env.user)

    def test_pos_user_reads_no_secret(self):
        user = self.env["res.users"].create(
            {
                "name": "Cashier",
                "login": "pongo_cashier",
                "groups_id": [
                    (4, self.env.ref("base.group_user").id),
                    (4, self.env.ref("point_of_sale.group_pos_user").id),
                ],
            }
        )
        company = self.config.company_id.with_user(user)
        for field in SECRET_FIELDS:
            with self.subTest(field=field), self.assertRaises(AccessError):
                company.read([field])
        session = self.config.current_session_id.with_user(user)
        data = session.load_data([])
        token = self.config.company_id.sudo().pongo_access_token
        self.assertNotIn(token, json.dumps(data, default=str))


def _short_timeout(original):
    def init(self, *args, **kwargs):
        kwargs["timeout"] = (2, 0.5)
        original(self, *args, **kwargs)

    return init


@tagged("post_install", "-at_install")
class TestPongoConcurrentDrain(PongoEmulatorMixin, TransactionCase):
    """Two workers draining one queue at once send each job once (real cursors)."""

    ORDERS = 80  # several batches each

    def test_two_drains_send_each_order_once(self):
        registry = self.env.registry
        company_id = self.env.ref("base.main_company").id
        token = self.emulator.issue_token()
        job_ids = []
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env["res.company"].browse(company_id)
            company.write(
                {
                    "pongo_environment": "custom",
                    "pongo_custom_url": self.emulator.url,
                    "pongo_access_token": token,
                }
            )
            for number in range(self.ORDERS):
                payload = seed.order_payload(f"CONC/{number}", PHONE_JEANNE, 100)
                job = env["pongo.job"].create(
                    {
                        "company_id": company_id,
                        "job_type": "order",
                        "payload": json.dumps(payload),
                    }
                )
                job_ids.append(job.id)
            cr.commit()  # pylint: disable=invalid-commit
        self.emulator.faults(latency_ms=30)
        barrier = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, barrier)
        # Both drains start together (the shells boot at different speeds).
        script = (
            "import os, time\n"
            f"barrier = {barrier!r}\n"
            "open(os.path.join(barrier, str(os.getpid())), 'w').close()\n"
            "deadline = time.monotonic() + 60\n"
            "while len(os.listdir(barrier)) < 2 and time.monotonic() < deadline:\n"
            "    time.sleep(0.01)\n"
            "sent = env['pongo.job']._cron_send_jobs()\n"
            "env.cr.commit()\n"
            "print('SENT', sent)\n"
        )
        try:
            workers = [
                odoo_script_process(script, self.env.cr.dbname) for _i in range(2)
            ]
            outputs = [worker.communicate(timeout=120) for worker in workers]
            for out, err in outputs:
                self.assertIn("SENT", out, f"a worker failed: {err[-3000:]}")
            counts = [int(out.split("SENT", 1)[1].split()[0]) for out, _err in outputs]
            self.assertEqual(sum(counts), self.ORDERS, outputs)
            self.assertTrue(all(counts), f"both workers sent orders: {counts}")
            ledger = self.emulator.ledger()
            self.assertEqual(len(ledger["orders"]), self.ORDERS)
            self.assertEqual(ledger["posts"], self.ORDERS, "no order was posted twice")
            self.assertEqual(ledger["duplicates"], 0)
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT state, count(*) FROM pongo_job "
                    "WHERE id IN %s GROUP BY state",
                    [tuple(job_ids)],
                )
                self.assertEqual(dict(cr.fetchall()), {"done": self.ORDERS})
        finally:
            with registry.cursor() as cr:
                cr.execute("DELETE FROM pongo_job WHERE id IN %s", [tuple(job_ids)])
                cr.execute(
                    "UPDATE res_company SET pongo_access_token = NULL, "
                    "pongo_environment = 'sandbox', pongo_custom_url = NULL "
                    "WHERE id = %s",
                    [company_id],
                )
