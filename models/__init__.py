# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import res_partner
from . import pongo_store
from . import pongo_job
from . import pongo_webhook_event
from . import pongo_deprecation
from . import pos_config
from . import pos_order
from . import loyalty
from . import res_config_settings
from . import barcode_rule
