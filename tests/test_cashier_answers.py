# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the cashier is told for each Pongo answer, action by action."""

import json
import re

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .. import const as C
from .common import PongoEmulatorMixin, seed

UNKNOWN_PHONE = "0699887766"
REAL_REQUEST = requests.Session.request
TIMEOUT = "timeout"
BODIES = {
    401: {"message": "Unauthenticated."},
    403: {"message": "Invalid scope(s) provided."},
    404: {"message": "Not found."},
    409: {"message": "Conflict."},
    422: {
        "message": "The given data was invalid.",
        "errors": {C.F_PHONE: ["Pongo says no."]},
    },
    429: {"message": "Too Many Attempts."},
    503: {"message": "Service Unavailable"},
}
# The Pongo call each cashier action depends on: (method, path pattern).
CALLS = {
    "search": ("GET", r"/v1/customers/phone/"),
    "scan": ("GET", r"/v1/customers/cust_[^/]+$"),
    "enlist": ("POST", r"/v1/customers$"),
    "panel": ("GET", r"/v1/customers/cust_[^/]+$"),
    "buy": ("POST", r"/v1/rewards/[^/]+/buy$"),
    "apply": ("POST", r"/v1/rewards/[^/]+/lock$"),
}
RECONNECT = ("error", "reconnect Pongo")
PERMISSION = ("error", "accept every permission")
BUSY = ("unavailable", "busy")
DOWN = ("unavailable", "cannot be reached")
SAYS_NO = ("error", "Pongo says no.")
# (action, Pongo's answer) -> (status, what the message says)
EXPECTED = {
    "search": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("not_found", None),
        409: ("error", "Conflict."),
        422: SAYS_NO,
        429: BUSY,
        503: DOWN,
        TIMEOUT: DOWN,
    },
    "scan": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("invalid", "unknown to this merchant"),
        409: ("invalid", "Conflict."),
        422: ("invalid", "Pongo says no."),
        429: BUSY,
        503: DOWN,
        TIMEOUT: DOWN,
    },
    "enlist": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("error", "Not found."),
        409: ("linked", "already a Pongo member"),
        422: ("linked", "already a Pongo member"),
        429: ("created_offline", "joins Pongo with the order"),
        503: ("created_offline", "joins Pongo with the order"),
        TIMEOUT: ("created_offline", "joins Pongo with the order"),
    },
    "panel": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("error", "no longer knows this customer"),
        409: ("error", "Conflict."),
        422: SAYS_NO,
        429: BUSY,
        503: DOWN,
        TIMEOUT: DOWN,
    },
    "buy": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("error", "no longer available at Pongo"),
        409: ("error", "not available for this customer now"),
        422: SAYS_NO,
        429: BUSY,
        503: DOWN,
        TIMEOUT: DOWN,
    },
    "apply": {
        401: RECONNECT,
        403: PERMISSION,
        404: ("error", "no longer available"),
        409: ("error", "already used or on another order"),
        422: SAYS_NO,
        429: BUSY,
        503: DOWN,
        TIMEOUT: DOWN,
    },
}


