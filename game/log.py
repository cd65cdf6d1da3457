"""The game log: every offer, answer, move and event of a game, one JSON object a line.

The first line is a header with everything needed to play the game again (the scenario itself,
the seed, the length, who sat where); then, for each quarter, a ``quarter_open`` record with the
quarter's events (drawn or chosen), ``event``, ``decision`` and ``fault`` records in the order they
happened, and a ``quarter_end`` record with a digest of the state after the quarter; and an
``end`` record. :func:`replay` re-applies the logged events and decisions to a fresh game in which
every actor is driven from outside, and says whether it reaches the same states. (Logs written
before ``quarter_open`` records existed replay too: their events are drawn again from the seed.)

Each line is hash-chained to the one before (format 3, :mod:`game.log_chain`), so that an edited,
moved, dropped or added record is reported by its line; reading and checking a log's text is
:mod:`game.log_read`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from game.decisions import DecisionError, decision_from_json
from game.log_chain import Chain
from game.log_read import CHAINED_VERSION, LogError, ParsedLog, parse_log, read_log_file
from game.scenario import ScenarioError, ScenarioSpec, scenario_from_dict

if TYPE_CHECKING:  # the model (and Mesa, slow to import) is loaded only to play a game
    from game.model import FabRaceModel

__all__ = [
    "LOG_VERSION",
    "GameLog",
    "LogError",
    "ReplayReport",
    "StepReplay",
    "end_record",
    "header_record",
    "read_log",
    "replay",
]

#: The version this code writes. Version 3 chains every record to the one before with a hash
#: (``n`` and ``h``: see :mod:`game.log_chain`); version 2 added ``quarter_open`` records;
#: versions 1 and 2 still read (and replay), but cannot be checked for tampering.
LOG_VERSION = CHAINED_VERSION


def header_record(
    spec: ScenarioSpec, seed: int, quarters: int, policies: dict[str, str]
) -> dict[str, Any]:
    """The first record of a log: everything needed to play the game again."""
    return {
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


def end_record(model: FabRaceModel) -> dict[str, Any]:
    """The last record of a log."""
    return {"type": "end", "quarters": model.quarter_index, "digest": model.digest()}


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
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=folder)
        except OSError as e:
            raise OSError(f"{self.path}: cannot write there ({e.strerror or e})") from None
        self._tmp = Path(tmp)
        self._fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
        self._chain = Chain()
        # records that arrive before the header (a policy's fault in reset, as the model is
        # built, and the header needs the built model) wait here: the header comes first
        self._early: list[dict[str, Any]] | None = []

    def header(
        self, spec: ScenarioSpec, seed: int, quarters: int, policies: dict[str, str]
    ) -> None:
        """Write the header line (then any records that came before it)."""
        early, self._early = self._early or [], None
        self.write(header_record(spec, seed, quarters, policies))
        for record in early:
            self.write(record)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (the model's recorder)."""
        assert self._fh is not None, "log already closed"
        if self._early is not None:
            self._early.append(record)
        else:
            self._fh.write(self._chain.line(record))

    def close(self, model: FabRaceModel) -> None:
        """Write the end record and move the log into place."""
        self.write(end_record(model))
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
    """Read a log: its header and its other records (up to where its hash chain breaks).

    Raises:
        LogError: if the file is missing, too large, not JSON lines, or has no valid header.
    """
    parsed = read_log_file(path)
    return parsed.header, parsed.records


@dataclass
class ReplayReport:
    """What a replay found."""

    quarters: int
    decisions: int
    same: bool
    detail: str
    digest: str
    note: str = ""


def replay(path: str | Path) -> ReplayReport:
    """Play a logged game again from its decisions and compare every quarter's state.

    Raises:
        LogError: if the log is unreadable or its records are malformed.
    """
    parsed = read_log_file(path)
    report = _play_log(parsed, path)
    report.note = parsed.note
    return report


