# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two tills (or a double tap) ask for one customer's panel while Pongo is slow:
a real threaded Odoo server, committed data, two concurrent requests."""

import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

import odoo
from odoo import api
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from .common import PongoEmulatorMixin, seed

_logger = logging.getLogger(__name__)
LATENCY_MS = 2500
PANEL_PATHS = ("/v1/customers/cust_", "/v1/rewards")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestPongoPanelUnderLoad(PongoEmulatorMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.registry_ = self.env.registry
        self.created = {}
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            self.previous = company.read(
                ["pongo_environment", "pongo_custom_url", "pongo_access_token"]
            )[0]
            company.write(
                {
                    "pongo_environment": "custom",
                    "pongo_custom_url": self.emulator.url,
                    "pongo_access_token": self.emulator.issue_token(),
                }
            )
            store = env["pongo.store"].create(
                {"name": "Paris", "slug": "demo-paris", "company_id": company.id}
            )
            till = env["pos.config"].create(
                {"name": "Load Till", "pongo_store_id": store.id}
            )
            emma = env["res.partner"]._pongo_upsert_from_customer(
                company._pongo_get_client().get_customer_by_phone(seed.PHONE_EMMA),
                company,
            )
            emma.with_context(pongo_no_push=True).pongo_points = 400  # stale here
            self.created = {
                "res.partner": emma.ids,
                "pos.config": till.ids,
                "pongo.store": store.ids,
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._clean)

    def _clean(self):
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            for model, ids in self.created.items():
                env[model].browse(ids).exists().unlink()
            env.ref("base.main_company").write(
                {k: v for k, v in self.previous.items() if k != "id"}
            )
            cr.commit()  # pylint: disable=invalid-commit

    def start_server(self):
        port = _free_port()
        odoo_bin = os.path.join(
            os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin"
        )
        log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
        self.addCleanup(os.unlink, log.name)
        options = [
            f"--addons-path={config['addons_path']}",
            f"--database={self.env.cr.dbname}",
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            "--max-cron-threads=0",
            "--log-level=info",
        ]
        for key in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(key):
                options.append(f"--{key}={config[key]}")
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, odoo_bin, *options], stdout=log, stderr=subprocess.STDOUT
        )
        self.addCleanup(server.wait, 30)
        self.addCleanup(server.terminate)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/web/health", timeout=10).ok:
                    return url, log.name
            except requests.RequestException as error:
                _logger.debug("Odoo not up yet: %s", error)
            time.sleep(0.2)
        self.fail("the Odoo server did not start")

    def test_two_panels_at_once_one_pongo_read_no_collision(self):
        url, log_path = self.start_server()
        session = requests.Session()
        login = session.post(
            f"{url}/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "params": {
                    "db": self.env.cr.dbname,
                    "login": "admin",
                    "password": "admin",
                },
            },
            timeout=30,
        )
        self.assertTrue(login.json().get("result"), login.text[:500])
        till_id, emma_id = self.created["pos.config"][0], self.created["res.partner"][0]
        self.emulator.faults(latency_ms=LATENCY_MS)
        self.emulator.admin("DELETE", "requests")
        barrier = threading.Barrier(2)
        answers = [None, None]

        def open_panel(index):
            barrier.wait()
            answers[index] = session.post(
                f"{url}/web/dataset/call_kw/pos.config/pongo_loyalty",
                json={
                    "jsonrpc": "2.0",
                    "params": {
                        "model": "pos.config",
                        "method": "pongo_loyalty",
                        "args": [[till_id], emma_id],
                        "kwargs": {},
                    },
                },
                timeout=60,
            ).json()

        tills = [threading.Thread(target=open_panel, args=(i,)) for i in range(2)]
        started = time.monotonic()
        for till in tills:
            till.start()
        for till in tills:
            till.join()
        elapsed = time.monotonic() - started
        for answer in answers:
            self.assertNotIn("error", answer, answer)
            self.assertEqual(answer["result"]["status"], "ok")
            self.assertEqual(answer["result"]["points"], 500)
        calls = [
            r
            for r in self.emulator.requests_log("/v1/")
            if r["path"].startswith(PANEL_PATHS)
        ]
        self.assertLessEqual(len(calls), 3, f"one Pongo read for both: {calls}")
        self.assertLess(elapsed, 2 * LATENCY_MS / 1000, "the second did not wait twice")
        with open(log_path) as log:
            text = log.read()
        self.assertNotIn("could not serialize", text)
        self.assertNotIn("SerializationFailure", text)
        self.assertNotIn(" ERROR ", text)
        with self.registry_.cursor() as cr:
            cr.execute("SELECT pongo_points FROM res_partner WHERE id = %s", [emma_id])
            self.assertEqual(cr.fetchone()[0], 500, "the balance is kept once")
