# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The webhook receiver over real HTTP: signatures, replays, limits, processing."""

import hashlib
import hmac
import json
import time
from unittest.mock import patch

import odoo
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .. import const as C
from .common import PongoCronMixin, PongoEmulatorMixin

SECRET = "whsec_receiver_test"
CONTROLLER_LOGGER = "odoo.addons.pos_pongo.controllers.main"
EVENT_LOGGER = "odoo.addons.pos_pongo.models.pongo_webhook_event"


def signed_header(secret, body, timestamp=None):
    """The documented ``Pongo-Signature``, written independently of the addon."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), body + str(timestamp).encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def customer(public_id="cus_hook_1", phone="33612345670", **values):
    return {
        "public_id": public_id,
        "international_phone_number": phone,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "points": 42,
        "has_sms_optin": True,
        "has_email_optin": False,
        **values,
    }


def event_body(data, event=C.EVENT_CUSTOMER_CREATED, event_id="evt_hook_1"):
    return json.dumps(
        {
            "id": event_id,
            "event": event,
            "created_at": "2025-01-01T12:00:00Z",
            "data": data,
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestPongoWebhook(PongoCronMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.sudo().pongo_webhook_secret = SECRET
        cls.url = f"/pos_pongo/webhook/{cls.company.id}"
        cls.Partner = cls.env["res.partner"].with_context(active_test=False)
        cls.Event = cls.env["pongo.webhook.event"]

    def setUp(self):
        super().setUp()
        self.upserts = []
        partner_class = type(self.env["res.partner"])
        upsert = partner_class._pongo_upsert_from_customer

        def counting_upsert(partner_model, data, company):
            self.upserts.append(data.get("public_id"))
            return upsert(partner_model, data, company)

        self.patch(partner_class, "_pongo_upsert_from_customer", counting_upsert)

    def post(self, body, header=None, url=None, process=True, **headers):
        """Deliver ``body``, then run the cron that applies events (unless not
        ``process``: the request alone)."""
        if header is None:
            header = signed_header(SECRET, body)
        if header:
            headers[C.HEADER_SIGNATURE] = header
        headers.setdefault("Content-Type", "application/json")
        self.env.flush_all()  # the request reads the database, not this cache
        response = self.url_open(url or self.url, data=body, headers=headers)
        self.env.invalidate_all()
        if process:
            self.apply_pongo_events()
        return response

    def cron_triggers(self):
        cron = self.env.ref("pos_pongo.ir_cron_pongo_webhook_events")
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])

    def partners(self, public_id="cus_hook_1"):
        return self.Partner.search([("pongo_customer_id", "=", public_id)])

    def events(self):
        return self.Event.search([("company_id", "=", self.company.id)])

    def assert_nothing_written(self):
        self.assertFalse(self.upserts)
        self.assertFalse(self.events())
        self.assertFalse(self.partners())

    # ------------------------------------------------------------------
    # Valid deliveries
    # ------------------------------------------------------------------
    def test_customer_created_creates_partner(self):
        response = self.post(event_body(customer()))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        partner = self.partners()
        self.assertEqual(len(partner), 1)
        self.assertEqual(partner.name, "Ada Lovelace")
        self.assertEqual(partner.mobile, "+33612345670")
        self.assertEqual(partner.email, "ada@example.com")
        self.assertEqual(partner.pongo_points, 42)
        self.assertEqual(partner.pongo_sms_optin, "yes")
        self.assertEqual(partner.pongo_email_optin, "no")
        event = self.events()
        self.assertRecordValues(
            event,
            [
                {
                    "event_id": "evt_hook_1",
                    "event_type": C.EVENT_CUSTOMER_CREATED,
                    "customer_public_id": "cus_hook_1",
                    "state": "done",
                    "partner_id": partner.id,
                    "error": False,
                }
            ],
        )
        self.assertTrue(event.processed_at)
        self.assertEqual(json.loads(event.payload)["data"]["public_id"], "cus_hook_1")

    def test_request_records_and_the_cron_applies(self):
        triggers = self.cron_triggers()
        response = self.post(event_body(customer()), process=False)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().state, "received")
        self.assertFalse(self.upserts, "nothing applied inside the request")
        self.assertFalse(self.partners())
        self.assertTrue(self.cron_triggers() - triggers, "the cron is triggered")
        self.assertEqual(self.apply_pongo_events(), 1)
        self.assertEqual(self.events().state, "done")
        self.assertEqual(self.events().partner_id, self.partners())
        self.assertEqual(self.apply_pongo_events(), 0)
        self.assertEqual(self.upserts, ["cus_hook_1"], "applied once")

    def test_events_of_a_customer_are_applied_in_order(self):
        for points in (5, 9, 7):
            body = event_body(
                customer(points=points),
                event=C.EVENT_CUSTOMER_UPDATED,
                event_id=f"evt_order_{points}",
            )
            self.assertEqual(self.post(body, process=False).status_code, 200)
        self.assertEqual(self.apply_pongo_events(), 3)
        self.assertEqual(self.partners().pongo_points, 7, "the last one wins")
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        self.assertEqual(len(self.upserts), 3)

    def test_customer_updated_matches_by_phone(self):
        local = self.Partner.create(
            {
                "name": "Ada (local)",
                "mobile": "06 12 34 56 71",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        self.assertEqual(local.pongo_phone, "+33612345671")
        body = event_body(
            customer("cus_hook_2", "33612345671", first_name="Augusta", points=7),
            event=C.EVENT_CUSTOMER_UPDATED,
        )
        self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.partners("cus_hook_2"), local)
        self.assertEqual(
            self.Partner.search_count([("pongo_phone", "=", "+33612345671")]), 1
        )
        self.assertEqual(local.name, "Augusta Lovelace")
        self.assertEqual(local.pongo_points, 7)
        self.assertEqual(self.events().partner_id, local)

    def test_replayed_event_is_processed_once(self):
        body = event_body(customer())
        self.assertEqual(self.post(body).status_code, 200)
        partner = self.partners()
        partner.with_context(pongo_no_push=True).name = "Renamed locally"
        # Same event id again, freshly signed (a retry), then the identical bytes.
        self.assertEqual(self.post(body).status_code, 200)
        other_body = event_body(customer(first_name="Changed"))
        self.assertEqual(self.post(other_body).status_code, 200)
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(self.upserts, ["cus_hook_1"])
        self.assertEqual(partner.name, "Renamed locally")

    def test_unknown_event_type_is_ignored(self):
        body = event_body(customer(), event="customer.deleted")
        self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.events().state, "ignored")
        self.assertFalse(self.upserts)
        self.assertFalse(self.partners())

    def test_processing_error_is_kept_then_reprocessed(self):
        def failing_upsert(partner_model, data, company):
            raise ValueError("Pongo data rejected")

        partner_class = type(self.env["res.partner"])
        with (
            patch.object(partner_class, "_pongo_upsert_from_customer", failing_upsert),
            self.assertLogs(EVENT_LOGGER, "WARNING"),
        ):
            self.assertEqual(self.post(event_body(customer())).status_code, 200)
        event = self.events()
        self.assertEqual(event.state, "error")
        self.assertIn("Pongo data rejected", event.error)
        self.assertFalse(self.partners())

        event.action_reprocess()
        self.assertEqual(event.state, "done")
        self.assertFalse(event.error)
        self.assertEqual(event.partner_id, self.partners())
        self.assertEqual(self.partners().name, "Ada Lovelace")
        with self.assertRaises(UserError):
            event.action_reprocess()

    def test_open_pos_screens_are_notified(self):
        open_till = self.env["pos.config"].create({"name": "Pongo Open Till"})
        self.env["pos.config"].create({"name": "Pongo Closed Till"})
        self.env["pos.session"].create({"config_id": open_till.id})
        notified = []

        def notify(config, name, message):
            notified.append((config.id, name, message))

        self.patch(type(open_till), "_notify", notify)
        self.assertEqual(self.post(event_body(customer())).status_code, 200)
        message = {"partner_id": self.partners().id, "pongo_customer_id": "cus_hook_1"}
        self.assertEqual(notified, [(open_till.id, "PONGO_CUSTOMER_UPDATED", message)])

    def test_event_without_customer_is_an_error(self):
        body = event_body({"first_name": "Nobody"}, event=C.EVENT_CUSTOMER_UPDATED)
        with self.assertLogs(EVENT_LOGGER, "WARNING"):
            self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.events().state, "error")
        self.assertFalse(self.upserts)

    # ------------------------------------------------------------------
    # Refused deliveries
    # ------------------------------------------------------------------
    def test_bad_signature(self):
        body = event_body(customer())
        header = signed_header(SECRET, body).replace("v1=", "v1=0")
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING") as logs:
            response = self.post(body, header=header)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(SECRET, "\n".join(logs.output))
        self.assertNotIn("cus_hook_1", "\n".join(logs.output))
        tampered = body.replace(b"Ada", b"Eve")
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.post(tampered, header=signed_header(SECRET, body))
        self.assertEqual(response.status_code, 403)
        self.assert_nothing_written()

    def test_missing_signature(self):
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.post(event_body(customer()), header="")
        self.assertEqual(response.status_code, 401)
        self.assert_nothing_written()

    def test_stale_timestamp(self):
        body = event_body(customer())
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            stale = self.post(
                body, header=signed_header(SECRET, body, int(time.time()) - 301)
            )
            future = self.post(
                body, header=signed_header(SECRET, body, int(time.time()) + 301)
            )
        self.assertEqual(stale.status_code, 403)
        self.assertEqual(future.status_code, 403)
        self.assert_nothing_written()

    def test_wrong_secret(self):
        body = event_body(customer())
        with self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
            response = self.post(body, header=signed_header("whsec_other", body))
        self.assertEqual(response.status_code, 403)
        self.assert_nothing_written()

    def test_malformed_json_with_valid_signature(self):
        bodies = [
            b'{"id": "evt_hook_1", "event": ',
            b"[1, 2, 3]",
            b'"customer.created"',
            json.dumps(
                {"event": C.EVENT_CUSTOMER_CREATED, "data": customer()}
            ).encode(),
            json.dumps({"id": "evt_hook_1", "data": customer()}).encode(),
            json.dumps({"id": "", "event": C.EVENT_CUSTOMER_CREATED}).encode(),
            json.dumps({"id": "evt\x00", "event": C.EVENT_CUSTOMER_CREATED}).encode(),
            json.dumps({"id": True, "event": C.EVENT_CUSTOMER_CREATED}).encode(),
            b'{"id": "evt_\xff", "event": "customer.created"}',
            b"[" * 20000 + b"]" * 20000,
        ]
        for body in bodies:
            with self.subTest(body=body[:40]):
                self.assertEqual(self.post(body).status_code, 400)
        self.assert_nothing_written()

    def test_oversized_body(self):
        padding = "x" * (64 * 1024)
        body = event_body(customer(notes=padding))
        self.assertEqual(self.post(body).status_code, 413)

        def chunks():  # no Content-Length: the read length is checked
            yield body[:1000]
            yield body[1000:]

        self.assertEqual(
            self.post(chunks(), header=signed_header(SECRET, body)).status_code, 413
        )
        self.assert_nothing_written()

    def test_get_is_not_allowed(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 405)

    def test_unknown_company_or_no_secret(self):
        body = event_body(customer())
        other = self.env["res.company"].create({"name": "Pongo-less Company"})
        urls = [
            "/pos_pongo/webhook/999999",
            "/pos_pongo/webhook/99999999999",
            "/pos_pongo/webhook/0",
            f"/pos_pongo/webhook/{other.id}",
        ]
        for url in urls:
            with self.subTest(url=url), self.assertLogs(CONTROLLER_LOGGER, "WARNING"):
                self.assertEqual(self.post(body, url=url).status_code, 403)
        self.assert_nothing_written()


@tagged("post_install", "-at_install")
class TestPongoWebhookEmulator(PongoEmulatorMixin, HttpCase):
    """End to end: the emulator signs and posts, Odoo applies."""

    def test_emulator_update_reaches_partner(self):
        company = self.env.company
        company.sudo().pongo_webhook_secret = SECRET
        self.pongo_connect_company(company)
        client = company._pongo_get_client()
        public_id = client.get_customer_by_phone("33612345601")[C.F_PUBLIC_ID]
        port = odoo.tools.config["http_port"]
        url = f"http://127.0.0.1:{port}/pos_pongo/webhook/{company.id}"
        client.subscribe_webhook(C.EVENT_CUSTOMER_UPDATED, url, SECRET)
        self.env.flush_all()  # the secret must be in the database for the request

        self.emulator.admin(
            "PATCH", f"customers/{public_id}", {"first_name": "Renamed", "points": 777}
        )
        # Wait on the emulator (not on the shared test cursor) for the delivery.
        deadline = time.monotonic() + 10
        deliveries = []
        while time.monotonic() < deadline:
            deliveries = self.emulator.admin("GET", "deliveries")["deliveries"]
            if any(d["status"] for d in deliveries):
                break
            time.sleep(0.2)
        self.assertEqual([d["status"] for d in deliveries], [200])
        self.assertEqual(deliveries[0]["event"], C.EVENT_CUSTOMER_UPDATED)

        self.env.invalidate_all()
        self.apply_pongo_events()
        partner = self.env["res.partner"].search(
            [("pongo_customer_id", "=", public_id)]
        )
        self.assertEqual(len(partner), 1)
        self.assertTrue(partner.name.startswith("Renamed "), partner.name)
        self.assertEqual(partner.pongo_points, 777)
        self.assertEqual(partner.mobile, "+33612345601")
        event = self.env["pongo.webhook.event"].search(
            [("event_id", "=", deliveries[0]["event_id"])]
        )
        self.assertEqual(event.state, "done")
