"""Untrusted policies in a sandbox process (issue 12): hostile policies change nothing but their
own seat's decisions, every misdeed is a fault of that call, and the run finishes.

Each hostile policy sits in the duel's lab seat for two quarters, with a short budget; the game
is compared with the same seed played with ``idle`` in that seat (a policy that decides nothing
gives the same game as one whose every call is a fault).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import new_game
from agents.registry import PolicyRegistry
from agents.sandbox import SandboxedPolicy, SandboxLimits
from fabrace.cli import app
from game.budget import UserInterrupt

ROOT = Path(__file__).resolve().parent.parent
WIDE = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
BUDGET = 0.3
# The duel in four quarters, for ``policies check`` (16 games a run; the faults it must report
# come in the first quarter): tests/scenarios/duel-4q.toml
SHORT_DUEL = str(ROOT / "tests" / "scenarios" / "duel-4q.toml")

HOSTILE = textwrap.dedent(
    """
    import gc, os, sys, time
    from agents.policy import Policy
    from game.decisions import SetGpuPrice


    class Sleeper(Policy):
        name = "sleeper"
        description = "sleeps for ever, swallowing every exception"

        def propose(self, obs):
            while True:
                try:
                    time.sleep(100)
                except BaseException:
                    continue


    class Exiter(Policy):
        name = "exiter"
        description = "raises SystemExit and KeyboardInterrupt"

        def propose(self, obs):
            raise SystemExit(3)

        def moves(self, obs):
            raise KeyboardInterrupt


    class Reacher(Policy):
        name = "reacher"
        description = "looks for the model through gc and frames, and rewrites the rules"

        def propose(self, obs):
            for o in gc.get_objects():
                if type(o).__name__ == "FabRaceModel":
                    o.ledger.transfer("bank", obs.actor, 1000.0)
            return []

        def respond(self, obs):
            f = sys._getframe()
            while f.f_back is not None:
                f = f.f_back
            return []

        def moves(self, obs):
            object.__setattr__(obs.rules, "_data", {"action_budget": 99})
            return []


    class LabReacher(Reacher):
        name = "lab-reacher"
        description = "the reacher, in the lab's seat only"
        roles = ("lab",)


    class Hog(Policy):
        name = "hog"
        description = "allocates 8 GiB"

        def propose(self, obs):
            self.block = bytearray(8 * 1024**3)
            return []


    class Printer(Policy):
        name = "printer"
        description = "prints protocol-looking junk to stdout"

        def propose(self, obs):
            print("\\x00\\x00\\x00\\x05{\\"ok\\": true}", flush=True)
            os.write(1, b"\\x00\\x00\\x00\\x02{}")
            return []


    class Killer(Policy):
        name = "killer"
        description = "signals its parent, then exits hard"

        def propose(self, obs):
            os.kill(os.getppid(), 2)

        def moves(self, obs):
            os._exit(7)


    class Writer(Policy):
        name = "writer"
        description = "tries to write a file next to itself"

        def propose(self, obs):
            with open(os.path.join(os.path.dirname(__file__), "written.txt"), "w") as fh:
                fh.write("x")
            return []


    class RulesBender(Policy):
        name = "bender"
        description = "in-process, finds its game and changes the rules"
        roles = ("lab",)  # one role shows it: the contract plays each role's games again

        walked = False  # one walk of the heap is enough (and a walk is slow in a test process)

        def propose(self, obs):
            if type(self).walked:
                return []
            type(self).walked = True
            for o in gc.get_objects():
                if type(o).__name__ == "FabRaceModel" and str(o.spec.source).endswith("bent.toml"):
                    object.__setattr__(o.rules, "action_budget", 9)
            return []


    class Pricer(Policy):
        name = "pricer"
        description = "a well-behaved designer"
        roles = ("designer",)

        def moves(self, obs):
            lo, hi = obs.legal.moves["set_gpu_price"]["price"]
            return [SetGpuPrice(min(hi, max(lo, obs.public[obs.actor]["gpu_price"] * 1.02)))]
    """
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.py"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def idle_game() -> dict:
    """The duel, seed 5, two quarters, with idle in the lab's seat."""
    m = new_game("duel", seed=5, policies={"OpenAI": "idle"}, quarters=2)
    m.run()
    return {"digest": m.digest(), "result": m.result()}


