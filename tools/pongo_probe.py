# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conformance probe: is the configured Pongo what const.py says it is?

Makes every read call of the client and, on a sandbox only, a safe write cycle
(create a probe customer, update it, read it back, list rewards, lock and unlock
one). Every answer is checked against the project's OpenAPI document
(emulator/openapi.yaml) with a small validator for the subset it uses; each
difference names the const.py constant to change. Used by ``make pongo-probe``
and by the *Check compatibility* button (``res.company.action_pongo_probe``).

The report lines are technical and in English, like a log: they name keys and
constants of the code.
"""

import functools
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from odoo.tools import LazyTranslate

from .. import const as C
from .pongo_client import PongoClient, PongoError, path_template

_lt = LazyTranslate(__name__)

SPEC_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "emulator",
    "openapi.yaml",
)
# Australian mobile numbers reserved for fiction by the ACMA: valid, never assigned.
PROBE_PHONES = (
    "61491570006",
    "61491570156",
    "61491570157",
    "61491570158",
    "61491570159",
    "61491570110",
    "61491570313",
    "61491570737",
    "61491571266",
    "61491571491",
)
PROBE_FIRST_NAME = "Probe"
PROBE_LAST_NAME = "pos_pongo"
SAMPLE_CUSTOMERS = 5  # customers whose rewards are read to find one to lock
KEY_PREFIXES = ("F_", "META_", "LINK_", "TOKEN_")
JSON_TYPES = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


class ProbeError(Exception):
    """The probe cannot run (no spec reader, no connection)."""


# ---------------------------------------------------------------------------
# const.py names
# ---------------------------------------------------------------------------
def _constants():
    return {name: value for name, value in vars(C).items() if name.isupper()}


def key_constants(key):
    """const.py names of a JSON key, e.g. "points" -> ("F_POINTS",)."""
    return tuple(
        sorted(
            name
            for name, value in _constants().items()
            if value == key and name.startswith(KEY_PREFIXES)
        )
    )


def enum_constants(allowed):
    """The const.py tuple listing these values, else the constants naming them."""
    allowed = set(allowed)
    tuples = sorted(
        name
        for name, value in _constants().items()
        if isinstance(value, tuple) and value and set(value) == allowed
    )
    if tuples:
        return tuple(tuples)
    return tuple(
        sorted(
            name
            for name, value in _constants().items()
            if isinstance(value, str)
            and value in allowed
            and not name.startswith((*KEY_PREFIXES, "PATH_", "Q_"))
        )
    )


def _const_text(names):
    return " or ".join(f"const.{name}" for name in names)


# ---------------------------------------------------------------------------
# Differences and the validator
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    """kind: missing, unexpected, type, enum, status, ignored."""

    kind: str
    where: str  # JSON path in the answer, e.g. data[].points
    key: str  # the key, or the unknown value for "enum"
    constants: tuple = ()
    detail: str = ""

    def __str__(self):
        at = f" at {self.where}" if self.where else ""
        names = _const_text(self.constants)
        if self.kind == "missing":
            return f'missing key "{self.key}"{at}: change {names or "const.py"}'
        if self.kind == "unexpected":
            hint = f": {self.detail}" if self.detail else ""
            return f'unexpected key "{self.key}"{at}{hint}'
        if self.kind == "type":
            fix = f" (check {names})" if names else ""
            return f'type of "{self.key}"{at}: {self.detail}{fix}'
        if self.kind == "enum":
            fix = f"; add or change it in {names}" if names else ""
            return f'unknown value "{self.key}"{at}: {self.detail}{fix}'
        if self.kind == "ignored":
            return f'"{self.key}" not kept by Pongo: {self.detail} (check {names})'
        return f"{self.detail}{at}"


def _json_type(value):
    return JSON_TYPES.get(type(value), "object")


class Spec:
    """The subset of OpenAPI 3.1 / JSON Schema used by emulator/openapi.yaml:
    type (with null), properties, required, additionalProperties, items, enum,
    oneOf/anyOf and $ref. Formats and patterns are not wire names: not checked."""

    def __init__(self, doc):
        self.doc = doc

    @classmethod
    def load(cls, path=SPEC_PATH):
        try:
            import yaml
        except ImportError:
            raise ProbeError(
                _lt(
                    "The compatibility check reads emulator/openapi.yaml with PyYAML: "
                    "install it in Odoo's Python (pip install PyYAML)."
                )
            ) from None
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def _resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            node = self.doc
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def response(self, method, template, status):
        """The declared response object, or None when this status is not declared."""
        operation = self.doc["paths"].get(template, {}).get(method.lower())
        if operation is None:
            return None
        responses = operation["responses"]
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return self._resolve(responses[key])
        return None

    def check_answer(self, method, template, status, body):
        """Differences of one answer."""
        declared = self.response(method, template, status)
        if declared is None:
            detail = f"status {status} of {method} {template} is not in the spec"
            return [Difference("status", "", str(status), detail=detail)]
        schema = (declared.get("content") or {}).get("application/json", {})
        if body is None or "schema" not in schema:
            return []
        differences = []
        self._check(schema["schema"], body, "", differences)
        return list(dict.fromkeys(differences))

    def _check(self, schema, value, where, out):
        schema = self._resolve(schema)
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches:
            self._check_branches(branches, value, where, out)
            return
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types or []
        actual = _json_type(value)
        number_ok = actual == "integer" and "number" in types
        if types and actual not in types and not number_ok:
            key = where.rsplit(".", 1)[-1].removesuffix("[]") or "(answer)"
            expected = " or ".join(types)
            detail = f"{expected} expected, {actual} received"
            parent = where.rpartition(".")[0] if "." in where else ""
            out.append(Difference("type", parent, key, key_constants(key), detail))
            return
        if "enum" in schema and value not in schema["enum"]:
            key = where.rsplit(".", 1)[-1]
            allowed = ", ".join(map(str, schema["enum"]))
            detail = f"the spec allows {allowed}"
            names = enum_constants(schema["enum"])
            out.append(Difference("enum", where, str(value), names, detail))
        if isinstance(value, dict):
            self._check_object(schema, value, where, out)
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                self._check(schema["items"], item, f"{where}[]", out)

    def _check_branches(self, branches, value, where, out):
        results = []
        for branch in branches:
            found = []
            self._check(branch, value, where, found)
            if not found:
                return
            results.append((branch, found))
        # The branch of the value's own type tells best what differs.
        for branch, found in results:
            types = self._resolve(branch).get("type")
            types = [types] if isinstance(types, str) else types or []
            if _json_type(value) in types:
                out.extend(found)
                return
        out.extend(results[0][1])

    def _check_object(self, schema, value, where, out):
        properties = schema.get("properties", {})
        extra_schema = schema.get("additionalProperties")
        prefix = f"{where}." if where else ""
        missing = [key for key in schema.get("required", ()) if key not in value]
        for key in missing:
            out.append(Difference("missing", where, key, key_constants(key)))
        for key, item in value.items():
            if key in properties:
                self._check(properties[key], item, prefix + key, out)
            elif isinstance(extra_schema, dict):
                self._check(extra_schema, item, prefix + "*", out)
            elif extra_schema is not True:
                names = key_constants(key)
                if names:
                    hint = f"{_const_text(names)} names it, not for this object"
                elif len(missing) == 1:
                    names = key_constants(missing[0])
                    hint = f'renamed "{missing[0]}"? then change {_const_text(names)}'
                else:
                    hint = "const.py has no name for it"
                out.append(Difference("unexpected", where, key, names, hint))


# ---------------------------------------------------------------------------
# The probe
# ---------------------------------------------------------------------------
def is_sandbox(environment, base_url):
    """Where the write cycle may run: Pongo's sandbox, or a custom URL on this
    machine (the emulator, a tunnel you set up) or on Pongo's sandbox host. Any
    other custom URL may be production behind a proxy: reads only."""
    if environment == C.ENV_SANDBOX:
        return True
    if environment != C.ENV_CUSTOM:
        return False
    host = (urlsplit(base_url or "").hostname or "").lower()
    if host in ("localhost", urlsplit(C.BASE_URLS[C.ENV_SANDBOX]).hostname):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _RecordingClient(PongoClient):
    """The company's client (same connection and callbacks), keeping every answer."""

    def __init__(self, client):  # the same client, not a new one: no super()
        self.__dict__.update(client.__dict__)
        self.answers = []

    def _handle(self, method, path, response):
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        self.answers.append((method, path, response.status_code, body))
        return super()._handle(method, path, response)


