#!/usr/bin/env python3
# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stateful local emulator of the Hey Pongo loyalty API (stdlib only).

Run:  python3 emulator/pongo_emulator.py --host 127.0.0.1 --port 8071
In-process:  emu = Emulator(port=0); emu.start(); ...; emu.stop()

Every wire name comes from ../const.py (loaded by file path, never through the
Odoo addon package). The behaviour is described in emulator/openapi.yaml and
emulator/README.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import importlib.util
import json
import math
import os
import random
import re
import secrets
import signal
import string
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:  # optional, for real phone-number validation
    import phonenumbers
except ImportError:  # pragma: no cover - depends on the environment
    phonenumbers = None


def _load_const():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "const.py")
    spec = importlib.util.spec_from_file_location("pos_pongo_const", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


C = _load_const()

# Products of the addon's demo data; the seeded rewards point at these SKUs.
DEMO_SKUS = (
    "CAFE-ESPRESSO",
    "VIENN-CROISSANT",
    "VIENN-PAINCHOC",
    "COOKIE-CHOCO",
    "JUS-ORANGE",
)

# Documented basic scopes the project does not request; the form accepts them.
EXTRA_SCOPES = (
    "reward.create",
    "contest-game.create",
    "contest-game.read",
    "contest-game.update",
)

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


# ---------------------------------------------------------------------------
# Laravel-style validation
# ---------------------------------------------------------------------------
_BAD = object()


class Checker:
    """Collects Laravel-style 422 errors; `clean` holds the valid given fields."""

    def __init__(self, data: Any, prefix: str = ""):
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        self.data, self.prefix = data, prefix
        self.errors: dict[str, list[str]] = {}
        self.clean: dict[str, Any] = {}

    def label(self, name: str) -> str:
        return (self.prefix + name).replace("_", " ")

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(self.prefix + name, []).append(message)

    def check(self, name: str, required: bool, ok: Callable[[Any], bool], message):
        """Validate one field with predicate `ok`; returns the value or None."""
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, f"The {self.label(name)} field is required.")
            elif name in self.data:
                self.clean[name] = None
            return None
        if not ok(value):
            self.fail(name, message.format(attr=self.label(name)))
            return None
        self.clean[name] = value
        return value

    def string(self, name, required=False):
        return self.check(name, required, _is_str, "The {attr} must be a string.")

    def integer(self, name, required=False, minimum=0):
        msg = "The {attr} must be an integer."
        if minimum is not None:
            msg = "The {attr} must be an integer of at least %s." % minimum

        def ok(v):
            return _is_int(v) and (minimum is None or v >= minimum)

        return self.check(name, required, ok, msg)

    def number(self, name, required=False):
        msg = "The {attr} must be a positive number."
        return self.check(name, required, lambda v: _is_number(v) and v > 0, msg)

    def boolean(self, name, required=False):
        msg = "The {attr} field must be true or false."
        value = self.check(name, required, lambda v: v in (True, False, 0, 1), msg)
        if value is not None:
            self.clean[name] = value = bool(value)
        return value

    def enum(self, name, allowed, required=False):
        msg = "The selected {attr} is invalid."
        return self.check(name, required, lambda v: v in allowed, msg)

    def phone(self, name, required=False):
        return self.check(name, required, valid_phone, "The {attr} format is invalid.")

    def email(self, name):
        msg = "The {attr} must be a valid email address."
        return self.check(name, False, lambda v: _matches(EMAIL_RE, v), msg)

    def pin(self, name):
        msg = "The {attr} must be 4 digits."
        return self.check(name, False, lambda v: _matches(PIN_RE, v), msg)

    def birthday(self, name):
        msg = "The {attr} must be a date before today in the format Y-m-d."
        return self.check(name, False, _is_past_date, msg)

    def moment(self, name, required=False, not_future=False):
        def ok(v):
            moment = parse_datetime(v)
            return moment is not None and not (not_future and moment > utcnow())

        msg = "The {attr} must be a valid date not after now."
        return self.check(name, required, ok, msg)

    def strings(self, name, required=False):
        if required and self.data.get(name) == []:
            self.clean[name] = []
            return []
        msg = "The {attr} must be an array of strings."
        ok = lambda v: isinstance(v, list) and all(map(_is_str, v))  # noqa: E731
        return self.check(name, required, ok, msg)

    def objects(self, name, required=False, min_items=0):
        def ok(v):
            dicts = isinstance(v, list) and all(isinstance(i, dict) for i in v)
            return dicts and len(v) >= min_items

        msg = "The {attr} must be an array of at least %s object(s)." % min_items
        return self.check(name, required, ok, msg)

    def obj(self, name):
        msg = "The {attr} must be an object."
        return self.check(name, False, lambda v: isinstance(v, dict), msg)

    def merge(self, other: Checker) -> None:
        for key, messages in other.errors.items():
            self.errors.setdefault(key, []).extend(messages)

    def done(self) -> None:
        if self.errors:
            raise ApiError(422, MSG_INVALID, self.errors)


def _is_str(value) -> bool:
    return isinstance(value, str)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _matches(regex: re.Pattern, value) -> bool:
    return isinstance(value, str) and bool(regex.fullmatch(value))


def _is_past_date(value) -> bool:
    if not _matches(DATE_RE, value):
        return False
    try:
        return date.fromisoformat(value) < date.today()
    except ValueError:
        return False


# ---------------------------------------------------------------------------
# Seed data
# ---------------------------------------------------------------------------
SEED_STORES = (
    ("demo-paris", "Café Pongo Démo Paris", "12 rue de Rivoli", "75004", "Paris"),
    ("demo-lyon", "Café Pongo Démo Lyon", "3 place Bellecour", "69002", "Lyon"),
)
# name, description, points, external_id, type, value, store_slugs, customer_tags
SEED_REWARDS = (
    ("Café offert", "Un espresso", 50, "CAFE-ESPRESSO,OTHERPOS-42",
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Viennoiserie offerte", "Croissant ou pain au chocolat", 80,
     "VIENN-CROISSANT,VIENN-PAINCHOC", C.REWARD_FREE_PRODUCT, None, [], []),
    ("Goodies", "Un tote bag Pongo", 30, "ZZZ-NOT-SOLD",
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Bon de 5 €", "5 € de réduction", 100, None,
     C.REWARD_VOUCHER_AMOUNT, 500, [], []),
    ("-10 % sur l'addition", "10 % de réduction", 150, None,
     C.REWARD_VOUCHER_PERCENTAGE, 10, [], []),
    ("Cookie étudiant", "Réservé aux étudiants", 40, "COOKIE-CHOCO",
     C.REWARD_FREE_PRODUCT, None, [], ["student"]),
    ("Jus d'orange lyonnais", "Uniquement à Lyon", 60, "JUS-ORANGE",
     C.REWARD_FREE_PRODUCT, None, ["demo-lyon"], []),
    ("Surprise du chef", "Sans produit associé", 70, None,
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Visite des cuisines", "Une visite guidée", 300, None,
     C.REWARD_OTHER, None, [], []),
)  # fmt: skip
# phone suffix, first name, last name, points, sms, email opt-in, tags, store
SEED_CUSTOMERS = (
    ("01", "Jeanne", "Martin", 0, True, True, [], "demo-paris"),
    ("02", "Louis", "Bernard", 40, True, False, [], "demo-paris"),
    ("03", "Lucas", "Thomas", 120, False, True, [], "demo-paris"),
    ("04", "Emma", "Petit", 500, True, True, ["ambassador"], "demo-paris"),
    ("05", "Chloé", "Robert", 75, True, True, ["student"], "demo-lyon"),
    ("06", "Hugo", "Richard", 10, False, False, [], "demo-lyon"),
    ("07", "Léa", "Durand", 250, True, False, [], "demo-lyon"),
    ("08", "Jules", "Dubois", 1000, False, True, [], "demo-paris"),
    ("09", "Manon", "Moreau", 49, True, True, [], "demo-paris"),
    ("10", "Nathan", "Laurent", 150, False, False, [], "demo-lyon"),
)  # fmt: skip
SEED_PHONE_PREFIX = "336123456"
# customer index, reward index, origin, used
SEED_OWNED = (
    (2, 0, C.ORIGIN_BOUGHT, False),
    (3, 3, C.ORIGIN_BOUGHT, False),
    (3, 1, C.ORIGIN_WON, False),
    (3, 0, C.ORIGIN_BOUGHT, True),
    (4, 5, C.ORIGIN_WON, False),
)
SEED_ATTRIBUTES = (
    ("attr_favorite_drink", "Boisson préférée", "string"),
    ("attr_children", "Nombre d'enfants", "number"),
    ("attr_vegetarian", "Végétarien", "boolean"),
    ("attr_anniversary", "Date d'anniversaire d'adhésion", "date"),
)
SEEDS = ("demo", "empty")

