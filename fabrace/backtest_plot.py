"""The backtest's plots: one PNG per figure, the simulated band by quarter, real points on it.

:func:`write_plots` draws each figure of a :class:`~fabrace.backtest.BacktestResult` over the
quarters played: the 10–90 % band over seeds and the median, and the real values where the
targets file has them. A flow (revenue, capital spending, cash burn) is drawn quarter by quarter,
its real annual value as a dashed segment at a quarter's average (value ÷ 4) across that year's
quarters, and real quarterly values as points; a gross margin as the quarter's margin, the real
year's margin as a segment; a stock (capacity, run-rate, compute, valuation) at each quarter's
end, the real value at its year's last quarter. Files are written whole or not at all (a
temporary file renamed into place).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fabrace.backtest import FIGURES, BacktestResult

__all__ = ["PLOTS", "FigurePlot", "PlotError", "prepare_folder", "write_plots"]


class PlotError(Exception):
    """Plots that cannot be written (no plotting library, a folder that cannot be written)."""


@dataclass(frozen=True)
class FigurePlot:
    """How one figure is drawn.

    Attributes:
        kind: ``"flow"`` (a quarter's amount; the real year ÷ 4), ``"ratio"`` (a quarter's
            ratio; the real year as is) or ``"stock"`` (at the quarter's end; real at year end).
        title: what the figure is, in words.
        unit: the y axis's label.
    """

    kind: str
    title: str
    unit: str


#: How each figure of :data:`fabrace.backtest.FIGURES` is drawn.
PLOTS: dict[str, FigurePlot] = {
    "tsmc_revenue": FigurePlot("flow", "TSMC revenue per quarter", "$B a quarter"),
    "tsmc_gross_margin": FigurePlot("ratio", "TSMC gross margin per quarter", "gross margin"),
    "tsmc_capex": FigurePlot("flow", "TSMC capital spending per quarter", "$B a quarter"),
    "cowos_capacity_wpm": FigurePlot(
        "stock", "TSMC packaging (CoWoS-class) capacity", "k wafers/month"
    ),
    "nvidia_dc_revenue": FigurePlot(
        "flow", "Nvidia data-centre revenue per quarter", "$B a quarter"
    ),
    "nvidia_dc_revenue_q4": FigurePlot(
        "flow", "Nvidia data-centre revenue per quarter (the figure: each Q4)", "$B a quarter"
    ),
    "nvidia_gross_margin": FigurePlot("ratio", "Nvidia gross margin per quarter", "gross margin"),
    "openai_annualised_revenue": FigurePlot(
        "stock", "OpenAI annualised revenue (run-rate)", "$B a year"
    ),
    "openai_compute_gw": FigurePlot("stock", "OpenAI compute in service with power", "GW"),
    "openai_valuation": FigurePlot("stock", "OpenAI valuation", "$B"),
    "openai_cash_burn": FigurePlot(
        "flow", "OpenAI loss per quarter (accelerators depreciated over their life)", "$B a quarter"
    ),
    "openai_cash_spent": FigurePlot(
        "flow", "OpenAI cash spent per quarter (net flows less financing)", "$B a quarter"
    ),
}

REAL_COLOUR = "#c0392b"
SIM_COLOUR = "#2c6fbb"


def prepare_folder(out: str | Path) -> Path:
    """Create ``out`` if missing and check that files can be written in it.

    Raises:
        PlotError: if it cannot be created or written, naming it and why.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise PlotError(f"{out}: cannot write the plots here ({e.strerror or e})") from None
    return out


def _save(fig: Any, path: Path) -> None:
    """Write ``fig`` as a PNG at ``path``: into a temporary file beside it, then renamed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("xb") as f:  # the usual permissions (a mkstemp file is owner-only)
            fig.savefig(f, format="png")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _year(quarter: str) -> int:
    return int(quarter[:4])


def _draw(result: BacktestResult, figure: str, scenario: str) -> Any:
    """The figure's plot (a matplotlib ``Figure``), or None if no game has a value for it."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    bands = result.bands.get(figure)
    if not bands:
        return None
    how = PLOTS[figure]
    index = {q: i for i, q in enumerate(result.quarters)}
    xs = [index[b.quarter] for b in bands]
    fig = Figure(figsize=(7.5, 4.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.fill_between(
        xs,
        [b.p10 for b in bands],
        [b.p90 for b in bands],
        color=SIM_COLOUR,
        alpha=0.25,
        lw=0,
        label=f"simulated 10–90 % ({result.seeds} seeds)",
    )
    ax.plot(xs, [b.median for b in bands], "o-", color=SIM_COLOUR, label="simulated median")
    for (name, year), value in sorted(result.real.items()):
        if name != figure or figure == "nvidia_dc_revenue_q4":
            continue
        in_year = [index[q] for q in result.quarters if _year(q) == year]
        if not in_year:
            continue
        if how.kind == "stock":
            last = f"{year}Q4"
            if last in index:
                ax.plot(
                    [index[last]], [value], "D", ms=9, color=REAL_COLOUR, label=f"real, end {year}"
                )
            continue
        level, label = (
            (value / 4.0, f"real {year} ÷ 4 (a quarter's average)")
            if how.kind == "flow"
            else (value, f"real {year} (whole year)")
        )
        ax.hlines(
            level, min(in_year) - 0.4, max(in_year) + 0.4, colors=REAL_COLOUR, linestyles="--"
        )
        ax.plot([], [], "--", color=REAL_COLOUR, label=label)  # legend entry for the segment
    quarter_points = sorted(
        (index[q], v)
        for (name, q), v in result.real_quarterly.items()
        if name == figure and q in index
    )
    if quarter_points:
        ax.plot(
            [x for x, _ in quarter_points],
            [v for _, v in quarter_points],
            "s",
            ms=7,
            color=REAL_COLOUR,
            label="real quarter",
        )
    if figure == "nvidia_dc_revenue_q4":
        for (name, year), value in sorted(result.real.items()):
            if name == figure and f"{year}Q4" in index:
                ax.plot(
                    [index[f"{year}Q4"]],
                    [value],
                    "D",
                    ms=11,
                    mfc="none",
                    mew=2,
                    color=REAL_COLOUR,
                    label=f"real {year}Q4 (the figure)",
                )
    ax.set_xticks(range(len(result.quarters)), result.quarters)
    ax.set_xlim(-0.6, len(result.quarters) - 0.4)
    ax.set_xlabel("quarter")
    ax.set_ylabel(how.unit, parse_math=False)
    if how.kind == "ratio":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        low, high = ax.get_ylim()
        if low > 0:  # amounts from zero, with room above the highest point
            ax.set_ylim(0, high * 1.05)
    ax.grid(True, alpha=0.3)
    ax.set_title(
        f"{figure}: {how.title}\n{scenario}, historical in every seat",
        fontsize=10,
        parse_math=False,
    )
    ax.legend(fontsize=8, loc="best")
    return fig


def write_plots(result: BacktestResult, out: str | Path, scenario: str) -> list[Path]:
    """Write ``<figure>.png`` into ``out`` for each figure some game has a value for.

    Args:
        result: the backtest (from :func:`fabrace.backtest.run_backtest_series`).
        out: the folder (created if missing).
        scenario: the scenario's name, for the titles.

    Returns:
        The files written, in :data:`fabrace.backtest.FIGURES` order.

    Raises:
        PlotError: if matplotlib is missing or the folder cannot be written.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotError("plots need matplotlib: pip install -e .") from None
    folder = prepare_folder(out)
    written: list[Path] = []
    for figure in FIGURES:
        fig = _draw(result, figure, scenario)
        if fig is None:
            continue
        path = folder / f"{figure}.png"
        try:
            _save(fig, path)
        except OSError as e:
            raise PlotError(f"{path}: cannot write the plot ({e.strerror or e})") from None
        finally:
            fig.clear()
        written.append(path)
    return written
