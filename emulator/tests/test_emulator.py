# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests of the Pongo emulator: every /v1 operation, its errors, the admin API,
fault injection and webhooks. Every JSON answer of /v1 is validated against
emulator/openapi.yaml by the `api` fixture (see conftest.py)."""

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import C, http, start_emulator, stop_emulator
from jsonschema import ValidationError
from pongo_emulator import seed

PHONE = "336123456"  # + "01".."10": the demo customers
NEW_PHONE = "33698765432"
CLIENT_ID, CLIENT_SECRET = "pongo-demo-client", "pongo-demo-secret"
REDIRECT = "http://127.0.0.1:8069/pos_pongo/oauth/callback"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def customer(admin, suffix: str) -> dict:
    return admin.customer(PHONE + suffix)


def reward(admin, name: str) -> dict:
    return next(r for r in admin.state()["rewards"] if r[C.F_NAME] == name)


def owned(admin, customer_id: str, used=None) -> list[dict]:
    return [
        o
        for o in admin.state()["customer_rewards"]
        if o[C.F_CUSTOMER] == customer_id and used in (None, o[C.F_USED])
    ]


def order(order_id="POS/2024/0001", amount=1250, **changes) -> dict:
    payload = seed.order_payload(order_id, PHONE + "02", amount)
    payload.update(changes)
    return payload


def errors_of(answer) -> dict:
    assert answer.status == 422, answer.text
    assert answer.body[C.F_MESSAGE] == "The given data was invalid."
    return answer.body[C.F_ERRORS]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


# ---------------------------------------------------------------------------
# Process, startup and logs
# ---------------------------------------------------------------------------
def test_startup_is_fast_and_sigterm_stops_cleanly():
    proc, url, admin_url, elapsed = start_emulator("--seed", "empty")
    try:
        assert elapsed < 2, f"startup took {elapsed:.2f}s"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        health = http("GET", admin_url + "/_emulator/health")
        assert health.body["status"] == "ok" and health.body["url"] == url
        assert http("GET", url + "/_emulator/health").status == 200
    finally:
        assert stop_emulator(proc) == 0


def test_in_process_emulator():
    from pongo_emulator import Emulator

    emulator = Emulator(port=0, quiet=True).start()
    try:
        answer = http("GET", emulator.url + C.PATH_STORES)
        assert answer.status == 401
        assert http("GET", emulator.admin_url + "/_emulator/health").status == 200
    finally:
        emulator.stop()


def test_log_masks_phones_and_hides_tokens(api, server):
    def read_log() -> str:
        with open(server["log"], encoding="utf-8") as handle:
            return handle.read()

    api("GET", C.PATH_CUSTOMER_BY_PHONE, phone=PHONE + "04")
    log = wait_for(lambda: "*********04" in read_log() and read_log())
    assert PHONE + "04" not in log
    assert api.token not in log and CLIENT_SECRET not in log
    assert re.search(r"GET /v1/customers/phone/\*+04 200 [\d.]+ms", log)


# ---------------------------------------------------------------------------
# Authentication and scopes
# ---------------------------------------------------------------------------
def test_missing_or_bad_token_is_401(api):
    for token in (None, "not-a-token"):
        answer = api("GET", C.PATH_STORES, token=token)
        assert answer.status == 401
        assert answer.body == {C.F_MESSAGE: "Unauthenticated."}
    assert api("HEAD", C.PATH_CUSTOMER_BY_PHONE, token=None, phone="1").status == 401


def test_expired_token_is_401(api, admin):
    assert api("GET", C.PATH_OAUTH_TEST).status == 200
    assert admin("POST", "tokens/expire").body["expired"] >= 1
    assert api("GET", C.PATH_OAUTH_TEST).status == 401


def test_token_ttl(api, admin):
    api.token = admin.token(ttl=0)
    assert api("GET", C.PATH_OAUTH_TEST).status == 401


def test_missing_scope_is_403(api, admin):
    api.token = admin.token(scopes=["customer.read"])
    assert api("GET", C.PATH_CUSTOMER_BY_PHONE, phone=PHONE + "01").status == 200
    answer = api("POST", C.PATH_CUSTOMERS, body={C.F_PHONE: NEW_PHONE})
    assert answer.status == 403
    assert answer.body == {C.F_MESSAGE: "Invalid scope(s) provided."}
    assert api("GET", C.PATH_REWARDS).status == 403
    assert api("POST", C.PATH_ORDERS, body=order()).status == 403
    me = api("GET", C.PATH_OAUTH_ME)
    assert me.status == 200 and me.body["scopes"] == ["customer.read"]


def test_oauth_me_and_test(api):
    assert api("GET", C.PATH_OAUTH_TEST).body == {C.F_MESSAGE: "Token is valid."}
    me = api("GET", C.PATH_OAUTH_ME).body
    assert me["merchant"]["name"] == "Café Pongo Démo"
    assert set(me["scopes"]) == set(C.OAUTH_SCOPES)


def _authorize(api, scopes="customer.read,order.create", state="xyz"):
    query = {
        C.OAUTH_PARAM_CLIENT_ID: CLIENT_ID,
        C.OAUTH_PARAM_STATE: state,
        C.OAUTH_PARAM_REDIRECT_URI: REDIRECT,
        C.OAUTH_PARAM_SCOPE: scopes,
    }
    page = api("GET", C.PATH_OAUTH_FORM, token=None, query=query)
    assert page.status == 200 and 'id="authorize"' in page.text
    assert "Café Pongo Démo" in page.text and "order.create" in page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    assert fields == query
    form = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = api("POST", C.PATH_OAUTH_FORM, token=None, body=form, headers=headers)
    assert answer.status == 302
    location = urllib.parse.urlsplit(answer.headers["Location"])
    assert location.path == "/pos_pongo/oauth/callback"
    params = dict(urllib.parse.parse_qsl(location.query))
    assert params[C.OAUTH_PARAM_STATE] == state
    return params[C.OAUTH_PARAM_CODE]


def _token_request(code=None, refresh=None, secret=CLIENT_SECRET) -> dict:
    body = {C.TOKEN_CLIENT_ID: CLIENT_ID, C.TOKEN_CLIENT_SECRET: secret}
    if code:
        body.update({C.TOKEN_GRANT_TYPE: C.TOKEN_GRANT_CODE, C.TOKEN_CODE: code})
    if refresh:
        body.update(
            {C.TOKEN_GRANT_TYPE: C.TOKEN_GRANT_REFRESH, C.TOKEN_REFRESH_TOKEN: refresh}
        )
    return body


def test_oauth_code_flow_reuse_and_refresh(api):
    code = _authorize(api)
    answer = api("POST", C.PATH_OAUTH_TOKEN, token=None, body=_token_request(code))
    assert answer.status == 200, answer.text
    tokens = answer.body
    assert tokens[C.TOKEN_TYPE] == "Bearer" and tokens[C.TOKEN_EXPIRES_IN] == 3600
    assert tokens[C.TOKEN_ACCESS_TOKEN].count(".") == 2  # JWT-looking
    me = api("GET", C.PATH_OAUTH_ME, token=tokens[C.TOKEN_ACCESS_TOKEN]).body
    assert me["scopes"] == ["customer.read", "order.create"]
    # a code is single-use
    again = api("POST", C.PATH_OAUTH_TOKEN, token=None, body=_token_request(code))
    assert again.status == 401
    # refresh grant, as a form body: new pair, old refresh token refused
    refresh = tokens[C.TOKEN_REFRESH_TOKEN]
    form = urllib.parse.urlencode(_token_request(refresh=refresh)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    renewed = api("POST", C.PATH_OAUTH_TOKEN, token=None, body=form, headers=headers)
    assert renewed.status == 200
    assert renewed.body[C.TOKEN_REFRESH_TOKEN] != refresh
    new_token = renewed.body[C.TOKEN_ACCESS_TOKEN]
    assert api("GET", C.PATH_OAUTH_TEST, token=new_token).status == 200
    body = _token_request(refresh=refresh)
    assert api("POST", C.PATH_OAUTH_TOKEN, token=None, body=body).status == 401


def test_oauth_errors(api):
    base = {
        C.OAUTH_PARAM_CLIENT_ID: CLIENT_ID,
        C.OAUTH_PARAM_SCOPE: "customer.read",
        C.OAUTH_PARAM_REDIRECT_URI: REDIRECT,
    }
    bad_queries = (
        {**base, C.OAUTH_PARAM_CLIENT_ID: "unknown"},
        {**base, C.OAUTH_PARAM_REDIRECT_URI: "https://evil.example.com/cb"},
        {**base, C.OAUTH_PARAM_SCOPE: "customer.read,root"},
    )
    for query in bad_queries:
        answer = api("GET", C.PATH_OAUTH_FORM, token=None, query=query)
        assert answer.status == 400 and 'id="error"' in answer.text
    code = _authorize(api)
    wrong = api(
        "POST", C.PATH_OAUTH_TOKEN, token=None, body=_token_request(code, secret="nope")
    )
    assert wrong.status == 401 and wrong.body[C.F_MESSAGE]
    missing = api("POST", C.PATH_OAUTH_TOKEN, token=None, body={})
    assert set(errors_of(missing)) == {
        C.TOKEN_GRANT_TYPE,
        C.TOKEN_CLIENT_ID,
        C.TOKEN_CLIENT_SECRET,
    }
    no_code = _token_request(code)
    del no_code[C.TOKEN_CODE]
    no_code_answer = api("POST", C.PATH_OAUTH_TOKEN, token=None, body=no_code)
    assert C.TOKEN_CODE in errors_of(no_code_answer)
    bad_json = api("POST", C.PATH_OAUTH_TOKEN, token=None, body=b"{nope")
    assert bad_json.status == 400


# ---------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------
def test_customer_create_and_reads(api, admin):
    body = {
        C.F_PHONE: NEW_PHONE,
        C.F_REFERENCE_STORE_SLUG: "demo-lyon",
        C.F_EMAIL: "jeanne@example.org",
        C.F_FIRST_NAME: "Jeanne",
        C.F_LAST_NAME: "Martin",
        C.F_OPTIN: True,
        C.F_POINTS: 25,
        C.F_TAGS: ["student"],
        C.F_GENDER: "woman",
        C.F_BIRTHDAY: "1995-04-02",
        C.F_PIN: "1234",
    }
    created = api("POST", C.PATH_CUSTOMERS, body=body)
    assert created.status == 201
    data = created.body
    assert re.fullmatch(C.CUSTOMER_ID_PATTERN, data[C.F_PUBLIC_ID])
    assert data[C.F_SMS_OPTIN] is data[C.F_EMAIL_OPTIN] is True
    assert data[C.F_POINTS] == 25 and data[C.F_REFERENCE_STORE_SLUG] == "demo-lyon"
    by_id = api("GET", C.PATH_CUSTOMER, customer=data[C.F_PUBLIC_ID])
    by_phone = api("GET", C.PATH_CUSTOMER_BY_PHONE, phone=NEW_PHONE)
    assert by_id.body == by_phone.body == data
    exists = api("HEAD", C.PATH_CUSTOMER_BY_PHONE, phone=NEW_PHONE)
    assert exists.status == 200 and exists.raw == b""
    assert api("HEAD", C.PATH_CUSTOMER_BY_PHONE, phone="33600000000").status == 404
    assert api("GET", C.PATH_CUSTOMER_BY_PHONE, phone="33600000000").status == 404
    assert api("GET", C.PATH_CUSTOMER, customer="cus_unknown000").status == 404
    store_id = admin.state()["stores"][0][C.F_PUBLIC_ID]
    by_store_id = {C.F_PHONE: "33698765433", C.F_REFERENCE_STORE_ID: store_id}
    created = api("POST", C.PATH_CUSTOMERS, body=by_store_id)
    assert created.body[C.F_REFERENCE_STORE_SLUG] == "demo-paris"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({C.F_PHONE: "12"}, C.F_PHONE, "format is invalid"),
        ({C.F_PHONE: "+33612345678"}, C.F_PHONE, "format is invalid"),
        ({C.F_PHONE: PHONE + "01"}, C.F_PHONE, "has already been taken"),
        ({C.F_REFERENCE_STORE_SLUG: "nowhere"}, C.F_REFERENCE_STORE_SLUG, "invalid"),
        ({C.F_EMAIL: "not-an-email"}, C.F_EMAIL, "valid email"),
        ({C.F_GENDER: "robot"}, C.F_GENDER, "invalid"),
        ({C.F_BIRTHDAY: "2999-01-01"}, C.F_BIRTHDAY, "before today"),
        ({C.F_PIN: "12a4"}, C.F_PIN, "4 digits"),
        ({C.F_PHONE: None}, C.F_PHONE, "is required"),
    ],
)
def test_customer_create_validation(api, changes, field, message):
    body = {C.F_PHONE: NEW_PHONE, C.F_REFERENCE_STORE_SLUG: "demo-paris", **changes}
    errors = errors_of(api("POST", C.PATH_CUSTOMERS, body=body))
    assert message in errors[field][0]
    if message == "has already been taken":
        assert errors[field] == [
            "The international phone number has already been taken."
        ]


def test_customer_create_needs_a_store_and_json(api):
    errors = errors_of(api("POST", C.PATH_CUSTOMERS, body={C.F_PHONE: NEW_PHONE}))
    assert C.F_REFERENCE_STORE_SLUG in errors
    malformed = api("POST", C.PATH_CUSTOMERS, body=b'{"international_phone')
    assert malformed.status == 400 and malformed.body[C.F_MESSAGE]


def test_customer_update(api, admin):
    jeanne = customer(admin, "01")
    cid = jeanne[C.F_PUBLIC_ID]
    changes = {C.F_FIRST_NAME: "Jeanne-Marie", C.F_EMAIL_OPTIN: False, C.F_POINTS: 9999}
    updated = api("PUT", C.PATH_CUSTOMER, customer=cid, body=changes)
    assert updated.status == 200
    assert updated.body[C.F_FIRST_NAME] == "Jeanne-Marie"
    assert updated.body[C.F_EMAIL_OPTIN] is False
    assert updated.body[C.F_LAST_NAME] == "Martin"  # partial update
    assert updated.body[C.F_POINTS] == 0  # points are Pongo's, not the partner's
    same_phone = {C.F_PHONE: jeanne[C.F_PHONE]}
    assert api("PUT", C.PATH_CUSTOMER, customer=cid, body=same_phone).status == 200
    taken = {C.F_PHONE: PHONE + "02"}
    errors = errors_of(api("PUT", C.PATH_CUSTOMER, customer=cid, body=taken))
    assert errors[C.F_PHONE] == [
        "The international phone number has already been taken."
    ]
    unknown = api("PUT", C.PATH_CUSTOMER, customer="cus_nobody0000", body={})
    assert unknown.status == 404


def test_customer_list_walks_all_pages(api, admin):
    assert admin("POST", "customers/generate", {"count": 40}).status == 201
    seen, page, pages = [], api("GET", C.PATH_CUSTOMERS, query={C.Q_PER_PAGE: 7}), 0
    total = page.body[C.F_META][C.META_TOTAL]
    assert total == 50
    while True:
        pages += 1
        meta, links = page.body[C.F_META], page.body[C.F_LINKS]
        assert meta[C.META_CURRENT_PAGE] == pages and meta["per_page"] == 7
        seen += [c[C.F_PUBLIC_ID] for c in page.body[C.F_DATA]]
        if links[C.LINK_NEXT] is None:
            break
        assert links[C.LINK_NEXT].startswith(api.url + C.PATH_CUSTOMERS + "?")
        page = http(
            "GET",
            links[C.LINK_NEXT],
            headers={C.HEADER_AUTHORIZATION: f"Bearer {api.token}"},
        )
        api.spec.validate("GET", C.PATH_CUSTOMERS, page.status, page.body)
    assert pages == meta[C.META_LAST_PAGE] == 8
    assert len(seen) == len(set(seen)) == total
    assert links["prev"].endswith("page=7") and links["first"].endswith("page=1")
    beyond = api("GET", C.PATH_CUSTOMERS, query={C.Q_PAGE: 99})
    assert beyond.body[C.F_DATA] == [] and beyond.body[C.F_META]["from"] is None
    default = api("GET", C.PATH_CUSTOMERS).body[C.F_META]
    assert default["per_page"] == 15
    capped = api("GET", C.PATH_CUSTOMERS, query={C.Q_PER_PAGE: 500}).body[C.F_META]
    assert capped["per_page"] == 100
    assert api("GET", C.PATH_CUSTOMERS, query={C.Q_PAGE: 0}).status == 422


def test_customer_list_filters(api, admin):
    def listed(**query):
        answer = api("GET", C.PATH_CUSTOMERS, query=query)
        return [c[C.F_PHONE] for c in answer.body[C.F_DATA]]

    assert listed(**{C.Q_PHONE: PHONE + "03"}) == [PHONE + "03"]
    assert listed(email="EMMA@example.com") == [PHONE + "04"]
    assert listed(tag="student") == [PHONE + "05"]
    time.sleep(1.1)
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    cid = customer(admin, "06")[C.F_PUBLIC_ID]
    api("PUT", C.PATH_CUSTOMER, customer=cid, body={C.F_LAST_NAME: "Neuf"})
    assert listed(**{C.Q_UPDATED_SINCE: since}) == [PHONE + "06"]
    bad = api("GET", C.PATH_CUSTOMERS, query={C.Q_UPDATED_SINCE: "yesterday"})
    assert C.Q_UPDATED_SINCE in errors_of(bad)


def test_customer_tags(api):
    tags = api("GET", C.PATH_CUSTOMER_TAGS).body[C.F_DATA]
    assert tags == ["ambassador", "student"]


def test_customer_attributes(api, admin):
    cid = customer(admin, "03")[C.F_PUBLIC_ID]
    definitions = api("GET", C.PATH_CUSTOMER_ATTRIBUTES).body[C.F_DATA]
    ids = {d[C.F_ID] for d in definitions}
    assert "attr_favorite_drink" in ids
    path_values, path_value = (
        C.PATH_CUSTOMER_ATTRIBUTE_VALUES,
        C.PATH_CUSTOMER_ATTRIBUTE_VALUE,
    )
    body = {C.F_ATTRIBUTE: "attr_favorite_drink", C.F_VALUE: "Cappuccino"}
    assert api("POST", path_values, customer=cid, body=body).status == 201
    assert api("POST", path_values, customer=cid, body=body).status == 422
    wrong_type = {C.F_ATTRIBUTE: "attr_children", C.F_VALUE: "two"}
    assert C.F_VALUE in errors_of(
        api("POST", path_values, customer=cid, body=wrong_type)
    )
    unknown = {C.F_ATTRIBUTE: "attr_nope", C.F_VALUE: 1}
    assert C.F_ATTRIBUTE in errors_of(
        api("POST", path_values, customer=cid, body=unknown)
    )
    listed = api("GET", path_values, customer=cid).body[C.F_DATA]
    assert listed == [body]
    patched = api(
        "PATCH",
        path_value,
        customer=cid,
        attribute="attr_favorite_drink",
        body={C.F_VALUE: "Thé"},
    )
    assert patched.status == 200 and patched.body[C.F_VALUE] == "Thé"
    deleted = api("DELETE", path_value, customer=cid, attribute="attr_favorite_drink")
    assert deleted.status == 204
    again = api("DELETE", path_value, customer=cid, attribute="attr_favorite_drink")
    assert again.status == 404
    assert api("GET", path_values, customer="cus_nobody0000").status == 404


# ---------------------------------------------------------------------------
# Rewards
# ---------------------------------------------------------------------------
def _names(answer) -> set[str]:
    assert answer.status == 200, answer.text
    return {r[C.F_NAME] for r in answer.body[C.F_DATA]}


def test_rewards_catalogue_and_filters(api, admin):
    everything = api("GET", C.PATH_REWARDS)
    by_name = {r[C.F_NAME]: r for r in everything.body[C.F_DATA]}
    assert set(C.REWARD_TYPES) <= {r[C.F_REWARD_TYPE] for r in by_name.values()}
    assert by_name["Café offert"][C.F_EXTERNAL_ID] == "CAFE-ESPRESSO,OTHERPOS-42"
    assert by_name["Bon de 5 €"][C.F_VALUE] == 500
    assert by_name["-10 % sur l'addition"][C.F_VALUE] == 10
    assert by_name["Surprise du chef"][C.F_EXTERNAL_ID] is None
    paris = _names(api("GET", C.PATH_REWARDS, query={C.F_STORE_SLUG: "demo-paris"}))
    assert "Jus d'orange lyonnais" not in paris and "Café offert" in paris
    lyon = _names(api("GET", C.PATH_REWARDS, query={C.F_STORE_SLUG: "demo-lyon"}))
    assert "Jus d'orange lyonnais" in lyon
    student = customer(admin, "05")[C.F_PUBLIC_ID]
    other = customer(admin, "01")[C.F_PUBLIC_ID]
    assert "Cookie étudiant" in _names(
        api("GET", C.PATH_REWARDS, query={C.F_CUSTOMER: student})
    )
    assert "Cookie étudiant" not in _names(
        api("GET", C.PATH_REWARDS, query={C.F_CUSTOMER: other})
    )
    cheap = api("GET", C.PATH_REWARDS, query={C.Q_MIN_POINTS: 40, C.Q_MAX_POINTS: 60})
    assert {r[C.F_POINTS] for r in cheap.body[C.F_DATA]} <= {40, 50, 60}
    unknown = api("GET", C.PATH_REWARDS, query={C.F_CUSTOMER: "cus_nobody0000"})
    assert unknown.status == 404
    bad = api("GET", C.PATH_REWARDS, query={C.Q_MIN_POINTS: "lots"})
    assert C.Q_MIN_POINTS in errors_of(bad)


def test_customer_rewards(api, admin):
    emma = customer(admin, "04")[C.F_PUBLIC_ID]
    all_rewards = api("GET", C.PATH_CUSTOMER_REWARDS, customer=emma).body[C.F_DATA]
    assert len(all_rewards) == 3
    assert {r[C.F_ORIGIN] for r in all_rewards} == {C.ORIGIN_BOUGHT, C.ORIGIN_WON}
    voucher = next(r for r in all_rewards if r[C.F_COUPON_CODE])
    assert voucher[C.F_REWARD][C.F_REWARD_TYPE] == C.REWARD_VOUCHER_AMOUNT
    used = api("GET", C.PATH_CUSTOMER_REWARDS, customer=emma, query={C.F_USED: "true"})
    assert [r[C.F_USED] for r in used.body[C.F_DATA]] == [True]
    unused = api(
        "GET", C.PATH_CUSTOMER_REWARDS, customer=emma, query={C.F_USED: "false"}
    )
    assert len(unused.body[C.F_DATA]) == 2
    assert api("GET", C.PATH_CUSTOMER_REWARDS, customer="cus_x").status == 404


def _buy(api, reward_id, customer_id, store="demo-paris", **extra):
    body = {C.F_CUSTOMER: customer_id, C.F_STORE_SLUG: store, **extra}
    return api("POST", C.PATH_REWARD_BUY, reward=reward_id, body=body)


def test_buy_reward(api, admin):
    lucas = customer(admin, "03")  # 120 points
    cafe, voucher = reward(admin, "Café offert"), reward(admin, "Bon de 5 €")
    bought = _buy(api, cafe[C.F_PUBLIC_ID], lucas[C.F_PUBLIC_ID])
    assert bought.status == 201
    assert re.fullmatch(r"crw_[a-z0-9]{10}", bought.body[C.F_PUBLIC_ID])
    assert bought.body[C.F_ORIGIN] == C.ORIGIN_BOUGHT
    assert bought.body[C.F_USED] is False and bought.body[C.F_COUPON_CODE] is None
    assert bought.body[C.F_REWARD][C.F_PUBLIC_ID] == cafe[C.F_PUBLIC_ID]
    assert customer(admin, "03")[C.F_POINTS] == 70
    emma = customer(admin, "04")
    coupon = _buy(api, voucher[C.F_PUBLIC_ID], emma[C.F_PUBLIC_ID], used=True)
    assert coupon.status == 201 and coupon.body[C.F_USED] is True
    assert re.fullmatch(r"PONGO-[A-Z0-9]{4}-[A-Z0-9]{4}", coupon.body[C.F_COUPON_CODE])
    assert customer(admin, "04")[C.F_POINTS] == 400


def test_buy_reward_errors(api, admin):
    poor, student = customer(admin, "02"), customer(admin, "05")  # 40 and 75 points
    cafe = reward(admin, "Café offert")[C.F_PUBLIC_ID]
    errors = errors_of(_buy(api, cafe, poor[C.F_PUBLIC_ID]))
    assert errors == {C.F_POINTS: ["The customer does not have enough points."]}
    assert customer(admin, "02")[C.F_POINTS] == 40
    assert C.F_STORE_SLUG in errors_of(_buy(api, cafe, poor[C.F_PUBLIC_ID], "nowhere"))
    lyon_only = reward(admin, "Jus d'orange lyonnais")[C.F_PUBLIC_ID]
    assert C.F_STORE_SLUG in errors_of(_buy(api, lyon_only, student[C.F_PUBLIC_ID]))
    cookie = reward(admin, "Cookie étudiant")[C.F_PUBLIC_ID]
    rich = customer(admin, "08")[C.F_PUBLIC_ID]
    assert C.F_CUSTOMER in errors_of(_buy(api, cookie, rich))
    assert _buy(api, cookie, student[C.F_PUBLIC_ID]).status == 201
    assert _buy(api, "rwd_unknown000", rich).status == 404
    assert _buy(api, cafe, "cus_nobody0000").status == 404
    missing = api("POST", C.PATH_REWARD_BUY, reward=cafe, body={})
    assert set(errors_of(missing)) == {C.F_CUSTOMER, C.F_STORE_SLUG}


def test_use_reward(api, admin):
    lucas = customer(admin, "03")[C.F_PUBLIC_ID]
    (mine,) = owned(admin, lucas)
    body = {C.F_CUSTOMER: lucas, C.F_STORE_SLUG: "demo-paris"}
    used = api("PATCH", C.PATH_REWARD_USE, reward=mine[C.F_PUBLIC_ID], body=body)
    assert used.status == 200 and used.body[C.F_USED] is True
    assert used.body[C.F_USED_AT]
    twice = api("PATCH", C.PATH_REWARD_USE, reward=mine[C.F_PUBLIC_ID], body=body)
    assert twice.status == 409
    assert twice.body == {C.F_MESSAGE: "This reward has already been used."}
    emma = customer(admin, "04")[C.F_PUBLIC_ID]
    other = {C.F_CUSTOMER: emma, C.F_STORE_SLUG: "demo-paris"}
    not_hers = api("PATCH", C.PATH_REWARD_USE, reward=mine[C.F_PUBLIC_ID], body=other)
    assert not_hers.status == 404
    assert api("PATCH", C.PATH_REWARD_USE, reward="crw_x", body=body).status == 404


def test_lock_and_unlock(api, admin):
    emma = customer(admin, "04")[C.F_PUBLIC_ID]
    free = owned(admin, emma, used=False)[0][C.F_PUBLIC_ID]
    used = owned(admin, emma, used=True)[0][C.F_PUBLIC_ID]
    body = {C.F_CUSTOMER: emma, C.F_STORE_SLUG: "demo-paris"}
    locked = api("POST", C.PATH_REWARD_LOCK, reward=free, body=body)
    assert locked.status == 200 and locked.body[C.F_LOCKED] is True
    twice = api("POST", C.PATH_REWARD_LOCK, reward=free, body=body)
    assert twice.status == 409
    assert twice.body == {C.F_MESSAGE: "This reward is already locked."}
    assert api("POST", C.PATH_REWARD_LOCK, reward=used, body=body).status == 409
    for _ in range(2):  # idempotent
        assert api("DELETE", C.PATH_REWARD_LOCK, reward=free).status == 204
    assert api("POST", C.PATH_REWARD_LOCK, reward=free, body=body).status == 200
    use = api("PATCH", C.PATH_REWARD_USE, reward=free, body=body)
    assert use.body[C.F_USED] is True and use.body[C.F_LOCKED] is False
    assert api("DELETE", C.PATH_REWARD_LOCK, reward="crw_unknown000").status == 404
    bad_store = {C.F_CUSTOMER: emma, C.F_STORE_SLUG: "nowhere"}
    answer = api("POST", C.PATH_REWARD_LOCK, reward=free, body=bad_store)
    assert C.F_STORE_SLUG in errors_of(answer)


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------
def test_order_credits_points_and_auto_enlists(api, admin):
    louis = customer(admin, "02")  # 40 points
    created = api("POST", C.PATH_ORDERS, body=order(amount=1299))
    assert created.status == 201
    assert re.fullmatch(r"ord_[a-z0-9]{10}", created.body[C.F_ID])
    assert created.body["points_earned"] == 12  # floor(12.99)
    assert created.body[C.F_CUSTOMER] == louis[C.F_PUBLIC_ID]
    assert customer(admin, "02")[C.F_POINTS] == 52
    by_id = order("POS-2", customer={C.F_PUBLIC_ID: louis[C.F_PUBLIC_ID]})
    assert (
        api("POST", C.PATH_ORDERS, body=by_id).body[C.F_CUSTOMER]
        == (louis[C.F_PUBLIC_ID])
    )
    block = {C.F_PHONE: NEW_PHONE, C.F_FIRST_NAME: "Nouveau", C.F_OPTIN: True}
    enlisted = api("POST", C.PATH_ORDERS, body=order("POS-3", 800, customer=block))
    assert enlisted.status == 201
    new = admin.customer(NEW_PHONE)
    assert new[C.F_PUBLIC_ID] == enlisted.body[C.F_CUSTOMER]
    assert new[C.F_POINTS] == 8 and new[C.F_FIRST_NAME] == "Nouveau"
    assert new[C.F_SMS_OPTIN] and new[C.F_EMAIL_OPTIN]
    assert new[C.F_REFERENCE_STORE_SLUG] == "demo-paris"
    anonymous = api("POST", C.PATH_ORDERS, body=order("POS-4", customer=None))
    assert anonymous.status == 201 and anonymous.body[C.F_CUSTOMER] is None


def test_repeated_order_is_202_and_counted_once(api, admin):
    first = api("POST", C.PATH_ORDERS, body=order())
    second = api("POST", C.PATH_ORDERS, body=order())
    assert first.status == 201 and second.status == 202
    assert second.body == {
        C.F_MESSAGE: C.ORDER_ALREADY_PROCESSED_MESSAGE,
        C.F_ID: first.body[C.F_ID],
    }
    assert customer(admin, "02")[C.F_POINTS] == 40 + 12
    ledger = admin("GET", "ledger").body
    assert ledger["posts"] == 2 and ledger["duplicates"] == 0
    (entry,) = ledger["orders"]
    assert entry["received"] == 2 and entry["pongo_id"] == first.body[C.F_ID]
    assert entry["order_id"] == "POS/2024/0001" and entry["store_slug"] == "demo-paris"
    assert entry["points_earned"] == 12 and entry["payload"] == order()
    other_store = order(**{C.F_LOYALTY_STORE_SLUG: "demo-lyon"})
    assert api("POST", C.PATH_ORDERS, body=other_store).status == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({C.F_LOYALTY_STORE_SLUG: "nowhere"}, C.F_LOYALTY_STORE_SLUG),
        ({C.F_LINES: []}, C.F_LINES),
        ({C.F_CHANNEL: "carrier-pigeon"}, C.F_CHANNEL),
        ({C.F_STATUS: "lost"}, C.F_STATUS),
        ({C.F_AMOUNT: "12.50"}, C.F_AMOUNT),
        ({C.F_ORDER_ID: None}, C.F_ORDER_ID),
        ({C.F_CREATED_AT: "yesterday"}, C.F_CREATED_AT),
        ({C.F_LINES: [{C.F_NAME: "x"}]}, f"{C.F_LINES}.0.{C.F_QUANTITY}"),
        ({C.F_CUSTOMER: {C.F_PHONE: "0612"}}, f"{C.F_CUSTOMER}.{C.F_PHONE}"),
    ],
)
def test_bad_order_is_422_and_not_recorded(api, admin, changes, field):
    assert field in errors_of(api("POST", C.PATH_ORDERS, body=order(**changes)))
    assert admin("GET", "ledger").body["orders"] == []


def test_order_uses_rewards_and_refund_reverses(api, admin):
    emma = customer(admin, "04")  # 500 points
    cid = emma[C.F_PUBLIC_ID]
    free = [o[C.F_PUBLIC_ID] for o in owned(admin, cid, used=False)]
    used_id = owned(admin, cid, used=True)[0][C.F_PUBLIC_ID]
    lock_body = {C.F_CUSTOMER: cid}
    api("POST", C.PATH_REWARD_LOCK, reward=free[0], body=lock_body)
    line = {
        C.F_NAME: "Viennoiserie",
        C.F_QUANTITY: 1,
        C.F_AMOUNT: 0,
        C.F_PUBLIC_REWARD_ID: free[1],
    }
    payload = order(
        amount=2000,
        customer={C.F_PUBLIC_ID: cid},
        reward_ids=[free[0]],
        lines=[*order()[C.F_LINES], line],
    )
    # an already used reward refuses the whole order
    refused = order("POS-X", customer={C.F_PUBLIC_ID: cid}, reward_ids=[used_id])
    assert C.F_REWARD_IDS in errors_of(api("POST", C.PATH_ORDERS, body=refused))
    not_owned = order("POS-Y", reward_ids=[free[0]])  # Louis does not own it
    assert C.F_REWARD_IDS in errors_of(api("POST", C.PATH_ORDERS, body=not_owned))
    assert admin("GET", "ledger").body["orders"] == []
    assert customer(admin, "04")[C.F_POINTS] == 500
    created = api("POST", C.PATH_ORDERS, body=payload)
    assert created.status == 201 and created.body["points_earned"] == 20
    assert customer(admin, "04")[C.F_POINTS] == 520
    after = {o[C.F_PUBLIC_ID]: o for o in owned(admin, cid)}
    assert all(after[r][C.F_USED] and not after[r][C.F_LOCKED] for r in free)
    # refund: points back out, rewards free again; exactly once
    body = {C.F_STATUS: C.ORDER_STATUS_REFUNDED, C.F_LOYALTY_STORE_SLUG: "demo-paris"}
    for _ in range(2):
        answer = api(
            "PATCH", C.PATH_ORDER_STATUS, order_id=payload[C.F_ORDER_ID], body=body
        )
        assert answer.status == 200
        assert answer.body[C.F_STATUS] == C.ORDER_STATUS_REFUNDED
        assert sorted(answer.body[C.F_REWARD_IDS]) == sorted(free)
        assert customer(admin, "04")[C.F_POINTS] == 500
        assert not any(
            o[C.F_USED] for o in owned(admin, cid) if o[C.F_PUBLIC_ID] in free
        )
    cancelled = {C.F_STATUS: C.ORDER_STATUS_CANCELLED}
    answer = api(
        "PATCH", C.PATH_ORDER_STATUS, order_id=created.body[C.F_ID], body=cancelled
    )
    assert answer.status == 200 and customer(admin, "04")[C.F_POINTS] == 500
    assert admin("GET", "ledger").body["orders"][0]["status"] == "cancelled"


def test_refund_never_goes_below_zero(api, admin):
    api("POST", C.PATH_ORDERS, body=order(amount=5000))  # Louis: 40 + 50
    cid = customer(admin, "02")[C.F_PUBLIC_ID]
    cafe = reward(admin, "Café offert")[C.F_PUBLIC_ID]
    _buy(api, cafe, cid)  # 90 - 50 = 40
    body = {C.F_STATUS: C.ORDER_STATUS_CANCELLED}
    api("PATCH", C.PATH_ORDER_STATUS, order_id="POS/2024/0001", body=body)
    assert customer(admin, "02")[C.F_POINTS] == 0


def test_order_status_errors(api):
    body = {C.F_STATUS: C.ORDER_STATUS_REFUNDED}
    assert api("PATCH", C.PATH_ORDER_STATUS, order_id="nope", body=body).status == 404
    api("POST", C.PATH_ORDERS, body=order())
    bad = api(
        "PATCH",
        C.PATH_ORDER_STATUS,
        order_id="POS/2024/0001",
        body={C.F_STATUS: "lost"},
    )
    assert C.F_STATUS in errors_of(bad)


def test_order_reads_either_hedged_key_and_the_ledger_records_which(api, admin):
    """Pongo's documents disagree on two keys: the emulator reads either form."""
    emma = customer(admin, "04")
    cid = emma[C.F_PUBLIC_ID]
    free = [o[C.F_PUBLIC_ID] for o in owned(admin, cid, used=False)]

    def with_reward(order_id, reward_keys, customer_block, **top):
        line = {C.F_NAME: "Offert", C.F_QUANTITY: 1, C.F_AMOUNT: 0}
        line.update(reward_keys)
        lines = [*order()[C.F_LINES], line]
        return order(order_id, customer=customer_block, lines=lines, **top)

    both = with_reward(
        "POS-BOTH",
        {C.F_PUBLIC_REWARD_ID: free[0], C.F_LINE_REWARD_ID: free[0]},
        {C.F_PUBLIC_ID: cid},
        **{C.F_CUSTOMER_PUBLIC_ID: cid},
    )
    guide_only = with_reward(
        "POS-GUIDE",
        {C.F_LINE_REWARD_ID: free[1]},
        None,
        **{C.F_CUSTOMER_PUBLIC_ID: cid},
    )
    for payload in (both, guide_only):
        answer = api("POST", C.PATH_ORDERS, body=payload)
        assert answer.status == 201 and answer.body[C.F_CUSTOMER] == cid
    assert all(o[C.F_USED] for o in owned(admin, cid) if o[C.F_PUBLIC_ID] in free)
    keys = {
        e["order_id"]: e["keys_received"] for e in admin("GET", "ledger").body["orders"]
    }
    assert keys["POS-BOTH"] == {
        "line_reward": [C.F_PUBLIC_REWARD_ID, C.F_LINE_REWARD_ID],
        "customer_id": [f"{C.F_CUSTOMER}.{C.F_PUBLIC_ID}", C.F_CUSTOMER_PUBLIC_ID],
    }
    assert keys["POS-GUIDE"] == {
        "line_reward": [C.F_LINE_REWARD_ID],
        "customer_id": [C.F_CUSTOMER_PUBLIC_ID],
    }
    # the order of test_order_credits...: phone only, no reward
    api("POST", C.PATH_ORDERS, body=order("POS-PLAIN"))
    plain = admin("GET", "ledger").body["orders"][-1]
    assert plain["keys_received"] == {"line_reward": [], "customer_id": []}
    # two forms that disagree are refused
    louis = customer(admin, "02")[C.F_PUBLIC_ID]
    mixed = with_reward(
        "POS-MIXED",
        {C.F_PUBLIC_REWARD_ID: "crw_a", C.F_LINE_REWARD_ID: "crw_b"},
        {C.F_PUBLIC_ID: cid},
        **{C.F_CUSTOMER_PUBLIC_ID: louis},
    )
    errors = errors_of(api("POST", C.PATH_ORDERS, body=mixed))
    assert set(errors) == {
        f"{C.F_LINES}.1.{C.F_LINE_REWARD_ID}",
        C.F_CUSTOMER_PUBLIC_ID,
    }


