# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP plumbing, the Emulator (both listeners) and the command line."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .admin import AdminApi
from .api import PongoApi
from .common import (
    ADMIN_PREFIX,
    API_PREFIX,
    HANG_SECONDS,
    C,
    Config,
    Request,
    Response,
    mask_phones,
)
from .faults import Faults
from .seed import SEEDS
from .state import PongoState
from .webhooks import WebhookDispatcher


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator: Emulator, role: str):
        self.emulator, self.role = emulator, role
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle and the client's
    # delayed ACK add ~40 ms to every answer, which no real server does.
    disable_nagle_algorithm = True
    server_version = "PongoEmulator/1.0"
    sys_version = ""

    def log_message(self, format, *args):
        pass  # replaced by our own masked one-line log

    def do_GET(self):
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _request(self) -> Request:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        return Request(
            method=self.command,
            path=parts.path,
            query={k: v[0] for k, v in query.items()},
            headers=self.headers,
            raw_body=raw,
            base_url=f"http://{host}",
        )

    def _handle(self) -> None:
        emu, started = self.server.emulator, time.monotonic()
        req = self._request()
        try:
            response, hang = emu.handle(req, self.server.role)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response, hang = Response(500, {C.F_MESSAGE: "Server Error"}), None
        if response is None:
            outcome = "dropped (outage)"
        elif hang is not None:
            outcome = f"{response.status} not sent (hang {hang:g}s)"
        else:
            self._send(response)
            outcome = str(response.status)
        ms = (time.monotonic() - started) * 1000
        emu.log(f"{self.command} {mask_phones(req.path)} {outcome} {ms:.1f}ms")
        if response is None or hang is not None:
            self.close_connection = True
            if hang:
                emu.stopping.wait(hang)

    def _send(self, response: Response) -> None:
        body = response.body
        if body is None:
            data, ctype = b"", None
        elif isinstance(body, str):
            data, ctype = body.encode(), "text/html; charset=utf-8"
        else:
            data, ctype = (
                json.dumps(body, ensure_ascii=False).encode(),
                "application/json",
            )
        self.send_response(response.status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)