CUSTOMER_FIELDS = (
    C.F_PUBLIC_ID, C.F_PHONE, C.F_EMAIL, C.F_FIRST_NAME, C.F_LAST_NAME,
    C.F_GENDER, C.F_BIRTHDAY, C.F_SMS_OPTIN, C.F_EMAIL_OPTIN, C.F_POINTS,
    C.F_TAGS, C.F_REFERENCE_STORE_SLUG, C.F_CREATED_AT, C.F_UPDATED_AT,
)  # fmt: skip
EDITABLE_CUSTOMER_FIELDS = CUSTOMER_FIELDS[1:-2]  # not the id nor the timestamps
REWARD_FIELDS = (
    C.F_PUBLIC_ID, C.F_NAME, C.F_DESCRIPTION, C.F_POINTS, C.F_EXTERNAL_ID,
    C.F_REWARD_TYPE, C.F_VALUE, C.F_STORE_SLUGS, C.F_CUSTOMER_TAGS, C.F_IMAGE_URL,
)  # fmt: skip
OWNED_FIELDS = (
    C.F_PUBLIC_ID, C.F_CUSTOMER, C.F_ORIGIN, C.F_USED, C.F_USED_AT, C.F_STORE_SLUG,
    C.F_LOCKED, C.F_COUPON_CODE, C.F_CREATED_AT, C.F_EXPIRES_AT,
)  # fmt: skip
ORDER_FIELDS = (
    C.F_ID, C.F_ORDER_ID, C.F_LOYALTY_STORE_SLUG, C.F_STATUS, C.F_AMOUNT,
    C.F_TAXES_AMOUNT, C.F_POINTS_EARNED, C.F_CUSTOMER, C.F_REWARD_IDS, C.F_LINES,
    C.F_CREATED_AT, C.F_UPDATED_AT,
)  # fmt: skip


def pick(record: dict, fields: tuple) -> dict:
    return {name: record.get(name) for name in fields}


# ---------------------------------------------------------------------------
# State: merchant data, tokens, ledger (one RLock around every mutation)
# ---------------------------------------------------------------------------
class PongoState:
    def __init__(self, config: Config, notify: Callable[[str, dict], None]):
        self.lock = threading.RLock()
        self.config = config
        self.notify = notify  # (event, customer json) -> webhook deliveries
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.reset(config.seed)

    # -- reset / seed -------------------------------------------------------
    def reset(self, seed: str) -> None:
        if seed not in SEEDS:
            raise invalid("seed", f"The seed must be one of {', '.join(SEEDS)}.")
        with self.lock:
            self.seed = seed
            self.stores: dict[str, dict] = {}
            self.customers: dict[str, dict] = {}
            self.phones: dict[str, str] = {}
            self.payment_hashes: dict[str, str] = {}
            self.rewards: dict[str, dict] = {}
            self.owned: dict[str, dict] = {}
            self.coupon_codes: set[str] = set()
            self.attributes = {
                a_id: {C.F_ID: a_id, C.F_NAME: name, C.F_ATTRIBUTE_TYPE: kind}
                for a_id, name, kind in SEED_ATTRIBUTES
            }
            self.attribute_values: dict[str, dict] = {}
            self.orders: dict[str, dict] = {}
            self.order_keys: dict[tuple, str] = {}
            self.ledger: dict[tuple, dict] = {}
            self.order_posts = 0
            self.orders_created: list[tuple] = []
            self.checkins: list[dict] = []
            self.webhooks: dict[str, dict] = {}
            self._seed(seed)

    def _seed(self, seed: str) -> None:
        rng = random.Random(f"pongo-{seed}")
        for slug, name, address, postal_code, city in SEED_STORES:
            self.stores[slug] = {
                C.F_PUBLIC_ID: new_id("str_", rng),
                C.F_SLUG: slug,
                C.F_NAME: name,
                C.F_ADDRESS: address,
                C.F_POSTAL_CODE: postal_code,
                C.F_CITY: city,
                C.F_COUNTRY: "FR",
            }
        reward_ids = []
        for name, desc, points, ext, kind, value, stores, tags in SEED_REWARDS:
            values = (name, desc, points, ext, kind, value, stores, tags, None)
            reward = dict(
                zip(REWARD_FIELDS, (new_id("rwd_", rng), *values), strict=True)
            )
            self.rewards[reward[C.F_PUBLIC_ID]] = reward
            reward_ids.append(reward[C.F_PUBLIC_ID])
        if seed == "empty":
            return
        now = utcnow()
        customer_ids = []
        for i, row in enumerate(SEED_CUSTOMERS):
            suffix, first, last, points, sms, mail, tags, store = row
            when = now - timedelta(days=len(SEED_CUSTOMERS) - i)
            customer = self._insert_customer(
                {
                    C.F_PHONE: SEED_PHONE_PREFIX + suffix,
                    C.F_FIRST_NAME: first,
                    C.F_LAST_NAME: last,
                    C.F_EMAIL: f"{first.lower()}@example.com",
                    C.F_POINTS: points,
                    C.F_SMS_OPTIN: sms,
                    C.F_EMAIL_OPTIN: mail,
                    C.F_TAGS: tags,
                    C.F_REFERENCE_STORE_SLUG: store,
                },
                rng=rng,
                when=when,
            )
            customer_ids.append(customer[C.F_PUBLIC_ID])
        for cust, rwd, origin, used in SEED_OWNED:
            self.give_reward(
                customer_ids[cust],
                reward_ids[rwd],
                origin,
                used=used,
                store_slug="demo-paris",
                rng=rng,
            )

    # -- customers ----------------------------------------------------------
    def _insert_customer(self, values: dict, rng=None, when=None) -> dict:
        when = when or utcnow()
        customer = {
            C.F_PUBLIC_ID: new_id(C.CUSTOMER_ID_PREFIX, rng),
            C.F_EMAIL: None,
            C.F_FIRST_NAME: None,
            C.F_LAST_NAME: None,
            C.F_GENDER: None,
            C.F_BIRTHDAY: None,
            C.F_SMS_OPTIN: False,
            C.F_EMAIL_OPTIN: False,
            C.F_POINTS: 0,
            C.F_TAGS: [],
            C.F_REFERENCE_STORE_SLUG: None,
            C.F_CREATED_AT: iso(when),
            C.F_UPDATED_AT: iso(when),
            "_updated": when,
        }
        self._apply_customer(customer, values, touch=False)
        self.customers[customer[C.F_PUBLIC_ID]] = customer
        return customer

    def _apply_customer(self, customer: dict, values: dict, touch=True) -> None:
        values = dict(values)
        if values.get(C.F_OPTIN) is not None:
            values.setdefault(C.F_SMS_OPTIN, values[C.F_OPTIN])
            values.setdefault(C.F_EMAIL_OPTIN, values[C.F_OPTIN])
        if values.get(C.F_PHONE):
            self.phones.pop(customer.get(C.F_PHONE), None)
            self.phones[values[C.F_PHONE]] = customer[C.F_PUBLIC_ID]
        if values.get(C.F_PAYMENT_METHOD_HASH):
            self.payment_hashes[values[C.F_PAYMENT_METHOD_HASH]] = customer[
                C.F_PUBLIC_ID
            ]
        if values.get(C.F_PIN):
            customer["_pin"] = values[C.F_PIN]
        for name in EDITABLE_CUSTOMER_FIELDS:
            if name in values and (values[name] is not None or name in NULLABLE):
                customer[name] = values[name]
        customer[C.F_TAGS] = sorted(set(customer[C.F_TAGS] or []))
        if touch:
            self.touch(customer)

    @staticmethod
    def touch(customer: dict) -> None:
        customer["_updated"] = utcnow()
        customer[C.F_UPDATED_AT] = iso(customer["_updated"])

    def validate_customer(self, data, creating, current=None, default_store=None):
        """Check a create/update body; returns the normalised values."""
        v = Checker(data)
        phone = v.phone(C.F_PHONE, required=creating)
        owner = self.phones.get(phone)
        if phone and owner and owner != (current or {}).get(C.F_PUBLIC_ID):
            v.fail(C.F_PHONE, MSG_PHONE_TAKEN)
        slug = v.string(C.F_REFERENCE_STORE_SLUG)
        store_id = v.string(C.F_REFERENCE_STORE_ID)
        if slug and slug not in self.stores:
            v.fail(
                C.F_REFERENCE_STORE_SLUG,
                "The selected reference store slug is invalid.",
            )
        if store_id:
            slug = self.store_slug_by_id(store_id)
            if not slug:
                v.fail(
                    C.F_REFERENCE_STORE_ID,
                    "The selected reference store id is invalid.",
                )
        if creating and not slug and not store_id:
            slug = default_store
            if not slug:
                v.fail(
                    C.F_REFERENCE_STORE_SLUG,
                    "The reference store slug field is "
                    "required when reference store id is not present.",
                )
        v.email(C.F_EMAIL)
        v.strings(C.F_TAGS)
        for name in (C.F_SMS_OPTIN, C.F_EMAIL_OPTIN, C.F_OPTIN):
            v.boolean(name)
        v.integer(C.F_POINTS)
        v.string(C.F_FIRST_NAME)
        v.string(C.F_LAST_NAME)
        v.enum(C.F_GENDER, C.GENDERS)
        v.birthday(C.F_BIRTHDAY)
        v.pin(C.F_PIN)
        if v.string(C.F_PAYMENT_METHOD_HASH) == "unknown":
            v.fail(
                C.F_PAYMENT_METHOD_HASH, "The selected payment method hash is invalid."
            )
        v.done()
        values = dict(v.clean)
        values.pop(C.F_REFERENCE_STORE_ID, None)
        if slug:
            values[C.F_REFERENCE_STORE_SLUG] = slug
        return values

    def create_customer(self, data, default_store=None, notify=True) -> dict:
        with self.lock:
            values = self.validate_customer(data, True, default_store=default_store)
            customer = self._insert_customer(values)
            if notify:
                self.notify(C.EVENT_CUSTOMER_CREATED, self.customer_json(customer))
            return customer

    def update_customer(self, customer: dict, data, set_points=False) -> dict:
        """Partial update; only Pongo itself (the admin API) may set points."""
        with self.lock:
            values = self.validate_customer(data, False, current=customer)
            if not set_points:
                values.pop(C.F_POINTS, None)
            self._apply_customer(customer, values)
            self.notify(C.EVENT_CUSTOMER_UPDATED, self.customer_json(customer))
            return customer

    def customer(self, public_id: str | None) -> dict:
        customer = self.customers.get(public_id or "")
        if not customer:
            raise not_found("Customer")
        return customer

    def customer_by_phone(self, phone: str | None) -> dict | None:
        return self.customers.get(self.phones.get(phone or "", ""))

    @staticmethod
    def customer_json(customer: dict) -> dict:
        return {name: customer[name] for name in CUSTOMER_FIELDS}

    def store_slug_by_id(self, public_id: str) -> str | None:
        for slug, store in self.stores.items():
            if store[C.F_PUBLIC_ID] == public_id:
                return slug
        return None

    def generate_customers(self, count: int, prefix: str) -> list[str]:
        """Bulk creation for benchmarks: no validation beyond uniqueness, no hooks."""
        width = max(11 - len(prefix), len(str(count)))
        created, n = [], 0
        with self.lock:
            while len(created) < count:
                n += 1
                phone = f"{prefix}{n:0{width}d}"
                if phone in self.phones:
                    continue
                self._insert_customer(
                    {C.F_PHONE: phone, C.F_FIRST_NAME: "Bench", C.F_LAST_NAME: str(n)}
                )
                created.append(phone)
        return created

    # -- rewards ------------------------------------------------------------
    def reward(self, public_id: str) -> dict:
        reward = self.rewards.get(public_id)
        if not reward:
            raise not_found("Reward")
        return reward

    def reward_allowed(self, reward: dict, customer=None, store_slug=None) -> bool:
        stores, tags = reward[C.F_STORE_SLUGS], reward[C.F_CUSTOMER_TAGS]
        in_store = not (store_slug and stores) or store_slug in stores
        in_segment = not (customer and tags) or set(tags) & set(customer[C.F_TAGS])
        return bool(in_store and in_segment)

    def _coupon_code(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        while True:
            parts = ("".join(secrets.choice(alphabet) for _ in range(4)) for _ in "ab")
            code = "PONGO-" + "-".join(parts)
            if code not in self.coupon_codes:
                self.coupon_codes.add(code)
                return code

    def give_reward(
        self, customer_id, reward_id, origin, *, used, store_slug, rng=None
    ):
        reward = self.reward(reward_id)
        now = utcnow()
        is_voucher = reward[C.F_REWARD_TYPE].startswith(C.REWARD_VOUCHER_PREFIX)
        owned = {
            C.F_PUBLIC_ID: new_id("crw_", rng),
            "_reward": reward_id,
            C.F_CUSTOMER: customer_id,
            C.F_ORIGIN: origin,
            C.F_USED: bool(used),
            C.F_USED_AT: iso(now) if used else None,
            C.F_STORE_SLUG: store_slug,
            C.F_LOCKED: False,
            C.F_COUPON_CODE: self._coupon_code() if is_voucher else None,
            C.F_CREATED_AT: iso(now),
            C.F_EXPIRES_AT: iso(now + timedelta(days=REWARD_VALIDITY_DAYS)),
        }
        self.owned[owned[C.F_PUBLIC_ID]] = owned
        return owned

    def owned_json(self, owned: dict) -> dict:
        body = pick(owned, OWNED_FIELDS)
        body[C.F_REWARD] = dict(self.rewards[owned["_reward"]])
        return body

    def owned_reward(self, public_id: str, customer_id: str | None) -> dict:
        owned = self.owned.get(public_id)
        if not owned or (customer_id and owned[C.F_CUSTOMER] != customer_id):
            raise not_found("Reward")
        return owned

    @staticmethod
    def mark_used(owned: dict, used: bool) -> None:
        owned[C.F_USED] = used
        owned[C.F_USED_AT] = iso(utcnow()) if used else None
        owned[C.F_LOCKED] = False

    # -- tokens -------------------------------------------------------------
    def issue_token(self, scopes, ttl=None, client_id=None, refresh=True) -> dict:
        ttl = self.config.token_ttl if ttl is None else ttl
        now = int(time.time())
        claims = {
            "jti": secrets.token_hex(16),
            "aud": client_id or "pongo",
            "iat": now,
            "exp": now + ttl,
            "scopes": list(scopes),
        }
        parts = ({"typ": "JWT", "alg": "RS256"}, claims)
        encoded = [_b64(json.dumps(p).encode()) for p in parts]
        access = ".".join([*encoded, _b64(secrets.token_bytes(32))])
        with self.lock:
            self.access_tokens[access] = {"scopes": list(scopes), "expires": now + ttl}
            answer = {
                C.TOKEN_TYPE: C.TOKEN_TYPE_BEARER,
                C.TOKEN_EXPIRES_IN: ttl,
                C.TOKEN_ACCESS_TOKEN: access,
            }
            if refresh:
                token = "def50200" + secrets.token_hex(32)
                self.refresh_tokens[token] = {
                    "scopes": list(scopes),
                    "client": client_id,
                }
                answer[C.TOKEN_REFRESH_TOKEN] = token
        return answer

    def token_info(self, token: str | None) -> dict | None:
        info = self.access_tokens.get(token or "")
        if info and info["expires"] > time.time():
            return info
        return None

    def expire_tokens(self) -> int:
        with self.lock:
            for info in self.access_tokens.values():
                info["expires"] = 0
            return len(self.access_tokens)


NULLABLE = {
    C.F_EMAIL, C.F_FIRST_NAME, C.F_LAST_NAME, C.F_GENDER, C.F_BIRTHDAY,
    C.F_REFERENCE_STORE_SLUG,
}  # fmt: skip


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------
@dataclass
class Route:
    method: str
    template: str
    handler: Callable[[Request], Response]
    scope: str | None = None
    auth: bool = True

    def __post_init__(self):
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self, routes: list[Route]):
        # Literal paths win over placeholders (/customers/tags vs /customers/{id}).
        self.routes = sorted(routes, key=lambda r: r.template.count("{"))

    def match(self, method: str, path: str) -> tuple[Route, dict]:
        allowed = False
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method == method:
                params = {
                    k: urllib.parse.unquote(v) for k, v in found.groupdict().items()
                }
                return route, params
            allowed = True
        if allowed:
            raise ApiError(405, f"The {method} method is not supported for this route.")
        raise ApiError(404, "Not Found.")


