# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Odoo side of ``make reliability``, run inside ``odoo-bin shell`` children.

Reads its task from the RELIABILITY_TASK environment variable (JSON: ``step``, the
name of a function of STEPS, and its arguments), prints one line
``RELIABILITY_RESULT <json>``. The driver (scripts/reliability.py) injects the
faults, reads Pongo's side from the emulator and judges the figures.
"""

import json
import os
import threading
import time
import urllib.request
import uuid

from odoo import api, fields
from odoo.service.model import retrying

from odoo.addons.pos_pongo import const as C
from odoo.addons.pos_pongo.models.pongo_job import PongoJob
from odoo.addons.pos_pongo.models.res_company import SECRET_FIELDS

RESULT_PREFIX = "RELIABILITY_RESULT "
task = json.loads(os.environ["RELIABILITY_TASK"])
env = globals()["env"]  # given by odoo-bin shell, as the superuser


def out(**values):
    print(RESULT_PREFIX + json.dumps(values, default=str), flush=True)


def emulator(method, path, payload=None):
    """The emulator's admin API (its faults, customers, tokens)."""
    request = urllib.request.Request(
        f"{task['admin_url']}/_emulator/{path}",
        data=json.dumps(payload if payload is not None else {}).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


# ---------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------
def connect(token=None, refresh=False, webhook_secret=False):
    """The main company on the emulator, its store mapped, the outbox empty."""
    company = env.ref("base.main_company")
    company.sudo().write(
        {
            "pongo_environment": "custom",
            "pongo_custom_url": task["url"],
            "pongo_client_id": "pongo-demo-client",
            "pongo_client_secret": "pongo-demo-secret",
            "pongo_access_token": token or task["token"],
            "pongo_refresh_token": refresh,
            "pongo_token_expires_at": False,
            "pongo_webhook_secret": webhook_secret,
        }
    )
    Store = env["pongo.store"].with_context(active_test=False)
    store = Store.search(
        [("company_id", "=", company.id), ("slug", "=", "demo-paris")], limit=1
    ) or Store.create({"name": "Paris", "slug": "demo-paris", "company_id": company.id})
    store.active = True
    env.cr.execute("DELETE FROM pongo_job")
    return company, store


def pos(store):
    """The reliability point of sale, mapped to ``store``, its session open."""
    config = env["pos.config"].search([("name", "=", "Pongo Reliability")], limit=1)
    if not config:
        config = env["pos.config"].create({"name": "Pongo Reliability"})
    config.pongo_store_id = store
    if not config.current_session_id:
        config.with_user(env.ref("base.user_admin")).open_ui()
        config.current_session_id.set_opening_control(0, None)
    product = env["product.product"].search(
        [("default_code", "=", "REL-ESPRESSO")], limit=1
    )
    if not product:
        product = env["product.product"].create(
            {
                "name": "Reliability Espresso",
                "default_code": "REL-ESPRESSO",
                "available_in_pos": True,
                "list_price": 10.0,
                "taxes_id": [(5, 0, 0)],
            }
        )
    return config, product


def cashier():
    """A user with the Point of Sale *User* right only."""
    user = env["res.users"].search([("login", "=", "rel_cashier")], limit=1)
    return user or env["res.users"].create(
        {
            "name": "Reliability Cashier",
            "login": "rel_cashier",
            "password": "rel_cashier_pw",
            "groups_id": [
                (
                    6,
                    0,
                    [
                        env.ref("base.group_user").id,
                        env.ref("point_of_sale.group_pos_user").id,
                    ],
                )
            ],
        }
    )


def link(phone):
    company = env.ref("base.main_company")
    data = company._pongo_get_client().get_customer_by_phone(phone)
    return env["res.partner"]._pongo_upsert_from_customer(data, company)


# ---------------------------------------------------------------------------
# Orders and the outbox
# ---------------------------------------------------------------------------
def order_dict(config, product, partner, qty):
    """A paid order as the POS sends it to ``sync_from_ui``."""
    session = config.current_session_id
    cash = config.payment_method_ids.filtered("is_cash_count")[:1]
    cash = cash or config.payment_method_ids[:1]
    total = product.lst_price * qty
    ref = str(uuid.uuid4())
    now = fields.Datetime.now()
    return {
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "date_order": fields.Datetime.to_string(now),
        "fiscal_position_id": False,
        "pricelist_id": config.pricelist_id.id,
        "name": f"Order {ref}",
        "last_order_preparation_change": "{}",
        "lines": [
            (
                0,
                0,
                {
                    "product_id": product.id,
                    "qty": qty,
                    "price_unit": product.lst_price,
                    "price_subtotal": total,
                    "price_subtotal_incl": total,
                    "tax_ids": [(6, 0, [])],
                    "pack_lot_ids": [],
                },
            )
        ],
        "partner_id": partner.id,
        "session_id": session.id,
        "sequence_number": 2,
        "payment_ids": [
            (0, 0, {"amount": total, "name": now, "payment_method_id": cash.id})
        ],
        "uuid": ref,
        "user_id": env.uid,
        "to_invoice": False,
        "state": "paid",
    }


def pay(config, product, partner, count):
    """``count`` paid orders of 1 to 3 items, committed."""
    ids = []
    for number in range(count):
        data = order_dict(config, product, partner, 1 + number % 3)
        result = env["pos.order"].sync_from_ui([data])
        ids.append(result["pos.order"][0]["id"])
    env.cr.commit()
    return env["pos.order"].browse(ids)


def make_jobs(company, count, prefix, amount):
    """``count`` queued order calls for the customer ``task["phone"]``, committed."""
    Job = env["pongo.job"]
    ids = []
    for number in range(count):
        payload = {
            C.F_ORDER_ID: f"{prefix}/{number}",
            C.F_CHANNEL: C.CHANNEL_POS,
            C.F_DELIVERY_MODE: C.DELIVERY_MODE_ON_SITE,
            C.F_LOYALTY_STORE_SLUG: "demo-paris",
            C.F_AMOUNT: amount,
            C.F_STATUS: C.ORDER_STATUS_COMPLETED,
            C.F_CREATED_AT: "2026-11-26T12:00:00+00:00",
            C.F_DELIVERY_STATUS: C.DELIVERY_STATUS_DELIVERED,
            C.F_LINES: [{C.F_NAME: "Espresso", C.F_QUANTITY: 1, C.F_AMOUNT: amount}],
            C.F_CUSTOMER: {C.F_PHONE: task["phone"]},
        }
        job = Job.create(
            {
                "company_id": company.id,
                "job_type": "order",
                "payload": json.dumps(payload),
            }
        )
        ids.append(job.id)
    env.cr.commit()
    return ids


def due_now():
    """Time passes: every pending job is due again."""
    env.cr.execute(
        "UPDATE pongo_job SET next_attempt_at = "
        "date_trunc('second', now() at time zone 'utc') - interval '1 second' "
        "WHERE state = 'pending'"
    )
    env.cr.commit()
    env.invalidate_all()


def cron_run(model, method):
    """A run of a cron's method as Odoo's cron runner makes it with the progress
    API: a batch, a commit, the next batch until one does nothing; the work done."""
    done = 0
    while batch := getattr(env[model], method)():
        env.cr.commit()
        env.invalidate_all()
        done += batch
    env.cr.commit()
    return done


def drain(limit=None):
    """One cron run of the outbox (cut short to one batch of ``limit`` jobs when
    given); how many jobs it tried."""
    if not limit:
        return cron_run("pongo.job", "_cron_send_jobs")
    sent = env["pongo.job"]._cron_send_jobs(limit=limit)
    env.cr.commit()
    env.invalidate_all()
    return sent


def drain_all(rounds=30):
    attempts = 0
    for _round in range(rounds):
        due_now()
        attempts += drain()
        if not env["pongo.job"].search_count([("state", "=", "pending")]):
            break
    return attempts


def job_states():
    env.cr.execute("SELECT state, count(*) FROM pongo_job GROUP BY state")
    return dict(env.cr.fetchall())


# ---------------------------------------------------------------------------
# Steps (one per task)
# ---------------------------------------------------------------------------
def outage():
    """Case 1: ``n`` paid orders, the first half while Pongo refuses connections
    (cron runs cut short meanwhile), the second half once it is back."""
    n = task["n"]
    _company, store = connect()
    config, product = pos(store)
    customer = link(task["phone"])
    env.cr.commit()
    emulator("POST", "faults", {"outage": "refuse"})
    orders = env["pos.order"]
    half = n // 2
    failed_attempts = 0
    for _chunk in range(5):  # the first half is paid during the outage
        orders |= pay(config, product, customer, half // 5)
        failed_attempts += drain(limit=4)  # a cron run, cut short by its time budget
    orders |= pay(config, product, customer, half - len(orders))
    pending_mid = job_states().get("pending", 0)
    emulator("POST", "faults", {"clear": True})
    for _chunk in range(5):  # the second half, Pongo back
        orders |= pay(config, product, customer, (n - half) // 5)
        drain()
    orders |= pay(config, product, customer, n - len(orders))
    drain_all()
    return {
        "refs": orders.mapped("pos_reference"),
        "expected_points": sum(int(order.amount_total) for order in orders),
        "jobs": job_states(),
        "pending_mid": pending_mid,
        "failed_attempts": failed_attempts,
        "sync": sorted(set(orders.mapped("pongo_sync_state"))),
    }


def storm():
    """Case 2: ``n`` queued orders drained under the fault the driver injected."""
    company, _store = connect()
    make_jobs(company, task["n"], task["prefix"], task["amount"])
    drain_all()
    env.cr.execute("SELECT max(attempts) FROM pongo_job")
    max_attempts = env.cr.fetchone()[0]
    return {"jobs": job_states(), "max_attempts": max_attempts}


def hang():
    """Case 3: Pongo applies the orders but never answers; then it answers."""
    company, _store = connect()
    ids = make_jobs(company, task["n"], "HANG", 1000)
    drain()
    first = job_states()
    emulator("POST", "faults", {"clear": True})
    drain_all()
    jobs = env["pongo.job"].browse(ids)
    already = sum(
        1 for job in jobs if json.loads(job.response or "{}").get("already_processed")
    )
    return {"first": first, "jobs": job_states(), "already": already}


def crash():
    """Case 4: the process dies (exit 137) once Pongo accepted the order, before
    Odoo commits; the patch lives in this process only."""
    company, _store = connect()
    make_jobs(company, 1, task["prefix"], 1000)
    record_outcome = PongoJob._record_outcome

    def crashing(self, outcome):
        if isinstance(outcome, dict):  # Pongo accepted the order, nothing committed
            out(answered=True)
            os._exit(137)
        return record_outcome(self, outcome)

    PongoJob._record_outcome = crashing
    drain()
    return {"answered": False}


def recover():
    """Case 4: a new process drains what the crashed one left."""
    for _try in range(20):
        drain()
        if job_states() == {"done": 1}:
            break
        time.sleep(0.5)
    job = env["pongo.job"].search([])
    return {
        "jobs": job_states(),
        "attempts": job.attempts,
        "already": json.loads(job.response or "{}").get("already_processed"),
    }


def queue():
    """Case 5: ``n`` queued orders."""
    company, _store = connect()
    return {"ids": len(make_jobs(company, task["n"], task["prefix"], 1000))}


def drain_at_gate():
    """Case 5: one of two processes that drain the same queue at the same moment:
    says it is ready, waits for the driver's go, drains."""
    gate = task["gate"]
    open(os.path.join(gate, f"ready-{os.getpid()}"), "w").close()
    while not os.path.exists(os.path.join(gate, "go")):
        time.sleep(0.02)
    return {"sent": drain()}


def states():
    return {"jobs": job_states()}


def reward_race():
    """Case 6: two tills (two cursors, a POS user each) lock the same owned reward,
    then buy a reward the customer can afford once, at the same moment."""
    company, store = connect()
    config, _product = pos(store)
    user = cashier()
    env.cr.commit()
    rewards = company._pongo_get_client().get_rewards()
    reward = next(r for r in rewards if r[C.F_NAME] == task["reward_name"])
    registry = env.registry

    def race(method, args):
        barrier = threading.Barrier(2)
        answers = [None, None]

        def till(slot):
            try:
                with registry.cursor() as cr:
                    till_env = api.Environment(cr, user.id, {})
                    till_config = till_env["pos.config"].browse(config.id)
                    barrier.wait()
                    answers[slot] = retrying(
                        lambda: getattr(till_config, method)(*args), till_env
                    )
            except Exception as exc:  # reported, judged by the driver
                answers[slot] = {"status": "crash", "message": repr(exc)}

        threads = [threading.Thread(target=till, args=(slot,)) for slot in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    results = {"lock": [], "buy": []}
    for number in range(task["rounds"]):
        customer = emulator(
            "POST",
            "customers",
            {
                C.F_PHONE: f"{task['phone_prefix']}{number:04d}",
                C.F_POINTS: reward[C.F_POINTS] + 10,
                C.F_SMS_OPTIN: True,
            },
        )
        owned = emulator(
            "POST",
            "customer-rewards",
            {"customer": customer[C.F_PUBLIC_ID], "reward": reward[C.F_PUBLIC_ID]},
        )
        partner = env["res.partner"]._pongo_upsert_from_customer(customer, company)
        env.cr.commit()
        results["lock"].append(
            race("pongo_lock_reward", (partner.id, owned[C.F_PUBLIC_ID]))
        )
        results["buy"].append(
            race("pongo_buy_reward", (partner.id, reward[C.F_PUBLIC_ID]))
        )
    return {"results": results}


def http_setup():
    """Cases 7 and 8: the webhook secret, the point of sale, a POS user and a
    portal user, before the driver starts an Odoo HTTP server."""
    company, store = connect(webhook_secret=task["secret"])
    config, _product = pos(store)
    cashier()
    portal = env["res.users"].search([("login", "=", "rel_portal")], limit=1)
    if not portal:
        env["res.users"].create(
            {
                "name": "Reliability Portal",
                "login": "rel_portal",
                "password": "rel_portal_pw",
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
    env.cr.commit()
    return {
        "company": company.id,
        "session": config.current_session_id.id,
        "secret_fields": SECRET_FIELDS,  # the model's own list, for case 8
    }


def apply_events():
    """Case 7: a run of the cron that applies the received webhook events."""
    return {"applied": cron_run("pongo.webhook.event", "_cron_process_events")}


def pos_payload():
    """Case 8: the POS boot payload, loaded as the POS user."""
    user = env["res.users"].search([("login", "=", "rel_cashier")])
    config = env["pos.config"].search([("name", "=", "Pongo Reliability")])
    data = config.current_session_id.with_user(user).load_data([])
    return {"payload": json.dumps(data, default=str)}


def bad_input():
    """Case 9: what the driver sends, typed at the till by a POS user."""
    _company, store = connect()
    config, _product = pos(store)
    user = cashier()
    env.cr.commit()
    till = config.with_user(user)

    def partners():
        env.cr.execute("SELECT count(*), max(write_date) FROM res_partner")
        return list(env.cr.fetchone())

    answers = []
    before = partners()
    for phone in task["phones"]:
        answers.append(("search_phone", phone, till.pongo_search_phone(phone)))
    for code in task["codes"]:
        answers.append(("scan", code[:60], till.pongo_scan(code)))
    for values in task["enlist"]:
        label = values.get("email") or values.get("phone")
        answers.append(("enlist", label, till.pongo_enlist(values)))
    for skus in task["skus"]:
        answers.append(("reward_products", skus, till.pongo_reward_products(skus)))
    env.cr.commit()
    return {"answers": answers, "before": before, "after": partners()}


def expiring_tokens():
    """Case 10: ``n`` queued orders, then Pongo expires every access token; with
    a refresh token the outbox refreshes once, without it the calls wait."""
    access, refresh = task["token"], task.get("refresh") or False
    company, _store = connect(refresh=refresh)
    env.cr.commit()
    make_jobs(company, task["n"], task["prefix"], 1000)
    emulator("POST", "tokens/expire")
    if refresh:
        drain()
        first = job_states()
        drain_all()
    else:
        drain_all(rounds=3)
        first = job_states()
    env.invalidate_all()
    return {
        "first": first,
        "jobs": job_states(),
        "token_changed": company.sudo().pongo_access_token != access,
        "errors": sorted(
            set(env["pongo.job"].search([]).mapped("last_error")), key=repr
        ),
    }


def new_token():
    """Case 10: the admin hands over a new token; the waiting calls go."""
    env.ref("base.main_company").sudo().pongo_access_token = task["token"]
    env.cr.commit()
    drain_all()
    return {"jobs": job_states()}


STEPS = {
    step.__name__: step
    for step in (
        outage,
        storm,
        hang,
        crash,
        recover,
        queue,
        drain_at_gate,
        states,
        reward_race,
        http_setup,
        apply_events,
        pos_payload,
        bad_input,
        expiring_tokens,
        new_token,
    )
}
out(**STEPS[task["step"]]())
