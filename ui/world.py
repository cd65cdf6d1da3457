"""The world, second edition, at a glance: where the wafers are made (Taiwan's share), and the
player's own campuses, leases, chip programme and own chips, from public figures and books."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import solara

from ui.common import esc, heading, table

__all__ = ["WorldPanel", "world_rows"]


def _fabs(public: Mapping[str, Mapping[str, Any]]) -> tuple[float, float, float]:
    """(running capacity in Taiwan, running capacity in all, capacity being built) in k wafers
    a quarter, summed over every foundry's public fab list."""
    taiwan = total = building = 0.0
    for figures in public.values():
        for fab in figures.get("fabs") or ():
            _node, site, capacity, quarters_left = fab
            if quarters_left:
                building += float(capacity)
                continue
            total += float(capacity)
            if site == "taiwan":
                taiwan += float(capacity)
    return taiwan, total, building


def world_rows(
    public: Mapping[str, Mapping[str, Any]], books: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(what, now)`` lines for the panel."""
    rows: list[tuple[str, str]] = []
    taiwan, total, building = _fabs(public)
    if total > 0:
        rows.append(
            (
                "Taiwan's share of the wafer capacity running",
                f"{taiwan / total:.0%} of {total:,.0f}k wafers a quarter"
                + (f"; {building:,.0f}k being built" if building else ""),
            )
        )
    if "campus_gw" in books:
        built, more = (
            float(books.get("campus_gw") or 0.0),
            float(books.get("campus_building_gw") or 0),
        )
        rows.append(
            (
                "Your campuses",
                f"{built:.2f} GW running" + (f", {more:.2f} GW building" if more else ""),
            )
        )
    if "leased_gw" in books:
        rows.append(
            (
                "Power you rent",
                f"{float(books.get('leased_gw') or 0):.2f} GW leased, "
                f"{float(books.get('cloud_gw') or 0):.2f} GW cloud",
            )
        )
    if "chip_programme" in books:
        left = books.get("programme_quarters_left")
        prog = books.get("chip_programme")
        rows.append(
            (
                "Your own chips",
                "no chip programme (a move starts one)"
                if not prog
                else f"programme {prog}"
                + (f", first chips in {left} quarters" if left else ", making chips"),
            )
        )
    by_vendor = books.get("compute_by_vendor") or {}
    if by_vendor:
        total_c = sum(float(v) for v in by_vendor.values()) or 1.0
        rows.append(
            (
                "Your compute by maker",
                ", ".join(
                    f"{'own chips' if k == 'own' else k} {float(v) / total_c:.0%}"
                    for k, v in by_vendor.items()
                ),
            )
        )
    return rows


@solara.component
def WorldPanel(rows: Sequence[tuple[str, str]]) -> None:
    """The "The world and you" panel."""
    with solara.Column(classes=["fr-panel", "fr-world"], gap="4px"):
        heading("The world and you")
        table(["", "now"], [[esc(a), esc(b)] for a, b in rows], raw=True)