def parse_body(req: Request) -> Any:
    if not req.raw_body.strip():
        return {}
    ctype = req.headers.get("Content-Type", "")
    text = req.raw_body.decode("utf-8", "replace")
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in urllib.parse.parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError(400, "Malformed JSON.") from None


def int_query(query: dict, name: str, default: int | None, minimum: int = 1):
    raw = query.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"-?\d+", raw) or int(raw) < minimum:
        label = name.replace("_", " ")
        raise invalid(name, f"The {label} must be an integer of at least {minimum}.")
    return int(raw)


class PageError(Exception):
    """A 400 answered as an HTML page (OAuth form)."""


FORM_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Pongo - Autorisation</title>
</head><body>
<h1>{merchant}</h1>
<p>L'application <strong>{client}</strong> demande l'accès à votre compte :</p>
<ul id="scopes">{scopes}</ul>
<form method="post" action="{action}">{hidden}
<button type="submit" id="authorize">Authorize</button>
</form></body></html>"""
ERROR_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Pongo - Erreur</title></head>
<body><h1>Erreur</h1><p id="error">{message}</p></body></html>"""


# ---------------------------------------------------------------------------
# The /v1 API
# ---------------------------------------------------------------------------
class PongoApi:
    def __init__(self, state: PongoState, config: Config):
        self.state, self.config = state, config
        r, read, upd = Route, C.SCOPE_CUSTOMER_READ, C.SCOPE_CUSTOMER_UPDATE
        self.router = Router(
            [
                r("GET", C.PATH_OAUTH_FORM, self.oauth_form, auth=False),
                r("POST", C.PATH_OAUTH_FORM, self.oauth_authorize, auth=False),
                r("POST", C.PATH_OAUTH_TOKEN, self.oauth_token, auth=False),
                r("GET", C.PATH_OAUTH_TEST, self.oauth_test),
                r("GET", C.PATH_OAUTH_ME, self.oauth_me),
                r("POST", C.PATH_CHECKINS, self.checkin_create, C.SCOPE_CHECKIN_CREATE),
                r("GET", C.PATH_CUSTOMER_ATTRIBUTES, self.attribute_definitions, read),
                r("GET", C.PATH_CUSTOMER_ATTRIBUTE_VALUES, self.attribute_values, read),
                r("POST", C.PATH_CUSTOMER_ATTRIBUTE_VALUES, self.attribute_add, upd),
                r("PATCH", C.PATH_CUSTOMER_ATTRIBUTE_VALUE, self.attribute_update, upd),
                r(
                    "DELETE",
                    C.PATH_CUSTOMER_ATTRIBUTE_VALUE,
                    self.attribute_delete,
                    upd,
                ),
                r("GET", C.PATH_CUSTOMER_TAGS, self.customer_tags, read),
                r("HEAD", C.PATH_CUSTOMER_BY_PHONE, self.customer_exists, read),
                r("GET", C.PATH_CUSTOMER_BY_PHONE, self.customer_by_phone, read),
                r("GET", C.PATH_CUSTOMERS, self.customers_list, read),
                r(
                    "POST",
                    C.PATH_CUSTOMERS,
                    self.customer_create,
                    C.SCOPE_CUSTOMER_CREATE,
                ),
                r("GET", C.PATH_CUSTOMER, self.customer_get, read),
                r("PUT", C.PATH_CUSTOMER, self.customer_update, upd),
                r(
                    "GET",
                    C.PATH_CUSTOMER_REWARDS,
                    self.customer_rewards,
                    C.SCOPE_REWARD_READ,
                ),
                r("POST", C.PATH_ORDERS, self.order_create, C.SCOPE_ORDER_CREATE),
                r(
                    "PATCH",
                    C.PATH_ORDER_STATUS,
                    self.order_status,
                    C.SCOPE_ORDER_UPDATE,
                ),
                r("GET", C.PATH_REWARDS, self.rewards_list, C.SCOPE_REWARD_READ),
                r("POST", C.PATH_REWARD_BUY, self.reward_buy, C.SCOPE_REWARD_UPDATE),
                r("PATCH", C.PATH_REWARD_USE, self.reward_use, C.SCOPE_REWARD_UPDATE),
                r("POST", C.PATH_REWARD_LOCK, self.reward_lock, C.SCOPE_REWARD_UPDATE),
                r(
                    "DELETE",
                    C.PATH_REWARD_LOCK,
                    self.reward_unlock,
                    C.SCOPE_REWARD_UPDATE,
                ),
                r("GET", C.PATH_STORES, self.stores_list),
                r("POST", C.PATH_WEBHOOKS, self.webhook_create),
                r("DELETE", C.PATH_WEBHOOK, self.webhook_delete),
            ]
        )

    def dispatch(self, req: Request) -> Response:
        try:
            route, req.params = self.router.match(req.method, req.path)
            if route.auth:
                req.token = self.authenticate(req, route.scope)
            req.body = parse_body(req)
            with self.state.lock:
                return route.handler(req)
        except ApiError as error:
            return Response(error.status, error.body())

    def authenticate(self, req: Request, scope: str | None) -> dict:
        header = req.headers.get(C.HEADER_AUTHORIZATION) or ""
        scheme, _, token = header.partition(" ")
        info = self.state.token_info(token.strip()) if scheme == "Bearer" else None
        if info is None:
            raise ApiError(401, MSG_UNAUTHENTICATED)
        if scope and scope not in info["scopes"]:
            raise ApiError(403, MSG_BAD_SCOPE)
        return info

    # -- OAuth --------------------------------------------------------------
    def _authorization_scopes(self, params: dict) -> list[str]:
        if params.get(C.OAUTH_PARAM_CLIENT_ID) != self.config.client_id:
            raise PageError("Unknown client_id.")
        if not self.redirect_allowed(params.get(C.OAUTH_PARAM_REDIRECT_URI)):
            raise PageError("This redirect_uri is not whitelisted.")
        raw = params.get(C.OAUTH_PARAM_SCOPE) or ""
        scopes = [s.strip() for s in raw.split(C.OAUTH_SCOPE_SEPARATOR) if s.strip()]
        known = C.OAUTH_SCOPES + EXTRA_SCOPES
        if not scopes or any(s not in known for s in scopes):
            raise PageError(MSG_BAD_SCOPE)
        return scopes

    def redirect_allowed(self, uri: str | None) -> bool:
        if not uri:
            return False
        if uri in self.config.redirect_uris:
            return True
        parts = urllib.parse.urlsplit(uri)
        return parts.scheme in ("http", "https") and parts.hostname in (
            "127.0.0.1",
            "localhost",
        )

    def oauth_form(self, req: Request) -> Response:
        try:
            scopes = self._authorization_scopes(req.query)
        except PageError as error:
            return Response(400, ERROR_PAGE.format(message=html.escape(str(error))))
        names = (
            C.OAUTH_PARAM_CLIENT_ID,
            C.OAUTH_PARAM_STATE,
            C.OAUTH_PARAM_REDIRECT_URI,
            C.OAUTH_PARAM_SCOPE,
        )
        hidden = "".join(
            f'\n<input type="hidden" name="{n}" value="{html.escape(req.query[n])}">'
            for n in names
            if n in req.query
        )
        page = FORM_PAGE.format(
            merchant=html.escape(MERCHANT_NAME),
            client=html.escape(self.config.client_id),
            scopes="".join(f"<li>{html.escape(s)}</li>" for s in scopes),
            action=C.PATH_OAUTH_FORM,
            hidden=hidden,
        )
        return Response(200, page)

    def oauth_authorize(self, req: Request) -> Response:
        params = req.body if isinstance(req.body, dict) else {}
        try:
            scopes = self._authorization_scopes(params)
        except PageError as error:
            return Response(400, ERROR_PAGE.format(message=html.escape(str(error))))
        code = secrets.token_urlsafe(32)
        self.state.codes[code] = {
            "client": self.config.client_id,
            "scopes": scopes,
            "expires": time.time() + CODE_TTL,
        }
        answer = {C.OAUTH_PARAM_CODE: code}
        if params.get(C.OAUTH_PARAM_STATE):
            answer[C.OAUTH_PARAM_STATE] = params[C.OAUTH_PARAM_STATE]
        uri = params[C.OAUTH_PARAM_REDIRECT_URI]
        sep = "&" if "?" in uri else "?"
        location = uri + sep + urllib.parse.urlencode(answer)
        return Response(302, None, {"Location": location})

    def oauth_token(self, req: Request) -> Response:
        v = Checker(req.body)
        grants = (C.TOKEN_GRANT_CODE, C.TOKEN_GRANT_REFRESH)
        grant = v.enum(C.TOKEN_GRANT_TYPE, grants, required=True)
        client_id = v.string(C.TOKEN_CLIENT_ID, required=True)
        secret = v.string(C.TOKEN_CLIENT_SECRET, required=True)
        if grant == C.TOKEN_GRANT_CODE:
            v.string(C.TOKEN_CODE, required=True)
        if grant == C.TOKEN_GRANT_REFRESH:
            v.string(C.TOKEN_REFRESH_TOKEN, required=True)
        v.done()
        if not (
            _same(client_id, self.config.client_id)
            and _same(secret, self.config.client_secret)
        ):
            raise ApiError(401, "Client authentication failed.")
        if grant == C.TOKEN_GRANT_CODE:
            info = self.state.codes.pop(v.clean[C.TOKEN_CODE], None)
            if not info or info["expires"] < time.time() or info["client"] != client_id:
                raise ApiError(401, "The authorization code is invalid or has expired.")
        else:
            info = self.state.refresh_tokens.pop(v.clean[C.TOKEN_REFRESH_TOKEN], None)
            if not info:
                raise ApiError(401, "The refresh token is invalid.")
        return Response(
            200, self.state.issue_token(info["scopes"], client_id=client_id)
        )

    def oauth_test(self, req: Request) -> Response:
        return Response(200, {C.F_MESSAGE: "Token is valid."})

    def oauth_me(self, req: Request) -> Response:
        merchant = {C.F_ID: 1, C.F_NAME: MERCHANT_NAME}
        return Response(
            200,
            {
                C.F_ID: 1,
                C.F_NAME: MERCHANT_NAME,
                C.F_EMAIL: "demo@cafe-pongo.test",
                C.F_MERCHANT: merchant,
                C.F_SCOPES: list(req.token["scopes"]),
            },
        )

    # -- check-ins ----------------------------------------------------------
    def checkin_create(self, req: Request) -> Response:
        st, v = self.state, Checker(req.body)
        slug = v.string(C.F_STORE_SLUG, required=True)
        if slug and slug not in st.stores:
            v.fail(C.F_STORE_SLUG, "The selected store slug is invalid.")
        phone = v.phone(C.F_PHONE)
        pm_hash = v.string(C.F_PAYMENT_METHOD_HASH)
        if not phone and not pm_hash and C.F_PHONE not in v.errors:
            v.fail(
                C.F_PHONE,
                "The international phone number field is required "
                "when payment method hash is not present.",
            )
        amount = v.integer(C.F_AMOUNT, required=True)
        checked_in_at = v.moment(C.F_CHECKED_IN_AT, not_future=True)
        tags = v.strings(C.F_TAGS, required=True)
        v.string(C.F_ORDER_ID)
        enforce = v.boolean(C.F_ENFORCE_CHECKIN_DELAY)
        v.done()
        customer = st.customer_by_phone(phone)
        if customer is None and pm_hash:
            customer = st.customers.get(st.payment_hashes.get(pm_hash, ""))
        created = customer is None and bool(phone)
        if created:
            customer = st.create_customer(
                {
                    C.F_PHONE: phone,
                    C.F_REFERENCE_STORE_SLUG: slug,
                    C.F_TAGS: tags,
                    C.F_PAYMENT_METHOD_HASH: pm_hash,
                }
            )
        elif customer:
            st._apply_customer(
                customer,
                {
                    C.F_TAGS: customer[C.F_TAGS] + tags,
                    C.F_PAYMENT_METHOD_HASH: pm_hash,
                },
            )
        last = customer.get("_last_checkin", 0) if customer else 0
        too_soon = bool(enforce) and time.time() - last < CHECKIN_DELAY_SECONDS
        valid = customer is not None and not too_soon
        points = earned_points(amount, self.config.points_per_euro) if valid else 0
        if valid:
            customer[C.F_POINTS] += points
            customer["_last_checkin"] = time.time()
            st.touch(customer)
        checkin = {
            C.F_PUBLIC_ID: new_id("chk_"),
            C.F_CUSTOMER: customer[C.F_PUBLIC_ID] if customer else None,
            C.F_STORE_SLUG: slug,
            C.F_AMOUNT: amount,
            C.F_POINTS: points,
            C.F_VALID: valid,
            C.F_CREATED_CUSTOMER: created,
            C.F_CHECKED_IN_AT: checked_in_at or iso(utcnow()),
            C.F_ORDER_ID: v.clean.get(C.F_ORDER_ID),
        }
        st.checkins.append(checkin)
        return Response(201, checkin)

    # -- customer attributes ------------------------------------------------
    def attribute_definitions(self, req: Request) -> Response:
        return Response(200, {C.F_DATA: list(self.state.attributes.values())})

    def _values(self, req: Request) -> dict:
        customer = self.state.customer(req.params["customer"])
        return self.state.attribute_values.setdefault(customer[C.F_PUBLIC_ID], {})

    def _attribute_value(self, v: Checker, attribute_id: str):
        kind = self.state.attributes[attribute_id][C.F_ATTRIBUTE_TYPE]
        if C.F_VALUE not in v.data:
            v.fail(C.F_VALUE, "The value field must be present.")
            return None
        value = v.data[C.F_VALUE]
        checks = {
            "string": _is_str,
            "number": _is_number,
            "boolean": lambda x: isinstance(x, bool),
            "date": lambda x: _matches(DATE_RE, x),
        }
        if value is not None and not checks[kind](value):
            v.fail(C.F_VALUE, f"The value must be of type {kind}.")
        return value

    def attribute_values(self, req: Request) -> Response:
        values = self._values(req)
        data = [{C.F_ATTRIBUTE: k, C.F_VALUE: val} for k, val in values.items()]
        return Response(200, {C.F_DATA: data})

    def attribute_add(self, req: Request) -> Response:
        values, v = self._values(req), Checker(req.body)
        attribute = v.string(C.F_ATTRIBUTE, required=True)
        if attribute and attribute not in self.state.attributes:
            v.fail(C.F_ATTRIBUTE, "The selected attribute is invalid.")
        elif attribute in values:
            v.fail(
                C.F_ATTRIBUTE, "The attribute has already been set for this customer."
            )
        value = self._attribute_value(v, attribute) if not v.errors else None
        v.done()
        values[attribute] = value
        return Response(201, {C.F_ATTRIBUTE: attribute, C.F_VALUE: value})

    def attribute_update(self, req: Request) -> Response:
        values, attribute = self._values(req), req.params["attribute"]
        if attribute not in values:
            raise not_found("Attribute")
        v = Checker(req.body)
        value = self._attribute_value(v, attribute)
        v.done()
        values[attribute] = value
        return Response(200, {C.F_ATTRIBUTE: attribute, C.F_VALUE: value})

    def attribute_delete(self, req: Request) -> Response:
        values = self._values(req)
        if values.pop(req.params["attribute"], _BAD) is _BAD:
            raise not_found("Attribute")
        return Response(204)

    # -- customers ----------------------------------------------------------
    def customer_tags(self, req: Request) -> Response:
        tags = {t for c in self.state.customers.values() for t in c[C.F_TAGS]}
        return Response(200, {C.F_DATA: sorted(tags)})

    def customer_exists(self, req: Request) -> Response:
        found = self.state.customer_by_phone(req.params["phone"])
        return Response(200 if found else 404)

    def customer_by_phone(self, req: Request) -> Response:
        customer = self.state.customer_by_phone(req.params["phone"])
        if not customer:
            raise not_found("Customer")
        return Response(200, self.state.customer_json(customer))

    def customer_get(self, req: Request) -> Response:
        customer = self.state.customer(req.params["customer"])
        return Response(200, self.state.customer_json(customer))

    def customer_create(self, req: Request) -> Response:
        customer = self.state.create_customer(req.body)
        return Response(201, self.state.customer_json(customer))

    def customer_update(self, req: Request) -> Response:
        customer = self.state.customer(req.params["customer"])
        self.state.update_customer(customer, req.body)
        return Response(200, self.state.customer_json(customer))

    def customers_list(self, req: Request) -> Response:
        q = req.query
        page = int_query(q, C.Q_PAGE, 1)
        per_page = min(int_query(q, C.Q_PER_PAGE, 15), 100)
        since = None
        if q.get(C.Q_UPDATED_SINCE):
            since = parse_datetime(q[C.Q_UPDATED_SINCE])
            if since is None:
                raise invalid(
                    C.Q_UPDATED_SINCE, "The updated since is not a valid date."
                )
        email = (q.get(C.Q_EMAIL) or "").lower()

        def wanted(c: dict) -> bool:
            return (
                (not q.get(C.Q_PHONE) or c[C.F_PHONE] == q[C.Q_PHONE])
                and (not email or (c[C.F_EMAIL] or "").lower() == email)
                and (not q.get(C.Q_TAG) or q[C.Q_TAG] in c[C.F_TAGS])
                and (since is None or c["_updated"] >= since)
            )

        items = [c for c in self.state.customers.values() if wanted(c)]
        total, start = len(items), (page - 1) * per_page
        chunk = items[start : start + per_page]
        last_page = max(1, math.ceil(total / per_page))
        base = req.base_url + req.path
        keep = {k: val for k, val in q.items() if k != C.Q_PAGE}

        def link(n: int) -> str:
            return base + "?" + urllib.parse.urlencode({**keep, C.Q_PAGE: n})

        return Response(
            200,
            {
                C.F_DATA: [self.state.customer_json(c) for c in chunk],
                C.F_LINKS: {
                    C.LINK_FIRST: link(1),
                    C.LINK_LAST: link(last_page),
                    C.LINK_PREV: link(page - 1) if page > 1 else None,
                    C.LINK_NEXT: link(page + 1) if page < last_page else None,
                },
                C.F_META: {
                    C.META_CURRENT_PAGE: page,
                    C.META_FROM: start + 1 if chunk else None,
                    C.META_LAST_PAGE: last_page,
                    C.META_PATH: base,
                    C.META_PER_PAGE: per_page,
                    C.META_TO: start + len(chunk) if chunk else None,
                    C.META_TOTAL: total,
                },
            },
        )

    # -- rewards ------------------------------------------------------------
    def customer_rewards(self, req: Request) -> Response:
        st = self.state
        customer_id = st.customer(req.params["customer"])[C.F_PUBLIC_ID]
        used = as_bool(req.query.get(C.F_USED))
        data = [
            st.owned_json(o)
            for o in st.owned.values()
            if o[C.F_CUSTOMER] == customer_id and used in (None, o[C.F_USED])
        ]
        return Response(200, {C.F_DATA: data})

    def rewards_list(self, req: Request) -> Response:
        st, q = self.state, req.query
        customer = st.customer(q[C.F_CUSTOMER]) if q.get(C.F_CUSTOMER) else None
        low = int_query(q, C.Q_MIN_POINTS, 0, minimum=0)
        high = int_query(q, C.Q_MAX_POINTS, None, minimum=0)
        data = [
            dict(r)
            for r in st.rewards.values()
            if st.reward_allowed(r, customer, q.get(C.F_STORE_SLUG))
            and low <= r[C.F_POINTS] <= (r[C.F_POINTS] if high is None else high)
        ]
        return Response(200, {C.F_DATA: data})

    def _reward_body(self, req: Request, store_required=True) -> Checker:
        v = Checker(req.body)
        v.string(C.F_CUSTOMER, required=True)
        slug = v.string(C.F_STORE_SLUG, required=store_required)
        v.boolean(C.F_USED)
        v.pin(C.F_PIN)
        v.done()
        if slug and slug not in self.state.stores:
            raise invalid(C.F_STORE_SLUG, "The selected store slug is invalid.")
        return v

    def reward_buy(self, req: Request) -> Response:
        st = self.state
        body = self._reward_body(req).clean
        reward = st.reward(req.params["reward"])
        customer = st.customer(body[C.F_CUSTOMER])
        slug, pin = body[C.F_STORE_SLUG], body.get(C.F_PIN)
        if pin and customer.get("_pin") and pin != customer["_pin"]:
            raise invalid(C.F_PIN, "The pin is invalid.")
        if not st.reward_allowed(reward, store_slug=slug):
            raise invalid(C.F_STORE_SLUG, "This reward is not available in this store.")
        if not st.reward_allowed(reward, customer=customer):
            raise invalid(
                C.F_CUSTOMER, "This reward is not available for this customer."
            )
        if customer[C.F_POINTS] < reward[C.F_POINTS]:
            raise invalid(C.F_POINTS, MSG_NOT_ENOUGH_POINTS)
        customer[C.F_POINTS] -= reward[C.F_POINTS]
        st.touch(customer)
        owned = st.give_reward(
            customer[C.F_PUBLIC_ID],
            reward[C.F_PUBLIC_ID],
            C.ORIGIN_BOUGHT,
            used=body.get(C.F_USED),
            store_slug=slug,
        )
        return Response(201, st.owned_json(owned))

    def reward_use(self, req: Request) -> Response:
        body = self._reward_body(req).clean
        owned = self.state.owned_reward(req.params["reward"], body[C.F_CUSTOMER])
        if owned[C.F_USED]:
            raise ApiError(409, MSG_ALREADY_USED)
        self.state.mark_used(owned, True)
        return Response(200, self.state.owned_json(owned))

    def reward_lock(self, req: Request) -> Response:
        body = self._reward_body(req, store_required=False).clean
        owned = self.state.owned_reward(req.params["reward"], body[C.F_CUSTOMER])
        if owned[C.F_USED]:
            raise ApiError(409, MSG_ALREADY_USED)
        if owned[C.F_LOCKED]:
            raise ApiError(409, MSG_ALREADY_LOCKED)
        owned[C.F_LOCKED] = True
        return Response(200, self.state.owned_json(owned))

    def reward_unlock(self, req: Request) -> Response:
        customer = req.body.get(C.F_CUSTOMER) if isinstance(req.body, dict) else None
        owned = self.state.owned_reward(req.params["reward"], customer)
        owned[C.F_LOCKED] = False
        return Response(204)

    # -- orders -------------------------------------------------------------
    def order_create(self, req: Request) -> Response:
        st = self.state
        st.order_posts += 1
        payload = self._validate_order(req.body)
        key = (payload[C.F_LOYALTY_STORE_SLUG], payload[C.F_ORDER_ID])
        if key in st.order_keys:
            st.ledger[key]["received"] += 1
            return Response(
                202,
                {
                    C.F_MESSAGE: C.ORDER_ALREADY_PROCESSED_MESSAGE,
                    C.F_ID: st.order_keys[key],
                },
            )
        block = payload.get(C.F_CUSTOMER) or {}
        customer = st.customers.get(block.get(C.F_PUBLIC_ID) or "")
        customer = customer or st.customer_by_phone(block.get(C.F_PHONE))
        owned = self._order_rewards(payload, customer)
        if customer is None and block.get(C.F_PHONE):
            customer = self._enlist(block, key[0])
        points = 0
        reversing = payload[C.F_STATUS] in C.ORDER_STATUSES_REVERSING
        if customer and not reversing:
            points = earned_points(payload[C.F_AMOUNT], self.config.points_per_euro)
            customer[C.F_POINTS] += points
            st.touch(customer)
        for item in owned:
            st.mark_used(item, True)
        order = self._record_order(payload, customer, points, owned)
        return Response(
            201,
            {
                C.F_ID: order[C.F_ID],
                C.F_MESSAGE: MSG_ORDER_CREATED,
                C.F_POINTS_EARNED: points,
                C.F_CUSTOMER: order[C.F_CUSTOMER],
            },
        )

    def _validate_order(self, payload: Any) -> dict:
        v = Checker(payload)
        v.string(C.F_ORDER_ID, required=True)
        v.string(C.F_PARTNER_ORDER_ID)
        v.enum(C.F_CHANNEL, C.CHANNELS, required=True)
        v.enum(C.F_DELIVERY_MODE, C.DELIVERY_MODES, required=True)
        slug = v.string(C.F_LOYALTY_STORE_SLUG, required=True)
        if slug and slug not in self.state.stores:
            v.fail(
                C.F_LOYALTY_STORE_SLUG, "The selected loyalty store slug is invalid."
            )
        v.integer(C.F_AMOUNT, required=True)
        v.integer(C.F_TAXES_AMOUNT)
        v.strings(C.F_REWARD_IDS)
        v.enum(C.F_STATUS, C.ORDER_STATUSES, required=True)
        v.moment(C.F_CREATED_AT, required=True)
        v.enum(C.F_DELIVERY_STATUS, C.DELIVERY_STATUSES, required=True)
        for i, line in enumerate(
            v.objects(C.F_LINES, required=True, min_items=1) or []
        ):
            lv = Checker(line, f"{C.F_LINES}.{i}.")
            lv.string(C.F_NAME, required=True)
            lv.number(C.F_QUANTITY, required=True)
            lv.integer(C.F_AMOUNT, required=True, minimum=None)
            lv.integer(C.F_UNIT_AMOUNT, minimum=None)
            lv.string(C.F_EXTERNAL_ID)
            lv.string(C.F_PUBLIC_REWARD_ID)
            v.merge(lv)
        block = v.obj(C.F_CUSTOMER)
        if block:
            cv = Checker(block, f"{C.F_CUSTOMER}.")
            cv.phone(C.F_PHONE)
            cv.email(C.F_EMAIL)
            for name in (C.F_PUBLIC_ID, C.F_FIRST_NAME, C.F_LAST_NAME):
                cv.string(name)
            for name in (C.F_OPTIN, C.F_SMS_OPTIN, C.F_EMAIL_OPTIN):
                cv.boolean(name)
            v.merge(cv)
        for i, pay in enumerate(v.objects(C.F_PAYMENTS) or []):
            pv = Checker(pay, f"{C.F_PAYMENTS}.{i}.")
            pv.integer(C.F_AMOUNT, required=True, minimum=None)
            pv.string(C.F_METHOD)
            v.merge(pv)
        v.string(C.F_DEVICE_ID)
        v.string(C.F_DEVICE_NAME)
        v.done()
        return payload

    def _order_rewards(self, payload: dict, customer: dict | None) -> list[dict]:
        ids = list(payload.get(C.F_REWARD_IDS) or [])
        ids += [
            ln[C.F_PUBLIC_REWARD_ID]
            for ln in payload[C.F_LINES]
            if ln.get(C.F_PUBLIC_REWARD_ID)
        ]
        owned = []
        for reward_id in dict.fromkeys(ids):
            item = self.state.owned.get(reward_id)
            mine = customer and item and item[C.F_CUSTOMER] == customer[C.F_PUBLIC_ID]
            if not mine:
                msg = f"The reward {reward_id} is not owned by this customer."
                raise invalid(C.F_REWARD_IDS, msg)
            if item[C.F_USED]:
                raise invalid(
                    C.F_REWARD_IDS, f"The reward {reward_id} has already been used."
                )
            owned.append(item)
        return owned

    def _enlist(self, block: dict, store_slug: str) -> dict:
        names = (
            C.F_PHONE,
            C.F_EMAIL,
            C.F_FIRST_NAME,
            C.F_LAST_NAME,
            C.F_OPTIN,
            C.F_SMS_OPTIN,
            C.F_EMAIL_OPTIN,
        )
        values = {n: block[n] for n in names if block.get(n) is not None}
        values[C.F_REFERENCE_STORE_SLUG] = store_slug
        return self.state.create_customer(values)

    def _record_order(self, payload, customer, points, owned) -> dict:
        st, now = self.state, iso(utcnow())
        key = (payload[C.F_LOYALTY_STORE_SLUG], payload[C.F_ORDER_ID])
        order = pick(payload, ORDER_FIELDS)
        order.update(
            {
                C.F_ID: new_id("ord_"),
                C.F_POINTS_EARNED: points,
                C.F_CUSTOMER: customer[C.F_PUBLIC_ID] if customer else None,
                C.F_REWARD_IDS: [o[C.F_PUBLIC_ID] for o in owned],
                C.F_UPDATED_AT: now,
                "_reversed": False,
            }
        )
        st.orders[order[C.F_ID]] = order
        st.order_keys[key] = order[C.F_ID]
        st.orders_created.append(key)
        st.ledger[key] = {
            "store_slug": key[0],
            "order_id": key[1],
            "pongo_id": order[C.F_ID],
            "status": order[C.F_STATUS],
            "points_earned": points,
            "reward_ids": order[C.F_REWARD_IDS],
            "customer": order[C.F_CUSTOMER],
            "payload": payload,
            "received": 1,
        }
        return order

    def order_status(self, req: Request) -> Response:
        st, v = self.state, Checker(req.body)
        status = v.enum(C.F_STATUS, C.ORDER_STATUSES, required=True)
        slug = v.string(C.F_LOYALTY_STORE_SLUG)
        if slug and slug not in st.stores:
            v.fail(
                C.F_LOYALTY_STORE_SLUG, "The selected loyalty store slug is invalid."
            )
        v.done()
        order = self._find_order(req.params["order_id"], slug)
        if status in C.ORDER_STATUSES_REVERSING and not order["_reversed"]:
            self._reverse(order)
        order[C.F_STATUS] = status
        order[C.F_UPDATED_AT] = iso(utcnow())
        key = (order[C.F_LOYALTY_STORE_SLUG], order[C.F_ORDER_ID])
        st.ledger[key]["status"] = status
        return Response(200, pick(order, ORDER_FIELDS))

    def _find_order(self, order_id: str, slug: str | None) -> dict:
        st = self.state
        if order_id in st.orders:
            return st.orders[order_id]
        matches = [
            st.orders[pongo_id]
            for (store, oid), pongo_id in st.order_keys.items()
            if oid == order_id and slug in (None, store)
        ]
        if not matches:
            raise not_found("Order")
        if len(matches) > 1:
            msg = "The loyalty store slug is required: this order id is in 2+ stores."
            raise invalid(C.F_LOYALTY_STORE_SLUG, msg)
        return matches[0]

    def _reverse(self, order: dict) -> None:
        """Cancel/refund: take the earned points back and free the used rewards."""
        st = self.state
        customer = st.customers.get(order[C.F_CUSTOMER] or "")
        if customer:
            customer[C.F_POINTS] = max(
                0, customer[C.F_POINTS] - order[C.F_POINTS_EARNED]
            )
            st.touch(customer)
        for reward_id in order[C.F_REWARD_IDS]:
            if reward_id in st.owned:
                st.mark_used(st.owned[reward_id], False)
        order["_reversed"] = True

    # -- stores and webhooks ------------------------------------------------
    def stores_list(self, req: Request) -> Response:
        return Response(200, {C.F_DATA: [dict(s) for s in self.state.stores.values()]})

    def webhook_create(self, req: Request) -> Response:
        v = Checker(req.body)
        event = v.enum(C.F_EVENT, C.WEBHOOK_EVENTS, required=True)
        url = v.string(C.F_URL, required=True)
        if url and not webhook_url_ok(url):
            v.fail(C.F_URL, "The url must start with https://.")
        secret = v.string(C.F_SECRET)
        v.done()
        hook = {
            C.F_ID: new_id("wh_"),
            C.F_EVENT: event,
            C.F_URL: url,
            C.F_SECRET: secret or "whsec_" + secrets.token_hex(24),
            C.F_CREATED_AT: iso(utcnow()),
        }
        self.state.webhooks[hook[C.F_ID]] = hook
        return Response(201, dict(hook))

    def webhook_delete(self, req: Request) -> Response:
        if not self.state.webhooks.pop(req.params["webhook"], None):
            raise not_found("Webhook")
        return Response(204)


