# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Measures run inside an Odoo process (``odoo-bin shell``) for ``make bench``.

Reads its task from the BENCH_TASK environment variable (JSON), prints one line
``BENCH_RESULT <json>``. Each measure is repeated; the driver takes medians.
"""

import itertools
import json
import os
import resource
import time
import types
import urllib.request
from datetime import timedelta

from odoo import Command, fields, http

task = json.loads(os.environ["BENCH_TASK"])
env = globals()["env"]  # given by odoo-bin shell, as the superuser
env = env(user=env.ref("base.user_admin").id)  # the POS runs as a real user
HAS_PONGO = "pongo.job" in env
C_PUBLIC_ID = "public_id"  # Pongo's name (const.py) of a customer or reward id
REPEAT = task.get("repeat", 7)


def timed(function, repeat=REPEAT):
    """Run ``function`` ``repeat`` times in savepoints; seconds of each run."""
    times = []
    for _run in range(repeat):
        with env.cr.savepoint(flush=False) as savepoint:
            started = time.perf_counter()
            function()
            env.flush_all()
            times.append(time.perf_counter() - started)
            savepoint.rollback()
        env.invalidate_all()
    return times


def setup_pongo(url, token):
    company = env.ref("base.main_company")
    company.write(
        {
            "pongo_environment": "custom",
            "pongo_custom_url": url,
            "pongo_access_token": token,
            "country_id": env.ref("base.fr").id,
        }
    )
    store = env["pongo.store"].search([("slug", "=", "demo-paris")], limit=1) or env[
        "pongo.store"
    ].create({"name": "Paris", "slug": "demo-paris"})
    config = bench_config()
    config.pongo_store_id = store
    env.cr.commit()
    return config


def bench_config():
    return env["pos.config"].search([], order="id", limit=1)


def open_session(config):
    if not config.current_session_id:
        env["pos.session"].create({"user_id": env.uid, "config_id": config.id})
    session = config.current_session_id
    if session.state == "opening_control":
        session.set_opening_control(0, None)
    env.cr.commit()
    return session


def order_data(session, partner, products, reward_id=None):
    """A 3-line paid order as the POS sends it (see point_of_sale tests)."""
    config = session.config_id
    cash = config.payment_method_ids.filtered("is_cash_count")[:1]
    lines = []
    total = 0.0
    for index, product in enumerate(products):
        price = product.lst_price
        line = {
            "product_id": product.id,
            "qty": 1,
            "price_unit": price if index or not reward_id else 0.0,
            "price_subtotal": price if index or not reward_id else 0.0,
            "price_subtotal_incl": price if index or not reward_id else 0.0,
            "tax_ids": [(6, 0, [])],
            "pack_lot_ids": [],
        }
        if index == 0 and reward_id and HAS_PONGO:
            line["pongo_reward_id"] = reward_id
        total += line["price_subtotal_incl"]
        lines.append((0, 0, line))
    uid = f"{time.time_ns() % 10**13:013d}"
    return {
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "date_order": str(env.cr.now())[:19],
        "fiscal_position_id": False,
        "pricelist_id": config.pricelist_id.id,
        "name": f"Order {uid[:5]}-{uid[5:8]}-{uid[8:12]}",
        "lines": lines,
        "partner_id": partner.id,
        "session_id": session.id,
        "sequence_number": 2,
        "payment_ids": [
            (
                0,
                0,
                {
                    "amount": total,
                    "name": str(env.cr.now()),
                    "payment_method_id": cash.id,
                },
            )
        ],
        "uuid": f"bench-{time.time_ns()}",
        "user_id": env.uid,
        "to_invoice": False,
    }


def bench_products():
    products = env["product.product"].search(
        [("available_in_pos", "=", True), ("list_price", ">", 0)], order="id", limit=3
    )
    return products


def odoo_pos_search(config, query):
    """Odoo's own POS customer search for ``query`` (what its search box runs)."""
    odoo_fields = env["res.partner"]._load_pos_data_fields(config.id)
    fields_searched = ["name", "parent_name", "phone", "mobile", "email", "barcode"]
    domain = ["|"] * (len(fields_searched) - 1) + [
        [field, "ilike", query + "%"] for field in fields_searched
    ]
    return lambda: env["res.partner"].search_read(domain, odoo_fields, limit=30)


def p1():
    """Customer lookup by phone: Odoo's own POS search vs ours (local and remote)."""
    config = setup_pongo(task["url"], task["token"]) if HAS_PONGO else bench_config()
    number = task["local_phone"]
    result = {"odoo_search": timed(odoo_pos_search(config, number))}
    if HAS_PONGO:
        result["local_hit"] = timed(lambda: config.pongo_search_phone(number))
        remote = task["remote_phones"]
        counter = iter(range(10**6))
        result["remote_hit"] = timed(
            lambda: config.pongo_search_phone(remote[next(counter) % len(remote)]),
            repeat=3 * len(remote),  # each number 3 times: rolled back each run
        )
        if task.get("trips"):
            result["trips"] = cashier_trips(config, remote)
    return result