def _play(hostile: Path, cls: str, **kw) -> object:
    reg = PolicyRegistry(
        policies_file=None, plugins=False, limits=SandboxLimits(seconds=BUDGET, **kw)
    )
    m = new_game(
        "duel",
        seed=5,
        policies={"OpenAI": reg.make(f"{hostile}:{cls}", "lab")},
        quarters=2,
        decision_seconds=BUDGET,
    )
    m.run()
    return m


def _others(result: dict) -> list:
    return [(a["name"], a["cash"], a["score"]) for a in result["actors"] if a["name"] != "OpenAI"]


def test_a_file_policy_is_sandboxed_by_default_and_never_imported_here(hostile):
    reg = PolicyRegistry(policies_file=None, plugins=False)
    entry = reg.entry(f"{hostile}:Reacher")
    assert issubclass(entry.cls, SandboxedPolicy)
    assert entry.cls.name == "reacher" and entry.describe()["description"].startswith("looks")
    assert not any(getattr(m, "__file__", None) == str(hostile) for m in list(sys.modules.values()))
    never = PolicyRegistry(policies_file=None, plugins=False, isolate="never")
    assert not issubclass(never.entry(f"{hostile}:Reacher").cls, SandboxedPolicy)
    always = PolicyRegistry(policies_file=None, plugins=False, isolate="always")
    assert issubclass(always.entry("greedy").cls, SandboxedPolicy)
    assert not issubclass(reg.entry("greedy").cls, SandboxedPolicy)


@pytest.mark.parametrize(
    ("cls", "calls"),
    [
        ("Sleeper", {"propose": "ran past its 0.3 s budget"}),
        ("Exiter", {"propose": "SystemExit: 3", "moves": "KeyboardInterrupt"}),
        (
            "Reacher",
            {
                "propose": "reached outside its own code: gc.get_objects",
                "moves": "changed its observation (obs.rules was altered)",
            },
        ),
        ("Hog", {"propose": "MemoryError"}),
        (
            "Killer",
            {
                "propose": "reached outside its own code: os.kill",
                "moves": "its sandbox process exited with code 7",
            },
        ),
        ("Writer", {"propose": "reached outside its own code: open for writing"}),
    ],
)
def test_a_hostile_policy_only_faults_and_the_game_is_the_idle_one(hostile, idle_game, cls, calls):
    m = _play(hostile, cls)
    faults = {(f.call, f.error) for f in m.faults if f.actor == "OpenAI"}
    for call, text in calls.items():
        assert any(c == call and text in e for c, e in faults), faults
    assert all(f.actor == "OpenAI" for f in m.faults)
    assert m.digest() == idle_game["digest"]
    assert _others(m.result()) == _others(idle_game["result"])
    assert m.rules.action_budget == new_game("duel").rules.action_budget
    assert not (hostile.parent / "written.txt").exists()


def test_a_policy_that_prints_junk_does_not_corrupt_the_protocol(hostile, idle_game, capfd):
    m = _play(hostile, "Printer")
    assert m.faults == [] and m.digest() == idle_game["digest"]
    shown = ""  # on stderr, not read as a reply (forwarded by a thread: wait for it)
    for _ in range(200):
        shown += capfd.readouterr().err
        if '{"ok": true}' in shown:
            break
        time.sleep(0.05)
    assert '{"ok": true}' in shown


def test_a_killed_sandbox_is_replaced_and_the_seat_plays_on(hostile):
    reg = PolicyRegistry(policies_file=None, plugins=False, limits=SandboxLimits(seconds=BUDGET))
    pricer = reg.make(f"{hostile}:Pricer", "designer")
    m = new_game("duel", seed=5, policies={"Nvidia": pricer}, quarters=3)
    m.step()
    pricer._proc.proc.kill()  # as if it had been killed past a limit
    pricer._proc.proc.wait()
    m.run()
    # found dead before its next call: replaced (reset with its seed), no call lost
    assert pricer.restarts == 1 and m.faults == [] and m.finished


def test_a_process_with_closed_pipes_is_never_handed_out_again(hostile):
    """A killed process whose end is not reaped yet (a busy machine) still looks running: with
    its pipes closed it must not go back to a seat (a game once failed with 'file descriptor
    cannot be a negative integer')."""
    reg = PolicyRegistry(policies_file=None, plugins=False, limits=SandboxLimits(seconds=BUDGET))
    first = reg.make(f"{hostile}:Pricer", "designer")
    proc = first._proc
    for fd in (proc.wfd, proc.rfd):
        os.close(fd)
    proc.wfd = proc.rfd = -1  # as kill() leaves it, the process not reaped yet
    assert proc.proc.poll() is None and not proc.alive
    first.close()  # hands it back: refused by the pool
    second = reg.make(f"{hostile}:Pricer", "designer")
    assert second._proc is not proc
    m = new_game("duel", seed=5, policies={"Nvidia": second}, quarters=2)
    m.run()
    assert m.faults == [] and m.finished
    proc.kill()


