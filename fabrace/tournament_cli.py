"""``fabrace tournament``: run a paired, parallel, resumable tournament; ``report`` writes plots."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from fabrace.options import Isolate, IsolateOption
from fabrace.output import fail as _fail
from fabrace.output import literal
from fabrace.output import print_json as _print_json

__all__ = ["tournament_app"]

err = Console(stderr=True, highlight=False, emoji=False)

HELP = """Run a tournament of policies on one scenario, headless, and print the standings.

Design (paired, "duplicate"): for each role and each seed, every candidate policy takes the focal
seat — the scenario's actor of that role, rotating among them when there are several — against
the same field on the same seed, so candidates are compared on identical games and luck cancels
out. The field is drawn from the candidates, seat by seat, once per seed (or set with --field).
Every game's seed and seating is fixed before anything runs: serial, --workers N and Dask runs
give the same standings.

Results stream into an SQLite file (--out). Rerun the same command to continue where a run
stopped (Ctrl-C or a crash); finished games are never played twice. --force starts over. The
store is tied to every setting that changes results (the time budgets included, not --workers):
a rerun with other settings is refused, naming them.
"""

tournament_app = typer.Typer(help=HELP, invoke_without_command=True, no_args_is_help=False)


def _standings_json(st: dict[str, list[Any]]) -> dict[str, list[dict[str, Any]]]:
    return {role: [s.to_json() for s in lines] for role, lines in st.items()}


def _print_standings(st: dict[str, list[Any]], title: str) -> None:
    out = Console(highlight=False, emoji=False)
    out.print(f"[bold]{literal(title)}[/]")
    for role, lines in st.items():
        table = Table(
            "rank",
            "policy",
            "games",
            "mean",
            "95% CI",
            "raw score",
            "rating",
            title=role,
            title_justify="left",
        )
        for s in lines:
            if s.games == 0:
                table.add_row("-", literal(s.policy), "0", "-", "-", "-", "-")
                continue
            table.add_row(
                str(s.rank),
                literal(s.policy),
                str(s.games),
                f"{s.mean:+.3f}",
                literal(f"[{s.ci_low:+.3f}, {s.ci_high:+.3f}]"),
                f"{s.raw_mean:+.3f}",
                f"{s.rating:.2f}" if not math.isnan(s.rating) else "-",
            )
        out.print(table)


@tournament_app.callback()
def tournament(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario or TOML file.")
    ] = "baseline-2024",
    policies: Annotated[
        str | None,
        typer.Option(
            help="Candidate policies, comma-separated (names, variants, plugins or file.py:Class)."
        ),
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(help="Policy of every non-focal seat (default: drawn from the candidates)."),
    ] = None,
    games: Annotated[int, typer.Option(min=1, help="Seeds per role.")] = 100,
    seed: Annotated[int, typer.Option(min=0, help="The tournament's seed.")] = 0,
    quarters: Annotated[int | None, typer.Option(min=1, max=400, help="Game length.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=512, help="Parallel workers.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Results store (SQLite), created or resumed.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Start the store over.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Play failed games again.")
    ] = False,
    engine: Annotated[str, typer.Option(help="process (a local pool) or dask.")] = "process",
    address: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler, e.g. tcp://HOST:8786 (with --engine dask; default: a local "
            "cluster)."
        ),
    ] = None,
    game_seconds: Annotated[
        float, typer.Option(min=0.1, help="A game running longer is recorded as failed.")
    ] = 600.0,
    decision_seconds: Annotated[
        float, typer.Option(min=0.001, help="Time budget of one policy call.")
    ] = 2.0,
    policies_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of named policy variants (default: policies.toml here, if any)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the standings as JSON.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    isolate: IsolateOption = Isolate.auto,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    if not policies:
        raise _fail("give the candidate policies: --policies random,greedy,cautious")
    if out is None:
        raise _fail("give the results file: --out results.sqlite")
    if engine not in ("process", "dask"):
        raise _fail(f"--engine must be process or dask (got {engine!r})")
    if address and engine != "dask":
        raise _fail("--address goes with --engine dask")
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise _fail(
                "--engine dask needs the distributed extra: pip install -e '.[distributed]'"
            ) from None
    from agents.registry import PolicyConfigError, PolicyError, PolicyRegistry
    from agents.sandbox import SandboxLimits
    from game.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
        registry = PolicyRegistry(
            policies_file, isolate=isolate.value, limits=SandboxLimits(seconds=decision_seconds)
        )
    except (ScenarioError, PolicyConfigError) as e:
        raise _fail(str(e)) from None
    from tournament.design import TournamentConfig
    from tournament.runner import EngineError, run_tournament
    from tournament.store import StoreError

    names = [p.strip() for p in policies.split(",") if p.strip()]
    try:
        config = TournamentConfig.build(
            spec,
            registry,
            names,
            games,
            seed,
            field,
            quarters,
            decision_seconds=decision_seconds,
            game_seconds=game_seconds,
        )
    except (PolicyError, ValueError) as e:
        raise _fail(str(e)) from None
    bar = None
    task = None
    if progress:
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=False,
            # No refresh thread: the process pool forks its workers after the bar starts, and
            # fork() in a multi-threaded process can deadlock the child. Redrawn on progress.
            auto_refresh=False,
        )

    def on_progress(done: int, total: int) -> None:
        if bar is not None and task is not None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.1f} games/s" if elapsed > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate, refresh=True)

    try:
        if bar is not None:
            bar.start()
            task = bar.add_task(f"{spec.name}", total=None, rate="")
        report = run_tournament(
            config,
            out,
            workers=workers,
            engine=engine,
            address=address,
            force=force,
            retry_failed=retry_failed,
            on_progress=on_progress,
        )
    except (StoreError, EngineError) as e:
        raise _fail(str(e)) from None
    except KeyboardInterrupt:
        if bar is not None:
            bar.stop()
        err.print(
            f"interrupted: every finished game is saved in {out}; run the same command "
            f"again to continue",
            markup=False,
        )
        raise typer.Exit(130) from None
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        _print_json(_standings_json(report.standings))
    else:
        _print_standings(
            report.standings,
            f"{spec.name}: {len(names)} policies x {games} seeds per role "
            f"({report.played} games played now, {report.skipped} already stored, "
            f"{report.failed} failed, {report.seconds:.1f} s)",
        )
        for gid, error in report.failures[:5]:
            err.print(f"failed: {gid}: {error}", markup=False)


@tournament_app.command("report")
def report_cmd(
    results: Annotated[Path, typer.Argument(help="A results store written by a tournament.")],
    out: Annotated[Path, typer.Option(help="Folder for index.html and the PNG plots.")] = Path(
        "report"
    ),
) -> None:
    """Write an HTML report with plots (score distributions, paired differences, ratings)."""
    from tournament.report import ReportError, write_report
    from tournament.store import StoreError

    try:
        page = write_report(results, out)
    except (ReportError, StoreError) as e:
        raise _fail(str(e)) from None
    Console(highlight=False, emoji=False).print(f"report written: {page}", markup=False)


@tournament_app.command("standings")
def standings_cmd(
    results: Annotated[Path, typer.Argument(help="A results store written by a tournament.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the standings of a results store (finished games only)."""
    from tournament.standings import standings
    from tournament.store import Store, StoreError

    try:
        store = Store(results, None, None, readonly=True)
    except StoreError as e:
        raise _fail(str(e)) from None
    cfg = store.config or {}
    st = standings(
        store.focal_scores(),
        [c["name"] for c in cfg.get("candidates", [])],
        list(cfg.get("roles", [])),
    )
    store.close()
    if as_json:
        _print_json(_standings_json(st))
    else:
        _print_standings(st, f"{cfg.get('scenario_name', '?')}: standings from {results}")