def webhook_url_ok(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------------------
# Fault injection (applies to /v1 only)
# ---------------------------------------------------------------------------
FAULT_DEFAULTS = {
    "latency_ms": 0,
    "outage": None,
    "error_rate": 0.0,
    "rate_limit": None,
    "hang": False,
    "hang_seconds": HANG_SECONDS,
    "paths": None,
}
OUTAGES = (None, "refuse", "503")


def _number(value, low, high=None) -> bool:
    return _is_number(value) and value >= low and (high is None or value <= high)


def _outage(value):
    if not value:
        return None
    value = str(value)  # 503 may come as a number
    return value if value in OUTAGES else _BAD


def _paths(value):
    if value is None:
        return None
    ok = isinstance(value, list) and all(map(_is_str, value))
    return list(value) if ok else _BAD


def _rate_limit(value):
    if value is None:
        return None
    every = value.get("every") if isinstance(value, dict) else None
    retry_after = value.get("retry_after", 1) if isinstance(value, dict) else None
    if not (isinstance(every, int) and every >= 1 and _number(retry_after, 0)):
        return _BAD
    return {"every": every, "retry_after": retry_after}


FAULT_CHECKS = {
    "latency_ms": lambda v: v if _number(v, 0) else _BAD,
    "outage": _outage,
    "error_rate": lambda v: float(v) if _number(v, 0, 1) else _BAD,
    "rate_limit": _rate_limit,
    "hang": lambda v: v if isinstance(v, bool) else _BAD,
    "hang_seconds": lambda v: v if _number(v, 0) else _BAD,
    "paths": _paths,
    "fault_seed": lambda v: v if isinstance(v, int) else _BAD,
}


class Faults:
    def __init__(self, seed: int, initial: dict | None = None):
        self.lock = threading.Lock()
        self.seed = seed
        self.values = dict(FAULT_DEFAULTS)
        self.rng = random.Random(seed)
        self.counter = 0
        self.update(initial or {})

    def snapshot(self) -> dict:
        with self.lock:
            return {**self.values, "fault_seed": self.seed}

    def update(self, changes: dict) -> None:
        if not isinstance(changes, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        changes = dict(changes)
        clear = changes.pop("clear", False)
        clean, errors = {}, {}
        for key, value in changes.items():
            check = FAULT_CHECKS.get(key)
            result = check(value) if check else _BAD
            if result is _BAD:
                errors[key] = [f"The {key} value is invalid."]
            clean[key] = result
        if errors:
            raise ApiError(422, MSG_INVALID, errors)
        with self.lock:
            if clear:
                self.values = dict(FAULT_DEFAULTS)
            self.seed = clean.pop("fault_seed", self.seed)
            self.values.update(clean)
            if clear or "error_rate" in clean or "fault_seed" in changes:
                self.rng = random.Random(self.seed)
            if clear or "rate_limit" in clean:
                self.counter = 0

    def _applies(self, path: str) -> bool:
        paths = self.values["paths"]
        return paths is None or any(path.startswith(p) for p in paths)

    def refusing(self) -> bool:
        return self.values["outage"] == "refuse"

    def before(self, path: str) -> Response | None:
        """Latency, 503, 429 and 500 faults; None lets the request through."""
        with self.lock:
            if not self._applies(path):
                return None
            values = dict(self.values)
            limited = error = False
            if values["outage"] != "503":
                if values["rate_limit"]:
                    self.counter += 1
                    limited = self.counter % values["rate_limit"]["every"] == 0
                if values["error_rate"] and not limited:
                    error = self.rng.random() < values["error_rate"]
        if values["latency_ms"]:
            time.sleep(values["latency_ms"] / 1000)
        if values["outage"] == "503":
            return Response(503, {C.F_MESSAGE: "Service Unavailable"})
        if limited:
            retry = str(values["rate_limit"]["retry_after"])
            body = {C.F_MESSAGE: "Too Many Attempts."}
            return Response(429, body, {C.HEADER_RETRY_AFTER: retry})
        if error:
            return Response(500, {C.F_MESSAGE: "Server Error"})
        return None

    def hang_for(self, path: str) -> float | None:
        with self.lock:
            if self.values["hang"] and self._applies(path):
                return float(self.values["hang_seconds"])
        return None


# ---------------------------------------------------------------------------
# Webhook delivery
# ---------------------------------------------------------------------------
def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), body + str(timestamp).encode(), hashlib.sha256)
    return f"{C.SIGNATURE_TIMESTAMP}={timestamp},{C.SIGNATURE_V1}={digest.hexdigest()}"


