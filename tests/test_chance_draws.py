"""The event deck's draws: the cheap uniform draw is numpy's own, and so are the games' news."""

from __future__ import annotations

import numpy as np

from agents import new_game
from game.chance import uniform
from game.events import quarterly_probability


def test_uniform_is_the_generators_own_double_and_moves_the_stream_alike() -> None:
    ours, numpys = np.random.default_rng(11), np.random.default_rng(11)
    for i in range(20_000):
        assert uniform(ours) == numpys.random()
        if i % 7 == 0:  # other draws between, as a deck's targets are
            assert int(ours.integers(5)) == int(numpys.integers(5))
    assert ours.bit_generator.state == numpys.bit_generator.state


def test_the_decks_drawn_cards_are_its_unscheduled_ones_with_their_quarterly_odds() -> None:
    m = new_game("baseline-2024", seed=3, quarters=2)
    deck = m.spec.events
    drawn = m._drawn_cards()
    assert [c for c, _ in drawn] == [c for c in deck if c.at is None]
    assert [p for _, p in drawn] == [quarterly_probability(c.p_year) for c, _ in drawn]
    assert m._drawn_cards() is drawn  # made once a game
