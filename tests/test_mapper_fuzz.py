"""Hostile payloads: every mapper raises only its own PayloadError, describe_* nothing at all.

Plain pytest, no database (``-p no:odoo``). The strategies and targets are in
``fuzz_payloads.py``; ``scripts/reliability.py`` runs the same ``run_fuzz`` with more examples.
"""

import fuzz_payloads
import pytest
from fuzz_payloads import Target, fuzz_target, run_fuzz

EXAMPLES = 60


def test_every_mapper_survives_hostile_payloads():
    report = run_fuzz(EXAMPLES, seed=0)
    assert report["failures"] == []
    assert report["targets"] == len(fuzz_payloads.targets()) >= 16
    assert report["examples"] >= EXAMPLES * report["targets"]


def _careless_mapper(payload):
    """Reads the fixture's shape without checking it: what the fuzzer must catch."""
    if not isinstance(payload, dict):
        raise fuzz_payloads.errors.PayloadError("not an object")
    return payload["line_items"][0]["quantity"] + 1


def test_the_fuzzer_catches_a_careless_mapper():
    order = fuzz_payloads.load("woocommerce", "order_727")
    calls, failure = fuzz_target(Target("careless", _careless_mapper, [[order]]), 50)
    assert calls >= 1
    assert failure["target"] == "careless"
    assert failure["error"].startswith(("KeyError", "TypeError", "IndexError"))
    assert failure["payload"]


def test_the_fuzzer_checks_what_a_tolerant_function_returns():
    def describe(payload):
        return {"external_id": payload.get("id")} if isinstance(payload, dict) else None

    target = Target(
        "describe", describe, [[{"id": "7"}]], allowed=(), check=fuzz_payloads._key_or_none
    )
    _calls, failure = fuzz_target(target, 50)
    assert failure["error"].startswith("bad result")


@pytest.mark.parametrize(
    ("value", "kind"),
    [(12, str), ("12", float), ("x", list), ([1], dict), ({"a": 1}, list), (None, int)],
)
def test_wrong_type_changes_the_type(value, kind):
    assert isinstance(fuzz_payloads._wrong_type(value), kind)
