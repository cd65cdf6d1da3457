"""One browser session's game: the player's seat, the bots, and what the page shows.

Everything here goes through the public engine API (observe, legal, check, submit, step); no game
rule lives in the UI. Form input arrives as text or numbers and is checked here, so that bad input
gives a message and leaves the game unchanged. A session is used from the UI thread and from a
spectator's play loop, so every call takes the session's lock.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from agents.registry import PolicyRegistry
from game.calendar import quarter_label
from game.deals import (
    CapacityTerms,
    DealError,
    DealKind,
    EquityTerms,
    JointVentureTerms,
    VendorFinancingTerms,
    parse_terms,
    resolve_parties,
    terms_class,
)
from game.decisions import (
    MOVE_TYPES,
    Accept,
    Counter,
    Decision,
    Propose,
    Reject,
)
from game.log import StepReplay, end_record, header_record
from game.log_chain import chained_lines
from game.model import FabRaceModel
from game.scenario import ScenarioSpec, builtin_scenarios, load_scenario

__all__ = [
    "KIND_NAMES",
    "ActionResult",
    "GameSession",
    "Preview",
    "ReplaySession",
    "bot_choices",
    "friendly",
    "parse_number",
    "scenario_choices",
]

DEFAULT_BOT = "historical"
#: Deal kinds as a player reads them.
KIND_NAMES = {
    "equity": "Equity investment",
    "loan": "Loan",
    "capacity": "Capacity reservation",
    "supply": "Supply contract",
    "joint_venture": "Fab joint venture",
    "vendor_financing": "Vendor financing",
    "lease": "Campus lease",
}
RUNWAY_QUARTERS = 4  # the lab's score counts quarters with less than a year of runway
CONTROL_FLOOR = 0.5  # below half, a lab's score loses 2 x (0.5 - control)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


@dataclass(frozen=True)
class ActionResult:
    """What became of something the player did: ``ok`` and a message to show inline."""

    ok: bool
    message: str
    offer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Preview:
    """A deal as the builder shows it before sending: valid or not, why, and what it costs."""

    valid: bool
    message: str
    value: float = 0.0
    pay_now: float = 0.0  # what the player pays on signing ($B)
    terms: dict[str, Any] = field(default_factory=dict)


def parse_number(text: Any, what: str) -> float:
    """A form field as a finite number.

    Raises:
        ValueError: with a message naming the field, for empty or non-numeric text.
    """
    if isinstance(text, bool):
        raise ValueError(f"{what}: enter a number")
    if isinstance(text, int | float):
        v = float(text)
    else:
        s = str(text).strip().replace(" ", "").replace("_", "")
        if not s:
            raise ValueError(f"{what}: enter a number")
        if "," in s:
            # "1,000" or "1,000.5" (thousands) is fine; "5,5" is a decimal comma that would
            # otherwise be read as 55: say so rather than guess
            if not _THOUSANDS.fullmatch(s):
                raise ValueError(
                    f"{what}: {text!r} — write decimals with a dot (e.g. "
                    f"{s.replace(',', '.', 1) if s.count(',') == 1 else '5.5'})"
                )
            s = s.replace(",", "")
        try:
            v = float(s)
        except ValueError:
            raise ValueError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{what}: enter a finite number")
    return v


_TERM_MESSAGE = re.compile(r"term '(\w+)' of an? [\w ]+ deal must be (.+?) \(got (.+)\)$")
_OPS = {">": "more than", ">=": "at least", "<=": "at most"}


def friendly(message: str) -> str:
    """An engine's message about a deal's terms as a player reads it: ``term 'amount' of an
    equity deal must be > 0 (got -5)`` -> ``amount must be more than 0 (you entered -5)``."""
    m = _TERM_MESSAGE.match(message)
    if m is None:
        return message
    name, rule, got = m.groups()
    op, _, rest = rule.partition(" ")
    if op in _OPS:
        rule = f"{_OPS[op]} {rest}"
    return f"{name.replace('_', ' ')} must be {rule} (you entered {got})"


def _a(noun: str) -> str:
    """``an equity investment``, ``a loan``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _short(v: Any) -> str:
    """A term's value, short: ``0.0833``, ``12``, ``taiwan``."""
    if isinstance(v, float):
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    return str(v)


