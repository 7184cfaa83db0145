# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone numbers: E.164 in Odoo; on the wire, Pongo's format (digits, no '+')."""

import re

import phonenumbers

from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from odoo.addons.phone_validation.tools import phone_validation

_lt = LazyTranslate(__name__, default_lang="en_US")
_LETTERS = re.compile(r"[^\W\d_]")


class PongoPhoneError(ValueError):
    """The number cannot be parsed or is not a valid phone number."""

    def __str__(self):
        return str(self.args[0])


def example_number(country_code):
    """An international example number of ``country_code`` (e.g. "+33 6 12 34 56
    78"), to show how a number is typed with its country code."""
    example = phonenumbers.example_number_for_type(
        country_code or "FR", phonenumbers.PhoneNumberType.MOBILE
    )
    if example is None:
        return "+33 6 12 34 56 78"
    return phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


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
    if _LETTERS.search(number):
        raise PongoPhoneError(
            _lt(
                "“%(text)s” is not a phone number. Pongo finds its customers by "
                "phone: type the number.",
                text=number[:40],
            )
        )
    try:
        return phone_validation.phone_format(
            number, country_code, phone_code, force_format="E164", raise_exception=True
        )
    except UserError as exc:
        raise PongoPhoneError(
            _lt(
                "%(number)s is not a valid phone number. Add the country code, "
                "e.g. %(example)s.",
                number=number,
                example=example_number(country_code),
            )
        ) from exc


def to_wire(e164):
    """An E.164 number as Pongo wants it: international digits without the '+'."""
    return (e164 or "").lstrip("+")


def to_pongo_phone(number, country=None):
    """Any usual form of a number, as Pongo wants it."""
    return to_wire(to_e164(number, country))


def from_pongo_phone(number):
    """E.164 from Pongo's format (digits without '+'); '' when empty."""
    digits = "".join(ch for ch in str(number or "") if ch.isdigit())
    return f"+{digits}" if digits else ""


def mask_phone(number):
    """Keep only the last two digits, for logs."""
    text = str(number or "")
    return "*" * max(len(text) - 2, 0) + text[-2:] if len(text) > 2 else text
