# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import time

from odoo.tests import BaseCase, tagged

from ..tools.webhook import parse_signature_header, signature_header, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","event":"customer.updated","data":{"public_id":"cus_1"}}'


def documented_header(secret, body, timestamp):
    """The documented formula, written independently of the addon's code."""
    digest = hmac.new(
        secret.encode(), body + str(timestamp).encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


@tagged("post_install", "-at_install")
class TestWebhookSignature(BaseCase):
    def test_valid_signature(self):
        now = int(time.time())
        self.assertTrue(
            verify_signature(SECRET, BODY, documented_header(SECRET, BODY, now))
        )
        self.assertEqual(
            signature_header(SECRET, BODY, now), documented_header(SECRET, BODY, now)
        )

    def test_tampered_body_wrong_secret_stale_timestamp(self):
        now = int(time.time())
        header = documented_header(SECRET, BODY, now)
        self.assertFalse(verify_signature(SECRET, BODY + b" ", header))
        self.assertFalse(verify_signature("other-secret", BODY, header))
        stale = documented_header(SECRET, BODY, now - 301)
        self.assertFalse(verify_signature(SECRET, BODY, stale))
        self.assertTrue(verify_signature(SECRET, BODY, stale, tolerance=400))
        future = documented_header(SECRET, BODY, now + 301)
        self.assertFalse(verify_signature(SECRET, BODY, future))

    def test_malformed_headers(self):
        for header in (None, "", "t=,v1=", "v1=abc", "t=123", "garbage", "t=abc,v1=00"):
            with self.subTest(header=header):
                self.assertFalse(verify_signature(SECRET, BODY, header))
        self.assertFalse(verify_signature("", BODY, documented_header("", BODY, 1)))

    def test_several_v1_values_accept_any_match(self):
        now = int(time.time())
        good = documented_header(SECRET, BODY, now).split("v1=")[1]
        header = f"t={now},v1={'0' * 64},v1={good}"
        self.assertEqual(parse_signature_header(header), (now, ["0" * 64, good]))
        self.assertTrue(verify_signature(SECRET, BODY, header))
