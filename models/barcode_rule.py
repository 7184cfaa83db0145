# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import const as C


class BarcodeRule(models.Model):
    _inherit = "barcode.rule"

    type = fields.Selection(
        selection_add=[("pongo_customer", "Pongo Wallet Pass")],
        ondelete={"pongo_customer": "set default"},
    )

    @api.model
    def _pongo_install_customer_rule(self):
        """The rule of the default nomenclature that tells a Pongo wallet pass
        (it carries the customer id, const.CUSTOMER_ID_PREFIX...) from a product."""
        xmlid = "pos_pongo.barcode_rule_pongo_customer"
        if self.env.ref(xmlid, raise_if_not_found=False):
            return
        rule = self.create(
            {
                "name": "Pongo wallet pass",
                "barcode_nomenclature_id": self.env.ref(
                    "barcodes.default_barcode_nomenclature"
                ).id,
                "sequence": 45,  # before coupons (50) and products
                "type": "pongo_customer",
                "encoding": "any",
                "pattern": C.CUSTOMER_ID_PREFIX,
            }
        )
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": xmlid, "record": rule, "noupdate": True}]
        )
