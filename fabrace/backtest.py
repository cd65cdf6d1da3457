"""The backtest: a scenario played by ``historical`` policies, measured against real figures.

:func:`run_backtest` plays a scenario (``baseline-2024`` by default) with the ``historical``
policy in every seat for :data:`QUARTERS` quarters (two years) over seeds 1..N, works out each
figure of :data:`FIGURES` per year from the game's books (see ``docs/BACKTEST.md``), and returns
one :class:`BacktestRow` per figure and year: the simulated median, its 10–90 % band and the real
value where the targets file (``assets/calibration/targets-2024.toml``) has one.
:func:`run_backtest_series` plays the same games and also keeps each figure quarter by quarter
(:func:`play_seed_series`), for the plots of ``fabrace/backtest_plot.py``.

The actors measured are found by role: the scenario's first lab, first designer and first
foundry, so that a user's scenario with other names is measured the same way. Nothing here
changes a game: it only reads the books after each quarter.
"""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FIGURES",
    "QUARTERS",
    "SEEDS",
    "BacktestResult",
    "BacktestRow",
    "QuarterBand",
    "SeedSeries",
    "play_seed",
    "play_seed_series",
    "quarter_labels",
    "real_quarterly",
    "real_values",
    "run_backtest",
    "run_backtest_series",
    "targets_path",
]

#: Quarters played: 2024 and 2025 for ``baseline-2024``.
QUARTERS = 8

#: The documented seed set: seeds 1..SEEDS (the default of ``fabrace backtest --seeds``), over
#: which the baseline's 2024 figures are within ±15 % of the real ones (``tests/test_backtest.py``).
SEEDS = 20

#: The figures, in the order printed (stable names: see ``docs/BACKTEST.md``).
FIGURES = (
    "tsmc_revenue",
    "tsmc_gross_margin",
    "tsmc_capex",
    "cowos_capacity_wpm",
    "nvidia_dc_revenue",
    "nvidia_dc_revenue_q4",
    "nvidia_gross_margin",
    "openai_annualised_revenue",
    "openai_compute_gw",
    "openai_valuation",
    "openai_cash_burn",
    "openai_cash_spent",
)

#: The designer's sales and cost of goods, as booked on its own books (signed as there).
DESIGNER_SALES = ("gpu_sale", "gpu_prepayment", "gpu_refund")
DESIGNER_COGS = ("wafer_sale", "wafer_prepayment", "wafer_refund", "jv_fee", "jv_cost", "unit_cost")
#: The foundry's cost of the wafers it sells (its gross margin, as ``game/scoring.py`` has it).
FOUNDRY_COST = ("wafer_cost", "other_cost", "jv_cost")
#: Flows that are neither operating nor investing (``game.scoring.FINANCING``).
FINANCING = ("equity", "loan_principal", "loan_repayment", "vendor_equity", "payout")
#: Capital spending (``game.scoring.CAPEX``).
CAPEX = ("fab_capex", "jv_capex", "packaging_capex", "campus_capex", "chip_rnd")
#: What a lab pays for accelerators: a merchant vendor's, or the wafers, fees and assembly of its
#: own. Its loss spreads them over their service life (``compute_life``), as a rental would.
ACCELERATORS = (
    "gpu_sale",
    "gpu_prepayment",
    "gpu_refund",
    "unit_cost",
    "wafer_sale",
    "wafer_prepayment",
    "wafer_refund",
    "jv_fee",
    "jv_cost",
)
#: A lab's long-lived investments, spread over :data:`BUILDING_LIFE` quarters in its loss (chip
#: R&D is expensed, as research is).
BUILDINGS = ("fab_capex", "jv_capex", "packaging_capex", "campus_capex")
#: Quarters a data-centre campus or fab is depreciated over: 15 years (assumption: shells and
#: power last longer than the accelerators in them).
BUILDING_LIFE = 60


@dataclass(frozen=True)
class BacktestRow:
    """One figure in one year: the real value (or None) and the simulated distribution.

    Attributes:
        figure: the figure's stable name (one of :data:`FIGURES`).
        year: the calendar year.
        real: the real value from the targets file, or None where the file has none.
        median: the median over seeds.
        p10: the 10th percentile over seeds.
        p90: the 90th percentile over seeds.
    """

    figure: str
    year: int
    real: float | None
    median: float
    p10: float
    p90: float

    def error(self) -> float | None:
        """The median's error against the real value (0.1 = 10 % above), or None."""
        if self.real is None or self.real == 0:
            return None
        return self.median / self.real - 1.0

    def as_dict(self) -> dict[str, Any]:
        """The row as the JSON object ``{figure, year, real, median, p10, p90}``."""
        return asdict(self)


