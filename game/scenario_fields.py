"""Bounds of a scenario's numbers: every numeric field is finite and within a documented range.

Each numeric field of a scenario part declares its range with pydantic's ``Field(ge=..., le=...)``
(or ``gt``/``lt``); :class:`Strict`, the base of every part, checks a number against that range
before anything else and refuses it with one message that gives the range (``must be a number
from 0 to 1e+05 (got inf)``). ``inf``, ``nan`` and numbers too large for a float are refused
everywhere. :func:`bounds_table` lists every field with its range (``docs/SCENARIOS.md``).

A growth rate that compounds quarter after quarter (a :class:`Trend`, such as AI demand) is bounded
as a whole too: over the longest game it may grow at most :data:`MAX_TREND_FACTOR`-fold, so that
extreme values allowed one by one cannot together blow the game's money up past what floats add
exactly (AI demand doubling every quarter for 400 quarters made a lab's cash 1e135 and the books
no longer balanced).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, get_args

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

__all__ = [
    "LONGEST_GAME",
    "MAX_TREND_FACTOR",
    "Bounds",
    "FieldError",
    "Fraction",
    "NonNeg",
    "Strict",
    "Trend",
    "bounds_table",
    "field_bounds",
    "trend_factor",
]

NonNeg = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]

#: the longest game: ``[scenario] quarters`` and ``fabrace run --quarters`` are at most this
LONGEST_GAME = 400
#: how many times over a compounding trend may grow over the longest game
MAX_TREND_FACTOR = 1000.0


class FieldError(ValueError):
    """A problem with one field of a part; ``loc`` is the field's path from that part.

    Args:
        loc: the path (keys and list indexes) from the part that raises it.
        msg: the problem.
    """

    def __init__(self, loc: tuple[Any, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


@dataclass(frozen=True)
class Bounds:
    """The range of a numeric field.

    Attributes:
        lo: the lower bound (None: unbounded, which the suite forbids).
        hi: the upper bound (None: unbounded, which the suite forbids).
        lo_open: whether ``lo`` itself is excluded.
        hi_open: whether ``hi`` itself is excluded.
        integer: whether the field is a whole number.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def holds(self, v: float) -> bool:
        """Whether ``v`` is finite and within the range."""
        try:
            if not math.isfinite(v):
                return False
        except OverflowError:  # an int too large for a float
            return False
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return not (self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi))

    def text(self) -> str:
        """The range in words, e.g. ``from 0 to 1e+05`` or ``above 0, up to 1``."""
        lo = None if self.lo is None else f"{self.lo:g}"
        hi = None if self.hi is None else f"{self.hi:g}"
        if lo is not None and hi is not None and not self.lo_open and not self.hi_open:
            return f"from {lo} to {hi}"
        parts = []
        if lo is not None:
            parts.append(f"above {lo}" if self.lo_open else f"at least {lo}")
        if hi is not None:
            parts.append(f"below {hi}" if self.hi_open else f"up to {hi}")
        return ", ".join(parts) or "finite"


def field_bounds(info: FieldInfo) -> Bounds | None:
    """The range a field declares, or None if it is not a number (or declares none)."""
    ann = info.annotation
    numeric = ann in (int, float) or any(a in (int, float) for a in get_args(ann))
    if not numeric:
        return None
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        if isinstance(m, at.Ge):
            lo, lo_open = float(m.ge), False  # type: ignore[arg-type]  # bounds here are numbers
        elif isinstance(m, at.Gt):
            lo, lo_open = float(m.gt), True  # type: ignore[arg-type]  # bounds here are numbers
        elif isinstance(m, at.Le):
            hi, hi_open = float(m.le), False  # type: ignore[arg-type]  # bounds here are numbers
        elif isinstance(m, at.Lt):
            hi, hi_open = float(m.lt), True  # type: ignore[arg-type]  # bounds here are numbers
    return Bounds(lo, hi, lo_open, hi_open, integer=ann is int)


def trend_factor(growth: float, decay: float, quarters: int = LONGEST_GAME) -> float:
    """How many times over a trend grows in ``quarters`` quarters, as the market moves it.

    Each quarter the index is multiplied by ``1 + growth`` and ``growth`` by ``1 - decay``
    (:meth:`game.markets.Market.advance`). Capped at 1e300 (beyond that it is "too much" anyway).
    """
    log_total, g = 0.0, growth
    for _ in range(quarters):
        log_total += math.log1p(g)
        g *= 1.0 - decay
    return math.exp(min(log_total, 690.0))


@dataclass(frozen=True)
class Trend:
    """A growth rate a quarter that compounds over the game, losing a share ``decay`` of itself
    each quarter (a field name, or None: it never slows down).

    Attributes:
        growth: the growth field's name.
        decay: the decay field's name, or None.
    """

    growth: str
    decay: str | None = None

    def largest_growth(self, decay: float, hi: float) -> float:
        """The largest growth (up to ``hi``) that keeps the trend within the bound."""
        lo = 0.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if trend_factor(mid, decay) <= MAX_TREND_FACTOR:
                lo = mid
            else:
                hi = mid
        return lo

    def problem(self, part: BaseModel) -> FieldError | None:
        """Why the part's values make this trend grow too much, or None."""
        growth = float(getattr(part, self.growth))
        decay = float(getattr(part, self.decay)) if self.decay else 0.0
        factor = trend_factor(growth, decay)
        if factor <= MAX_TREND_FACTOR:
            return None
        info = type(part).model_fields[self.growth]
        bounds = field_bounds(info)
        hi = bounds.hi if bounds is not None and bounds.hi is not None else 1.0
        best = self.largest_growth(decay, hi)
        with_decay = f" with {self.decay} = {decay:g}" if self.decay else ""
        return FieldError(
            (self.growth,),
            f"{growth:g} a quarter{with_decay} grows {factor:.3g}-fold over the longest game "
            f"({LONGEST_GAME} quarters); at most {MAX_TREND_FACTOR:g}-fold is allowed, so at "
            f"most {best:.4f}{with_decay}" + (f" (or raise {self.decay})" if self.decay else ""),
        )


class Strict(BaseModel):
    """The base of every scenario part: strict types, no unknown keys, numbers in range."""

    # strict: a number must be a TOML number (not "30" or true), a flag a TOML boolean
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    #: growth fields that compound over the game, bounded together with their decay
    trends: ClassVar[tuple[Trend, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _in_range(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data  # not a table: the type check says what is wrong
        for name, v in data.items():
            info = cls.model_fields.get(name) if isinstance(name, str) else None
            if info is None or isinstance(v, bool) or not isinstance(v, int | float):
                continue  # unknown, or not a number: the field's own check says what is wrong
            bounds = field_bounds(info)
            if bounds is not None and not bounds.holds(v):
                got = repr(v) if len(repr(v)) <= 30 else "a huge number"
                what = "a whole number" if bounds.integer else "a number"
                raise FieldError((name,), f"must be {what} {bounds.text()} (got {got})")
        return data

    @model_validator(mode="after")
    def _trends_bounded(self) -> Any:
        for t in self.trends:
            problem = t.problem(self)
            if problem is not None:
                raise problem
        return self


def bounds_table(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    """Every numeric field of a part and the parts it holds: (field, range, meaning)."""
    rows = []
    for name, info in model.model_fields.items():
        b = field_bounds(info)
        if b is not None:
            rows.append((prefix + name, b.text(), info.description or ""))
    return rows
