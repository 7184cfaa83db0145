# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Identifying a customer and applying a reward at the kiosk each cost one
sequential round trip to Pongo. `make bench` reports the same for the kiosk (its
P8 row: these routes, these expected calls, on 50,000 partners)."""

import itertools
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pos_pongo import const as C

from .common import PHONE_EMMA, PHONE_LUCAS, PongoSelfOrderCommon

LATENCY_MS = 400  # each Pongo call takes this long: calls one after the other show


@tagged("post_install", "-at_install")
class TestPongoKioskRoundTrips(PongoSelfOrderCommon):
    def setUp(self):
        super().setUp()
        self.open_kiosk()

    def round_trips(self, action, **params):
        """(answer, Pongo calls, sequential round trips) of one kiosk route: the
        emulator logs each call when it answers, so calls made together end
        together and calls made one after the other end a latency apart."""
        self.emulator.admin("DELETE", "requests")
        self.emulator.faults(latency_ms=LATENCY_MS)
        try:
            answer = self.pongo(action, **params)
        finally:
            self.emulator.faults(clear=True)
        ends = sorted(call["time"] for call in self.emulator.requests_log("/v1"))
        waves = 1 + sum(
            1
            for before, after in itertools.pairwise(ends)
            if after - before > LATENCY_MS / 2000
        )
        return answer, len(ends), waves if ends else 0

    def points_read_long_ago(self, public_id):
        """The partner's points were last read from Pongo an hour ago."""
        self.env["res.partner"].search([("pongo_customer_id", "=", public_id)]).write(
            {"pongo_points_date": fields.Datetime.now() - timedelta(hours=1)}
        )

    def test_identify_and_apply_take_one_round_trip_each(self):
        emma = self.customer(PHONE_EMMA)
        lucas = self.customer(PHONE_LUCAS)
        trips = {}
        answer, *trips["phone, new here"] = self.round_trips(
            "identify", phone=PHONE_EMMA
        )
        self.assertEqual(answer["status"], "found")
        answer, *just_read = self.round_trips("identify", phone=PHONE_EMMA)
        self.assertEqual(just_read, [0, 0], "points read a moment ago are shown")
        self.points_read_long_ago(emma[C.F_PUBLIC_ID])
        answer, *trips["phone, known here"] = self.round_trips(
            "identify", phone=PHONE_EMMA
        )
        ticket = answer["ticket"]
        self.assertEqual(answer["status"], "found")
        answer, *trips["pass, new here"] = self.round_trips(
            "identify", code=lucas[C.F_PUBLIC_ID]
        )
        self.assertEqual(answer["status"], "found")
        self.points_read_long_ago(emma[C.F_PUBLIC_ID])
        answer, *trips["pass, known here"] = self.round_trips(
            "identify", code=emma[C.F_PUBLIC_ID]
        )
        self.assertEqual(answer["status"], "found")
        rewards = self.pongo("rewards", ticket=ticket)
        for name in ("Viennoiserie offerte", "Bon de 5 €"):
            owned = next(r for r in rewards["owned"] if r["name"] == name)
            answer, *trips[f"apply {name}"] = self.round_trips(
                "apply", ticket=ticket, owned_id=owned["id"]
            )
            self.assertEqual(answer["status"], "ok")
        self.assertEqual(
            {name: waves for name, (_calls, waves) in trips.items()},
            dict.fromkeys(trips, 1),
            f"Pongo calls and round trips: {trips}",
        )
        self.assertEqual(trips["phone, new here"][0], 1, "the lookup by phone")
        self.assertEqual(trips["phone, known here"][0], 3, "points and rewards")
        self.assertEqual(trips["apply Bon de 5 €"][0], 1, "the lock")
