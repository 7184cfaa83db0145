# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketing consent records: who changed which answer, when, where, from what
source; a withdrawal made here reaches Pongo once."""

import json

from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from .. import const as C
from .common import PongoEmulatorMixin, seed

PHONE_EMMA = seed.PHONE_EMMA  # SMS and e-mail opt-in at Pongo
PHONE_LUCAS = seed.PHONE_LUCAS  # e-mail opt-in only


@tagged("post_install", "-at_install")
class TestPongoConsent(PongoEmulatorMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref("base.fr")
        # A cashier as Odoo makes them: POS user, may edit contacts (POS form).
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_consent_cashier",
            groups="base.group_user,base.group_partner_manager,"
            "point_of_sale.group_pos_user",
        )
        cls.back_office = new_test_user(
            cls.env,
            login="pongo_consent_office",
            groups="base.group_user,base.group_partner_manager,"
            "point_of_sale.group_pos_manager",
        )
        cls.store = cls.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris", "company_id": cls.company.id}
        )
        cls.config = cls.env["pos.config"].create(
            {"name": "Consent Till", "pongo_store_id": cls.store.id}
        )

    def setUp(self):
        super().setUp()
        self.pongo_connect_company(self.company)
        self.client = self.company._pongo_get_client()
        self.Log = self.env["pongo.consent.log"]

    def logs(self, partner):
        return self.Log.search([("partner_id", "=", partner.id)], order="id")

    def link(self, phone):
        """The local partner of a seeded Pongo customer, as a look-up makes it."""
        return self.env["res.partner"]._pongo_upsert_from_customer(
            self.client.get_customer_by_phone(phone), self.company
        )

    def webhook(self, customer, event_id):
        """Pongo posts ``customer.updated``; the cron applies it."""
        event = {
            C.F_ID: event_id,
            C.F_EVENT: C.EVENT_CUSTOMER_UPDATED,
            C.F_DATA: customer,
        }
        Event = self.env["pongo.webhook.event"].sudo()
        self.assertTrue(Event._pongo_record(self.company, event, json.dumps(event)))
        self.apply_pongo_events()

    def drain(self):
        return self.send_pongo_calls()

    # ------------------------------------------------------------------
    # Sources
    # ------------------------------------------------------------------
    def test_pos_enlist_records_the_cashier_and_the_point_of_sale(self):
        answer = self.config.with_user(self.cashier).pongo_enlist(
            {"phone": "06 99 88 77 66", "sms_optin": True, "email_optin": False}
        )
        partner = self.env["res.partner"].browse(answer["partner_id"])
        self.assertRecordValues(
            self.logs(partner),
            [
                {
                    "channel": "sms",
                    "old_value": False,
                    "new_value": "yes",
                    "source": "pos",
                    "user_id": self.cashier.id,
                    "pos_config_id": self.config.id,
                },
                {
                    "channel": "email",
                    "old_value": False,
                    "new_value": "no",
                    "source": "pos",
                    "user_id": self.cashier.id,
                    "pos_config_id": self.config.id,
                },
            ],
        )
        self.assertRecordValues(
            partner,
            [
                {
                    "pongo_consent_source": "pos",
                    "pongo_consent_user_id": self.cashier.id,
                    "pongo_consent_pos_config_id": self.config.id,
                }
            ],
        )

    def test_pos_partner_form_records_the_point_of_sale(self):
        """The partner form the POS opens carries its point of sale (context)."""
        partner = self.env["res.partner"].create({"name": "Walk-in"})
        pos_context = {"pongo_pos_config_id": self.config.id}
        form = Form(
            partner.with_user(self.cashier).with_context(**pos_context),
            view="base.view_partner_form",
        )
        form.pongo_email_optin = "yes"
        form.save()
        self.assertRecordValues(
            self.logs(partner),
            [
                {
                    "channel": "email",
                    "new_value": "yes",
                    "source": "pos",
                    "user_id": self.cashier.id,
                    "pos_config_id": self.config.id,
                }
            ],
        )

    def test_back_office_change_records_the_user_only_when_it_changes(self):
        partner = self.env["res.partner"].create({"name": "Office Customer"})
        self.assertFalse(self.logs(partner), "no answer, no record")
        office_partner = partner.with_user(self.back_office)
        office_partner.write({"pongo_sms_optin": "yes", "name": "Office Client"})
        log = self.logs(partner)
        self.assertRecordValues(
            log,
            [
                {
                    "channel": "sms",
                    "old_value": False,
                    "new_value": "yes",
                    "source": "back_office",
                    "user_id": self.back_office.id,
                    "pos_config_id": False,
                }
            ],
        )
        stamped = partner.pongo_consent_date
        self.assertEqual(partner.pongo_consent_user_id, self.back_office)
        # The same answer written again (a form saving every field): no record.
        office_partner.write({"pongo_sms_optin": "yes", "pongo_email_optin": False})
        self.assertEqual(self.logs(partner), log)
        self.assertEqual(partner.pongo_consent_date, stamped)
        office_partner.write({"pongo_sms_optin": "no"})
        self.assertRecordValues(
            self.logs(partner)[1:],
            [{"old_value": "yes", "new_value": "no", "source": "back_office"}],
        )

    def test_a_browser_cannot_claim_a_pongo_source(self):
        partner = self.env["res.partner"].create({"name": "Forger"})
        partner.with_user(self.back_office).with_context(
            pongo_consent_source="pongo_webhook"
        ).write({"pongo_sms_optin": "yes"})
        self.assertRecordValues(
            self.logs(partner),
            [{"source": "back_office", "user_id": self.back_office.id}],
        )

    def test_look_up_records_pongo_as_the_source(self):
        answer = self.config.with_user(self.cashier).pongo_search_phone(PHONE_LUCAS)
        partner = self.env["res.partner"].browse(answer["partner_id"])
        self.assertRecordValues(
            self.logs(partner),
            [
                {"channel": "sms", "new_value": "no", "source": "pongo_lookup"},
                {"channel": "email", "new_value": "yes", "source": "pongo_lookup"},
            ],
        )
        self.assertFalse(self.logs(partner).user_id, "given at Pongo, by nobody here")
        self.assertFalse(partner.pongo_consent_user_id)
        self.assertEqual(partner.pongo_consent_source, "pongo_lookup")

    def test_webhook_records_pongo_only_when_an_answer_changes(self):
        emma = self.link(PHONE_EMMA)
        before = self.logs(emma)
        self.assertEqual(len(before), 2)
        customer = self.client.get_customer_by_phone(PHONE_EMMA)
        self.webhook({**customer, C.F_POINTS: 501}, "evt_consent_1")
        self.assertEqual(emma.pongo_points, 501)
        self.assertEqual(self.logs(emma), before, "same answers: nothing recorded")
        self.webhook({**customer, C.F_EMAIL_OPTIN: False}, "evt_consent_2")
        self.assertRecordValues(
            self.logs(emma) - before,
            [
                {
                    "channel": "email",
                    "old_value": "yes",
                    "new_value": "no",
                    "source": "pongo_webhook",
                    "user_id": False,
                    "pos_config_id": False,
                }
            ],
        )
        self.assertRecordValues(
            emma,
            [
                {
                    "pongo_email_optin": "no",
                    "pongo_consent_source": "pongo_webhook",
                    "pongo_consent_user_id": False,
                }
            ],
        )
        self.assertFalse(
            self.env["pongo.job"].search([("partner_id", "=", emma.id)]),
            "Pongo's own change is not echoed back",
        )

    def test_import_records_pongo_and_a_second_import_nothing(self):
        self.company.action_pongo_import_customers()
        self.run_cron_batches("res.company", "_cron_pongo_import_customers")
        emma = self.env["res.partner"].search([("pongo_phone", "=", f"+{PHONE_EMMA}")])
        self.assertRecordValues(
            self.logs(emma),
            [
                {"channel": "sms", "new_value": "yes", "source": "pongo_import"},
                {"channel": "email", "new_value": "yes", "source": "pongo_import"},
            ],
        )
        self.assertFalse(self.logs(emma).user_id)
        count = self.Log.search_count([])
        self.company.action_pongo_import_customers()
        self.run_cron_batches("res.company", "_cron_pongo_import_customers")
        self.assertEqual(self.Log.search_count([]), count, "nothing changed")

    # ------------------------------------------------------------------
    # Withdrawal
    # ------------------------------------------------------------------
    def test_withdrawal_in_odoo_reaches_pongo_once(self):
        emma = self.link(PHONE_EMMA)
        public_id = emma.pongo_customer_id
        self.emulator.admin("DELETE", "requests")
        emma.with_user(self.back_office).write({"pongo_sms_optin": "no"})
        job = self.env["pongo.job"].search([("partner_id", "=", emma.id)])
        self.assertEqual(job.job_type, "customer_update")
        self.drain()
        self.assertEqual(job.state, "done")
        self.assertIs(json.loads(job.payload)[C.F_SMS_OPTIN], False)
        puts = [
            request
            for request in self.emulator.requests_log(f"/v1/customers/{public_id}")
            if request["method"] == "PUT"
        ]
        self.assertEqual(len(puts), 1)
        customer = self.client.get_customer(public_id)
        self.assertIs(customer[C.F_SMS_OPTIN], False)
        self.assertIs(customer[C.F_EMAIL_OPTIN], True, "the other answer is kept")
        # Pongo tells us back (customer.updated): already known, nothing more.
        count = len(self.logs(emma))
        self.webhook(customer, "evt_consent_echo")
        self.assertEqual(len(self.logs(emma)), count)
        self.assertEqual(self.drain(), 0, "nothing sent again")

    def test_pongo_older_yes_does_not_undo_a_withdrawal_on_its_way(self):
        """Pongo posts its copy (still "yes") before our withdrawal is sent: the
        withdrawal stays and reaches Pongo."""
        emma = self.link(PHONE_EMMA)
        customer = self.client.get_customer(emma.pongo_customer_id)
        emma.with_user(self.cashier).with_context(
            pongo_pos_config_id=self.config.id
        ).write({"pongo_sms_optin": "no"})
        self.webhook({**customer, C.F_POINTS: 510}, "evt_consent_stale")
        self.assertEqual(emma.pongo_points, 510, "the rest of the event is applied")
        self.assertEqual(emma.pongo_sms_optin, "no")
        self.assertEqual(self.logs(emma)[-1].source, "pos")
        self.drain()
        customer = self.client.get_customer(emma.pongo_customer_id)
        self.assertIs(customer[C.F_SMS_OPTIN], False)

    # ------------------------------------------------------------------
    # The history on the partner form
    # ------------------------------------------------------------------
    def test_history_on_the_partner_form_read_only_for_a_cashier(self):
        emma = self.link(PHONE_EMMA)
        emma.with_user(self.back_office).write({"pongo_email_optin": "no"})
        arch = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="pongo_consent_log_ids"', arch)
        self.env.invalidate_all()  # read as a new request would, in its order
        form = Form(emma.with_user(self.cashier), view="base.view_partner_form")
        history = form.pongo_consent_log_ids
        self.assertEqual(len(history), 3)
        newest = history._records[0]
        self.assertEqual(
            [newest[name] for name in ("channel", "old_value", "new_value", "source")],
            ["email", "yes", "no", "back_office"],
        )
        with self.assertRaises(AssertionError):  # read-only on the form
            history.edit(0)
        log = self.logs(emma).with_user(self.cashier)
        for attempt in (log.unlink, lambda: log.write({"new_value": "yes"})):
            with self.assertRaises(AccessError):
                attempt()
        with self.assertRaises(AccessError):
            self.Log.with_user(self.back_office).create(
                {"partner_id": emma.id, "channel": "sms", "source": "pos"}
            )
