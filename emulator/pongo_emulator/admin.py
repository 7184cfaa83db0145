# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The admin API (/_emulator/…): no auth, never faulted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import ADMIN_PREFIX, MERCHANT_NAME, ApiError, C, Request, Response
from .routing import Route, Router, parse_body
from .state import ORDER_FIELDS, pick
from .validation import Checker

if TYPE_CHECKING:
    from .server import Emulator


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