def test_a_seat_is_filled_when_room_is_made_from_a_proxy_whose_process_was_shut_down(
    hostile, monkeypatch
):
    """Making room parks the least recently used proxy; one whose process was ended meanwhile
    (``shutdown()``, as a command run in-process does at its end) is dropped, not an error that
    fails the next game (seen as 'file descriptor cannot be a negative integer')."""
    from agents import sandbox, sandbox_process

    monkeypatch.setattr(sandbox, "MAX_LIVE", 1)  # the next seat needs the first one's room
    reg = PolicyRegistry(policies_file=None, plugins=False, limits=SandboxLimits(seconds=BUDGET))
    first = reg.make(f"{hostile}:Pricer", "designer")
    sandbox_process.shutdown()  # its process ends; the proxy still holds it
    sandbox._make_room()  # what the next seat's start does when no process is idle
    assert first._proc is None  # dropped, not parked
    m = new_game("duel", seed=5, policies={"Nvidia": first}, quarters=2)
    m.run()  # started afresh when called again
    assert m.faults == [] and m.finished


def test_a_sandboxed_copy_of_a_built_in_plays_the_same_game():
    always = PolicyRegistry(policies_file=None, plugins=False, isolate="always")
    seats = {"OpenAI": always.make("greedy", "lab"), "Nvidia": always.make("cautious", "designer")}
    a = new_game("duel", seed=3, policies=seats, quarters=4)
    a.run()
    b = new_game("duel", seed=3, policies={"OpenAI": "greedy", "Nvidia": "cautious"}, quarters=4)
    b.run()
    assert a.digest() == b.digest() and a.faults == []


def test_parked_policies_keep_their_state_when_processes_run_short(monkeypatch):
    from agents import sandbox

    monkeypatch.setattr(sandbox, "MAX_LIVE", 2)  # four seats, two processes busy at a time
    always = PolicyRegistry(policies_file=None, plugins=False, isolate="always")
    names = {"OpenAI": "lab", "Nvidia": "designer", "TSMC": "foundry", "MGX": "investor"}
    seats = {n: always.make("random", r) for n, r in names.items()}
    a = new_game("duel", seed=4, policies=seats, quarters=3)
    a.run()
    b = new_game("duel", seed=4, policies=dict.fromkeys(names, "random"), quarters=3)
    b.run()
    assert a.digest() == b.digest() and a.faults == []
    assert sum(p._proc is None for p in seats.values()) >= 2  # some were parked


