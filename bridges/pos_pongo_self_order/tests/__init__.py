# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_i18n
from . import test_round_trips
from . import test_self_order_security
from . import test_order_rewards
from . import test_kiosk_tours
from . import test_mobile_tours
