"""Golden games: committed playthroughs that pin what the engine and the built-in bots do.

In the manner of OpenSpiel's playthrough files, each golden game is a plain-text record of one
game — scenario, seed, who sat where and any events chosen instead of drawn — followed by every
quarter's news, decisions and state digest, and the final scores. ``tests/test_golden.py`` plays
them again and compares the text, so a change that alters any game fails until the files are
regenerated on purpose::

    make golden            # or: .venv/bin/python tests/playthroughs.py --update

Then read the diff (``git diff tests/golden``) before committing it: it shows which games changed
and from which quarter on.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from agents import new_game  # noqa: E402
from agents.registry import make_policy  # noqa: E402
from game.scenario import load_scenario  # noqa: E402

FOLDER = Path(__file__).resolve().parent / "golden"


@dataclass(frozen=True)
class Playthrough:
    """One golden game: what to play.

    Attributes:
        name: the file name (without ``.txt``).
        scenario: a built-in scenario.
        seed: the game's seed.
        family: the policy family in every seat, or None for the scenario's own bots.
        quarters: how many quarters to play (None: the scenario's length).
        chosen: events chosen instead of drawn, by quarter index (an empty list: no news).
    """

    name: str
    scenario: str
    seed: int
    family: str | None = None
    quarters: int | None = None
    chosen: dict[int, list[Any]] = field(default_factory=dict)


PLAYTHROUGHS: tuple[Playthrough, ...] = (
    Playthrough("duel-basic-7", "duel", 7),
    Playthrough("duel-random-3", "duel", 3, family="random"),
    Playthrough(
        "duel-greedy-chosen-events",
        "duel",
        5,
        family="greedy",
        chosen={0: [], 2: ["taiwan_earthquake"], 3: [{"kind": "demand_shock", "magnitude": -0.3}]},
    ),
    Playthrough("baseline-historical-1", "baseline-2024", 1, family="historical"),
    Playthrough("baseline-planner-2", "baseline-2024", 2, family="planner", quarters=16),
    Playthrough("crowded-basic-1", "crowded", 1, quarters=8),
)


def _num(x: float) -> str:
    return f"{x:.6f}"


def play(p: Playthrough) -> str:
    """Play a golden game and return its text."""
    spec = load_scenario(p.scenario)
    policies = {a.name: make_policy(p.family, a.role) for a in spec.actors} if p.family else None
    records: list[dict[str, Any]] = []
    m = new_game(spec, seed=p.seed, policies=policies, quarters=p.quarters, recorder=records.append)
    lines = [
        "# Fab Race golden game: regenerate on purpose with `make golden`, then read the diff.",
        f"game: {p.name}",
        f"scenario: {p.scenario} ({spec.digest[:16]})",
        f"seed: {p.seed}",
        f"quarters: {m.n_quarters}",
        "seats: " + ", ".join(f"{a.name}={m.policy_label(a.name)}" for a in m.actor_list),
        "chosen events: "
        + ("; ".join(f"q{q}={ev!r}" for q, ev in sorted(p.chosen.items())) or "none"),
        "",
    ]
    while not m.finished:
        q = m.quarter_index
        start = len(records)
        m.step(events=p.chosen.get(q))
        quarter = records[start:]
        opened = next(r for r in quarter if r["type"] == "quarter_open")
        end = next(r for r in quarter if r["type"] == "quarter_end")
        events = ", ".join(
            f"{e['kind']}{'@' + e['target'] if e['target'] else ''} {e['magnitude']:+g}"
            f"/{e['duration']}q"
            for e in opened["events"]
        )
        decisions = [r for r in quarter if r["type"] == "decision"]
        applied = sum(1 for r in decisions if r["outcome"]["ok"])
        by_type: dict[str, int] = {}
        for r in decisions:
            if r["outcome"]["ok"]:
                t = r["decision"]["type"]
                by_type[t] = by_type.get(t, 0) + 1
        faults = sum(1 for r in quarter if r["type"] == "fault")
        lines.append(
            f"{end['label']}  digest {end['digest']}  events [{events or '-'}"
            f"{' (chosen)' if opened['chosen'] else ''}]"
        )
        lines.append(
            f"    decisions {len(decisions)} applied {applied} faults {faults}: "
            + (", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "-")
        )
    r = m.result()
    lines += ["", "result:"]
    for a in r["actors"]:
        lines.append(
            f"  {a['name']:<12} {a['role']:<9} {a['policy']:<11} score {_num(a['score'])}  "
            f"cash {_num(a['cash'])}{'  INSOLVENT' if a['insolvent'] else ''}"
        )
    t = r["totals"]
    lines.append(
        f"  contracts signed {t['contracts_signed']}, breached {t['contracts_breached']}; "
        f"ledger imbalance {_num(r['ledger']['imbalance'])}"
    )
    lines.append(f"final digest: {m.digest()}")
    return "\n".join(lines) + "\n"


def path_of(p: Playthrough) -> Path:
    return FOLDER / f"{p.name}.txt"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = ap.parse_args(argv)
    FOLDER.mkdir(exist_ok=True)
    changed = []
    for p in PLAYTHROUGHS:
        text = play(p)
        path = path_of(p)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            changed.append(p.name)
            if args.update:
                path.write_text(text, encoding="utf-8")
    names = {path_of(p).name for p in PLAYTHROUGHS}
    stale = sorted(f.name for f in FOLDER.glob("*.txt") if f.name not in names)
    for name in stale:
        if args.update:
            (FOLDER / name).unlink()
    verb = "rewrote" if args.update else "would change"
    print(
        f"{verb} {len(changed)} of {len(PLAYTHROUGHS)} golden games"
        + (f": {', '.join(changed)}" if changed else "")
        + (f"; stale files: {', '.join(stale)}" if stale else "")
    )
    return 0 if args.update or not (changed or stale) else 1


if __name__ == "__main__":
    sys.exit(main())