@dataclass
class Operation:
    label: str
    calls: list = field(default_factory=list)  # "GET /v1/..." seen
    differences: list = field(default_factory=list)
    error: str = ""
    skipped: str = ""

    @property
    def state(self):
        if self.skipped:
            return "SKIP"
        if self.error:
            return "FAIL"
        return "DIFF" if self.differences else "OK"

    def lines(self):
        if self.skipped:
            return [f"SKIP  {self.label}: {self.skipped}"]
        calls = ", ".join(dict.fromkeys(self.calls))
        lines = [f"{self.state:<4}  {self.label:<28} {calls}".rstrip()]
        if self.error:
            lines.append(f"        {self.error}")
        lines += [f"        {difference}" for difference in self.differences]
        return lines


@dataclass
class Report:
    base_url: str
    sandbox: bool
    operations: list = field(default_factory=list)

    @property
    def differences(self):
        """Each difference once: (kind, key or value, const.py names)."""
        return sorted(
            {
                (d.kind, d.key, d.constants)
                for op in self.operations
                for d in op.differences
            }
        )

    @property
    def ok(self):
        """No difference and no failure (skipped operations are no failure)."""
        return all(op.state in ("OK", "SKIP") for op in self.operations)

    def summary(self):
        count = {"OK": 0, "DIFF": 0, "FAIL": 0, "SKIP": 0}
        for op in self.operations:
            count[op.state] += 1
        return (
            f"{count['OK']} OK, {count['DIFF']} with differences "
            f"({len(self.differences)} distinct), {count['FAIL']} failed, "
            f"{count['SKIP']} skipped"
        )

    def lines(self):
        mode = "reads and a safe write cycle" if self.sandbox else "reads only"
        lines = [f"Pongo conformance probe of {self.base_url} ({mode})"]
        for op in self.operations:
            lines += op.lines()
        names = sorted({name for _k, _key, names in self.differences for name in names})
        if names:
            lines.append("const.py to check: " + ", ".join(names))
        return [*lines, self.summary()]

    def text(self):
        return "\n".join(self.lines())


