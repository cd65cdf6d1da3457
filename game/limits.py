"""Size and nesting limits on what the game reads: scenario files, policies files and logs.

A hostile or broken file must be refused quickly with a clear message, never by a RecursionError
or a parser that takes minutes: TOML text is checked by a cheap scan (:func:`toml_problem`, size,
bracket depth, dotted-key length) *before* it is parsed, and a log line's JSON is checked for
size before and for depth after (:func:`json_problem`). The functions return the problem as text
(or None); each reader raises its own error type with the file's name in front.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "MAX_BROWSER_LOG_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_KEY_PARTS",
    "MAX_LOG_BYTES",
    "MAX_POLICIES_BYTES",
    "MAX_RECORD_BYTES",
    "MAX_SCENARIO_BYTES",
    "MAX_TOML_DEPTH",
    "json_problem",
    "size_text",
    "toml_problem",
]

#: a scenario file (built-in ones are under 20 KiB)
MAX_SCENARIO_BYTES = 1 << 20
#: a policies file of named variants
MAX_POLICIES_BYTES = 1 << 20
#: a whole game log (a 40-quarter game of the crowded scenario is a few MiB)
MAX_LOG_BYTES = 256 << 20
#: a log loaded in the browser: it travels to the server in one websocket message, which the
#: server refuses past 16 MiB (a 400-quarter game of the crowded scenario is about 3 MiB)
MAX_BROWSER_LOG_BYTES = 8 << 20
#: one record (line) of a log; the largest, the header, carries the scenario
MAX_RECORD_BYTES = 1 << 20
#: arrays and inline tables inside one another in a TOML file (scenarios use 2)
MAX_TOML_DEPTH = 16
#: parts of a dotted TOML key or table header, ``a.b.c`` has 3 (scenarios use 2)
MAX_KEY_PARTS = 16
#: objects and arrays inside one another in a log record (records use 5)
MAX_JSON_DEPTH = 32

_INTERESTING = re.compile(r"[\"'#\[\]{}=.,\n]")


def size_text(n: int) -> str:
    """A byte count for people: ``1 MiB``, ``256 MiB``, ``12 KiB``, ``300 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.4g} {unit}"
    return f"{n} bytes"


def _string_end(text: str, i: int) -> int:
    """Where the TOML string starting at ``i`` ends (the index after it), or -1 if it does not."""
    q = text[i]
    if text.startswith(q * 3, i):
        close, j = q * 3, i + 3
    else:
        close, j = q, i + 1
    while True:
        k = text.find(close, j)
        if k < 0 or (len(close) == 1 and "\n" in text[j:k]):
            return -1  # unterminated: the parser reports it
        if q == '"':
            slashes = 0
            while text[k - 1 - slashes] == "\\":
                slashes += 1
            if slashes % 2:  # an escaped quote: look further
                j = k + 1
                continue
        end = k + len(close)
        while end < len(text) and text[end] == q and len(close) == 3 and end - k < 5:
            end += 1  # """a"""" : up to two quotes of content before the closing three
        return end


def toml_problem(text: str, limit: int) -> str | None:
    """Why TOML text is too big or too deep to parse, or None (the parser checks the rest).

    A cheap scan, linear in the text: its size, how deep arrays and inline tables nest, and how
    many parts a dotted key or table header has (a key of 100,000 parts takes the standard
    library's parser minutes).
    """
    if len(text) > limit:
        return f"too large ({size_text(len(text))}; the limit is {size_text(limit)})"
    stack: list[str] = []
    in_key, header, parts = True, False, 1
    i = 0
    while (m := _INTERESTING.search(text, i)) is not None:
        i, c = m.start(), m.group()
        if c in "\"'":
            end = _string_end(text, i)
            if end < 0:
                return None
            i = end
            continue
        i += 1
        if c == "#":
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
        elif c == "\n":
            if not stack:
                in_key, header, parts = True, False, 1
        elif c == "[":
            if not stack and in_key:
                header = True  # a table header ([a.b] or [[a.b]])
            else:
                stack.append(c)
        elif c == "{":
            stack.append(c)
            in_key, parts = True, 1
        elif c in "]}":
            if header:
                header, in_key = False, False
            elif stack:
                stack.pop()
                in_key = False
        elif c == "," and stack and stack[-1] == "{":
            in_key, parts = True, 1
        elif c == "=" and not header:
            in_key = False
        elif c == "." and (in_key or header):
            parts += 1
            if parts > MAX_KEY_PARTS:
                line = text.count("\n", 0, i) + 1
                return f"line {line}: a dotted key of more than {MAX_KEY_PARTS} parts"
        if len(stack) > MAX_TOML_DEPTH:
            line = text.count("\n", 0, i) + 1
            return f"line {line}: nested more than {MAX_TOML_DEPTH} deep"
    return None


def _depth(obj: Any) -> int:
    """How deep objects and arrays nest in ``obj`` (without recursion)."""
    deepest, todo = 0, [(obj, 1)]
    while todo:
        o, d = todo.pop()
        if isinstance(o, dict | list):
            deepest = max(deepest, d)
            if d <= MAX_JSON_DEPTH:
                todo.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_problem(line: str) -> tuple[Any, str | None]:
    """Parse one log line: ``(value, None)``, or ``(None, why it is refused)``.

    Refused: a line over :data:`MAX_RECORD_BYTES`, text that is not JSON (``NaN`` and
    ``Infinity`` included), and values nested more than :data:`MAX_JSON_DEPTH` deep.
    """
    if len(line) > MAX_RECORD_BYTES:
        return None, (
            f"record too large ({size_text(len(line))}; the limit is {size_text(MAX_RECORD_BYTES)})"
        )
    try:
        value = json.loads(line, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        return None, f"not JSON ({e.msg})"
    except ValueError as e:
        return None, f"not JSON ({e})"
    except RecursionError:
        return None, f"nested more than {MAX_JSON_DEPTH} deep"
    if line.count("[") + line.count("{") > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        return None, f"nested more than {MAX_JSON_DEPTH} deep"
    return value, None