# ---------------------------------------------------------------------------
# Check-ins, stores, webhooks
# ---------------------------------------------------------------------------
def test_checkins(api, admin):
    body = {
        C.F_STORE_SLUG: "demo-lyon",
        C.F_PHONE: PHONE + "06",
        C.F_AMOUNT: 1850,
        C.F_TAGS: ["terminal"],
        C.F_CHECKED_IN_AT: "2024-05-17T12:30:00+02:00",
        C.F_ORDER_ID: "POS/1",
    }
    known = api("POST", C.PATH_CHECKINS, body=body)
    assert known.status == 201 and known.body[C.F_POINTS] == 18
    assert known.body["created_customer"] is False and known.body["valid"] is True
    hugo = customer(admin, "06")
    assert hugo[C.F_POINTS] == 28 and "terminal" in hugo[C.F_TAGS]
    unknown = api("POST", C.PATH_CHECKINS, body={**body, C.F_PHONE: NEW_PHONE})
    assert unknown.body["created_customer"] is True
    assert admin.customer(NEW_PHONE)[C.F_POINTS] == 18
    errors = errors_of(api("POST", C.PATH_CHECKINS, body={C.F_STORE_SLUG: "nowhere"}))
    assert {C.F_STORE_SLUG, C.F_PHONE, C.F_AMOUNT, C.F_TAGS} <= set(errors)
    future = {**body, C.F_CHECKED_IN_AT: "2999-01-01T00:00:00+00:00"}
    assert C.F_CHECKED_IN_AT in errors_of(api("POST", C.PATH_CHECKINS, body=future))