@tagged("post_install", "-at_install")
class TestPongoCashierAnswers(PongoEmulatorMixin, TransactionCase):
    """Each Pongo error class for each cashier action, through the real client:
    the transport answers the action's Pongo call with the error, every other
    call reaches the emulator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fr")
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_answers_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="pongo_answers_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        cls.store = cls.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris"}
        )
        cls.config = cls.env["pos.config"].create(
            {"name": "Pongo Till", "pongo_store_id": cls.store.id}
        )

    def setUp(self):
        super().setUp()
        self.pongo_connect_company(self.env.company)
        self.till = self.config.with_user(self.cashier)
        self.client = self.env.company._pongo_get_client()
        self.emma_customer = self.client.get_customer_by_phone(seed.PHONE_EMMA)
        self.emma = self.env["res.partner"]._pongo_upsert_from_customer(
            self.emma_customer, self.env.company
        )

    def answer_with(self, action, status):
        """The transport answers the call of ``action`` with ``status``."""
        method, pattern = CALLS[action]

        def request(session, verb, url, *args, **kwargs):
            if verb == method and re.search(pattern, url.split("?")[0]):
                if status == TIMEOUT:
                    raise requests.exceptions.ReadTimeout("read timed out")
                response = requests.Response()
                response.status_code = status
                response._content = json.dumps(BODIES[status]).encode()
                response.headers["Content-Type"] = "application/json"
                if status == 429:
                    response.headers["Retry-After"] = "60"
                response.url = url
                return response
            return REAL_REQUEST(session, verb, url, *args, **kwargs)

        self.patch(requests.Session, "request", request)

    def act(self, action):
        till, emma = self.till, self.emma.id
        owned = self.emma_customer  # any id will do: the call is answered for it
        return {
            "search": lambda: till.pongo_search_phone(UNKNOWN_PHONE),
            "scan": lambda: till.pongo_scan(self.emma_customer[C.F_PUBLIC_ID]),
            "enlist": lambda: till.pongo_enlist(
                {"phone": seed.PHONE_LUCAS, "sms_optin": True, "email_optin": False}
            ),
            "panel": lambda: till.pongo_loyalty(emma),
            "buy": lambda: till.pongo_buy_reward(emma, "rwd_any"),
            "apply": lambda: till.pongo_lock_reward(emma, owned[C.F_PUBLIC_ID]),
        }[action]()

    def test_error_matrix(self):
        """One row per (action, Pongo answer): the cashier's answer."""
        for action, rows in EXPECTED.items():
            for status, (expected, words) in rows.items():
                with self.subTest(action=action, pongo=status):
                    if action == "scan":
                        # Not known here yet: the scan asks Pongo.
                        self.emma.sudo().pongo_customer_id = False
                    self.answer_with(action, status)
                    with self.env.cr.savepoint(flush=False) as savepoint:
                        answer = self.act(action)
                        savepoint.rollback()
                    self.env.invalidate_all()
                    self.emma.sudo().pongo_customer_id = self.emma_customer[
                        C.F_PUBLIC_ID
                    ]
                    self.assertEqual(answer["status"], expected, answer)
                    if words:
                        self.assertIn(words, answer.get("message", ""), answer)
                    if action == "panel" and expected != "ok":
                        self.assertEqual(answer["points"], 500, "last known balance")

    def test_enlist_refused_credentials_create_nothing(self):
        self.answer_with("enlist", 401)
        answer = self.till.pongo_enlist(
            {"phone": UNKNOWN_PHONE, "sms_optin": True, "email_optin": False}
        )
        self.assertEqual(answer["status"], "error")
        self.assertFalse(
            self.env["res.partner"].search([("pongo_phone", "=", "+33699887766")]),
            "no customer is made 'offline' when Pongo refuses the credentials",
        )

    def test_messages_say_the_right_thing(self):
        name = self.till.pongo_search_phone("Emma")
        self.assertEqual(name["status"], "invalid")
        self.assertIn("is not a phone number", name["message"])
        self.assertIn("type the number", name["message"])
        wrong = self.till.pongo_search_phone("06 12")
        self.assertIn("Add the country code, e.g. +33 6 12 34 56 78", wrong["message"])
        self.env.company.sudo().pongo_access_token = False
        off = self.till.pongo_search_phone(seed.PHONE_LUCAS)
        self.assertEqual(off["status"], "inactive")
        self.assertIn("ask a manager to reconnect", off["message"])

    def test_phone_region_is_the_store_country(self):
        """A Belgian store's till reads 0470 numbers as Belgian ones."""
        self.store.country_id = self.env.ref("base.be")
        answer = self.till.pongo_search_phone("0470 12 34 56")
        self.assertEqual(answer["status"], "not_found")
        self.assertEqual(answer["phone"], "+32470123456")
        wrong = self.till.pongo_search_phone("0470")
        self.assertIn("e.g. +32", wrong["message"])

    def test_local_contact_when_pongo_is_down(self):
        ada = self.env["res.partner"].create({"name": "Ada", "mobile": UNKNOWN_PHONE})
        self.emulator.faults(outage="503")
        answer = self.till.pongo_search_phone(UNKNOWN_PHONE)
        self.assertEqual(answer["status"], "local_only")
        self.assertEqual(answer["partner_id"], ada.id)
        self.assertIn("Ada is set on the order", answer["message"])


