# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import psycopg2

from odoo import api, fields, models

from .. import const as C
from ..tools.phone import PongoPhoneError, from_pongo_phone, to_e164, to_pongo_phone
from .pongo_consent_log import CONSENT, CONSENT_FIELDS, SOURCES

_logger = logging.getLogger(__name__)

# Partner fields whose change is pushed to Pongo for a linked customer.
PUSHED_FIELDS = {
    "name",
    "email",
    "phone",
    "mobile",
    "pongo_sms_optin",
    "pongo_email_optin",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    pongo_customer_id = fields.Char(index="btree_not_null", copy=False)
    pongo_phone = fields.Char(
        string="Pongo Phone (E.164)",
        compute="_compute_pongo_phone",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Mobile (or phone) in E.164, the key that links a partner to Pongo.",
    )
    pongo_sms_optin = fields.Selection(
        CONSENT, string="SMS Marketing Consent", copy=False
    )
    pongo_email_optin = fields.Selection(
        CONSENT, string="E-mail Marketing Consent", copy=False
    )
    # Proof of the last change of an answer; each change is in the consent log.
    pongo_consent_date = fields.Datetime(
        string="Consent Recorded On", copy=False, readonly=True
    )
    pongo_consent_source = fields.Selection(
        SOURCES, string="Consent Source", copy=False, readonly=True
    )
    pongo_consent_user_id = fields.Many2one(
        "res.users", string="Consent Recorded By", copy=False, readonly=True
    )
    pongo_consent_pos_config_id = fields.Many2one(
        "pos.config",
        string="Consent Recorded At",
        copy=False,
        readonly=True,
        help="Point of sale of the last answer; empty: back office or Pongo.",
    )
    pongo_consent_log_ids = fields.One2many(
        "pongo.consent.log",
        "partner_id",
        string="Consent History",
        readonly=True,
        groups="point_of_sale.group_pos_user",
    )
    pongo_points = fields.Integer(copy=False, readonly=True)
    pongo_points_date = fields.Datetime(
        string="Points Read On", copy=False, readonly=True
    )

    @api.depends("mobile", "phone", "country_id", "company_id")
    def _compute_pongo_phone(self):
        for partner in self:
            partner.pongo_phone = partner._pongo_normalized_phone()

    def _pongo_default_country(self):
        return (
            self.country_id or self.company_id.country_id or self.env.company.country_id
        )

    def _pongo_normalized_phone(self):
        self.ensure_one()
        for number in (self.mobile, self.phone):
            if number:
                try:
                    return to_e164(number, self._pongo_default_country())
                except PongoPhoneError:
                    continue
        return False

    def _auto_init(self):
        result = super()._auto_init()
        # One partner per Pongo customer and company (shared partners, no company,
        # count as one), also under concurrent creation: the upsert catches the
        # violation and updates the winner.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS res_partner_pongo_customer_company_uniq
                ON res_partner
                (pongo_customer_id, COALESCE(company_id, 0))
                WHERE pongo_customer_id IS NOT NULL"""
        )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        self.env["pongo.consent.log"]._pongo_record(  # answers given at creation
            [
                (partner, field, False, vals[field])
                for partner, vals in zip(partners, vals_list, strict=True)
                for field in CONSENT_FIELDS
                if vals.get(field)
            ]
        )
        return partners

    def write(self, vals):
        consent_changes = [  # only the answers that change
            (partner, field, partner[field], vals[field] or False)
            for field in CONSENT_FIELDS
            if field in vals
            for partner in self
            if partner[field] != (vals[field] or False)
        ]
        result = super().write(vals)
        self.env["pongo.consent.log"]._pongo_record(consent_changes)
        if PUSHED_FIELDS & set(vals) and not self.env.context.get("pongo_no_push"):
            self.filtered("pongo_customer_id")._pongo_push_to_pongo()
        return result

    # ------------------------------------------------------------------
    # Pongo <-> Odoo
    # ------------------------------------------------------------------
    def _pongo_push_to_pongo(self):
        """Queue an update of the linked Pongo customers, sent after commit."""
        jobs = self.env["pongo.job"].sudo()
        for partner in self:
            company = partner.company_id or self.env.company
            jobs._enqueue_customer_update(partner, company)

    def _pongo_customer_payload(self):
        """What Pongo needs to create or update this customer."""
        self.ensure_one()
        first, _sep, last = (self.name or "").partition(" ")
        values = {
            C.F_FIRST_NAME: first or None,
            C.F_LAST_NAME: last or None,
            C.F_EMAIL: self.email or None,
        }
        if self.pongo_phone:
            values[C.F_PHONE] = self.pongo_phone.lstrip("+")
        for field, wire in (
            ("pongo_sms_optin", C.F_SMS_OPTIN),
            ("pongo_email_optin", C.F_EMAIL_OPTIN),
        ):
            if self[field]:
                values[wire] = self[field] == "yes"
        return values

    @api.model
    def _pongo_values_from_customer(self, customer):
        """Partner values from a Pongo customer (only what Pongo knows)."""
        values = {
            "pongo_customer_id": customer.get(C.F_PUBLIC_ID),
            "pongo_points": customer.get(C.F_POINTS) or 0,
            "pongo_points_date": fields.Datetime.now(),
        }
        name = " ".join(
            part
            for part in (customer.get(C.F_FIRST_NAME), customer.get(C.F_LAST_NAME))
            if part
        )
        if name:
            values["name"] = name
        if customer.get(C.F_EMAIL):
            values["email"] = customer[C.F_EMAIL]
        phone = from_pongo_phone(customer.get(C.F_PHONE))
        if phone:
            values["mobile"] = phone
        for wire, field in (
            (C.F_SMS_OPTIN, "pongo_sms_optin"),
            (C.F_EMAIL_OPTIN, "pongo_email_optin"),
        ):
            if isinstance(customer.get(wire), bool):
                values[field] = "yes" if customer[wire] else "no"
        return values

    @api.model
    def _pongo_find(self, company, public_id=None, phone=None):
        """The local partner of a Pongo customer: by public id, then by E.164
        phone among partners not yet linked to Pongo."""
        company_domain = [("company_id", "in", [company.id, False])]
        partners = self.with_context(active_test=False).sudo()
        # Found beforehand for a batch (webhook events): same search, one query.
        known = self.env.context.get("pongo_known_partners") or {}
        if public_id and (company.id, public_id) in known:
            return partners.browse(known[(company.id, public_id)])
        if public_id:
            partner = partners.search(
                [("pongo_customer_id", "=", public_id), *company_domain], limit=1
            )
            if partner:
                return partner
        if phone:
            return partners.search(
                [
                    ("pongo_phone", "=", phone),
                    ("pongo_customer_id", "=", False),
                    *company_domain,
                ],
                order="id",
                limit=1,
            )
        return partners.browse()

    @api.model
    def _pongo_import_customers(self, customers, company):
        """Upsert one page of Pongo customers in two searches and one batch create;
        returns how many partners were created."""
        Partner = self.sudo().with_context(
            active_test=False,
            pongo_no_push=True,
            tracking_disable=True,  # no chatter for a bulk import
            mail_create_nolog=True,
            pongo_consent_source="pongo_import",
        )
        company_domain = [("company_id", "in", [company.id, False])]
        ids = [c.get(C.F_PUBLIC_ID) for c in customers if c.get(C.F_PUBLIC_ID)]
        phones = [from_pongo_phone(c.get(C.F_PHONE)) for c in customers]
        by_id = {
            p.pongo_customer_id: p
            for p in Partner.search([("pongo_customer_id", "in", ids), *company_domain])
        }
        by_phone = {}
        for partner in Partner.search(
            [
                ("pongo_phone", "in", [phone for phone in phones if phone]),
                ("pongo_customer_id", "=", False),
                *company_domain,
            ],
            order="id desc",
        ):
            by_phone[partner.pongo_phone] = partner  # the oldest one wins
        to_create = []
        for customer, phone in zip(customers, phones, strict=True):
            values = self._pongo_values_from_customer(customer)
            partner = by_id.get(values["pongo_customer_id"]) or by_phone.pop(
                phone, None
            )
            if partner:
                partner._pongo_write_changes(values)
            else:
                values.setdefault("name", phone or values["pongo_customer_id"])
                to_create.append({**values, "company_id": company.id})
        Partner.create(to_create)
        return len(to_create)

    def _pongo_write_changes(self, values):
        """Write what Pongo changed (a number written another way is no change)."""
        self.ensure_one()
        if values.get("mobile") and values["mobile"] == self.pongo_phone:
            values = {k: v for k, v in values.items() if k != "mobile"}
        changed = {
            name: value
            for name, value in values.items()
            if name == "pongo_points_date" or self[name] != value
        }
        if "yes" in (changed.get(field) for field in CONSENT_FIELDS):
            changed = self._pongo_without_stale_consent(changed)
        self.with_context(
            pongo_no_push=True, pongo_consent_source=self._pongo_consent_source()
        ).write(changed)

    def _pongo_consent_source(self):
        """Source of consents written from Pongo: a look-up unless said otherwise."""
        return self.env.context.get("pongo_consent_source") or "pongo_lookup"

    def _pongo_without_stale_consent(self, values):
        """While a change made here is not yet at Pongo, Pongo's copy is older: its
        "yes" does not replace a "no" given here (in doubt, no consent)."""
        unsent = (
            self.env["pongo.job"]
            .sudo()
            .search_count(
                [
                    ("job_type", "=", "customer_update"),
                    ("partner_id", "=", self.id),
                    ("state", "=", "pending"),
                ],
                limit=1,
            )
        )
        if not unsent:
            return values
        return {
            name: value
            for name, value in values.items()
            if not (name in CONSENT_FIELDS and value == "yes" and self[name] == "no")
        }

    @api.model
    def _pongo_create_copy(self, values, company):
        """Create a local copy of a Pongo customer in ``company``: nothing echoed
        back to Pongo, no chatter nor follower."""
        return (
            self.sudo()
            .with_context(
                pongo_no_push=True,
                tracking_disable=True,
                pongo_consent_source=self._pongo_consent_source(),
            )
            .create({**values, "company_id": company.id})
            .with_env(self.env)
        )

    @api.model
    def _pongo_upsert_from_customer(self, customer, company, known=None):
        """Create or update the local partner of a Pongo customer; never duplicates.
        Only changed values are written, and nothing is echoed back to Pongo.
        ``known``: the partner of its number here, already found by the caller."""
        values = self._pongo_values_from_customer(customer)
        phone = from_pongo_phone(customer.get(C.F_PHONE))
        public_id = values["pongo_customer_id"]
        if known and known.pongo_phone == phone:
            partner = self._pongo_find(company, public_id=public_id) or known.sudo()
        else:
            partner = self._pongo_find(company, public_id=public_id, phone=phone)
        if not partner:
            values.setdefault("name", phone or public_id)
            try:
                with self.env.cr.savepoint():
                    return self._pongo_create_copy(values, company)
            except psycopg2.IntegrityError:
                # Created meanwhile by a concurrent event: update that one.
                partner = self._pongo_find(company, public_id=public_id)
        partner._pongo_write_changes(values)
        return partner.with_env(self.env)

    @api.model
    def _pongo_phone_for_wire(self, number, company):
        """Pongo's phone format for ``number`` typed in any usual form."""
        return to_pongo_phone(number, company.country_id)

    @api.model
    def _load_pos_data_fields(self, config_id):
        # Only what the POS screen reads: every partner it loads carries them.
        return [
            *super()._load_pos_data_fields(config_id),
            "pongo_customer_id",
            "pongo_points",
        ]
