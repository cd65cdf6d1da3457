"""The hash chain that makes a game log tamper-evident (log format 3).

Every record of a log carries its place, ``n`` (0 for the header, then 1, 2, ...), and a hash,
``h``: the SHA-256, in hex, of the previous record's hash followed by this record's canonical JSON
(keys sorted, no spaces, ``h`` itself left out; the header's previous hash is empty). A record
edited, dropped, added or moved breaks the chain at that line, and :func:`chain_break` says which
line and how. The chain shows that a log is the one the game wrote, not who wrote it: someone
who edits a log and recomputes every hash after the edit is not detected (nothing is signed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Chain", "ChainBreak", "chain_break", "chained_lines"]


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _hash(prev: str, body: str) -> str:
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


class Chain:
    """Turns records into chained log lines, in order (one chain a log)."""

    def __init__(self) -> None:
        self._prev = ""
        self._n = 0

    def line(self, record: dict[str, Any]) -> str:
        """The record as its log line (with ``n`` and ``h``, and a final newline)."""
        placed = {**record, "n": self._n}
        h = _hash(self._prev, _canonical(placed))
        self._prev = h
        self._n += 1
        # the line keeps the record's own key order (readers see what the game wrote); the hash
        # is over the canonical form, so any reader can check it
        line = json.dumps(placed, separators=(",", ":"), allow_nan=False)
        return f'{line[:-1]},"h":"{h}"}}\n'


def chained_lines(records: Iterable[dict[str, Any]]) -> str:
    """A whole log's text from its records, header first."""
    chain = Chain()
    return "".join(chain.line(r) for r in records)


@dataclass(frozen=True)
class ChainBreak:
    """Where a log's chain breaks: the line and what it looks like happened there."""

    line: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}"


def chain_break(records: Sequence[dict[str, Any]], lines: Sequence[int]) -> ChainBreak | None:
    """The first line at which the records (header first) leave the chain, or None.

    Args:
        records: every record of the log as read, the header first.
        lines: the line number of each record.
    """
    prev = ""
    for n, (rec, line) in enumerate(zip(records, lines, strict=True)):
        h, at = rec.get("h"), rec.get("n")
        if not isinstance(h, str) or isinstance(at, bool) or not isinstance(at, int):
            return ChainBreak(
                line, "a record without its place and hash ('n' and 'h'): added or edited by hand"
            )
        if at > n:
            missing = "record" if at == n + 1 else f"{at - n} records"
            return ChainBreak(
                line, f"record {at} where record {n} belongs: {missing} dropped or moved before it"
            )
        if at < n:
            return ChainBreak(line, f"record {at} again where record {n} belongs: added or moved")
        body = {k: v for k, v in rec.items() if k != "h"}
        try:
            expected = _hash(prev, _canonical(body))
        except ValueError:  # NaN or an infinity: read from a hand-made line
            expected = ""
        if expected != h:
            return ChainBreak(
                line,
                "edited (its hash does not match its contents and the record before it)",
            )
        prev = h
    return None
