# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_setup
from . import test_phone
from . import test_webhook_signature
from . import test_pongo_client
from . import test_frontend
from . import test_order_sync
from . import test_webhook
from . import test_back_office
from . import test_pos_rpc
from . import test_pos_ui
from . import test_cashier_access
from . import test_pos_restaurant
from . import test_i18n
from . import test_probe
from . import test_wire_hedges
from . import test_retention