class WebhookDispatcher:
    def __init__(self, attempts: int, backoff: float, stopping, log):
        self.attempts, self.backoff = attempts, backoff
        self.stopping, self.log = stopping, log
        self.lock = threading.Lock()
        self.deliveries: list[dict] = []
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fire(self, hooks: list[dict], event: str, data: dict) -> None:
        if not hooks:
            return
        event_id = new_id("evt_")
        body = json.dumps(
            {
                C.F_ID: event_id,
                C.F_EVENT: event,
                C.F_CREATED_AT: iso(utcnow()),
                C.F_DATA: data,
            }
        ).encode()
        for hook in hooks:
            args = (dict(hook), event_id, body)
            threading.Thread(target=self._deliver, args=args, daemon=True).start()

    def _post(self, hook: dict, body: bytes) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            C.HEADER_SIGNATURE: sign(hook[C.F_SECRET], body, int(time.time())),
        }
        # The URL scheme (http/https only) was checked at subscription.
        request = urllib.request.Request(  # noqa: S310
            hook[C.F_URL], body, headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=5) as answer:
                return answer.status, None
        except urllib.error.HTTPError as error:
            return error.code, None
        except (urllib.error.URLError, OSError) as error:
            return None, str(getattr(error, "reason", error))

    def _deliver(self, hook: dict, event_id: str, body: bytes) -> None:
        for attempt in range(1, self.attempts + 1):
            status, error = self._post(hook, body)
            with self.lock:
                self.deliveries.append(
                    {
                        "event_id": event_id,
                        "event": hook[C.F_EVENT],
                        "webhook": hook[C.F_ID],
                        "url": hook[C.F_URL],
                        "attempt": attempt,
                        "status": status,
                        "error": error,
                        "time": time.time(),
                    }
                )
            url = urllib.parse.urlsplit(hook[C.F_URL])
            self.log(
                f"WEBHOOK {hook[C.F_EVENT]} {url.netloc}{url.path} "
                f"attempt {attempt}: {status or error}"
            )
            if status is not None and 200 <= status < 300:
                return
            delay = self.backoff * 2 ** (attempt - 1)
            if attempt < self.attempts and self.stopping.wait(delay):
                return

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.deliveries)

    def clear(self) -> None:
        with self.lock:
            self.deliveries = []