def server_scenario() -> str | None:
    """The scenario the server was started with (``fabrace play --scenario``), if any."""
    return os.environ.get("FABRACE_SCENARIO") or None


def scenario_choices() -> list[str]:
    """The scenarios a browser player may choose: the built-ins, and the one the server was
    started with (a page never names a file itself)."""
    out = builtin_scenarios()
    chosen = server_scenario()
    if chosen and chosen not in out:
        out = [chosen, *out]
    return out


def _registry() -> PolicyRegistry:
    return PolicyRegistry(policies_file=None, use_cwd_file=False)


def bot_choices(role: str, registry: PolicyRegistry | None = None) -> list[str]:
    """Names of the policies that can play ``role`` (families, plugins, variants; no files)."""
    reg = registry or _registry()
    return [e.name for e in reg.listing() if role in e.roles]


class GameSession:
    """A game played from the browser.

    Args:
        scenario: a built-in name, a path, or a loaded scenario.
        seat: the actor the player controls, or None to watch the bots (spectator mode).
        bots: policy name per actor for the other seats (default: the scenario's choice, or
            ``historical``).
        seed: the game's seed.
        registry: where policy names are looked up (built-ins and plugins by default). Only
            names it lists are accepted: a browser cannot make the server import a file.

    Raises:
        ValueError: for an unknown seat, or a policy name the registry does not list.
    """

    read_only = False

    def __init__(
        self,
        scenario: str | ScenarioSpec,
        seat: str | None,
        seed: int = 0,
        bots: dict[str, str] | None = None,
        registry: PolicyRegistry | None = None,
        quarters: int | None = None,
    ) -> None:
        self.spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
        names = [a.name for a in self.spec.actors]
        if seat is not None and seat not in names:
            raise ValueError(f"no actor {seat!r} in {self.spec.name}")
        self.seat = seat
        self.lock = threading.RLock()
        reg = registry or _registry()
        bots = dict(bots or {})
        unknown = sorted(set(bots) - set(names))
        if unknown:
            raise ValueError(f"no actor {unknown[0]!r} in {self.spec.name}")
        policies: dict[str, Any] = {}
        for a in self.spec.actors:
            if a.name == seat:
                policies[a.name] = None
                continue
            name = bots.get(a.name, a.policy or DEFAULT_BOT)
            if name not in reg.entries:
                raise ValueError(f"{a.name}: unknown policy {name!r}")
            policies[a.name] = reg.make(name, a.role)
        self._records: list[dict[str, Any]] = []
        self.model = FabRaceModel(
            self.spec,
            seed=seed,
            policies=policies,
            quarters=quarters,
            recorder=self._records.append,
        )
        self.model.open_quarter()  # the first quarter's news and the bots' offers
        self.header = header_record(
            self.spec, seed, self.model.n_quarters, {n: self.model.policy_label(n) for n in names}
        )
        self.previous_books: dict[str, Any] = dict(self.books()) if seat else {}

    @classmethod
    def from_model(
        cls,
        model: FabRaceModel,
        seat: str,
        header: dict[str, Any],
        records: list[dict[str, Any]],
    ) -> GameSession:
        """A session around a game restored from a save (see ``ui.savefile``).

        Args:
            model: the restored game; its recorder is set to this session's log.
            seat: the player's actor.
            header: the game log's header record.
            records: the log's records so far (after the header).
        """
        self = cls.__new__(cls)
        self.spec = model.spec
        self.seat = seat
        self.lock = threading.RLock()
        self._records = list(records)
        self.model = model
        model.recorder = self._records.append
        self.header = header
        self.previous_books = dict(self.books())
        return self

    def records(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The log so far: its header and its records (for a save file)."""
        with self.lock:
            return self.header, list(self._records)

    # -- what the page shows ------------------------------------------------------------------
    @property
    def quarter(self) -> str:
        """The current quarter as text, e.g. ``2024Q1`` (the last one when the game is over)."""
        return self.model.label if not self.model.finished else self.model.result()["end"]

    @property
    def finished(self) -> bool:
        return self.model.finished

    @property
    def quarter_index(self) -> int:
        """How many quarters have been played."""
        return self.model.quarter_index

    @property
    def n_quarters(self) -> int:
        return self.model.n_quarters

    def actors(self) -> list[tuple[str, str]]:
        """``(name, role)`` of every actor, in scenario order."""
        return [(a.name, a.role) for a in self.model.actor_list]

    def role_of(self, name: str | None) -> str | None:
        a = self.model.actors_by_name.get(name) if name else None
        return a.role if a is not None else None

    def public(self) -> dict[str, dict[str, Any]]:
        """Every actor's public figures, by name (what any player may see)."""
        with self.lock:
            obs = self.model.observe(self.seat or self.model.actor_list[0].name)
            return {n: dict(p) for n, p in obs.public.items()}

    def market(self) -> dict[str, float]:
        """Outside demand indices and reference prices."""
        with self.lock:
            obs = self.model.observe(self.seat or self.model.actor_list[0].name)
            return dict(obs.market)

    def graph_view(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The partnership graph as plain data: nodes (name, role, cash, valuation, insolvent)
        and contract edges (id, source, target, kind, value, status)."""
        pub = self.public()
        with self.lock:
            nodes = [
                {
                    "id": a.name,
                    "role": a.role,
                    "cash": float(pub[a.name]["cash"]),
                    "valuation": float(pub[a.name]["valuation"]),
                    "insolvent": bool(pub[a.name]["insolvent"]),
                }
                for a in self.model.actor_list
            ]
            edges = [
                {
                    "id": int(cid),
                    "source": u,
                    "target": v,
                    "kind": str(d["kind"]),
                    "value": float(d["value"]),
                    "status": str(d["status"]),
                }
                for u, v, cid, d in self.model.graph.contract_edges()
            ]
        return nodes, edges

    def quarter_label(self, index: int) -> str:
        """The label of quarter ``index`` of this game (0 = the start)."""
        return quarter_label(self.spec.start, index)

    def observation(self) -> Any:
        """The player's observation (read-only)."""
        assert self.seat is not None, "a spectator has no seat"
        with self.lock:
            return self.model.observe(self.seat)

    def books(self) -> dict[str, Any]:
        with self.lock:
            return dict(self.model.observe(self.seat).books) if self.seat else {}

    def changes(self) -> dict[str, float]:
        """Numeric figures of the player's books that changed since the last quarter began."""
        now = self.books()
        out = {}
        for k, v in now.items():
            old = self.previous_books.get(k)
            if (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and isinstance(old, int | float)
                and not math.isclose(v, old, rel_tol=1e-9, abs_tol=1e-9)
            ):
                out[k] = v - old
        return out

    def score_changes(self) -> dict[str, float]:
        """Each score part's change since the last quarter began."""
        now = self.books().get("score_breakdown") or {}
        old = self.previous_books.get("score_breakdown") or {}
        if not old:  # no score before the first quarter was played: nothing "changed"
            return {}
        return {k: float(v) - float(old.get(k, 0.0)) for k, v in now.items()}

    def contracts(self) -> list[dict[str, Any]]:
        """The player's contracts, newest first: kind, the other party, terms, what the player
        pays (+) or receives (−) each quarter, quarters left, status."""
        if self.seat is None:
            return []
        with self.lock:
            obs = self.model.observe(self.seat)
            mine = [dict(c) for c in obs.contracts if self.seat in c["parties"]]
            q = self.model.quarter_index
        out = []
        for c in sorted(mine, key=lambda c: -int(c["id"])):
            first, second = c["parties"]
            i = 0 if first == self.seat else 1
            try:
                per_q = parse_terms(c["kind"], dict(c["terms"])).quarterly_payments()
            except DealError:
                per_q = (0.0, 0.0)
            net = per_q[i] - (0.0 if c["kind"] == DealKind.JOINT_VENTURE.value else per_q[1 - i])
            end = c.get("end")
            status = str(c["status"])
            if status == "breached" and c.get("breached_by"):
                status = f"breached by {c['breached_by']}"
            out.append(
                {
                    "id": int(c["id"]),
                    "kind": KIND_NAMES.get(str(c["kind"]), str(c["kind"])),
                    "with": second if i == 0 else first,
                    "terms": dict(c["terms"]),
                    "per_quarter": net if c["status"] == "active" else 0.0,
                    "quarters_left": max(0, int(end) - q) if end is not None else None,
                    "status": status,
                }
            )
        return out

    def inbox(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(o) for o in self.model.observe(self.seat).inbox] if self.seat else []

    def news(self) -> list[str]:
        with self.lock:
            return list(self.model.news)

    def chronicle(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.model.chronicle)

    def deal_partners(self) -> dict[str, tuple[str, ...]]:
        """For each deal kind, who the player may propose it to now."""
        with self.lock:
            return dict(self.model.legal(self.seat).partners) if self.seat else {}

    def proposals_left(self) -> int:
        """New offers the player may still open this quarter."""
        with self.lock:
            return int(self.model.legal(self.seat).proposals_left) if self.seat else 0

    def answers(self) -> dict[int, tuple[str, ...]]:
        """For each offer in the player's inbox, the answers allowed (accept, reject, counter)."""
        with self.lock:
            return dict(self.model.legal(self.seat).answers) if self.seat else {}

    def moves(self) -> dict[str, dict[str, Any]]:
        """The moves the player may make now, with their bounds."""
        with self.lock:
            return (
                {k: dict(v) for k, v in self.model.legal(self.seat).moves.items()}
                if self.seat
                else {}
            )

    def scorecard(self) -> list[dict[str, Any]]:
        """Every actor's score and breakdown, best first, with rank within the role and overall."""
        with self.lock:
            actors = self.model.result()["actors"]
        ranked = sorted(actors, key=lambda a: -a["score"])
        for i, a in enumerate(ranked, 1):
            a["rank"] = i
            a["role_rank"] = 1 + sum(
                1 for b in actors if b["role"] == a["role"] and b["score"] > a["score"]
            )
            a["player"] = a["name"] == self.seat
        return ranked

    def agent_names(self) -> dict[Any, str]:
        """The data collector's agent ids, by actor name's id -> name."""
        return {a.unique_id: a.name for a in self.model.actor_list}

    def series(self) -> tuple[Any, Any]:
        """(model series, actor series) from the data collector, as pandas frames."""
        with self.lock:
            dc = self.model.datacollector
            return dc.get_model_vars_dataframe(), dc.get_agent_vars_dataframe()

    # -- the deal builder ---------------------------------------------------------------------
    def term_fields(self, kind: str) -> dict[str, dict[str, Any]]:
        """The fields of a deal kind's terms with their bounds and units (for the form)."""
        return {k: dict(v) for k, v in terms_class(kind).bounds().items()}

    def preview(self, recipient: str, kind: str, raw: dict[str, Any]) -> Preview:
        """Check a deal the player is building and say what it would cost, before sending."""
        if self.seat is None:
            return Preview(False, "a spectator cannot make deals")
        try:
            terms = self._terms(kind, raw)
        except ValueError as e:
            return Preview(False, str(e))
        decision = Propose(recipient, kind, terms)
        with self.lock:
            reason = self.model.check(self.seat, decision)
            t = parse_terms(kind, terms)
            me = self.model.actor(self.seat)
            other = self.model.actor(recipient) if recipient in self.model.actors_by_name else None
            pay = 0.0
            if other is not None:
                try:
                    first, _ = resolve_parties(
                        DealKind(kind), (me.name, me.role), (other.name, other.role)
                    )
                    pay = t.first_payments()[0 if first == me.name else 1]
                except DealError:
                    pass
        if reason is not None:
            return Preview(False, reason, t.value(), pay, terms)
        return Preview(
            True,
            f"valid: worth ${t.value():.2f}B; you pay ${pay:.2f}B on signing",
            t.value(),
            pay,
            terms,
        )

    def consequences(
        self, kind: str, terms: Mapping[str, Any], counterparty: str
    ) -> list[tuple[str, bool]]:
        """What a deal would do to the player, as ``(line, warning)`` pairs: payments on
        signing and per quarter, cash and runway after signing, control and implied valuation
        after selling equity (a warning below half), wafers without a chip programme.

        The figures come from the terms' own payment rules (``game.deals``) and the player's
        books; an invalid deal gives no lines.
        """
        if self.seat is None or counterparty not in self.model.actors_by_name:
            return []
        try:
            t = parse_terms(kind, dict(terms))
            with self.lock:
                me, other = self.model.actor(self.seat), self.model.actor(counterparty)
                first, _ = resolve_parties(
                    DealKind(kind), (me.name, me.role), (other.name, other.role)
                )
                books = dict(self.model.observe(self.seat).books)
        except (DealError, ValueError, KeyError):
            return []
        i = 0 if first == self.seat else 1
        now, per_q = t.first_payments(), t.quarterly_payments()
        shared_cost = kind == DealKind.JOINT_VENTURE.value  # both pay the builder, not each other
        pay, get = now[i], 0.0 if shared_cost else now[1 - i]
        q_pay, q_get = per_q[i], 0.0 if shared_cost else per_q[1 - i]
        n = (
            t.build_quarters()
            if isinstance(t, JointVentureTerms)
            else int(getattr(t, "quarters", 0) or 0)
        )
        out: list[tuple[str, bool]] = []
        if pay or get:
            out.append(
                (
                    f"on signing you {'pay' if pay >= get else 'receive'} ${abs(pay - get):,.2f}B",
                    False,
                )
            )
        if (q_pay or q_get) and n:
            net = q_pay - q_get
            out.append(
                (
                    f"then you {'pay' if net >= 0 else 'receive'} ${abs(net):,.2f}B a "
                    f"quarter for {n} quarters",
                    False,
                )
            )
        cash = float(books.get("cash", 0.0))
        after = cash - pay + get
        burn = float(books.get("burn", 0.0) or 0.0) + q_pay - q_get
        if burn > 1e-9:
            runway = after / burn
            short = runway < RUNWAY_QUARTERS
            text = (
                f"cash after signing ${after:,.2f}B; runway {max(runway, 0):.1f} quarters "
                f"at this burn (${burn:,.2f}B a quarter)"
            )
            if short:
                text += " — under a year costs score every quarter"
            out.append((text, short))
        else:
            out.append((f"cash after signing ${after:,.2f}B", after < 0))
        stake = getattr(t, "stake", None)
        if stake is not None and i == 1 and isinstance(t, EquityTerms | VendorFinancingTerms):
            control = float(books.get("control", 1.0))
            left = max(0.0, control - float(stake))
            line = (
                f"you sell {float(stake):.1%} at an implied valuation of "
                f"${float(t.amount) / float(stake):,.1f}B; your control {control:.2f} → {left:.2f}"
            )
            if left < CONTROL_FLOOR:
                line += (
                    f" — below {CONTROL_FLOOR}: the score loses "
                    f"{2 * (CONTROL_FLOOR - left):.2f} (2 × the shortfall) while it stays there"
                )
            out.append((line, left < CONTROL_FLOOR))
        if isinstance(t, CapacityTerms) and me.role == "lab" and not books.get("chip_programme"):
            out.append(
                (
                    "you have no chip programme: wafers a lab reserves make no chips without one "
                    "(a move starts it)",
                    True,
                )
            )
        return out

    @property
    def max_rounds(self) -> int:
        """The last round an offer can be countered in (rounds count from 0)."""
        return int(self.model.rules.max_rounds)

    def quarter_summary(self, index: int) -> dict[str, list[str]]:
        """What happened to offers in quarter ``index``, in words: ``yours`` (deals you signed
        or refused, offers of yours refused), ``expired`` (offers to or from you left
        unanswered at the quarter's end) and ``others`` (deals signed between other actors)."""
        out: dict[str, list[str]] = {"yours": [], "expired": [], "others": []}
        me = self.seat
        with self.lock:
            offers = [o for o in self.model.negotiation.offers.values() if o.quarter == index]
            for o in offers:
                kind = KIND_NAMES.get(o.kind.value, o.kind.value).lower()
                mine = me in (o.proposer, o.recipient)
                other = o.recipient if o.proposer == me else o.proposer
                if o.status == "expired" and mine:
                    who = (
                        f"your {kind} to {other}"
                        if o.proposer == me
                        else (f"{other}'s {kind} to you")
                    )
                    out["expired"].append(f"{who} (offer #{o.id}, round {o.round + 1})")
                elif o.status == "accepted" and mine:
                    out["yours"].append(f"signed {_a(kind)} with {other}")
                elif o.status == "rejected" and mine:
                    out["yours"].append(
                        f"{other} refused your {kind}"
                        if o.proposer == me
                        else f"you refused {other}'s {kind}"
                    )
                elif o.status == "accepted":
                    out["others"].append(f"{o.proposer} and {o.recipient} signed {_a(kind)}")
        return out

    def distress(self) -> dict[str, Any] | None:
        """The player's cash outlook when it needs a warning, else None.

        ``level`` is ``"insolvent"``, ``"distressed"`` (cash below zero at the last close:
        ``closes_left`` more such closes make the player insolvent) or ``"low"`` (less than a
        year of runway at the last quarter's burn); ``runway`` is in quarters (None without a
        burn); ``ways_out`` lists the deals that bring cash in, with who would take them now.
        """
        if self.seat is None:
            return None
        books = self.books()
        cash, burn = float(books.get("cash", 0.0)), float(books.get("burn", 0.0) or 0.0)
        runway = cash / burn if burn > 1e-9 else None
        if books.get("insolvent"):
            level = "insolvent"
        elif books.get("distressed") or cash < 0:
            level = "distressed"
        elif runway is not None and runway < RUNWAY_QUARTERS:
            level = "low"
        else:
            return None
        partners = self.deal_partners()
        ways = [
            (kind, tuple(partners.get(kind, ())))
            for kind in ("equity", "loan", "vendor_financing")
            if partners.get(kind)
        ]
        with self.lock:
            limit = int(self.model.rules.distress_quarters)
        return {
            "level": level,
            "cash": cash,
            "burn": burn,
            "runway": runway,
            "closes_left": max(0, limit - int(books.get("distress_quarters", 0) or 0)),
            "ways_out": ways,
        }

    def counter_changes(self, offer: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        """For a counter-offer, each term it changed against the offer it answers:
        ``{name: (before, now)}`` (empty for a first offer)."""
        parent = offer.get("parent")
        if parent is None:
            return {}
        with self.lock:
            try:
                before = dict(self.model.offer(int(parent))["terms"])
            except KeyError:
                return {}
        now = dict(offer["terms"])
        return {k: (before.get(k), v) for k, v in now.items() if before.get(k) != v}

    def _terms(self, kind: str, raw: dict[str, Any]) -> dict[str, Any]:
        if kind not in DealKind._value2member_map_:
            raise ValueError(f"choose a deal kind ({', '.join(k.value for k in DealKind)})")
        out: dict[str, Any] = {}
        for name, b in terms_class(kind).bounds().items():
            if b["choices"]:
                v = raw.get(name)
                if v not in b["choices"]:
                    raise ValueError(f"{name}: choose one of {', '.join(b['choices'])}")
                out[name] = v
                continue
            v = parse_number(raw.get(name, ""), name)
            out[name] = round(v) if b["integer"] and float(v).is_integer() else v
        try:
            parse_terms(kind, out)
        except DealError as e:
            raise ValueError(friendly(str(e))) from None
        return out

    # -- what the player does -----------------------------------------------------------------
    def _submit(self, decision: Decision) -> ActionResult:
        if self.read_only:
            return ActionResult(False, "a replay is read-only")
        if self.seat is None:
            return ActionResult(False, "a spectator cannot act")
        with self.lock:
            out = self.model.submit(self.seat, decision)
            offer = self.model.offer(out.offer_id) if out.offer_id else None
        if not out.ok:
            return ActionResult(False, out.reason)
        return ActionResult(True, out.reason or "done", dict(offer) if offer else None)

    def propose(self, recipient: str, kind: str, raw: dict[str, Any]) -> ActionResult:
        """Send an offer; a bot answers at once (the message says how)."""
        p = self.preview(recipient, kind, raw)
        if not p.valid:
            return ActionResult(False, p.message)
        res = self._submit(Propose(recipient, kind, p.terms))
        if res.ok and res.offer:
            return ActionResult(True, self.answer_text(res.offer), res.offer)
        return res

    def answer_text(self, offer: Mapping[str, Any]) -> str:
        """What became of an offer the player made, in words: signed, refused (with the reason
        when there is one), countered (with the terms it changed), or still open."""
        other = str(offer["recipient"])
        kind = KIND_NAMES.get(str(offer["kind"]), str(offer["kind"])).lower()
        status = offer["status"]
        with self.lock:
            rec = self.model.negotiation.offers.get(int(offer["id"]))
            reason = rec.reason if rec is not None else ""
            contract = rec.contract_id if rec is not None else None
            reply = next(
                (o for o in self.model.negotiation.offers.values() if o.parent == int(offer["id"])),
                None,
            )
        if status == "accepted":
            where = f" (contract #{contract})" if contract is not None else ""
            return f"{other} accepted: the {kind} is signed{where}"
        if status == "rejected":
            why = "" if reason.startswith("rejected by") or not reason else f": {reason}"
            return f"{other} refused your {kind}{why}"
        if status == "countered" and reply is not None:
            changes = self.counter_changes(reply.view())
            said = "; ".join(
                f"{k.replace('_', ' ')} {_short(a)} → {_short(b)}" for k, (a, b) in changes.items()
            )
            return f"{other} countered: {said or 'the same terms'} (see your inbox)"
        if status == "failed":
            return f"accepted, but it could not be signed: {reason}"
        if status == "expired":
            return f"your {kind} to {other} expired unanswered"
        return f"{other} has not answered yet"

    def accept(self, offer_id: int) -> ActionResult:
        """Accept an offer in the inbox: signed, or why it could not be."""
        with self.lock:
            try:
                offer = dict(self.model.offer(int(offer_id)))
            except KeyError as e:
                return ActionResult(False, str(e))
        res = self._submit(Accept(int(offer_id)))
        if not res.ok:
            return res
        kind = KIND_NAMES.get(str(offer["kind"]), str(offer["kind"])).lower()
        with self.lock:
            rec = self.model.negotiation.offers[int(offer_id)]
            status, reason, cid = rec.status, rec.reason, rec.contract_id
        if status == "accepted":
            return ActionResult(
                True, f"Signed: {offer['proposer']}'s {kind} (contract #{cid})", offer
            )
        return ActionResult(False, f"not signed: {reason or status}", offer)

    def reject(self, offer_id: int) -> ActionResult:
        """Refuse an offer in the inbox."""
        with self.lock:
            try:
                offer = dict(self.model.offer(int(offer_id)))
            except KeyError as e:
                return ActionResult(False, str(e))
        res = self._submit(Reject(int(offer_id)))
        if not res.ok:
            return res
        kind = KIND_NAMES.get(str(offer["kind"]), str(offer["kind"])).lower()
        return ActionResult(True, f"You refused {offer['proposer']}'s {kind}", offer)

    def counter(self, offer_id: int, raw: dict[str, Any]) -> ActionResult:
        """Send an offer back with other terms; the bot answers at once."""
        with self.lock:
            try:
                offer = self.model.offer(int(offer_id))
            except KeyError as e:
                return ActionResult(False, str(e))
        try:
            terms = self._terms(offer["kind"], raw)
        except ValueError as e:
            return ActionResult(False, str(e))
        res = self._submit(Counter(int(offer_id), terms))
        if res.ok and res.offer:
            return ActionResult(True, self.answer_text(res.offer), res.offer)
        return res

    @staticmethod
    def move_summary(move_type: str) -> str:
        """One line saying what a move does."""
        cls = MOVE_TYPES.get(move_type)
        return cls.summary if cls is not None else ""

    @staticmethod
    def move_fields(move_type: str) -> list[str]:
        """The fields a move's form needs, in order."""
        cls = MOVE_TYPES.get(move_type)
        return [f.name for f in fields(cls)] if cls is not None else []

    def move(self, move_type: str, raw: dict[str, Any]) -> ActionResult:
        """Make a unilateral move from form values (numbers as text are accepted)."""
        cls = MOVE_TYPES.get(move_type)
        if cls is None:
            return ActionResult(False, f"unknown move {move_type!r}")
        args: dict[str, Any] = {}
        for f in fields(cls):
            v = raw.get(f.name)
            if f.type == "float":
                try:
                    v = parse_number(v, f.name)
                except ValueError as e:
                    return ActionResult(False, str(e))
            elif v is None or v == "":
                return ActionResult(False, f"{f.name}: choose a value")
            args[f.name] = v
        return self._submit(cls(**args))

    def end_quarter(self, expected: int | None = None) -> ActionResult:
        """Let the bots finish the quarter, run it, and open the next one.

        Args:
            expected: the quarter (``quarter_index``) the page showed when End quarter was
                pressed; if the game has moved on since (a double click, a second tab), nothing
                is played and the answer says so.
        """
        if self.read_only:
            return ActionResult(False, "a replay is read-only")
        with self.lock:
            if self.model.finished:
                return ActionResult(False, "the game is over")
            if expected is not None and expected != self.model.quarter_index:
                return ActionResult(
                    False,
                    f"{self.quarter_label(expected)} has already been played; "
                    f"this is {self.quarter}",
                )
            self.previous_books = self.books()
            self.model.step()
            self.model.open_quarter()  # the next quarter's news and the bots' offers
        return ActionResult(True, "the game is over" if self.finished else f"now {self.quarter}")

    # -- the log ------------------------------------------------------------------------------
    def log_text(self) -> str:
        """The game so far as a log (JSON lines), loadable by ``fabrace replay``."""
        with self.lock:
            records = [self.header, *self._records]
            if self.model.finished:
                records.append(end_record(self.model))
            return chained_lines(records)


class ReplaySession(GameSession):
    """A logged game shown again, one quarter at a time, with the same views (read-only).

    Args:
        text: the log (JSON lines), e.g. from :meth:`GameSession.log_text` or ``fabrace run
            --log``.
        name: the file name, for messages.

    Raises:
        game.log.LogError: if the log cannot be read.
    """

    read_only = True

    def __init__(self, text: str, name: str = "log") -> None:
        self.replayer = StepReplay(text, name)
        self.spec = self.replayer.spec
        seats = [n for n, p in self.replayer.seats.items() if p == "external"]
        self.seat = seats[0] if len(seats) == 1 else None
        self.lock = threading.RLock()
        self.model = self.replayer.model
        self._records = []
        self.header = self.replayer.header
        self.previous_books = dict(self.books()) if self.seat else {}

    @property
    def problem(self) -> str | None:
        """Why the replay stopped early (the game differs from the log), if it did."""
        return self.replayer.problem

    @property
    def can_step(self) -> bool:
        return self.replayer.can_step

    def next_quarter(self) -> ActionResult:
        """Replay the next quarter of the log."""
        with self.lock:
            if not self.replayer.can_step:
                return ActionResult(False, self.replayer.problem or "the log has no more quarters")
            self.previous_books = self.books()
            try:
                ok = self.replayer.next_quarter()
            except ValueError as e:  # LogError: a malformed record
                self.replayer.problem = str(e)
                return ActionResult(False, str(e))
        if not ok:
            return ActionResult(False, self.replayer.problem or "the log has no more quarters")
        return ActionResult(True, f"now {self.quarter}")

    def scorecard(self) -> list[dict[str, Any]]:
        """As in the game, with the policy each actor had in the logged game."""
        card = super().scorecard()
        seats = self.replayer.seats
        for a in card:
            a["policy"] = seats.get(a["name"], a["policy"])
        return card

    def log_text(self) -> str:
        return ""