class Emulator:
    """The whole emulator; start() serves it from background threads."""

    def __init__(self, config: Config | None = None, **options):
        self.config = config or Config(**options)
        self.stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._server_lock = threading.Lock()
        self._requests: list[dict] = []
        self.faults = Faults(self.config.fault_seed, self.config.faults)
        self.webhooks = WebhookDispatcher(
            self.config.webhook_attempts,
            self.config.webhook_backoff,
            self.stopping,
            self.log,
        )
        self.state = PongoState(self.config, self.notify)
        self.api = PongoApi(self.state, self.config)
        self.admin = AdminApi(self)
        self._api_server = self._admin_server = None
        self.port = self.admin_port = None

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> Emulator:
        self._api_server = self._serve(self.config.port, "api")
        self.port = self._api_server.server_address[1]
        self._admin_server = self._serve(self.config.admin_port, "admin")
        self.admin_port = self._admin_server.server_address[1]
        if self.faults.refusing():
            self._close_api()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._close_api()
        if self._admin_server:
            self._admin_server.shutdown()
            self._admin_server.server_close()
            self._admin_server = None

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.config.host}:{self.admin_port}"

    @property
    def api_up(self) -> bool:
        return self._api_server is not None

    def _serve(self, port: int, role: str) -> _Server:
        server = _Server((self.config.host, port), self, role)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return server

    def _close_api(self) -> None:
        with self._server_lock:
            server, self._api_server = self._api_server, None
        if server:
            server.shutdown()
            server.server_close()

    def _open_api(self) -> None:
        with self._server_lock:
            if self._api_server is None and not self.stopping.is_set():
                self._api_server = self._serve(self.port, "api")

    def set_faults(self, changes: dict) -> dict:
        self.faults.update(changes)
        if self.faults.refusing():
            self._close_api()
        else:
            self._open_api()
        return self.faults.snapshot()

    # -- requests -----------------------------------------------------------
    def handle(self, req: Request, role: str) -> tuple[Response | None, float | None]:
        """Route one request; (None, None) drops the connection."""
        if req.path.startswith(ADMIN_PREFIX):
            return self.admin.dispatch(req), None
        is_api = req.path == API_PREFIX or req.path.startswith(API_PREFIX + "/")
        if role != "api" or not is_api:
            return Response(404, {C.F_MESSAGE: "Not Found."}), None
        if self.faults.refusing():
            return None, None  # a kept-alive connection of the closed listener
        response, hang = self.faults.before(req.path), None
        if response is None:
            self.faults.drop_request_keys(req)
            response = self.api.dispatch(req)
            hang = self.faults.hang_for(req.path)
        response = self.faults.after(req.path, response)
        with self._log_lock:
            self._requests.append(
                {
                    "time": time.time(),
                    "method": req.method,
                    "path": req.path,
                    "status": response.status,
                    "hung": hang is not None,
                }
            )
        return response, hang

    def notify(self, event: str, data: dict) -> None:
        hooks = [h for h in self.state.webhooks.values() if h[C.F_EVENT] == event]
        self.webhooks.fire(hooks, event, data)

    def requests(self) -> list[dict]:
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests = []

    def log(self, line: str) -> None:
        if not self.config.quiet:
            with self._log_lock:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    defaults = Config()
    p = argparse.ArgumentParser(description="Local emulator of the Hey Pongo API.")
    add = p.add_argument
    add("--host", default=defaults.host)
    add("--port", type=int, default=8071, help="0 picks a free port")
    add("--admin-port", type=int, default=0, help="default: a free port")
    add("--seed", choices=SEEDS, default=defaults.seed)
    add("--client-id", default=defaults.client_id)
    add("--client-secret", default=defaults.client_secret)
    add("--redirect-uri", action="append", default=[], help="repeatable")
    add("--token-ttl", type=int, default=defaults.token_ttl)
    add("--points-per-euro", type=float, default=defaults.points_per_euro)
    add("--latency-ms", type=int, default=0)
    add("--outage", choices=("refuse", "503"), default=None)
    add("--error-rate", type=float, default=0.0)
    add("--rate-limit-every", type=int, default=0)
    add("--retry-after", type=int, default=1)
    add("--hang", action="store_true")
    add("--hang-seconds", type=float, default=HANG_SECONDS)
    add("--fault-path", action="append", default=None, help="repeatable prefix")
    add("--fault-seed", type=int, default=defaults.fault_seed)
    add("--wire-variant", action="store_true", help="answers in a variant format")
    add("--webhook-attempts", type=int, default=defaults.webhook_attempts)
    add("--webhook-backoff", type=float, default=defaults.webhook_backoff)
    add("--quiet", action="store_true", help="no request log on stderr")
    return p.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> Config:
    rate_limit = None
    if args.rate_limit_every:
        rate_limit = {"every": args.rate_limit_every, "retry_after": args.retry_after}
    faults = {
        "latency_ms": args.latency_ms,
        "outage": args.outage,
        "error_rate": args.error_rate,
        "rate_limit": rate_limit,
        "hang": args.hang,
        "hang_seconds": args.hang_seconds,
        "paths": args.fault_path,
        "wire_variant": args.wire_variant,
    }
    return Config(
        host=args.host,
        port=args.port,
        admin_port=args.admin_port,
        seed=args.seed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri,
        token_ttl=args.token_ttl,
        points_per_euro=args.points_per_euro,
        fault_seed=args.fault_seed,
        faults=faults,
        webhook_attempts=args.webhook_attempts,
        webhook_backoff=args.webhook_backoff,
        quiet=args.quiet,
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.port and args.port == args.admin_port:
        sys.exit("--admin-port must differ from --port")
    emulator = Emulator(config_from_args(args)).start()
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    print(f"PONGO_EMULATOR_READY {emulator.url} admin={emulator.admin_url}", flush=True)
    while not done.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
