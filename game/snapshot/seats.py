"""The document's seats: who played each actor, and the state of its bot.

A seat's policy is saved through its own ``get_state()`` (strict JSON data) and given it back with
``set_state(state)``, found by duck typing. The engine never builds policies: :func:`restore_seats`
seats those it is given, as a mapping or a factory (:data:`Seats`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from game.snapshot.allowlist import MAX_DEPTH
from game.snapshot.errors import SnapshotError, short

#: Who plays each seat of a restored game: a mapping of actor name to policy (``None`` for
#: outside control), a factory ``(actor_name, role, policy_label) -> policy``, or ``None``.
Seats = Mapping[str, Any] | Callable[[str, str, str], Any] | None


def save_seat(model: Any, name: str) -> dict[str, Any]:
    """What is saved of a seat's policy: its label and, if it can give it, its state."""
    role = model.actors_by_name[name].role
    p = model.policies.get(name)
    if p is None:
        return {"role": role, "policy": "external", "external": True}
    seat: dict[str, Any] = {
        "role": role,
        "policy": model.policy_label(name),
        "external": False,
        "class": type(p).__qualname__,
    }
    get_state = getattr(p, "get_state", None)
    if get_state is None:
        return {**seat, "restorable": False, "reason": "the policy has no get_state()"}
    try:
        state = get_state()
        _check_json(state)
    except Exception as e:
        return {**seat, "restorable": False, "reason": f"{type(e).__name__}: {short(str(e), 200)}"}
    return {**seat, "restorable": True, "state": state}


def _check_json(x: Any, depth: int = 0) -> None:
    """Refuse anything that is not strict JSON data (what a policy's ``get_state`` returns)."""
    t = type(x)
    if t is str or t is int or t is bool or x is None:
        return
    if t is float:
        if not math.isfinite(x):
            raise SnapshotError("a non-finite number in a policy's state")
        return
    if depth > MAX_DEPTH:
        raise SnapshotError("a policy's state is nested too deep")
    if t is list:
        for v in x:
            _check_json(v, depth + 1)
    elif t is dict:
        for k, v in x.items():
            if type(k) is not str:
                raise SnapshotError(f"a policy's state has a key that is not text: {short(k)}")
            _check_json(v, depth + 1)
    else:
        raise SnapshotError(f"a policy's state holds a {t.__name__}, not JSON data")


def restore_seats(model: Any, seats: Mapping[str, Any], policies: Seats) -> None:
    """Seat the given policies, and give those playing their saved seat their saved state."""
    names = list(model.actors_by_name)
    if isinstance(policies, Mapping):
        unknown = sorted(set(policies) - set(names))
        if unknown:
            raise SnapshotError(f"no actor named {unknown[0]!r} in the snapshot's scenario")
    for name in names:
        seat = seats[name]
        if not isinstance(seat, dict) or not isinstance(seat.get("policy"), str):
            raise SnapshotError(f"damaged snapshot: seat {name} has no policy label")
        role = model.actors_by_name[name].role
        if policies is None:
            pol = None
        elif isinstance(policies, Mapping):
            pol = policies.get(name)
        else:
            try:
                pol = policies(name, role, seat["policy"])
            except SnapshotError:
                raise
            except Exception as e:
                raise SnapshotError(
                    f"seat {name}: no {seat['policy']!r} policy ({type(e).__name__}: {e})"
                ) from None
        model.policies[name] = pol
        if pol is None or not seat.get("restorable") or "state" not in seat:
            continue
        set_state = getattr(pol, "set_state", None)
        label = model.policy_label(name)
        if set_state is None or label != seat["policy"]:
            continue  # another policy in the seat: it starts from its own state
        try:
            set_state(seat["state"])
        except Exception as e:
            raise SnapshotError(
                f"damaged snapshot: seat {name}: the {label} policy refused its saved state "
                f"({type(e).__name__}: {short(str(e), 200)})"
            ) from None
