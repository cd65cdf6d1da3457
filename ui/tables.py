"""Tables: one game that several people play, each at their own seat, with bots in the rest.

A host makes a table from a scenario, a seed and the seats that are for people; the other seats
get bots. Each table has an unguessable id, the host a secret host token, and each person who
takes a seat a secret seat token: a token acts only for its own seat. The quarter ends when every
seated person has pressed End quarter, or when the host's timer (optional) has run out. The host
may pause, inject an event from the scenario's deck into the next quarter, and end the game.

Everything a seat does goes through a :class:`~ui.session.GameSession` view of the table's one
game (the same checks and messages as a one-player game); no game rule lives here. A
:class:`TableRegistry` keeps tables in memory and saves each one (engine snapshot, game log,
seats, names, host settings and the SHA-256 of each token, never a token itself) atomically to a
folder, and loads them back when the server starts again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from agents.registry import PolicyRegistry
from agents.snapshots import restore_game
from game.log import end_record, header_record
from game.log_chain import chained_lines
from game.model import FabRaceModel
from game.observation import Observation
from game.scenario import ScenarioSpec, load_scenario
from game.snapshot import SnapshotError
from ui.session import DEFAULT_BOT, ActionResult, GameSession, _registry

__all__ = [
    "MAX_NAME",
    "MAX_TABLES",
    "TABLE_FORMAT",
    "TABLE_VERSION",
    "SeatState",
    "SeatView",
    "Table",
    "TableError",
    "TableRegistry",
    "default_folder",
]

TABLE_FORMAT = "fabrace-table"
TABLE_VERSION = 1
MAX_NAME = 40  # characters of a display name
MAX_TIMER = 7 * 24 * 3600.0  # a host's timer: at most a week a quarter
MAX_TABLE_CHARS = 16_000_000
MAX_TABLES = 100  # tables a server keeps at once
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class TableError(ValueError):
    """Something a table refuses (unknown table, wrong token, bad seat or name); the message
    says why, for the person."""


def default_folder() -> Path:
    """Where tables are kept: ``$XDG_DATA_HOME/fabrace/tables`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fabrace" / "tables"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _matches(token: Any, digest: str | None) -> bool:
    if digest is None or not isinstance(token, str) or len(token) > 200:
        return False
    return hmac.compare_digest(_hash(token), digest)


def clean_name(name: Any) -> str:
    """A display name as kept: trimmed, 1 to :data:`MAX_NAME` characters, no control characters.
    It is shown literally (as text, never as markup).

    Raises:
        TableError: for anything else.
    """
    if not isinstance(name, str):
        raise TableError("a display name must be text")
    s = name.strip()
    if not s:
        raise TableError("enter a display name")
    if len(s) > MAX_NAME:
        raise TableError(f"a display name has at most {MAX_NAME} characters (got {len(s):,})")
    if _CONTROL.search(s):
        raise TableError("a display name cannot contain control characters or line breaks")
    return s


@dataclass
class SeatState:
    """One actor's seat at a table.

    Attributes:
        actor: the actor's name.
        person: whether the seat is for a person (else a bot plays it).
        name: the display name of the person sitting there (None when free).
        token_hash: SHA-256 of the seat's token (None when free).
        ended: whether that person has pressed End quarter this quarter.
    """

    actor: str
    person: bool
    name: str | None = None
    token_hash: str | None = None
    ended: bool = False

    @property
    def taken(self) -> bool:
        return self.person and self.token_hash is not None


class SeatView(GameSession):
    """A seat's one-player view of a table's game: everything a :class:`GameSession` shows and
    checks, except that the quarter is the table's to play."""

    def end_quarter(self, expected: int | None = None) -> ActionResult:
        """Refused: at a table, End quarter goes through :meth:`Table.end_quarter`."""
        return ActionResult(False, "at a table, End quarter goes through the table")


class Table:
    """A game several people play together. Make one with :meth:`host` (or a registry's
    :meth:`TableRegistry.host`); the host token it returns is shown once and kept only hashed.

    Every method taking a token raises :class:`TableError` for a token that does not act for
    that seat (or is not the host's, for the host's controls).
    """

    def __init__(
        self,
        table_id: str,
        model: FabRaceModel,
        header: dict[str, Any],
        records: list[dict[str, Any]],
        seats: dict[str, SeatState],
        host_hash: str,
        timer_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
        registry: PolicyRegistry | None = None,
    ) -> None:
        self.id = table_id
        self.model = model
        self.header = header
        self._records = records
        model.recorder = self._records.append
        self.seats = seats
        self.host_hash = host_hash
        self.timer_seconds = timer_seconds
        self.clock = clock
        self.registry = registry or _registry()
        self.lock = threading.RLock()
        self.paused = False
        self.over = False  # ended by the host
        self.injected: list[dict[str, Any]] = []  # events for the next quarter
        self.inject_problem: str | None = None  # why the last injection could not land
        self.deadline: float | None = None
        self.on_change: Callable[[Table], None] | None = None
        self.version = 0  # moves at every change: pages poll it to know when to show again
        self.game_version = 0  # moves when the game itself changed (an action, a quarter, the end)
        self._views: dict[str, SeatView] = {}
        self._arm_timer()

    # -- making a table -----------------------------------------------------------------------
    @classmethod
    def host(
        cls,
        scenario: str | ScenarioSpec,
        seed: int,
        people: Iterable[str],
        *,
        timer_seconds: float | None = None,
        bots: dict[str, str] | None = None,
        quarters: int | None = None,
        clock: Callable[[], float] = time.time,
        registry: PolicyRegistry | None = None,
    ) -> tuple[Table, str]:
        """A new table and its host token.

        Args:
            scenario: a built-in name, a path, or a loaded scenario.
            seed: the game's seed.
            people: the actors played by people (at least one); the rest get bots.
            timer_seconds: the longest a quarter may last (None: no timer).
            bots: policy name per bot actor (default: the scenario's choice, or ``historical``).
            quarters: play fewer quarters than the scenario.
            clock: the time in seconds (injectable for tests).
            registry: where policy names are looked up.

        Raises:
            TableError: for an unknown actor or policy, no people seat, or a bad timer.
        """
        spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
        names = [a.name for a in spec.actors]
        chosen = list(dict.fromkeys(people))
        if not chosen:
            raise TableError("choose at least one seat for people")
        for who in [*chosen, *(bots or {})]:
            if who not in names:
                raise TableError(f"no actor {who!r} in {spec.name} (actors: {', '.join(names)})")
        if timer_seconds is not None and not (0 < float(timer_seconds) <= MAX_TIMER):
            raise TableError(f"the timer must be more than 0 and at most {MAX_TIMER:,.0f} s")
        reg = registry or _registry()
        policies: dict[str, Any] = {}
        for a in spec.actors:
            if a.name in chosen:
                policies[a.name] = None
                continue
            pol = (bots or {}).get(a.name, a.policy or DEFAULT_BOT)
            if pol not in reg.entries:
                raise TableError(f"{a.name}: unknown policy {pol!r}")
            policies[a.name] = reg.make(pol, a.role)
        records: list[dict[str, Any]] = []
        model = FabRaceModel(
            spec, seed=seed, policies=policies, quarters=quarters, recorder=records.append
        )
        model.open_quarter()
        header = header_record(
            spec, seed, model.n_quarters, {n: model.policy_label(n) for n in names}
        )
        seats = {n: SeatState(n, n in chosen) for n in names}
        host_token = secrets.token_urlsafe(32)
        table = cls(
            secrets.token_urlsafe(16),
            model,
            header,
            records,
            seats,
            _hash(host_token),
            None if timer_seconds is None else float(timer_seconds),
            clock,
            reg,
        )
        return table, host_token

    # -- tokens and seats ---------------------------------------------------------------------
    def _seat(self, seat: Any) -> SeatState:
        if not isinstance(seat, str) or seat not in self.seats:
            raise TableError(f"no seat {str(seat)[:60]!r} at this table")
        return self.seats[seat]

    def seat_of(self, token: Any) -> str:
        """The seat a token acts for.

        Raises:
            TableError: if the token acts for no seat at this table.
        """
        for s in self.seats.values():
            if _matches(token, s.token_hash):
                return s.actor
        raise TableError("this token does not hold a seat at this table")

    def is_host(self, token: Any) -> bool:
        """Whether ``token`` is this table's host token."""
        return _matches(token, self.host_hash)

    def _check_host(self, token: Any) -> None:
        if not _matches(token, self.host_hash):
            raise TableError("only the host can do that")

    def free_seats(self) -> list[str]:
        """People seats nobody has taken, in scenario order."""
        with self.lock:
            return [s.actor for s in self.seats.values() if s.person and not s.taken]

    def take_seat(self, seat: str, display_name: str) -> str:
        """Sit at a free people seat under ``display_name``; returns the seat's secret token.

        Raises:
            TableError: for an unknown seat, a bot's seat, a seat taken, or a bad name.
        """
        name = clean_name(display_name)
        with self.lock:
            s = self._seat(seat)
            if not s.person:
                raise TableError(f"{s.actor} is played by a bot")
            if s.taken:
                raise TableError(f"{s.actor} is taken (by {s.name})")
            token = secrets.token_urlsafe(32)
            s.name, s.token_hash, s.ended = name, _hash(token), False
            self._changed()
        return token

    def hand_back(self, token: str) -> str:
        """Leave one's seat (it becomes free for someone else); returns the seat's actor."""
        with self.lock:
            s = self.seats[self.seat_of(token)]
            s.name, s.token_hash, s.ended = None, None, False
            self._changed()
            self._advance_if_all_ended()
            return s.actor

    def bot_takes(self, host_token: str, seat: str, policy: str | None = None) -> str:
        """The host gives a people seat to a bot (whoever sat there loses it); returns the
        bot's policy name.

        Raises:
            TableError: if not the host, for an unknown seat or policy, or a bot's seat.
        """
        with self.lock:
            self._check_host(host_token)
            s = self._seat(seat)
            if not s.person:
                raise TableError(f"{s.actor} is already played by a bot")
            a = self.model.actor(s.actor)
            spec_actor = next(x for x in self.model.spec.actors if x.name == s.actor)
            name = policy or spec_actor.policy or DEFAULT_BOT
            if name not in self.registry.entries:
                raise TableError(f"{s.actor}: unknown policy {name!r}")
            self.model.policies[s.actor] = self.registry.make(name, a.role)
            s.person, s.name, s.token_hash, s.ended = False, None, None, False
            self._views.pop(s.actor, None)
            self._changed()
            self._advance_if_all_ended()
            return name

    # -- what a seat does ---------------------------------------------------------------------
    def view(self, token: str) -> SeatView:
        """The one-player view of the token's seat, for reading (books, inbox, previews...).

        Act through the table's methods (:meth:`propose`, :meth:`accept`, ...), which check
        the token, the pause and the end of the game first.
        """
        with self.lock:
            seat = self.seat_of(token)
            v = self._views.get(seat)
            if v is None:
                v = cast(SeatView, SeatView.from_model(self.model, seat, self.header, []))
                self.model.recorder = self._records.append  # the table keeps the one log
                v.lock = self.lock
                self._views[seat] = v
            return v

    def _acting(self, token: str) -> SeatView:
        v = self.view(token)
        if self.over:
            raise TableError("the host has ended the game")
        if self.paused:
            raise TableError("the host has paused the table")
        return v

    def _done(self, res: ActionResult) -> ActionResult:
        if res.ok:
            self._changed(game=True)
        return res

    def propose(self, token: str, recipient: str, kind: str, raw: dict[str, Any]) -> ActionResult:
        """Send an offer; a person's answer waits in their inbox for the quarter."""
        with self.lock:
            return self._done(self._acting(token).propose(recipient, kind, raw))

    def accept(self, token: str, offer_id: int) -> ActionResult:
        """Accept an offer in the seat's inbox."""
        with self.lock:
            return self._done(self._acting(token).accept(offer_id))

    def reject(self, token: str, offer_id: int) -> ActionResult:
        """Refuse an offer in the seat's inbox."""
        with self.lock:
            return self._done(self._acting(token).reject(offer_id))

    def counter(self, token: str, offer_id: int, raw: dict[str, Any]) -> ActionResult:
        """Send an offer back with other terms."""
        with self.lock:
            return self._done(self._acting(token).counter(offer_id, raw))

    def move(self, token: str, move_type: str, raw: dict[str, Any]) -> ActionResult:
        """Make a unilateral move for the seat."""
        with self.lock:
            return self._done(self._acting(token).move(move_type, raw))

    def observation(self, token: str) -> Observation:
        """What the token's seat sees (its own books, its inbox)."""
        with self.lock:
            return self.model.observe(self.seat_of(token))

    # -- the quarter --------------------------------------------------------------------------
    @property
    def quarter_index(self) -> int:
        return self.model.quarter_index

    @property
    def finished(self) -> bool:
        return self.model.finished or self.over

    def who_is_deciding(self) -> list[tuple[str, str]]:
        """``(actor, display name)`` of the seated people who have not ended the quarter."""
        with self.lock:
            if self.finished:
                return []
            return [(s.actor, str(s.name)) for s in self.seats.values() if s.taken and not s.ended]

    def end_quarter(self, token: str, expected_quarter: int) -> ActionResult:
        """The token's person is done with quarter ``expected_quarter``; the quarter is played
        when every seated person is done. A press for a quarter already played is refused."""
        with self.lock:
            seat = self.seat_of(token)
            if self.over:
                return ActionResult(False, "the host has ended the game")
            if self.model.finished:
                return ActionResult(False, "the game is over")
            if self.paused:
                return ActionResult(False, "the host has paused the table")
            if not isinstance(expected_quarter, int) or isinstance(expected_quarter, bool):
                return ActionResult(False, "End quarter needs the quarter's number")
            if expected_quarter != self.model.quarter_index:
                return ActionResult(
                    False,
                    f"quarter {expected_quarter} has already been played; "
                    f"this is {self.model.label}",
                )
            self.seats[seat].ended = True
            self._changed()
            if self._advance_if_all_ended():
                return ActionResult(True, self._now_text())
            waiting = ", ".join(n for _, n in self.who_is_deciding())
            return ActionResult(True, f"waiting for {waiting}")

    def _now_text(self) -> str:
        return "the game is over" if self.model.finished else f"now {self.model.label}"

    def _advance_if_all_ended(self) -> bool:
        seated = [s for s in self.seats.values() if s.taken]
        if self.finished or self.paused or not seated or not all(s.ended for s in seated):
            return False
        self._advance()
        return True

    def _advance(self) -> None:
        for v in self._views.values():
            v.previous_books = v.books()
        events, self.injected = (self.injected or None), []
        self.model.step()
        self.inject_problem = None
        try:
            self.model.open_quarter(events)
        except ValueError as e:  # an injected target no longer eligible: the deck's draw then
            self.inject_problem = f"the injected events could not land: {e}"
            self.model.open_quarter()
        for s in self.seats.values():
            s.ended = False
        self._arm_timer()
        self._changed(game=True)

    def _arm_timer(self) -> None:
        t = self.timer_seconds
        self.deadline = None if t is None or self.finished else self.clock() + t

    def tick(self, now: float | None = None) -> bool:
        """Play the quarter if the host's timer has run out (and the table is not paused);
        True if a quarter was played."""
        with self.lock:
            now = self.clock() if now is None else now
            if self.finished or self.paused or self.deadline is None or now < self.deadline:
                return False
            self._advance()
            return True

    # -- the host's controls ------------------------------------------------------------------
    def pause(self, host_token: str) -> None:
        """Stop the table: no actions, no End quarter, no timer, until :meth:`resume`."""
        with self.lock:
            self._check_host(host_token)
            self.paused = True
            self._changed()

    def resume(self, host_token: str) -> None:
        """Go on after a pause; the timer starts again from its full length."""
        with self.lock:
            self._check_host(host_token)
            self.paused = False
            self._arm_timer()
            self._changed()
            self._advance_if_all_ended()

    def deck(self) -> list[str]:
        """The event kinds of the scenario's deck, each once, in deck order."""
        return list(dict.fromkeys(c.kind for c in self.model.spec.events))

    def inject(self, host_token: str, kind: str, target: str | None = None) -> None:
        """An event from the scenario's deck at the next quarter. That quarter's news is then
        the injected events instead of the deck's draw (the engine's explicit-chance API; the
        dice of later quarters stay the same).

        Raises:
            TableError: if not the host, the game is over, or the event is not in the deck or
                cannot hit ``target``.
        """
        with self.lock:
            self._check_host(host_token)
            if self.finished:
                raise TableError("the game is over")
            if kind not in self.deck():
                raise TableError(
                    f"no event {str(kind)[:60]!r} in the deck of {self.model.spec.name} "
                    f"(events: {', '.join(self.deck())})"
                )
            ev: dict[str, Any] = {"kind": kind}
            aimed = {
                n: p
                for c in self.model.event_odds()
                if c["kind"] == kind
                for n, p in c["targets"].items()
            }
            if target is not None:
                if target not in aimed:
                    who = ", ".join(aimed) or "nobody now"
                    raise TableError(f"{kind} cannot hit {str(target)[:60]!r} (it can hit: {who})")
                ev["target"] = target
            self.injected.append(ev)
            self._changed()

    def end_game(self, host_token: str) -> None:
        """End the game where it stands (no more actions; the log and views stay)."""
        with self.lock:
            self._check_host(host_token)
            self.over = True
            self.deadline = None
            self._changed(game=True)

    # -- what anyone may see ------------------------------------------------------------------
    def spectator_view(self) -> dict[str, Any]:
        """What a spectator sees: the quarter, public figures, market, news, public contracts
        and the seats (names, who is deciding); nobody's private books, inbox or trust."""
        with self.lock:
            obs = self.model.observe(self.model.actor_list[0].name)
            return {
                "table": self.id,
                "scenario": self.model.spec.name,
                "quarter": self.model.quarter_index,
                "label": self.model.label,
                "finished": self.finished,
                "paused": self.paused,
                "public": {n: dict(p) for n, p in obs.public.items()},
                "market": dict(obs.market),
                "news": list(obs.news),
                "contracts": [dict(c) for c in obs.contracts],
                "seats": [
                    {
                        "actor": s.actor,
                        "player": (s.name if s.taken else "free") if s.person else "bot",
                        "ended": s.ended,
                    }
                    for s in self.seats.values()
                ],
                "deciding": [n for _, n in self.who_is_deciding()],
                "notice": self.inject_problem,
            }

    def log_text(self) -> str:
        """The table's game so far as a log (JSON lines): it replays like any other game
        (``fabrace replay``, Load log)."""
        with self.lock:
            records = [self.header, *self._records]
            if self.model.finished:
                records.append(end_record(self.model))
            return chained_lines(records)

    # -- saving -------------------------------------------------------------------------------
    def _changed(self, game: bool = False) -> None:
        self.version += 1
        if game:
            self.game_version += 1
        if self.on_change is not None:
            self.on_change(self)

    def to_doc(self) -> dict[str, Any]:
        """The table as a JSON document: snapshot, log and metadata, tokens only hashed."""
        with self.lock:
            return {
                "format": TABLE_FORMAT,
                "version": TABLE_VERSION,
                "id": self.id,
                "snapshot": self.model.snapshot(),
                "header": self.header,
                "log": list(self._records),
                "seats": [asdict(s) for s in self.seats.values()],
                "host_hash": self.host_hash,
                "timer_seconds": self.timer_seconds,
                "deadline": self.deadline,
                "paused": self.paused,
                "over": self.over,
                "injected": list(self.injected),
            }

    @classmethod
    def from_doc(
        cls,
        doc: Any,
        clock: Callable[[], float] = time.time,
        registry: PolicyRegistry | None = None,
    ) -> Table:
        """A table again from :meth:`to_doc`'s document.

        Raises:
            TableError: for a document that is not a table this game can load.
        """
        if not isinstance(doc, dict) or doc.get("format") != TABLE_FORMAT:
            raise TableError("not a Fab Race table")
        if doc.get("version") != TABLE_VERSION:
            raise TableError(f"table version {doc.get('version')!r}; this reads {TABLE_VERSION}")
        try:
            tid, snap, header, log = (doc[k] for k in ("id", "snapshot", "header", "log"))
            if not (isinstance(tid, str) and _ID.fullmatch(tid)):
                raise TableError("damaged table (its id)")
            if not (isinstance(snap, dict) and isinstance(header, dict) and isinstance(log, list)):
                raise TableError("damaged table (snapshot or log)")
            seats = {}
            for raw in doc["seats"]:
                s = SeatState(
                    actor=str(raw["actor"]),
                    person=bool(raw["person"]),
                    name=None if raw["name"] is None else clean_name(raw["name"]),
                    token_hash=None if raw["token_hash"] is None else str(raw["token_hash"]),
                    ended=bool(raw["ended"]),
                )
                seats[s.actor] = s
            reg = registry or _registry()
            people = {n: None for n, s in seats.items() if s.person}
            model = restore_game(snap, registry=reg, policies=people)
            if set(seats) != set(model.actors_by_name):
                raise TableError("damaged table (its seats)")
            timer = doc["timer_seconds"]
            t = cls(
                tid,
                model,
                header,
                [r for r in log if isinstance(r, dict)],
                seats,
                str(doc["host_hash"]),
                None if timer is None else float(timer),
                clock,
                reg,
            )
            t.deadline = None if doc["deadline"] is None else float(doc["deadline"])
            t.paused, t.over = bool(doc["paused"]), bool(doc["over"])
            t.injected = [dict(e) for e in doc["injected"]]
        except SnapshotError as e:
            raise TableError(str(e)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            if isinstance(e, TableError):
                raise
            raise TableError(f"damaged table ({type(e).__name__})") from None
        return t


class TableRegistry:
    """The server's tables, in memory and saved in ``folder`` (one JSON file a table, written
    atomically after every change), loaded back when made.

    Args:
        folder: where tables are saved (default :func:`default_folder`).
        clock: the time in seconds, handed to every table.
        registry: where policy names are looked up.
        max_tables: the most tables kept at once (hosting more is refused).

    Attributes:
        problems: files in the folder that could not be loaded, with why.
    """

    def __init__(
        self,
        folder: str | Path | None = None,
        clock: Callable[[], float] = time.time,
        registry: PolicyRegistry | None = None,
        max_tables: int = MAX_TABLES,
    ) -> None:
        self.max_tables = max_tables
        self.folder = Path(folder) if folder is not None else default_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.registry = registry or _registry()
        self.tables: dict[str, Table] = {}
        self.problems: dict[str, str] = {}
        self._lock = threading.Lock()
        self._load_all()

    def host(
        self, scenario: str | ScenarioSpec, seed: int, people: Iterable[str], **kw: Any
    ) -> tuple[Table, str]:
        """A new table (see :meth:`Table.host` for the arguments), kept and saved; returns it
        and the host token.

        Raises:
            TableError: as :meth:`Table.host`, or when the server holds :attr:`max_tables`.
        """
        if len(self.tables) >= self.max_tables:
            raise TableError(f"this server holds at most {self.max_tables} tables: remove one")
        table, token = Table.host(
            scenario, seed, people, clock=self.clock, registry=self.registry, **kw
        )
        self._keep(table)
        return table, token

    def _keep(self, table: Table) -> None:
        table.on_change = self.save
        with self._lock:
            self.tables[table.id] = table
        self.save(table)

    def get(self, table_id: Any) -> Table:
        """The table with that id.

        Raises:
            TableError: for an id that names no table here.
        """
        with self._lock:
            t = self.tables.get(table_id) if isinstance(table_id, str) else None
        if t is None:
            raise TableError("no such table (the link may be wrong or the table gone)")
        return t

    def remove(self, host_token: str, table_id: str) -> None:
        """The host closes a table for good: it leaves memory and its file is deleted.

        Raises:
            TableError: for an unknown table or a token that is not its host's.
        """
        table = self.get(table_id)
        with table.lock:
            table._check_host(host_token)
            table.on_change = None
            with self._lock:
                self.tables.pop(table.id, None)
            self.path(table.id).unlink(missing_ok=True)

    def path(self, table_id: str) -> Path:
        if not _ID.fullmatch(table_id):
            raise TableError("no such table")
        return self.folder / f"{table_id}.table.json"

    def save(self, table: Table) -> None:
        """Write the table's file atomically (a temporary file, then a rename)."""
        text = json.dumps(table.to_doc(), allow_nan=False, separators=(",", ":"))
        target = self.path(table.id)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def tick(self, now: float | None = None) -> list[str]:
        """Run every table's timer; the ids of the tables that played a quarter."""
        with self._lock:
            tables = list(self.tables.values())
        return [t.id for t in tables if t.tick(now)]

    def _load_all(self) -> None:
        for p in sorted(self.folder.glob("*.table.json")):
            try:
                if p.stat().st_size > MAX_TABLE_CHARS:
                    raise TableError("too large")
                doc = json.loads(p.read_text(encoding="utf-8"))
                table = Table.from_doc(doc, self.clock, self.registry)
                if p.name != f"{table.id}.table.json":
                    raise TableError("its file name is not its id")
            except (OSError, ValueError, RecursionError) as e:
                self.problems[p.name] = str(e) or type(e).__name__
                continue
            table.on_change = self.save
            self.tables[table.id] = table
