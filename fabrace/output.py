"""What the ``fabrace`` commands print: user text shown literally, results always valid JSON.

Messages are printed with rich, which reads ``[bold]``-style markup: any text that comes from the
user (a scenario's name or path, a ``--policy`` value, a log's path, a policies file's table
names) goes through :func:`literal` so that it shows as typed, never as markup (and never as a
``MarkupError``). JSON results go through :func:`json_document`, which refuses ``NaN`` and
infinities (not JSON) with a message saying where one is, as the last guard behind the scenario's
bounds.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.markup import escape

__all__ = ["NotJsonError", "fail", "json_document", "literal", "print_json"]


def literal(text: object) -> str:
    """``text`` as rich markup that prints exactly as it reads (brackets escaped)."""
    return escape(str(text))


class NotJsonError(ValueError):
    """A result that holds a number JSON cannot carry (NaN or an infinity); names where."""


def _non_finite(obj: Any, where: str) -> str | None:
    """The path of the first NaN or infinity in ``obj``, or None."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else where or "(top level)"
    if isinstance(obj, dict):
        for k, v in obj.items():
            found = _non_finite(v, f"{where}.{k}" if where else str(k))
            if found is not None:
                return found
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            found = _non_finite(v, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def json_document(obj: Any, indent: int | None = 2) -> str:
    """``obj`` as a JSON document (with a final newline); never ``NaN`` or ``Infinity``.

    Raises:
        NotJsonError: if ``obj`` holds a number that is not finite, naming where.
    """
    try:
        return json.dumps(obj, indent=indent, allow_nan=False) + "\n"
    except ValueError:
        where = _non_finite(obj, "")
        raise NotJsonError(
            f"the result holds a number that is not finite at {where or '?'} and cannot be "
            "printed as JSON (a bug: please report it with the command that gave it)"
        ) from None


def fail(message: str, code: int = 2) -> Exception:
    """Print ``error: message`` (the message shown literally) on stderr; return the exit to raise.

    Usage: ``raise fail("no such scenario: x")`` (exit code 2 unless ``code`` says otherwise).
    """
    import typer
    from rich.console import Console

    err = Console(stderr=True, highlight=False, emoji=False)
    err.print(f"[bold red]error:[/] {literal(message)}", markup=True, soft_wrap=True)
    return typer.Exit(code)


def print_json(obj: Any) -> None:
    """Print a result as JSON on stdout: never NaN or Infinity (a message and exit 1 instead)."""
    import sys

    try:
        text = json_document(obj)
    except NotJsonError as e:
        raise fail(str(e), 1) from None
    sys.stdout.write(text)