def targets_path() -> Path:
    """The targets file: the repo's ``assets/calibration``, or the wheel's copy."""
    here = Path(__file__).resolve().parent
    name = "targets-2024.toml"
    for cand in (here.parent / "assets" / "calibration" / name, here / "_calibration" / name):
        if cand.is_file():
            return cand
    return here.parent / "assets" / "calibration" / name


def _value(entry: dict[str, Any]) -> float:
    return float(entry["value"])


#: Per figure, how its real value for a year reads from the targets file's ``[targets]`` table.
_REAL: dict[str, tuple[int, Callable[[dict[str, Any]], float]]] = {
    "tsmc_revenue": (2024, lambda t: _value(t["tsmc"]["revenue_2024"])),
    "tsmc_gross_margin": (2024, lambda t: _value(t["tsmc"]["gross_margin_2024"])),
    "tsmc_capex": (2024, lambda t: _value(t["tsmc"]["capex_2024"])),
    "cowos_capacity_wpm": (2024, lambda t: _value(t["tsmc"]["cowos_capacity_wpm_end_2024"])),
    "nvidia_dc_revenue": (
        2024,
        lambda t: sum(
            float(v) for v in t["nvidia"]["dc_revenue_quarterly_2024"]["values"].values()
        ),
    ),
    "nvidia_dc_revenue_q4": (
        2024,
        lambda t: float(t["nvidia"]["dc_revenue_quarterly_2024"]["values"]["2024Q4"]),
    ),
    "nvidia_gross_margin": (2024, lambda t: _value(t["nvidia"]["gross_margin_fy25"])),
    "openai_annualised_revenue": (
        2024,
        lambda t: _value(t["openai"]["annualised_revenue_end_2024"]),
    ),
    "openai_compute_gw": (2024, lambda t: _value(t["openai"]["compute_gw_2024"])),
    "openai_valuation": (2024, lambda t: _value(t["openai"]["valuation_oct_2024"])),
    "openai_cash_burn": (2024, lambda t: _value(t["openai"]["net_loss_2024"])),
}


#: Per figure, the targets file's quarterly values (``[targets]`` table, key) shown in its plot.
_REAL_QUARTERLY = {
    "tsmc_revenue": ("tsmc", "revenue_quarterly_2024"),
    "nvidia_dc_revenue": ("nvidia", "dc_revenue_quarterly_2024"),
    "nvidia_dc_revenue_q4": ("nvidia", "dc_revenue_quarterly_2024"),
}


def _targets(path: Path | None) -> dict[str, Any]:
    with (path or targets_path()).open("rb") as f:
        targets: dict[str, Any] = tomllib.load(f).get("targets", {})
    return targets


def real_values(path: Path | None = None) -> dict[tuple[str, int], float]:
    """The real value of each (figure, year) the targets file has.

    Args:
        path: the targets file (default: :func:`targets_path`).

    Returns:
        By (figure, year), the real value; a figure whose entry is missing is left out.
    """
    targets = _targets(path)
    out: dict[tuple[str, int], float] = {}
    for figure, (year, read) in _REAL.items():
        try:
            out[figure, year] = read(targets)
        except (KeyError, TypeError, ValueError):
            continue
    return out


def real_quarterly(path: Path | None = None) -> dict[tuple[str, str], float]:
    """The real quarterly values the targets file has for the flows that have them.

    Args:
        path: the targets file (default: :func:`targets_path`).

    Returns:
        By (figure, quarter such as ``"2024Q1"``), the real value of that quarter alone
        (``tsmc_revenue``, ``nvidia_dc_revenue`` and ``nvidia_dc_revenue_q4``); entries missing
        or malformed in the file are left out.
    """
    targets = _targets(path)
    out: dict[tuple[str, str], float] = {}
    for figure, (table, key) in _REAL_QUARTERLY.items():
        try:
            values = targets[table][key]["values"]
            for quarter, v in values.items():
                out[figure, str(quarter)] = float(v)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def quarter_labels(start: str, quarters: int = QUARTERS) -> tuple[str, ...]:
    """The labels (``"2024Q1"``, ...) of the quarters a game starting at ``start`` plays."""
    year, q = int(start[:4]), int(start[-1])
    return tuple(f"{year + (q - 1 + i) // 4}Q{(q - 1 + i) % 4 + 1}" for i in range(quarters))


def _first(m: Any, role: str) -> Any:
    return next((a for a in m.actor_list if a.role == role), None)


def _sum(pnl: dict[str, float], reasons: tuple[str, ...]) -> float:
    return sum(pnl.get(r, 0.0) for r in reasons)


@dataclass(frozen=True)
class SeedSeries:
    """One game's figures: by year (the table's) and by quarter (the plots').

    Attributes:
        figures: by (figure, year), as :func:`play_seed` returns them.
        quarterly: by (figure, quarter index from 0), the figure in that quarter alone: a flow's
            quarter (a gross margin over the quarter's sales), a stock at the quarter's end.
            ``nvidia_dc_revenue_q4`` has every quarter's sales (its value is the year's last).
    """

    figures: dict[tuple[str, int], float]
    quarterly: dict[tuple[str, int], float]


