# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test helpers: a real Pongo emulator process per test class."""

import importlib.util
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

import odoo
from odoo.tests import common, new_test_user
from odoo.tools import config

from .. import const as C

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
# A cashier or a waiter: the Point of Sale *User* right, nothing more.
CASHIER_GROUPS = "base.group_user,point_of_sale.group_pos_user"


def new_cashier(env, login):
    """A user with the Point of Sale User right alone (login = password)."""
    return new_test_user(env, login=login, groups=CASHIER_GROUPS)


def odoo_script_process(script, dbname):
    """Another Odoo process on this database running ``script`` (odoo-bin shell)."""
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    options = [
        f"--addons-path={config['addons_path']}",
        f"--database={dbname}",
        "--no-http",
        "--log-level=warn",
    ]
    for key in ("db_host", "db_port", "db_user", "db_password"):
        if config.get(key):
            options.append(f"--{key}={config[key]}")
    with tempfile.TemporaryFile("w+") as stdin:
        stdin.write(script)
        stdin.seek(0)
        return subprocess.Popen(  # noqa: S603
            [sys.executable, odoo_bin, "shell", *options],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _load_emulator_process():
    """emulator/process.py (stdlib only), loaded by path: it is no Odoo module."""
    root = os.path.dirname(os.path.dirname(__file__))
    path = os.path.join(root, "emulator", "process.py")
    spec = importlib.util.spec_from_file_location("pos_pongo_emulator_process", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_emulator_process = _load_emulator_process()
PongoEmulator = _emulator_process.EmulatorProcess
seed = _emulator_process.seed  # the emulator's seed data: seed.PHONE_EMMA, ...


class PongoCronMixin:
    """Runs the crons of pos_pongo the way Odoo's cron runner does."""

    def run_cron_batches(self, model, method):
        """Run a cron's method batch after batch, as Odoo's cron runner does with
        the progress API, until a batch does nothing; returns the work done."""
        total = 0
        for _batch in range(1000):
            done = getattr(self.env[model].sudo(), method)()
            if not done:
                return total
            total += done
        raise AssertionError(f"{model}.{method} never ends")

    def send_pongo_calls(self):
        """Send every due call of the outbox (the cron, batch after batch)."""
        return self.run_cron_batches("pongo.job", "_cron_send_jobs")

    def apply_pongo_events(self):
        """Apply every received webhook event (the cron, batch after batch)."""
        return self.run_cron_batches("pongo.webhook.event", "_cron_process_events")


class PongoEmulatorMixin(PongoCronMixin):
    """Starts one emulator for the class and lets our client reach it.

    Odoo's tests block outgoing HTTP and stretch short timeouts to 10 s; the
    emulator is on loopback, so its calls go through untouched (timeouts included).
    """

    pongo_emulator_args = ()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlparse(r.url).hostname in LOOPBACK_HOSTS:
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = PongoEmulator(*cls.pongo_emulator_args)
        cls.addClassCleanup(cls.emulator.stop)

    def setUp(self):
        super().setUp()
        self.emulator.reset()

    def pongo_map_pos(self, config, slug="demo-paris"):
        """Connect the company of ``config`` to the emulator and map ``config`` to
        one of its stores; returns a client of that company."""
        company = config.company_id
        self.pongo_connect_company(company)
        config.pongo_store_id = self.env["pongo.store"].create(
            {"name": slug, "slug": slug, "company_id": company.id}
        )
        return company._pongo_get_client()

    def pongo_member(self, phone, company):
        """The partner here of the emulator's seed customer of ``phone``."""
        customer = company._pongo_get_client().get_customer_by_phone(phone)
        return self.env["res.partner"]._pongo_upsert_from_customer(customer, company)

    def pongo_owned_rewards(self, public_id):
        """The rewards the emulator says this customer owns."""
        return [
            item
            for item in self.emulator.state()["customer_rewards"]
            if item[C.F_CUSTOMER] == public_id
        ]

    def pongo_owned_reward(self, public_id, name):
        """The customer's reward of that name, as the emulator has it now."""
        return next(
            item
            for item in self.pongo_owned_rewards(public_id)
            if item[C.F_REWARD][C.F_NAME] == name
        )

    @classmethod
    def pongo_connect_company(cls, company, token=None):
        """Point ``company`` at the emulator with a token handed over by 'Pongo'."""
        company.sudo().write(
            {
                "pongo_environment": "custom",
                "pongo_custom_url": cls.emulator.url,
                "pongo_client_id": "pongo-demo-client",
                "pongo_client_secret": "pongo-demo-secret",
                "pongo_access_token": token or cls.emulator.issue_token(),
            }
        )
