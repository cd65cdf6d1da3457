"""``fabrace tournament`` as a user meets it: real processes, signals, resuming, reports, refusals.

The runs that matter as processes (the pool and Dask engines, ``kill -9``, Ctrl-C, exit codes, no
traceback) start the installed ``fabrace`` script; the serial engine, the reruns after a stop and
the many small refusals run in-process through Typer's runner. Games are short (``duel``, two to
four quarters) so that the whole file stays quick.

An interrupted run is made deterministic, not timed: a policy file's ``Patient`` policy waits in
the investor seat while a hold file named by ``FABRACE_TEST_HOLD`` exists. With ``--field random``
it sits only in the focal seat, so the batches without an investor ``Patient`` game finish and are
committed while the last batch waits; the test then kills or interrupts the run. Waiting changes no
decision (``--decision-seconds`` is raised for that tournament), so the resumed standings must
equal an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import chdir, contextmanager, suppress
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.registry import PolicyRegistry
from fabrace.tournament_cli import tournament_app
from game.scenario import load_scenario
from tournament import runner
from tournament.design import TournamentConfig, plan
from tournament.runner import batch_size, run_tournament

PNG = b"\x89PNG\r\n\x1a\n"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
CANDIDATES = "random,greedy,cautious"
# The engines' tournament: drawn field, 3 seeds, 2 quarters (36 games).
ENGINES = ["--scenario", "duel", "--quarters", "2", "--policies", CANDIDATES, "--games", "3"]
ENGINES += ["--seed", "1"]

PATIENT = '''
import os
import signal
import time
from pathlib import Path

from agents.random_policy import RandomPolicy

_waited = []


class Patient(RandomPolicy):
    """Plays like the random policy; in the investor seat it first waits while a hold file exists
    (60 s at most in a process, so that a test gone wrong does not hang). While it waits it
    ignores SIGTERM, as policy code may: stopping a run must not depend on a policy's goodwill."""

    name = "patient"

    def propose(self, obs):
        hold = os.environ.get("FABRACE_TEST_HOLD")
        if obs.role == "investor" and hold:
            if not _waited:
                _waited.append(time.monotonic())
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while Path(hold).exists() and time.monotonic() - _waited[0] < 60:
                time.sleep(0.02)
        return super().propose(obs)
