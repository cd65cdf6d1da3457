"""Reading a game log's text: JSON lines within limits, a valid header, an unbroken hash chain.

:func:`parse_log` turns a log's text into its header and records and checks what can be checked
without playing: each line's size and nesting (:mod:`game.limits`), the header's fields, and, for
logs of format 3, the hash chain (:mod:`game.log_chain`). A record that leaves the chain, and a
last line cut short, do not make the log unreadable: the records before it are kept and
:attr:`ParsedLog.stop` says where and why the log stops being the game's, for the replay to report
once it has played that far.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.limits import MAX_LOG_BYTES, json_problem, size_text
from game.log_chain import chain_break

__all__ = ["CHAINED_VERSION", "READS", "LogError", "ParsedLog", "parse_log", "read_log_file"]

#: log format versions this code reads; from CHAINED_VERSION on, records are hash-chained
READS = (1, 2, 3)
CHAINED_VERSION = 3
_MAX_SEED = 2**63 - 1


class LogError(ValueError):
    """A log that cannot be read; the message names the file and the line."""


@dataclass
class ParsedLog:
    """A log's header and records, with the line number of each record after the header.

    Attributes:
        header: the first record.
        records: the records after it, up to (not including) ``stop_line``.
        numbers: the line number of each of ``records``.
        stop_line: the line where the log stops being the game's (chain broken, line cut), or
            None.
        stop: why, as ``line N: ...``, or None.
        note: what could not be checked (older formats have no hashes), or ``""``.
    """

    header: dict[str, Any]
    records: list[dict[str, Any]]
    numbers: list[int]
    stop_line: int | None = None
    stop: str | None = None
    note: str = ""


def read_log_file(path: str | Path) -> ParsedLog:
    """Read and parse a log file (see :func:`parse_log`).

    Raises:
        LogError: if the file is missing, too large, not text, or not a log.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_file() and size > MAX_LOG_BYTES:
            raise LogError(
                f"{p}: too large for a game log ({size_text(size)}; the limit is "
                f"{size_text(MAX_LOG_BYTES)})"
            )
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LogError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise LogError(f"{p}: is a folder, not a log file") from None
    except UnicodeDecodeError:
        raise LogError(f"{p}: not a text file (a JSON-lines log expected)") from None
    except OSError as e:
        raise LogError(f"{p}: cannot read: {e.strerror or e}") from None
    return parse_log(text, p)


def parse_log(text: str, p: str | Path) -> ParsedLog:
    """Parse a log's text (``p`` names it in messages).

    Raises:
        LogError: if the text is too large, a line (other than a last line cut short) is not a
            record, or the header is missing or malformed.
    """
    if len(text) > MAX_LOG_BYTES:
        raise LogError(
            f"{p}: too large for a game log ({size_text(len(text))}; the limit is "
            f"{size_text(MAX_LOG_BYTES)})"
        )
    records: list[dict[str, Any]] = []
    numbers: list[int] = []
    lines = text.splitlines()
    cut: int | None = None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rec, problem = json_problem(line)
        if problem is not None and i == len(lines) and not text.endswith("\n") and records:
            cut = i  # the last line, without its newline: the file was cut short
            break
        if problem is not None:
            raise LogError(f"{p}: line {i}: {problem}")
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            raise LogError(f"{p}: line {i}: not a log record (an object with a 'type')")
        records.append(rec)
        numbers.append(i)
    if not records:
        raise LogError(f"{p}: line 1: empty file, not a game log (no header record)")
    header = _check_header(records[0], numbers[0], p)
    parsed = ParsedLog(header, records[1:], numbers[1:])
    if header["log_version"] >= CHAINED_VERSION:
        broken = chain_break(records, numbers)
        if broken is not None:
            parsed.stop_line, parsed.stop = broken.line, str(broken)
    else:
        parsed.note = (
            f"log format {header['log_version']} has no hashes: it cannot be checked for "
            f"tampering (logs of format {CHAINED_VERSION} and later can)"
        )
    if cut is not None and parsed.stop_line is None:
        parsed.stop_line, parsed.stop = cut, f"line {cut}: the last line is cut short (truncated)"
    if parsed.stop_line is not None:
        keep = sum(1 for n in parsed.numbers if n < parsed.stop_line)
        del parsed.records[keep:], parsed.numbers[keep:]
    return parsed


def _check_header(header: dict[str, Any], line: int, p: str | Path) -> dict[str, Any]:
    if header["type"] != "header":
        raise LogError(f"{p}: line {line}: missing the header record")
    for key in ("log_version", "seed", "quarters", "spec"):
        if key not in header:
            raise LogError(f"{p}: line 1: header has no {key!r}")
    version = header["log_version"]
    if isinstance(version, bool) or version not in READS:
        raise LogError(
            f"{p}: line 1: log version {version!r} is not supported "
            f"(this version reads {', '.join(map(str, READS))})"
        )
    seed, quarters = header["seed"], header["quarters"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= _MAX_SEED:
        raise LogError(
            f"{p}: line 1: header 'seed' must be a whole number from 0 to {_MAX_SEED} "
            f"(got {seed if len(repr(seed)) <= 30 else 'a huge number'!r})"
        )
    if isinstance(quarters, bool) or not isinstance(quarters, int) or not 1 <= quarters <= 400:
        raise LogError(
            f"{p}: line 1: header 'quarters' must be a whole number from 1 to 400 "
            f"(got {quarters!r})"
        )
    if not isinstance(header["spec"], dict):
        raise LogError(f"{p}: line 1: header 'spec' must be an object (the scenario)")
    return header
