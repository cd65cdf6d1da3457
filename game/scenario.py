"""Scenarios: validated TOML files that set the actors, the market, the rules and the event deck.

``load_scenario`` takes a built-in name (``baseline-2024``) or a path and returns a
:class:`ScenarioSpec`, or raises :class:`ScenarioError` whose message names the file, the field and
the problem. Built-in scenarios live in ``assets/scenarios/``.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from game.calendar import QUARTER_PATTERN, parse_quarter, quarter_label
from game.deals import ROLES, DealError, parse_terms, resolve_parties
from game.events import EVENT_KINDS
from game.limits import MAX_SCENARIO_BYTES, size_text, toml_problem
from game.scenario_fields import FieldError
from game.scenario_fields import Strict as _Strict
from game.scenario_parts import (
    NAME_PATTERN,
    ActorSpec,
    ContractSpec,
    DesignerSpec,
    EventSpec,
    FabSpec,
    FoundrySpec,
    InvestorSpec,
    LabSpec,
    MarketSpec,
    RoleReference,
    RulesSpec,
    ScoringSpec,
)

__all__ = [
    "ActorSpec",
    "ContractSpec",
    "DesignerSpec",
    "EventSpec",
    "FabSpec",
    "FoundrySpec",
    "InvestorSpec",
    "LabSpec",
    "MarketSpec",
    "RoleReference",
    "RulesSpec",
    "ScenarioError",
    "ScenarioSpec",
    "ScoringSpec",
    "builtin_scenarios",
    "extend",
    "load_scenario",
    "scenario_dir",
    "scenario_from_dict",
]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file, the field and the problem."""


class ScenarioSpec(_Strict):
    """A whole scenario as read from its TOML file."""

    name: str = Field(min_length=1)
    description: str = ""
    start: str = Field("2024Q1", pattern=QUARTER_PATTERN)
    quarters: int = Field(40, ge=1, le=400)
    rules: RulesSpec = Field(default_factory=RulesSpec)
    market: MarketSpec = Field(default_factory=MarketSpec)
    actors: list[ActorSpec] = Field(min_length=3, max_length=500)
    contracts: list[ContractSpec] = Field(default_factory=list, max_length=2000)
    scoring: ScoringSpec = Field(default_factory=ScoringSpec)
    events: list[EventSpec] = Field(default_factory=list, max_length=2000)
    source: str = Field("", exclude=True, description="where it was read from")
    digest: str = Field("", exclude=True, description="sha256 of the file's bytes")

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        names = [a.name for a in self.actors]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise FieldError(("actors", i, "name"), f"duplicate actor name {n!r}")
            seen.add(n)
        roles = {a.role for a in self.actors}
        for r in ("lab", "designer", "foundry"):
            if r not in roles:
                raise FieldError(("actors",), f"needs at least one actor of role {r!r}")
        by_name = {a.name: a for a in self.actors}
        for i, a in enumerate(self.actors):
            if (
                isinstance(a, LabSpec)
                and a.compute_vendor is not None
                and (
                    a.compute_vendor not in by_name or by_name[a.compute_vendor].role != "designer"
                )
            ):
                raise FieldError(
                    ("actors", i, "compute_vendor"),
                    f"{a.compute_vendor!r} is not a designer in this scenario",
                )
        last = quarter_label(self.start, self.quarters - 1)
        for i, ev in enumerate(self.events):
            if ev.at is not None and not (
                parse_quarter(self.start) <= parse_quarter(ev.at) <= parse_quarter(last)
            ):
                raise FieldError(
                    ("events", i, "at"), f"{ev.at} is not within the game ({self.start}-{last})"
                )
            if ev.target is not None:
                role = EVENT_KINDS[ev.kind].target_role
                if role is None:
                    raise FieldError(
                        ("events", i, "target"), f"a {ev.kind} event is not aimed at an actor"
                    )
                if ev.target not in by_name or by_name[ev.target].role != role:
                    raise FieldError(
                        ("events", i, "target"), f"{ev.target!r} is not a {role} in this scenario"
                    )
        for i, c in enumerate(self.contracts):
            for j, p in enumerate(c.parties):
                if p not in by_name:
                    raise FieldError(
                        ("contracts", i, "parties", j),
                        f"unknown actor {p!r} (actors: {', '.join(names)})",
                    )
            a, b = (by_name[p] for p in c.parties)
            try:
                first, _ = resolve_parties(c.kind, (a.name, a.role), (b.name, b.role))
                if first != a.name:
                    raise DealError(
                        f"the first party of a {c.kind.value} deal must be "
                        f"{b.name}, not {a.name}; swap the parties"
                    )
            except DealError as e:
                raise FieldError(("contracts", i, "parties"), str(e)) from None
            try:
                t = parse_terms(c.kind, c.terms)
            except DealError as e:
                raise FieldError(("contracts", i, "terms"), str(e)) from None
            q = getattr(t, "quarters", None)
            if q is not None and c.quarters_done >= q:
                raise FieldError(
                    ("contracts", i, "quarters_done"),
                    f"must be less than the contract's {q} quarters",
                )
        return self