@tagged("post_install", "-at_install")
class TestPongoVoucherCodeLock(PongoEmulatorMixin, TransactionCase):
    """A Pongo voucher code typed in *Enter Code* takes the same lock as Apply."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fr")
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_code_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        store = cls.env["pongo.store"].create({"name": "Paris", "slug": "demo-paris"})
        cls.config = cls.env["pos.config"].create(
            {"name": "Till 1", "pongo_store_id": store.id}
        )
        cls.other = cls.env["pos.config"].create(
            {"name": "Till 2", "pongo_store_id": store.id}
        )

    def setUp(self):
        super().setUp()
        self.pongo_connect_company(self.env.company)
        self.till = self.config.with_user(self.cashier)
        client = self.env.company._pongo_get_client()
        customer = client.get_customer_by_phone(seed.PHONE_EMMA)
        self.emma = self.env["res.partner"]._pongo_upsert_from_customer(
            customer, self.env.company
        )
        owned = self.till.pongo_loyalty(self.emma.id)["owned"]
        self.voucher = next(item for item in owned if item["name"] == "Bon de 5 €")

    def type_code(self, till):
        return till.with_user(self.cashier).use_coupon_code(
            self.voucher["coupon_code"], "2026-11-26 10:00:00", self.emma.id, False
        )

    def locks(self):
        return [
            request["method"]
            for request in self.emulator.requests_log("/v1/rewards/")
            if request["path"].endswith("/lock")
        ]

    def test_apply_then_code_then_other_order_and_other_till(self):
        prepared = self.till.pongo_prepare_voucher(self.emma.id, self.voucher["id"])
        self.assertEqual(prepared["status"], "ok")
        self.assertTrue(self.type_code(self.config)["successful"], "Apply's own code")
        self.assertEqual(self.locks(), ["POST"], "locked once, by Apply")
        # The same code typed again (another order): Pongo holds it for the first.
        again = self.type_code(self.config)
        self.assertFalse(again["successful"])
        self.assertIn(
            "already used or on another order", again["payload"]["error_message"]
        )
        self.assertEqual(self.locks(), ["POST", "POST"])
        # A till where it was never applied: applied from the Pongo panel only.
        other = self.type_code(self.other)
        self.assertFalse(other["successful"])
        self.assertIn("Pongo panel", other["payload"]["error_message"])

    def test_typed_code_locks_or_is_refused(self):
        prepared = self.till.pongo_prepare_voucher(self.emma.id, self.voucher["id"])
        self.assertEqual(
            self.till.pongo_unlock_reward(self.voucher["id"])["status"], "ok"
        )
        card = self.env["loyalty.card"].browse(prepared["coupon_id"])
        self.assertFalse(card.pongo_apply_until, "unlocking ends Apply's pass")
        # The code typed later locks the voucher for this order.
        self.assertTrue(self.type_code(self.config)["successful"])
        self.assertEqual(self.locks(), ["POST", "DELETE", "POST"])
        self.assertTrue(
            next(
                item
                for item in self.emulator.state()["customer_rewards"]
                if item[C.F_PUBLIC_ID] == self.voucher["id"]
            )[C.F_LOCKED]
        )
        # Pongo down: the code cannot be locked, so it is refused.
        self.till.pongo_unlock_reward(self.voucher["id"])
        self.emulator.faults(outage="503")
        down = self.type_code(self.config)
        self.assertFalse(down["successful"])
        self.assertIn("cannot be reached", down["payload"]["error_message"])


@tagged("post_install", "-at_install")
class TestPongoCustomerIdGuard(PongoEmulatorMixin, TransactionCase):
    """Only managers set a Pongo customer id, and only one Pongo knows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Both may edit contacts: only the Pongo id is the manager's.
        cls.cashier = new_test_user(
            cls.env,
            login="pongo_guard_cashier",
            groups="base.group_user,base.group_partner_manager,"
            "point_of_sale.group_pos_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="pongo_guard_manager",
            groups="base.group_user,base.group_partner_manager,"
            "point_of_sale.group_pos_manager",
        )

    def setUp(self):
        super().setUp()
        self.pongo_connect_company(self.env.company)
        self.lucas_id = self.env.company._pongo_get_client().get_customer_by_phone(
            seed.PHONE_LUCAS
        )[C.F_PUBLIC_ID]
        self.partner = self.env["res.partner"].create({"name": "Walk-in"})

    def test_cashier_cannot_set_it(self):
        self.partner.with_user(self.cashier).write({"name": "Walk-in customer"})
        with self.assertRaises(AccessError):
            self.partner.with_user(self.cashier).write(
                {"pongo_customer_id": self.lucas_id}
            )
        arch = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        fields = re.findall(r"<field [^>]*pongo_customer_id[^>]*>", arch)
        self.assertTrue(fields)
        self.assertTrue(all("readonly" in tag for tag in fields), fields)

    def test_manager_sets_an_id_pongo_knows(self):
        with self.assertRaises(ValidationError):
            self.partner.with_user(self.manager).write(
                {"pongo_customer_id": "cust_typo"}
            )
        self.partner.with_user(self.manager).write({"pongo_customer_id": self.lucas_id})
        self.assertEqual(self.partner.pongo_customer_id, self.lucas_id)
