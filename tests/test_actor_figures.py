"""An actor's public figures are the plain computations, bit for bit: its control (the share no
one else holds, with or without holders) and its revenue (remembered for the quarter)."""

from __future__ import annotations

from agents import new_game
from game.actors import Actor


def _plain_control(a: Actor) -> float:
    return max(0.0, 1.0 - a.outside_equity - sum(a.cap_table.values()))


def _plain_revenue(a: Actor) -> float:
    return sum(a.last_pnl.get(r, 0.0) for r in a.revenue_reasons)


def test_an_actors_control_and_revenue_are_the_plain_figures_each_quarter() -> None:
    m = new_game("baseline-2024", seed=3, quarters=6)
    for _ in range(6):
        m.step()
        for a in m.actor_list:
            shown = a.public()
            assert shown["control"] == _plain_control(a) == a.control, a.name
            assert shown["revenue"] == _plain_revenue(a) == a.revenue(), a.name
    a = m.actor_list[0]
    a.cap_table["someone"] = 0.25  # a holder more: its control falls by the stake
    assert a.control == _plain_control(a) and a.public()["control"] == _plain_control(a)
    del a.cap_table["someone"]
    assert a.control == _plain_control(a)