def scenario_dir() -> Path:
    """The folder of built-in scenarios (the repo's ``assets/scenarios``, or the wheel's copy)."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "assets" / "scenarios", here / "_scenarios"):
        if cand.is_dir():
            return cand
    return here.parent / "assets" / "scenarios"


def builtin_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif i == 2 and loc[0] == "actors" and part in ROLES:
            continue  # pydantic puts the union tag after the index: actors[2].lab.cash
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


_PATTERN_HELP = {
    QUARTER_PATTERN: "must be a quarter such as 2024Q1 (a year, 'Q' and 1 to 4)",
    NAME_PATTERN: (
        "must start with a letter or digit and hold only letters, digits, spaces, '_', '.', '-'"
    ),
}

_TYPE_HELP = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string (text in quotes)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _describe(path: str, err: ValidationError, raw: dict[str, Any]) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, FieldError):
            loc, msg = (*loc, *inner.loc), inner.msg
        else:
            msg = e["msg"]
            if e["type"] == "extra_forbidden":
                msg = "unknown key"
            elif e["type"] == "missing":
                msg = "missing required key"
            elif e["type"] == "union_tag_invalid":
                msg = f"unknown role {ctx.get('tag')!r} (roles: lab, designer, foundry, investor)"
                loc = (*loc, "role")
            elif e["type"] == "union_tag_not_found":
                msg = "missing required key (lab, designer, foundry or investor)"
                loc = (*loc, "role")
            elif e["type"] == "string_pattern_mismatch":
                msg = _PATTERN_HELP.get(str(ctx.get("pattern")), msg)
            elif e["type"] in _TYPE_HELP:
                msg = _TYPE_HELP[e["type"]]
            if e["type"] == "missing" and loc[-2:-1] == ("parties",):
                loc = loc[:-1]  # parties[1] missing: the list is too short
            if loc[-1:] == ("parties",):
                msg = "must be a list of two actor names, [first party, second party]"
            msg = msg.replace("Input should be", "must be", 1)
            if (
                "input" in e
                and e["type"] not in ("missing", "extra_forbidden")
                and not isinstance(e["input"], dict | list)
                and repr(e["input"]) not in msg
            ):
                got = e["input"]
                msg += f" (got {str(got).lower() if isinstance(got, bool) else repr(got)})"
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        lines.append(f"{path}: {_format_loc(loc)}: {msg}")
    lines = list(dict.fromkeys(lines))  # e.g. both parties missing: one line
    if len(lines) == 1:
        return lines[0]
    return f"{path}: {len(lines)} problems\n" + "\n".join("  " + ln for ln in lines)


def _resolve(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path):
        if not p.exists():
            raise ScenarioError(f"{p}: no such scenario file")
        if p.is_dir():
            raise ScenarioError(f"{p}: is a folder, not a scenario file")
        return p
    cand = scenario_dir() / f"{name_or_path}.toml"
    if cand.exists():
        return cand
    raise ScenarioError(
        f"{name_or_path}: unknown scenario (built-in: {', '.join(builtin_scenarios())}; "
        f"or give a path to a .toml file)"
    )


def load_scenario(name_or_path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario by built-in name or file path.

    A scenario may extend another (``extends = "baseline-2024"`` in ``[scenario]``: a built-in
    name, or a file path relative to the extending file): see :func:`extend`.

    Raises:
        ScenarioError: with one message naming the file, the field and the problem.
    """
    raw, digest, path = _read_raw(_resolve(name_or_path), ())
    return scenario_from_dict(raw, source=str(path), digest=digest)