def test_stores(api):
    stores = api("GET", C.PATH_STORES).body[C.F_DATA]
    assert [s[C.F_SLUG] for s in stores] == ["demo-paris", "demo-lyon"]
    assert all(s[C.F_PUBLIC_ID].startswith("str_") for s in stores)


def test_webhook_subscribe_and_unsubscribe(api):
    body = {C.F_EVENT: C.EVENT_CUSTOMER_CREATED, C.F_URL: "https://example.com/hook"}
    created = api("POST", C.PATH_WEBHOOKS, body=body)
    assert created.status == 201 and created.body[C.F_SECRET]
    assert created.body[C.F_ID].startswith("wh_")
    given = api("POST", C.PATH_WEBHOOKS, body={**body, C.F_SECRET: "s3cret"})
    assert given.body[C.F_SECRET] == "s3cret"
    plain = {**body, C.F_URL: "http://example.com/hook"}
    assert C.F_URL in errors_of(api("POST", C.PATH_WEBHOOKS, body=plain))
    bad_event = {**body, C.F_EVENT: "order.created"}
    assert C.F_EVENT in errors_of(api("POST", C.PATH_WEBHOOKS, body=bad_event))
    hook_id = created.body[C.F_ID]
    assert api("DELETE", C.PATH_WEBHOOK, webhook=hook_id).status == 204
    assert api("DELETE", C.PATH_WEBHOOK, webhook=hook_id).status == 404


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls.append((dict(self.headers.items()), raw))
        status = 500 if len(self.server.calls) == 1 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.calls = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_delivery_is_signed_and_retried(api, admin, receiver):
    url = f"http://127.0.0.1:{receiver.server_address[1]}/pongo/webhook"
    body = {C.F_EVENT: C.EVENT_CUSTOMER_CREATED, C.F_URL: url, C.F_SECRET: "topsecret"}
    assert api("POST", C.PATH_WEBHOOKS, body=body).status == 201
    updated = {**body, C.F_EVENT: C.EVENT_CUSTOMER_UPDATED}
    assert api("POST", C.PATH_WEBHOOKS, body=updated).status == 201
    created = admin("POST", "customers", {C.F_PHONE: NEW_PHONE})
    assert created.status == 201
    wait_for(lambda: len(receiver.calls) >= 2)
    (_, raw1), (_, raw2) = receiver.calls[:2]
    assert raw1 == raw2  # same event retried
    for headers, raw in receiver.calls[:2]:
        assert headers["Content-Type"] == "application/json"
        match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers[C.HEADER_SIGNATURE])
        stamp, signature = match.groups()
        expected = hmac.new(b"topsecret", raw + stamp.encode(), hashlib.sha256)
        assert hmac.compare_digest(expected.hexdigest(), signature)
        assert abs(time.time() - int(stamp)) < 30
    event = json.loads(raw1)
    assert event[C.F_EVENT] == C.EVENT_CUSTOMER_CREATED
    assert event[C.F_ID].startswith("evt_")
    assert event[C.F_DATA] == created.body
    api.spec.validate("POST", C.PATH_CUSTOMERS, 201, event[C.F_DATA])
    deliveries = admin("GET", "deliveries").body["deliveries"]
    assert [(d["attempt"], d["status"]) for d in deliveries] == [(1, 500), (2, 200)]
    # an update from "Pongo's side" fires customer.updated
    cid = created.body[C.F_PUBLIC_ID]
    assert admin("PATCH", f"customers/{cid}", {C.F_POINTS: 77}).status == 200
    wait_for(lambda: len(receiver.calls) >= 3)
    event = json.loads(receiver.calls[2][1])
    assert event[C.F_EVENT] == C.EVENT_CUSTOMER_UPDATED
    assert event[C.F_DATA][C.F_POINTS] == 77