class Probe:
    def __init__(self, client, *, sandbox, store_slug=None, spec=None):
        self.client = _RecordingClient(client)
        self.sandbox = sandbox
        self.store_slug = store_slug
        self.spec = spec or load_spec()
        self.report = Report(client.base_url, sandbox)
        self.operations = {}
        self.owned = []  # (customer reward id, customer id) of unused rewards seen

    # -- one call -----------------------------------------------------------
    def call(self, label, method, *args, **kwargs):
        """Run one client method; its answers are checked and kept under label."""
        op = self.operations.get(label)
        if op is None:
            op = self.operations[label] = Operation(label)
            self.report.operations.append(op)
        self.client.answers = []
        result = None
        try:
            result = getattr(self.client, method)(*args, **kwargs)
        except PongoError as error:
            op.error = f"Pongo answered {error.status}: {error}"
            op.error = op.error if error.status else str(error)
        for verb, path, status, body in self.client.answers:
            template = path_template(path)
            op.calls.append(f"{verb} {template}")
            for difference in self.spec.check_answer(verb, template, status, body):
                if difference not in op.differences:
                    op.differences.append(difference)
        return result

    def skip(self, label, reason):
        op = Operation(label, skipped=reason)
        self.operations[label] = op
        self.report.operations.append(op)

    # -- the run ------------------------------------------------------------
    def run(self):
        for label in ("test_token", "get_user_info", "get_customer_tags"):
            self.call(label, label)
        self.call("list_customer_attributes", "list_customer_attributes")
        stores = self.call("list_stores", "list_stores")
        stores = stores if isinstance(stores, list) else []
        slugs = [s.get(C.F_SLUG) for s in stores if isinstance(s, dict)]
        self.store_slug = self.store_slug or next(filter(None, slugs), None)
        self.call("get_rewards", "get_rewards")
        page = self.call("list_customers", "list_customers", page=1, per_page=10)
        customers = [
            c
            for c in _dict(page).get(C.F_DATA) or []
            if isinstance(c, dict) and c.get(C.F_PUBLIC_ID)
        ]
        sample = self._sample(customers[:SAMPLE_CUSTOMERS])
        if sample:
            self._customer_reads(sample)
        probe_customer = self._write_cycle() if self.sandbox else None
        if not self.sandbox:
            why = "production, or a custom URL off this machine: reads only"
            self.skip("write cycle", why)
        if not sample and probe_customer:
            self._customer_reads(probe_customer)
        elif not sample:
            self.skip("customer reads", "no customer at Pongo to read")
        return self.report

    def _sample(self, customers):
        """The first customer owning an unused reward, else the first one."""
        for customer in customers:
            rewards = self.call(
                "get_customer_rewards",
                "get_customer_rewards",
                customer[C.F_PUBLIC_ID],
            )
            self.owned += [
                (owned[C.F_PUBLIC_ID], customer[C.F_PUBLIC_ID])
                for owned in (rewards if isinstance(rewards, list) else [])
                if isinstance(owned, dict)
                and owned.get(C.F_PUBLIC_ID)
                and not owned.get(C.F_USED)
                and not owned.get(C.F_LOCKED)
            ]
            if self.owned:
                return customer
        return customers[0] if customers else None

    def _customer_reads(self, customer):
        public_id, phone = customer[C.F_PUBLIC_ID], customer.get(C.F_PHONE)
        if phone:
            self.call("customer_exists", "customer_exists", phone)
            self.call("get_customer_by_phone", "get_customer_by_phone", phone)
        else:
            self.skip("get_customer_by_phone", f"no {C.F_PHONE} in the customer")
        self.call("get_customer", "get_customer", public_id)
        if "get_customer_rewards" not in self.operations:
            self.call("get_customer_rewards", "get_customer_rewards", public_id)
        self.call("get_customer_attributes", "get_customer_attributes", public_id)
        self.call(
            "get_rewards (customer)",
            "get_rewards",
            customer=public_id,
            store_slug=self.store_slug,
        )

    def _free_probe_phone(self):
        for phone in sorted(PROBE_PHONES, key=lambda _phone: secrets.randbelow(99)):
            if not self.call("customer_exists (probe)", "customer_exists", phone):
                return phone
        return None

    def _write_cycle(self):
        if not self.store_slug:
            self.skip("create_customer", "no Pongo store to attach a customer to")
            return None
        phone = self._free_probe_phone()
        if phone is None:
            self.skip("create_customer", "every reserved probe number is taken")
            return None
        created = self.call(
            "create_customer",
            "create_customer",
            {
                C.F_PHONE: phone,
                C.F_FIRST_NAME: PROBE_FIRST_NAME,
                C.F_LAST_NAME: PROBE_LAST_NAME,
                C.F_SMS_OPTIN: False,
                C.F_EMAIL_OPTIN: False,
                C.F_REFERENCE_STORE_SLUG: self.store_slug,
            },
        )
        public_id = _dict(created).get(C.F_PUBLIC_ID)
        if not public_id:
            return None
        renamed = f"{PROBE_FIRST_NAME} {1000 + secrets.randbelow(9000)}"
        self.call(
            "update_customer", "update_customer", public_id, {C.F_FIRST_NAME: renamed}
        )
        back = _dict(self.call("get_customer (read back)", "get_customer", public_id))
        op = self.operations["get_customer (read back)"]
        sent = {
            C.F_PHONE: phone,
            C.F_LAST_NAME: PROBE_LAST_NAME,
            C.F_FIRST_NAME: renamed,
        }
        for key, value in sent.items():
            if key in back and back[key] != value:
                detail = f'sent "{value}", read back "{back[key]}"'
                names = key_constants(key)
                op.differences.append(Difference("ignored", "", key, names, detail))
        self.call(
            "get_rewards (probe customer)",
            "get_rewards",
            customer=public_id,
            store_slug=self.store_slug,
        )
        self._lock_cycle()
        return back if back.get(C.F_PUBLIC_ID) else None

    def _lock_cycle(self):
        if not self.owned:
            self.skip("lock_reward", "no unused reward owned by the customers read")
            return
        reward_id, customer_id = self.owned[0]
        self.call("lock_reward", "lock_reward", reward_id, customer_id)
        if not self.operations["lock_reward"].error:
            self.call("unlock_reward", "unlock_reward", reward_id)


def _dict(value):
    return value if isinstance(value, dict) else {}


@functools.cache
def load_spec():
    return Spec.load()


def run(client, *, environment, store_slug=None):
    """Probe ``client``'s Pongo; returns the Report (``.text()`` to show it)."""
    sandbox = is_sandbox(environment, client.base_url)
    return Probe(client, sandbox=sandbox, store_slug=store_slug).run()
