# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The merchant's data, tokens and order ledger (one RLock around every mutation)."""

from __future__ import annotations

import base64
import json
import random
import secrets
import string
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from .common import (
    MSG_PHONE_TAKEN,
    REWARD_VALIDITY_DAYS,
    C,
    Config,
    invalid,
    iso,
    new_id,
    not_found,
    utcnow,
)
from .seed import (
    SEED_ATTRIBUTES,
    SEED_CUSTOMERS,
    SEED_OWNED,
    SEED_REWARDS,
    SEED_STORES,
    SEEDS,
)
from .validation import Checker

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
            phone, first, last, points, sms, mail, tags, store = row
            when = now - timedelta(days=len(SEED_CUSTOMERS) - i)
            customer = self._insert_customer(
                {
                    C.F_PHONE: phone,
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