def test_webhook_gives_up_after_three_attempts(api, admin):
    body = {C.F_EVENT: C.EVENT_CUSTOMER_CREATED, C.F_URL: "http://127.0.0.1:9/none"}
    api("POST", C.PATH_WEBHOOKS, body=body)
    api(
        "POST",
        C.PATH_CUSTOMERS,
        body={C.F_PHONE: NEW_PHONE, C.F_REFERENCE_STORE_SLUG: "demo-paris"},
    )
    deliveries = wait_for(
        lambda: len(d := admin("GET", "deliveries").body["deliveries"]) >= 3 and d
    )
    assert [d["attempt"] for d in deliveries] == [1, 2, 3]
    assert all(d["status"] is None and d["error"] for d in deliveries)


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------
def test_fault_latency(api, admin):
    admin("POST", "faults", {"latency_ms": 300})
    assert api("GET", C.PATH_STORES).elapsed >= 0.3
    assert admin("GET", "health").elapsed < 0.3  # admin is never faulted


def test_fault_outage_refuse_then_recover(api, admin, server):
    answer = admin("POST", "faults", {"outage": "refuse"})
    assert answer.body["outage"] == "refuse"
    with pytest.raises(urllib.error.URLError) as caught:
        api("GET", C.PATH_STORES)
    assert isinstance(caught.value.reason, ConnectionRefusedError)
    assert admin("GET", "health").body["api_up"] is False
    admin("POST", "faults", {"outage": None})
    assert api("GET", C.PATH_STORES).status == 200
    assert http("GET", server["url"] + "/_emulator/health").body["api_up"] is True