def _play_log(parsed: ParsedLog, path: str | Path) -> ReplayReport:
    """Play a parsed log's records again (see :func:`replay`)."""
    header, records, numbers = parsed.header, parsed.records, parsed.numbers
    spec = _header_spec(header, path)
    digests: list[str] = []
    replayed_events: list[str] = []
    logged_events: list[str] = []

    def record(rec: dict[str, Any]) -> None:
        if rec["type"] == "quarter_end":
            digests.append(rec["digest"])
        elif rec["type"] == "event":
            replayed_events.append(_event_key(rec))

    from game.model import FabRaceModel  # imports Mesa (slow): only once the log reads

    names = [a.name for a in spec.actors]
    model = FabRaceModel(
        spec,
        seed=int(header["seed"]),
        quarters=int(header["quarters"]),
        policies=dict.fromkeys(names),
        recorder=record,
    )
    n_dec = 0
    for idx, (i, rec) in enumerate(zip(numbers, records, strict=True)):
        kind = rec["type"]
        if kind == "decision":
            actor, outcome = rec.get("actor"), rec.get("outcome")
            try:
                d = decision_from_json(rec.get("decision"))
                if not isinstance(actor, str):
                    raise DecisionError("'actor' must be an actor's name")
                if not isinstance(outcome, dict) or not isinstance(outcome.get("ok"), bool):
                    raise DecisionError("'outcome' must be an object with 'ok' true or false")
            except DecisionError as e:
                raise LogError(f"{path}: line {i}: bad decision record: {e}") from None
            logged_ok = outcome["ok"]
            if actor not in model.actors_by_name:
                raise LogError(f"{path}: line {i}: unknown actor {actor!r}")
            model.open_quarter()  # a log without quarter_open records: the events are drawn
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
            if out.ok != logged_ok:
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
            n = model.quarter_index
            if rec.get("q") != n or model.finished:
                return ReplayReport(
                    n,
                    n_dec,
                    False,
                    f"line {i}: end of quarter {rec.get('q')} logged, replay is in quarter {n}"
                    + (" after the last quarter" if model.finished else ""),
                    model.digest(),
                )
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
            # the replay draws the next quarter's events as it closes this one: compare up to n
            logged = [e for e in logged_events if _event_quarter(e) <= n]
            replayed = [e for e in replayed_events if _event_quarter(e) <= n]
            if logged != replayed:
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"events differ by {rec.get('label', rec.get('q'))}: the log has "
                    f"{_event_names(logged)}, the replay {_event_names(replayed)}",
                    got,
                )
            logged_events[:] = [e for e in logged_events if e not in logged]
            replayed_events[:] = [e for e in replayed_events if e not in replayed]
        elif kind == "event":
            logged_events.append(_event_key(rec))
        elif kind == "quarter_open":
            problem = _open_logged_quarter(model, rec, f"{path}: line {i}")
            if problem is not None:
                return ReplayReport(model.quarter_index, n_dec, False, problem, model.digest())
        elif kind == "end":
            final = model.digest()
            if idx + 1 < len(records):
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"line {numbers[idx + 1]}: records after the end record",
                    final,
                )
            if logged_events:
                return ReplayReport(
                    model.quarter_index,
                    n_dec,
                    False,
                    f"the log has events the replay does not: {_event_names(logged_events)}",
                    final,
                )
            same = final == rec.get("digest")
            detail = (
                "same end state" if same else f"end state differs: {final} != {rec.get('digest')}"
            )
            return ReplayReport(model.quarter_index, n_dec, same, detail, final)
        elif kind != "fault":
            raise LogError(f"{path}: line {i}: unknown record type {kind!r}")
    return ReplayReport(
        model.quarter_index,
        n_dec,
        False,
        parsed.stop or "the log ends before the game did (no end record)",
        model.digest(),
    )


def _header_spec(header: dict[str, Any], path: str | Path) -> ScenarioSpec:
    """The scenario a log's header carries (with the source and digest the game had)."""
    try:
        spec = scenario_from_dict(
            header["spec"],
            source=f"{path}: line 1: header spec",
            digest=str(header.get("scenario_digest", "")),
        )
    except ScenarioError as e:
        raise LogError(str(e)) from None
    return spec.model_copy(
        update={
            "source": str(header.get("scenario_source", "")),
            "digest": str(header.get("scenario_digest", "")),
        }
    )


