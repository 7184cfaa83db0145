# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fault injection on /v1: latency, outages, errors, rate limits, hangs."""

from __future__ import annotations

import random
import threading
import time

from .common import HANG_SECONDS, MSG_INVALID, ApiError, C, Response
from .validation import _BAD, _is_number, _is_str

FAULT_DEFAULTS = {
    "latency_ms": 0,
    "outage": None,
    "error_rate": 0.0,
    "rate_limit": None,
    "hang": False,
    "hang_seconds": HANG_SECONDS,
    "paths": None,
}
OUTAGES = (None, "refuse", "503")


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


FAULT_CHECKS = {
    "latency_ms": lambda v: v if _number(v, 0) else _BAD,
    "outage": _outage,
    "error_rate": lambda v: float(v) if _number(v, 0, 1) else _BAD,
    "rate_limit": _rate_limit,
    "hang": lambda v: v if isinstance(v, bool) else _BAD,
    "hang_seconds": lambda v: v if _number(v, 0) else _BAD,
    "paths": _paths,
    "fault_seed": lambda v: v if isinstance(v, int) else _BAD,
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

    def hang_for(self, path: str) -> float | None:
        with self.lock:
            if self.values["hang"] and self._applies(path):
                return float(self.values["hang_seconds"])
        return None