def test_fault_outage_503(api, admin):
    admin("POST", "faults", {"outage": "503"})
    answer = api("GET", C.PATH_STORES)
    assert answer.status == 503
    assert answer.body == {C.F_MESSAGE: "Service Unavailable"}
    admin("POST", "faults", {"clear": True})
    assert api("GET", C.PATH_STORES).status == 200


def test_fault_error_rate_is_a_deterministic_share(api, admin):
    def run() -> list[int]:
        admin("POST", "faults", {"error_rate": 0.25, "fault_seed": 7})
        return [api("GET", C.PATH_OAUTH_TEST).status for _ in range(200)]

    first = run()
    share = first.count(500) / len(first)
    assert 0.15 <= share <= 0.35, share
    assert set(first) == {200, 500}
    assert run() == first


def test_fault_rate_limit(api, admin):
    admin("POST", "faults", {"rate_limit": {"every": 3, "retry_after": 7}})
    statuses = [api("GET", C.PATH_STORES) for _ in range(6)]
    assert [a.status for a in statuses] == [200, 200, 429, 200, 200, 429]
    assert statuses[2].headers[C.HEADER_RETRY_AFTER] == "7"
    admin("POST", "faults", {"rate_limit": {"every": 1, "retry_after": 1}})
    assert api("GET", C.PATH_STORES).status == 429


