"""Shared look of the page: role colours, headings, inline messages, number formats, tables.

Text-heavy parts of the page are rendered as one HTML element each (escaped), which keeps the
number of widgets, and so the cost of a re-render, small.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import solara
from reacton.core import get_render_context

from ui.session import KIND_NAMES as KIND_NAMES  # re-exported for the panels
from ui.session import ActionResult

ROLE_COLORS = {
    "lab": "#8e24aa",
    "designer": "#2e7d32",
    "foundry": "#1565c0",
    "investor": "#ef6c00",
}
ROLE_NAMES = {
    "lab": "AI lab",
    "designer": "chip designer",
    "foundry": "foundry",
    "investor": "investor",
}
CSS = """
.fr-heading { margin: 4px 0 6px 0; font-weight: 500; }
h2.fr-heading { font-size: 1.25rem; }
h3.fr-heading { font-size: 1.05rem; }
.fr-panel { padding: 10px 14px; margin: 6px; border: 1px solid #e0e0e0; border-radius: 6px;
            background: #fff; }
.fr-table { border-collapse: collapse; font-size: 0.86rem; width: 100%; }
.fr-table th { text-align: left; font-weight: 600; border-bottom: 1px solid #ccc;
               padding: 2px 6px; }
.fr-table td { padding: 2px 6px; border-bottom: 1px solid #f0f0f0; }
.fr-table td.num, .fr-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
.fr-up { color: #2e7d32; } .fr-down { color: #c62828; }
.fr-muted { color: #777; font-size: 0.85rem; }
.fr-list { margin: 0; padding-left: 18px; font-size: 0.88rem; }
.fr-quarter { font-size: 1.4rem; font-weight: 600; letter-spacing: 0.5px; }
.fr-dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px;
          margin-right: 4px; }
.fr-offer { border: 1px solid #e0e0e0; border-radius: 4px; padding: 6px 8px; margin: 6px 0; }
.fr-fields { padding-top: 6px; }
.fr-fields .v-input, .fr-offer .v-input { margin-top: 6px; padding-top: 4px; }
.fr-graph.custom-widget { width: 100%; height: 430px; border: 1px solid #e0e0e0;
                          border-radius: 4px; }
.fr-charts img { width: 100%; max-width: 1100px; height: auto; }
.fr-howto { font-size: 0.92rem; }
.fr-topbar { position: sticky; top: 0; z-index: 20; box-shadow: 0 2px 4px rgba(0,0,0,0.08); }
.fr-topbar { padding: 4px 10px; column-gap: 4px !important; }
.fr-topbar .v-btn { margin: 0 1px; }
.fr-topbar .v-btn.v-size--small { padding: 0 6px; }
.fr-confirm { background: #fff8e1; }
.fr-guide { background: #e8f5e9; border-left: 5px solid #2e7d32; font-size: 0.92rem; }
.fr-story p { margin: 0 0 6px 0; max-width: 1100px; }
.fr-distress { border-left: 5px solid #ef6c00; background: #fff3e0; font-size: 0.9rem; }
.fr-distress-distressed, .fr-distress-insolvent { border-left-color: #c62828;
                                                  background: #ffebee; }
.fr-consequences { margin: 2px 0 4px 0; }
.fr-warn { color: #b71c1c; font-weight: 500; }
mark.fr-changed { background: #fff176; padding: 0 2px; border-radius: 2px; }
/* solara's "This website runs on Solara" badge sits over the page's content */
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""


def use_batch() -> Callable[[], AbstractContextManager[Any]]:
    """A hook: ``with batch(): ...`` in an event handler renders once after all the state
    changes in the block, not once for each (the render context is only known while rendering).
    """
    rc = get_render_context(required=False)

    def batch() -> AbstractContextManager[Any]:
        return rc if rc is not None else nullcontext()

    return batch


def heading(text: str, level: int = 2) -> Any:
    """A section heading (a real ``h2``/``h3``, so that it is found by its text and role)."""
    return solara.v.Html(tag=f"h{level}", children=[text], class_="fr-heading")


def message(result: ActionResult | None, key: str = "") -> None:
    """The inline answer to something the player did: green if it went through, red if not."""
    if result is None:
        return
    classes = ["fr-msg", f"fr-msg-{key}"] if key else ["fr-msg"]
    if result.ok:
        solara.Success(result.message, dense=True, classes=[*classes, "fr-ok"])
    else:
        solara.Error(result.message, dense=True, classes=[*classes, "fr-error"])


def current(result: Any, quarter: int, successes: int) -> bool:
    """Whether a panel's stored answer ``(quarter, successes then, ActionResult)`` is still
    worth showing: this quarter's, and for an error, nothing has succeeded since."""
    if result is None or result[0] != quarter:
        return False
    return bool(result[2].ok) or result[1] == successes


def esc(x: Any) -> str:
    return html.escape(str(x))


def num(x: Any, digits: int = 2) -> str:
    """A number for a table: thousands separated, a few digits; text as it is."""
    if isinstance(x, bool) or x is None:
        return "—" if x is None else ("yes" if x else "no")
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:,.{digits}f}"
    return str(x)


def signed(x: float, digits: int = 2) -> str:
    return f"{x:+,.{digits}f}"


def label_of(key: str) -> str:
    """``revenue_run_rate`` -> ``revenue run rate``."""
    return key.replace("_", " ")


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Sequence[bool] | None = None,
    classes: Sequence[str] = (),
    raw: bool = False,
) -> Any:
    """A small table as one HTML element. Cells are escaped unless ``raw``."""
    numeric = list(numeric or [False] * len(headers))

    def cell(tag: str, i: int, v: Any) -> str:
        cls = ' class="num"' if numeric[i] else ""
        return f"<{tag}{cls}>{v if raw else esc(v)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    return solara.HTML(
        tag="table",
        unsafe_innerHTML=f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>",
        classes=["fr-table", *classes],
    )


def consequences_html(lines: Sequence[tuple[str, bool]]) -> str:
    """What a deal does to the player (``GameSession.consequences``) as a list; warnings red."""
    items = "".join(
        f'<li class="{"fr-warn" if warn else "fr-conseq"}">{"⚠ " if warn else ""}{esc(t)}</li>'
        for t, warn in lines
    )
    return f'<ul class="fr-list fr-consequences">{items}</ul>' if items else ""


def role_dot(role: str) -> str:
    return f'<span class="fr-dot" style="background:{ROLE_COLORS.get(role, "#999")}"></span>'
