# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own POS tour suites with pos_pongo active on their point of sale.

The same tests as ``point_of_sale``'s ``TestUi`` and ``pos_restaurant``'s
``TestFrontend``; after each class's set-up, its company is connected to a Pongo
emulator and its main point of sale is mapped to a Pongo store. Run by
``make compat`` (scripts/run_compat.py).
"""

import importlib.util
import os
from urllib.parse import urlparse

from odoo.tests import common

from odoo.addons.point_of_sale.tests import test_frontend as pos_frontend
from odoo.addons.pos_restaurant.tests import test_frontend as restaurant_frontend

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def _emulator_class():
    path = os.path.join(ROOT, "emulator", "process.py")
    spec = importlib.util.spec_from_file_location("pos_pongo_emulator_process", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EmulatorProcess


class PongoActive:
    """After the suite's set-up: its company uses the emulator, its POS a store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = _emulator_class()()
        cls.addClassCleanup(cls.emulator.stop)
        config = cls.main_pos_config
        config.company_id.sudo().write(
            {
                "pongo_environment": "custom",
                "pongo_custom_url": cls.emulator.url,
                "pongo_client_id": "pongo-demo-client",
                "pongo_client_secret": "pongo-demo-secret",
                "pongo_access_token": cls.emulator.issue_token(),
            }
        )
        config.pongo_store_id = cls.env["pongo.store"].create(
            {"name": "Paris", "slug": "demo-paris", "company_id": config.company_id.id}
        )

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's tests block outgoing HTTP; the emulator is on loopback.
        if urlparse(r.url).hostname in ("127.0.0.1", "localhost"):
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def test_pongo_is_active(self):
        """The suite really runs with Pongo on: the POS is mapped, the token works."""
        self.assertTrue(self.main_pos_config.pongo_store_id)
        self.assertTrue(self.main_pos_config.company_id.pongo_access_token)


class TestUiPongoActive(PongoActive, pos_frontend.TestUi):
    pass


class TestFrontendPongoActive(PongoActive, restaurant_frontend.TestFrontend):
    pass
