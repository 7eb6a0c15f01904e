"""Phone numbers of messenger accounts: parsed to E.164, shown and logged only masked.

Parsing uses ``phonenumbers`` (Google's libphonenumber metadata), with Russia as
the region for numbers written without a country code, so the ways people
actually type a Russian number (``8 (916) 123-45-67``, ``+7 916 123 45 67``,
``9161234567``) all become ``+79161234567``. Only numbers that can receive an
SMS (mobile, or where the plan cannot tell mobile from fixed) are accepted.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "RU"
MAX_INPUT_LENGTH = 32
# What people put in a phone field: digits, one leading plus, spaces and separators. No letters
# (libphonenumber would read vanity letters as digits) and no extensions.
_ALLOWED = re.compile(r"^\+?[0-9 ()\-.]+$")
_SMS_CAPABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The input is not a phone number that can receive an SMS."""


def normalise_phone(raw: str) -> str:
    """The E.164 form of a phone number as a person typed it, or :class:`InvalidPhone`."""
    # NFKC: full-width digits and no-break spaces (pasted from documents) become plain ones.
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or len(text) > MAX_INPUT_LENGTH or not _ALLOWED.match(text):
        raise InvalidPhone("Enter a mobile phone number, e.g. +7 916 123-45-67.")
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("Enter a mobile phone number, e.g. +7 916 123-45-67.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("This is not a valid phone number.")
    if phonenumbers.number_type(number) not in _SMS_CAPABLE:
        raise InvalidPhone("This number cannot receive SMS: enter a mobile number.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_phone_for_owner(e164: str) -> str:
    """The number shown back to the person who typed it — enough to check it was typed right:
    ``+7 916 ***-**-67`` (the operator code and the last two digits). Logs keep :func:`mask_phone`."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return mask_phone(e164)
    national = str(parsed.national_number)
    if len(national) < 8:
        return mask_phone(e164)
    return f"+{parsed.country_code} {national[:3]} ***-**-{national[-2:]}"


def mask_phone(e164: str) -> str:
    """The number as its owner may be shown it and as logs may carry it: ``+7 *** ** *67``.

    Only the country code and the last two digits survive; the mask has the same
    shape for every number, so it does not even tell the number's length.
    """
    try:
        country_code = str(phonenumbers.parse(e164, None).country_code)
    except phonenumbers.NumberParseException:
        country_code = ""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    prefix = f"+{country_code} " if country_code else ""
    return f"{prefix}*** ** *{digits[-2:]}"
