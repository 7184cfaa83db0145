# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed webhook deliveries, retried with a backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .common import C, iso, new_id, utcnow


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), body + str(timestamp).encode(), hashlib.sha256)
    return f"{C.SIGNATURE_TIMESTAMP}={timestamp},{C.SIGNATURE_V1}={digest.hexdigest()}"


class WebhookDispatcher:
    def __init__(self, attempts: int, backoff: float, stopping, log):
        self.attempts, self.backoff = attempts, backoff
        self.stopping, self.log = stopping, log
        self.lock = threading.Lock()
        self.deliveries: list[dict] = []
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fire(self, hooks: list[dict], event: str, data: dict) -> None:
        if not hooks:
            return
        event_id = new_id("evt_")
        body = json.dumps(
            {
                C.F_ID: event_id,
                C.F_EVENT: event,
                C.F_CREATED_AT: iso(utcnow()),
                C.F_DATA: data,
            }
        ).encode()
        for hook in hooks:
            args = (dict(hook), event_id, body)
            threading.Thread(target=self._deliver, args=args, daemon=True).start()

    def _post(self, hook: dict, body: bytes) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            C.HEADER_SIGNATURE: sign(hook[C.F_SECRET], body, int(time.time())),
        }
        # The URL scheme (http/https only) was checked at subscription.
        request = urllib.request.Request(  # noqa: S310
            hook[C.F_URL], body, headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=5) as answer:
                return answer.status, None
        except urllib.error.HTTPError as error:
            return error.code, None
        except (urllib.error.URLError, OSError) as error:
            return None, str(getattr(error, "reason", error))

    def _deliver(self, hook: dict, event_id: str, body: bytes) -> None:
        for attempt in range(1, self.attempts + 1):
            status, error = self._post(hook, body)
            with self.lock:
                self.deliveries.append(
                    {
                        "event_id": event_id,
                        "event": hook[C.F_EVENT],
                        "webhook": hook[C.F_ID],
                        "url": hook[C.F_URL],
                        "attempt": attempt,
                        "status": status,
                        "error": error,
                        "time": time.time(),
                    }
                )
            url = urllib.parse.urlsplit(hook[C.F_URL])
            self.log(
                f"WEBHOOK {hook[C.F_EVENT]} {url.netloc}{url.path} "
                f"attempt {attempt}: {status or error}"
            )
            if status is not None and 200 <= status < 300:
                return
            delay = self.backoff * 2 ** (attempt - 1)
            if attempt < self.attempts and self.stopping.wait(delay):
                return

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.deliveries)

    def clear(self) -> None:
        with self.lock:
            self.deliveries = []
