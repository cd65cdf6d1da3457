"""The ``fabrace`` command: play in the browser, play a game headless, replay a log, list scenarios.

Bad input (an unknown scenario, a malformed scenario file, a bad argument, an unreadable log)
gives one clear message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fabrace.options import Isolate, IsolateOption

__all__ = ["app", "main"]

app = typer.Typer(
    name="fabrace",
    help="Fab Race: an agent-based strategy game of the AI-compute industry.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, emoji=False)


def _fail(message: str, code: int = 2) -> Exception:
    from fabrace.output import fail

    return fail(message, code)


def _print_json(obj: Any) -> None:
    from fabrace.output import print_json

    print_json(obj)


def _registry(
    policies_file: Path | None, isolate: str = "auto", seconds: float | None = None
) -> Any:
    """The policy registry, with sandboxed policies held to ``seconds`` a call (if given)."""
    from agents.registry import PolicyConfigError, PolicyRegistry
    from agents.sandbox import SandboxLimits

    limits = SandboxLimits(seconds=seconds) if seconds is not None else None
    try:
        return PolicyRegistry(policies_file, isolate=isolate, limits=limits)
    except PolicyConfigError as e:
        raise _fail(str(e)) from None


def _seat_policies(spec: Any, registry: Any, seats: list[str]) -> dict[str, Any]:
    """A policy for every actor: the scenario's choice, or ``--policy ACTOR=SPEC``."""
    from agents.registry import PolicyError

    names = [a.name for a in spec.actors]
    chosen: dict[str, str] = {}
    for seat in seats:
        actor, sep, pspec = seat.partition("=")
        actor, pspec = actor.strip(), pspec.strip()
        if not sep or not actor or not pspec:
            raise _fail(f"--policy {seat!r}: give ACTOR=POLICY, e.g. --policy Nvidia=greedy")
        if actor not in names:
            raise _fail(
                f"--policy {seat!r}: no actor {actor!r} in {spec.name} (actors: {', '.join(names)})"
            )
        if actor in chosen:
            raise _fail(f"--policy: {actor} is given twice")
        chosen[actor] = pspec
    out = {}
    for i, a in enumerate(spec.actors):
        pspec = chosen.get(a.name, a.policy)
        try:
            out[a.name] = registry.make(pspec, a.role)
        except PolicyError as e:
            where = (
                f"--policy {a.name}={pspec}"
                if a.name in chosen
                else f"{spec.source}: actors[{i}].policy"
            )
            raise _fail(f"{where}: {e}") from None
    return out


@app.command()
def run(
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario name or path to a TOML file.")
    ] = "baseline-2024",
    seed: Annotated[int, typer.Option(min=0, help="The seed every random draw flows from.")] = 0,
    quarters: Annotated[
        int | None, typer.Option(min=1, max=400, help="Game length (default: the scenario's).")
    ] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy",
            metavar="ACTOR=POLICY",
            help="Seat a policy: a built-in or configured name, path/to/file.py:ClassName, or an "
            "installed plugin. Repeat for several actors.",
        ),
    ] = None,
    policies_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of named policy variants (default: policies.toml here, if any)."
        ),
    ] = None,
    decision_seconds: Annotated[
        float, typer.Option(min=0.001, help="Time budget of one policy call, in seconds.")
    ] = 2.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON document.")
    ] = False,
    log: Annotated[
        Path | None,
        typer.Option(help="Write every offer, answer, move and event here (JSON lines)."),
    ] = None,
    isolate: IsolateOption = Isolate.auto,
) -> None:
    """Play a whole game with bots and print a summary (or JSON)."""
    from game.log import GameLog
    from game.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
    except ScenarioError as e:
        raise _fail(str(e)) from None
    registry = _registry(policies_file, isolate.value, decision_seconds)
    policies = _seat_policies(spec, registry, policy or [])
    game_log = None
    if log is not None:
        if log.is_dir():
            raise _fail(f"{log}: is a folder; give a file path for the log")
        try:
            game_log = GameLog(log)
        except OSError as e:
            raise _fail(f"cannot write the log: {e}") from None
    from game.model import FabRaceModel  # imports Mesa (slow): only once the input is good

    try:
        model = FabRaceModel(
            spec,
            seed=seed,
            quarters=quarters,
            policies=policies,
            recorder=game_log.write if game_log else None,
            decision_seconds=decision_seconds,
        )
        if game_log is not None:
            game_log.header(
                spec,
                seed,
                model.n_quarters,
                {a.name: model.policy_label(a.name) for a in model.actor_list},
            )
        model.run()
        if game_log is not None:
            game_log.close(model)
    except BaseException:
        if game_log is not None:
            game_log.abort()
        raise
    if as_json:
        _print_json(model.result())
    else:
        _summary(model)