'''

BROKEN = """
import time
from pathlib import Path

from agents.random_policy import RandomPolicy

FLAG = Path(__file__).with_name("broken.flag")


class Crashy(RandomPolicy):
    name = "crashy"

    def __init__(self, **params):
        if FLAG.exists():
            raise RuntimeError("crashy is broken today")
        super().__init__(**params)


class Hangs(RandomPolicy):
    name = "hangs"

    def propose(self, obs):
        if obs.actor == "OpenAI" and FLAG.exists():
            time.sleep(60)
        return super().propose(obs)
"""


def script() -> str:
    path = Path(sys.executable).with_name("fabrace")
    if not path.exists():
        pytest.skip("the fabrace script is not installed")
    return str(path)


def fabrace(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``fabrace`` script in a new process and wait for it."""
    return subprocess.run(
        [script(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **ENV, **(env or {})},
    )


#: Runs a program with SIGINT at its default, as a shell runs a foreground job: ignored signals are
#: inherited, and pytest may have been started with SIGINT ignored (a background job of a script
#: is), so that Ctrl-C would never reach the run under test.
FOREGROUND = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``fabrace`` in its own process group, as a shell starts a foreground job."""
    return subprocess.Popen(
        [sys.executable, "-c", FOREGROUND, script(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, **ENV, **(env or {})},
        start_new_session=True,
    )


def clean(r: subprocess.CompletedProcess[str] | object, code: int) -> None:
    """The process exited with ``code`` and printed no traceback."""
    out, err = r.stdout or "", r.stderr or ""  # type: ignore[attr-defined]
    rc = getattr(r, "returncode", getattr(r, "exit_code", None))
    assert rc == code, f"exit {rc}, expected {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in out + err, err


def rows(path: Path, sql: str) -> list[tuple]:
    """Read a store as another process would while it is written: read-only, so that the test
    never checkpoints a write-ahead log that the next ``fabrace`` run should find."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return list(db.execute(sql))
    finally:
        db.close()


def count(path: Path, where: str = "") -> int:
    """Games in a store (0 if it is not readable yet)."""
    try:
        return rows(path, f"SELECT COUNT(*) FROM games {where}")[0][0]
    except sqlite3.Error:
        return 0


def squash(text: str) -> str:
    """Text without any whitespace (to find a long path the terminal may have folded)."""
    return "".join(text.split())


def flat(text: str) -> str:
    """Text with its whitespace runs made single spaces (the terminal may wrap lines)."""
    return " ".join(text.split())


def game_rows(path: Path) -> list[tuple]:
    """Every stored game, timing included (a game played again would change it)."""
    return rows(path, "SELECT * FROM games ORDER BY id")


def results(path: Path) -> tuple[list[tuple], list[tuple]]:
    """What a store's games came to, without timings."""
    return (
        rows(path, "SELECT id, seed, seats, status, error, totals FROM games ORDER BY id"),
        rows(path, "SELECT * FROM scores ORDER BY game_id, actor"),
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def standings_json(st: dict) -> dict:
    return {role: [s.to_json() for s in lines] for role, lines in st.items()}


def reference(args: Sequence[str], folder: Path, **kw) -> tuple[TournamentConfig, dict]:
    """The tournament a command line names, run uninterrupted in this process."""
    get = {args[i]: args[i + 1] for i in range(0, len(args) - 1) if args[i].startswith("--")}
    spec = load_scenario(get["--scenario"])
    cfg = TournamentConfig.build(
        spec,
        PolicyRegistry(None, use_cwd_file=False),
        get["--policies"].split(","),
        int(get["--games"]),
        int(get["--seed"]),
        get.get("--field"),
        int(get["--quarters"]) if "--quarters" in get else None,
        decision_seconds=float(get.get("--decision-seconds", 2.0)),
        game_seconds=float(get.get("--game-seconds", 600.0)),
    )
    rep = run_tournament(cfg, folder / "reference.sqlite", **kw)
    return cfg, standings_json(rep.standings)


# -- the same standings from every engine ----------------------------------------------------------


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """The engines' tournament run serially, with --workers 2, and on a local Dask cluster.

    The pool and the Dask runs are the installed script in new processes, started together (they
    share nothing but the machine); the serial run is the same command through Typer's runner in
    this process meanwhile (no process of its own to check, and one interpreter fewer to start).
    """
    d = tmp_path_factory.mktemp("engines")
    runs = {
        "pool": ["--workers", "2"],
        "dask": ["--engine", "dask"],  # one worker: Dask's path, cheaply
    }
    procs = {
        name: subprocess.Popen(
            [script(), "tournament", *ENGINES, *extra, "--out", f"{name}.sqlite", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=d,
            env={**os.environ, **ENV},
        )
        for name, extra in runs.items()
    }
    out = {}
    try:
        with chdir(d):
            serial = CliRunner().invoke(
                tournament_app, [*ENGINES, "--out", "serial.sqlite", "--json"], env=ENV
            )
    finally:
        done = {name: p.communicate(timeout=180) for name, p in procs.items()}
    clean(serial, 0)
    out["serial"] = (d / "serial.sqlite", serial)
    for name, p in procs.items():
        r = subprocess.CompletedProcess(p.args, p.returncode, *done[name])
        clean(r, 0)
        out[name] = (d / f"{name}.sqlite", r)
    return d, out


def test_serial_workers_and_dask_give_identical_standings(engines):
    d, runs = engines
    texts = {name: r.stdout for name, (_p, r) in runs.items()}
    assert texts["serial"] == texts["pool"] == texts["dask"]
    stores = {name: results(p) for name, (p, _r) in runs.items()}
    assert stores["serial"] == stores["pool"] == stores["dask"], "the very same games"
    _cfg, expected = reference(ENGINES, d)
    assert json.loads(texts["serial"]) == expected


def test_json_gives_per_role_lines_with_the_issue_s_fields(engines):
    _d, runs = engines
    _p, r = runs["serial"]
    data = json.loads(r.stdout)
    assert list(data) == ["lab", "designer", "foundry", "investor"]
    for role, lines in data.items():
        assert sorted(x["policy"] for x in lines) == sorted(CANDIDATES.split(","))
        assert [x["rank"] for x in lines] == [1, 2, 3]
        means = [x["mean"] for x in lines]
        assert means == sorted(means, reverse=True), role
        for x in lines:
            assert {"policy", "games", "mean", "ci_low", "ci_high", "rating"} <= set(x)
            assert x["games"] == 3
            assert x["ci_low"] <= x["mean"] <= x["ci_high"]
            assert isinstance(x["rating"], float)
    # The progress bar (on stderr) shows the rate and an ETA.
    assert "36/36" in r.stderr and "games/s" in r.stderr and "ETA" in r.stderr


def test_standings_and_report_commands_read_a_store(engines, tmp_path):
    _d, runs = engines
    store, r = runs["serial"]
    jobs = {
        "json": ["standings", str(store), "--json"],
        "report": ["report", str(store), "--out", str(tmp_path / "rep")],
    }
    done = {}
    for k, args in jobs.items():
        done[k] = CliRunner().invoke(tournament_app, args, env=ENV)
        clean(done[k], 0)
    assert done["json"].stdout == r.stdout
    table = CliRunner().invoke(tournament_app, ["standings", str(store)], env=ENV)
    clean(table, 0)
    assert "duel: standings from" in table.stdout
    for word in ["lab", "designer", "foundry", "investor", *CANDIDATES.split(",")]:
        assert word in table.stdout
    page = tmp_path / "rep" / "index.html"
    assert squash(f"report written: {page}") in squash(done["report"].stdout)
    html = page.read_text(encoding="utf-8")
    pngs = sorted((tmp_path / "rep").glob("*.png"))
    assert len(pngs) == 12, [p.name for p in pngs]  # 3 plots x 4 roles
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, png.name
        assert f"src='{png.name}'" in html
    assert "<table>" in html and all(p in html for p in CANDIDATES.split(","))
    assert store.is_file() and not Path(f"{store}-wal").exists(), "readers leave no litter"


def test_another_tournament_is_refused_and_force_starts_over(engines, tmp_path):
    _d, runs = engines
    store = tmp_path / "r.sqlite"
    store.write_bytes(runs["serial"][0].read_bytes())
    before = snapshot(tmp_path)
    other = [a if a != "3" else "4" for a in ENGINES]  # --games 4
    r = CliRunner().invoke(tournament_app, [*other, "--out", str(store)], env=ENV)
    clean(r, 2)
    assert "holds the results of a different tournament (--games was 3, now 4)" in flat(r.output)
    assert "--force to start over" in flat(r.output)
    assert snapshot(tmp_path) == before, "a refused store is left byte for byte"
    # Other time budgets would mix results played under different rules: refused too, by name.
    budgets = ["--decision-seconds", "0.5", "--game-seconds", "30"]
    r = CliRunner().invoke(tournament_app, [*ENGINES, *budgets, "--out", str(store)], env=ENV)
    clean(r, 2)
    assert "--decision-seconds was 2, now 0.5; --game-seconds was 600, now 30" in flat(r.output)
    assert snapshot(tmp_path) == before
    r = CliRunner().invoke(
        tournament_app, [*other, "--out", str(store), "--force", "--json", "--no-progress"], env=ENV
    )
    clean(r, 0)
    assert count(store) == 48
    assert {x["games"] for lines in json.loads(r.stdout).values() for x in lines} == {4}


# -- stopping and resuming ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """A tournament whose last batch waits on a hold file, and its uninterrupted standings."""
    d = tmp_path_factory.mktemp("held")
    pol = d / "patient.py"
    pol.write_text(PATIENT)
    args = ["--scenario", "duel", "--quarters", "4", "--games", "4", "--seed", "3"]
    args += ["--policies", f"random,greedy,{pol}:Patient", "--field", "random"]
    args += ["--decision-seconds", "60"]  # Patient waits within its budget
    cfg, expected = reference(args, d, workers=2)
    games = plan(cfg)
    size = batch_size(cfg)
    batches = [games[i : i + size] for i in range(0, len(games), size)]
    waits = [any(g.role == "investor" and g.policy.endswith("Patient") for g in b) for b in batches]
    assert waits[-1] and not waits[0], "some batches finish, the last one waits"
    finish = sum(len(b) for b, w in zip(batches, waits, strict=True) if not w)
    return args, expected, len(games), finish


def interrupt(args: list[str], folder: Path, finish: int, sig: int) -> subprocess.Popen[str]:
    """Start a held run, wait until every batch that can finish is committed, send ``sig`` to
    its process group, and return the ended process."""
    hold = folder / "hold"
    hold.write_text("")
    store = folder / "r.sqlite"
    p = start(
        "tournament",
        *args,
        "--workers",
        "2",
        "--out",
        str(store),
        cwd=folder,
        env={"FABRACE_TEST_HOLD": str(hold)},
    )
    deadline = time.monotonic() + 60
    try:
        while count(store) < finish:
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the finished batches were never committed"
            time.sleep(0.05)
        os.killpg(p.pid, sig)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        hold.unlink()
    return p


def resume_and_check(args, folder: Path, expected: dict, planned: int, saved: list[tuple]):
    """Run the same command again, and check that it finished the tournament. In-process
    (Typer's runner; its process pool is real): what is checked is the store and the standings
    the rerun leaves, not the process that ran it."""
    store = folder / "r.sqlite"
    with chdir(folder):
        r = CliRunner().invoke(
            tournament_app, [*args, "--workers", "2", "--out", str(store), "--json"], env=ENV
        )
    clean(r, 0)
    assert json.loads(r.stdout) == expected, "the same standings as an uninterrupted run"
    after = game_rows(store)
    assert len(after) == planned == len({g[0] for g in after}), "no game lost or duplicated"
    assert set(saved) <= set(after), "games saved before the stop were not played again"
    assert len(rows(store, "SELECT * FROM scores")) == planned * 4
    assert count(store, "WHERE status != 'ok'") == 0


def test_kill_9_of_the_whole_process_group_then_rerun_resumes(held, tmp_path):
    args, expected, planned, finish = held
    p = interrupt(args, tmp_path, finish, signal.SIGKILL)
    assert p.returncode == -signal.SIGKILL
    assert Path(f"{tmp_path / 'r.sqlite'}-wal").exists(), "killed with its write-ahead log open"
    saved = game_rows(tmp_path / "r.sqlite")
    assert len(saved) == finish < planned
    resume_and_check(args, tmp_path, expected, planned, saved)


def children(pid: int) -> dict[int, str]:
    """The live children of a process: pid -> start time (so that a reused pid is not taken for
    one of them), read from /proc; a zombie is not alive."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid and fields[0] != "Z":
            out[int(stat.parent.name)] = fields[19]
    return out


def alive(pid: int, started: str) -> bool:
    """Whether that process (pid and start time) still runs."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z" and fields[19] == started


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_die_with_a_parent_killed_by_kill_9(held, tmp_path):
    """kill -9 of the parent alone (not its process group): its workers follow, one of them busy
    in a policy that ignores SIGTERM, the other idle on the pool's queue."""
    args, _expected, _planned, finish = held
    hold = tmp_path / "hold"
    hold.write_text("")
    store = tmp_path / "r.sqlite"
    p = start(
        "tournament", *args, "--workers", "2", "--out", str(store),
        cwd=tmp_path, env={"FABRACE_TEST_HOLD": str(hold)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while count(store) < finish:  # the workers are up, one waits in Patient
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the finished batches were never committed"
            time.sleep(0.05)
        workers = children(p.pid)
        assert len(workers) == 2, workers
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        deadline = time.monotonic() + 20
        while left := [w for w, started in workers.items() if alive(w, started)]:
            assert time.monotonic() < deadline, f"workers {left} outlived their parent"
            time.sleep(0.05)
    finally:
        with suppress(ProcessLookupError):  # anything left of the group, if the test failed
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        hold.unlink()


def test_ctrl_c_stops_cleanly_with_finished_games_saved_and_rerun_continues(held, tmp_path):
    args, expected, planned, finish = held
    p = interrupt(args, tmp_path, finish, signal.SIGINT)
    out, err = p.communicate()
    clean(subprocess.CompletedProcess(p.args, p.returncode, out, err), 130)
    assert "interrupted: every finished game is saved in" in flat(err)
    assert "run the same command again to continue" in flat(err)
    saved = game_rows(tmp_path / "r.sqlite")
    assert len(saved) == finish < planned
    resume_and_check(args, tmp_path, expected, planned, saved)


# -- failed games ------------------------------------------------------------------------------


def test_failed_games_are_recorded_and_retry_failed_replays_only_those(tmp_path, monkeypatch):
    pol = tmp_path / "broken.py"
    pol.write_text(BROKEN)
    flag = tmp_path / "broken.flag"
    flag.write_text("")
    args = ["--scenario", "duel", "--quarters", "4", "--games", "1", "--seed", "5"]
    args += ["--policies", f"random,{pol}:Crashy,{pol}:Hangs", "--field", "random"]
    args += ["--workers", "2", "--out", "r.sqlite", "--no-progress"]
    args += ["--game-seconds", "3", "--decision-seconds", "1"]  # the retry runs with them too
    store = tmp_path / "r.sqlite"
    monkeypatch.chdir(tmp_path)
    # In-process through Typer's runner (its process pool is real): the same command, the
    # same output, without starting the script twice.
    # Hangs loses 1 s a quarter in the OpenAI seat: past 3 s before the fourth ends; any other game
    # stays far below 3 s however loaded the machine (at a load of 6 on 2 cores one took over 1 s).
    # One game a seat (12 games) shows every kind of failure once; a second would wait them out
    # again.
    r = CliRunner().invoke(tournament_app, args, env=ENV)
    clean(r, 0)
    assert "(12 games played now, 0 already stored, 5 failed" in flat(r.stdout)
    # the path is long under pytest-xdist: the console may fold it
    assert squash(f"failed: designer/0/{pol}:Crashy: RuntimeError: crashy is broken today") in (
        squash(r.stderr)
    )
    failed = dict(rows(store, "SELECT id, error FROM games WHERE status = 'failed'"))
    assert len(failed) == 5
    assert failed[f"lab/0/{pol}:Hangs"].startswith("GameTimeout: ran past its 3 s limit at 2024Q")
    assert all(
        not gid.startswith(("designer", "foundry", "investor"))
        for gid in failed
        if gid.endswith("Hangs")
    ), "Hangs fails in the OpenAI's seat only"
    ok = rows(store, "SELECT * FROM games WHERE status = 'ok' ORDER BY id")
    flag.unlink()
    r = CliRunner().invoke(tournament_app, [*args, "--retry-failed"], env=ENV)
    clean(r, 0)
    assert "(5 games played now, 7 already stored, 0 failed" in flat(r.stdout)
    after = game_rows(store)
    assert len(after) == 12 and all(g[6] == "ok" for g in after)
    assert [g for g in after if g[0] not in failed] == ok, "finished games were not replayed"


# -- refusals: exit code 2, a message, no traceback, nothing touched ------------------------------


@pytest.fixture
def folder(tmp_path):
    """A folder holding a results store, a corrupt one, a text file and another database."""
    (tmp_path / "junk.sqlite").write_bytes(os.urandom(4096))
    (tmp_path / "notes.txt").write_text("not a database\n" * 20)
    db = sqlite3.connect(tmp_path / "other.db")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    return tmp_path


BAD_RUNS = {
    "unknown policy": (["--policies", "random,nope"], "unknown policy 'nope'"),
    "unknown field": (["--field", "nope"], "unknown policy 'nope'"),
    "zero games": (["--games", "0"], "--games"),
    "no policies": (["--policies", ","], "at least one candidate"),
    "no out": (["--out", ""], None),
    "missing folder": (["--out", "no/such/folder/r.sqlite"], "does not exist"),
    "under a file": (["--out", "notes.txt/r.sqlite"], "does not exist"),
    "a folder": (["--out", "."], "is a folder"),
    "random bytes": (["--out", "junk.sqlite"], "not a Fab Race results store"),
    "a text file": (["--out", "notes.txt"], "not a Fab Race results store"),
    "another database": (["--out", "other.db"], "not a Fab Race results store (tables: t)"),
    "unknown engine": (["--engine", "ray"], "--engine must be process or dask"),
    "address without dask": (["--address", "tcp://127.0.0.1:1"], "--address goes with"),
    "unknown scenario": (["--scenario", "nowhere"], "nowhere"),
}


def bad_run_args(case: str) -> list[str]:
    extra, _msg = BAD_RUNS[case]
    base = ["--scenario", "duel", "--quarters", "2", "--games", "1", "--policies", CANDIDATES]
    base += ["--out", "new.sqlite", "--no-progress"]
    return [*base, *extra]  # later options win


@pytest.mark.parametrize("case", list(BAD_RUNS))
def test_bad_input_is_refused_in_process(case, folder, monkeypatch):
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    r = CliRunner().invoke(tournament_app, bad_run_args(case), env=ENV)
    clean(r, 2)
    msg = BAD_RUNS[case][1]
    if msg:
        assert squash(msg) in squash(r.output), r.output
    assert snapshot(folder) == before, "nothing created or changed"


@pytest.mark.parametrize(
    "args",
    [
        ["standings", "junk.sqlite"],
        ["standings", "notes.txt"],
        ["standings", "other.db"],
        ["standings", "missing.sqlite"],
        ["report", "junk.sqlite", "--out", "rep"],
        ["report", "other.db", "--out", "rep"],
    ],
)
def test_standings_and_report_refuse_what_is_not_a_store(args, folder, monkeypatch):
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    r = CliRunner().invoke(tournament_app, args, env=ENV)
    clean(r, 2)
    assert "error:" in r.output
    assert snapshot(folder) == before and not (folder / "rep").exists()


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make a folder unwritable, for root too (the immutable attribute) where that works."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root writes anywhere, and there is no chattr to stop it")
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("root writes anywhere, and this file system has no immutable attribute")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_folder_is_refused_for_results_but_readable(engines, folder, monkeypatch):
    _d, runs = engines
    store, r = runs["serial"]
    ro = folder / "ro"
    ro.mkdir()
    (ro / "r.sqlite").write_bytes(store.read_bytes())
    monkeypatch.chdir(folder)
    before = snapshot(ro)
    with read_only(ro):
        for out in ("ro/new.sqlite", "ro/r.sqlite"):
            args = [*bad_run_args("unknown engine")[:-2], "--out", out]
            bad = CliRunner().invoke(tournament_app, args, env=ENV)
            clean(bad, 2)
            assert f"{out}: cannot write here (permission denied)" in flat(bad.output)
        # The standings of a results file where nothing may be written can still be read.
        ok = CliRunner().invoke(tournament_app, ["standings", "ro/r.sqlite", "--json"], env=ENV)
        clean(ok, 0)
        assert ok.stdout == r.stdout
        assert snapshot(ro) == before


def test_bad_input_from_the_real_script(folder):
    """The installed script: exit code 2, the message on stderr, no traceback, files untouched
    (a bad name, and a store that cannot be used; the rest are checked in-process above)."""
    cases = ["unknown policy", "random bytes"]
    before = snapshot(folder)
    procs = [
        subprocess.Popen(
            [script(), "tournament", *bad_run_args(c)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            env={**os.environ, **ENV},
        )
        for c in cases
    ]
    for case, p in zip(cases, procs, strict=True):
        out, err = p.communicate(timeout=120)
        clean(subprocess.CompletedProcess(p.args, p.returncode, out, err), 2)
        assert squash(BAD_RUNS[case][1]) in squash(err), (case, err)
        assert out == "", case
    assert snapshot(folder) == before


# Last in the file: a Dask client that failed to connect may leave a thread in this process.
def test_an_unreachable_dask_scheduler_is_a_clear_error(folder, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(runner, "DASK_CONNECT_SECONDS", 0.5)
    monkeypatch.chdir(folder)
    args = [*bad_run_args("unknown engine")[:-2], "--engine", "dask"]
    r = CliRunner().invoke(tournament_app, [*args, "--address", "tcp://127.0.0.1:1"], env=ENV)
    clean(r, 2)
    assert "cannot use the Dask scheduler at tcp://127.0.0.1:1" in flat(r.output)
