"""Plain words for a conformance report: errors, durations, decisions and call outcomes.

A call's outcome is logged as ``("ok", items)``, where each item is a decision as JSON (or
``<TypeName>`` for something that is not a decision), or ``("raised", error)``; these functions
turn such outcomes, errors and faults into the short phrases the checks report.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "describe_error",
    "duration",
    "fault_words",
    "shorten",
    "show_decision",
    "show_outcome",
    "with_article",
]


def shorten(text: str, n: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def describe_error(e: BaseException) -> str:
    msg = str(e)
    return shorten(f"{type(e).__name__}: {msg}" if msg else type(e).__name__)


def with_article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def duration(s: float) -> str:
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
    return f"{s * 1000:.1f} ms" if s < 0.1 else f"{s:.2f} s"


def show_decision(item: str) -> str:
    if item.startswith("<"):
        return f"a {item[1:-1]} (not a decision)"
    try:
        d = json.loads(item)
    except ValueError:
        return item
    kind = d.pop("type", "?")

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.6g}"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {fmt(x)}" for k, x in v.items()) + "}"
        return str(v)

    return f"{kind}(" + ", ".join(f"{k}={fmt(v)}" for k, v in d.items()) + ")"


def show_outcome(outcome: tuple[Any, ...]) -> str:
    """An outcome in words: ``("ok", items)`` or ``("raised", error)``."""
    if outcome[0] == "raised":
        return f"raised {outcome[1]}"
    items = outcome[1]
    if not items:
        return "no decisions"
    shown = "; ".join(show_decision(i) for i in items[:2])
    more = f" and {len(items) - 2} more" if len(items) > 2 else ""
    return shorten(f"[{shown}{more}]", 300)


def fault_words(error: str) -> str:
    if error.startswith("returned "):
        return error
    if error.startswith("SandboxViolation: "):  # e.g. "reached outside its own code: gc..."
        return error.removeprefix("SandboxViolation: ")
    if error.startswith("SandboxDied: "):
        return f"failed: {error.removeprefix('SandboxDied: ')}"
    return f"raised {error}"
