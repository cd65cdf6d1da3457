"""Quarter labels: one model step is one calendar quarter (``2024Q1``, ``2024Q2``, ...)."""

from __future__ import annotations

import re

__all__ = ["QUARTER_PATTERN", "parse_quarter", "quarter_label"]

QUARTER_PATTERN = r"^(\d{4})Q([1-4])$"
_RE = re.compile(QUARTER_PATTERN)


def parse_quarter(label: str) -> tuple[int, int]:
    """Split a label such as ``2024Q1`` into ``(2024, 1)``.

    Raises:
        ValueError: if the label is not of the form ``YYYYQn`` with n in 1..4.
    """
    m = _RE.match(label)
    if not m:
        raise ValueError(f"not a quarter label like 2024Q1: {label!r}")
    return int(m.group(1)), int(m.group(2))


def quarter_label(start: str, index: int) -> str:
    """Return the label of the quarter ``index`` quarters after ``start`` (index 0 is ``start``)."""
    year, q = parse_quarter(start)
    n = year * 4 + (q - 1) + index
    return f"{n // 4}Q{n % 4 + 1}"