def emulator_requests():
    url = f"{task['admin_url']}/_emulator/requests?path=/v1"
    with urllib.request.urlopen(url, timeout=30) as response:
        return len(json.loads(response.read())["requests"])


def cashier_trips(config, phones):
    """Pongo calls of each cashier action, and how many went one after the
    other: the action's time over the emulator's injected latency."""
    latency = task["latency_ms"] / 1000
    client = config.company_id._pongo_get_client()
    emma = client.get_customer_by_phone(phones[3])  # seed: 500 points, rewards
    scanned = client.get_customer_by_phone(phones[1])[C_PUBLIC_ID]
    catalogue = client.get_rewards(emma[C_PUBLIC_ID], config.pongo_store_slug)
    owned = client.get_customer_rewards(emma[C_PUBLIC_ID], False)
    partner = env["res.partner"]._pongo_upsert_from_customer(emma, config.company_id)
    env.flush_all()  # rolled back with the rest at the end
    actions = {
        "lookup": lambda: config.pongo_search_phone(phones[2]),
        "scan": lambda: config.pongo_scan(scanned),
        "open panel": lambda: config.pongo_loyalty(partner.id),
        "buy": lambda: config.pongo_buy_reward(
            partner.id, min(catalogue, key=lambda r: r["points"])[C_PUBLIC_ID]
        ),
        "apply": lambda: config.pongo_lock_reward(partner.id, owned[0][C_PUBLIC_ID]),
    }
    trips = {}
    for name, action in actions.items():
        before = emulator_requests()
        with env.cr.savepoint(flush=False) as savepoint:
            started = time.perf_counter()
            answer = action()
            seconds = time.perf_counter() - started
            savepoint.rollback()
        env.invalidate_all()
        trips[name] = {
            "calls": emulator_requests() - before,
            "sequential": int(seconds / latency),
            "status": answer.get("status"),
        }
    return trips


def serve(function):
    """One timed run of ``function`` per line the driver writes to its pipe, until
    it closes it: the driver alternates two such processes (one per database)
    run by run, so that the machine's drift weighs on both alike."""
    timed(function, repeat=1)  # warm-up, not counted
    with open(task["pipe"]) as commands:
        for _command in commands:
            print("BENCH_SAMPLE", json.dumps(timed(function, repeat=1)[0]), flush=True)
    return {}


def p2():
    """sync_from_ui of a 3-line paid order with a Pongo customer and a reward."""
    config = setup_pongo(task["url"], task["token"]) if HAS_PONGO else bench_config()
    session = open_session(config)
    partner = env["res.partner"].search([("phone", "=", task["local_e164"])], limit=1)
    products = bench_products()
    Order = env["pos.order"]

    def sync():
        Order.sync_from_ui([order_data(session, partner, products, "crw_bench")])

    return serve(sync)


def p3():
    """Drain the outbox (the driver starts several of these at once)."""
    started = time.perf_counter()
    sent = 0
    # As the cron runner does: one batch per call, a commit after each.
    while tried := env["pongo.job"]._cron_send_jobs():
        env.cr.commit()
        sent += tried
    env.cr.commit()
    return {"sent": sent, "seconds": time.perf_counter() - started}


def p3_prepare():
    setup_pongo(task["url"], task["token"])
    # The calls of P7's old history (31 days and older) stay.
    env.cr.execute(
        "DELETE FROM pongo_job "
        "WHERE create_date > (now() at time zone 'utc') - interval '30 days'"
    )
    template = json.dumps(task["payload"])
    company = env.ref("base.main_company").id
    env.cr.execute(
        """
        INSERT INTO pongo_job (company_id, job_type, state, payload, attempts,
                               next_attempt_at, create_date, write_date)
        SELECT %s, 'order', 'pending', replace(%s, 'BENCH-ORDER', 'BENCH-' || n),
               0, now() at time zone 'utc', now(), now()
          FROM generate_series(1, %s) n
        """,
        [company, template, task["count"]],
    )
    env.cr.commit()
    return {"prepared": task["count"]}


def p5():
    """POS boot: load_data time (served run by run) and payload size."""
    config = setup_pongo(task["url"], task["token"]) if HAS_PONGO else bench_config()
    session = open_session(config)
    size = len(json.dumps(session.load_data([]), default=str))
    print("BENCH_SAMPLE", json.dumps(size), flush=True)
    return serve(lambda: session.load_data([]))


