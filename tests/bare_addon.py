"""Plain pytest without Odoo: the addon's pure packages (``adapters``, ``utils``) importable as
``storesync_connector.<package>``, from a bare package over the addon folder whose
``__init__`` (which needs Odoo) never runs. With Odoo, tests import ``odoo.addons...``."""

import pathlib
import sys
import types

ADDON = pathlib.Path(__file__).resolve().parents[1] / "storesync_connector"

if "storesync_connector" not in sys.modules:
    _package = types.ModuleType("storesync_connector")
    _package.__path__ = [str(ADDON)]
    sys.modules["storesync_connector"] = _package
