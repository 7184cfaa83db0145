# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import BaseCase, tagged

from odoo.addons.pos_pongo.tests.test_i18n import FrenchCatalogueChecks


@tagged("post_install", "-at_install")
class TestPongoSelfOrderI18n(FrenchCatalogueChecks, BaseCase):
    module = "pos_pongo_self_order"
