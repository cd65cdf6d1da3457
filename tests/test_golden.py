"""The golden games still play as committed (see tests/playthroughs.py)."""

from __future__ import annotations

import difflib

import pytest

from tests.playthroughs import FOLDER, PLAYTHROUGHS, path_of, play


@pytest.mark.parametrize("p", PLAYTHROUGHS, ids=[p.name for p in PLAYTHROUGHS])
def test_a_golden_game_plays_exactly_as_committed(p):
    path = path_of(p)
    assert path.exists(), f"{path} is missing: run `make golden` and commit it"
    want = path.read_text(encoding="utf-8")
    got = play(p)
    if got != want:
        diff = "".join(
            list(
                difflib.unified_diff(
                    want.splitlines(keepends=True),
                    got.splitlines(keepends=True),
                    f"{path.name} (committed)",
                    f"{path.name} (played now)",
                    n=1,
                )
            )[:40]
        )
        pytest.fail(
            f"{p.name} no longer plays as committed. If the change is meant to alter games, "
            f"regenerate them on purpose with `make golden` and commit the diff.\n{diff}"
        )


def test_every_golden_file_belongs_to_a_playthrough():
    names = {path_of(p).name for p in PLAYTHROUGHS}
    assert sorted(f.name for f in FOLDER.glob("*.txt") if f.name not in names) == []
