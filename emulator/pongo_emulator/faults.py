# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fault injection on /v1: latency, outages, errors, rate limits, hangs; and two
ways the real Pongo may differ: a variant of the wire format in the answers, and
Deprecation/Sunset headers on chosen paths."""

from __future__ import annotations

import json
import random
import threading
import time

from .common import HANG_SECONDS, MSG_INVALID, ApiError, C, Response
from .validation import _BAD, _is_int, _is_number, _is_str

FAULT_DEFAULTS = {
    "latency_ms": 0,
    "outage": None,
    "error_rate": 0.0,
    "rate_limit": None,
    "hang": False,
    "hang_seconds": HANG_SECONDS,
    "paths": None,
    "wire_variant": None,
    "deprecations": None,
}
OUTAGES = (None, "refuse", "503")
# `"wire_variant": true`: keys renamed, an enum value changed, a type changed, as
# the real Pongo could answer; the conformance probe must report exactly these.
# "ignore" (not in the preset): request keys dropped, as Laravel drops unknown ones.
WIRE_VARIANT = {
    "rename": {C.F_SMS_OPTIN: "sms_optin", C.F_EXTERNAL_ID: "sku"},
    "values": {C.F_REWARD_TYPE: {C.REWARD_VOUCHER_AMOUNT: "voucher_fixed"}},
    "types": {C.F_POINTS: "string"},
    "ignore": [],
}
VARIANT_KEYS = tuple(WIRE_VARIANT)
DEPRECATION_KEYS = ("path", "deprecation", "sunset", "link")


def _number(value, low, high=None) -> bool:
    return _is_number(value) and value >= low and (high is None or value <= high)


def _outage(value):
    if not value:
        return None
    value = str(value)  # 503 may come as a number
    return value if value in OUTAGES else _BAD


def _paths(value):
    if value is None:
        return None
    ok = isinstance(value, list) and all(map(_is_str, value))
    return list(value) if ok else _BAD


def _rate_limit(value):
    if value is None:
        return None
    every = value.get("every") if isinstance(value, dict) else None
    retry_after = value.get("retry_after", 1) if isinstance(value, dict) else None
    if not (isinstance(every, int) and every >= 1 and _number(retry_after, 0)):
        return _BAD
    return {"every": every, "retry_after": retry_after}


def _str_map(value, check=_is_str) -> bool:
    return isinstance(value, dict) and all(
        _is_str(k) and check(v) for k, v in value.items()
    )


def _wire_variant(value):
    if value in (None, False):
        return None
    if value is True:
        return WIRE_VARIANT
    ok = isinstance(value, dict) and set(value) <= set(VARIANT_KEYS)
    ok = ok and _str_map(value.get("rename", {}))
    ok = ok and _str_map(value.get("values", {}), _str_map)
    ok = ok and _str_map(value.get("types", {}), lambda v: v == "string")
    ok = ok and _paths(value.get("ignore", [])) is not _BAD
    if not ok:
        return _BAD
    clean = {key: dict(value.get(key, {})) for key in ("rename", "values", "types")}
    return {**clean, "ignore": list(value.get("ignore", []))}


def _deprecations(value):
    """[{path (prefix), deprecation ("true"), sunset?, link?}, ...]"""
    if value is None:
        return None
    items = value if isinstance(value, list) else [None]
    clean = []
    for item in items:
        if not (isinstance(item, dict) and _is_str(item.get("path"))):
            return _BAD
        if set(item) - set(DEPRECATION_KEYS) or not all(
            item.get(key) is None or _is_str(item[key]) for key in DEPRECATION_KEYS
        ):
            return _BAD
        clean.append({"deprecation": "true", "sunset": None, "link": None, **item})
    return clean


def vary(body, variant: dict):
    """A copy of a JSON answer in the wire variant (keys, values, types)."""
    if isinstance(body, list):
        return [vary(item, variant) for item in body]
    if not isinstance(body, dict):
        return body
    varied = {}
    for key, value in body.items():
        new = vary(value, variant)
        if isinstance(new, str):
            new = variant["values"].get(key, {}).get(new, new)
        if key in variant["types"] and _is_int(new):
            new = str(new)
        varied[variant["rename"].get(key, key)] = new
    return varied


FAULT_CHECKS = {
    "latency_ms": lambda v: v if _number(v, 0) else _BAD,
    "outage": _outage,
    "error_rate": lambda v: float(v) if _number(v, 0, 1) else _BAD,
    "rate_limit": _rate_limit,
    "hang": lambda v: v if isinstance(v, bool) else _BAD,
    "hang_seconds": lambda v: v if _number(v, 0) else _BAD,
    "paths": _paths,
    "fault_seed": lambda v: v if isinstance(v, int) else _BAD,
    "wire_variant": _wire_variant,
    "deprecations": _deprecations,
}


class Faults:
    def __init__(self, seed: int, initial: dict | None = None):
        self.lock = threading.Lock()
        self.seed = seed
        self.values = dict(FAULT_DEFAULTS)
        self.rng = random.Random(seed)
        self.counter = 0
        self.update(initial or {})

    def snapshot(self) -> dict:
        with self.lock:
            return {**self.values, "fault_seed": self.seed}

    def update(self, changes: dict) -> None:
        if not isinstance(changes, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        changes = dict(changes)
        clear = changes.pop("clear", False)
        clean, errors = {}, {}
        for key, value in changes.items():
            check = FAULT_CHECKS.get(key)
            result = check(value) if check else _BAD
            if result is _BAD:
                errors[key] = [f"The {key} value is invalid."]
            clean[key] = result
        if errors:
            raise ApiError(422, MSG_INVALID, errors)
        with self.lock:
            if clear:
                self.values = dict(FAULT_DEFAULTS)
            self.seed = clean.pop("fault_seed", self.seed)
            self.values.update(clean)
            if clear or "error_rate" in clean or "fault_seed" in changes:
                self.rng = random.Random(self.seed)
            if clear or "rate_limit" in clean:
                self.counter = 0

    def _applies(self, path: str) -> bool:
        paths = self.values["paths"]
        return paths is None or any(path.startswith(p) for p in paths)

    def refusing(self) -> bool:
        return self.values["outage"] == "refuse"

    def before(self, path: str) -> Response | None:
        """Latency, 503, 429 and 500 faults; None lets the request through."""
        with self.lock:
            if not self._applies(path):
                return None
            values = dict(self.values)
            limited = error = False
            if values["outage"] != "503":
                if values["rate_limit"]:
                    self.counter += 1
                    limited = self.counter % values["rate_limit"]["every"] == 0
                if values["error_rate"] and not limited:
                    error = self.rng.random() < values["error_rate"]
        if values["latency_ms"]:
            time.sleep(values["latency_ms"] / 1000)
        if values["outage"] == "503":
            return Response(503, {C.F_MESSAGE: "Service Unavailable"})
        if limited:
            retry = str(values["rate_limit"]["retry_after"])
            body = {C.F_MESSAGE: "Too Many Attempts."}
            return Response(429, body, {C.HEADER_RETRY_AFTER: retry})
        if error:
            return Response(500, {C.F_MESSAGE: "Server Error"})
        return None

    def drop_request_keys(self, req) -> None:
        """The variant's "ignore" keys leave the JSON body, as Laravel drops them."""
        with self.lock:
            variant = self.values["wire_variant"] if self._applies(req.path) else None
        if not (variant and variant["ignore"] and req.raw_body.strip()):
            return
        try:
            body = json.loads(req.raw_body)
        except ValueError:
            return
        if isinstance(body, dict):
            kept = {k: v for k, v in body.items() if k not in variant["ignore"]}
            req.raw_body = json.dumps(kept).encode()

    def after(self, path: str, response: Response) -> Response:
        """The answer in the wire variant, with the deprecation headers of its path."""
        with self.lock:
            variant = self.values["wire_variant"] if self._applies(path) else None
            marks = [
                d
                for d in self.values["deprecations"] or ()
                if path.startswith(d["path"])
            ]
        if variant and isinstance(response.body, (dict, list)):
            response.body = vary(response.body, variant)
        for mark in marks[:1]:
            response.headers[C.HEADER_DEPRECATION] = mark["deprecation"]
            if mark["sunset"]:
                response.headers[C.HEADER_SUNSET] = mark["sunset"]
            if mark["link"]:
                link = f'<{mark["link"]}>; rel="{C.LINK_REL_DEPRECATION}"'
                response.headers[C.HEADER_LINK] = link + '; type="text/html"'
        return response

    def hang_for(self, path: str) -> float | None:
        with self.lock:
            if self.values["hang"] and self._applies(path):
                return float(self.values["hang_seconds"])
        return None
