"""Charts over time from the Mesa data collector: compute by lab, capacity by foundry, prices,
cash and scores by actor.

Matplotlib ``Figure`` objects only (never pyplot, which is global and not thread-safe). Drawing
a figure to PNG takes a few hundred milliseconds, longer than a click may, so it is kept off the
page's event loop:

1. when the quarter has changed and the page has been quiet for a moment (a tick from the
   browser, see ``ui.ticker``), the series are read from the game (a few milliseconds) and the
   drawing is handed to a worker thread (one for the whole server, so drawings queue up rather
   than compete for the CPU);
2. further ticks look whether the PNG is ready and, once it is, show it (the same image widget
   ``solara.FigureMatplotlib`` makes, from the same ``Figure.savefig``).

The worker never touches the game or the page, and nothing renders from it: a click is never
held up by a drawing, and a run of clicks draws once.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from solara.alias import rw

from ui.common import ROLE_COLORS, heading, use_batch
from ui.session import GameSession
from ui.ticker import Ticker

#: Seconds the quarter must stay the same before the charts are drawn.
SETTLE_SECONDS = 0.4
#: How often the page looks whether a drawing is ready.
POLL_SECONDS = 0.15
MAX_LEGEND = 8
DPI = 100

_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fabrace-charts")
#: Drawings shared by the pages that show the same charts (the seats of a table), by key.
_SHARED: OrderedDict[Any, Future[bytes]] = OrderedDict()
_SHARED_MAX = 64
_shared_lock = threading.Lock()


def _draw(data: dict[str, Any], share: Any) -> Future[bytes]:
    """The drawing of ``data``: a new one, or the one already made under ``share``."""
    if share is None:
        return _DRAWER.submit(render_png, data)
    with _shared_lock:
        fut = _SHARED.get(share)
        if fut is None:
            fut = _SHARED[share] = _DRAWER.submit(render_png, data)
            while len(_SHARED) > _SHARED_MAX:
                _SHARED.popitem(last=False)
        return fut


def chart_data(session: GameSession) -> dict[str, Any]:
    """The series the charts show, as plain lists (read under the session's lock)."""
    model_df, agent_df = session.series()
    names = session.agent_names()
    roles = dict(session.actors())
    x = [session.quarter_label(i) for i in range(len(model_df))]
    out: dict[str, Any] = {"x": x, "roles": roles, "model": {}, "agents": {}}
    for col in ("gpu_price", "wafer_price", "lab_compute", "fab_capacity"):
        if col in model_df:
            out["model"][col] = [float(v) for v in model_df[col]]
    if x and "Step" in agent_df.index.names:
        df = agent_df.reset_index()
        for col in ("compute", "capacity", "cash", "score"):
            if col not in df:  # a seat at a table sees no one's score until the end
                continue
            wide = df.pivot(index="Step", columns="AgentID", values=col)
            out["agents"][col] = {
                names.get(aid, str(aid)): [float(v) for v in wide[aid]] for aid in wide.columns
            }
    return out


def _lines(
    ax: Any,
    x: list[str],
    series: dict[str, list[float]],
    roles: dict[str, str],
    legend: bool = True,
) -> None:
    n_by_role: dict[str, int] = {}
    for name, ys in series.items():
        role = roles.get(name, "")
        k = n_by_role.get(role, 0)
        n_by_role[role] = k + 1
        style = ["-", "--", ":", "-."][k % 4]
        ax.plot(
            x[: len(ys)],
            ys,
            style,
            color=ROLE_COLORS.get(role, "#777"),
            lw=1.4,
            label=name,
            marker="o" if len(ys) < 13 else None,
            ms=3,
        )
    if legend and 0 < len(series) <= MAX_LEGEND:
        ax.legend(fontsize=7, loc="upper left", frameon=False)


def make_figure(data: dict[str, Any]) -> Figure:
    """One figure with a panel per chart."""
    fig = Figure(figsize=(11, 6.2))
    fig.subplots_adjust(left=0.05, right=0.99, top=0.95, bottom=0.07, wspace=0.22, hspace=0.32)
    axes = fig.subplots(2, 3)
    x, roles = data["x"], data["roles"]
    agents, model = data["agents"], data["model"]

    def only(col: str, role: str) -> dict[str, list[float]]:
        return {n: ys for n, ys in agents.get(col, {}).items() if roles.get(n) == role}

    panels = [
        ("Compute by lab (kH100e)", only("compute", "lab")),
        ("Capacity by foundry (k wafers/q)", only("capacity", "foundry")),
        ("Cash ($B)", agents.get("cash", {})),
        (
            "Score (lines as in Cash)" if "score" in agents else "Scores: private until the end",
            agents.get("score", {}),
        ),
    ]
    for i, (ax, (title, series)) in enumerate(
        zip([axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]], panels, strict=True)
    ):
        ax.set_title(title, fontsize=9)
        _lines(ax, x, series, roles, legend=i != 3)
    mk: dict[str, Any] = {"marker": "o", "ms": 3} if len(x) < 13 else {}
    ax = axes[0, 2]
    ax.set_title("Prices ($k)", fontsize=9)
    if "gpu_price" in model:
        ax.plot(x, model["gpu_price"], color=ROLE_COLORS["designer"], lw=1.4, label="GPU", **mk)
    if "wafer_price" in model:
        ax.plot(x, model["wafer_price"], color=ROLE_COLORS["foundry"], lw=1.4, label="wafer", **mk)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax = axes[1, 2]
    ax.set_title("Industry totals", fontsize=9)
    if "lab_compute" in model:
        ax.plot(
            x, model["lab_compute"], color=ROLE_COLORS["lab"], lw=1.4, label="lab compute", **mk
        )
    if "fab_capacity" in model:
        ax.plot(
            x,
            model["fab_capacity"],
            color=ROLE_COLORS["foundry"],
            lw=1.4,
            label="fab capacity",
            **mk,
        )
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    step = max(1, (len(x) + 3) // 4)
    ticks = list(range(0, len(x), step))
    for ax in axes.flat:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_xticks(ticks, [x[i] for i in ticks])
    return fig


def render_png(data: dict[str, Any]) -> bytes:
    """The charts of ``data`` (from :func:`chart_data`) as a PNG."""
    buf = io.BytesIO()
    make_figure(data).savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


@solara.component
def Charts(session: GameSession, quarter: int, share: Any = None) -> None:
    """The "Charts" panel: redrawn once ``quarter`` has stopped changing for a moment. Pages
    that show the same charts (the seats of a table) give the same ``share`` key, and draw
    them once a quarter between them."""
    shown = solara.use_reactive((None, None))  # (quarter drawn, PNG)
    pending = solara.use_reactive(None)  # (quarter, Future of the PNG) being drawn
    polls = solara.use_reactive(0)
    problem = solara.use_reactive(None)
    batch = use_batch()

    def on_tick(token: Any = None) -> None:
        job: tuple[int, Future[bytes]] | None = pending.value
        if job is None or job[0] != quarter:  # the quarter settled: read the data, hand it over
            data = chart_data(session)
            if data["x"]:
                key = None if share is None else (share, quarter, len(data["x"]))
                pending.set((quarter, _draw(data, key)))
            return
        q, fut = job
        if not fut.done():
            polls.set(polls.value + 1)  # look again shortly
            return
        with batch():
            pending.set(None)
            try:
                shown.set((q, fut.result()))
                problem.set(None)
            except Exception as e:  # a drawing that failed says so, and is not retried
                shown.set((q, shown.value[1]))
                problem.set(f"The charts could not be drawn: {type(e).__name__}: {e}")

    q_shown, png = shown.value
    waiting = pending.value is not None and pending.value[0] == quarter
    Ticker(
        active=quarter > 0 and q_shown != quarter,
        interval_ms=int((POLL_SECONDS if waiting else SETTLE_SECONDS) * 1000),
        token=f"{quarter}:{int(waiting)}:{polls.value}",
        event_tick=on_tick,
        name="charts",
    )
    with solara.Column(classes=["fr-panel", "fr-charts"], gap="4px"):
        heading("Charts")
        if problem.value:
            solara.Warning(problem.value, dense=True)
        if quarter == 0:
            solara.Text("Charts start after the first quarter.", classes=["fr-muted"])
        elif png is None:
            solara.Text("Drawing the charts…", classes=["fr-muted"])
        else:
            rw.Image(value=png, format="png")
