# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test helpers: a real Pongo emulator process per test class."""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlparse

import odoo
from odoo.tests import common
from odoo.tools import config

EMULATOR = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "emulator", "pongo_emulator.py"
)
READY_PREFIX = "PONGO_EMULATOR_READY "
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class PongoEmulator:
    """The emulator program, started on a free port of 127.0.0.1."""

    def __init__(self, *args, timeout=10):
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, EMULATOR, "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line.startswith(READY_PREFIX):
            ready, _w, _x = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                line = self.process.stdout.readline()
                if not line and self.process.poll() is not None:
                    break
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError("the Pongo emulator did not start")
        url, admin = line[len(READY_PREFIX) :].split()
        self.url = url
        self.admin_url = admin.split("=", 1)[1]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def admin(self, method, path, payload=None):
        """Call the emulator's admin API; returns the decoded JSON (or None)."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.admin_url}/_emulator/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = response.read()
        return json.loads(body) if body else None

    def authorization_code(self, redirect_uri, state, scope="customer.read"):
        """Press "Authorize" on the emulator's OAuth form; returns the redirect URL."""
        fields = {
            "client_id": "pongo-demo-client",
            "state": state,
            "redirect_uri": redirect_uri,
            "scope": scope,
        }
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/v1/oauth/form",
            data=urlencode(fields).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(request, timeout=10)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:
                return exc.headers["Location"]
            raise
        raise AssertionError("the OAuth form did not redirect")

    def requests_log(self, path=""):
        return self.admin("GET", f"requests?path={path}")["requests"]

    def issue_token(self, **values):
        return self.admin("POST", "tokens", values)["access_token"]

    def reset(self, seed="demo"):
        self.admin("POST", "reset", {"seed": seed})
        self.admin("POST", "faults", {"clear": True})

    def faults(self, **values):
        return self.admin("POST", "faults", values)

    def state(self):
        return self.admin("GET", "state")

    def ledger(self):
        return self.admin("GET", "ledger")


class PongoEmulatorMixin:
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
