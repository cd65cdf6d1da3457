"""agents.minmax: min2, max2 and clamp give exactly what the builtins give."""

from __future__ import annotations

import math

import pytest

from agents.minmax import clamp, max2, min2

NAN = float("nan")
VALUES = [0.0, -0.0, 1.0, -1.0, 2, 0, 1e-9, math.inf, -math.inf, NAN, 3]


def _same(x: float, y: float) -> bool:
    """The same object, or the same value, type and sign (NaN the same as NaN)."""
    if x is y:
        return True
    if type(x) is not type(y):
        return False
    if isinstance(x, float) and math.isnan(x):
        return math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", VALUES)
def test_two_values_as_the_builtins(a: float, b: float) -> None:
    assert _same(min2(a, b), min(a, b))
    assert _same(max2(a, b), max(a, b))


def test_ties_keep_the_first() -> None:
    # Equal values of different types or signs: the builtins keep the first, and so do these.
    assert type(max2(1, 1.0)) is int and type(min2(1.0, 1)) is float
    assert math.copysign(1.0, max2(-0.0, 0.0)) == -1.0
    assert math.copysign(1.0, min2(0.0, -0.0)) == 1.0


@pytest.mark.parametrize("v", VALUES)
@pytest.mark.parametrize("lo", [0.0, -0.0, -1.0, 1e-9, 0])
@pytest.mark.parametrize("hi", [0.0, 1.0, 2, -math.inf, math.inf])
def test_clamp_as_the_builtins(v: float, lo: float, hi: float) -> None:
    assert _same(clamp(v, lo, hi), max(lo, min(hi, v)))
