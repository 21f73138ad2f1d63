"""A loopback emulator of online-store APIs (WooCommerce REST v3 for now) for tests and demos.

>>> from store_emulator import EmulatorServer
>>> emu = EmulatorServer(platform="woocommerce", seed=1, orders=50, products=20).start()
>>> emu.url  # WooCommerce API under emu.url + "/wp-json/wc/v3/"
>>> emu.stop()
"""

from store_emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
