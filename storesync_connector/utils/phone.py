"""Phone numbers in one comparable form, for matching buyers whatever way they typed them."""

import phonenumbers


def normalize_phone(phone: str, region: str | None = None) -> str | None:
    """The E.164 form (``+36301234567``) of a phone number, or None when it is not a valid one.

    ``region`` (ISO2) reads national forms: trunk prefixes (``06 30 ...`` in HU, ``030`` in DE)
    and international prefixes (``0036``, ``0049``). Never raises: a phone is a matching hint,
    not something an order may fail on.
    """
    if not phone or not isinstance(phone, str):
        return None
    try:
        number = phonenumbers.parse(phone, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    # is_valid rejects numbers that merely have the right length (555-5555 fiction, typos), which
    # would otherwise make unrelated buyers look like one customer.
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
