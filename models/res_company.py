# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const as C
from ..tools import pongo_probe
from ..tools.cron import wake
from ..tools.pongo_client import PongoClient, PongoError

_logger = logging.getLogger(__name__)

OAUTH_CALLBACK_PATH = "/pos_pongo/oauth/callback"
# (connect, read) seconds: someone waits for interactive calls, a cron for the others
INTERACTIVE_TIMEOUT = (2, 4)
BACKGROUND_TIMEOUT = (C.CONNECT_TIMEOUT, C.READ_TIMEOUT)
IMPORT_PAGE_SIZE = 100
# Never readable outside system administrators, never in the POS, never logged.
SECRET_FIELDS = (
    "pongo_client_secret",
    "pongo_access_token",
    "pongo_refresh_token",
    "pongo_webhook_secret",
    "pongo_oauth_state",
)
CLIENT_FIELDS = [
    "pongo_environment",
    "pongo_custom_url",
    "pongo_access_token",
    "pongo_client_id",
    "pongo_client_secret",
    "pongo_refresh_token",
]


class ResCompany(models.Model):
    _inherit = "res.company"

    pongo_environment = fields.Selection(
        selection=[
            (C.ENV_SANDBOX, "Sandbox"),
            (C.ENV_PRODUCTION, "Production"),
            (C.ENV_CUSTOM, "Custom URL"),
        ],
        default=C.ENV_SANDBOX,
        required=True,
        groups="base.group_system",
    )
    pongo_custom_url = fields.Char(
        string="Pongo API URL",
        help="Base URL of a Pongo-compatible API, e.g. the local emulator.",
        groups="base.group_system",
    )
    pongo_client_id = fields.Char(string="Pongo Client ID", groups="base.group_system")
    pongo_client_secret = fields.Char(groups="base.group_system", copy=False)
    pongo_access_token = fields.Char(groups="base.group_system", copy=False)
    pongo_refresh_token = fields.Char(groups="base.group_system", copy=False)
    pongo_token_expires_at = fields.Datetime(
        string="Pongo Token Expiry", groups="base.group_system", copy=False
    )
    pongo_oauth_state = fields.Char(groups="base.group_system", copy=False)
    pongo_merchant_name = fields.Char(
        string="Pongo Merchant", readonly=True, copy=False
    )
    pongo_webhook_secret = fields.Char(groups="base.group_system", copy=False)
    pongo_webhook_ids = fields.Char(
        string="Pongo Webhook Subscriptions",
        groups="base.group_system",
        copy=False,
        help="Ids of the webhook subscriptions at Pongo, comma-separated.",
    )
    pongo_store_ids = fields.One2many(
        "pongo.store", "company_id", string="Pongo Stores"
    )
    pongo_import_state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        string="Customer Import",
        readonly=True,
        copy=False,
    )
    pongo_import_page = fields.Integer(readonly=True, copy=False)
    pongo_import_pages = fields.Integer(readonly=True, copy=False)
    pongo_import_total = fields.Integer(readonly=True, copy=False)
    pongo_import_count = fields.Integer(readonly=True, copy=False)
    pongo_import_created = fields.Integer(readonly=True, copy=False)
    pongo_import_message = fields.Char(readonly=True, copy=False)
    pongo_probe_report = fields.Text(
        string="Pongo Compatibility Report",
        readonly=True,
        copy=False,
        groups="base.group_system",
    )
    pongo_job_retention_days = fields.Integer(
        string="Keep Sent Pongo Calls (Days)",
        default=30,
        help="Sent and cancelled calls to Pongo are deleted after this many days. "
        "Failed calls stay until someone retries or cancels them.",
    )
    pongo_event_retention_days = fields.Integer(
        string="Keep Applied Pongo Events (Days)",
        default=30,
        help="Webhook events Pongo sent, once applied or ignored, are deleted after "
        "this many days. Events in error stay until someone handles them.",
    )

    # ------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------
    def _pongo_base_url(self):
        self.ensure_one()
        company = self.sudo()
        if company.pongo_environment == C.ENV_CUSTOM:
            return (company.pongo_custom_url or "").rstrip("/")
        return C.BASE_URLS.get(company.pongo_environment, "")

    def _pongo_webhook_url(self):
        """Public URL where Pongo posts this company's webhook events."""
        self.ensure_one()
        from ..controllers.main import PongoWebhookController

        base_url = self.get_base_url().rstrip("/")
        return base_url + PongoWebhookController._webhook_path.format(
            company_id=self.id
        )

    def _pongo_is_connected(self):
        self.ensure_one()
        # These alone: reading the whole company costs more than the check.
        self.sudo().fetch(CLIENT_FIELDS)
        return bool(self.sudo().pongo_access_token and self._pongo_base_url())

    def _pongo_country(self):
        """The company's country, read alone (``country_id`` computes the whole
        address of the company)."""
        self.ensure_one()
        company = self.sudo()
        company.fetch(["partner_id"])
        company.partner_id.fetch(["country_id"])
        return company.partner_id.country_id.with_env(self.env)

    def _pongo_get_client(self, interactive=False):
        """A client with this company's credentials; a refreshed token is saved
        at once in its own transaction so a later rollback cannot lose it.

        ``interactive``: someone waits for the answer (cashier, kiosk, admin
        button): short timeouts, no retry; else the background profile."""
        self.ensure_one()
        company = self.sudo()
        company.fetch(CLIENT_FIELDS)  # these alone, not the whole company
        return PongoClient(
            self._pongo_base_url(),
            company.pongo_access_token,
            client_id=company.pongo_client_id,
            client_secret=company.pongo_client_secret,
            refresh_token=company.pongo_refresh_token,
            on_token_refreshed=self._pongo_save_token_now,
            on_deprecation=self.env["pongo.deprecation"]._pongo_record_now,
            interactive=interactive,
            timeout=INTERACTIVE_TIMEOUT if interactive else BACKGROUND_TIMEOUT,
        )

    def _pongo_token_values(self, token):
        values = {
            "pongo_access_token": token.get(C.TOKEN_ACCESS_TOKEN),
            "pongo_token_expires_at": False,
        }
        if token.get(C.TOKEN_REFRESH_TOKEN):
            values["pongo_refresh_token"] = token[C.TOKEN_REFRESH_TOKEN]
        expires_in = token.get(C.TOKEN_EXPIRES_IN)
        if isinstance(expires_in, int) and expires_in > 0:
            values["pongo_token_expires_at"] = fields.Datetime.add(
                fields.Datetime.now(), seconds=expires_in
            )
        return values

    def _pongo_save_token_now(self, token):
        values = self._pongo_token_values(token)
        with self.env.registry.cursor() as cr:
            self.with_env(self.env(cr=cr)).sudo().write(values)
        self.sudo()._update_cache(values)  # no write here: it would conflict
        _logger.info("Pongo token refreshed for company %s", self.id)

    def _pongo_call(self, method, *args, **kwargs):
        """Run a client method for an admin action; Pongo errors become UserErrors."""
        self.ensure_one()
        if not self._pongo_is_connected():
            raise UserError(_("This company is not connected to Pongo yet."))
        try:
            client = self._pongo_get_client(interactive=True)
            return getattr(client, method)(*args, **kwargs)
        except PongoError as error:
            raise UserError(_("Pongo: %(error)s", error=error.message)) from None

    @staticmethod
    def _pongo_notification(message, kind="success"):
        """A notification, then the page reloads: the settings show what changed."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_pongo_connect(self):
        """Send the admin to Pongo's authorisation form (OAuth, API.md §2)."""
        self.ensure_one()
        company = self.sudo()
        if not company.pongo_client_id or not company.pongo_client_secret:
            raise UserError(
                _("Enter the Client ID and Client Secret given by Pongo first.")
            )
        if not self._pongo_base_url():
            raise UserError(_("Choose the Pongo environment first."))
        state = f"{self.id}-{secrets.token_urlsafe(24)}"
        company.pongo_oauth_state = state
        url = PongoClient.authorization_url(
            self._pongo_base_url(),
            company.pongo_client_id,
            self.get_base_url().rstrip("/") + OAUTH_CALLBACK_PATH,
            state,
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _pongo_finish_oauth(self, code):
        """Exchange the code of the OAuth redirect for the token, on the server."""
        self.ensure_one()
        company = self.sudo()
        client = PongoClient(
            self._pongo_base_url(),
            client_id=company.pongo_client_id,
            client_secret=company.pongo_client_secret,
            interactive=True,
            timeout=INTERACTIVE_TIMEOUT,
        )
        token = client.exchange_code(code)
        company.write({**self._pongo_token_values(token), "pongo_oauth_state": False})
        self._pongo_refresh_merchant()

    def action_pongo_use_token(self, token):
        """Connect with a token handed over by Pongo."""
        self.ensure_one()
        token = (token or "").strip()
        if not token:
            raise UserError(_("Paste the token given by Pongo."))
        self.sudo().write(
            {
                "pongo_access_token": token,
                "pongo_refresh_token": False,
                "pongo_token_expires_at": False,
            }
        )
        return self.action_pongo_test_connection()

    def _pongo_refresh_merchant(self):
        info = self._pongo_call("get_user_info") or {}
        merchant = (info.get(C.F_MERCHANT) or {}).get(C.F_NAME) or info.get(C.F_NAME)
        self.sudo().pongo_merchant_name = merchant
        self.action_pongo_fetch_stores()
        return merchant

    def action_pongo_test_connection(self):
        """Ask Pongo who we are; shows the merchant name or a clear error."""
        self.ensure_one()
        merchant = self._pongo_refresh_merchant()
        return self._pongo_notification(
            _("Connected to Pongo as %(merchant)s.", merchant=merchant)
        )

    def action_pongo_disconnect(self):
        """Forget the token (and stop the webhooks while it still works)."""
        self.ensure_one()
        company = self.sudo()
        if company.pongo_webhook_ids and self._pongo_is_connected():
            self._pongo_unsubscribe_webhooks(raise_errors=False)
        company.write(
            {
                "pongo_access_token": False,
                "pongo_refresh_token": False,
                "pongo_token_expires_at": False,
                "pongo_merchant_name": False,
                "pongo_webhook_ids": False,
                "pongo_webhook_secret": False,
            }
        )
        return self._pongo_notification(_("Disconnected from Pongo."), "info")

    # ------------------------------------------------------------------
    # Stores
    # ------------------------------------------------------------------
    def action_pongo_fetch_stores(self):
        """Fetch Pongo's stores; a store gone from Pongo is archived."""
        self.ensure_one()
        stores = self._pongo_call("list_stores")
        Store = self.env["pongo.store"].sudo().with_context(active_test=False)
        Store.flush_model()
        existing = {
            store.slug: store for store in Store.search([("company_id", "=", self.id)])
        }
        seen = Store.browse()
        for values in stores:
            slug = values.get(C.F_SLUG)
            if not slug:
                continue
            vals = {
                "name": values.get(C.F_NAME) or slug,
                "public_id": values.get(C.F_PUBLIC_ID),
                "city": values.get(C.F_CITY),
                "country_id": self._pongo_country_by_code(values.get(C.F_COUNTRY)),
                "active": True,
            }
            store = existing.get(slug)
            if store:
                store.write(vals)
            else:
                store = Store.create({**vals, "slug": slug, "company_id": self.id})
            seen |= store
        (Store.browse([s.id for s in existing.values()]) - seen).write(
            {"active": False}
        )
        return self._pongo_notification(
            _("%(count)s Pongo stores found.", count=len(seen))
        )

    @api.model
    def _pongo_country_by_code(self, code):
        """The country of an ISO code as Pongo sends it; False when unknown."""
        if not isinstance(code, str) or not code.strip():
            return False
        return (
            self.env["res.country"]
            .search([("code", "=", code.strip().upper())], limit=1)
            .id
        )

    def _pongo_mapping_report(self):
        """Plain-text problems of the store mapping, for the settings page."""
        self.ensure_one()
        lines = []
        configs = self.env["pos.config"].search([("company_id", "=", self.id)])
        for config in configs:
            if not config.pongo_store_id:
                lines.append(
                    _("%(pos)s: not mapped, Pongo is off there.", pos=config.name)
                )
            elif not config.pongo_store_id.active:
                lines.append(
                    _(
                        "%(pos)s: store %(slug)s no longer exists at Pongo.",
                        pos=config.name,
                        slug=config.pongo_store_id.slug,
                    )
                )
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # Webhooks
    # ------------------------------------------------------------------
    def action_pongo_subscribe_webhooks(self):
        """Subscribe customer.created/updated to this database's webhook URL."""
        self.ensure_one()
        company = self.sudo()
        if company.pongo_webhook_ids:
            self._pongo_unsubscribe_webhooks(raise_errors=False)
        secret = secrets.token_urlsafe(32)
        url = self._pongo_webhook_url()
        ids = []
        for event in C.WEBHOOK_EVENTS:
            answer = self._pongo_call("subscribe_webhook", event, url, secret) or {}
            ids.append(str(answer.get(C.F_ID)))
            secret = answer.get(C.F_SECRET) or secret  # Pongo's, if it chose one
        company.write(
            {"pongo_webhook_secret": secret, "pongo_webhook_ids": ",".join(ids)}
        )
        return self._pongo_notification(
            _("Pongo will send customer changes to %(url)s.", url=url)
        )

    def _pongo_unsubscribe_webhooks(self, raise_errors=True):
        company = self.sudo()
        for webhook_id in filter(None, (company.pongo_webhook_ids or "").split(",")):
            try:
                self._pongo_get_client(interactive=True).unsubscribe_webhook(webhook_id)
            except PongoError as error:
                if raise_errors:
                    raise UserError(
                        _("Pongo: %(error)s", error=error.message)
                    ) from None
                _logger.info("Pongo webhook %s not removed: %s", webhook_id, error)
        company.pongo_webhook_ids = False

    # ------------------------------------------------------------------
    # Initial customer import (background, page by page)
    # ------------------------------------------------------------------
    def action_pongo_import_customers(self):
        self.ensure_one()
        if not self._pongo_is_connected():
            raise UserError(_("This company is not connected to Pongo yet."))
        if self.pongo_import_state in ("queued", "running"):
            raise UserError(_("A customer import is already under way."))
        self.sudo().write(
            {
                "pongo_import_state": "queued",
                "pongo_import_page": 0,
                "pongo_import_pages": 0,
                "pongo_import_total": 0,
                "pongo_import_count": 0,
                "pongo_import_created": 0,
                "pongo_import_message": False,
            }
        )
        wake(self.env, "pos_pongo.ir_cron_pongo_import_customers")
        return self._pongo_notification(
            _("The import of Pongo customers runs in the background.")
        )

    @api.model
    def _cron_pongo_import_customers(self):
        """Import the next page of each company's import under way; returns how
        many pages were imported. The cron's runner commits each run and runs the
        next while pages remain (Odoo's cron progress API), so an import resumes
        where it stopped after a crash or a restart."""
        companies = self.sudo().search(
            [("pongo_import_state", "in", ("queued", "running"))]
        )
        done = sum(company._pongo_import_next_page() for company in companies)
        remaining = sum(
            max((company.pongo_import_pages or 1) - company.pongo_import_page, 1)
            for company in companies
            if company.pongo_import_state in ("queued", "running")
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _pongo_import_next_page(self):
        """Import one page of Pongo customers (the one after the last done);
        1 when a page was imported, else 0."""
        self.ensure_one()
        page = self.pongo_import_page + 1
        try:
            body = self._pongo_get_client().list_customers(
                page=page, per_page=IMPORT_PAGE_SIZE
            )
        except PongoError as error:
            retry = error.retryable
            self.write(
                {
                    "pongo_import_state": "running" if retry else "failed",
                    "pongo_import_message": error.message_in(
                        self.partner_id.lang or "en_US"
                    ),
                }
            )
            if retry:  # Pongo is back in a minute, maybe: the import goes on then
                wake(
                    self.env,
                    "pos_pongo.ir_cron_pongo_import_customers",
                    at=fields.Datetime.add(fields.Datetime.now(), minutes=1),
                )
            return 0
        customers = body.get(C.F_DATA) or []
        created = self.env["res.partner"]._pongo_import_customers(customers, self)
        meta = body.get(C.F_META) or {}
        last_page = meta.get(C.META_LAST_PAGE) or page
        values = {
            "pongo_import_state": "running",
            "pongo_import_page": page,
            "pongo_import_pages": last_page,
            "pongo_import_total": meta.get(C.META_TOTAL) or 0,
            "pongo_import_count": self.pongo_import_count + len(customers),
            "pongo_import_created": self.pongo_import_created + created,
            "pongo_import_message": False,
        }
        if not customers or page >= last_page:
            values["pongo_import_state"] = "done"
            values["pongo_import_message"] = self.env._(
                "%(count)s customers imported, %(created)s new contacts.",
                count=values["pongo_import_count"],
                created=values["pongo_import_created"],
            )
        self.write(values)
        return 1

    # ------------------------------------------------------------------
    # Conformance probe (tools/pongo_probe.py)
    # ------------------------------------------------------------------
    def _pongo_probe(self):
        """Probe this company's Pongo; the report is kept for the settings page."""
        self.ensure_one()
        if not self._pongo_is_connected():
            raise UserError(_("This company is not connected to Pongo yet."))
        store = self.pongo_store_ids[:1]
        try:
            report = pongo_probe.run(
                self._pongo_get_client(),
                environment=self.sudo().pongo_environment,
                store_slug=store.slug or None,
            )
        except pongo_probe.ProbeError as error:
            raise UserError(str(error)) from None
        self.sudo().pongo_probe_report = "%s\n%s" % (
            fields.Datetime.now().isoformat(" ", "seconds"),
            report.text(),
        )
        return report

    def action_pongo_probe(self):
        report = self._pongo_probe()
        if report.ok:
            message, kind = _("Pongo answers as this module expects."), "success"
        else:
            message = _(
                "Pongo differs from what this module expects: see the report "
                "under Pongo Compatibility."
            )
            kind = "warning"
        action = self._pongo_notification(message, kind)
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    # ------------------------------------------------------------------
    # Retention (the autovacuum of pongo.job and pongo.webhook.event)
    # ------------------------------------------------------------------
    @api.constrains("pongo_job_retention_days", "pongo_event_retention_days")
    def _check_pongo_retention_days(self):
        for company in self:
            if (
                min(
                    company.pongo_job_retention_days, company.pongo_event_retention_days
                )
                < 0
            ):
                raise ValidationError(_("A number of days to keep cannot be negative."))
