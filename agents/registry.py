"""Finding policies by name: the built-in families, seated by the scenario or the command line."""

from __future__ import annotations

from agents.basic import BasicPolicy
from agents.policy import Policy
from agents.random_policy import RandomPolicy

__all__ = ["BUILTIN", "PolicyError", "make_policy"]

BUILTIN: dict[str, type[Policy]] = {p.name: p for p in (BasicPolicy, RandomPolicy)}


class PolicyError(ValueError):
    """An unknown policy, or one that cannot play a role."""


def make_policy(spec: str, role: str) -> Policy:
    """A fresh policy from its name, checked against the role it is to play.

    Raises:
        PolicyError: if the name is unknown or the policy does not play this role.
    """
    cls = BUILTIN.get(spec)
    if cls is None:
        raise PolicyError(f"unknown policy {spec!r} (built-in: {', '.join(sorted(BUILTIN))})")
    if role not in cls.roles:
        raise PolicyError(f"policy {spec!r} does not play the {role} role")
    return cls()
