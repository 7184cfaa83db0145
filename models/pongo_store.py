# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PongoStore(models.Model):
    _name = "pongo.store"
    _description = "Pongo Store"
    _order = "name"

    name = fields.Char(required=True)
    slug = fields.Char(
        required=True, index=True, help="Sent to Pongo with every order."
    )
    public_id = fields.Char(string="Pongo ID")
    city = fields.Char()
    country_id = fields.Many2one(
        "res.country",
        help="Country of the store, from Pongo: the region of the phone numbers "
        "typed without their country code at its points of sale.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(
        default=True, help="Archived when Pongo no longer lists this store."
    )
    pos_config_ids = fields.One2many(
        "pos.config", "pongo_store_id", string="Points of Sale"
    )

    _sql_constraints = [
        (
            "slug_company_uniq",
            "unique(slug, company_id)",
            "A Pongo store is listed once.",
        ),
    ]

    def _compute_display_name(self):
        for store in self:
            store.display_name = f"{store.name} ({store.slug})"
