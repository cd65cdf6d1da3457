"""What the conformance harness reports: one result per check, and the report of a policy.

:data:`CHECKS` names the checks in the order they are reported, with the question each asks;
:class:`CheckResult` is one check's outcome in plain words and :class:`ContractReport` the whole
report that :func:`agents.conformance.check_policy` returns (``report.ok``, ``report.checks``,
``report.to_json()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CHECKS", "CheckResult", "ContractReport"]

#: The checks, in the order they are reported, with what each one asks.
CHECKS: dict[str, str] = {
    "builds": "it can be built with its defaults and reset with a seed",
    "parameters": "its parameter table is consistent",
    "roles": "it declares a name, a description and roles the game has",
    "reproducible": "the same seed gives the same game, and reset(seed) starts afresh",
    "legal": "it makes only legal decisions and never faults, in every role it claims",
    "copies": "it survives pickling and cloning, and a copy decides as the original",
    "time": "every call answers within the time budget",
}


@dataclass
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: the check's name (a key of :data:`CHECKS`).
        passed: whether it passed.
        detail: what was found, in plain words.
        ran: False if it could not be run (then ``passed`` is False and ``detail`` says why).
    """

    name: str
    passed: bool
    detail: str
    ran: bool = True

    @property
    def title(self) -> str:
        return CHECKS.get(self.name, self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "passed": self.passed,
            "ran": self.ran,
            "detail": self.detail,
        }


@dataclass
class ContractReport:
    """Every check's outcome for one policy.

    Attributes:
        policy: the spec (or class name) that was checked.
        kind: ``family``, ``variant``, ``plugin``, ``file`` or ``class``.
        roles: the roles it claims.
        checks: one result per check, in the order of :data:`CHECKS`.
        settings: games, scenarios, seeds, time budget.
        timing: calls timed, mean and slowest call in seconds, calls over budget.
        seconds: how long the whole check took.
    """

    policy: str
    kind: str
    roles: tuple[str, ...]
    checks: list[CheckResult]
    settings: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def check(self, name: str) -> CheckResult:
        """The result of the check of that name."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check {name!r} (checks: {', '.join(CHECKS)})")

    def summary(self) -> str:
        """One line: how many checks passed, which failed."""
        n = len(self.checks)
        if self.ok:
            return f"{self.policy}: all {n} checks passed ({self.seconds:.1f} s)"
        names = ", ".join(c.name for c in self.failed)
        return (
            f"{self.policy}: {n - len(self.failed)} of {n} checks passed; failed: {names} "
            f"({self.seconds:.1f} s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "kind": self.kind,
            "roles": list(self.roles),
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
            "settings": self.settings,
            "timing": self.timing,
            "seconds": round(self.seconds, 3),
        }
