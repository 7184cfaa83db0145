# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every Pongo wire name, path and enum, in one place.

Tags follow ../shared/pongo/API.md: [C] confirmed, [D] deduced, [U] our assumption;
[hedge]: Pongo's documents disagree and both forms are sent.
A wrong [U] name is fixed here only: the client, the models and the emulator
all read this module. It imports nothing from Odoo so the emulator can load it.
"""

# ---------------------------------------------------------------------------
# Environments
# ---------------------------------------------------------------------------
ENV_SANDBOX = "sandbox"
ENV_PRODUCTION = "production"
ENV_CUSTOM = "custom"
BASE_URLS = {
    ENV_SANDBOX: "https://sandbox-api.heypongo.com",  # [C]
    ENV_PRODUCTION: "https://api.heypongo.com",  # [C]
}

# ---------------------------------------------------------------------------
# Paths (format with keyword arguments)
# ---------------------------------------------------------------------------
PATH_OAUTH_FORM = "/v1/oauth/form"  # [C]
PATH_OAUTH_TOKEN = "/v1/oauth/token"  # [U]
PATH_OAUTH_TEST = "/v1/oauth/test"  # [U]
PATH_OAUTH_ME = "/v1/oauth/me"  # [C]
PATH_CHECKINS = "/v1/checkins"  # [U]
PATH_CUSTOMER_ATTRIBUTES = "/v1/customers/attributes"  # [U]
PATH_CUSTOMER_ATTRIBUTE_VALUES = "/v1/customers/{customer}/attributes"  # [U]
PATH_CUSTOMER_ATTRIBUTE_VALUE = "/v1/customers/{customer}/attributes/{attribute}"  # [U]
PATH_CUSTOMER_TAGS = "/v1/customers/tags"  # [U]
PATH_CUSTOMER_BY_PHONE = "/v1/customers/phone/{phone}"  # [U]
PATH_CUSTOMERS = "/v1/customers"  # [U]
PATH_CUSTOMER = "/v1/customers/{customer}"  # [U]
PATH_CUSTOMER_REWARDS = "/v1/customers/{customer}/rewards"  # [U]
PATH_ORDERS = "/v1/orders"  # [U]
PATH_ORDER_STATUS = "/v1/orders/{order_id}/status"  # [U]
PATH_REWARDS = "/v1/rewards"  # [C]
# {reward} is the catalogue reward id for "buy", and the id of the reward the
# customer owns (CustomerReward.public_id) for "use" and "lock". [U]
PATH_REWARD_BUY = "/v1/rewards/{reward}/buy"  # [U]
PATH_REWARD_USE = "/v1/rewards/{reward}/use"  # [U]
PATH_REWARD_LOCK = "/v1/rewards/{reward}/lock"  # [U]
PATH_STORES = "/v1/stores"  # [U]
PATH_WEBHOOKS = "/v1/webhooks"  # [C]
PATH_WEBHOOK = "/v1/webhooks/{webhook}"  # [U]

# ---------------------------------------------------------------------------
# OAuth
# ---------------------------------------------------------------------------
OAUTH_PARAM_CLIENT_ID = "client_id"  # [C]
OAUTH_PARAM_STATE = "state"  # [C]
OAUTH_PARAM_REDIRECT_URI = "redirect_uri"  # [C]
OAUTH_PARAM_SCOPE = "scope"  # [C]
OAUTH_PARAM_CODE = "code"  # [U] name of the code in the redirect query
OAUTH_SCOPE_SEPARATOR = ","  # [C]
SCOPE_CUSTOMER_CREATE = "customer.create"  # [C]
SCOPE_CUSTOMER_READ = "customer.read"  # [C]
SCOPE_CUSTOMER_UPDATE = "customer.update"  # [C]
SCOPE_REWARD_READ = "reward.read"  # [C]
SCOPE_REWARD_UPDATE = "reward.update"  # [C]
SCOPE_ORDER_CREATE = "order.create"  # [C]
SCOPE_ORDER_READ = "order.read"  # [C]
SCOPE_ORDER_UPDATE = "order.update"  # [C]
SCOPE_CHECKIN_CREATE = "checkin.create"  # [C]
OAUTH_SCOPES = (  # [C] the documented basic scopes we need
    SCOPE_CUSTOMER_CREATE,
    SCOPE_CUSTOMER_READ,
    SCOPE_CUSTOMER_UPDATE,
    SCOPE_REWARD_READ,
    SCOPE_REWARD_UPDATE,
    SCOPE_ORDER_CREATE,
    SCOPE_ORDER_READ,
    SCOPE_ORDER_UPDATE,
    SCOPE_CHECKIN_CREATE,
)
TOKEN_GRANT_TYPE = "grant_type"  # [D]
TOKEN_GRANT_CODE = "client_credentials"  # [C] Pongo pairs this grant with the code
TOKEN_GRANT_PASSWORD = "password"  # [C]
TOKEN_GRANT_REFRESH = "refresh_token"  # [U] Passport convention
TOKEN_CLIENT_ID = "client_id"  # [D]
TOKEN_CLIENT_SECRET = "client_secret"  # [D]
TOKEN_CODE = "code"  # [D]
TOKEN_REFRESH_TOKEN = "refresh_token"  # [U]
TOKEN_ACCESS_TOKEN = "access_token"  # [U]
TOKEN_EXPIRES_IN = "expires_in"  # [U]
TOKEN_TYPE = "token_type"  # [U]
TOKEN_TYPE_BEARER = "Bearer"  # [U]

HEADER_AUTHORIZATION = "Authorization"  # [C]
HEADER_RETRY_AFTER = "Retry-After"
HEADER_SIGNATURE = "Pongo-Signature"  # [C]
# Pongo's public Laravel middleware marks deprecated routes [C] (API.md §12):
# Deprecation (RFC 9745: "true", "@<unix ts>" or an HTTP date), Sunset (RFC 8594:
# an HTTP date) and Link: <url>; rel="deprecation".
HEADER_DEPRECATION = "Deprecation"  # [C]
HEADER_SUNSET = "Sunset"  # [C]
HEADER_LINK = "Link"  # [C]
LINK_REL_DEPRECATION = "deprecation"  # [C]
SIGNATURE_TIMESTAMP = "t"  # [C]
SIGNATURE_V1 = "v1"  # [C]

# ---------------------------------------------------------------------------
# Body and query fields
# ---------------------------------------------------------------------------
F_PUBLIC_ID = "public_id"  # [C]
# The wallet pass QR/barcode carries the customer id, "which starts by cust_"
# (POS guide) [C]; the rest of its format is not documented [U].
CUSTOMER_ID_PREFIX = "cust_"
CUSTOMER_ID_PATTERN = r"^cust_[A-Za-z0-9_-]{4,64}$"
F_SLUG = "slug"  # [C]
F_NAME = "name"  # [U]
F_PHONE = "international_phone_number"  # [D]
F_EMAIL = "email"  # [U]
F_FIRST_NAME = "first_name"  # [U]
F_LAST_NAME = "last_name"  # [U]
F_SMS_OPTIN = "has_sms_optin"  # [U] name, [C] concept
F_EMAIL_OPTIN = "has_email_optin"  # [U] name, [C] concept
F_OPTIN = "has_optin"  # [C] older single opt-in of the guides
F_POINTS = "points"  # [U]
F_TAGS = "tags"  # [C]
F_REFERENCE_STORE_SLUG = "reference_store_slug"  # [D]
F_REFERENCE_STORE_ID = "reference_store_id"  # [U]
F_GENDER = "gender"  # [U]
F_BIRTHDAY = "birthday"  # [U]
F_PIN = "pin"  # [U]
F_CREATED_AT = "created_at"  # [U]
F_UPDATED_AT = "updated_at"  # [U]
F_DATA = "data"  # [U] Laravel resources
F_MESSAGE = "message"  # [U]
F_ERRORS = "errors"  # [U]
F_META = "meta"  # [U]
F_LINKS = "links"  # [U]
F_ID = "id"  # [U]

F_IMAGE_URL = "image_url"  # [U]
F_ADDRESS = "address"  # [U]
F_POSTAL_CODE = "postal_code"  # [U]
F_CITY = "city"  # [U]
F_COUNTRY = "country"  # [U]
F_MERCHANT = "merchant"  # [U] in /v1/oauth/me
F_SCOPES = "scopes"  # [U] in /v1/oauth/me
GENDERS = ("man", "woman", "undisclosed", "other")  # [C] values

# Pagination (Laravel paginator) [U]
Q_PAGE = "page"
Q_PER_PAGE = "per_page"
Q_PHONE = "phone"
Q_EMAIL = "email"
Q_TAG = "tag"
Q_UPDATED_SINCE = "updated_since"
META_CURRENT_PAGE = "current_page"
META_LAST_PAGE = "last_page"
META_TOTAL = "total"
META_FROM = "from"
META_TO = "to"
META_PATH = "path"
META_PER_PAGE = "per_page"
LINK_FIRST = "first"
LINK_LAST = "last"
LINK_PREV = "prev"
LINK_NEXT = "next"

# Rewards
F_CUSTOMER = (
    "customer"  # [C] meaning, [U] name (body of buy/use/lock, query of GET rewards)
)
F_STORE_SLUG = "store_slug"  # [D]
F_USED = "used"  # [D]
F_USED_AT = "used_at"  # [U]
F_LOCKED = "locked"  # [U]
F_REWARD = "reward"  # [U] catalogue item embedded in a CustomerReward
F_ORIGIN = "origin"  # [U]
F_COUPON_CODE = "coupon_code"  # [C] named by the POS guide
F_EXTERNAL_ID = "external_id"  # [C] comma-separated SKUs
F_REWARD_TYPE = "type"  # [U]
F_VALUE = "value"  # [U]
F_STORE_SLUGS = "store_slugs"  # [D]
F_CUSTOMER_TAGS = "customer_tags"  # [D]
F_DESCRIPTION = "description"  # [U]
F_EXPIRES_AT = "expires_at"  # [U]
Q_MIN_POINTS = "min_points"  # [U]
Q_MAX_POINTS = "max_points"  # [U]
SKU_SEPARATOR = ","  # [C]

REWARD_FREE_PRODUCT = "free_product"  # [C] named by the POS guide
REWARD_VOUCHER_PREFIX = "voucher_"  # [C] "voucher_*" in the POS guide
REWARD_VOUCHER_AMOUNT = "voucher_amount"  # [U] value in cents
REWARD_VOUCHER_PERCENTAGE = "voucher_percentage"  # [U] value in percent
REWARD_OTHER = "other"  # [U]
REWARD_TYPES = (
    REWARD_FREE_PRODUCT,
    REWARD_VOUCHER_AMOUNT,
    REWARD_VOUCHER_PERCENTAGE,
    REWARD_OTHER,
)
ORIGIN_BOUGHT = "bought"  # [U]
ORIGIN_WON = "won"  # [U]

# Orders
F_ORDER_ID = "order_id"  # [D]
F_PARTNER_ORDER_ID = "partner_order_id"  # [U]
F_CHANNEL = "channel"  # [U]
F_DELIVERY_MODE = "delivery_mode"  # [U]
F_LOYALTY_STORE_SLUG = "loyalty_store_slug"  # [D]
F_AMOUNT = "amount"  # [U] cents
F_TAXES_AMOUNT = "taxes_amount"  # [U] cents
F_REWARD_IDS = "reward_ids"  # [C]
F_STATUS = "status"  # [C]
F_DELIVERY_STATUS = "delivery_status"  # [U]
F_LINES = "lines"  # [C]
F_PAYMENTS = "payments"  # [C]
F_DEVICE_ID = "device_id"  # [U]
F_DEVICE_NAME = "device_name"  # [U]
F_QUANTITY = "quantity"  # [U]
F_UNIT_AMOUNT = "unit_amount"  # [U]
F_PUBLIC_REWARD_ID = "public_reward_id"  # [D] QA wording
F_METHOD = "method"  # [U]

F_POINTS_EARNED = "points_earned"  # [U] in the order answer

# [hedge] Where Pongo's own documents disagree, an order carries both forms (a
# Laravel backend drops the key it does not expect, silently); the emulator
# accepts either and its ledger records which it got.
# The reward of a line: the POS guide says "reward_id", the QA checklist
# F_PUBLIC_REWARD_ID; both carry the owned reward's id. [C] both names, [U] which
F_LINE_REWARD_ID = "reward_id"  # [hedge]
# The customer: the QA checklist says "customer_public_id" (top level of the
# order); the payload nests F_PUBLIC_ID in F_CUSTOMER. [C] both names, [U] which
F_CUSTOMER_PUBLIC_ID = "customer_public_id"  # [hedge]

CHANNEL_POS = "pos"  # [U]
CHANNELS = (CHANNEL_POS, "kiosk", "web", "app", "phone", "marketplace")  # [U]
DELIVERY_MODE_ON_SITE = "on_site"  # [U]
DELIVERY_MODE_TAKEAWAY = "takeaway"  # [U]
DELIVERY_MODES = (  # [U]
    DELIVERY_MODE_ON_SITE,
    DELIVERY_MODE_TAKEAWAY,
    "delivery",
    "click_and_collect",
)
DELIVERY_STATUS_DELIVERED = "delivered"  # [U]
DELIVERY_STATUSES = (  # [U]
    "pending",
    "in_progress",
    "ready",
    DELIVERY_STATUS_DELIVERED,
    "cancelled",
)
ORDER_STATUS_PENDING = "pending"  # [U]
ORDER_STATUS_PAID = "paid"  # [U]
ORDER_STATUS_COMPLETED = "completed"  # [U]
ORDER_STATUS_CANCELLED = "cancelled"  # [U]
ORDER_STATUS_REFUNDED = "refunded"  # [U]
ORDER_STATUSES = (
    ORDER_STATUS_PENDING,
    ORDER_STATUS_PAID,
    ORDER_STATUS_COMPLETED,
    ORDER_STATUS_CANCELLED,
    ORDER_STATUS_REFUNDED,
)
ORDER_STATUSES_REVERSING = (ORDER_STATUS_CANCELLED, ORDER_STATUS_REFUNDED)
ORDER_ALREADY_PROCESSED_MESSAGE = "This order has already been processed."  # [C]

# Check-ins
F_PAYMENT_METHOD_HASH = "payment_method_hash"  # [D]
F_CHECKED_IN_AT = "checked_in_at"  # [U]
F_ENFORCE_CHECKIN_DELAY = "enforce_checkin_delay"  # [U]

F_VALID = "valid"  # [U] in the check-in answer
F_CREATED_CUSTOMER = "created_customer"  # [U] in the check-in answer

# Customer attributes [U]
F_ATTRIBUTE = "attribute"
F_ATTRIBUTE_TYPE = "type"

# Webhooks
F_EVENT = "event"  # [U] name, [C] concept
F_URL = "url"  # [U]
F_SECRET = "secret"  # [U]
EVENT_CUSTOMER_CREATED = "customer.created"  # [C]
EVENT_CUSTOMER_UPDATED = "customer.updated"  # [C]
WEBHOOK_EVENTS = (EVENT_CUSTOMER_CREATED, EVENT_CUSTOMER_UPDATED)
WEBHOOK_TOLERANCE_SECONDS = 300  # [U]

# ---------------------------------------------------------------------------
# Transport defaults (ours)
# ---------------------------------------------------------------------------
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10
RETRY_TOTAL = 3
RETRY_BACKOFF_FACTOR = 0.3
RETRY_STATUSES = (500, 502, 503, 504)
MAX_RETRY_AFTER = 5  # seconds the client may sleep for a 429; longer goes to the caller
