# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures: the emulator as a subprocess, an HTTP client that validates every
JSON answer against emulator/openapi.yaml, and the admin API."""

import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR_DIR = os.path.dirname(HERE)
SCRIPT = os.path.join(EMULATOR_DIR, "pongo_emulator")  # a package, run as a directory
SPEC_PATH = os.path.join(EMULATOR_DIR, "openapi.yaml")
SPEC_URI = "urn:pos-pongo:openapi"


def _load_const():
    path = os.path.join(EMULATOR_DIR, "..", "const.py")
    spec = importlib.util.spec_from_file_location("pos_pongo_const_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


C = _load_const()
sys.path.insert(0, EMULATOR_DIR)  # `import pongo_emulator` for in-process tests


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def start_emulator(*extra_args, stderr=subprocess.DEVNULL, timeout=10):
    """Start the emulator on free ports; returns (process, url, admin_url, secs)."""
    started = time.monotonic()
    args = [sys.executable, SCRIPT, "--host", "127.0.0.1", "--port", "0", *extra_args]
    # Our own script, run with this interpreter.
    proc = subprocess.Popen(  # noqa: S603
        args, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    lines = queue.Queue()
    threading.Thread(
        target=lambda: lines.put(proc.stdout.readline()), daemon=True
    ).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        proc.kill()
        raise RuntimeError("the emulator did not print its READY line") from None
    elapsed = time.monotonic() - started
    parts = line.split()
    assert parts[0] == "PONGO_EMULATOR_READY", line
    return proc, parts[1], parts[2].removeprefix("admin="), elapsed


def stop_emulator(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


# ---------------------------------------------------------------------------
# OpenAPI response validation
# ---------------------------------------------------------------------------
def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, path: str):
        with open(path, encoding="utf-8") as handle:
            self.doc = yaml.safe_load(handle)
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)

    def response(self, method: str, template: str, status: int) -> tuple[str, dict]:
        """(JSON pointer, response object) declared for this status."""
        operation = self.doc["paths"][template][method.lower()]
        responses = operation["responses"]
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                break
        else:
            raise AssertionError(f"{method} {template}: status {status} not declared")
        pointer = "/".join(
            ("", "paths", _escape(template), method.lower(), "responses", key)
        )
        declared = responses[key]
        if "$ref" in declared:
            pointer = declared["$ref"].removeprefix("#")
            declared = self.doc
            for part in pointer.strip("/").split("/"):
                declared = declared[part.replace("~1", "/").replace("~0", "~")]
        return pointer, declared

    def check_media(self, method, template, status, media_type) -> None:
        """A non-JSON body must at least be declared with its media type."""
        _, declared = self.response(method, template, status)
        assert media_type in declared.get("content", {}), (
            f"{method} {template} {status}: {media_type} not declared"
        )

    def validate(self, method: str, template: str, status: int, body) -> None:
        pointer, declared = self.response(method, template, status)
        if "application/json" not in declared.get("content", {}):
            raise AssertionError(f"{method} {template} {status}: no JSON schema")
        ref = f"{SPEC_URI}#{pointer}/content/{_escape('application/json')}/schema"
        Draft202012Validator({"$ref": ref}, registry=self.registry).validate(body)


# ---------------------------------------------------------------------------
# HTTP clients
# ---------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    headers: dict
    raw: bytes
    body: object = None
    elapsed: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8")


def http(method, url, body=None, headers=None, timeout=10) -> Answer:
    data = body
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
        if not isinstance(body, bytes):
            data = json.dumps(body).encode()
    # Only http://127.0.0.1 URLs built by the tests.
    request = urllib.request.Request(  # noqa: S310
        url, data=data, headers=headers, method=method
    )
    started = time.monotonic()
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            status, answer_headers, raw = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    elapsed = time.monotonic() - started
    result = Answer(status, dict(answer_headers.items()), raw, elapsed=elapsed)
    if result.media_type == "application/json" and method != "HEAD":
        result.body = json.loads(raw)
    return result


class Api:
    """Calls /v1 by path template and validates every JSON answer."""

    def __init__(self, url: str, spec: Spec):
        self.url, self.spec = url, spec
        self.token = None

    def __call__(
        self, method, template, *, token=..., query=None, body=None, headers=None,
        timeout=10, **params,
    ) -> Answer:  # fmt: skip
        path = template.format(
            **{k: urllib.parse.quote(str(v), safe="") for k, v in params.items()}
        )
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = dict(headers or {})
        token = self.token if token is ... else token
        if token:
            headers[C.HEADER_AUTHORIZATION] = f"Bearer {token}"
        answer = http(method, self.url + path, body, headers, timeout)
        if answer.body is not None:
            self.spec.validate(method, template, answer.status, answer.body)
        elif answer.raw and method != "HEAD":
            self.spec.check_media(method, template, answer.status, answer.media_type)
        else:
            self.spec.response(method, template, answer.status)  # declared status
        return answer


class Admin:
    def __init__(self, url: str):
        self.url = url

    def __call__(self, method, path, body=None) -> Answer:
        return http(method, f"{self.url}/_emulator/{path}", body)

    def token(self, scopes=None, ttl=None) -> str:
        payload = {k: v for k, v in (("scopes", scopes), ("ttl", ttl)) if v is not None}
        answer = self("POST", "tokens", payload)
        assert answer.status == 201, answer.text
        return answer.body[C.TOKEN_ACCESS_TOKEN]

    def state(self) -> dict:
        return self("GET", "state").body

    def customer(self, phone: str) -> dict:
        found = [c for c in self.state()["customers"] if c[C.F_PHONE] == phone]
        return found[0] if found else None


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def spec():
    return Spec(SPEC_PATH)


@pytest.fixture(scope="session")
def server():
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc, url, admin_url, _ = start_emulator("--webhook-backoff", "0.2", stderr=log)
    yield {"proc": proc, "url": url, "admin_url": admin_url, "log": log.name}
    stop_emulator(proc)
    log.close()
    os.unlink(log.name)


@pytest.fixture
def admin(server):
    return Admin(server["admin_url"])


@pytest.fixture
def api(server, spec, admin):
    """Fresh demo state, no faults, a full-scope token."""
    assert admin("POST", "faults", {"clear": True}).status == 200
    assert admin("POST", "reset", {"seed": "demo"}).status == 200
    client = Api(server["url"], spec)
    client.token = admin.token()
    return client