def play_seed(task: tuple[Any, int]) -> dict[tuple[str, int], float]:
    """Play one game with ``historical`` in every seat; its figures by (figure, year).

    Args:
        task: the loaded scenario (a ``ScenarioSpec``) and the seed.

    Returns:
        By (figure, year), the figure's value in that game (a ratio with nothing to divide, such
        as a gross margin without sales, is left out).
    """
    return play_seed_series(task).figures


def play_seed_series(task: tuple[Any, int]) -> SeedSeries:
    """Play one game as :func:`play_seed` does; its figures by year and by quarter.

    Args:
        task: the loaded scenario (a ``ScenarioSpec``) and the seed.

    Returns:
        The game's :class:`SeedSeries`.
    """
    from agents import new_game
    from agents.registry import make_policy

    spec, seed = task
    seats = {a.name: make_policy("historical", a.role) for a in spec.actors}
    # The whole game is set up (policies plan for the years after the backtest), two years played.
    m = new_game(spec, seed=seed, policies=seats)
    lab, designer, foundry = (_first(m, r) for r in ("lab", "designer", "foundry"))
    life = m.rules.compute_life
    # The lab's fleet at the start, bought over the quarters before it at the reference price.
    fleet0 = 0.0
    if lab is not None:
        spec_lab = next(a for a in spec.actors if a.name == lab.name)
        fleet0 = spec_lab.compute * spec.market.gpu_reference_price / 1000.0
    spent: list[tuple[int, float, int]] = []  # (quarter, $B, quarters of life) the lab invested
    start_year, start_q = int(spec.start[:4]), int(spec.start[-1])
    sums: dict[tuple[str, int], float] = {}
    out: dict[tuple[str, int], float] = {}
    quarterly: dict[tuple[str, int], float] = {}

    def add(key: str, year: int, v: float) -> None:
        sums[key, year] = sums.get((key, year), 0.0) + v

    for i in range(QUARTERS):
        if m.finished:
            break
        m.step()
        year = start_year + (start_q - 1 + i) // 4
        year_end = (start_q - 1 + i) % 4 == 3
        if foundry is not None:
            pnl = foundry.last_pnl
            rev, cost = _sum(pnl, foundry.revenue_reasons), -_sum(pnl, FOUNDRY_COST)
            add("f_rev", year, rev)
            add("f_cost", year, cost)
            add("tsmc_capex", year, -_sum(pnl, CAPEX))
            quarterly["tsmc_revenue", i] = rev
            if rev > 0:
                quarterly["tsmc_gross_margin", i] = (rev - cost) / rev
            quarterly["tsmc_capex", i] = -_sum(pnl, CAPEX)
            quarterly["cowos_capacity_wpm", i] = foundry.packaging_capacity / 3.0
            if year_end:
                out["cowos_capacity_wpm", year] = foundry.packaging_capacity / 3.0
        if designer is not None:
            pnl = designer.last_pnl
            sales = _sum(pnl, DESIGNER_SALES)
            cogs = -_sum(pnl, DESIGNER_COGS)
            add("d_sales", year, sales)
            add("d_cogs", year, cogs)
            quarterly["nvidia_dc_revenue", i] = quarterly["nvidia_dc_revenue_q4", i] = sales
            if sales > 0:
                quarterly["nvidia_gross_margin", i] = (sales - cogs) / sales
            if year_end:
                out["nvidia_dc_revenue_q4", year] = sales
        if lab is not None:
            pnl = lab.last_pnl
            flows = {k: v for k, v in pnl.items() if k not in FINANCING}
            spent_now = -sum(flows.values())
            add("openai_cash_spent", year, spent_now)
            spent.append((i, -_sum(flows, ACCELERATORS), life))
            spent.append((i, -_sum(flows, BUILDINGS), BUILDING_LIFE))
            invested = _sum(flows, ACCELERATORS) + _sum(flows, BUILDINGS)
            depreciation = fleet0 * max(0, life - i) / life**2 + sum(
                v / n for q, v, n in spent if q <= i < q + n
            )
            loss = -(sum(flows.values()) - invested) + depreciation
            add("openai_cash_burn", year, loss)
            quarterly["openai_cash_burn", i] = loss
            quarterly["openai_cash_spent", i] = spent_now
            quarterly["openai_annualised_revenue", i] = lab.revenue_run_rate
            quarterly["openai_compute_gw", i] = min(lab.power() / 500.0, lab.powered_gw())
            quarterly["openai_valuation", i] = m.valuation(lab)
            if year_end:
                out["openai_annualised_revenue", year] = lab.revenue_run_rate
                out["openai_compute_gw", year] = min(lab.power() / 500.0, lab.powered_gw())
                out["openai_valuation", year] = m.valuation(lab)
    for (key, year), v in sums.items():
        if key == "f_rev":
            out["tsmc_revenue", year] = v
            if v > 0:
                out["tsmc_gross_margin", year] = (v - sums[("f_cost", year)]) / v
        elif key == "d_sales":
            out["nvidia_dc_revenue", year] = v
            if v > 0:
                out["nvidia_gross_margin", year] = (v - sums[("d_cogs", year)]) / v
        elif key in FIGURES:
            out[key, year] = v
    return SeedSeries(figures=out, quarterly=quarterly)


