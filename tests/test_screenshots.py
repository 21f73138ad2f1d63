"""scripts/screenshots.py, pure (no Odoo, no browser): ``-p no:odoo``.

The shots name actions, filters and menu items by their ids and labels: when one is renamed
or removed these tests fail, instead of ``make screenshots`` failing the next time someone
retakes the images. They also keep docs/img and the list of shots in step.
"""

import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from scripts import dev, screenshots

ADDON_DIR = dev.REPO / dev.ADDON
MODULE = re.compile(r"^[a-z0-9_]+$")


def odoo_source():
    src = Path(os.environ.get("ODOO_SRC") or dev.cache_dir() / f"odoo-{dev.ODOO_SERIES}")
    if dev.odoo_version(src) != dev.ODOO_SERIES:
        pytest.fail(f"no Odoo {dev.ODOO_SERIES} source in {src}: run `make setup` first")
    return src


def module_dir(module):
    if module == dev.ADDON:
        return ADDON_DIR
    src = odoo_source()
    for addons in (src / "addons", src / "odoo" / "addons"):
        if (addons / module).is_dir():
            return addons / module
    pytest.fail(f"no module {module} in {src}")


def records(module):
    """Every <record> of a module's XML files."""
    found = []
    for path in sorted(module_dir(module).rglob("*.xml")):
        if "static" in path.parts:
            continue
        root = ElementTree.parse(path).getroot()
        found += root.iter("record")
    return found


def field(record, name):
    node = record.find(f"field[@name='{name}']")
    return None if node is None else (node.text or "").strip()


def test_names_are_unique_file_names():
    names = [shot["name"] for shot in screenshots.SHOTS]
    assert len(names) == len(set(names))
    assert all(MODULE.match(name) for name in names), names


def test_actions_exist():
    """Each shot opens a window action defined under that xml id."""
    for shot in screenshots.SHOTS:
        module, _, xml_id = shot["action"].partition(".")
        assert MODULE.match(module) and xml_id, shot["action"]
        models = {r.get("model") for r in records(module) if r.get("id") == xml_id}
        assert models == {"ir.actions.act_window"}, f"{shot['name']}: {shot['action']}"


def test_steps_are_known_and_name_existing_labels():
    """Filters are <filter string=...> of a search view, Actions menu items are actions
    bound to a model (binding_model_id), in the addon or the shot's action's module."""
    for shot in screenshots.SHOTS:
        action_module = shot["action"].partition(".")[0]
        xml = [records(dev.ADDON)]
        if action_module != dev.ADDON:
            xml.append(records(action_module))
        for step in shot.get("steps", ()):
            kind, *params = step
            assert kind in screenshots.STEPS, step
            arity = screenshots.STEPS[kind]
            assert len(params) in (arity if isinstance(arity, tuple) else (arity,)), step
            if kind == "filter":
                labels = {
                    node.get("string")
                    for recs in xml
                    for record in recs
                    for node in record.iter("filter")
                }
                assert params[0] in labels, f"{shot['name']}: no filter {params[0]!r}"
            elif kind == "action_menu":
                labels = {
                    field(record, "name")
                    for recs in xml
                    for record in recs
                    if record.find("field[@name='binding_model_id']") is not None
                }
                assert params[0] in labels, f"{shot['name']}: no bound action {params[0]!r}"


def test_calls_before_a_shot_name_methods_of_the_addon():
    source = "\n".join(path.read_text() for path in ADDON_DIR.rglob("*.py"))
    for shot in screenshots.SHOTS:
        for model, domain, limit, method in shot.get("before", ()):
            assert "." in model and isinstance(domain, list) and limit > 0, shot["name"]
            assert f"def {method}(self" in source, f"{shot['name']}: no method {method}"


def test_records_name_a_model_and_a_domain():
    for shot in screenshots.SHOTS:
        if "record" in shot:
            model, domain = shot["record"]
            assert "." in model and isinstance(domain, list), shot["name"]
            assert all(len(term) == 3 for term in domain), shot["name"]


def test_every_shot_has_its_image_and_every_image_its_shot():
    names = {shot["name"] for shot in screenshots.SHOTS}
    images = {path.stem for path in screenshots.IMG_DIR.glob("*.png")}
    assert names - images == set(), "shots never taken: run make screenshots"
    assert images - names == set(), "images no shot retakes"


def test_the_readme_shows_existing_images():
    readme = (dev.REPO / "README.md").read_text()
    shown = re.findall(r"\]\((docs/img/[^)]+)\)", readme)
    assert shown, "the README shows no screenshot"
    for path in shown:
        assert (dev.REPO / path).is_file(), path


def test_shot_url():
    shot = {"name": "x", "action": "storesync_connector.storesync_store_action"}
    base = "http://localhost:8481/"
    assert (
        screenshots.shot_url(base, shot)
        == "http://localhost:8481/odoo/action-storesync_connector.storesync_store_action"
    )
    assert screenshots.shot_url(base, shot, 7).endswith("storesync_store_action/7")
    assert screenshots.shot_url(base, dict(shot, res_id=3)).endswith("storesync_store_action/3")
