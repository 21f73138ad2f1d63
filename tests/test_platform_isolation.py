"""A platform is one adapter module plus one emulator module: nothing else names one.

Pure test (no database): it reads the source files. The core (models, controllers, utils,
views, data, security, the manifest) and the emulator's shared plumbing must work for any
registered platform, so they may not mention a platform by name or by its API vocabulary.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDON = ROOT / "storesync_connector"
#: every platform the project has or plans (the names in the brief)
PLATFORM_NAMES = ("woocommerce", "shoprenter", "cartum", "virtuemart", "shopify", "wordpress")
#: where a platform may be named: its adapter and its emulator module (and translations,
#: which follow the source; test_i18n keeps them in step)
ALLOWED = (ADDON / "adapters", ADDON / "i18n", ROOT / "store_emulator" / "platforms")
SHARED_EMULATOR = ("server.py", "faults.py", "__init__.py")
PATTERN = re.compile("|".join(PLATFORM_NAMES), re.IGNORECASE)


def _core_files():
    for path in sorted(ADDON.rglob("*")):
        if path.suffix not in (".py", ".xml", ".csv", ".js") or not path.is_file():
            continue
        if any(path.is_relative_to(allowed) for allowed in ALLOWED):
            continue
        yield path
    for name in SHARED_EMULATOR:
        yield ROOT / "store_emulator" / name


@pytest.mark.parametrize("path", list(_core_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_file_names_no_platform(path):
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PATTERN.search(line)
    ]
    assert not hits, "a platform is named outside its adapter/emulator module:\n" + "\n".join(hits)


def test_every_platform_has_one_adapter_and_one_emulator_module():
    adapters = {p.stem for p in (ADDON / "adapters").glob("*.py")}
    emulators = {p.stem for p in (ROOT / "store_emulator" / "platforms").glob("*.py")}
    for platform in ("woocommerce", "shoprenter"):
        assert platform in adapters
        assert platform in emulators