def _quantile(xs: list[float], q: float) -> float:
    """The ``q`` quantile of ``xs`` (linear between order statistics)."""
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass(frozen=True)
class QuarterBand:
    """One figure in one quarter: the simulated distribution over seeds.

    Attributes:
        quarter: the quarter's label, such as ``"2024Q1"``.
        median: the median over the seeds that have a value.
        p10: the 10th percentile.
        p90: the 90th percentile.
    """

    quarter: str
    median: float
    p10: float
    p90: float


@dataclass(frozen=True)
class BacktestResult:
    """A backtest's table rows and, for the plots, each figure's band quarter by quarter.

    Attributes:
        rows: the table (what :func:`run_backtest` returns).
        quarters: the labels of the quarters played, in order.
        bands: by figure, its :class:`QuarterBand` for each quarter some seed has a value for.
        real: by (figure, year), the real annual value (:func:`real_values`).
        real_quarterly: by (figure, quarter), a real quarterly value (:func:`real_quarterly`).
        seeds: the number of games.
    """

    rows: list[BacktestRow]
    quarters: tuple[str, ...]
    bands: dict[str, list[QuarterBand]]
    real: dict[tuple[str, int], float]
    real_quarterly: dict[tuple[str, str], float]
    seeds: int


def run_backtest(
    spec: Any, seeds: int = SEEDS, workers: int = 1, targets: Path | None = None
) -> list[BacktestRow]:
    """Play ``spec`` over seeds 1..``seeds``; one row per figure and year, in :data:`FIGURES` order.

    Args:
        spec: the loaded scenario (a ``ScenarioSpec``).
        seeds: how many games (seeds 1..N).
        workers: processes (1 plays in this process).
        targets: the targets file (default: :func:`targets_path`).

    Returns:
        The rows, by figure then year.
    """
    return run_backtest_series(spec, seeds=seeds, workers=workers, targets=targets).rows


def _rows(
    games: list[dict[tuple[str, int], float]], real: dict[tuple[str, int], float]
) -> list[BacktestRow]:
    years = sorted({year for g in games for (_, year) in g})
    rows: list[BacktestRow] = []
    for figure in FIGURES:
        for year in years:
            xs = [g[figure, year] for g in games if (figure, year) in g]
            if not xs:
                continue
            rows.append(
                BacktestRow(
                    figure=figure,
                    year=year,
                    real=real.get((figure, year)),
                    median=statistics.median(xs),
                    p10=_quantile(xs, 0.1),
                    p90=_quantile(xs, 0.9),
                )
            )
    return rows


def run_backtest_series(
    spec: Any, seeds: int = 20, workers: int = 1, targets: Path | None = None
) -> BacktestResult:
    """Play ``spec`` as :func:`run_backtest` does; the rows and the quarter-by-quarter bands.

    Args:
        spec: the loaded scenario (a ``ScenarioSpec``).
        seeds: how many games (seeds 1..N).
        workers: processes (1 plays in this process).
        targets: the targets file (default: :func:`targets_path`).

    Returns:
        The :class:`BacktestResult`.
    """
    tasks = [(spec, s) for s in range(1, seeds + 1)]
    if workers <= 1:
        games = [play_seed_series(t) for t in tasks]
    else:
        with ProcessPoolExecutor(workers) as ex:
            games = list(ex.map(play_seed_series, tasks, chunksize=2))
    real = real_values(targets)
    labels = quarter_labels(spec.start)
    bands: dict[str, list[QuarterBand]] = {}
    for figure in FIGURES:
        for i, label in enumerate(labels):
            xs = [g.quarterly[figure, i] for g in games if (figure, i) in g.quarterly]
            if xs:
                band = QuarterBand(
                    label, statistics.median(xs), _quantile(xs, 0.1), _quantile(xs, 0.9)
                )
                bands.setdefault(figure, []).append(band)
    return BacktestResult(
        rows=_rows([g.figures for g in games], real),
        quarters=labels,
        bands=bands,
        real=real,
        real_quarterly=real_quarterly(targets),
        seeds=seeds,
    )
