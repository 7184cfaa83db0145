# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP client of the Pongo API: the only module of the addon that imports requests."""

import logging
import re
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from odoo.tools import LazyTranslate

from .. import const as C
from .phone import mask_phone

_logger = logging.getLogger(__name__)
# Outside a request (crons) there is no reader's language: English, quietly.
_lt = LazyTranslate(__name__, default_lang="en_US")

SENSITIVE_KEYS = frozenset(
    {
        C.TOKEN_CLIENT_SECRET,
        C.TOKEN_CODE,
        C.TOKEN_ACCESS_TOKEN,
        C.TOKEN_REFRESH_TOKEN,
        C.F_SECRET,
        C.F_PIN,
        "password",
    }
)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class PongoError(Exception):
    """Base error of every Pongo call; ``str()`` is a translated message
    that never contains a secret."""

    retryable = False
    default_message = _lt("Pongo answered with an error.")

    def __init__(self, message=None, status=None, payload=None):
        self.status = status
        self.payload = payload if isinstance(payload, dict) else {}
        # Kept lazy: translated when shown, in the language of whoever reads it.
        super().__init__(message or self.default_message)

    def __str__(self):
        return str(self.args[0])

    @property
    def message(self):
        return str(self)

    def message_in(self, lang):
        """The message in ``lang`` (what a cron stores for the people reading it)."""
        text = self.args[0]
        return text._translate(lang) if hasattr(text, "_translate") else str(text)


class PongoAuthError(PongoError):
    """401/403: the token is missing, expired, revoked or lacks a scope."""

    default_message = _lt(
        "Pongo refused the credentials. Reconnect the company to Pongo in the settings."
    )


class PongoValidationError(PongoError):
    """422 (or 400): Pongo rejected the data; ``errors`` maps fields to messages."""

    default_message = _lt("Pongo rejected the data.")

    @property
    def errors(self):
        errors = self.payload.get(C.F_ERRORS)
        return errors if isinstance(errors, dict) else {}


class PongoNotFoundError(PongoError):
    default_message = _lt("Not found at Pongo.")


class PongoConflictError(PongoError):
    """409: e.g. a reward already used or locked."""

    default_message = _lt("Pongo refused the operation because of a conflict.")


class PongoRateLimitedError(PongoError):
    retryable = True
    default_message = _lt("Pongo is receiving too many requests; try again shortly.")

    def __init__(self, message=None, status=None, payload=None, retry_after=None):
        super().__init__(message, status, payload)
        self.retry_after = retry_after


class PongoUnavailableError(PongoError):
    """Timeouts, connection errors and 5xx: Pongo may have applied the call or not."""

    retryable = True
    default_message = _lt("Pongo cannot be reached right now.")


_ERRORS_BY_STATUS = {
    400: PongoValidationError,
    401: PongoAuthError,
    403: PongoAuthError,
    404: PongoNotFoundError,
    409: PongoConflictError,
    422: PongoValidationError,
    429: PongoRateLimitedError,
}


# ---------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------
class PongoRetry(Retry):
    """urllib3 Retry that also retries 429 for every method (Pongo did nothing),
    but hands a Retry-After longer than ``C.MAX_RETRY_AFTER`` back to the caller:
    with ``raise_on_status=False`` urllib3 then returns that 429 response."""

    def is_retry(self, method, status_code, has_retry_after=False):
        if status_code == 429 and has_retry_after:
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, **kwargs):
        if response is not None and response.status == 429:
            wait = self.get_retry_after(response)
            if wait is not None and wait > C.MAX_RETRY_AFTER:
                raise MaxRetryError(kwargs.get("_pool"), url, ResponseError("429"))
            pool = kwargs.get("_pool")
            if wait and pool is not None:
                _pause(f"{pool.host}:{pool.port}", wait)
        return super().increment(method, url, response, error, **kwargs)


# Pongo's Retry-After holds every caller of this process, not only the one told:
# "host:port" -> time.monotonic() before which no new call starts.
_paused_until = {}
_pause_lock = threading.Lock()