def _read_raw(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], str, Path]:
    """A scenario file's table with what it extends merged in, and the digest of every file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror or e}") from None
    raw = _parse_toml(data, path)
    head = raw.get("scenario")
    base_name = head.pop("extends", None) if isinstance(head, dict) else None
    if base_name is None:
        return raw, hashlib.sha256(data).hexdigest(), path
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(f"{path}: scenario.extends: must be a scenario's name or path")
    if len(chain) >= 4 or path in chain:
        raise ScenarioError(f"{path}: scenario.extends: too deep or circular ({base_name})")
    local = path.parent / base_name
    base_path = local if base_name.endswith(".toml") and local.is_file() else None
    try:
        base_path = base_path or _resolve(base_name)
    except ScenarioError as e:
        raise ScenarioError(f"{path}: scenario.extends: {e}") from None
    base, base_digest, _ = _read_raw(base_path, (*chain, path))
    merged = extend(base, raw)
    digest = hashlib.sha256(base_digest.encode() + data).hexdigest()
    return merged, digest, path


def _parse_toml(data: bytes, path: Path) -> dict[str, Any]:
    """A scenario file's TOML, refused if too large or too deep before it is parsed."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"{path}: too large ({size_text(len(data))}; the limit is "
            f"{size_text(MAX_SCENARIO_BYTES)})"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (UTF-8 TOML expected)") from None
    problem = toml_problem(text, MAX_SCENARIO_BYTES)
    if problem is not None:
        raise ScenarioError(f"{path}: {problem}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: invalid TOML: {e}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply") from None


def extend(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A scenario's table laid over the one it extends.

    Tables (``[scenario]``, ``[rules]``, ``[market]``) merge key by key; an ``[[actors]]`` entry
    with a base actor's name changes only the fields it gives (a ``fabs`` list replaces the
    base's), others are added; ``[[contracts]]``, if given, replace the base's; ``[[events]]``
    are added to the base's deck.
    """
    out = dict(base)
    for key, value in over.items():
        old = base.get(key)
        if key == "actors" and isinstance(value, list) and isinstance(old, list):
            actors = [dict(a) if isinstance(a, dict) else a for a in old]
            index = {a.get("name"): i for i, a in enumerate(actors) if isinstance(a, dict)}
            for a in value:
                name = a.get("name") if isinstance(a, dict) else None
                if name in index:
                    actors[index[name]] = {**actors[index[name]], **a}
                else:
                    actors.append(a)
            out[key] = actors
        elif key == "events" and isinstance(value, list) and isinstance(old, list):
            out[key] = [*old, *value]
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = {**old, **value}
        else:
            out[key] = value
    return out


def scenario_from_dict(
    raw: dict[str, Any], *, source: str = "<dict>", digest: str = ""
) -> ScenarioSpec:
    """Validate a scenario given as a dict (as parsed from TOML).

    Raises:
        ScenarioError: as :func:`load_scenario`.
    """
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: (top level): must be a table")
    body = raw.get("scenario", {})
    if not isinstance(body, dict):
        raise ScenarioError(f"{source}: scenario: must be a table")
    merged = {**body, **{k: v for k, v in raw.items() if k != "scenario"}}
    clash = set(body) & (set(raw) - {"scenario"})
    if clash:
        raise ScenarioError(
            f"{source}: {sorted(clash)[0]}: given both in [scenario] and at top level"
        )
    if not digest:
        digest = hashlib.sha256(repr(sorted(raw.items())).encode()).hexdigest()
    try:
        spec = ScenarioSpec.model_validate({**merged, "source": source, "digest": digest})
    except ValidationError as e:
        raise ScenarioError(_describe(source, e, merged)) from None
    return spec