# ---------------------------------------------------------------------------
# Admin API (no auth, never faulted)
# ---------------------------------------------------------------------------
class AdminApi:
    def __init__(self, emulator: Emulator):
        self.emu, self.state = emulator, emulator.state
        a, r = ADMIN_PREFIX, Route
        self.router = Router(
            [
                r("GET", a + "health", self.health),
                r("POST", a + "reset", self.reset),
                r("GET", a + "state", self.dump),
                r("GET", a + "faults", self.faults_get),
                r("POST", a + "faults", self.faults_set),
                r("GET", a + "ledger", self.ledger),
                r("GET", a + "requests", self.requests_get),
                r("DELETE", a + "requests", self.requests_clear),
                r("POST", a + "tokens", self.token_issue),
                r("POST", a + "tokens/expire", self.tokens_expire),
                r("POST", a + "customers", self.customer_create),
                r("POST", a + "customers/generate", self.customers_generate),
                r("PATCH", a + "customers/{customer}", self.customer_update),
                r("POST", a + "customer-rewards", self.reward_give),
                r("GET", a + "deliveries", self.deliveries),
            ]
        )

    def dispatch(self, req: Request) -> Response:
        try:
            route, req.params = self.router.match(req.method, req.path)
            req.body = parse_body(req)
            return route.handler(req)
        except ApiError as error:
            return Response(error.status, error.body())

    def health(self, req: Request) -> Response:
        emu = self.emu
        body = {"status": "ok", "url": emu.url, "admin_url": emu.admin_url}
        return Response(200, {**body, "api_up": emu.api_up})

    def reset(self, req: Request) -> Response:
        seed = (req.body or {}).get("seed") or self.emu.config.seed
        self.state.reset(seed)
        self.emu.clear_requests()
        self.emu.webhooks.clear()
        return Response(200, {"status": "ok", "seed": seed})

    def dump(self, req: Request) -> Response:
        st = self.state
        with st.lock:
            return Response(
                200,
                {
                    "seed": st.seed,
                    "merchant": {C.F_ID: 1, C.F_NAME: MERCHANT_NAME},
                    "stores": list(st.stores.values()),
                    "customers": [st.customer_json(c) for c in st.customers.values()],
                    "rewards": list(st.rewards.values()),
                    "customer_rewards": [st.owned_json(o) for o in st.owned.values()],
                    "orders": [pick(o, ORDER_FIELDS) for o in st.orders.values()],
                    "checkins": list(st.checkins),
                    "attribute_values": st.attribute_values,
                    "webhooks": [
                        {k: v for k, v in h.items() if k != C.F_SECRET}
                        for h in st.webhooks.values()
                    ],
                    "tokens": {
                        "access": len(st.access_tokens),
                        "refresh": len(st.refresh_tokens),
                    },
                },
            )

    def faults_get(self, req: Request) -> Response:
        return Response(200, self.emu.faults.snapshot())

    def faults_set(self, req: Request) -> Response:
        return Response(200, self.emu.set_faults(req.body))

    def ledger(self, req: Request) -> Response:
        st = self.state
        with st.lock:
            created = st.orders_created
            return Response(
                200,
                {
                    "orders": [dict(e) for e in st.ledger.values()],
                    "posts": st.order_posts,
                    "duplicates": len(created) - len(set(created)),
                },
            )

    def requests_get(self, req: Request) -> Response:
        prefix = req.query.get("path", "")
        entries = [e for e in self.emu.requests() if e["path"].startswith(prefix)]
        return Response(200, {"requests": entries})

    def requests_clear(self, req: Request) -> Response:
        self.emu.clear_requests()
        return Response(204)

    def token_issue(self, req: Request) -> Response:
        v = Checker(req.body)
        scopes = v.strings("scopes")
        ttl = v.integer("ttl")
        v.done()
        scopes = list(C.OAUTH_SCOPES) if scopes is None else scopes
        answer = self.state.issue_token(scopes, ttl=ttl, refresh=False)
        return Response(201, {**answer, "scopes": scopes})

    def tokens_expire(self, req: Request) -> Response:
        return Response(200, {"expired": self.state.expire_tokens()})

    def customer_create(self, req: Request) -> Response:
        default_store = next(iter(self.state.stores))
        customer = self.state.create_customer(req.body, default_store=default_store)
        return Response(201, self.state.customer_json(customer))

    def customer_update(self, req: Request) -> Response:
        with self.state.lock:
            customer = self.state.customer(req.params["customer"])
            self.state.update_customer(customer, req.body, set_points=True)
            return Response(200, self.state.customer_json(customer))

    def customers_generate(self, req: Request) -> Response:
        v = Checker(req.body)
        count = v.integer("count", required=True, minimum=1)
        prefix = v.string("prefix") or "337"
        if not prefix.isdigit() or prefix.startswith("0"):
            v.fail("prefix", "The prefix must be digits not starting with 0.")
        v.done()
        phones = self.state.generate_customers(count, prefix)
        body = {
            "created": len(phones),
            "first_phone": phones[0],
            "last_phone": phones[-1],
        }
        return Response(201, body)

    def reward_give(self, req: Request) -> Response:
        st, v = self.state, Checker(req.body)
        customer_id = v.string(C.F_CUSTOMER, required=True)
        reward_id = v.string(C.F_REWARD, required=True)
        origin = v.enum(C.F_ORIGIN, (C.ORIGIN_BOUGHT, C.ORIGIN_WON)) or C.ORIGIN_WON
        used = v.boolean(C.F_USED)
        slug = v.string(C.F_STORE_SLUG)
        v.done()
        with st.lock:
            st.customer(customer_id)
            owned = st.give_reward(
                customer_id, reward_id, origin, used=used, store_slug=slug
            )
            return Response(201, st.owned_json(owned))

    def deliveries(self, req: Request) -> Response:
        return Response(200, {"deliveries": self.emu.webhooks.snapshot()})


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator: Emulator, role: str):
        self.emulator, self.role = emulator, role
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle and the client's
    # delayed ACK add ~40 ms to every answer, which no real server does.
    disable_nagle_algorithm = True
    server_version = "PongoEmulator/1.0"
    sys_version = ""

    def log_message(self, format, *args):
        pass  # replaced by our own masked one-line log

    def do_GET(self):
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _request(self) -> Request:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        return Request(
            method=self.command,
            path=parts.path,
            query={k: v[0] for k, v in query.items()},
            headers=self.headers,
            raw_body=raw,
            base_url=f"http://{host}",
        )

    def _handle(self) -> None:
        emu, started = self.server.emulator, time.monotonic()
        req = self._request()
        try:
            response, hang = emu.handle(req, self.server.role)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response, hang = Response(500, {C.F_MESSAGE: "Server Error"}), None
        if response is None:
            outcome = "dropped (outage)"
        elif hang is not None:
            outcome = f"{response.status} not sent (hang {hang:g}s)"
        else:
            self._send(response)
            outcome = str(response.status)
        ms = (time.monotonic() - started) * 1000
        emu.log(f"{self.command} {mask_phones(req.path)} {outcome} {ms:.1f}ms")
        if response is None or hang is not None:
            self.close_connection = True
            if hang:
                emu.stopping.wait(hang)

    def _send(self, response: Response) -> None:
        body = response.body
        if body is None:
            data, ctype = b"", None
        elif isinstance(body, str):
            data, ctype = body.encode(), "text/html; charset=utf-8"
        else:
            data, ctype = (
                json.dumps(body, ensure_ascii=False).encode(),
                "application/json",
            )
        self.send_response(response.status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)


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


