# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

KEEP_DAYS = 30  # a notice Pongo no longer sends is forgotten after this


def _header_date(value):
    """The date of a Deprecation ("@<unix ts>" or HTTP date) or Sunset header."""
    value = (value or "").strip()
    try:
        if value.startswith("@"):
            return datetime.fromtimestamp(int(value[1:]), timezone.utc).date()
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


class PongoDeprecation(models.Model):
    """A route Pongo marked deprecated (Deprecation/Sunset headers, RFC 9745 and
    8594), as the client last saw it; shown on the settings page."""

    _name = "pongo.deprecation"
    _description = "Pongo Deprecated Route"
    _order = "last_seen desc, path"

    base_url = fields.Char(string="Pongo API", required=True)
    method = fields.Char(required=True)
    path = fields.Char(required=True)
    deprecation = fields.Char(help="Deprecation header as received.")
    sunset = fields.Char(help="Sunset header as received.")
    link = fields.Char(help="Link with rel=deprecation: Pongo's notice.")
    last_seen = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("route_unique", "unique(base_url, method, path)", "One notice per route."),
    ]

    @api.model
    def _pongo_record_now(self, notice):
        """Keep a notice of the client (pongo_client.deprecation_notice) in its own
        transaction: the call's may roll back, and the client notes it once a day."""
        route = {key: notice[key] for key in ("base_url", "method", "path")}
        values = {key: notice.get(key) for key in ("deprecation", "sunset", "link")}
        values["last_seen"] = fields.Datetime.now()
        with self.env.registry.cursor() as cr:
            Notice = api.Environment(cr, SUPERUSER_ID, {})[self._name]
            found = Notice.search([(key, "=", value) for key, value in route.items()])
            if found:
                found.write(values)
            else:
                Notice.create({**route, **values})

    @api.autovacuum
    def _gc_stale_notices(self):
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.search([("last_seen", "<", limit)]).unlink()

    def _pongo_describe(self):
        """One line for the settings page."""
        self.ensure_one()
        parts = [
            _("%(method)s %(path)s is deprecated", method=self.method, path=self.path)
        ]
        since = _header_date(self.deprecation)
        if since:
            parts.append(_("since %(date)s", date=format_date(self.env, since)))
        sunset = _header_date(self.sunset)
        if sunset:
            parts.append(_("removed on %(date)s", date=format_date(self.env, sunset)))
        elif self.sunset:
            parts.append(_("removed on %(date)s", date=self.sunset))
        if self.link:
            parts.append(_("details: %(url)s", url=self.link))
        return ", ".join(parts)

    @api.model
    def _pongo_report(self, base_url):
        """The notices of one Pongo API, one per line ("" when none)."""
        notices = (
            self.sudo().search([("base_url", "=", base_url)]) if base_url else self
        )
        return "\n".join(notice._pongo_describe() for notice in notices)