def test_fault_hang_applies_the_request(api, admin):
    admin("POST", "faults", {"hang": True, "hang_seconds": 2})
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        api("POST", C.PATH_ORDERS, body=order(), timeout=0.5)
    (entry,) = admin("GET", "ledger").body["orders"]
    assert entry["order_id"] == "POS/2024/0001" and entry["received"] == 1
    admin("POST", "faults", {"hang": False})
    again = api("POST", C.PATH_ORDERS, body=order())
    assert again.status == 202 and again.body[C.F_ID] == entry["pongo_id"]
    assert customer(admin, "02")[C.F_POINTS] == 52


def test_fault_paths_and_validation(api, admin):
    admin("POST", "faults", {"outage": "503", "paths": [C.PATH_ORDERS]})
    assert api("GET", C.PATH_STORES).status == 200
    assert api("POST", C.PATH_ORDERS, body=order()).status == 503
    bad = admin("POST", "faults", {"error_rate": 2, "nonsense": 1})
    assert bad.status == 422 and set(bad.body["errors"]) == {"error_rate", "nonsense"}
    cleared = admin("POST", "faults", {"clear": True}).body
    assert cleared["outage"] is None and cleared["paths"] is None


def test_faults_from_command_line():
    proc, url, admin_url, _ = start_emulator(
        "--outage", "503", "--latency-ms", "50", "--fault-path", "/v1/stores"
    )
    try:
        assert http("GET", url + C.PATH_STORES).status == 503
        assert http("GET", url + C.PATH_OAUTH_TEST).status == 401
        faults = http("GET", admin_url + "/_emulator/faults").body
        assert faults["latency_ms"] == 50 and faults["paths"] == ["/v1/stores"]
    finally:
        stop_emulator(proc)


