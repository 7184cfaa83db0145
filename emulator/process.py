# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The emulator as a child process, and its admin API, for tests, demo and scripts.

Standard library only, no Odoo import: the addon's tests, ``make demo``,
``make bench`` and ``make reliability`` all start the emulator through this.
``seed`` is the emulator's seed module (``seed.PHONE_EMMA``, ...), so that tests
and scripts name its customers instead of copying their phones.
"""

import importlib
import importlib.util
import json
import os
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

EMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pongo_emulator")
READY_PREFIX = "PONGO_EMULATOR_READY "


def _package():
    """The ``pongo_emulator`` package, imported by path when emulator/ is not on
    sys.path (this file is itself loaded by path in the addon's tests)."""
    name = "pongo_emulator"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name,
            os.path.join(EMULATOR, "__init__.py"),
            submodule_search_locations=[EMULATOR],
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


seed = importlib.import_module(_package().__name__ + ".seed")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class EmulatorProcess:
    """The emulator started on ``port`` of 127.0.0.1 (0: a free port)."""

    def __init__(self, *args, port=0, stderr=subprocess.DEVNULL, timeout=15):
        command = [sys.executable, EMULATOR, "--host", "127.0.0.1", "--port", str(port)]
        self.process = subprocess.Popen(  # noqa: S603
            [*command, *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
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
            raise RuntimeError(f"the Pongo emulator did not start (port {port})")
        self.url, admin = line[len(READY_PREFIX) :].split()
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
        """Call the admin API; returns the decoded JSON (or None)."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.admin_url}/_emulator/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = response.read()
        return json.loads(body) if body else None

    def issue_token(self, **values):
        """A token 'handed over by Pongo' (admin API)."""
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

    def requests_log(self, path=""):
        return self.admin("GET", f"requests?path={path}")["requests"]

    def authorization_code(
        self, redirect_uri, state, scope="customer.read", client_id="pongo-demo-client"
    ):
        """Press "Authorize" on the OAuth form; returns the redirect URL."""
        fields = {
            "client_id": client_id,
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
        raise RuntimeError("the OAuth form did not redirect")