def _pause(host_port, seconds):
    with _pause_lock:
        until = time.monotonic() + seconds
        _paused_until[host_port] = max(_paused_until.get(host_port, 0), until)


def _paused_for(base_url):
    """Seconds left before a new call may start to ``base_url`` (0: now)."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return max(_paused_until.get(f"{parts.hostname}:{port}", 0) - time.monotonic(), 0)


def _retry(allowed_methods):
    return PongoRetry(
        total=C.RETRY_TOTAL,
        connect=C.RETRY_TOTAL,
        read=C.RETRY_TOTAL,
        status=C.RETRY_TOTAL,
        other=0,
        allowed_methods=frozenset(allowed_methods),
        status_forcelist=C.RETRY_STATUSES,
        backoff_factor=C.RETRY_BACKOFF_FACTOR,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


# Reads are safe to repeat; orders are too, Pongo answering 202 for a known order id.
_READ_METHODS = ("GET", "HEAD", "OPTIONS")
_ORDER_METHODS = ("GET", "HEAD", "POST", "PATCH")

# Someone waits for an interactive call (cashier, kiosk, admin button): one try,
# plus one new connection attempt, and no sleeping for a 429 (the outbox retries).
_INTERACTIVE_RETRY = Retry(
    total=1, connect=1, read=0, status=0, other=0, raise_on_status=False
)

_sessions = {}  # interactive (bool) -> requests.Session
_session_lock = threading.Lock()
_mounted_bases = set()


def _get_session(base_url, interactive=False):
    """The pooled session of the profile, with the order routes of ``base_url``
    mounted for background calls."""
    with _session_lock:
        session = _sessions.get(interactive)
        if session is None:
            session = _sessions[interactive] = requests.Session()
            retry = _INTERACTIVE_RETRY if interactive else _retry(_READ_METHODS)
            adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        if not interactive and base_url not in _mounted_bases:
            adapter = HTTPAdapter(max_retries=_retry(_ORDER_METHODS), pool_maxsize=16)
            session.mount(base_url + C.PATH_ORDERS, adapter)
            _mounted_bases.add(base_url)
        return session


class _MaskPhonesFilter(logging.Filter):
    """urllib3 logs the URL of each retry: mask the phone numbers it may carry."""

    def filter(self, record):
        if record.args:
            record.args = tuple(
                _loggable_path(arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_MaskPhonesFilter())


def redact(value):
    """Copy of a JSON-like value, secrets hidden and phones masked, for logs."""
    if isinstance(value, dict):
        return {
            key: (
                "***"
                if key in SENSITIVE_KEYS and item
                else mask_phone(item)
                if key == C.F_PHONE
                else redact(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


_PHONE_LIKE = re.compile(r"\d{7,}")


def _loggable_path(path):
    """Path (or URL) with phone-like digit runs masked."""
    return _PHONE_LIKE.sub(lambda match: mask_phone(match.group()), path)


def _template_regex(template):
    literal_parts = re.split(r"\{\w+\}", template)
    return re.compile("^" + "[^/]+".join(map(re.escape, literal_parts)) + "$")


# Path templates of const.py, literal ones first (/customers/tags before /{customer}).
_TEMPLATES = [
    (_template_regex(template), template)
    for template in sorted(
        {value for name, value in vars(C).items() if name.startswith("PATH_")},
        key=lambda template: (template.count("{"), template),
    )
]


def path_template(path):
    """The const.py template of a called path (ids replaced by their placeholder)."""
    for regex, template in _TEMPLATES:
        if regex.match(path):
            return template
    return _loggable_path(path)


# Deprecation/Sunset headers (RFC 9745, RFC 8594) are logged once per route and
# UTC day per process: (base_url, method, template) -> day.
_deprecations_noted = {}
_deprecations_lock = threading.Lock()
_LINK_DEPRECATION = re.compile(
    r'<([^>]*)>\s*;[^,]*\brel="?' + C.LINK_REL_DEPRECATION + r'(?=["\s;,]|$)',
    re.IGNORECASE,
)


def _today():
    return datetime.now(timezone.utc).date()


def deprecation_notice(base_url, method, path, headers):
    """The Deprecation/Sunset headers of an answer as a dict (None without them)."""
    deprecation = headers.get(C.HEADER_DEPRECATION)
    sunset = headers.get(C.HEADER_SUNSET)
    if not deprecation and not sunset:
        return None
    link = _LINK_DEPRECATION.search(headers.get(C.HEADER_LINK) or "")
    return {
        "base_url": base_url,
        "method": method,
        "path": path_template(path),
        "deprecation": (deprecation or "")[:100] or None,
        "sunset": (sunset or "")[:100] or None,
        "link": link.group(1)[:500] if link else None,
    }


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------
class PongoClient:
    """Business methods over the Pongo REST API.

    :param base_url: API root, e.g. ``https://api.heypongo.com``
    :param access_token: bearer token (OAuth result or handed over by Pongo)
    :param refresh_token: used once on a 401 when client credentials are known
    :param on_token_refreshed: callback receiving the new token dict, to persist it
    :param on_deprecation: callback receiving a ``deprecation_notice`` dict, once per
        route and day, when Pongo marks a route deprecated
    :param interactive: someone waits for the answer (cashier, kiosk, admin): no
        retry but one new connection, no sleep for a 429; else the background
        profile (retries with back-off, short Retry-After waits)
    """

    def __init__(
        self,
        base_url,
        access_token=None,
        *,
        client_id=None,
        client_secret=None,
        refresh_token=None,
        on_token_refreshed=None,
        on_deprecation=None,
        timeout=(C.CONNECT_TIMEOUT, C.READ_TIMEOUT),
        interactive=False,
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.access_token = access_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.on_token_refreshed = on_token_refreshed
        self.on_deprecation = on_deprecation
        self.timeout = timeout
        self.interactive = interactive
        self._refresh_lock = threading.Lock()

    def __repr__(self):
        return f"<PongoClient {self.base_url}>"

    # -- transport ----------------------------------------------------------
    def _request(self, method, path, *, json=None, params=None, auth=True):
        """Send one call; returns the decoded JSON body (or None) and the status."""
        token = self.access_token
        response = self._send(method, path, json=json, params=params, auth=auth)
        if response.status_code == 401 and auth and self._can_refresh():
            with self._refresh_lock:  # calls sent in parallel refresh once
                if self.access_token == token:
                    self.refresh_access_token()
            response = self._send(method, path, json=json, params=params, auth=auth)
        return self._handle(method, path, response)

    def _send(self, method, path, *, json=None, params=None, auth=True):
        if not self.base_url:
            raise PongoAuthError(_lt("The Pongo API address is not configured."))
        headers = {"Accept": "application/json"}
        if auth:
            if not self.access_token:
                raise PongoAuthError(_lt("This company is not connected to Pongo."))
            headers[C.HEADER_AUTHORIZATION] = f"Bearer {self.access_token}"
        url = self.base_url + path
        session = _get_session(self.base_url, self.interactive)
        paused = _paused_for(self.base_url)
        if paused and self.interactive:
            raise PongoRateLimitedError(retry_after=round(paused) or 1)
        if paused:
            time.sleep(min(paused, C.MAX_RETRY_AFTER))
        _logger.debug(
            "Pongo %s %s %s", method, _loggable_path(path), redact(json or params)
        )
        try:
            return session.request(
                method,
                url,
                json=json,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except (
            requests.exceptions.Timeout,
            requests.exceptions.ConnectionError,
        ) as exc:
            _logger.info(
                "Pongo %s %s unreachable: %s",
                method,
                _loggable_path(path),
                type(exc).__name__,
            )
            raise PongoUnavailableError() from None
        except requests.exceptions.RequestException as exc:
            _logger.warning("Pongo %s %s failed: %s", method, _loggable_path(path), exc)
            raise PongoUnavailableError() from None

    def _note_deprecation(self, method, path, headers):
        """Log (and hand over) Pongo's deprecation of a route once per UTC day."""
        notice = deprecation_notice(self.base_url, method, path, headers)
        if notice is None:
            return
        key, today = (self.base_url, method, notice["path"]), _today()
        with _deprecations_lock:
            if _deprecations_noted.get(key) == today:
                return
            _deprecations_noted[key] = today
        _logger.warning(
            "Pongo marks %s %s as deprecated (Deprecation: %s, Sunset: %s, Link: %s)",
            method,
            notice["path"],
            notice["deprecation"],
            notice["sunset"],
            notice["link"],
        )
        if self.on_deprecation:
            try:
                self.on_deprecation(notice)
            except Exception:  # a notice must never break the call
                _logger.exception("Pongo deprecation notice not saved")

    def _handle(self, method, path, response):
        self._note_deprecation(method, path, response.headers)
        status = response.status_code
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if status < 400:
            return body, status
        payload = body if isinstance(body, dict) else {}
        _logger.info(
            "Pongo %s %s answered %s: %s",
            method,
            _loggable_path(path),
            status,
            redact(payload),
        )
        error_class = _ERRORS_BY_STATUS.get(status)
        if error_class is None:
            error_class = PongoUnavailableError if status >= 500 else PongoError
        message = self._error_message(error_class, payload)
        if error_class is PongoRateLimitedError:
            retry_after = _parse_retry_after(response.headers.get(C.HEADER_RETRY_AFTER))
            if retry_after and retry_after <= C.MAX_RETRY_AFTER:
                # Every caller of this process holds, not only this one (a longer
                # wait goes back to the outbox, which reschedules its calls).
                parts = urlsplit(self.base_url)
                port = parts.port or (443 if parts.scheme == "https" else 80)
                _pause(f"{parts.hostname}:{port}", retry_after)
            raise PongoRateLimitedError(
                message, status, payload, retry_after=retry_after
            )
        raise error_class(message, status, payload)

    @staticmethod
    def _error_message(error_class, payload):
        """Pongo's own message for business errors; ours for transport/auth ones."""
        if error_class in (
            PongoValidationError,
            PongoNotFoundError,
            PongoConflictError,
        ) and isinstance(payload.get(C.F_MESSAGE), str):
            details = [
                msg
                for messages in (payload.get(C.F_ERRORS) or {}).values()
                for msg in (messages if isinstance(messages, list) else [messages])
            ]
            return " ".join(details) or payload[C.F_MESSAGE]
        return None

    def _can_refresh(self):
        return bool(self.refresh_token and self.client_id and self.client_secret)

    @staticmethod
    def _data(body):
        return body.get(C.F_DATA, []) if isinstance(body, dict) else body or []

    # -- authentication -----------------------------------------------------
    @staticmethod
    def authorization_url(
        base_url, client_id, redirect_uri, state, scopes=C.OAUTH_SCOPES
    ):
        """URL of Pongo's form where the merchant authorises this database."""
        query = urlencode(
            {
                C.OAUTH_PARAM_CLIENT_ID: client_id,
                C.OAUTH_PARAM_STATE: state,
                C.OAUTH_PARAM_REDIRECT_URI: redirect_uri,
                C.OAUTH_PARAM_SCOPE: C.OAUTH_SCOPE_SEPARATOR.join(scopes),
            }
        )
        return f"{base_url.rstrip('/')}{C.PATH_OAUTH_FORM}?{query}"

    def _token_call(self, grant_values):
        body = {
            C.TOKEN_CLIENT_ID: self.client_id,
            C.TOKEN_CLIENT_SECRET: self.client_secret,
            **grant_values,
        }
        token, _status = self._request(
            "POST", C.PATH_OAUTH_TOKEN, json=body, auth=False
        )
        if not isinstance(token, dict) or not token.get(C.TOKEN_ACCESS_TOKEN):
            raise PongoAuthError(_lt("Pongo did not return an access token."))
        self.access_token = token[C.TOKEN_ACCESS_TOKEN]
        self.refresh_token = token.get(C.TOKEN_REFRESH_TOKEN) or self.refresh_token
        return token

    def exchange_code(self, code):
        """Exchange the authorization code of the OAuth redirect for a token."""
        return self._token_call(
            {C.TOKEN_GRANT_TYPE: C.TOKEN_GRANT_CODE, C.TOKEN_CODE: code}
        )

    def refresh_access_token(self):
        """Get a new token with the refresh token; persisted through the callback."""
        if not self._can_refresh():
            raise PongoAuthError()
        token = self._token_call(
            {
                C.TOKEN_GRANT_TYPE: C.TOKEN_GRANT_REFRESH,
                C.TOKEN_REFRESH_TOKEN: self.refresh_token,
            }
        )
        if self.on_token_refreshed:
            self.on_token_refreshed(token)
        return token

    def test_token(self):
        body, _status = self._request("GET", C.PATH_OAUTH_TEST)
        return body

    def get_user_info(self):
        body, _status = self._request("GET", C.PATH_OAUTH_ME)
        return body

    # -- stores, check-ins ----------------------------------------------------
    def list_stores(self):
        body, _status = self._request("GET", C.PATH_STORES)
        return self._data(body)

    def create_checkin(self, values):
        body, _status = self._request("POST", C.PATH_CHECKINS, json=values)
        return body

    # -- customers ------------------------------------------------------------
    def customer_exists(self, phone):
        try:
            self._request("HEAD", C.PATH_CUSTOMER_BY_PHONE.format(phone=quote(phone)))
        except PongoNotFoundError:
            return False
        return True

    def list_customers(self, page=1, per_page=100, **filters):
        """One page of customers: the Laravel paginator body (data, links, meta)."""
        params = {C.Q_PAGE: page, C.Q_PER_PAGE: per_page}
        params.update(
            {key: value for key, value in filters.items() if value is not None}
        )
        body, _status = self._request("GET", C.PATH_CUSTOMERS, params=params)
        return body or {}

    def iter_customers(self, per_page=100, **filters):
        """Every customer, page after page; only one page is held at a time."""
        page = 1
        while True:
            body = self.list_customers(page=page, per_page=per_page, **filters)
            customers = body.get(C.F_DATA) or []
            yield from customers
            last_page = (body.get(C.F_META) or {}).get(C.META_LAST_PAGE)
            has_next = (body.get(C.F_LINKS) or {}).get(C.LINK_NEXT)
            if not customers or (page >= last_page if last_page else not has_next):
                return
            page += 1

    def create_customer(self, values):
        body, _status = self._request("POST", C.PATH_CUSTOMERS, json=values)
        return body

    def get_customer_by_phone(self, phone):
        body, _status = self._request(
            "GET", C.PATH_CUSTOMER_BY_PHONE.format(phone=quote(phone))
        )
        return body

    def get_customer(self, public_id):
        body, _status = self._request(
            "GET", C.PATH_CUSTOMER.format(customer=quote(public_id, safe=""))
        )
        return body

    def update_customer(self, public_id, values):
        body, _status = self._request(
            "PUT",
            C.PATH_CUSTOMER.format(customer=quote(public_id, safe="")),
            json=values,
        )
        return body

    def get_customer_tags(self):
        body, _status = self._request("GET", C.PATH_CUSTOMER_TAGS)
        return self._data(body)

    # -- customer attributes ------------------------------------------------
    def list_customer_attributes(self):
        body, _status = self._request("GET", C.PATH_CUSTOMER_ATTRIBUTES)
        return self._data(body)

    def get_customer_attributes(self, public_id):
        path = C.PATH_CUSTOMER_ATTRIBUTE_VALUES.format(
            customer=quote(public_id, safe="")
        )
        body, _status = self._request("GET", path)
        return self._data(body)

    def add_customer_attribute(self, public_id, attribute, value):
        path = C.PATH_CUSTOMER_ATTRIBUTE_VALUES.format(
            customer=quote(public_id, safe="")
        )
        body, _status = self._request(
            "POST", path, json={C.F_ATTRIBUTE: attribute, C.F_VALUE: value}
        )
        return body

    def _attribute_path(self, public_id, attribute):
        return C.PATH_CUSTOMER_ATTRIBUTE_VALUE.format(
            customer=quote(public_id, safe=""), attribute=quote(attribute, safe="")
        )

    def update_customer_attribute(self, public_id, attribute, value):
        body, _status = self._request(
            "PATCH", self._attribute_path(public_id, attribute), json={C.F_VALUE: value}
        )
        return body

    def remove_customer_attribute(self, public_id, attribute):
        self._request("DELETE", self._attribute_path(public_id, attribute))

    # -- orders ---------------------------------------------------------------
    def create_order(self, payload):
        """Send a paid order. Returns ``(body, already_processed)``; a 202 (order id
        already known for that store) is a success, so a retry never doubles points."""
        body, status = self._request("POST", C.PATH_ORDERS, json=payload)
        return body or {}, status == 202

    def update_order_status(self, order_id, status, store_slug):
        path = C.PATH_ORDER_STATUS.format(order_id=quote(order_id, safe=""))
        body, _status = self._request(
            "PATCH",
            path,
            json={C.F_STATUS: status, C.F_LOYALTY_STORE_SLUG: store_slug},
        )
        return body

    # -- rewards --------------------------------------------------------------
    def get_rewards(
        self, customer=None, store_slug=None, min_points=None, max_points=None
    ):
        """Catalogue; pass the customer and the store whenever a customer is known."""
        params = {
            C.F_CUSTOMER: customer,
            C.F_STORE_SLUG: store_slug,
            C.Q_MIN_POINTS: min_points,
            C.Q_MAX_POINTS: max_points,
        }
        body, _status = self._request(
            "GET",
            C.PATH_REWARDS,
            params={key: value for key, value in params.items() if value is not None},
        )
        return self._data(body)

    def get_customer_rewards(self, public_id, used=None):
        params = {} if used is None else {C.F_USED: "true" if used else "false"}
        body, _status = self._request(
            "GET",
            C.PATH_CUSTOMER_REWARDS.format(customer=quote(public_id, safe="")),
            params=params,
        )
        return self._data(body)

    def buy_reward(self, reward_id, customer, store_slug, used=None, pin=None):
        values = {C.F_CUSTOMER: customer, C.F_STORE_SLUG: store_slug}
        if used is not None:
            values[C.F_USED] = used
        if pin:
            values[C.F_PIN] = pin
        path = C.PATH_REWARD_BUY.format(reward=quote(reward_id, safe=""))
        body, _status = self._request("POST", path, json=values)
        return body

    def use_reward(self, customer_reward_id, customer, store_slug, pin=None):
        values = {C.F_CUSTOMER: customer, C.F_STORE_SLUG: store_slug}
        if pin:
            values[C.F_PIN] = pin
        path = C.PATH_REWARD_USE.format(reward=quote(customer_reward_id, safe=""))
        body, _status = self._request("PATCH", path, json=values)
        return body

    def lock_reward(self, customer_reward_id, customer, store_slug=None):
        values = {C.F_CUSTOMER: customer}
        if store_slug:
            values[C.F_STORE_SLUG] = store_slug
        path = C.PATH_REWARD_LOCK.format(reward=quote(customer_reward_id, safe=""))
        body, _status = self._request("POST", path, json=values)
        return body

    def unlock_reward(self, customer_reward_id):
        path = C.PATH_REWARD_LOCK.format(reward=quote(customer_reward_id, safe=""))
        self._request("DELETE", path)

    # -- webhooks -------------------------------------------------------------
    def subscribe_webhook(self, event, url, secret=None):
        values = {C.F_EVENT: event, C.F_URL: url}
        if secret:
            values[C.F_SECRET] = secret
        body, _status = self._request("POST", C.PATH_WEBHOOKS, json=values)
        return body

    def unsubscribe_webhook(self, webhook_id):
        self._request(
            "DELETE", C.PATH_WEBHOOK.format(webhook=quote(str(webhook_id), safe=""))
        )


def _parse_retry_after(value):
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return None
