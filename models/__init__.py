# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import pos_config
from . import res_config_settings