def p6():
    """Initial import of the emulator's customers, in this process."""
    company = env.ref("base.main_company")
    setup_pongo(task["url"], task["token"])
    company.action_pongo_import_customers()
    env.cr.commit()
    started = time.perf_counter()
    while company.pongo_import_state in ("queued", "running"):
        env["res.company"]._cron_pongo_import_customers()  # a page, as the cron
        env.cr.commit()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "state": company.pongo_import_state,
        "imported": company.pongo_import_count,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def webhook_secret():
    company = env.ref("base.main_company")
    setup_pongo(task["url"], task["token"])
    company.pongo_webhook_secret = task["secret"]
    env.cr.commit()
    return {"company_id": company.id}


def p4_check():
    """Wait for the cron to apply this run's events; customers whose partner
    does not carry their last event's points (applied out of order or not)."""
    prefix = task["prefix"]
    started = time.perf_counter()
    while True:
        env.cr.execute(
            "SELECT state, count(*) FROM pongo_webhook_event "
            "WHERE left(event_id, %s) = %s GROUP BY state",
            [len(prefix), prefix],
        )
        states = dict(env.cr.fetchall())
        if not states.get("received") or time.perf_counter() - started > 300:
            break
        env.cr.rollback()  # a fresh snapshot
        time.sleep(0.2)
    env.cr.execute(
        """
        SELECT count(*) FROM (
            SELECT DISTINCT ON (customer_public_id) customer_public_id,
                   (payload::json -> 'data' ->> 'points')::int AS points
              FROM pongo_webhook_event WHERE left(event_id, %s) = %s
             ORDER BY customer_public_id, id DESC
        ) last JOIN res_partner partner
          ON partner.pongo_customer_id = last.customer_public_id
         WHERE partner.pongo_points != last.points
        """,
        [len(prefix), prefix],
    )
    return {
        "states": states,
        "stale": env.cr.fetchone()[0],
        "seconds": time.perf_counter() - started,
    }


def p7_setup():
    """P7: the webhook secret, this run's calls and events gone (the old ones
    stay), and no autovacuum during the measures: the old rows are kept."""
    company = env.ref("base.main_company")
    setup_pongo(task["url"], task["token"])
    company.write(
        {
            "pongo_webhook_secret": task["secret"],
            "pongo_job_retention_days": 36500,
            "pongo_event_retention_days": 36500,
        }
    )
    env.cr.execute(
        "DELETE FROM pongo_webhook_event "
        "WHERE received_at > (now() at time zone 'utc') - interval '30 days'"
    )
    env.ref("base.autovacuum_job").sudo().nextcall = fields.Datetime.add(
        fields.Datetime.now(), days=1
    )
    env.cr.commit()
    return {"company_id": company.id}


def p7_lookup():
    """P7: Odoo's own POS search and our local phone hit, run by run in turn."""
    config = setup_pongo(task["url"], task["token"])
    runs = {
        "odoo_search": odoo_pos_search(config, task["odoo_query"]),
        "local_hit": lambda: config.pongo_search_phone(task["local_phone"]),
    }
    times = {name: [] for name in runs}
    for run in runs.values():
        timed(run, repeat=1)  # warm-up, not counted
    for index in range(REPEAT):
        for name in sorted(runs, reverse=bool(index % 2)):
            times[name] += timed(runs[name], repeat=1)
    return times


def p7_vacuum():
    """P7: the first autovacuum run on the old calls and events (30 days kept):
    rows deleted, time, transactions and their longest, memory."""
    company = env.ref("base.main_company")
    company.write({"pongo_job_retention_days": 30, "pongo_event_retention_days": 30})
    env.cr.commit()
    commit = env.cr.commit
    commits = []

    def timed_commit():
        commit()
        commits.append(time.perf_counter())

    env.cr.commit = timed_commit
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {}
    for model, method in (
        ("pongo.job", "_gc_pongo_sent_jobs"),
        ("pongo.webhook.event", "_gc_pongo_applied_events"),
    ):
        started = time.perf_counter()
        commits[:] = [started]
        deleted = getattr(env[model].sudo(), method)()
        spans = [end - start for start, end in itertools.pairwise(commits)]
        result[model] = {
            "deleted": deleted,
            "seconds": time.perf_counter() - started,
            "transactions": len(spans),
            "longest": max(spans, default=0),
        }
    env.cr.commit = commit
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["rss_before_mb"] = rss_before
    result["rss_growth_mb"] = rss_after - rss_before
    company.write(
        {"pongo_job_retention_days": 36500, "pongo_event_retention_days": 36500}
    )
    env.cr.commit()
    return result


