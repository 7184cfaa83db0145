# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re
from concurrent.futures import ThreadPoolExecutor

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import const as C
from ..tools.phone import PongoPhoneError, from_pongo_phone, to_e164, to_wire
from ..tools.pongo_client import (
    PongoConflictError,
    PongoError,
    PongoNotFoundError,
    PongoValidationError,
)
from ..tools.singleflight import SingleFlight

_logger = logging.getLogger(__name__)

CONSENT = [("yes", "Yes"), ("no", "No")]
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Pongo field -> field of the POS enlist form
ENLIST_FIELDS = {
    C.F_PHONE: "phone",
    C.F_EMAIL: "email",
    C.F_FIRST_NAME: "first_name",
    C.F_LAST_NAME: "last_name",
    C.F_SMS_OPTIN: "sms_optin",
    C.F_EMAIL_OPTIN: "email_optin",
}
# Loyalty panels asked for at once (double tap, two tills) share one Pongo read.
_panel_reads = SingleFlight()
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
    pongo_consent_date = fields.Datetime(string="Consent Recorded On", copy=False)
    pongo_consent_user_id = fields.Many2one(
        "res.users", string="Consent Recorded By", copy=False
    )
    pongo_consent_pos_config_id = fields.Many2one(
        "pos.config",
        string="Consent Recorded At",
        copy=False,
        help="Point of sale where the consent was asked; empty: back office.",
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

    # ------------------------------------------------------------------
    # Consent proof
    # ------------------------------------------------------------------
    def _pongo_consent_proof(self, vals):
        """Proof stamped when a consent is given or changed (who, when, where)."""
        if not ({"pongo_sms_optin", "pongo_email_optin"} & set(vals)):
            return {}
        return {
            "pongo_consent_date": fields.Datetime.now(),
            "pongo_consent_user_id": self.env.uid,
            "pongo_consent_pos_config_id": self.env.context.get("pongo_pos_config_id")
            or False,
        }

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [{**vals, **self._pongo_consent_proof(vals)} for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        if "pongo_customer_id" in vals and not self.env.context.get("pongo_no_push"):
            self._pongo_check_customer_id(vals["pongo_customer_id"])
        vals = {**vals, **self._pongo_consent_proof(vals)}
        result = super().write(vals)
        if PUSHED_FIELDS & set(vals) and not self.env.context.get("pongo_no_push"):
            self.filtered("pongo_customer_id")._pongo_push_to_pongo()
        return result

    def _pongo_check_customer_id(self, public_id):
        """A person links a contact to a Pongo customer by hand: a manager, with an
        id Pongo knows (a typo would credit another person's account)."""
        if self.env.su:
            return
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                _("Only point of sale managers can change a Pongo customer id.")
            )
        if not public_id:
            return
        company = self.company_id[:1] or self.env.company
        if not company._pongo_is_connected():
            raise UserError(_("Connect the company to Pongo to check this id first."))
        try:
            company._pongo_get_client(interactive=True).get_customer(public_id)
        except PongoNotFoundError:
            raise ValidationError(
                _("Pongo knows no customer %(id)s.", id=public_id)
            ) from None
        except PongoError as error:
            raise UserError(
                _("Pongo could not check this id: %(reason)s", reason=error.message)
            ) from None

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
            values[C.F_PHONE] = to_wire(self.pongo_phone)
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
        Partner = self.sudo().with_context(active_test=False)
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
                to_create.append(values)
        self._pongo_create_partners(to_create, company)
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
        self.with_context(pongo_no_push=True).write(changed)

    @api.model
    def _pongo_create_partners(self, vals_list, company):
        """Create the partners here of Pongo customers in ``company``: nothing
        echoed back to Pongo, no chatter nor follower."""
        return (
            self.sudo()
            .with_context(
                pongo_no_push=True, tracking_disable=True, mail_create_nolog=True
            )
            .create([{**values, "company_id": company.id} for values in vals_list])
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
                    return self._pongo_create_partners([values], company)
            except psycopg2.IntegrityError:
                # Created meanwhile by a concurrent event: update that one.
                partner = self._pongo_find(company, public_id=public_id)
        partner._pongo_write_changes(values)
        return partner.with_env(self.env)

    # ------------------------------------------------------------------
    # Customers at the till (called by the POS through pos.config)
    # ------------------------------------------------------------------
    @api.model
    def _pongo_find_by_phone(self, company, e164):
        """The partner of this number here: one linked to Pongo first."""
        return (
            self.sudo()
            .search(
                [
                    ("pongo_phone", "=", e164),
                    ("company_id", "in", [company.id, False]),
                ],
                order="pongo_customer_id, id",
                limit=1,
            )
            .with_env(self.env)
        )

    @api.model
    def _pongo_fetch_by_phone(self, company, e164, client):
        """The Pongo customer of this number, linked here; raises the client's
        errors (PongoNotFoundError when Pongo does not know the number).

        When nobody here has the number, the partner for it is made while Pongo
        answers, in a savepoint rolled back when Pongo has no such customer: the
        cashier waits for Pongo, not for Pongo then Odoo."""
        local = self._pongo_find_by_phone(company, e164)
        if local:
            return self._pongo_upsert_from_customer(
                client.get_customer_by_phone(to_wire(e164)), company, known=local
            )
        with ThreadPoolExecutor(max_workers=1) as pool:
            answer = pool.submit(client.get_customer_by_phone, to_wire(e164))
            with self.env.cr.savepoint():
                draft = self._pongo_create_partners(
                    [{"name": e164, "mobile": e164}], company
                )
                self.env.flush_all()  # its computed fields too, while waiting
                partner = self._pongo_upsert_from_customer(
                    answer.result(), company, known=draft
                )
                if partner != draft:  # linked here under another number
                    draft.sudo().unlink()
        return partner

    @api.model
    def _pongo_fetch_by_id(self, company, public_id, client):
        """The Pongo customer of a wallet pass, linked here (local first)."""
        partner = self._pongo_find(company, public_id=public_id)
        if partner:
            return partner.with_env(self.env)
        return self._pongo_upsert_from_customer(client.get_customer(public_id), company)

    def _pongo_join_values(self):
        """What the enlist form is prefilled with for this contact."""
        self.ensure_one()
        first, _sep, last = (self.name or "").partition(" ")
        return {
            "partner_id": self.id,
            "phone": self.pongo_phone or self.mobile or self.phone or "",
            "first_name": first,
            "last_name": last,
            "email": self.email or "",
        }

    @api.model
    def _pongo_enlist_check(self, values, country):
        """``(e164, errors)`` of the enlist form: a phone, both consent answers, a
        sound e-mail; errors map form fields to messages."""
        errors = {}
        e164 = False
        try:
            e164 = to_e164(values.get("phone"), country)
        except PongoPhoneError as error:
            errors["phone"] = str(error)
        for key in ("sms_optin", "email_optin"):
            if not isinstance(values.get(key), bool):
                errors[key] = _("Ask the customer and answer yes or no.")
        email = (values.get("email") or "").strip()
        if email and not EMAIL_PATTERN.match(email):
            errors["email"] = _("This e-mail address is not valid.")
        return e164, errors

    @api.model
    def _pongo_enlist_local(self, values, e164, partner=None):
        """The partner values of the enlist form (``partner``: the contact who
        joins, whose name and e-mail stay when none were typed)."""
        names = [(values.get(key) or "").strip() for key in ("first_name", "last_name")]
        email = (values.get("email") or "").strip()
        return {
            "name": " ".join(n for n in names if n)
            or (partner and partner.name)
            or e164,
            "mobile": e164,
            "email": email or (partner and partner.email) or False,
            "pongo_sms_optin": "yes" if values["sms_optin"] else "no",
            "pongo_email_optin": "yes" if values["email_optin"] else "no",
        }

    @api.model
    def _pongo_save_enlisted(self, config, vals, partner=None):
        """The enlisted customer here: ``partner`` (or the contact of the number)
        takes ``vals``, else a new contact is made; the consent proof names this
        point of sale, and nothing is pushed back to Pongo."""
        Partner = self.sudo().with_context(
            pongo_pos_config_id=config.id, pongo_no_push=True
        )
        partner = partner or Partner._pongo_find_by_phone(
            config.company_id, vals["mobile"]
        )
        if partner:
            partner.sudo().with_context(
                pongo_pos_config_id=config.id, pongo_no_push=True
            ).write(vals)
        else:
            partner = Partner._pongo_create_partners([vals], config.company_id)
        return partner.with_env(self.env)

    @api.model
    def _pongo_enlist(self, config, values, e164, client, partner=None):
        """Enlist at Pongo and here, with both consents and their proof.

        ``partner``: the contact already here who joins. Returns ``(status,
        partner)``: ``created``; ``linked`` when Pongo already had this number (the
        answers given now are kept); raises the client's other errors (nothing is
        created then).
        """
        local = self._pongo_enlist_local(values, e164, partner)
        payload = {
            C.F_PHONE: to_wire(e164),
            C.F_REFERENCE_STORE_SLUG: config.pongo_store_slug,
            C.F_FIRST_NAME: (values.get("first_name") or "").strip() or None,
            C.F_LAST_NAME: (values.get("last_name") or "").strip() or None,
            C.F_EMAIL: (values.get("email") or "").strip() or None,
            C.F_SMS_OPTIN: values["sms_optin"],
            C.F_EMAIL_OPTIN: values["email_optin"],
        }
        status = "created"
        try:
            customer = client.create_customer(payload)
        except (PongoConflictError, PongoValidationError) as error:
            # Already a member (Pongo says so one way or another): link them.
            phone_refused = isinstance(error, PongoValidationError) and (
                C.F_PHONE in error.errors
            )
            if isinstance(error, PongoValidationError) and not phone_refused:
                raise
            try:
                customer = client.get_customer_by_phone(to_wire(e164))
            except PongoNotFoundError:
                raise error from None
            status = "linked"
        found = self._pongo_find(
            config.company_id, public_id=customer.get(C.F_PUBLIC_ID)
        )
        vals = {**local, **self._pongo_values_from_customer(customer)}
        if status == "linked":
            # Pongo's name and e-mail win; the consents answered now are the latest.
            vals.update(
                {key: local[key] for key in ("pongo_sms_optin", "pongo_email_optin")}
            )
        partner = self._pongo_save_enlisted(config, vals, found or partner)
        if status == "linked" and any(
            customer.get(wire) is not values[key]
            for wire, key in (
                (C.F_SMS_OPTIN, "sms_optin"),
                (C.F_EMAIL_OPTIN, "email_optin"),
            )
        ):
            partner._pongo_push_to_pongo()  # the answers given now reach Pongo
        return status, partner

    @api.model
    def _pongo_enlist_offline(self, config, values, e164, partner=None):
        """Pongo cannot be reached: keep the customer here with both consents; the
        order enlists them at Pongo when it is sent."""
        vals = self._pongo_enlist_local(values, e164, partner)
        return self._pongo_save_enlisted(config, vals, partner)

    def _pongo_loyalty_reads(self, config, client):
        """``(customer, catalogue, owned)`` from Pongo: three calls in parallel, and
        one read for panels asked for at the same moment (a double tap, two tills)."""
        self.ensure_one()
        public_id, slug = self.pongo_customer_id, config.pongo_store_slug

        def read():
            with ThreadPoolExecutor(max_workers=3) as pool:
                calls = [
                    pool.submit(client.get_customer, public_id),
                    pool.submit(client.get_rewards, public_id, slug),
                    pool.submit(client.get_customer_rewards, public_id, False),
                ]
                return tuple(call.result() for call in calls)

        key = (self.env.cr.dbname, config.company_id.id, public_id, slug)
        return _panel_reads.run(key, read)

    def _pongo_remember_points(self, points):
        """Keep the last known balance, in its own short transaction: a panel never
        collides with another writer of the partner (a webhook, another till), and a
        collision costs nothing but this cache."""
        self.ensure_one()
        if not isinstance(points, int) or self.pongo_points == points:
            return
        now = fields.Datetime.now()
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '200ms'")
                cr.execute(
                    """UPDATE res_partner SET pongo_points = %s, pongo_points_date = %s
                        WHERE id = %s""",
                    [points, now, self.id],
                )
        except psycopg2.Error as error:
            _logger.info("Pongo points of partner %s not kept: %s", self.id, error)
            return
        self._update_cache({"pongo_points": points, "pongo_points_date": now})

    @api.model
    def _load_pos_data_fields(self, config_id):
        # Only what the POS screen reads: every partner it loads carries them.
        return [
            *super()._load_pos_data_fields(config_id),
            "pongo_customer_id",
            "pongo_points",
        ]