class Emulator:
    """The whole emulator; start() serves it from background threads."""

    def __init__(self, config: Config | None = None, **options):
        self.config = config or Config(**options)
        self.stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._server_lock = threading.Lock()
        self._requests: list[dict] = []
        self.faults = Faults(self.config.fault_seed, self.config.faults)
        self.webhooks = WebhookDispatcher(
            self.config.webhook_attempts,
            self.config.webhook_backoff,
            self.stopping,
            self.log,
        )
        self.state = PongoState(self.config, self.notify)
        self.api = PongoApi(self.state, self.config)
        self.admin = AdminApi(self)
        self._api_server = self._admin_server = None
        self.port = self.admin_port = None

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> Emulator:
        self._api_server = self._serve(self.config.port, "api")
        self.port = self._api_server.server_address[1]
        self._admin_server = self._serve(self.config.admin_port, "admin")
        self.admin_port = self._admin_server.server_address[1]
        if self.faults.refusing():
            self._close_api()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._close_api()
        if self._admin_server:
            self._admin_server.shutdown()
            self._admin_server.server_close()
            self._admin_server = None

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.config.host}:{self.admin_port}"

    @property
    def api_up(self) -> bool:
        return self._api_server is not None

    def _serve(self, port: int, role: str) -> _Server:
        server = _Server((self.config.host, port), self, role)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return server

    def _close_api(self) -> None:
        with self._server_lock:
            server, self._api_server = self._api_server, None
        if server:
            server.shutdown()
            server.server_close()

    def _open_api(self) -> None:
        with self._server_lock:
            if self._api_server is None and not self.stopping.is_set():
                self._api_server = self._serve(self.port, "api")

    def set_faults(self, changes: dict) -> dict:
        self.faults.update(changes)
        if self.faults.refusing():
            self._close_api()
        else:
            self._open_api()
        return self.faults.snapshot()

    # -- requests -----------------------------------------------------------
    def handle(self, req: Request, role: str) -> tuple[Response | None, float | None]:
        """Route one request; (None, None) drops the connection."""
        if req.path.startswith(ADMIN_PREFIX):
            return self.admin.dispatch(req), None
        is_api = req.path == API_PREFIX or req.path.startswith(API_PREFIX + "/")
        if role != "api" or not is_api:
            return Response(404, {C.F_MESSAGE: "Not Found."}), None
        if self.faults.refusing():
            return None, None  # a kept-alive connection of the closed listener
        response, hang = self.faults.before(req.path), None
        if response is None:
            response = self.api.dispatch(req)
            hang = self.faults.hang_for(req.path)
        with self._log_lock:
            self._requests.append(
                {
                    "time": time.time(),
                    "method": req.method,
                    "path": req.path,
                    "status": response.status,
                    "hung": hang is not None,
                }
            )
        return response, hang

    def notify(self, event: str, data: dict) -> None:
        hooks = [h for h in self.state.webhooks.values() if h[C.F_EVENT] == event]
        self.webhooks.fire(hooks, event, data)

    def requests(self) -> list[dict]:
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests = []

    def log(self, line: str) -> None:
        if not self.config.quiet:
            with self._log_lock:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    defaults = Config()
    p = argparse.ArgumentParser(description="Local emulator of the Hey Pongo API.")
    add = p.add_argument
    add("--host", default=defaults.host)
    add("--port", type=int, default=8071, help="0 picks a free port")
    add("--admin-port", type=int, default=0, help="default: a free port")
    add("--seed", choices=SEEDS, default=defaults.seed)
    add("--client-id", default=defaults.client_id)
    add("--client-secret", default=defaults.client_secret)
    add("--redirect-uri", action="append", default=[], help="repeatable")
    add("--token-ttl", type=int, default=defaults.token_ttl)
    add("--points-per-euro", type=float, default=defaults.points_per_euro)
    add("--latency-ms", type=int, default=0)
    add("--outage", choices=("refuse", "503"), default=None)
    add("--error-rate", type=float, default=0.0)
    add("--rate-limit-every", type=int, default=0)
    add("--retry-after", type=int, default=1)
    add("--hang", action="store_true")
    add("--hang-seconds", type=float, default=HANG_SECONDS)
    add("--fault-path", action="append", default=None, help="repeatable prefix")
    add("--fault-seed", type=int, default=defaults.fault_seed)
    add("--webhook-attempts", type=int, default=defaults.webhook_attempts)
    add("--webhook-backoff", type=float, default=defaults.webhook_backoff)
    add("--quiet", action="store_true", help="no request log on stderr")
    return p.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> Config:
    rate_limit = None
    if args.rate_limit_every:
        rate_limit = {"every": args.rate_limit_every, "retry_after": args.retry_after}
    faults = {
        "latency_ms": args.latency_ms,
        "outage": args.outage,
        "error_rate": args.error_rate,
        "rate_limit": rate_limit,
        "hang": args.hang,
        "hang_seconds": args.hang_seconds,
        "paths": args.fault_path,
    }
    return Config(
        host=args.host,
        port=args.port,
        admin_port=args.admin_port,
        seed=args.seed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri,
        token_ttl=args.token_ttl,
        points_per_euro=args.points_per_euro,
        fault_seed=args.fault_seed,
        faults=faults,
        webhook_attempts=args.webhook_attempts,
        webhook_backoff=args.webhook_backoff,
        quiet=args.quiet,
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.port and args.port == args.admin_port:
        sys.exit("--admin-port must differ from --port")
    emulator = Emulator(config_from_args(args)).start()
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    print(f"PONGO_EMULATOR_READY {emulator.url} admin={emulator.admin_url}", flush=True)
    while not done.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