def test_fault_deprecation_headers_on_chosen_paths(api, admin):
    marks = [
        {
            "path": C.PATH_STORES,
            "deprecation": "@1767225600",
            "sunset": "Wed, 01 Jul 2026 00:00:00 GMT",
            "link": "https://example.com/changelog",
        },
        {"path": C.PATH_CUSTOMERS},
    ]
    assert admin("POST", "faults", {"deprecations": marks}).status == 200
    stores = api("GET", C.PATH_STORES)
    assert stores.headers[C.HEADER_DEPRECATION] == "@1767225600"
    assert stores.headers[C.HEADER_SUNSET] == "Wed, 01 Jul 2026 00:00:00 GMT"
    assert stores.headers[C.HEADER_LINK] == (
        '<https://example.com/changelog>; rel="deprecation"; type="text/html"'
    )
    listed = api("GET", C.PATH_CUSTOMERS)
    assert listed.headers[C.HEADER_DEPRECATION] == "true"
    assert C.HEADER_SUNSET not in listed.headers
    test = api("GET", C.PATH_OAUTH_TEST)
    assert C.HEADER_DEPRECATION not in test.headers
    bad = admin("POST", "faults", {"deprecations": [{"sunset": "x"}]})
    assert bad.status == 422 and set(bad.body["errors"]) == {"deprecations"}
    admin("POST", "faults", {"clear": True})
    assert C.HEADER_DEPRECATION not in api("GET", C.PATH_STORES).headers


