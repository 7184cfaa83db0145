# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The emulator's seed data (stdlib only): stores, catalogue, customers.

Tests and scripts import the named phones from here instead of copying them,
e.g. ``seed.PHONE_EMMA``; see emulator/README.md for the whole seed.
"""

from __future__ import annotations

from .common import C

# Products of the addon's demo data; the seeded rewards point at these SKUs.
DEMO_SKUS = (
    "CAFE-ESPRESSO",
    "VIENN-CROISSANT",
    "VIENN-PAINCHOC",
    "COOKIE-CHOCO",
    "JUS-ORANGE",
)

SEED_STORES = (
    ("demo-paris", "Café Pongo Démo Paris", "12 rue de Rivoli", "75004", "Paris"),
    ("demo-lyon", "Café Pongo Démo Lyon", "3 place Bellecour", "69002", "Lyon"),
)
# name, description, points, external_id, type, value, store_slugs, customer_tags
SEED_REWARDS = (
    ("Café offert", "Un espresso", 50, "CAFE-ESPRESSO,OTHERPOS-42",
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Viennoiserie offerte", "Croissant ou pain au chocolat", 80,
     "VIENN-CROISSANT,VIENN-PAINCHOC", C.REWARD_FREE_PRODUCT, None, [], []),
    ("Goodies", "Un tote bag Pongo", 30, "ZZZ-NOT-SOLD",
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Bon de 5 €", "5 € de réduction", 100, None,
     C.REWARD_VOUCHER_AMOUNT, 500, [], []),
    ("-10 % sur l'addition", "10 % de réduction", 150, None,
     C.REWARD_VOUCHER_PERCENTAGE, 10, [], []),
    ("Cookie étudiant", "Réservé aux étudiants", 40, "COOKIE-CHOCO",
     C.REWARD_FREE_PRODUCT, None, [], ["student"]),
    ("Jus d'orange lyonnais", "Uniquement à Lyon", 60, "JUS-ORANGE",
     C.REWARD_FREE_PRODUCT, None, ["demo-lyon"], []),
    ("Surprise du chef", "Sans produit associé", 70, None,
     C.REWARD_FREE_PRODUCT, None, [], []),
    ("Visite des cuisines", "Une visite guidée", 300, None,
     C.REWARD_OTHER, None, [], []),
)  # fmt: skip
# The demo customers' phones (international format without "+"); the comments say
# what tests rely on.
PHONE_JEANNE = "33612345601"  # 0 points
PHONE_LOUIS = "33612345602"  # 40 points, SMS opt-in only
PHONE_LUCAS = "33612345603"  # 120 points, owns "Café offert" (bought)
PHONE_EMMA = "33612345604"  # 500 points, owns "Bon de 5 €" (coupon) and 2 more
PHONE_CHLOE = "33612345605"  # 75 points, tag student, Lyon, owns "Cookie étudiant"
PHONE_HUGO = "33612345606"  # 10 points
PHONE_LEA = "33612345607"  # 250 points
PHONE_JULES = "33612345608"  # 1000 points
PHONE_MANON = "33612345609"  # 49 points
PHONE_NATHAN = "33612345610"  # 150 points
# phone, first name, last name, points, sms, email opt-in, tags, store
SEED_CUSTOMERS = (
    (PHONE_JEANNE, "Jeanne", "Martin", 0, True, True, [], "demo-paris"),
    (PHONE_LOUIS, "Louis", "Bernard", 40, True, False, [], "demo-paris"),
    (PHONE_LUCAS, "Lucas", "Thomas", 120, False, True, [], "demo-paris"),
    (PHONE_EMMA, "Emma", "Petit", 500, True, True, ["ambassador"], "demo-paris"),
    (PHONE_CHLOE, "Chloé", "Robert", 75, True, True, ["student"], "demo-lyon"),
    (PHONE_HUGO, "Hugo", "Richard", 10, False, False, [], "demo-lyon"),
    (PHONE_LEA, "Léa", "Durand", 250, True, False, [], "demo-lyon"),
    (PHONE_JULES, "Jules", "Dubois", 1000, False, True, [], "demo-paris"),
    (PHONE_MANON, "Manon", "Moreau", 49, True, True, [], "demo-paris"),
    (PHONE_NATHAN, "Nathan", "Laurent", 150, False, False, [], "demo-lyon"),
)  # fmt: skip
PHONES = tuple(row[0] for row in SEED_CUSTOMERS)
# customer index, reward index, origin, used
SEED_OWNED = (
    (2, 0, C.ORIGIN_BOUGHT, False),
    (3, 3, C.ORIGIN_BOUGHT, False),
    (3, 1, C.ORIGIN_WON, False),
    (3, 0, C.ORIGIN_BOUGHT, True),
    (4, 5, C.ORIGIN_WON, False),
)
SEED_ATTRIBUTES = (
    ("attr_favorite_drink", "Boisson préférée", "string"),
    ("attr_children", "Nombre d'enfants", "number"),
    ("attr_vegetarian", "Végétarien", "boolean"),
    ("attr_anniversary", "Date d'anniversaire d'adhésion", "date"),
)
SEEDS = ("demo", "empty")


def order_payload(order_id, phone, amount=1850, reward_ids=(), store="demo-paris"):
    """A paid order of one espresso line as Pongo's QA list wants it (amounts in
    cents), for the tests and scripts that post orders themselves."""
    return {
        C.F_ORDER_ID: order_id,
        C.F_CHANNEL: C.CHANNEL_POS,
        C.F_DELIVERY_MODE: C.DELIVERY_MODE_ON_SITE,
        C.F_LOYALTY_STORE_SLUG: store,
        C.F_AMOUNT: amount,
        C.F_TAXES_AMOUNT: 114,
        C.F_REWARD_IDS: list(reward_ids),
        C.F_STATUS: C.ORDER_STATUS_COMPLETED,
        C.F_CREATED_AT: "2026-11-26T12:00:00+00:00",
        C.F_DELIVERY_STATUS: C.DELIVERY_STATUS_DELIVERED,
        C.F_LINES: [
            {
                C.F_EXTERNAL_ID: "CAFE-ESPRESSO",
                C.F_NAME: "Espresso",
                C.F_QUANTITY: 1,
                C.F_UNIT_AMOUNT: amount,
                C.F_AMOUNT: amount,
            }
        ],
        C.F_CUSTOMER: {C.F_PHONE: phone},
        C.F_PAYMENTS: [{C.F_METHOD: "card", C.F_AMOUNT: amount}],
    }