policies_app = typer.Typer(
    help="List, describe and check policies.", no_args_is_help=False, invoke_without_command=True
)
app.add_typer(policies_app, name="policies")

PoliciesFile = Annotated[
    Path | None,
    typer.Option(help="TOML file of named policy variants (default: policies.toml here, if any)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@policies_app.callback()
def policies_list(
    ctx: typer.Context, policies_file: PoliciesFile = None, as_json: AsJson = False
) -> None:
    """List every available policy: built-in families, configured variants, installed plugins."""
    if ctx.invoked_subcommand is not None:
        return
    from fabrace.output import literal

    reg = _registry(policies_file)
    entries = reg.listing()
    if as_json:
        _print_json(
            [
                {
                    "name": e.name,
                    "kind": e.kind,
                    "family": e.cls.name,
                    "roles": list(e.roles),
                    "description": e.describe()["description"],
                }
                for e in entries
            ]
        )
        return
    table = Table("name", "kind", "roles", "description", box=None)
    for e in entries:
        kind = e.kind if e.kind != "variant" else f"variant of {e.cls.name}"
        row = (e.name, kind, ", ".join(e.roles), e.describe()["description"])
        table.add_row(*map(literal, row))
    out = Console(highlight=False, emoji=False)
    out.print(table)
    if reg.policies_file is not None:
        out.print(f"\nvariants from {literal(reg.policies_file)}")
    for p in reg.problems:
        err.print(f"warning: {literal(p)}")
    out.print("\nAlso: path/to/file.py:ClassName seats a policy class from a Python file.")


@policies_app.command("show")
def policies_show(
    name: Annotated[str, typer.Argument(help="A policy name, or path/to/file.py:ClassName.")],
    policies_file: PoliciesFile = None,
    as_json: AsJson = False,
) -> None:
    """Show a policy's description, roles and parameters (value, default, range, meaning)."""
    from agents.registry import PolicyError
    from fabrace.output import literal

    reg = _registry(policies_file)
    try:
        info = reg.entry(name).describe()
    except PolicyError as e:
        raise _fail(str(e)) from None
    if as_json:
        _print_json(info)
        return
    out = Console(highlight=False, emoji=False)
    kind = info["kind"] if info["kind"] != "variant" else f"variant of {info['family']}"
    out.print(
        f"[bold]{literal(info['name'])}[/] ({literal(kind)}) — {literal(info['description'])}"
    )
    out.print(f"roles: {', '.join(info['roles'])}; from {info['source']}", markup=False)
    if not info["parameters"]:
        out.print("no parameters")
        return
    table = Table("parameter", "value", "default", "range", "meaning", box=None)
    for k, p in info["parameters"].items():
        table.add_row(
            literal(k),
            f"{p['value']:g}",
            f"{p['default']:g}",
            f"{p['min']:g} to {p['max']:g}",
            literal(p["doc"]),
        )
    out.print(table)


@policies_app.command("check")
def policies_check(
    spec: Annotated[
        str, typer.Argument(help="A policy name, or path/to/file.py:ClassName.", metavar="POLICY")
    ],
    games: Annotated[
        int, typer.Option(min=1, max=100, help="Seeded games per role and scenario.")
    ] = 4,
    seconds: Annotated[
        float, typer.Option(min=0.001, help="Time budget of one policy call, in seconds.")
    ] = 0.2,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Scenario to play (name or TOML file); repeat for several. "
            "Default: duel, baseline-2024 and crowded.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="The first seed of the games.")] = 1,
    policies_file: PoliciesFile = None,
    as_json: AsJson = False,
    isolate: IsolateOption = Isolate.auto,
) -> None:
    """Run the policy contract on a policy and say what passed and what failed.

    Exit code 0: every check passed. 1: some failed. 2: the policy cannot be loaded.
    """
    from agents.registry import PolicyError
    from game.scenario import ScenarioError, load_scenario

    reg = _registry(policies_file, isolate.value, seconds)
    try:
        specs = [load_scenario(s) for s in scenario] if scenario else None
    except ScenarioError as e:
        raise _fail(str(e)) from None
    from agents.conformance import DEFAULT_SCENARIOS, check_policy, load_entry

    try:
        entry = load_entry(spec, reg)
    except PolicyError as e:
        raise _fail(str(e)) from None
    out = Console(highlight=False, soft_wrap=True, emoji=False)
    if not as_json:
        claimed = getattr(entry.cls, "roles", ())
        roles = ", ".join(map(str, claimed)) if isinstance(claimed, tuple | list) else repr(claimed)
        where = ", ".join(s.name for s in specs) if specs else ", ".join(DEFAULT_SCENARIOS)
        out.print(
            f"Checking {spec} ({entry.kind}; roles: {roles}) in {where}, {games} seeded "
            f"game{'s' if games != 1 else ''} a role from seed {seed}, {seconds:g} s a call …",
            markup=False,
        )
    report = check_policy(
        entry,
        games=games,
        scenarios=specs or DEFAULT_SCENARIOS,
        seconds=seconds,
        seed=seed,
    )
    report.policy = spec
    if as_json:
        _print_json(report.to_json())
    else:
        width = max(len(c.name) for c in report.checks)
        for c in report.checks:
            verdict = "[green]PASS[/]" if c.passed else "[bold red]FAIL[/]"
            out.print(f"{verdict}  {c.name:<{width}}  ", end="")
            out.print(c.detail, markup=False)
        out.print(report.summary(), markup=False)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def replay(
    logfile: Annotated[Path, typer.Argument(help="A log written by 'fabrace run --log'.")],
) -> None:
    """Re-play a logged game from its decisions and say whether it reaches the same end state.

    Exit code 0: the same states. 1: the game differs from the log (e.g. an edited record).
    2: not a readable log.
    """
    from fabrace.output import literal
    from game.log import LogError
    from game.log import replay as do_replay

    try:
        report = do_replay(logfile)
    except LogError as e:
        raise _fail(str(e)) from None
    if report.note:
        err.print(f"note: {report.note}", markup=False, soft_wrap=True)
    out = Console(highlight=False, emoji=False)
    verdict = "[green]same end state[/]" if report.same else f"[red]{literal(report.detail)}[/]"
    out.print(
        f"replayed {report.quarters} quarters and {report.decisions} decisions: {verdict} "
        f"(digest {report.digest})"
    )
    if not report.same:
        raise typer.Exit(1)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from fabrace.output import literal
    from game.scenario import builtin_scenarios, load_scenario

    table = Table("name", "quarters", "actors", "description", box=None)
    for name in builtin_scenarios():
        spec = load_scenario(name)
        table.add_row(
            literal(name), str(spec.quarters), str(len(spec.actors)), literal(spec.description)
        )
    Console(emoji=False).print(table)


def _reference_game(task: tuple[Any, int, str]) -> list[tuple[str, float]]:
    """One all-``family`` game of a scenario with raw scores: (role, raw score) per actor."""
    from agents import new_game
    from agents.registry import make_policy

    spec, seed, family = task
    m = new_game(
        spec, seed=seed, policies={a.name: make_policy(family, a.role) for a in spec.actors}
    )
    m.run()
    return [(a.role, a.raw_score) for a in m.actor_list]


@app.command()
def reference(
    scenario: Annotated[str, typer.Argument(help="Built-in name or path of a scenario file.")],
    seeds: Annotated[int, typer.Option(min=2, max=100_000, help="Games (seeds 1..N).")] = 40,
    family: Annotated[str, typer.Option(help="The policy in every seat.")] = "historical",
    workers: Annotated[int, typer.Option(min=1, max=256, help="Processes.")] = 2,
) -> None:
    """Play a scenario's reference run and print its [scoring.reference] table.

    Every seat plays FAMILY (historical by default) on seeds 1..N; the table gives each role's
    mean and standard deviation of the raw score at the end (the deviation floored at 5 % of the
    mean's size, at least 0.05). Paste it into the scenario file so
    that its scores are relative to the reference run (0 = a competent player of the role).
    """
    import statistics
    from concurrent.futures import ProcessPoolExecutor

    from agents.registry import PolicyError, make_policy
    from game.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
        for a in spec.actors:
            make_policy(family, a.role)
    except (ScenarioError, PolicyError) as e:
        raise _fail(str(e)) from None
    raw = spec.model_copy(update={"scoring": type(spec.scoring)()})  # raw scores
    tasks = [(raw, seed, family) for seed in range(1, seeds + 1)]
    with ProcessPoolExecutor(workers) as ex:
        games = list(ex.map(_reference_game, tasks, chunksize=4))
    by_role: dict[str, list[float]] = {}
    for game in games:
        for role, score in game:
            by_role.setdefault(role, []).append(score)
    lines = [
        f"[scoring.reference]   # `fabrace reference {spec.name} --seeds {seeds}`: all-{family}, "
        f"mean and sd of the raw score at the end"
    ]
    for role in ("lab", "designer", "foundry", "investor"):
        xs = by_role.get(role)
        if xs:
            mean = statistics.fmean(xs)
            # floored at 5 % of the mean's size (at least 0.05): a role whose competent players
            # all end alike must not turn small differences into huge scores
            sd = max(statistics.stdev(xs), 0.05 * max(1.0, abs(mean)))
            lines.append(f"{role} = {{ mean = {mean:.4f}, sd = {sd:.4f} }}")
    sys.stdout.write("\n".join(lines) + "\n")


@app.command()
def backtest(
    scenario: Annotated[
        str, typer.Option(help="Built-in name or path of a scenario file.")
    ] = "baseline-2024",
    seeds: Annotated[int, typer.Option(help="Games (seeds 1..N), at least 2.")] = 20,
    workers: Annotated[int, typer.Option(help="Processes (1: in this process).")] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of {figure, year, real, ...}.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="DIR",
            help="Also write one PNG per figure into DIR: the band over quarters, real points.",
        ),
    ] = None,
) -> None:
    """Measure a scenario against real figures: historical policies, two years, many seeds.

    Every seat plays historical for 8 quarters on seeds 1..N; for each figure (see
    docs/BACKTEST.md) and year the table gives the real value where the targets file has one,
    the simulated median, its 10-90 % band and the median's error against the real value.
    With --plot DIR, each figure is also drawn quarter by quarter into DIR/<figure>.png.
    """
    from game.scenario import ScenarioError, load_scenario

    if seeds < 2:
        raise _fail(f"--seeds {seeds}: give at least 2 seeds")
    if seeds > 100_000:
        raise _fail(f"--seeds {seeds}: at most 100000")
    if not 1 <= workers <= 256:
        raise _fail(f"--workers {workers}: give 1 to 256")
    try:
        spec = load_scenario(scenario)
    except ScenarioError as e:
        raise _fail(str(e)) from None
    if plot is not None:
        from fabrace.backtest_plot import PlotError, prepare_folder

        try:
            prepare_folder(plot)  # before the games: a bad folder fails at once
        except PlotError as e:
            raise _fail(str(e)) from None
    from fabrace.backtest import run_backtest_series

    try:
        result = run_backtest_series(spec, seeds=seeds, workers=workers)
    except OSError as e:
        raise _fail(f"cannot read the targets file: {e}") from None
    rows = result.rows
    if plot is not None:
        from fabrace.backtest_plot import PlotError, write_plots

        try:
            written = write_plots(result, plot, spec.name)
        except PlotError as e:
            raise _fail(str(e)) from None
        err.print(f"{len(written)} plots written to {plot}", markup=False)
    if as_json:
        _print_json([r.as_dict() for r in rows])
        return
    from fabrace.output import literal

    table = Table(title=f"Backtest: {literal(spec.name)}, historical in every seat, {seeds} seeds")
    for col in ("figure", "year", "real", "median", "10-90 %", "error"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for r in rows:
        error = r.error()
        table.add_row(
            r.figure,
            str(r.year),
            "" if r.real is None else f"{r.real:.3g}",
            f"{r.median:.3g}",
            f"{r.p10:.3g} - {r.p90:.3g}",
            "" if error is None else f"{error:+.0%}",
        )
    Console(width=120).print(table)


PLAY_APP = "ui.app"  # the Solara app of the browser game (its ``Page`` component)
NO_CDN = "http://127.0.0.1:9/"  # a closed local port: a missing asset fails at once, offline
#: how long the server keeps the game of a page whose connection was lost, for it to reconnect
#: (solara's default, 24 hours, kept every dropped page's game in memory that long: ~2 MB each)
PLAY_KEEP = "2m"


def _play_env(scenario: str | None, tables_folder: str | None = None) -> dict[str, str]:
    """The environment of the game's web server: front end from the venv, nothing calls home."""
    import os

    env = dict(os.environ)
    if tables_folder is not None:
        env["FABRACE_TABLES_FOLDER"] = tables_folder  # where ui.table_server keeps the tables
    env["SOLARA_ASSETS_PROXY"] = "true"  # serve /_solara/cdn/* from <venv>/share/solara/cdn
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"  # else the server posts to mixpanel
    # an asset missing from the venv makes the server fetch it from this "CDN" (default: the
    # public jsdelivr): a closed local port keeps every request on this machine
    env.setdefault("SOLARA_ASSETS_CDN", NO_CDN)
    # a closed tab's game is freed at once; a lost connection's after PLAY_KEEP
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", PLAY_KEEP)
    # solara warns at the first request over http that its samesite=none cookie needs https
    # (it falls back to samesite=lax, which is right on localhost): keep the terminal quiet
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), quiet) if w)
    if scenario is not None:
        env["FABRACE_SCENARIO"] = scenario  # the scenario the start screen offers first
    else:
        env.pop("FABRACE_SCENARIO", None)
    return env


