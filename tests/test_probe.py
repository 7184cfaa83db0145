# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The conformance probe (tools/pongo_probe.py) against the emulator, normal and
serving a variant of the wire format (``wire_variant``)."""

from odoo.tests import TransactionCase, tagged

from .. import const as C
from ..tools import pongo_probe
from .common import PongoEmulatorMixin

# Every read method of tools/pongo_client.py (iter_customers pages list_customers).
CLIENT_READS = {
    "test_token",
    "get_user_info",
    "list_stores",
    "customer_exists",
    "list_customers",
    "get_customer_by_phone",
    "get_customer",
    "get_customer_tags",
    "list_customer_attributes",
    "get_customer_attributes",
    "get_rewards",
    "get_customer_rewards",
}
WRITE_CYCLE = {
    "create_customer",
    "update_customer",
    "get_customer (read back)",
    "get_rewards (probe customer)",
    "lock_reward",
    "unlock_reward",
}
# What the emulator's wire variant changes, as (kind, key or value, const names).
INJECTED = {
    ("missing", C.F_SMS_OPTIN, ("F_SMS_OPTIN",)),
    ("unexpected", "sms_optin", ("F_SMS_OPTIN",)),
    ("missing", C.F_EXTERNAL_ID, ("F_EXTERNAL_ID",)),
    ("unexpected", "sku", ("F_EXTERNAL_ID",)),
    ("type", C.F_POINTS, ("F_POINTS",)),
    ("enum", "voucher_fixed", ("REWARD_TYPES",)),
}


@tagged("post_install", "-at_install")
class TestPongoProbe(PongoEmulatorMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.company = self.env.company
        self.pongo_connect_company(self.company)
        self.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris", "company_id": self.company.id}
        )

    def labels(self, report, state=None):
        return {op.label for op in report.operations if state in (None, op.state)}

    def test_all_ok_against_the_emulator_with_a_write_cycle(self):
        report = self.company._pongo_probe()
        self.assertTrue(report.ok, report.text())
        self.assertEqual(report.differences, [])
        self.assertEqual(self.labels(report), self.labels(report, "OK"))
        called = {label.split(" ")[0] for label in self.labels(report)}
        self.assertLessEqual(CLIENT_READS, called)
        self.assertLessEqual(WRITE_CYCLE, self.labels(report))
        # the probe customer exists, renamed; the reward it locked is free again
        state = self.emulator.state()
        probe = [
            c for c in state["customers"] if c[C.F_PHONE] in pongo_probe.PROBE_PHONES
        ]
        self.assertEqual(len(probe), 1)
        self.assertRegex(probe[0][C.F_FIRST_NAME], r"^Probe \d{4}$")
        self.assertFalse(any(r[C.F_LOCKED] for r in state["customer_rewards"]))
        lock_calls = [r["method"] for r in self.emulator.requests_log("/v1/rewards/")]
        self.assertEqual(lock_calls, ["POST", "DELETE"])
        self.assertIn(
            "20 OK, 0 with differences", self.company.sudo().pongo_probe_report
        )

    def test_the_variant_gives_exactly_the_injected_differences(self):
        self.emulator.faults(wire_variant=True)
        report = self.company._pongo_probe()
        self.assertFalse(report.ok)
        self.assertEqual(set(report.differences), INJECTED, report.text())
        self.assertFalse(self.labels(report, "FAIL") | self.labels(report, "SKIP"))
        self.assertEqual(
            self.labels(report, "OK"),
            {
                "test_token",
                "get_user_info",
                "get_customer_tags",
                "list_customer_attributes",
                "list_stores",
                "customer_exists",
                "customer_exists (probe)",
                "get_customer_attributes",
                "unlock_reward",
            },
        )
        text = report.text()
        for line in (
            'missing key "has_sms_optin" at data[]: change const.F_SMS_OPTIN',
            'unexpected key "sku" at data[]: renamed "external_id"? then change '
            "const.F_EXTERNAL_ID",
            'type of "points": integer expected, string received '
            "(check const.F_POINTS)",
            'unknown value "voucher_fixed" at data[].type',
            "const.py to check: F_EXTERNAL_ID, F_POINTS, F_SMS_OPTIN, REWARD_TYPES",
        ):
            self.assertIn(line, text)

    def test_a_key_pongo_does_not_keep_is_reported(self):
        """Laravel drops a key it does not know: the read back shows it."""
        self.emulator.faults(wire_variant={"ignore": [C.F_FIRST_NAME]})
        report = self.company._pongo_probe()
        self.assertEqual(
            report.differences, [("ignored", C.F_FIRST_NAME, ("F_FIRST_NAME",))]
        )
        self.assertEqual(
            self.labels(report, "DIFF"), {"get_customer (read back)"}, report.text()
        )

    def test_production_is_probed_with_reads_only(self):
        client = self.company._pongo_get_client()
        self.emulator.admin("DELETE", "requests")
        report = pongo_probe.Probe(client, sandbox=False).run()
        self.assertTrue(report.ok, report.text())
        self.assertEqual(self.labels(report, "SKIP"), {"write cycle"})
        methods = {r["method"] for r in self.emulator.requests_log()}
        self.assertEqual(methods, {"GET", "HEAD"})

    def test_what_counts_as_a_sandbox(self):
        is_sandbox = pongo_probe.is_sandbox
        self.assertTrue(is_sandbox(C.ENV_SANDBOX, C.BASE_URLS[C.ENV_SANDBOX]))
        self.assertFalse(is_sandbox(C.ENV_PRODUCTION, C.BASE_URLS[C.ENV_PRODUCTION]))
        for url in ("http://127.0.0.1:8071", "http://localhost:8071", "http://[::1]"):
            self.assertTrue(is_sandbox(C.ENV_CUSTOM, url), url)
        self.assertTrue(is_sandbox(C.ENV_CUSTOM, C.BASE_URLS[C.ENV_SANDBOX]))
        for url in (C.BASE_URLS[C.ENV_PRODUCTION], "https://pongo-proxy.example.com"):
            self.assertFalse(is_sandbox(C.ENV_CUSTOM, url), url)

    def test_settings_button_keeps_the_report_on_the_page(self):
        action = self.env["res.config.settings"].create({}).action_pongo_probe()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        settings = self.env["res.config.settings"].create({})
        self.assertIn("OK    lock_reward", settings.pongo_probe_report)
        self.emulator.faults(wire_variant=True)
        action = settings.action_pongo_probe()
        self.assertEqual(action["params"]["type"], "warning")
        report = self.env["res.config.settings"].create({}).pongo_probe_report
        self.assertIn("DIFF  list_customers", report)
