"""The distress banner: the player's cash runway when it is short, and the ways out."""

from __future__ import annotations

from typing import Any

import solara

from ui.common import KIND_NAMES, esc

__all__ = ["DistressBanner", "distress_html"]


def distress_html(d: dict[str, Any], quarter_index: int, n_quarters: int) -> str:
    """The banner's text (HTML, escaped) for ``GameSession.distress()``."""
    runway = d["runway"]
    if d["level"] == "insolvent":
        head = "You are insolvent: your contracts are broken and your score takes −5."
    elif d["level"] == "distressed":
        head = (
            f"Cash is below zero (${d['cash']:,.2f}B). {d['closes_left']} more quarter(s) closing "
            "below zero make you insolvent (contracts broken, −5)."
        )
    else:
        head = (
            f"Cash runs out in about {runway:.1f} quarters at this burn "
            f"(${d['cash']:,.2f}B cash, ${d['burn']:,.2f}B a quarter)"
        )
        out_q = quarter_index + int(runway) + 1
        if out_q <= n_quarters:
            head += f", around quarter {out_q} of {n_quarters}"
        head += "; under a year of runway costs score every quarter."
    ways = "".join(
        f"<li>{esc(KIND_NAMES.get(k, k))} from {esc(', '.join(who))}</li>"
        for k, who in d["ways_out"]
    )
    tail = (
        f"<div>Ways out: raise cash with a deal (the deal builder; click an actor):</div>"
        f"<ul class='fr-list'>{ways}</ul>"
        if ways
        else "<div>No one will give you cash this quarter: cut spending and try next quarter.</div>"
    )
    return f"<div><b>{esc(head)}</b></div>{tail}" if d["level"] != "insolvent" else esc(head)


@solara.component
def DistressBanner(distress: dict[str, Any] | None, quarter_index: int, n_quarters: int) -> None:
    """Shown under the header while the player's cash is short (nothing otherwise)."""
    if distress is None:
        return
    solara.HTML(
        tag="div",
        unsafe_innerHTML=distress_html(distress, quarter_index, n_quarters),
        classes=["fr-panel", "fr-distress", f"fr-distress-{distress['level']}"],
    )