def _solara_cdn_dir() -> Path | None:
    """Where solara's server looks for its front end (``settings.assets.proxy_cache_dir``), or
    None if solara is missing. Found as solara finds it, without importing solara: that takes
    most of a second, and the server is a new process anyway (tests/test_play_cli.py checks that
    the two agree)."""
    import importlib.util
    import os
    import site

    for key, value in os.environ.items():
        if key.upper() == "SOLARA_ASSETS_PROXY_CACHE_DIR":
            return Path(value)
    spec = importlib.util.find_spec("solara")
    if spec is None or spec.origin is None:
        return None
    userbase = site.getuserbase()
    prefix = userbase if userbase and spec.origin.startswith(userbase) else sys.prefix
    return Path(prefix + "/share/solara/cdn/")


def _offline_assets_missing() -> str | None:
    """Why the front end would need the internet (assets missing from the venv), or None."""
    cdn = _solara_cdn_dir()
    if cdn is None:
        return "solara is not installed: run scripts/bootstrap.sh (or pip install -e .)"
    for f in ("requirejs@2.3.6/require.js", "katex@0.16.9/dist/contrib/auto-render.min.js"):
        if not (cdn / f).is_file():
            return f"{cdn / f} is missing: run bash scripts/offline_assets.sh {sys.prefix}"
    return None


