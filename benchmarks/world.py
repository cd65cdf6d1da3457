"""The world's vital signs: does the world stage the story, and is anything pinned or idle?

Plays many seeded games and prints, for a scenario (``baseline-2024`` by default):

1. per role, the mean score and its spread under an all-``historical`` field (and the gap
   between the highest and the lowest role's mean, in pooled standard deviations);
2. the designer's gross margin and cash by year (medians over seeds, all-``historical``);
3. per family (every seat that family), the share of quarters in which a posted price (a
   designer's GPU price, a foundry's wafer price) sits at 95 % or more of its cap;
4. each role's mean score with the event deck on and off (all-``historical``);
5. per family in the lab's seat (the rest ``historical``), the share of games in which the lab
   starts its own chip programme, or signs a fab joint venture, and its mean score in each case;
6. the same lab table in ``taiwan-crisis``, if the scenario exists;
7. the hedge: the scenario's first lab signs a joint-venture fab outside Taiwan at the start
   (:data:`HEDGE_FAB`, with the first foundry) against the same game without it, with and without
   its own chip programme under way from the start: the lab's mean score difference, paired by
   seed, with its 95 % interval, in the scenario and in ``taiwan-crisis``. The lab plays
   ``--hedge-lab`` (``basic`` by default: it makes no fab bet of its own, so the game without the
   fab has none), the rest ``historical``.

Usage::

    .venv/bin/python benchmarks/world.py [--seeds 50] [--workers 2] [--scenario baseline-2024]
        [--families random,basic,...] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agents import new_game  # noqa: E402
from agents.registry import builtin_families, make_policy  # noqa: E402
from game.legality import MOVE_BOUNDS  # noqa: E402
from game.scenario import builtin_scenarios, load_scenario  # noqa: E402

ROLES = ("lab", "designer", "foundry", "investor")
SALES = {"gpu_sale": 1.0, "gpu_prepayment": 1.0, "gpu_refund": -1.0}
COGS = {"wafer_sale": 1.0, "wafer_prepayment": 1.0, "jv_fee": 1.0, "jv_cost": 1.0, "unit_cost": 1.0}
#: The fab of the hedge table: N3, 20k wafers a quarter in the US, 80 % the lab's.
HEDGE_FAB = {
    "site": "us",
    "node": "N3",
    "capacity": 20.0,
    "partner_capex_share": 0.8,
    "partner_output_share": 0.76,
    "operator_fee": 0.1,
}


def _designer_years(m: Any, name: str, cash: dict[int, float]) -> dict[int, dict[str, float]]:
    """Per year of the game: the designer's sales, cost of goods and cash at the year's end."""
    start_year = int(m.spec.start[:4])
    out: dict[int, dict[str, float]] = defaultdict(lambda: {"sales": 0.0, "cogs": 0.0})
    for t in m.ledger.transfers:
        year = start_year + t.quarter // 4
        if t.destination == name and t.reason in SALES:
            out[year]["sales"] += t.amount
        elif t.source == name and t.reason in ("gpu_refund",):
            out[year]["sales"] -= t.amount
        elif t.source == name and t.reason in COGS:
            out[year]["cogs"] += t.amount
        elif t.destination == name and t.reason == "wafer_refund":
            out[year]["cogs"] -= t.amount
    for year, c in cash.items():
        out[year]["cash"] = c
    return dict(out)


def play(task: dict[str, Any]) -> dict[str, Any]:
    """Play one game as the task says; return the figures the tables need."""
    spec = load_scenario(task["scenario"])
    if task.get("no_events"):
        spec = spec.model_copy(update={"events": []})
    lab_name = next((a.name for a in spec.actors if a.role == "lab"), None)
    if task.get("jv"):
        from game.scenario import ContractSpec

        foundry = next(a.name for a in spec.actors if a.role == "foundry")
        fab = ContractSpec(kind="joint_venture", parties=[lab_name, foundry], terms=HEDGE_FAB)
        spec = spec.model_copy(update={"contracts": [*spec.contracts, fab]})
    seats = {}
    for a in spec.actors:
        fam = task["lab"] if (task.get("lab") and a.role == "lab") else task["field"]
        seats[a.name] = make_policy(fam, a.role)
    m = new_game(spec, seed=task["seed"], policies=seats)
    if task.get("programme"):  # a what-if: its programme under way from the start
        m.actors_by_name[lab_name].programme_left = m.rules.chip_programme_quarters
    capped = {"designer": [0, 0], "foundry": [0, 0]}
    designer = next((a for a in m.actor_list if a.role == "designer"), None)
    start_year = int(spec.start[:4])
    year_end_cash: dict[int, float] = {}
    while not m.finished:
        m.step()
        if designer is not None and m.quarter_index % 4 == 0:
            year_end_cash[start_year + m.quarter_index // 4 - 1] = designer.cash
        ref_gpu = m.market.gpu_reference()
        ref_wafer = m.market.wafer_reference(m.modifiers)
        for a in m.actor_list:
            if a.insolvent:
                continue
            if a.role == "designer":
                hi = MOVE_BOUNDS["set_gpu_price"]["price"][1] * ref_gpu
                capped["designer"][0] += a.gpu_price >= 0.95 * hi
                capped["designer"][1] += 1
            elif a.role == "foundry":
                hi = MOVE_BOUNDS["set_wafer_price"]["price"][1] * ref_wafer
                capped["foundry"][0] += a.wafer_price >= 0.95 * hi
                capped["foundry"][1] += 1
    first = {role: next((a for a in m.actor_list if a.role == role), None) for role in ROLES}
    lab = first["lab"]
    jv = (
        any(
            c.kind.value == "joint_venture" and lab.name in c.parties()
            for c in m.contracts.values()
        )
        if lab
        else False
    )
    return {
        "task": task,
        "scores": {
            role: statistics.fmean(a.score for a in m.actor_list if a.role == role)
            for role in ROLES
            if any(a.role == role for a in m.actor_list)
        },
        "lab_score": lab.score if lab else None,
        "programme": bool(lab and lab.programme_left is not None),
        "jv": jv,
        "capped": capped,
        "designer_years": _designer_years(m, designer.name, year_end_cash) if designer else {},
    }


def _fmt(v: float | None) -> str:
    return f"{v:6.2f}" if v is not None else "    - "


def _mean_sd(xs: list[float]) -> str:
    if not xs:
        return "-"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.fmean(xs):7.2f} ± {sd:5.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--scenario", default="baseline-2024")
    ap.add_argument("--families", default=",".join(builtin_families()))
    ap.add_argument("--hedge-lab", default="basic", help="the lab's family in the hedge table")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    families = [f for f in args.families.split(",") if f]
    seeds = range(1, args.seeds + 1)
    tasks: list[dict[str, Any]] = []
    for s in seeds:
        tasks.append({"kind": "field", "scenario": args.scenario, "field": "historical", "seed": s})
        tasks.append(
            {
                "kind": "no_events",
                "scenario": args.scenario,
                "field": "historical",
                "seed": s,
                "no_events": True,
            }
        )
        for fam in families:
            tasks.append({"kind": "family", "scenario": args.scenario, "field": fam, "seed": s})
            tasks.append(
                {
                    "kind": "lab",
                    "scenario": args.scenario,
                    "field": "historical",
                    "lab": fam,
                    "seed": s,
                }
            )
            if "taiwan-crisis" in builtin_scenarios():
                tasks.append(
                    {
                        "kind": "crisis_lab",
                        "scenario": "taiwan-crisis",
                        "field": "historical",
                        "lab": fam,
                        "seed": s,
                    }
                )
    for s in seeds:
        for scen in dict.fromkeys((args.scenario, "taiwan-crisis")):
            if scen not in builtin_scenarios() and scen != args.scenario:
                continue
            for prog in (False, True):
                for jv in (False, True):
                    tasks.append(
                        {
                            "kind": "hedge",
                            "scenario": scen,
                            "field": "historical",
                            "lab": args.hedge_lab,
                            "seed": s,
                            "programme": prog,
                            "jv": jv,
                        }
                    )
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as ex:
        results = list(ex.map(play, tasks, chunksize=8))
    secs = time.perf_counter() - t0
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_kind[r["task"]["kind"]].append(r)

    report: dict[str, Any] = {"scenario": args.scenario, "seeds": args.seeds, "games": len(tasks)}
    lines = [
        f"World vital signs: {args.scenario}, {args.seeds} seeds, {len(tasks)} games "
        f"in {secs:.0f} s ({args.workers} workers)",
        "",
    ]

    # 1. roles under an all-historical field
    field = by_kind["field"]
    role_scores = {
        role: [r["scores"][role] for r in field if role in r["scores"]] for role in ROLES
    }
    means = {r: statistics.fmean(v) for r, v in role_scores.items() if v}
    pooled = math.sqrt(
        statistics.fmean([statistics.pvariance(v) for v in role_scores.values() if len(v) > 1])
    )
    gap = (max(means.values()) - min(means.values())) / pooled if pooled else float("inf")
    report["roles"] = {
        r: {"mean": means[r], "sd": statistics.stdev(v)}
        for r, v in role_scores.items()
        if len(v) > 1
    }
    report["role_gap_in_pooled_sd"] = gap
    lines.append("1. Role scores, all-historical field (mean ± sd)")
    for role, v in role_scores.items():
        lines.append(f"   {role:<9} {_mean_sd(v)}")
    lines.append(f"   gap highest - lowest role mean: {gap:.2f} pooled sd (target <= 1)")
    lines.append("")

    # 2. designer gross margin and cash by year
    years: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in field:
        for y, f in r["designer_years"].items():
            if f["sales"] > 0:
                years[int(y)]["gm"].append((f["sales"] - f["cogs"]) / f["sales"])
            if "cash" in f:
                years[int(y)]["cash"].append(f["cash"])
    lines.append("2. Designer (first of the scenario), all-historical: median by year")
    lines.append("   year   gross margin   cash $B")
    report["designer_by_year"] = {}
    for y in sorted(years):
        gm = statistics.median(years[y]["gm"]) if years[y]["gm"] else float("nan")
        cash = statistics.median(years[y]["cash"]) if years[y]["cash"] else float("nan")
        report["designer_by_year"][y] = {"gross_margin": gm, "cash": cash}
        lines.append(f"   {y}   {gm:12.3f}   {cash:8.1f}")
    lines.append("")

    # 3. prices at the cap, per family
    lines.append("3. Share of quarters with a price >= 95 % of its cap (every seat the family)")
    lines.append("   family        designer   foundry")
    report["capped"] = {}
    for fam in families:
        rs = [r for r in by_kind["family"] if r["task"]["field"] == fam]
        share = {}
        for role in ("designer", "foundry"):
            hit = sum(r["capped"][role][0] for r in rs)
            tot = sum(r["capped"][role][1] for r in rs)
            share[role] = hit / tot if tot else 0.0
        report["capped"][fam] = share
        lines.append(f"   {fam:<12} {share['designer']:8.1%}  {share['foundry']:8.1%}")
    lines.append("")

    # 4. event deck on and off
    off = by_kind["no_events"]
    lines.append("4. Role scores with the event deck on and off (all-historical)")
    report["deck"] = {}
    for role in ROLES:
        on_v = [r["scores"][role] for r in field if role in r["scores"]]
        off_v = [r["scores"][role] for r in off if role in r["scores"]]
        if on_v and off_v:
            on, no = statistics.fmean(on_v), statistics.fmean(off_v)
            report["deck"][role] = {"on": on, "off": no}
            lines.append(f"   {role:<9} on {on:7.2f}   off {no:7.2f}")
    lines.append("")

    # 5./6. the lab's bet
    for kind, title in (("lab", args.scenario), ("crisis_lab", "taiwan-crisis")):
        rs_all = by_kind.get(kind)
        if not rs_all:
            continue
        number = 5 if kind == "lab" else 6
        lines.append(f"{number}. The lab's bet in {title} (lab = family, field historical)")
        lines.append(
            "   family       chip prog.  score if / if not    JV   score if / if not   all"
        )
        report[kind] = {}
        for fam in families:
            rs = [r for r in rs_all if r["task"]["lab"] == fam]
            if not rs:
                continue
            row: dict[str, Any] = {"mean": statistics.fmean(r["lab_score"] for r in rs)}
            cells = []
            for flag in ("programme", "jv"):
                yes = [r["lab_score"] for r in rs if r[flag]]
                no = [r["lab_score"] for r in rs if not r[flag]]
                row[flag] = {
                    "share": len(yes) / len(rs),
                    "score_if": statistics.fmean(yes) if yes else None,
                    "score_if_not": statistics.fmean(no) if no else None,
                }
                if_, if_not = (_fmt(row[flag][k]) for k in ("score_if", "score_if_not"))
                cells.append(f"{len(yes) / len(rs):6.0%}  {if_} / {if_not}")
            report[kind][fam] = row
            lines.append(f"   {fam:<12} {cells[0]}   {cells[1]}   {row['mean']:6.2f}")
        lines.append("")

    # 7. the hedge
    hedge = by_kind.get("hedge", [])
    if hedge:
        lines.append(
            "7. The hedge: the lab's score with a JV fab outside Taiwan signed at the start, minus "
            f"without (paired by seed; lab {args.hedge_lab}, field historical)"
        )
        lines.append("   scenario         own chips from the start   JV - no JV (95 % CI)")
        report["hedge"] = {}
        cell = {
            (r["task"]["scenario"], r["task"]["programme"], r["task"]["jv"], r["task"]["seed"]): r[
                "lab_score"
            ]
            for r in hedge
        }
        for scen in dict.fromkeys(r["task"]["scenario"] for r in hedge):
            for prog in (False, True):
                diffs = [
                    cell[scen, prog, True, s] - cell[scen, prog, False, s]
                    for s in seeds
                    if (scen, prog, True, s) in cell and (scen, prog, False, s) in cell
                ]
                if len(diffs) < 2:
                    continue
                mean = statistics.fmean(diffs)
                half = 1.96 * statistics.stdev(diffs) / math.sqrt(len(diffs))
                report["hedge"][f"{scen}/{'programme' if prog else 'no programme'}"] = {
                    "mean": mean,
                    "ci": [mean - half, mean + half],
                }
                lines.append(
                    f"   {scen:<16} {'yes' if prog else 'no':<26} {mean:+6.2f} "
                    f"[{mean - half:+.2f}, {mean + half:+.2f}]"
                )
        lines.append("")

    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
