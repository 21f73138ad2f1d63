"""Fault injection: which API requests get a 429, a 5xx, a slow, hanging or broken answer.

The server asks ``FaultInjector.pick(path)`` once per API request (never for ``/_emulator/``)
and carries the fault out; this module only decides.
"""

import random
import re
import threading
from dataclasses import dataclass

ERROR_KINDS = ("429", "500", "502", "503")  # answered without touching the store
KINDS = (*ERROR_KINDS, "slow", "hang", "malformed", "truncated")


@dataclass(frozen=True)
class Fault:
    """One fault to apply to one request."""

    kind: str
    retry_after: int | None = None  # None: the platform's default (see its fault_response)
    delay: float = 2.0  # seconds, for "slow"
    hang: float = 30.0  # seconds, for "hang" (cut short when the server stops)


class FaultInjector:
    """Thread-safe fault plan.

    ``count`` faults go to the next ``count`` matching requests, cycling through ``kinds``;
    with ``rate`` each matching request gets a random kind with that probability (and, when
    ``count`` is also given, at most ``count`` of them). No ``count`` and no ``rate`` means one.
    """

    def __init__(self, seed: int = 0):
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults-{seed}")
        self._plan: dict | None = None

    def set(
        self,
        kinds,
        count: int | None = None,
        rate: float | None = None,
        retry_after: int | None = None,
        delay: float = 2.0,
        path_regex: str | None = None,
        hang: float = 30.0,
    ) -> dict:
        """Replace the plan; raises ValueError on unknown kinds or bad numbers."""
        kinds = [str(k) for k in ([kinds] if isinstance(kinds, (str, int)) else kinds)]
        unknown = [k for k in kinds if k not in KINDS]
        if not kinds or unknown:
            raise ValueError(f"unknown fault kind(s) {unknown or kinds}; known: {', '.join(KINDS)}")
        if rate is not None and not 0 <= float(rate) <= 1:
            raise ValueError("rate must be between 0 and 1")
        if count is None and rate is None:
            count = 1
        plan = {
            "kinds": kinds,
            "count": None if count is None else int(count),
            "rate": None if rate is None else float(rate),
            "retry_after": None if retry_after is None else int(retry_after),
            "delay": float(delay),
            "hang": float(hang),
            "path_regex": path_regex,
            "applied": 0,
        }
        with self._lock:
            self._plan = plan
            self._regex = re.compile(path_regex) if path_regex else None
        return self.describe()

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self._plan = None

    def describe(self) -> dict | None:
        """The current plan, with how many faults were applied and how many are left."""
        with self._lock:
            if self._plan is None:
                return None
            plan = dict(self._plan)
        if plan["count"] is not None:
            plan["remaining"] = plan["count"] - plan["applied"]
        return plan

    def pick(self, path: str) -> Fault | None:
        """The fault for this request, or None; consumes one from the plan."""
        with self._lock:
            plan = self._plan
            if plan is None or (self._regex and not self._regex.search(path)):
                return None
            if plan["count"] is not None and plan["applied"] >= plan["count"]:
                return None
            if plan["rate"] is not None:
                if self._rng.random() >= plan["rate"]:
                    return None
                kind = self._rng.choice(plan["kinds"])
            else:
                kind = plan["kinds"][plan["applied"] % len(plan["kinds"])]
            plan["applied"] += 1
        return Fault(kind, plan["retry_after"], plan["delay"], plan["hang"])
