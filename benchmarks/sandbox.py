"""The sandbox's cost per decision against in-process, and what each hostile probe achieves.

Part 1 plays the same games with a file-loaded copy of a built-in family (a subclass defined in a
policy file, so the sandbox loads it as it would a user's) in one seat, once in-process
(``isolate="never"``) and once sandboxed (``"auto"``), and prints the time per policy call of each
and the difference, with the time to start a sandbox and load the policy.

Part 2 seats each hostile probe of issue 12 in the duel's lab seat (two quarters, 0.3 s budget),
sandboxed, and prints its outcome: the run's exit, the faults it got, and whether the game (its
digest, every other seat's end state) and the rules are those of the same seed with ``idle`` in
that seat. With
``--in-process`` it also runs the probes that do not hang in-process, for contrast.

Usage::

    .venv/bin/python benchmarks/sandbox.py [--games 3] [--scenario duel] [--family greedy]
        [--in-process]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from agents import new_game
from agents.registry import PolicyRegistry
from agents.sandbox import SandboxLimits

PROBES = textwrap.dedent(
    """
    import gc, os, sys, time
    from agents.policy import Policy
    from game.decisions import FundCampus

    class GcModel(Policy):
        \"\"\"gc.get_objects() for the model, then a ledger transfer of 1,200.\"\"\"
        def propose(self, obs):
            for o in gc.get_objects():
                if type(o).__name__ == "FabRaceModel":
                    o.ledger.transfer(next(iter(o.ledger.balances)), obs.actor, 1200.0, "x")
            return []

    class FrameWalk(Policy):
        \"\"\"sys._getframe and f_back up to the engine's frames, then its locals.\"\"\"
        def propose(self, obs):
            f = sys._getframe()
            while f is not None:
                m = f.f_locals.get("self")
                if type(m).__name__ == "FabRaceModel":
                    m.ledger.transfer(next(iter(m.ledger.balances)), obs.actor, 300.0, "x")
                f = f.f_back
            return []

    class PoisonViews(Policy):
        \"\"\"gc.get_referents behind the read-only views, to rewrite what others see.\"\"\"
        def propose(self, obs):
            for d in gc.get_referents(obs.public):
                if isinstance(d, dict):
                    for k in d:
                        d[k] = {}
            return []

    class MutateRules(Policy):
        \"\"\"object.__setattr__ on the frozen rules shown to it.\"\"\"
        def propose(self, obs):
            object.__setattr__(obs.rules, "_data", {**obs.rules, "action_budget": 99})
            return []

    class SwallowTimeout(Policy):
        \"\"\"sleeps for ever inside except BaseException: continue.\"\"\"
        def propose(self, obs):
            while True:
                try:
                    time.sleep(100)
                except BaseException:
                    continue

    class LateDecision(Policy):
        \"\"\"catches the timeout and returns a decision anyway.\"\"\"
        def moves(self, obs):
            try:
                time.sleep(5)
            except BaseException:
                pass
            return [FundCampus(0.1)]

    class Exit(Policy):
        \"\"\"raise SystemExit(3).\"\"\"
        def propose(self, obs):
            raise SystemExit(3)

    class Interrupt(Policy):
        \"\"\"raise KeyboardInterrupt.\"\"\"
        def propose(self, obs):
            raise KeyboardInterrupt

    class HardExit(Policy):
        \"\"\"os._exit(5).\"\"\"
        def propose(self, obs):
            os._exit(5)

    class Hog(Policy):
        \"\"\"allocates 8 GiB.\"\"\"
        def propose(self, obs):
            self.block = bytearray(8 * 1024**3)
            return []

    class Printer(Policy):
        \"\"\"prints protocol-like junk on stdout.\"\"\"
        def propose(self, obs):
            os.write(1, b"\\\\x00\\\\x00\\\\x00\\\\x02{}")
            return []

    class SignalParent(Policy):
        \"\"\"os.kill(os.getppid(), SIGINT).\"\"\"
        def propose(self, obs):
            os.kill(os.getppid(), 2)
            return []

    class WriteFile(Policy):
        \"\"\"writes a file in /tmp.\"\"\"
        def propose(self, obs):
            with open("/tmp/fabrace-probe-written", "w") as fh:
                fh.write("x")
            return []
    """
)
HANGS_IN_PROCESS = {"SwallowTimeout", "SignalParent", "Hog", "HardExit", "WriteFile"}
BUDGET = 0.3


def _copy_file(folder: Path, family: str) -> str:
    from agents.registry import builtin_families

    cls = builtin_families()[family]
    path = folder / "copy.py"
    path.write_text(
        f"from {cls.__module__} import {cls.__name__}\n\n\nclass Copy({cls.__name__}):\n    pass\n",
        encoding="utf-8",
    )
    return f"{path}:Copy"


def _cost(spec: str, scenario: str, family: str, games: int) -> None:
    role = "lab"
    seat = "OpenAI"  # the lab in duel and in baseline-2024
    print(f"Cost per decision: {family} (a file copy) as {seat} in {scenario}, {games} games")
    for isolate in ("never", "auto"):
        reg = PolicyRegistry(policies_file=None, plugins=False, isolate=isolate)
        t0 = time.perf_counter()
        reg.entry(spec)
        load = time.perf_counter() - t0
        calls = 0
        spent = 0.0
        digests = []
        for seed in range(games):
            t0 = time.perf_counter()
            policy = reg.make(spec, role)
            made = time.perf_counter() - t0
            counted = _Counting(policy)
            m = new_game(scenario, seed=seed, policies={seat: counted})
            t0 = time.perf_counter()
            m.run()
            spent += counted.seconds
            calls += counted.calls
            digests.append(m.digest())
            del m, counted, policy
            gc.collect()  # the game's cycles: the sandbox process goes back to its pool
        print(
            f"  {isolate:>6}: load {load * 1000:7.1f} ms, make {made * 1000:6.1f} ms, "
            f"{calls} calls, {spent / calls * 1000:7.3f} ms a call  digests {digests[0]}"
        )


class _Counting:
    """Wraps a policy to time its calls (the engine's view: the whole round trip)."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.label = policy.label
        self.calls = 0
        self.seconds = 0.0

    def reset(self, seed: int) -> None:
        self.policy.reset(seed)

    def _timed(self, call: str, obs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return getattr(self.policy, call)(obs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1

    def propose(self, obs: Any) -> Any:
        return self._timed("propose", obs)

    def respond(self, obs: Any) -> Any:
        return self._timed("respond", obs)

    def moves(self, obs: Any) -> Any:
        return self._timed("moves", obs)


def _others(m: Any) -> list[tuple[str, float, float]]:
    return [
        (a["name"], a["cash"], a["score"]) for a in m.result()["actors"] if a["name"] != "OpenAI"
    ]


def _probes(folder: Path, in_process: bool) -> None:
    path = folder / "probes.py"
    path.write_text(PROBES, encoding="utf-8")
    idle_game = new_game("duel", seed=5, policies={"OpenAI": "idle"}, quarters=2)
    idle_game.run()
    # kept as values: an in-process probe reaches every live game, this one included
    idle = (idle_game.digest(), _others(idle_game))
    del idle_game
    budget = new_game("duel").rules.action_budget
    names = [line.split("(")[0][6:] for line in PROBES.splitlines() if line.startswith("class ")]
    modes = ["auto", "never"] if in_process else ["auto"]
    print("\nHostile probes in the duel's lab seat (2 quarters, 0.3 s budget, seed 5)")
    print(f"  {'probe':<15} {'mode':<9} {'run':<6} {'faults':>6}  {'game = idle':<11} first fault")
    for name in names:
        for mode in modes:
            if mode == "never" and name in HANGS_IN_PROCESS:
                print(f"  {name:<15} {'in-proc':<9} (not run: hangs or kills the process)")
                continue
            reg = PolicyRegistry(
                policies_file=None,
                plugins=False,
                isolate=mode,
                limits=SandboxLimits(seconds=BUDGET),
            )
            try:
                m = new_game(
                    "duel",
                    seed=5,
                    policies={"OpenAI": reg.make(f"{path}:{name}", "lab")},
                    quarters=2,
                    decision_seconds=BUDGET,
                )
                m.run()
            except BaseException as e:  # in-process, a probe may end the run
                print(f"  {name:<15} {mode:<9} ended: {type(e).__name__}")
                continue
            same = (m.digest(), _others(m)) == idle and m.rules.action_budget == budget
            first = next((f"{f.call}: {f.error}" for f in m.faults if f.actor == "OpenAI"), "-")
            shown = "sandbox" if mode == "auto" else "in-proc"
            print(
                f"  {name:<15} {shown:<9} {'ok':<6} {len(m.faults):>6}  "
                f"{'yes' if same else 'NO':<11} {first[:80]}"
            )
    Path("/tmp/fabrace-probe-written").unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=3)
    ap.add_argument("--scenario", default="duel")
    ap.add_argument("--family", default="greedy")
    ap.add_argument("--in-process", action="store_true", help="also run the probes in-process")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _cost(_copy_file(folder, args.family), args.scenario, args.family, args.games)
        _probes(folder, args.in_process)


if __name__ == "__main__":
    main()