# ---------------------------------------------------------------------------
# P8: the kiosk (pos_pongo_self_order)
# ---------------------------------------------------------------------------
def kiosk_setup():
    """The bench's kiosk: a point of sale in kiosk mode mapped to the Pongo store,
    whose self-order user is a plain Point of Sale user, with its session open
    (made once, kept). pos_pongo's demo products carry the SKUs of the
    emulator's seed rewards."""
    setup_pongo(task["url"], task["token"])
    store = env["pongo.store"].search([("slug", "=", "demo-paris")], limit=1)
    groups = env.ref("base.group_user") | env.ref("point_of_sale.group_pos_user")
    user = env["res.users"].search([("login", "=", "bench_kiosk")], limit=1)
    if not user:
        user = env["res.users"].create({"name": "Bench Kiosk", "login": "bench_kiosk"})
    user.groups_id = [Command.set(groups.ids)]
    config = env["pos.config"].search([("name", "=", "Bench Kiosk")], limit=1)
    if not config:
        card = env["pos.payment.method"].search(
            [("is_cash_count", "=", False), ("journal_id.type", "=", "bank")],
            limit=1,
        )
        config = env["pos.config"].create(
            {
                "name": "Bench Kiosk",
                "self_ordering_mode": "kiosk",
                "self_ordering_default_user_id": user.id,
                "self_ordering_pay_after": "each",
                "self_ordering_service_mode": "counter",
                "payment_method_ids": [Command.set(card.ids)],
            }
        )
    config.pongo_store_id = store
    open_session(config)
    return config


def kiosk_route(config, name, **params):
    """The kiosk's route ``/pos-self-order/pongo/<name>`` as a public request runs
    it: the controller's own method, with the public user's environment as its
    request (nothing else: a route that needs more fails here)."""
    from odoo.addons.pos_pongo_self_order.controllers.main import (
        PongoSelfOrderController,
    )

    public = env(user=env.ref("base.public_user").id)
    http._request_stack.push(types.SimpleNamespace(env=public))
    try:
        route = getattr(PongoSelfOrderController(), f"pongo_{name}")
        return route(access_token=config.sudo().access_token, **params)
    finally:
        http._request_stack.pop()


def p8():
    """Pongo calls of each kiosk action, and how many went one after the other
    (as ``cashier_trips``): identification by phone and by pass, of a customer
    new here and of one known here whose points were read an hour ago, and
    applying an owned free product and voucher. Each action in a savepoint,
    rolled back; what it needs first (the customer known here, the rewards
    listed) is made in it before the count starts."""
    config = kiosk_setup()
    latency = task["latency_ms"] / 1000
    client = config.company_id._pongo_get_client()
    owner = client.get_customer_by_phone(task["phone_owner"])  # owns rewards
    other = client.get_customer_by_phone(task["phone_other"])

    def known_here(customer):
        partner = env["res.partner"]._pongo_upsert_from_customer(
            customer, config.company_id
        )
        partner.pongo_points_date = fields.Datetime.now() - timedelta(hours=1)
        return {}

    def identified(kind):
        ticket = kiosk_route(config, "identify", phone=task["phone_owner"])["ticket"]
        rewards = kiosk_route(config, "rewards", ticket=ticket)
        owned = next(item for item in rewards["owned"] if item["apply"] == kind)
        return {"ticket": ticket, "owned_id": owned["id"]}

    # name: (route, what it needs first, the route's own parameters)
    actions = {
        "phone new here": ("identify", dict, {"phone": task["phone_owner"]}),
        "phone known here": (
            "identify",
            lambda: known_here(owner),
            {"phone": task["phone_owner"]},
        ),
        "pass new here": ("identify", dict, {"code": other[C_PUBLIC_ID]}),
        "pass known here": (
            "identify",
            lambda: known_here(owner),
            {"code": owner[C_PUBLIC_ID]},
        ),
        "apply product": ("apply", lambda: identified("product"), {}),
        "apply voucher": ("apply", lambda: identified("voucher"), {}),
    }
    trips = {}
    for name, (route, prepare, own) in actions.items():
        with env.cr.savepoint(flush=False) as savepoint:
            params = {**own, **prepare()}
            env.flush_all()
            before = emulator_requests()
            started = time.perf_counter()
            answer = kiosk_route(config, route, **params)
            seconds = time.perf_counter() - started
            calls = emulator_requests() - before
            savepoint.rollback()
        env.invalidate_all()
        trips[name] = {
            "calls": calls,
            "sequential": int(seconds / latency),
            "status": answer.get("status"),
            "seconds": seconds,
        }
    return trips


MEASURES = {
    "p1": p1,
    "p2": p2,
    "p3": p3,
    "p3_prepare": p3_prepare,
    "p5": p5,
    "p6": p6,
    "webhook_secret": webhook_secret,
    "p4_check": p4_check,
    "p7_setup": p7_setup,
    "p7_lookup": p7_lookup,
    "p7_vacuum": p7_vacuum,
    "p8": p8,
}
outcome = MEASURES[task["measure"]]()
env.cr.rollback()
print("BENCH_RESULT", json.dumps(outcome))
