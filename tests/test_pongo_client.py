# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contract tests: every client operation against the running emulator."""

import logging
import threading
import time
from urllib.parse import parse_qs, urlparse

from odoo.tests import BaseCase, tagged

from .. import const as C
from ..tools.pongo_client import (
    PongoAuthError,
    PongoClient,
    PongoConflictError,
    PongoNotFoundError,
    PongoRateLimitedError,
    PongoUnavailableError,
    PongoValidationError,
)
from .common import PongoEmulatorMixin, seed

CLIENT_LOGGER = "odoo.addons.pos_pongo.tools.pongo_client"
PHONE_JEANNE = seed.PHONE_JEANNE  # 0 points
PHONE_LUCAS = seed.PHONE_LUCAS  # 120 points, owns "Café offert"
PHONE_EMMA = seed.PHONE_EMMA  # 500 points, owns a voucher with a coupon code
PHONE_CHLOE = seed.PHONE_CHLOE  # student


order_payload = seed.order_payload


@tagged("post_install", "-at_install")
class TestPongoClient(PongoEmulatorMixin, BaseCase):
    def setUp(self):
        super().setUp()
        self.client = PongoClient(
            self.emulator.url, self.emulator.issue_token(), timeout=(2, 5)
        )

    def customer(self, phone):
        return self.client.get_customer_by_phone(phone)

    # -- authentication -----------------------------------------------------
    def test_oauth_code_exchange_and_refresh_once_on_401(self):
        url = PongoClient.authorization_url(
            self.emulator.url, "pongo-demo-client", "http://127.0.0.1:8069/cb", "st4te"
        )
        query = parse_qs(urlparse(url).query)
        self.assertEqual(query[C.OAUTH_PARAM_STATE], ["st4te"])
        self.assertEqual(query[C.OAUTH_PARAM_SCOPE], [",".join(C.OAUTH_SCOPES)])
        location = self.emulator.authorization_code(
            "http://127.0.0.1:8069/cb", "st4te", scope="customer.read,order.create"
        )
        answer = parse_qs(urlparse(location).query)
        self.assertEqual(answer["state"], ["st4te"])

        saved = []
        client = PongoClient(
            self.emulator.url,
            client_id="pongo-demo-client",
            client_secret="pongo-demo-secret",
            on_token_refreshed=saved.append,
        )
        token = client.exchange_code(answer["code"][0])
        self.assertTrue(token[C.TOKEN_ACCESS_TOKEN])
        self.assertTrue(client.refresh_token)
        self.assertTrue(client.test_token())
        with self.assertRaises(PongoAuthError):
            client.exchange_code(answer["code"][0])  # single use

        self.emulator.admin("POST", "tokens/expire")
        self.assertEqual(
            client.get_user_info()["merchant"][C.F_NAME], "Café Pongo Démo"
        )
        self.assertEqual(len(saved), 1, "a 401 refreshes the token once")
        self.assertEqual(client.access_token, saved[0][C.TOKEN_ACCESS_TOKEN])

    def test_expired_token_without_refresh_is_an_auth_error(self):
        self.emulator.admin("POST", "tokens/expire")
        with self.assertRaises(PongoAuthError) as caught:
            self.client.list_stores()
        self.assertEqual(caught.exception.status, 401)
        with self.assertRaises(PongoAuthError):
            PongoClient(self.emulator.url).list_stores()

    def test_missing_scope_is_an_auth_error(self):
        token = self.emulator.issue_token(scopes=["customer.read"])
        client = PongoClient(self.emulator.url, token)
        self.assertTrue(client.get_customer_by_phone(PHONE_JEANNE))
        with self.assertRaises(PongoAuthError) as caught:
            client.create_order(order_payload("POS/403", PHONE_JEANNE))
        self.assertEqual(caught.exception.status, 403)

    def test_stores_and_user(self):
        slugs = {store[C.F_SLUG] for store in self.client.list_stores()}
        self.assertEqual(slugs, {"demo-paris", "demo-lyon"})
        self.assertIn("order.create", self.client.get_user_info()["scopes"])

    # -- customers ------------------------------------------------------------
    def test_customer_lifecycle_and_validation_errors(self):
        self.assertFalse(self.client.customer_exists("33699999999"))
        created = self.client.create_customer(
            {
                C.F_PHONE: "33699999999",
                C.F_REFERENCE_STORE_SLUG: "demo-paris",
                C.F_FIRST_NAME: "Ada",
                C.F_SMS_OPTIN: True,
                C.F_EMAIL_OPTIN: False,
            }
        )
        self.assertTrue(self.client.customer_exists("33699999999"))
        self.assertEqual(
            self.client.get_customer(created[C.F_PUBLIC_ID])[C.F_FIRST_NAME], "Ada"
        )
        updated = self.client.update_customer(
            created[C.F_PUBLIC_ID],
            {C.F_EMAIL: "ada@example.com", C.F_EMAIL_OPTIN: True},
        )
        self.assertEqual(updated[C.F_EMAIL], "ada@example.com")
        self.assertTrue(self.customer("33699999999")[C.F_EMAIL_OPTIN])

        with self.assertRaises(PongoValidationError) as caught:
            self.client.create_customer(
                {C.F_PHONE: "33699999999", C.F_REFERENCE_STORE_SLUG: "demo-paris"}
            )
        self.assertIn(C.F_PHONE, caught.exception.errors)
        self.assertIn("already been taken", caught.exception.message)
        with self.assertRaises(PongoValidationError) as caught:
            self.client.create_customer(
                {C.F_PHONE: "123", C.F_REFERENCE_STORE_SLUG: "demo-paris"}
            )
        self.assertIn(C.F_PHONE, caught.exception.errors)
        with self.assertRaises(PongoNotFoundError):
            self.client.get_customer("cus_unknown")
        with self.assertRaises(PongoNotFoundError):
            self.client.get_customer_by_phone("33600000000")

    def test_pagination_walks_every_page(self):
        self.emulator.admin("POST", "customers/generate", {"count": 230})
        first = self.client.list_customers(page=1, per_page=100)
        total = first[C.F_META][C.META_TOTAL]
        self.assertEqual(total, 240)
        phones = [c[C.F_PHONE] for c in self.client.iter_customers(per_page=100)]
        self.assertEqual(len(phones), 240)
        self.assertEqual(len(set(phones)), 240)
        pages = [
            r
            for r in self.emulator.requests_log(C.PATH_CUSTOMERS)
            if r["method"] == "GET"
        ]
        self.assertEqual(len(pages), 1 + 3, "one call per page, no extra one")

    def test_tags_attributes_and_checkin(self):
        self.assertIn("student", self.client.get_customer_tags())
        public_id = self.customer(PHONE_JEANNE)[C.F_PUBLIC_ID]
        definitions = {a[C.F_ID] for a in self.client.list_customer_attributes()}
        self.assertIn("attr_favorite_drink", definitions)
        self.client.add_customer_attribute(public_id, "attr_favorite_drink", "Thé")
        self.client.update_customer_attribute(public_id, "attr_favorite_drink", "Café")
        values = self.client.get_customer_attributes(public_id)
        self.assertEqual(
            values, [{C.F_ATTRIBUTE: "attr_favorite_drink", C.F_VALUE: "Café"}]
        )
        self.client.remove_customer_attribute(public_id, "attr_favorite_drink")
        self.assertEqual(self.client.get_customer_attributes(public_id), [])

        checkin = self.client.create_checkin(
            {
                C.F_STORE_SLUG: "demo-paris",
                C.F_PHONE: PHONE_JEANNE,
                C.F_AMOUNT: 1000,
                C.F_TAGS: [],
            }
        )
        self.assertEqual(checkin[C.F_CUSTOMER], public_id)
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 10)

    # -- orders ---------------------------------------------------------------
    def test_order_once_then_202_then_refund_reverses_points(self):
        body, replay = self.client.create_order(order_payload("POS/0001", PHONE_JEANNE))
        self.assertFalse(replay)
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 18)
        body2, replay = self.client.create_order(
            order_payload("POS/0001", PHONE_JEANNE)
        )
        self.assertTrue(replay)
        self.assertEqual(body2[C.F_ID], body[C.F_ID])
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 18)
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 1)
        self.assertEqual(ledger["orders"][0]["received"], 2)

        self.client.update_order_status(
            "POS/0001", C.ORDER_STATUS_REFUNDED, "demo-paris"
        )
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 0)
        with self.assertRaises(PongoNotFoundError):
            self.client.update_order_status(
                "POS/none", C.ORDER_STATUS_REFUNDED, "demo-paris"
            )
        with self.assertRaises(PongoValidationError) as caught:
            self.client.create_order(
                order_payload("POS/0002", PHONE_JEANNE, store="nowhere")
            )
        self.assertIn(C.F_LOYALTY_STORE_SLUG, caught.exception.errors)

    # -- rewards --------------------------------------------------------------
    def test_catalogue_is_filtered_by_customer_and_store(self):
        student = self.customer(PHONE_CHLOE)[C.F_PUBLIC_ID]
        other = self.customer(PHONE_JEANNE)[C.F_PUBLIC_ID]
        names = {r[C.F_NAME] for r in self.client.get_rewards(student, "demo-paris")}
        self.assertIn("Cookie étudiant", names)
        self.assertNotIn("Jus d'orange lyonnais", names)
        names = {r[C.F_NAME] for r in self.client.get_rewards(other, "demo-lyon")}
        self.assertNotIn("Cookie étudiant", names)
        self.assertIn("Jus d'orange lyonnais", names)
        cheap = self.client.get_rewards(max_points=50)
        self.assertTrue(cheap)
        self.assertTrue(all(r[C.F_POINTS] <= 50 for r in cheap))

    def test_buy_use_lock_unlock_and_their_conflicts(self):
        lucas = self.customer(PHONE_LUCAS)[C.F_PUBLIC_ID]
        catalogue = {
            r[C.F_NAME]: r for r in self.client.get_rewards(lucas, "demo-paris")
        }
        voucher = catalogue["Bon de 5 €"]
        bought = self.client.buy_reward(voucher[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertTrue(bought[C.F_COUPON_CODE])
        self.assertEqual(self.customer(PHONE_LUCAS)[C.F_POINTS], 20)
        with self.assertRaises(PongoValidationError) as caught:
            self.client.buy_reward(voucher[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertIn(C.F_POINTS, caught.exception.errors)
        with self.assertRaises(PongoNotFoundError):
            self.client.buy_reward("rwd_unknown", lucas, "demo-paris")

        owned = self.client.get_customer_rewards(lucas, used=False)
        self.assertIn(bought[C.F_PUBLIC_ID], {r[C.F_PUBLIC_ID] for r in owned})
        locked = self.client.lock_reward(bought[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertTrue(locked[C.F_LOCKED])
        with self.assertRaises(PongoConflictError):
            self.client.lock_reward(bought[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.client.unlock_reward(bought[C.F_PUBLIC_ID])
        self.client.unlock_reward(bought[C.F_PUBLIC_ID])  # idempotent
        used = self.client.use_reward(bought[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertTrue(used[C.F_USED])
        with self.assertRaises(PongoConflictError):
            self.client.use_reward(bought[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertNotIn(
            bought[C.F_PUBLIC_ID],
            {
                r[C.F_PUBLIC_ID]
                for r in self.client.get_customer_rewards(lucas, used=False)
            },
        )

    def test_order_confirms_reward_use(self):
        emma = self.customer(PHONE_EMMA)[C.F_PUBLIC_ID]
        owned = self.client.get_customer_rewards(emma, used=False)
        voucher = next(r for r in owned if r[C.F_COUPON_CODE])
        self.client.create_order(
            order_payload("POS/R1", PHONE_EMMA, reward_ids=[voucher[C.F_PUBLIC_ID]])
        )
        still_open = {
            r[C.F_PUBLIC_ID] for r in self.client.get_customer_rewards(emma, used=False)
        }
        self.assertNotIn(voucher[C.F_PUBLIC_ID], still_open)

    # -- webhooks -------------------------------------------------------------
    def test_webhook_subscription(self):
        hook = self.client.subscribe_webhook(
            C.EVENT_CUSTOMER_UPDATED, "https://odoo.example.com/pos_pongo/webhook"
        )
        self.assertTrue(
            hook[C.F_SECRET], "Pongo generates the secret when none is given"
        )
        self.client.unsubscribe_webhook(hook[C.F_ID])
        with self.assertRaises(PongoNotFoundError):
            self.client.unsubscribe_webhook(hook[C.F_ID])
        with self.assertRaises(PongoValidationError):
            self.client.subscribe_webhook("order.created", "https://odoo.example.com/x")

    # -- faults ---------------------------------------------------------------
    def test_outage_refused_is_unavailable_and_recovers(self):
        self.emulator.faults(outage="refuse")
        started = time.monotonic()
        with self.assertRaises(PongoUnavailableError):
            self.client.list_stores()
        self.assertLess(time.monotonic() - started, 5)
        self.emulator.faults(clear=True)
        self.assertEqual(len(self.client.list_stores()), 2)

    def test_5xx_retries_reads_but_not_customer_creation(self):
        self.emulator.faults(outage="503")
        with self.assertRaises(PongoUnavailableError):
            self.client.list_stores()
        self.assertEqual(
            len(self.emulator.requests_log(C.PATH_STORES)), 1 + C.RETRY_TOTAL
        )
        with self.assertRaises(PongoUnavailableError):
            self.client.create_customer(
                {C.F_PHONE: "33699999998", C.F_REFERENCE_STORE_SLUG: "demo-paris"}
            )
        posts = [
            r
            for r in self.emulator.requests_log(C.PATH_CUSTOMERS)
            if r["method"] == "POST"
        ]
        self.assertEqual(
            len(posts), 1, "a non-idempotent call is not repeated on a 5xx"
        )

    def test_5xx_on_orders_is_retried_until_it_passes(self):
        self.emulator.faults(error_rate=0.5, fault_seed=7, paths=[C.PATH_ORDERS])
        for number in range(6):
            payload = order_payload(f"POS/5XX/{number}", PHONE_JEANNE, amount=100)
            for _attempt in range(10):  # as the outbox would, later
                try:
                    self.client.create_order(payload)
                    break
                except PongoUnavailableError:
                    continue
            else:
                self.fail("an order never went through a 50% error rate")
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 6)
        self.assertEqual(ledger["duplicates"], 0)
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 6)

    def test_429_waits_retry_after_or_hands_it_back(self):
        self.emulator.faults(rate_limit={"every": 2, "retry_after": 1})
        self.client.list_stores()  # request 1 passes
        started = time.monotonic()
        self.client.list_stores()  # request 2 is limited, retried after 1 s
        self.assertGreaterEqual(time.monotonic() - started, 1)
        times = [r["time"] for r in self.emulator.requests_log(C.PATH_STORES)]
        self.assertEqual(len(times), 3)
        self.assertGreaterEqual(times[2] - times[1], 1)

        # A non-idempotent call is retried too: Pongo did nothing on a 429.
        self.emulator.admin("DELETE", "requests")
        lucas = self.customer(PHONE_LUCAS)[C.F_PUBLIC_ID]
        cafe = next(
            r for r in self.client.get_rewards() if r[C.F_NAME] == "Café offert"
        )
        self.client.buy_reward(cafe[C.F_PUBLIC_ID], lucas, "demo-paris")
        self.assertEqual(self.customer(PHONE_LUCAS)[C.F_POINTS], 70)

        self.emulator.faults(rate_limit={"every": 1, "retry_after": 60})
        started = time.monotonic()
        with self.assertRaises(PongoRateLimitedError) as caught:
            self.client.list_stores()
        self.assertLess(
            time.monotonic() - started, 5, "never sleeps a long Retry-After"
        )
        self.assertEqual(caught.exception.retry_after, 60)
        self.assertTrue(caught.exception.retryable)

    def test_429_holds_every_caller_of_the_process(self):
        """Retry-After told to one call holds the calls other threads start."""
        self.emulator.faults(rate_limit={"every": 2, "retry_after": 1})
        self.client.list_stores()  # request 1 passes
        told = threading.Thread(target=self.client.list_stores)  # request 2: 429
        told.start()
        time.sleep(0.3)  # the 429 is back; this other caller starts now
        self.emulator.faults(clear=True)
        PongoClient(self.emulator.url, self.client.access_token).get_rewards()
        told.join()
        log = sorted(self.emulator.requests_log("/v1/"), key=lambda r: r["time"])
        limited = next(r for r in log if r["status"] == 429)
        after = [
            r["time"] - limited["time"] for r in log if r["time"] > limited["time"]
        ]
        self.assertEqual(len(after), 2, "the retry and the other caller's call")
        self.assertGreaterEqual(min(after), 0.95)

    def test_interactive_calls_try_once_and_never_sleep(self):
        """A cashier waits for these: a hanging Pongo costs one read timeout, a 5xx
        or a 429 is answered at once (the outbox retries, not the cashier)."""
        client = PongoClient(
            self.emulator.url,
            self.client.access_token,
            timeout=(2, 1),
            interactive=True,
        )
        self.emulator.faults(hang=True, hang_seconds=5, paths=[C.PATH_STORES])
        started = time.monotonic()
        with self.assertRaises(PongoUnavailableError):
            client.list_stores()
        self.assertLess(time.monotonic() - started, 3, "one read timeout, no retry")
        self.assertEqual(len(self.emulator.requests_log(C.PATH_STORES)), 1)
        self.emulator.faults(clear=True)
        self.emulator.admin("DELETE", "requests")
        self.emulator.faults(outage="503")
        with self.assertRaises(PongoUnavailableError):
            client.list_stores()
        self.assertEqual(len(self.emulator.requests_log(C.PATH_STORES)), 1)
        self.emulator.faults(clear=True)
        self.emulator.faults(rate_limit={"every": 1, "retry_after": 2})
        started = time.monotonic()
        with self.assertRaises(PongoRateLimitedError):
            client.list_stores()
        with self.assertRaises(PongoRateLimitedError, msg="the host is held"):
            client.get_rewards()
        self.assertLess(time.monotonic() - started, 1, "no sleep for a 429")
        self.assertEqual(len(self.emulator.requests_log(C.PATH_REWARDS)), 0)
        self.emulator.faults(clear=True)
        time.sleep(2.1)  # Pongo's Retry-After is over
        self.assertTrue(client.get_rewards())

    def test_accept_then_hang_is_not_duplicated(self):
        self.emulator.faults(hang=True, hang_seconds=3, paths=[C.PATH_ORDERS])
        client = PongoClient(
            self.emulator.url, self.client.access_token, timeout=(2, 0.5)
        )
        with self.assertRaises(PongoUnavailableError):
            client.create_order(order_payload("POS/HANG", PHONE_JEANNE))
        self.emulator.faults(clear=True)
        _body, replay = client.create_order(order_payload("POS/HANG", PHONE_JEANNE))
        self.assertTrue(replay, "Pongo applied the first post: the resend answers 202")
        ledger = self.emulator.ledger()
        self.assertEqual(len(ledger["orders"]), 1)
        self.assertEqual(ledger["duplicates"], 0)
        self.assertEqual(self.customer(PHONE_JEANNE)[C.F_POINTS], 18)

    def test_logs_carry_no_secret_and_masked_phones(self):
        secret_client = PongoClient(
            self.emulator.url,
            self.client.access_token,
            client_id="pongo-demo-client",
            client_secret="pongo-demo-secret",
            refresh_token="refresh-xyz",
        )
        with self.assertLogs(CLIENT_LOGGER, level=logging.DEBUG) as logs:
            secret_client.get_customer_by_phone(PHONE_LUCAS)
            with self.assertRaises(PongoValidationError):
                secret_client.create_customer(
                    {C.F_PHONE: PHONE_LUCAS, C.F_REFERENCE_STORE_SLUG: "demo-paris"}
                )
            with self.assertRaises(PongoAuthError):
                secret_client.exchange_code("c0de-xyz")
        self.emulator.faults(outage="refuse")
        with self.assertLogs(
            "urllib3.connectionpool", level=logging.WARNING
        ) as retries:
            with self.assertRaises(PongoUnavailableError):
                secret_client.get_customer_by_phone(PHONE_LUCAS)
        text = "\n".join(logs.output + retries.output)
        self.assertIn("Retrying", text)
        for secret in (
            self.client.access_token,
            "pongo-demo-secret",
            "refresh-xyz",
            "c0de-xyz",
            PHONE_LUCAS,
        ):
            self.assertNotIn(secret, text)
        self.assertIn("*********03", text)
