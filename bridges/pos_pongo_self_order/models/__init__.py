# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import ir_http
from . import pos_config
from . import res_partner
from . import pongo_self_order_lookup
from . import pongo_self_order_identification
from . import pos_order
