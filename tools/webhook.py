# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pongo webhook signatures: ``Pongo-Signature: t=<ts>,v1=<hmac>`` where hmac is
HMAC-SHA256, keyed by the webhook secret, over the raw body then the timestamp."""

import hashlib
import hmac
import time

from .. import const as C


def compute_signature(secret, raw_body, timestamp):
    """Hex HMAC-SHA256 of ``raw_body + str(timestamp)`` keyed by ``secret``."""
    message = raw_body + str(timestamp).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret, raw_body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signature = compute_signature(secret, raw_body, timestamp)
    return f"{C.SIGNATURE_TIMESTAMP}={timestamp},{C.SIGNATURE_V1}={signature}"


def parse_signature_header(header):
    """``(timestamp, [signatures])`` from the header; ``(None, [])`` when malformed."""
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == C.SIGNATURE_TIMESTAMP and value.isdigit():
            timestamp = int(value)
        elif key == C.SIGNATURE_V1 and value:
            signatures.append(value)
    return timestamp, signatures


def verify_signature(
    secret, raw_body, header, tolerance=C.WEBHOOK_TOLERANCE_SECONDS, now=None
):
    """True when ``header`` signs ``raw_body`` with ``secret`` within ``tolerance``
    seconds of ``now``; the comparison is constant-time."""
    if not secret or not isinstance(raw_body, bytes):
        return False
    timestamp, signatures = parse_signature_header(header)
    if timestamp is None or not signatures:
        return False
    now = time.time() if now is None else now
    if tolerance and abs(now - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, raw_body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