def _check_listen(host: str, port: int) -> None:
    """Refuse (exit 2) a host this machine cannot listen on, or a port in use."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise _fail(f"--host {host!r}: not a host name or address ({e})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except PermissionError:
            raise _fail(
                f"--port {port}: not allowed for this user (ports below 1024 need root); "
                "choose another, e.g. --port 8765"
            ) from None
        except OSError as e:
            if e.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise _fail(
                    f"--port {port}: already in use (another fabrace play?); "
                    "choose another with --port"
                ) from None
            raise _fail(f"--host {host}: cannot listen there ({e.strerror or e})") from None


def _url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # listening everywhere: this machine's own address works
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _has_display() -> bool:
    import os

    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


@app.command()
def play(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; 0.0.0.0 lets other machines join (no login!)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Scenario the start screen offers first: a built-in name or a TOML file."
        ),
    ] = None,
    open_browser: Annotated[
        bool | None,
        typer.Option(
            "--open/--no-open",
            help="Open the game in a web browser (default: only when there is a display).",
            show_default=False,
        ),
    ] = None,
    tables_folder: Annotated[
        Path | None,
        typer.Option(
            help="Where tables (games several people play) are saved, to survive a restart "
            "[default: $XDG_DATA_HOME/fabrace/tables].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Play in the browser: start the game's web server and print its address.

    Needs no internet: the page comes from the venv and nothing calls home. Ctrl-C stops it.
    """
    import importlib.util
    import os

    host = host.strip()
    if not host:
        raise _fail("--host: give an address, e.g. --host 127.0.0.1")
    if scenario is not None:
        from game.scenario import ScenarioError, load_scenario

        try:
            load_scenario(scenario)
        except ScenarioError as e:
            raise _fail(str(e)) from None
        if Path(scenario).suffix == ".toml" or os.sep in scenario:
            scenario = str(Path(scenario).resolve())  # the server may run elsewhere
    folder = _tables_folder(tables_folder)
    _check_listen(host, port)
    if importlib.util.find_spec("solara") is None:
        raise _fail("the browser game needs solara: run scripts/bootstrap.sh (or pip install -e .)")
    try:
        found = importlib.util.find_spec(PLAY_APP) is not None
    except ImportError:
        found = False
    if not found:
        raise _fail(f"the browser game's app ({PLAY_APP}) is missing from this installation")
    problem = _offline_assets_missing()
    if problem is not None:
        err.print(
            f"warning: the page will need the internet: {problem}", soft_wrap=True, markup=False
        )
    if open_browser is None:
        open_browser = _has_display()
    url = _url(host, port)
    print(f"Fab Race: open {url} in a web browser (Ctrl-C stops the server)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"warning: listening on {host}: anyone who can reach this machine can play",
            soft_wrap=True,
            markup=False,
        )
    args = [
        sys.executable,
        "-m",
        "solara",
        "run",
        PLAY_APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",  # dev mode loads a check page from solara.dev and unminified JS
        "--no-check-version",  # else it asks pypi.org for the latest version at every start
        "--open" if open_browser else "--no-open",
        "--log-level",
        "warning",
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    # the server replaces this process: Ctrl-C and the exit code are solara's own
    os.execve(sys.executable, args, _play_env(scenario, folder))


def _tables_folder(chosen: Path | None) -> str | None:
    """The tables' folder as an absolute path, made if missing; exit 2 if it cannot be. None
    for the default (the server makes it when a page first needs it)."""
    if chosen is None:
        return None
    folder = chosen.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _fail(f"--tables-folder {folder}: cannot make it ({e.strerror or e})") from None
    if not folder.is_dir():
        raise _fail(f"--tables-folder {folder}: not a folder")
    return str(folder.resolve())


def _fmt(v: float) -> str:
    return f"{v:,.1f}" if abs(v) >= 10 else f"{round(v, 2) + 0.0:,.2f}"  # + 0.0: no "-0.00"


def _signed(v: float) -> str:
    return f"{round(v, 2) + 0.0:+.2f}"  # a tiny penalty shows as +0.00, not -0.00


def _summary(model: object) -> None:
    from fabrace.output import literal
    from game.actors import Designer, Foundry, Investor, Lab
    from game.model import FabRaceModel

    assert isinstance(model, FabRaceModel)
    out = Console(highlight=False, emoji=False)
    r = model.result()
    out.print(
        f"[bold]Fab Race[/] — {literal(r['scenario'])}, seed {r['seed']}: "
        f"{r['quarters']} quarters, {r['start']} to {r['end']}\n"
    )
    table = Table(
        "actor",
        "role",
        "policy",
        "score",
        "cash $B",
        "key figures",
        title="Final scores",
        title_justify="left",
    )
    order = {"lab": 0, "designer": 1, "foundry": 2, "investor": 3}
    ranked = sorted(model.actor_list, key=lambda a: (order[a.role], -a.score))
    for a in ranked:
        if isinstance(a, Lab):
            fig = f"compute {_fmt(a.compute)} kH100e, run-rate ${_fmt(a.revenue_run_rate)}B/y"
        elif isinstance(a, Designer):
            fig = f"price ${_fmt(a.gpu_price)}k, sold {_fmt(a.sold_last)} kH100e/q"
        elif isinstance(a, Foundry):
            fig = (
                f"capacity {_fmt(a.capacity())}k wafers/q (+{_fmt(a.building())} building), "
                f"utilisation {a.utilisation:.0%}"
            )
        else:
            assert isinstance(a, Investor)
            fig = f"NAV ${_fmt(model.net_asset_value(a))}B, hosted {_fmt(a.compute)} kH100e"
        if a.insolvent:
            fig = "INSOLVENT; " + fig
        table.add_row(
            *map(literal, (a.name, a.role, model.policy_label(a.name))),
            _signed(a.score),
            _fmt(a.cash),
            literal(fig),
        )
    out.print(table)
    out.print("\n[bold]Score breakdowns[/]")
    for a in ranked:
        parts = " · ".join(f"{k} {_signed(v)}" for k, v in a.score_breakdown.items())
        out.print(f"  {a.name}: {parts}", markup=False)
    t = r["totals"]
    out.print(
        f"\nContracts signed {t['contracts_signed']}, breached {t['contracts_breached']}; "
        f"offers {t['offers']}, counters {t['counters']}, rejections {t['rejections']}; "
        f"moves {t['moves']}; shortfalls {t['shortfalls']}; refused decisions "
        f"{t['refused']}; policy faults {t['faults']}."
    )
    notable = [
        (q, text)
        for q, text in model.chronicle
        if not text.startswith(("Deal:",)) and "is short of cash" not in text
    ]
    if notable:
        out.print("\n[bold]Main events[/]")
        for q, text in notable[:30]:
            out.print(f"  {q}  {text}", markup=False)
        if len(notable) > 30:
            out.print(f"  … and {len(notable) - 30} more")


def _add_tournament() -> None:
    from fabrace.tournament_cli import tournament_app

    app.add_typer(tournament_app, name="tournament")


_add_tournament()


def main() -> None:
    """Entry point of the ``fabrace`` script."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