def test_sandboxed_policies_copy_and_snapshot_like_any_other():
    import copy
    import pickle

    always = PolicyRegistry(policies_file=None, plugins=False, isolate="always")
    p = always.make("random", "lab")
    p.reset(11)
    for c in (p.clone(), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(c) is type(p) and c is not p and c.params == p.params
    state = p.get_state()
    q = always.make("random", "lab")
    q.set_state(state)
    assert q.get_state() == state


# ==================================================================== in-process faults
class _Raising:
    label = "raising"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def reset(self, seed: int) -> None:
        raise self.exc

    def propose(self, obs):
        raise self.exc

    respond = moves = propose


@pytest.mark.parametrize("exc", [SystemExit(4), KeyboardInterrupt(), GeneratorExit()])
def test_in_process_a_policy_raising_any_base_exception_is_a_fault(exc):
    m = new_game("duel", seed=1, policies={"OpenAI": _Raising(exc)}, quarters=2)
    m.run()
    assert m.finished and m.faults_by["OpenAI"] >= 3
    assert {f.call for f in m.faults} >= {"reset", "propose", "moves"}


def test_in_process_the_users_interrupt_still_stops_the_game():
    with pytest.raises(UserInterrupt):
        new_game("duel", seed=1, policies={"OpenAI": _Raising(UserInterrupt())}, quarters=2).run()


def test_in_process_a_policy_that_catches_the_timeout_and_returns_has_a_fault():

    class Stubborn:
        label = "stubborn"

        def reset(self, seed: int) -> None:
            pass

        def propose(self, obs):
            try:
                time.sleep(5)
            except BaseException:
                return []
            return []

        respond = moves = propose

    m = new_game("duel", seed=1, policies={"OpenAI": Stubborn()}, quarters=1, decision_seconds=0.05)
    m.run()
    assert m.faults and all("ran past its 0.05 s budget" in f.error for f in m.faults)


# ==================================================================== the command line
def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def test_run_with_hostile_policies_exits_0_with_valid_json(hostile, idle_game):
    r = invoke(
        "run",
        "--scenario",
        "duel",
        "--seed",
        "5",
        "--quarters",
        "2",
        "--decision-seconds",
        str(BUDGET),
        "--policy",
        f"OpenAI={hostile}:Exiter",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    assert _others(json.loads(r.stdout)) == _others(idle_game["result"])


def test_policies_check_fails_a_policy_that_reaches_for_the_engine(hostile):
    # in one role: every role the policy claims costs the contract's games (and sandbox
    # processes) again, and a reach shows the same in each
    r = invoke(
        "policies",
        "check",
        f"{hostile}:LabReacher",
        "--scenario",
        SHORT_DUEL,
        "--games",
        "1",
        "--seconds",
        "5",  # its heap walks take well under 1 s, but 3 slow ones on a busy machine stop it
    )
    assert r.exit_code == 1, r.stdout
    out = " ".join(r.stdout.split())
    assert "FAIL legal" in out and "reached outside its own code: gc.get_objects" in out


def test_policies_check_in_process_fails_a_policy_that_changes_the_rules(hostile, tmp_path):
    bent = tmp_path / "bent.toml"
    duel = (ROOT / "assets/scenarios/duel.toml").read_text(encoding="utf-8")
    assert "\nquarters = 12\n" in duel
    # four quarters are enough: the bender changes the rules in its first call
    bent.write_text(duel.replace("\nquarters = 12\n", "\nquarters = 4\n"), encoding="utf-8")
    args = [
        "policies",
        "check",
        f"{hostile}:RulesBender",
        "--scenario",
        str(bent),
        "--seconds",
        "2",
    ]
    r = invoke(*args, "--games", "1", "--isolate", "never")
    assert r.exit_code == 1, r.stdout
    assert "ended with its scenario or rules changed" in " ".join(r.stdout.split())
    r = invoke(*args, "--games", "1")  # sandboxed: it finds nothing, and the reach is a fault
    assert r.exit_code == 1, r.stdout
    out = " ".join(r.stdout.split())
    assert "reached outside its own code: gc.get_objects" in out
    assert "rules changed" not in out


def test_an_unknown_isolate_mode_is_refused():
    r = invoke("run", "--scenario", "duel", "--isolate", "sometimes")
    assert r.exit_code == 2 and "Traceback" not in r.stderr


def test_a_tournament_with_a_hostile_candidate_completes_and_later_games_are_unaffected(
    hostile, tmp_path
):
    base = ["--scenario", "duel", "--games", "1", "--quarters", "2", "--seed", "2"]
    base += ["--decision-seconds", str(BUDGET), "--no-progress", "--json", "--field", "idle"]
    spec = f"{hostile}:Reacher"
    r = invoke(
        "tournament", *base, "--policies", f"idle,{spec},greedy", "--out", str(tmp_path / "a")
    )
    assert r.exit_code == 0, r.stdout + r.stderr
    hostile_run = json.loads(r.stdout)
    r = invoke("tournament", *base, "--policies", "idle,greedy", "--out", str(tmp_path / "b"))
    assert r.exit_code == 0, r.stdout + r.stderr
    plain_run = json.loads(r.stdout)
    for role, rows in hostile_run.items():
        raw = {s["policy"]: s["raw_mean"] for s in rows}
        assert raw[spec] == raw["idle"]  # every call of the hostile one is a fault: idle's game
        assert raw["greedy"] == {s["policy"]: s["raw_mean"] for s in plain_run[role]}["greedy"]


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals")
def test_the_installed_script_survives_a_policy_that_signals_its_parent(hostile):
    script = Path(sys.executable).with_name("fabrace")
    r = subprocess.run(
        [
            str(script),
            "run",
            "--scenario",
            "duel",
            "--quarters",
            "1",
            "--decision-seconds",
            str(BUDGET),
            "--policy",
            f"OpenAI={hostile}:Killer",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **WIDE},
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["totals"]["faults"] >= 1
