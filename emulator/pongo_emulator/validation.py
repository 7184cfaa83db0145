# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Laravel-style validation of request bodies (422 answers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from .common import (
    DATE_RE,
    EMAIL_RE,
    MSG_INVALID,
    PIN_RE,
    ApiError,
    parse_datetime,
    utcnow,
    valid_phone,
)

_BAD = object()


class Checker:
    """Collects Laravel-style 422 errors; `clean` holds the valid given fields."""

    def __init__(self, data: Any, prefix: str = ""):
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        self.data, self.prefix = data, prefix
        self.errors: dict[str, list[str]] = {}
        self.clean: dict[str, Any] = {}

    def label(self, name: str) -> str:
        return (self.prefix + name).replace("_", " ")

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(self.prefix + name, []).append(message)

    def check(self, name: str, required: bool, ok: Callable[[Any], bool], message):
        """Validate one field with predicate `ok`; returns the value or None."""
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, f"The {self.label(name)} field is required.")
            elif name in self.data:
                self.clean[name] = None
            return None
        if not ok(value):
            self.fail(name, message.format(attr=self.label(name)))
            return None
        self.clean[name] = value
        return value

    def string(self, name, required=False):
        return self.check(name, required, _is_str, "The {attr} must be a string.")

    def integer(self, name, required=False, minimum=0):
        msg = "The {attr} must be an integer."
        if minimum is not None:
            msg = "The {attr} must be an integer of at least %s." % minimum

        def ok(v):
            return _is_int(v) and (minimum is None or v >= minimum)

        return self.check(name, required, ok, msg)

    def number(self, name, required=False):
        msg = "The {attr} must be a positive number."
        return self.check(name, required, lambda v: _is_number(v) and v > 0, msg)

    def boolean(self, name, required=False):
        msg = "The {attr} field must be true or false."
        value = self.check(name, required, lambda v: v in (True, False, 0, 1), msg)
        if value is not None:
            self.clean[name] = value = bool(value)
        return value

    def enum(self, name, allowed, required=False):
        msg = "The selected {attr} is invalid."
        return self.check(name, required, lambda v: v in allowed, msg)

    def phone(self, name, required=False):
        return self.check(name, required, valid_phone, "The {attr} format is invalid.")

    def email(self, name):
        msg = "The {attr} must be a valid email address."
        return self.check(name, False, lambda v: _matches(EMAIL_RE, v), msg)

    def pin(self, name):
        msg = "The {attr} must be 4 digits."
        return self.check(name, False, lambda v: _matches(PIN_RE, v), msg)

    def birthday(self, name):
        msg = "The {attr} must be a date before today in the format Y-m-d."
        return self.check(name, False, _is_past_date, msg)

    def moment(self, name, required=False, not_future=False):
        def ok(v):
            moment = parse_datetime(v)
            return moment is not None and not (not_future and moment > utcnow())

        msg = "The {attr} must be a valid date not after now."
        return self.check(name, required, ok, msg)

    def strings(self, name, required=False):
        if required and self.data.get(name) == []:
            self.clean[name] = []
            return []
        msg = "The {attr} must be an array of strings."
        ok = lambda v: isinstance(v, list) and all(map(_is_str, v))  # noqa: E731
        return self.check(name, required, ok, msg)

    def objects(self, name, required=False, min_items=0):
        def ok(v):
            dicts = isinstance(v, list) and all(isinstance(i, dict) for i in v)
            return dicts and len(v) >= min_items

        msg = "The {attr} must be an array of at least %s object(s)." % min_items
        return self.check(name, required, ok, msg)

    def obj(self, name):
        msg = "The {attr} must be an object."
        return self.check(name, False, lambda v: isinstance(v, dict), msg)

    def merge(self, other: Checker) -> None:
        for key, messages in other.errors.items():
            self.errors.setdefault(key, []).extend(messages)

    def done(self) -> None:
        if self.errors:
            raise ApiError(422, MSG_INVALID, self.errors)


def _is_str(value) -> bool:
    return isinstance(value, str)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _matches(regex: re.Pattern, value) -> bool:
    return isinstance(value, str) and bool(regex.fullmatch(value))


def _is_past_date(value) -> bool:
    if not _matches(DATE_RE, value):
        return False
    try:
        return date.fromisoformat(value) < date.today()
    except ValueError:
        return False
