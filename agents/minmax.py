"""The smaller and the larger of two values, and a value clamped, for the built-in policies' hot
paths.

On Python 3.12 the builtins ``min`` and ``max`` take their arguments as a tuple and parse a keywords
dict on every call, so ``max(0.0, x)`` costs several times a Python function that compares once;
the bots take thousands of them a game. :func:`min2` and :func:`max2` give exactly what the
builtins give for two arguments (the first unless the second is strictly smaller, or larger: the
same value, type and sign of zero, NaN and ties included).
"""

from __future__ import annotations

__all__ = ["clamp", "max2", "min2"]


def min2[T: (int, float)](a: T, b: T) -> T:
    """``min(a, b)``: ``b`` if it is smaller than ``a``, else ``a``."""
    return b if b < a else a


def max2[T: (int, float)](a: T, b: T) -> T:
    """``max(a, b)``: ``b`` if it is larger than ``a``, else ``a``."""
    return b if b > a else a


def clamp(v: float, lo: float, hi: float) -> float:
    """``max(lo, min(hi, v))``: :func:`max2` of :func:`min2`, compared inline (called thousands
    of times a game)."""
    v = v if v < hi else hi
    return v if v > lo else lo
