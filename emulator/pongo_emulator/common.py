# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every part of the emulator shares: the wire names of ../../const.py,
small helpers, the request/answer records, API errors and the configuration."""

from __future__ import annotations

import importlib.util
import math
import os
import random
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

try:  # optional, for real phone-number validation
    import phonenumbers
except ImportError:  # pragma: no cover - depends on the environment
    phonenumbers = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_const():
    """The addon's const.py, by file path (never through the Odoo addon package)."""
    path = os.path.join(ROOT, "const.py")
    spec = importlib.util.spec_from_file_location("pos_pongo_const", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


C = _load_const()

API_PREFIX = "/v1"
ADMIN_PREFIX = "/_emulator/"
MERCHANT_NAME = "Café Pongo Démo"
CODE_TTL = 600
CHECKIN_DELAY_SECONDS = 3600
REWARD_VALIDITY_DAYS = 90
HANG_SECONDS = 30
ALNUM = string.ascii_lowercase + string.digits
PHONE_RE = re.compile(r"^[1-9][0-9]{7,14}$")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PIN_RE = re.compile(r"\d{4}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MSG_INVALID = "The given data was invalid."
MSG_UNAUTHENTICATED = "Unauthenticated."
MSG_BAD_SCOPE = "Invalid scope(s) provided."
MSG_PHONE_TAKEN = "The international phone number has already been taken."
MSG_NOT_ENOUGH_POINTS = "The customer does not have enough points."
MSG_ALREADY_USED = "This reward has already been used."
MSG_ALREADY_LOCKED = "This reward is already locked."
MSG_ORDER_CREATED = "Order created."


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def new_id(prefix: str, rng: random.Random | None = None) -> str:
    choice = rng.choice if rng else secrets.choice
    return prefix + "".join(choice(ALNUM) for _ in range(10))


def valid_phone(number: Any) -> bool:
    if not isinstance(number, str) or not PHONE_RE.match(number):
        return False
    if phonenumbers is None:
        return True
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + number))
    except phonenumbers.NumberParseException:
        return False


def mask_phones(text: str) -> str:
    """Hide every phone-like digit run except its last two digits."""
    return re.sub(r"\d{8,15}", lambda m: "*" * (len(m[0]) - 2) + m[0][-2:], text)


def parse_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def as_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.lower() in ("1", "true", "yes")


def earned_points(amount_cents: int, points_per_euro: float) -> int:
    return max(0, math.floor(amount_cents * points_per_euro / 100))


class ApiError(Exception):
    """An error answer: {"message": ...} (+ "errors" for 422)."""

    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors

    def body(self) -> dict:
        body = {C.F_MESSAGE: self.message}
        if self.errors is not None:
            body[C.F_ERRORS] = self.errors
        return body


def invalid(field_name: str, message: str) -> ApiError:
    return ApiError(422, MSG_INVALID, {field_name: [message]})


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found.")


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON, str -> HTML, None -> empty
    headers: dict = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: Any
    raw_body: bytes
    base_url: str
    params: dict = field(default_factory=dict)
    body: Any = None
    token: dict | None = None


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 0
    admin_port: int = 0
    seed: str = "demo"
    client_id: str = "pongo-demo-client"
    client_secret: str = "pongo-demo-secret"
    redirect_uris: list = field(default_factory=list)
    token_ttl: int = 3600
    points_per_euro: float = 1.0
    fault_seed: int = 0
    faults: dict = field(default_factory=dict)
    webhook_attempts: int = 3
    webhook_backoff: float = 0.5
    quiet: bool = False
