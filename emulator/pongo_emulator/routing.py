# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routes by path template, and the parsing of bodies and query numbers."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .common import ApiError, Request, Response, invalid


@dataclass
class Route:
    method: str
    template: str
    handler: Callable[[Request], Response]
    scope: str | None = None
    auth: bool = True

    def __post_init__(self):
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self, routes: list[Route]):
        # Literal paths win over placeholders (/customers/tags vs /customers/{id}).
        self.routes = sorted(routes, key=lambda r: r.template.count("{"))

    def match(self, method: str, path: str) -> tuple[Route, dict]:
        allowed = False
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method == method:
                params = {
                    k: urllib.parse.unquote(v) for k, v in found.groupdict().items()
                }
                return route, params
            allowed = True
        if allowed:
            raise ApiError(405, f"The {method} method is not supported for this route.")
        raise ApiError(404, "Not Found.")


def parse_body(req: Request) -> Any:
    if not req.raw_body.strip():
        return {}
    ctype = req.headers.get("Content-Type", "")
    text = req.raw_body.decode("utf-8", "replace")
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in urllib.parse.parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError(400, "Malformed JSON.") from None


def int_query(query: dict, name: str, default: int | None, minimum: int = 1):
    raw = query.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"-?\d+", raw) or int(raw) < minimum:
        label = name.replace("_", " ")
        raise invalid(name, f"The {label} must be an integer of at least {minimum}.")
    return int(raw)