def test_fault_wire_variant_changes_answers_only(api, admin, server, spec):
    before = admin.state()
    faults = admin("POST", "faults", {"wire_variant": True}).body
    assert faults["wire_variant"]["rename"] == {
        C.F_SMS_OPTIN: "sms_optin",
        C.F_EXTERNAL_ID: "sku",
    }
    headers = {C.HEADER_AUTHORIZATION: f"Bearer {api.token}"}
    path = C.PATH_CUSTOMER_BY_PHONE.format(phone=PHONE + "04")
    emma = http("GET", server["url"] + path, headers=headers).body
    assert C.F_SMS_OPTIN not in emma and emma["sms_optin"] is True
    assert emma[C.F_POINTS] == "500"
    with pytest.raises(ValidationError):
        spec.validate("GET", C.PATH_CUSTOMER_BY_PHONE, 200, emma)
    rewards = http("GET", server["url"] + C.PATH_REWARDS, headers=headers).body
    types = {r[C.F_REWARD_TYPE] for r in rewards[C.F_DATA]}
    assert "voucher_fixed" in types and C.REWARD_VOUCHER_AMOUNT not in types
    assert all("sku" in r and C.F_EXTERNAL_ID not in r for r in rewards[C.F_DATA])
    assert admin.state() == before  # the data itself is untouched
    custom = {"rename": {C.F_POINTS: "balance"}}
    assert admin("POST", "faults", {"wire_variant": custom}).status == 200
    emma = http("GET", server["url"] + path, headers=headers).body
    assert emma["balance"] == 500 and emma[C.F_SMS_OPTIN] is True
    bad = admin("POST", "faults", {"wire_variant": {"types": {"points": "float"}}})
    assert bad.status == 422
    # a request key Pongo would not know is dropped, as Laravel does
    admin("POST", "faults", {"wire_variant": {"ignore": [C.F_FIRST_NAME]}})
    body = {C.F_FIRST_NAME: "Emmanuelle", C.F_LAST_NAME: "Grand"}
    cid = emma[C.F_PUBLIC_ID]
    updated = api("PUT", C.PATH_CUSTOMER, customer=cid, body=body).body
    assert updated[C.F_FIRST_NAME] == "Emma" and updated[C.F_LAST_NAME] == "Grand"
    admin("POST", "faults", {"wire_variant": None})
    assert api("GET", C.PATH_CUSTOMER_BY_PHONE, phone=PHONE + "04").status == 200


def test_wire_variant_from_command_line():
    proc, _url, admin_url, _ = start_emulator("--wire-variant")
    try:
        faults = http("GET", admin_url + "/_emulator/faults").body
        assert faults["wire_variant"]["values"] == {
            C.F_REWARD_TYPE: {C.REWARD_VOUCHER_AMOUNT: "voucher_fixed"}
        }
    finally:
        stop_emulator(proc)


# ---------------------------------------------------------------------------
# Admin API
# ---------------------------------------------------------------------------
def test_generate_ten_thousand_customers_quickly(api, admin):
    started = time.monotonic()
    answer = admin("POST", "customers/generate", {"count": 10_000, "prefix": "337"})
    assert answer.status == 201 and answer.body["created"] == 10_000
    assert time.monotonic() - started < 10
    meta = api("GET", C.PATH_CUSTOMERS, query={C.Q_PER_PAGE: 100}).body[C.F_META]
    assert meta[C.META_TOTAL] == 10_010 and meta[C.META_LAST_PAGE] == 101
    phone = answer.body["last_phone"]
    assert api("GET", C.PATH_CUSTOMER_BY_PHONE, phone=phone).status == 200


def test_admin_state_requests_and_reset(api, admin):
    api("GET", C.PATH_STORES)
    api("GET", C.PATH_CUSTOMER_TAGS)
    state = admin.state()
    assert len(state["customers"]) == 10 and len(state["stores"]) == 2
    assert state["tokens"]["access"] >= 1
    dumped = json.dumps(state)
    assert api.token not in dumped and CLIENT_SECRET not in dumped
    requests = admin("GET", "requests?path=/v1/stores").body["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", C.PATH_STORES, 200)
    ]
    assert isinstance(requests[0]["time"], float)
    assert admin("DELETE", "requests").status == 204
    assert admin("GET", "requests").body["requests"] == []
    assert admin("POST", "reset", {"seed": "empty"}).status == 200
    empty = admin.state()
    assert empty["customers"] == [] and len(empty["rewards"]) >= 8
    assert admin("POST", "reset", {"seed": "bogus"}).status == 422


def test_admin_gives_rewards(api, admin):
    cid = customer(admin, "01")[C.F_PUBLIC_ID]
    voucher = reward(admin, "-10 % sur l'addition")[C.F_PUBLIC_ID]
    given = admin("POST", "customer-rewards", {C.F_CUSTOMER: cid, C.F_REWARD: voucher})
    assert given.status == 201 and given.body[C.F_ORIGIN] == C.ORIGIN_WON
    api.spec.validate("POST", C.PATH_REWARD_BUY, 201, given.body)
    assert given.body[C.F_COUPON_CODE].startswith("PONGO-")
    listed = api("GET", C.PATH_CUSTOMER_REWARDS, customer=cid).body[C.F_DATA]
    assert [r[C.F_PUBLIC_ID] for r in listed] == [given.body[C.F_PUBLIC_ID]]
    unknown = admin("POST", "customer-rewards", {C.F_CUSTOMER: cid, C.F_REWARD: "x"})
    assert unknown.status == 404
