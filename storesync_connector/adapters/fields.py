"""Readers of JSON payload fields shared by the mappers of stores whose JSON says "no value" in
several ways (None, "", {} and [], as XML-to-JSON and PHP encoders write it).

Each reader returns a plain Python value or raises ``errors.FieldPayloadError`` naming the
field, so an import row says which field of the store's payload is wrong.
"""

import html
import re

from .errors import FieldPayloadError, show_value

_TAG_RE = re.compile(r"<[^>]*>")
_BREAK_TAG_RE = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)


def empty(value) -> bool:
    """None, "", {} and [] are all "no value"."""
    return value is None or value == "" or value == {} or value == []


def obj(value, field: str) -> dict:
    if empty(value):
        return {}
    if not isinstance(value, dict):
        raise FieldPayloadError(field, f"expected an object, got {show_value(value)}", value)
    return value


def text(value, field: str) -> str:
    if empty(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldPayloadError(field, f"expected a text, got {show_value(value)}", value)
    return str(value).strip()


def plain(markup: str) -> str:
    """HTML as plain text: tags dropped, line breaks kept, blank lines and runs of spaces
    folded."""
    markup = html.unescape(_TAG_RE.sub("", _BREAK_TAG_RE.sub("\n", markup)))
    return "\n".join(
        line for line in (" ".join(raw.split()) for raw in markup.splitlines()) if line
    )


def root(payload, what: str) -> dict:
    if not isinstance(payload, dict):
        raise FieldPayloadError(
            "", f"the {what} payload is not a JSON object: {show_value(payload)}"
        )
    return payload
