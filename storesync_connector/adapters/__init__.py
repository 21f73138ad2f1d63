"""Store adapters: one module per platform behind ``StoreAdapter``; pure Python, no Odoo.

>>> adapter = get_adapter_class("woocommerce")("https://shop.example.com", {
...     "consumer_key": "ck_...", "consumer_secret": "cs_..."})
>>> adapter.check_connection()["version"]

A new platform is one module here defining a ``StoreAdapter`` subclass with ``platform`` and
``platform_label``, imported below so it registers.
"""

from . import cartum, shoprenter, virtuemart, woocommerce
from .base import (
    CredentialField,
    Page,
    StoreAdapter,
    TokenCache,
    default_platform,
    get_adapter_class,
    platform_selection,
)
from .errors import KINDS, RETRYABLE_KINDS, PayloadError, StoreSyncError
from .http import build_session

__all__ = [
    "KINDS",
    "RETRYABLE_KINDS",
    "CredentialField",
    "Page",
    "PayloadError",
    "StoreAdapter",
    "StoreSyncError",
    "TokenCache",
    "build_session",
    "cartum",
    "default_platform",
    "get_adapter_class",
    "platform_selection",
    "shoprenter",
    "virtuemart",
    "woocommerce",
]
