# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a public screen, or someone posing as one, can and cannot do."""

import json
import re

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.pos_pongo import const as C

from .common import PHONE_EMMA, PHONE_LUCAS, PHONE_NEW, PongoSelfOrderCommon


@tagged("post_install", "-at_install")
class TestPongoSelfOrderSecurity(PongoSelfOrderCommon):
    def setUp(self):
        super().setUp()
        self.open_kiosk()
        self.emma = self.customer(PHONE_EMMA)

    def other_kiosk(self):
        kiosk = self.env["pos.config"].create(
            {
                "name": "Other kiosk",
                "self_ordering_mode": "kiosk",
                "self_ordering_default_user_id": self.pos_user.id,
                "self_ordering_pay_after": "each",
                "payment_method_ids": self.kiosk.payment_method_ids.ids,
                "pongo_store_id": self.store.id,
            }
        )
        self.open_kiosk(kiosk)
        return kiosk

    def process_order(self, order, config=None):
        config = config or self.kiosk
        return self.json_call(
            "/pos-self-order/process-order/kiosk",
            access_token=config.access_token,
            table_identifier=None,
            order=order,
        )

    # ------------------------------------------------------------------
    def test_every_route_needs_the_screens_access_token(self):
        self.emulator.admin("DELETE", "requests")
        routes = {
            "identify": {"phone": PHONE_EMMA},
            "join": {"phone": PHONE_NEW, "sms_optin": True, "email_optin": True},
            "rewards": {"ticket": "x" * 43},
            "buy": {"ticket": "x" * 43, "reward_id": "rwd_x"},
            "apply": {"ticket": "x" * 43, "owned_id": "crw_x"},
            "remove": {"ticket": "x" * 43, "owned_id": "crw_x"},
            "forget": {"ticket": "x" * 43},
        }
        for route, params in routes.items():
            for token in ("not-the-token", "", None):
                with self.subTest(route=route, token=token):
                    answer = self.json_call(
                        f"/pos-self-order/pongo/{route}", access_token=token, **params
                    )
                    self.assertEqual(
                        answer["error"]["data"]["name"],
                        "werkzeug.exceptions.Unauthorized",
                    )
            with self.subTest(route=route, token="absent"):
                with mute_logger("odoo.http"):  # a call without it is a bad call
                    answer = self.json_call(f"/pos-self-order/pongo/{route}", **params)
                self.assertIn("error", answer)
        self.assertFalse(self.env["pongo.self.order.lookup"].search([]))
        self.assertFalse(self.emulator.requests_log("/v1/customers"), "Pongo not asked")

    def test_closed_kiosk_answers_nothing(self):
        self.kiosk.current_session_id.action_pos_session_closing_control()
        answer = self.json_call(
            "/pos-self-order/pongo/identify",
            access_token=self.kiosk.access_token,
            phone=PHONE_EMMA,
        )
        self.assertEqual(
            answer["error"]["data"]["name"], "werkzeug.exceptions.Unauthorized"
        )

    def test_a_ticket_opens_nothing_on_another_kiosk(self):
        ticket = self.pongo("identify", phone=PHONE_EMMA)["ticket"]
        other = self.other_kiosk()
        for route, params in (
            ("rewards", {}),
            ("buy", {"reward_id": "rwd_x"}),
            ("apply", {"owned_id": "crw_x"}),
            ("remove", {"owned_id": "crw_x"}),
        ):
            with self.subTest(route=route):
                answer = self.pongo(route, config=other, ticket=ticket, **params)
                self.assertEqual(answer["status"], "forgotten")
        # The other kiosk cannot forget it either.
        self.pongo("forget", config=other, ticket=ticket)
        self.assertEqual(self.pongo("rewards", ticket=ticket)["status"], "ok")
        # An order sent by the other kiosk with this ticket gets no customer.
        result = self.process_order(
            self.draft_order_values(
                other, [self.line_values(self.croissant, 1.2)], ticket=ticket
            ),
            config=other,
        )["result"]
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertFalse(order.partner_id)

    def test_kiosk_lookups_are_limited(self):
        self.env["ir.config_parameter"].set_param(
            "pos_pongo_self_order.kiosk_lookups", "3"
        )
        for phone in (PHONE_EMMA, PHONE_LUCAS, "33600000001"):
            self.assertNotEqual(
                self.pongo("identify", phone=phone)["status"], "limited"
            )
        calls = len(self.emulator.requests_log("/v1/customers"))
        for params in ({"phone": PHONE_EMMA}, {"code": self.emma[C.F_PUBLIC_ID]}):
            answer = self.pongo("identify", **params)
            self.assertEqual(answer["status"], "limited")
            self.assertIn("Too many tries", answer["message"])
            self.assertNotIn("ticket", answer)
        answer = self.pongo(
            "join", phone=PHONE_NEW, first_name="Zoé", sms_optin=True, email_optin=True
        )
        self.assertEqual(answer["status"], "limited")
        self.assertEqual(
            len(self.emulator.requests_log("/v1/customers")), calls, "Pongo not asked"
        )
        # Another kiosk counts its own lookups.
        answer = self.pongo("identify", config=self.other_kiosk(), phone=PHONE_EMMA)
        self.assertEqual(answer["status"], "found")

    def test_phone_lookups_are_limited_per_session_and_per_address(self):
        self.open_session(self.restaurant, self.pos_user)
        params = self.env["ir.config_parameter"]
        params.set_param("pos_pongo_self_order.phone_session_lookups", "2")
        params.set_param("pos_pongo_self_order.phone_address_lookups", "3")
        for _attempt in range(2):
            answer = self.pongo("identify", config=self.restaurant, phone=PHONE_LUCAS)
            self.assertEqual(answer["status"], "found")
        answer = self.pongo("identify", config=self.restaurant, phone=PHONE_LUCAS)
        self.assertEqual(answer["status"], "limited", "the session's limit")
        # A new browser session (cookies dropped) gets one more, then the
        # address's limit stops it too.
        self.opener.cookies.clear()
        answer = self.pongo("identify", config=self.restaurant, phone=PHONE_LUCAS)
        self.assertEqual(answer["status"], "found")
        self.opener.cookies.clear()
        answer = self.pongo("identify", config=self.restaurant, phone=PHONE_LUCAS)
        self.assertEqual(answer["status"], "limited", "the address's limit")

    def test_phones_earn_points_but_use_no_reward(self):
        self.open_session(self.restaurant, self.pos_user)
        answer = self.pongo("identify", config=self.restaurant, phone=PHONE_EMMA)
        self.assertEqual(answer["status"], "found")
        self.assertFalse(answer["rewards"])
        ticket = answer["ticket"]
        owned = self.pongo_owned_reward(self.emma[C.F_PUBLIC_ID], "Bon de 5 €")
        for route, params in (
            ("rewards", {}),
            ("apply", {"owned_id": owned[C.F_PUBLIC_ID]}),
            ("buy", {"reward_id": owned[C.F_REWARD][C.F_PUBLIC_ID]}),
        ):
            with self.subTest(route=route):
                answer = self.pongo(
                    route, config=self.restaurant, ticket=ticket, **params
                )
                self.assertEqual(answer["status"], "error")
        self.assertFalse(
            self.pongo_owned_reward(self.emma[C.F_PUBLIC_ID], "Bon de 5 €")[C.F_LOCKED]
        )

    def test_partner_and_reward_ids_from_the_browser_are_not_trusted(self):
        emma = self.env["res.partner"]._pongo_upsert_from_customer(
            self.emma, self.kiosk.company_id
        )
        viennoiserie = self.pongo_owned_reward(
            self.emma[C.F_PUBLIC_ID], "Viennoiserie offerte"
        )
        # No ticket: the partner id of the browser is dropped.
        result = self.process_order(
            self.draft_order_values(
                self.kiosk, [self.line_values(self.croissant, 1.2)], partner_id=emma.id
            )
        )["result"]
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertFalse(order.partner_id)
        # A reward line the screen does not hold is refused, with or without ticket.
        lucas_ticket = self.pongo("identify", phone=PHONE_LUCAS)["ticket"]
        for ticket in (None, lucas_ticket):
            with self.subTest(ticket=bool(ticket)):
                answer = self.process_order(
                    self.draft_order_values(
                        self.kiosk,
                        [
                            self.line_values(
                                self.croissant,
                                0,
                                pongo_reward_id=viennoiserie[C.F_PUBLIC_ID],
                            )
                        ],
                        ticket=ticket,
                        partner_id=emma.id,
                    )
                )
                self.assertIn(
                    "can no longer be used", answer["error"]["data"]["message"]
                )
        # A reward of Emma's not shown to Lucas cannot be applied with his ticket.
        answer = self.pongo(
            "apply", ticket=lucas_ticket, owned_id=viennoiserie[C.F_PUBLIC_ID]
        )
        self.assertEqual(answer["status"], "error")
        self.assertFalse(
            self.pongo_owned_reward(self.emma[C.F_PUBLIC_ID], "Viennoiserie offerte")[
                C.F_LOCKED
            ]
        )
        self.assertEqual(self.send_outbox(), [])

    def test_no_personal_data_in_any_answer(self):
        """First name and points, never the phone, e-mail, last name, Pongo id,
        voucher code or credentials, in every answer the screens get."""
        kiosk = self.card_kiosk
        self.open_kiosk(kiosk)
        company = kiosk.company_id.sudo()
        answers = []

        def call(action, **params):
            return self.pongo(action, config=kiosk, **params)

        def keep(answer):
            answers.append(json.dumps(answer, ensure_ascii=False))
            return answer

        found = keep(call("identify", phone=PHONE_EMMA))
        self.assertEqual(found["first_name"], "Emma")
        self.assertEqual(found["points"], 500)
        keep(call("identify", code=self.emma[C.F_PUBLIC_ID]))
        ticket = found["ticket"]
        rewards = keep(call("rewards", ticket=ticket))
        cafe = next(r for r in rewards["available"] if r["name"] == "Café offert")
        keep(call("buy", ticket=ticket, reward_id=cafe["id"]))
        rewards = call("rewards", ticket=ticket)
        by_name = {item["name"]: item for item in rewards["owned"]}
        voucher, viennoiserie = by_name["Bon de 5 €"], by_name["Viennoiserie offerte"]
        keep(call("apply", ticket=ticket, owned_id=viennoiserie["id"]))
        keep(call("apply", ticket=ticket, owned_id=voucher["id"]))
        keep(call("identify", phone="12"))
        keep(call("identify", phone=PHONE_NEW))
        joined = keep(
            call(
                "join",
                phone=PHONE_NEW,
                first_name="Zoé",
                sms_optin=True,
                email_optin=False,
            )
        )
        self.assertEqual(joined["first_name"], "Zoé")
        order = self.draft_order_values(
            kiosk,
            [
                self.line_values(self.menu, 12.0),
                self.line_values(self.croissant, 0, pongo_reward_id=viennoiserie["id"]),
            ],
            ticket=ticket,
        )
        result = keep(self.process_order(dict(order), config=kiosk))["result"]
        saved = result["pos.order"][0]
        self.assertFalse(saved["email"])
        self.assertFalse(saved["mobile"])
        keep(
            self.json_call(
                "/pos-self-order/get-orders",
                access_token=kiosk.access_token,
                order_access_tokens=[
                    {"access_token": saved["access_token"], "write_date": "1970-01-01"}
                ],
            )
        )
        keep(
            self.json_call(
                f"/kiosk/payment/{kiosk.id}/kiosk",
                access_token=kiosk.access_token,
                payment_method_id=self.terminal.id,
                order={**order, "id": saved["id"], "lines": []},
            )
        )
        keep(call("forget", ticket=ticket))
        paid = self.env["pos.order"].browse(saved["id"])
        self.assertEqual(paid.state, "paid")
        self.assertEqual(paid.partner_id.pongo_customer_id, self.emma[C.F_PUBLIC_ID])

        state = self.emulator.state()
        codes = [item[C.F_COUPON_CODE] for item in state["customer_rewards"]]
        secrets = [
            company.pongo_access_token,
            company.pongo_client_secret,
            *(value for value in codes if value),
        ]
        emma = self.emma
        personal = [
            emma[C.F_PUBLIC_ID],
            emma[C.F_LAST_NAME],
            emma[C.F_EMAIL],
            self.customer(PHONE_NEW)[C.F_PUBLIC_ID],
        ]
        digits = [PHONE_EMMA[2:], PHONE_NEW[2:]]  # 612345604, in any spacing
        for text in answers:
            for value in secrets + personal:
                self.assertNotIn(value, text)
            flat = re.sub(r"[\s.\-]", "", text)
            for number in digits:
                self.assertNotIn(number, flat)
            self.assertNotIn("cust_", text)
        self.assertEqual(len(answers), 13)
