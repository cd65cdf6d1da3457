"""Settings for the whole suite.

``make test`` runs it in parallel with pytest-xdist (``-n auto --dist loadgroup``): tests that
must share one process (the browser tests: one server, one Chromium) carry an ``xdist_group``
mark; every other test is scheduled on its own, so each must work in any worker, in any order,
with its own ``tmp_path`` and free ports.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # An xdist worker always runs execnet's I/O thread beside the tests, so Python 3.12+
        # warns at every fork() (the tournament's process pool) that the process is
        # multi-threaded. That thread only reads the worker's pipe and its children never use
        # it; a serial run (-n 0) still shows the warning for threads a test leaves behind.
        config.addinivalue_line(
            "filterwarnings",
            "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning",
        )


#: The modules whose tests take longest (seconds each: the policy contract, sandboxes, process
#: pools, subprocesses), collected first and in this order: pytest-xdist hands out tests in
#: collection order, so a long test left to the end would keep one worker busy while the other
#: idles. Every other module follows in its usual order; the browser tests stay last (see
#: tests/browser/conftest.py; under xdist their group is scheduled first regardless).
SLOW_FIRST = (
    "tests/test_types.py",  # mypy: half a minute of CPU without a cache
    "tests/test_sandbox.py",
    "tests/test_policies_cli.py",
    "tests/test_policy_contract.py",
    "tests/test_tournament.py",
    "tests/test_snapshot.py",
    "tests/test_ui_limits.py",
    "tests/test_backtest.py",
    "tests/test_envs.py",
    "tests/test_cli.py",
    "tests/test_bad_input.py",
    "tests/test_ui.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the :data:`SLOW_FIRST` modules first (a stable sort: order within a module kept)."""
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    rest = len(SLOW_FIRST)

    def key(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith("tests/browser/"):
            return rest + 1
        return rank.get(path, rest)

    items[:] = sorted(items, key=key)


#: Tests that share a costly fixture run as one work unit, in file order, on one worker under
#: ``--dist loadgroup``: the browser tests (one ``fabrace play`` server and one Chromium per
#: worker), and the modules whose module-scoped fixture plays tournaments or games in
#: subprocesses (split over workers, each worker would play them again). The browser tests are
#: two units of about a minute each, so that both workers run one at once: each worker starts
#: its own server (on its own free port) and Chromium for its half, which costs a few seconds
#: and halves the longest chain of the run. A module-scoped browser fixture stays within one
#: half (a module is never split). Named by path here because pytest-xdist 3.8 ignores
#: ``xdist_group`` marks under pytest 9.2 (pytest-xdist issue #1386); the first prefix that
#: matches wins. Every other test is a unit of its own.
GROUPS = {
    "tests/browser/test_play.py": "browser-a",
    "tests/browser/test_multiplayer.py": "browser-a",
    "tests/browser/test_load_log.py": "browser-a",
    "tests/browser/": "browser-b",  # test_survive.py, test_consequences.py
    "tests/test_tournament_cli.py": "tournament-cli",
    "tests/test_determinism.py": "determinism",
    "tests/test_backtest.py": "backtest",  # two module fixtures: backtests over seeds
}

#: The order in which the groups are handed out, before every other test: the longest first (a
#: long unit started last would leave the other worker idle at the end).
GROUP_ORDER = ("browser-a", "browser-b", "tournament-cli", "determinism", "backtest")
assert set(GROUP_ORDER) == set(GROUPS.values()), "every group has its place in GROUP_ORDER"


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return super()._split_scope(nodeid)

        def _assign_work_unit(self, node: object) -> None:
            # the groups first, in GROUP_ORDER: the two browser halves go to the two workers
            if not self.ordered:
                self.ordered = True
                for group in reversed(GROUP_ORDER):
                    if group in self.workqueue:
                        self.workqueue.move_to_end(group, last=False)
            super()._assign_work_unit(node)

    return PathGroupScheduling(config, log)
