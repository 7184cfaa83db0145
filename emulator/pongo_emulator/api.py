# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The /v1 API: OAuth, customers, attributes, rewards, orders, check-ins,
stores and webhook subscriptions."""

from __future__ import annotations

import hmac
import html
import math
import secrets
import time
import urllib.parse
from typing import Any

from .common import (
    CHECKIN_DELAY_SECONDS,
    CODE_TTL,
    MERCHANT_NAME,
    MSG_ALREADY_LOCKED,
    MSG_ALREADY_USED,
    MSG_BAD_SCOPE,
    MSG_NOT_ENOUGH_POINTS,
    MSG_ORDER_CREATED,
    MSG_UNAUTHENTICATED,
    ApiError,
    C,
    Config,
    Request,
    Response,
    as_bool,
    earned_points,
    invalid,
    iso,
    new_id,
    not_found,
    parse_datetime,
    utcnow,
)
from .routing import Route, Router, int_query, parse_body
from .state import ORDER_FIELDS, PongoState, pick
from .validation import _BAD, DATE_RE, Checker, _is_number, _is_str, _matches

# Documented basic scopes the project does not request; the form accepts them.
EXTRA_SCOPES = (
    "reward.create",
    "contest-game.create",
    "contest-game.read",
    "contest-game.update",
)


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
        public_id = block.get(C.F_PUBLIC_ID) or payload.get(C.F_CUSTOMER_PUBLIC_ID)
        customer = st.customers.get(public_id or "")
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
            public_reward_id = lv.string(C.F_PUBLIC_REWARD_ID)
            reward_id = lv.string(C.F_LINE_REWARD_ID)  # [hedge] either is read
            if public_reward_id and reward_id and public_reward_id != reward_id:
                lv.fail(C.F_LINE_REWARD_ID, "The reward id must match the public one.")
            v.merge(lv)
        customer_public_id = v.string(C.F_CUSTOMER_PUBLIC_ID)  # [hedge]
        block = v.obj(C.F_CUSTOMER)
        nested_id = block.get(C.F_PUBLIC_ID) if block else None
        if customer_public_id and nested_id and customer_public_id != nested_id:
            v.fail(C.F_CUSTOMER_PUBLIC_ID, "The customer public id must match.")
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
            ln.get(C.F_PUBLIC_REWARD_ID) or ln[C.F_LINE_REWARD_ID]
            for ln in payload[C.F_LINES]
            if ln.get(C.F_PUBLIC_REWARD_ID) or ln.get(C.F_LINE_REWARD_ID)
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
            "keys_received": self._hedged_keys(payload),
        }
        return order

    @staticmethod
    def _hedged_keys(payload: dict) -> dict:
        """Which of the forms the documents disagree on the order carried."""
        lines = payload[C.F_LINES]
        reward_keys = (C.F_PUBLIC_REWARD_ID, C.F_LINE_REWARD_ID)
        block = payload.get(C.F_CUSTOMER) or {}
        customer_keys = {
            f"{C.F_CUSTOMER}.{C.F_PUBLIC_ID}": block.get(C.F_PUBLIC_ID),
            C.F_CUSTOMER_PUBLIC_ID: payload.get(C.F_CUSTOMER_PUBLIC_ID),
        }
        return {
            "line_reward": [k for k in reward_keys if any(ln.get(k) for ln in lines)],
            "customer_id": [k for k, value in customer_keys.items() if value],
        }

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
