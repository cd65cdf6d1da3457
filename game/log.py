"""The game log: every offer, answer, move and event of a game, one JSON object a line.

The first line is a header with everything needed to play the game again (the scenario itself,
the seed, the length, who sat where); then come ``event``, ``decision`` and ``fault`` records in
the order they happened, a ``quarter_end`` record with a digest of the state after each quarter,
and an ``end`` record. :func:`replay` re-applies the logged decisions to a fresh game in which
every actor is driven from outside, and says whether it reaches the same states.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from game.decisions import DecisionError, decision_from_json
from game.model import FabRaceModel
from game.scenario import ScenarioError, ScenarioSpec, scenario_from_dict

__all__ = ["LOG_VERSION", "GameLog", "LogError", "ReplayReport", "read_log", "replay"]

LOG_VERSION = 1


class LogError(ValueError):
    """A log that cannot be read; the message names the file and the line."""


class GameLog:
    """Writes a game log atomically: to a temporary file beside the target, renamed at the end.

    A game that fails leaves no half-written log behind (and any older log at the path intact).

    Args:
        path: where the finished log goes.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise OSError(f"{self.path}: folder {folder} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=folder)
        self._tmp = Path(tmp)
        self._fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")

    def header(
        self, spec: ScenarioSpec, seed: int, quarters: int, policies: dict[str, str]
    ) -> None:
        """Write the header line."""
        self.write(
            {
                "type": "header",
                "log_version": LOG_VERSION,
                "scenario": spec.name,
                "scenario_source": spec.source,
                "scenario_digest": spec.digest,
                "seed": seed,
                "quarters": quarters,
                "policies": policies,
                "spec": spec.model_dump(mode="json"),
            }
        )

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (the model's recorder)."""
        assert self._fh is not None, "log already closed"
        self._fh.write(json.dumps(record, separators=(",", ":")) + "\n")

    def close(self, model: FabRaceModel) -> None:
        """Write the end record and move the log into place."""
        self.write({"type": "end", "quarters": model.quarter_index, "digest": model.digest()})
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the unfinished log."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)


def read_log(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a log: its header and its other records.

    Raises:
        LogError: if the file is missing, not JSON lines, or has no valid header.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LogError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{p}: cannot read: {e}") from None
    records = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise LogError(f"{p}: line {i}: not JSON ({e.msg})") from None
        if not isinstance(rec, dict) or "type" not in rec:
            raise LogError(f"{p}: line {i}: not a log record (an object with a 'type')")
        records.append(rec)
    if not records or records[0]["type"] != "header":
        raise LogError(f"{p}: line 1: missing the header record")
    header = records[0]
    for key in ("log_version", "seed", "quarters", "spec"):
        if key not in header:
            raise LogError(f"{p}: line 1: header has no {key!r}")
    if header["log_version"] != LOG_VERSION:
        raise LogError(
            f"{p}: log version {header['log_version']!r} is not supported "
            f"(this version reads {LOG_VERSION})"
        )
    return header, records[1:]


@dataclass
class ReplayReport:
    """What a replay found."""

    quarters: int
    decisions: int
    same: bool
    detail: str
    digest: str


def replay(path: str | Path) -> ReplayReport:
    """Play a logged game again from its decisions and compare every quarter's state.

    Raises:
        LogError: if the log is unreadable or its records are malformed.
    """
    header, records = read_log(path)
    try:
        spec = scenario_from_dict(
            header["spec"], source=f"{path} (header)", digest=header.get("scenario_digest", "")
        )
    except ScenarioError as e:
        raise LogError(str(e)) from None
    spec = spec.model_copy(
        update={
            "source": header.get("scenario_source", ""),
            "digest": header.get("scenario_digest", ""),
        }
    )
    digests: list[str] = []

    def record(rec: dict[str, Any]) -> None:
        if rec["type"] == "quarter_end":
            digests.append(rec["digest"])

    names = [a.name for a in spec.actors]
    model = FabRaceModel(
        spec,
        seed=int(header["seed"]),
        quarters=int(header["quarters"]),
        policies=dict.fromkeys(names),
        recorder=record,
    )
    n_dec = 0
    for i, rec in enumerate(records, 2):
        kind = rec["type"]
        if kind == "decision":
            try:
                d = decision_from_json(rec["decision"])
                actor = rec["actor"]
            except (DecisionError, KeyError, TypeError) as e:
                raise LogError(f"{path}: line {i}: bad decision record: {e}") from None
            if actor not in model.actors_by_name:
                raise LogError(f"{path}: line {i}: unknown actor {actor!r}")
            if rec.get("q") != model.quarter_index:
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"line {i}: decision logged in quarter {rec.get('q')}, "
                    f"replay is in quarter {model.quarter_index}",
                    model.digest(),
                )
            out = model.submit(actor, d)
            n_dec += 1
            if out.ok != rec.get("outcome", {}).get("ok"):
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"line {i}: {actor}'s {d.type} was "
                    f"{'applied' if out.ok else 'refused'} in the replay, "
                    f"not in the game ({out.reason})",
                    model.digest(),
                )
        elif kind == "quarter_end":
            model.step()
            got = digests[-1] if digests else ""
            if got != rec.get("digest"):
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"state differs after {rec.get('label', rec.get('q'))}: "
                    f"{got} != {rec.get('digest')}",
                    got,
                )
        elif kind == "end":
            final = model.digest()
            same = final == rec.get("digest")
            detail = (
                "same end state" if same else f"end state differs: {final} != {rec.get('digest')}"
            )
            return ReplayReport(model.quarter_index, n_dec, same, detail, final)
        elif kind not in ("event", "fault"):
            raise LogError(f"{path}: line {i}: unknown record type {kind!r}")
    return ReplayReport(
        model.quarter_index,
        n_dec,
        False,
        "the log ends before the game did (no end record)",
        model.digest(),
    )
