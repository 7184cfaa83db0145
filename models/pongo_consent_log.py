# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""History of the marketing consents: one row per answer that changed."""

from odoo import api, fields, models

CONSENT = [("yes", "Yes"), ("no", "No")]
# Partner field -> channel of the consent
CONSENT_FIELDS = {"pongo_sms_optin": "sms", "pongo_email_optin": "email"}
SOURCES = [
    ("pos", "Point of Sale"),
    ("back_office", "Back Office"),
    ("pongo_webhook", "Pongo (webhook)"),
    ("pongo_import", "Pongo (import)"),
    ("pongo_lookup", "Pongo (customer look-up)"),
]
PONGO_SOURCES = {"pongo_webhook", "pongo_import", "pongo_lookup"}


class PongoConsentLog(models.Model):
    _name = "pongo.consent.log"
    _description = "Pongo Consent Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, index="btree_not_null"
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    channel = fields.Selection(
        [("sms", "SMS"), ("email", "E-mail")], required=True, readonly=True
    )
    old_value = fields.Selection(
        CONSENT, string="Before", readonly=True, help="Empty: never answered."
    )
    new_value = fields.Selection(CONSENT, string="After", readonly=True)
    source = fields.Selection(SOURCES, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        readonly=True,
        help="Empty when the answer came from Pongo.",
    )
    pos_config_id = fields.Many2one(
        "pos.config", string="Point of Sale", readonly=True, ondelete="set null"
    )

    @api.model
    def _pongo_source(self):
        """``(source, user id, point of sale id)`` of a change made in this env.

        A Pongo source is taken from the context only in a sudo env (the
        webhook, the import and the look-ups run so): a browser cannot claim one.
        """
        context = self.env.context
        source = context.get("pongo_consent_source")
        if self.env.su and source in PONGO_SOURCES:
            return source, False, False
        config_id = context.get("pongo_pos_config_id")
        if isinstance(config_id, int) and config_id:
            config = self.env["pos.config"].sudo().browse(config_id).exists()
            if config:
                return "pos", self.env.uid, config.id
        return "back_office", self.env.uid, False

    @api.model
    def _pongo_record(self, changes):
        """Log ``changes`` (``(partner, field, old, new)``) made in this env and
        stamp their partners with the proof of the last change."""
        if not changes:
            return
        source, user_id, config_id = self._pongo_source()
        now = fields.Datetime.now()
        self.sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "channel": CONSENT_FIELDS[field],
                    "old_value": old,
                    "new_value": new,
                    "source": source,
                    "user_id": user_id,
                    "pos_config_id": config_id,
                    "date": now,
                }
                for partner, field, old, new in changes
            ]
        )
        partners = self.env["res.partner"].browse(
            dict.fromkeys(partner.id for partner, *_rest in changes)
        )
        partners.sudo().with_context(tracking_disable=True).write(
            {
                "pongo_consent_date": now,
                "pongo_consent_source": source,
                "pongo_consent_user_id": user_id,
                "pongo_consent_pos_config_id": config_id,
            }
        )
