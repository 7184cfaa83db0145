# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone numbers: E.164 in Odoo; on the wire, Pongo's format (digits, no '+')."""

from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from odoo.addons.phone_validation.tools import phone_validation

_lt = LazyTranslate(__name__)


class PongoPhoneError(ValueError):
    """The number cannot be parsed or is not a valid phone number."""

    def __str__(self):
        return str(self.args[0])


def to_e164(number, country=None):
    """Normalise ``number`` (any usual form) to E.164, ``country`` (a res.country
    record or an ISO code) being the region of national numbers.

    :raises PongoPhoneError: with a translated message when the number is not valid
    """
    number = (number or "").strip()
    if not number:
        raise PongoPhoneError(_lt("A phone number is required."))
    if hasattr(country, "code"):
        country_code, phone_code = country.code, country.phone_code
    else:
        country_code, phone_code = country or None, None
    try:
        return phone_validation.phone_format(
            number, country_code, phone_code, force_format="E164", raise_exception=True
        )
    except UserError as exc:
        raise PongoPhoneError(
            _lt("%(number)s is not a valid phone number.", number=number)
        ) from exc


def to_pongo_phone(number, country=None):
    """The number as Pongo wants it: international digits without the '+'."""
    return to_e164(number, country).lstrip("+")


def from_pongo_phone(number):
    """E.164 from Pongo's format (digits without '+'); '' when empty."""
    digits = "".join(ch for ch in str(number or "") if ch.isdigit())
    return f"+{digits}" if digits else ""


def mask_phone(number):
    """Keep only the last two digits, for logs."""
    text = str(number or "")
    return "*" * max(len(text) - 2, 0) + text[-2:] if len(text) > 2 else text