class StepReplay:
    """A logged game played again one quarter at a time (for a viewer stepping through it).

    Every actor is driven from outside, as in :func:`replay`: each :meth:`next_quarter` applies
    the quarter's logged decisions, closes the quarter and checks the state against the log's
    digest. A difference stops the replay with a message in :attr:`problem`.

    Args:
        text: the log's text (JSON lines).
        name: how messages name the log (a file name).

    Raises:
        LogError: if the log is unreadable or its header is malformed.
    """

    def __init__(self, text: str, name: str = "log") -> None:
        self.name = name
        parsed = parse_log(text, name)
        self.header, self._records, self._numbers = parsed.header, parsed.records, parsed.numbers
        self._break = parsed.stop  # where the log stops being the game's (after its records)
        self.note = parsed.note
        self.spec = _header_spec(self.header, name)
        self.digests: list[str] = []
        from game.model import FabRaceModel  # imports Mesa (slow): only once the log reads

        self.model = FabRaceModel(
            self.spec,
            seed=int(self.header["seed"]),
            quarters=int(self.header["quarters"]),
            policies=dict.fromkeys(a.name for a in self.spec.actors),
            recorder=self._record,
        )
        self._pos = 0
        self.decisions = 0
        self.problem: str | None = None
        self.done = False  # the end record was reached (or the records ran out)
        self._open_next()  # the first quarter's news shows before it is played

    def _record(self, rec: dict[str, Any]) -> None:
        if rec["type"] == "quarter_end":
            self.digests.append(rec["digest"])

    @property
    def seats(self) -> dict[str, str]:
        """The policy each actor had in the logged game (``external`` for a player)."""
        pol = self.header.get("policies")
        return {str(k): str(v) for k, v in pol.items()} if isinstance(pol, dict) else {}

    @property
    def can_step(self) -> bool:
        return not self.done and self.problem is None and not self.model.finished

    def _stop(self, problem: str) -> bool:
        self.problem = problem
        return False

    def next_quarter(self) -> bool:
        """Play the next logged quarter; False (and :attr:`problem` or :attr:`done`) if none.

        Raises:
            LogError: if a record is malformed.
        """
        if not self.can_step:
            return False
        model = self.model
        while self._pos < len(self._records):
            i, rec = self._numbers[self._pos], self._records[self._pos]
            self._pos += 1
            kind = rec["type"]
            if kind == "decision":
                actor, outcome = rec.get("actor"), rec.get("outcome")
                try:
                    d = decision_from_json(rec.get("decision"))
                except DecisionError as e:
                    raise LogError(f"{self.name}: line {i}: bad decision record: {e}") from None
                if not isinstance(actor, str) or actor not in model.actors_by_name:
                    raise LogError(f"{self.name}: line {i}: unknown actor {actor!r}")
                model.open_quarter()  # a log without quarter_open records: the events are drawn
                if rec.get("q") != model.quarter_index:
                    return self._stop(
                        f"line {i}: decision logged in quarter {rec.get('q')}, "
                        f"replay is in quarter {model.quarter_index}"
                    )
                out = model.submit(actor, d)
                self.decisions += 1
                if isinstance(outcome, dict) and out.ok != outcome.get("ok"):
                    return self._stop(
                        f"line {i}: {actor}'s {d.type} was "
                        f"{'applied' if out.ok else 'refused'} in the replay, not in the game"
                    )
            elif kind == "quarter_end":
                if rec.get("q") != model.quarter_index or model.finished:
                    return self._stop(
                        f"line {i}: end of quarter {rec.get('q')} logged, "
                        f"replay is in quarter {model.quarter_index}"
                    )
                model.step()
                got = self.digests[-1] if self.digests else ""
                if got != rec.get("digest"):
                    return self._stop(f"state differs after {rec.get('label', rec.get('q'))}")
                if model.finished:
                    self._check_end()
                else:
                    self._open_next()
                return True
            elif kind == "quarter_open":
                problem = _open_logged_quarter(model, rec, f"{self.name}: line {i}")
                if problem is not None:
                    return self._stop(problem)
            elif kind == "end":
                self._pos -= 1
                self._check_end()
                return False
            elif kind not in ("event", "fault"):
                raise LogError(f"{self.name}: line {i}: unknown record type {kind!r}")
        self.done = True
        self.problem = self._break
        return False

    def _open_next(self) -> None:
        """Open the next quarter as the log did, so that its news shows before it is played."""
        if self._pos < len(self._records) and self._records[self._pos]["type"] == "quarter_open":
            i, rec = self._numbers[self._pos], self._records[self._pos]
            self._pos += 1
            problem = _open_logged_quarter(self.model, rec, f"{self.name}: line {i}")
            if problem is not None:
                self._stop(problem)

    def _check_end(self) -> None:
        """After the last quarter: the rest of the log must be its end record, same state."""
        self.done = True
        rest = [
            r
            for r in self._records[self._pos :]
            if r["type"] not in ("event", "fault", "quarter_open")
        ]
        self._pos = len(self._records)
        if not rest:
            self.problem = self._break or "the log ends before the game did (no end record)"
        elif rest[0]["type"] != "end" or len(rest) > 1:
            self.problem = "the log has records after the game's last quarter"
        elif self.model.digest() != rest[0].get("digest"):
            self.problem = "end state differs from the log"


def _open_logged_quarter(model: FabRaceModel, rec: dict[str, Any], where: str) -> str | None:
    """Open the replay's quarter with the events a ``quarter_open`` record logged.

    Returns why the replay cannot follow the log here, or None.

    Raises:
        LogError: if the record is malformed.
    """
    events = rec.get("events")
    if not isinstance(events, list):
        raise LogError(f"{where}: quarter_open record without an 'events' list")
    if rec.get("q") != model.quarter_index or model.quarter_open or model.finished:
        return (
            f"{where.rsplit(': ', 1)[-1]}: quarter {rec.get('q')} opened in the log, "
            f"replay is in quarter {model.quarter_index}"
            + (" (already open)" if model.quarter_open else "")
        )
    try:
        model.open_quarter(events=events)
    except ValueError as e:
        raise LogError(f"{where}: bad events in quarter_open record: {e}") from None
    return None


def _event_key(rec: dict[str, Any]) -> str:
    """What must match between a logged event and a replayed one (JSON, to compare any values)."""
    return json.dumps([rec.get(k) for k in ("q", "kind", "target", "description")])


def _event_quarter(e: str) -> float:
    q = json.loads(e)[0]
    return q if isinstance(q, int | float) and not isinstance(q, bool) else float("inf")


def _event_names(events: list[str]) -> str:
    return ", ".join(str(json.loads(e)[1]) for e in events) or "none"
