"""A loopback emulator of online-store APIs (one module per platform in ``platforms/``) for
tests and demos.

>>> from store_emulator import EmulatorServer
>>> emu = EmulatorServer(platform=PLATFORMS[0], seed=1, orders=50, products=20).start()
>>> emu.url  # the API is where the platform module's docstring says
>>> emu.stop()
"""

from store_emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
