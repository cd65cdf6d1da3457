"""Tables: several people in one game (ui.tables), without a browser."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from game.log import StepReplay
from ui.tables import MAX_NAME, Table, TableError, TableRegistry

EQUITY = {"amount": "2", "stake": "0.02"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def duel(tmp_path: Path) -> tuple[TableRegistry, Table, str, str, str]:
    """A duel table in a registry: OpenAI (Ann) and Nvidia (Bob) are people, a 60 s timer."""
    reg = TableRegistry(tmp_path / "tables", clock=Clock())
    table, host = reg.host("duel", 3, ["OpenAI", "Nvidia"], timer_seconds=60)
    ann = table.take_seat("OpenAI", "Ann")
    bob = table.take_seat("Nvidia", "Bob")
    return reg, table, host, ann, bob


def _keys(x: Any) -> set[str]:
    if isinstance(x, dict):
        return set(x) | {k for v in x.values() for k in _keys(v)}
    if isinstance(x, list | tuple):
        return {k for v in x for k in _keys(v)}
    return set()


def test_two_people_an_offer_answered_by_the_other(duel: Any) -> None:
    _, t, _, ann, bob = duel
    res = t.propose(ann, "Nvidia", "equity", EQUITY)
    assert res.ok and res.offer is not None and res.offer["status"] == "open"
    assert "not answered" in res.message
    inbox = t.observation(bob).inbox
    assert [o["id"] for o in inbox] == [res.offer["id"]]
    assert all(o["proposer"] != "OpenAI" for o in t.observation(ann).inbox)
    signed = t.accept(bob, res.offer["id"])
    assert signed.ok and "Signed" in signed.message
    assert any(c["kind"] == "equity" for c in t.spectator_view()["contracts"])


def test_the_quarter_advances_only_when_both_ended(duel: Any) -> None:
    _, t, _, ann, bob = duel
    assert t.who_is_deciding() == [("OpenAI", "Ann"), ("Nvidia", "Bob")]
    res = t.end_quarter(ann, 0)
    assert res.ok and res.message == "waiting for Bob" and t.quarter_index == 0
    assert t.who_is_deciding() == [("Nvidia", "Bob")]
    again = t.end_quarter(ann, 0)  # a double click changes nothing
    assert again.ok and t.quarter_index == 0
    assert not t.view(bob).end_quarter(0).ok and t.quarter_index == 0  # only the table plays it
    assert t.end_quarter(bob, 0).ok and t.quarter_index == 1
    assert t.who_is_deciding() == [("OpenAI", "Ann"), ("Nvidia", "Bob")]
    late = t.end_quarter(bob, 0)
    assert not late.ok and "already been played" in late.message and t.quarter_index == 1


def test_the_timer_ends_the_quarter_and_pause_holds_it(duel: Any) -> None:
    _, t, host, ann, _ = duel
    start = t.clock()
    t.end_quarter(ann, 0)
    assert not t.tick(start + 59) and t.quarter_index == 0
    t.pause(host)
    assert not t.tick(start + 61) and t.quarter_index == 0
    assert "paused" in t.end_quarter(ann, 0).message
    with pytest.raises(TableError, match="paused"):
        t.propose(ann, "Nvidia", "equity", EQUITY)
    t.clock.now = start + 100
    t.resume(host)  # the timer starts again from its full length
    assert not t.tick(start + 159)
    assert t.tick(start + 160) and t.quarter_index == 1


def test_a_token_acts_only_for_its_own_seat(duel: Any) -> None:
    _, t, host, ann, bob = duel
    assert t.seat_of(ann) == "OpenAI" and t.seat_of(bob) == "Nvidia"
    for bad in ["", "x" * 43, host, None, 12, "y" * 10_000]:
        with pytest.raises(TableError, match="does not hold a seat"):
            t.propose(bad, "Nvidia", "equity", EQUITY)
        with pytest.raises(TableError):
            t.end_quarter(bad, 0)
    with pytest.raises(TableError, match="only the host"):
        t.pause(ann)
    with pytest.raises(TableError, match="only the host"):
        t.bot_takes(bob, "OpenAI")
    # Ann's token cannot accept what was offered to Bob
    offer = t.propose(ann, "Nvidia", "equity", EQUITY).offer
    assert offer is not None and not t.accept(ann, offer["id"]).ok
    assert t.model.offer(offer["id"])["status"] == "open"


def test_seats_taken_handed_back_and_given_to_a_bot(duel: Any) -> None:
    _, t, host, ann, bob = duel
    with pytest.raises(TableError, match="taken"):
        t.take_seat("OpenAI", "Eve")
    with pytest.raises(TableError, match="bot"):
        t.take_seat("TSMC", "Eve")
    with pytest.raises(TableError, match="no seat"):
        t.take_seat("Intel", "Eve")
    assert t.hand_back(ann) == "OpenAI" and t.free_seats() == ["OpenAI"]
    with pytest.raises(TableError):
        t.observation(ann)  # the old token is gone with the seat
    eve = t.take_seat("OpenAI", "Eve")
    assert t.seat_of(eve) == "OpenAI"
    t.end_quarter(eve, 0)
    assert t.bot_takes(host, "Nvidia") and t.model.policy_label("Nvidia") != "external"
    assert t.quarter_index == 1  # Bob was the one still deciding: the quarter is played
    with pytest.raises(TableError):
        t.seat_of(bob)


def test_a_spectator_sees_no_private_books(duel: Any) -> None:
    _, t, _, ann, bob = duel
    t.propose(ann, "Nvidia", "equity", EQUITY)
    view = t.spectator_view()
    json.dumps(view, allow_nan=False)  # plain data
    keys = _keys(view)
    for tok in (ann, bob):
        obs = t.observation(tok)
        private = set(obs.books) - set(obs.public[obs.actor])
        assert private and not (private & keys), private & keys
        assert view["public"][obs.actor] == dict(obs.public[obs.actor])
    assert not {"books", "inbox", "sent", "trust_in", "trusted_by", "legal"} & keys
    assert {s["player"] for s in view["seats"]} == {"Ann", "Bob", "bot"}


def test_save_and_load_keeps_game_seats_and_tokens(duel: Any, tmp_path: Path) -> None:
    reg, t, host, ann, bob = duel
    offer = t.propose(ann, "Nvidia", "equity", EQUITY).offer
    t.end_quarter(ann, 0)
    t.inject(host, "demand_shock")
    text = reg.path(t.id).read_text()
    for secret in (ann, bob, host):
        assert secret not in text  # only hashes are written
    again = TableRegistry(tmp_path / "tables", clock=Clock())
    assert again.problems == {}
    u = again.get(t.id)
    assert u.model.digest() == t.model.digest()
    assert u.who_is_deciding() == [("Nvidia", "Bob")] and u.injected == t.injected
    assert offer is not None and [o["id"] for o in u.observation(bob).inbox] == [offer["id"]]
    assert u.seat_of(ann) == "OpenAI"
    # played on, the loaded table and the original stay the same game
    assert u.accept(bob, offer["id"]).ok and t.accept(bob, offer["id"]).ok
    assert u.end_quarter(bob, 0).ok and t.end_quarter(bob, 0).ok
    assert u.quarter_index == t.quarter_index == 1
    assert u.model.digest() == t.model.digest()
    # a broken file is reported, not fatal
    (tmp_path / "tables" / "junk.table.json").write_text("{not json")
    third = TableRegistry(tmp_path / "tables", clock=Clock())
    assert t.id in third.tables and "junk.table.json" in third.problems


def test_the_log_of_a_table_replays(duel: Any) -> None:
    _, t, host, ann, bob = duel
    offer = t.propose(ann, "Nvidia", "equity", EQUITY).offer
    assert offer is not None and t.accept(bob, offer["id"]).ok
    t.inject(host, "hbm_shortage")
    digests = [t.model.digest()]
    for q in range(2):
        t.end_quarter(ann, q)
        t.end_quarter(bob, q)
        digests.append(t.model.digest())
    replay = StepReplay(t.log_text(), "table")
    assert replay.seats["OpenAI"] == replay.seats["Nvidia"] == "external"
    assert replay.next_quarter() and replay.next_quarter(), replay.problem
    assert replay.problem is None and replay.model.quarter_index == 2
    assert replay.model.digest() == digests[-1]


def test_an_injected_event_lands_next_quarter(duel: Any) -> None:
    _, t, host, ann, bob = duel
    with pytest.raises(TableError, match="no event"):
        t.inject(host, "alien_invasion")
    with pytest.raises(TableError, match="only the host"):
        t.inject(ann, "demand_shock")
    with pytest.raises(TableError, match=r"cannot hit 'OpenAI'.*MGX"):
        t.inject(host, "gulf_licence", "OpenAI")
    t.inject(host, "hbm_shortage")
    t.inject(host, "gulf_licence", "MGX")
    assert not any(e["kind"] == "hbm_shortage" for e in t.observation(ann).events)
    t.end_quarter(ann, 0)
    t.end_quarter(bob, 0)
    events = t.observation(ann).events
    assert [e["kind"] for e in events if e["quarter"] == 1] == ["hbm_shortage"]
    news = t.spectator_view()["news"]
    assert any("HBM shortage" in n for n in news) and any("MGX may now import" in n for n in news)
    assert t.spectator_view()["notice"] is None and t.injected == []
    opened = [r for r in t._records if r.get("type") == "quarter_open"][-1]
    assert opened["chosen"] is True
    assert [(e["kind"], e["target"]) for e in opened["events"]] == [
        ("hbm_shortage", None),
        ("gulf_licence", "MGX"),
    ]


def test_the_host_ends_the_game(duel: Any) -> None:
    _, t, host, ann, _ = duel
    t.end_game(host)
    assert t.finished and t.who_is_deciding() == []
    assert "ended" in t.end_quarter(ann, 0).message
    with pytest.raises(TableError, match="ended"):
        t.propose(ann, "Nvidia", "equity", EQUITY)


def test_hostile_inputs(duel: Any, tmp_path: Path) -> None:
    reg, t, _, ann, _ = duel
    t.hand_back(ann)  # OpenAI is free again
    for bad_id in ["nope", "../../etc/passwd", None, 5, t.id + "x"]:
        with pytest.raises(TableError, match="no such table"):
            reg.get(bad_id)
    with pytest.raises(ValueError, match=f"at most {MAX_NAME}"):
        t.take_seat("OpenAI", "x" * 10_000)
    for name, why in [("", "enter"), ("  ", "enter"), ("a\nb", "control"), (5, "text")]:
        with pytest.raises(TableError, match=why):
            t.take_seat("OpenAI", name)
    for seat in [None, 3, "", "openai", "x" * 1000]:
        with pytest.raises(TableError, match="no seat"):
            t.take_seat(seat, "Eve")
    tag = "<b>Eve</b> & {{x}}"
    tok = t.take_seat("OpenAI", f"  {tag} ")
    assert ("OpenAI", tag) in t.who_is_deciding()  # kept literally, trimmed
    assert t.seat_of(tok) == "OpenAI"
    for q in ["0", None, True, "x" * 10_000]:
        assert t.end_quarter(tok, q).message == "End quarter needs the quarter's number"
    for people, match in [([], "at least one"), (["Intel"], "no actor")]:
        with pytest.raises(TableError, match=match):
            reg.host("duel", 1, people)
    with pytest.raises(TableError, match="timer"):
        reg.host("duel", 1, ["OpenAI"], timer_seconds=-5)
    with pytest.raises(TableError, match="unknown policy"):
        reg.host("duel", 1, ["OpenAI"], bots={"TSMC": "my.py:Evil"})
    with pytest.raises(TableError, match="not a Fab Race table"):
        Table.from_doc({"format": "x"})
    doc = t.to_doc()
    doc["seats"] = [{"actor": "OpenAI"}]
    with pytest.raises(TableError, match="damaged"):
        Table.from_doc(doc)


def test_presses_from_two_threads_play_the_quarter_once(duel: Any) -> None:
    _, t, _, ann, bob = duel
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def press(token: str) -> None:
        barrier.wait()
        results.append(t.end_quarter(token, 0))

    threads = [threading.Thread(target=press, args=(tok,)) for tok in (ann, bob)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r.ok for r in results) and t.quarter_index == 1
    assert sorted(r.message for r in results) == ["now 2024Q2", "waiting for Bob"] or sorted(
        r.message for r in results
    ) == ["now 2024Q2", "waiting for Ann"]


def test_the_timer_survives_a_restart(duel: Any, tmp_path: Path) -> None:
    _, t, _, _, _ = duel
    deadline = t.deadline
    assert deadline is not None
    again = TableRegistry(tmp_path / "tables", clock=Clock())
    u = again.get(t.id)
    assert u.deadline == deadline and not u.tick(deadline - 1)
    assert again.tick(deadline) == [t.id] and u.quarter_index == 1


def test_tables_are_limited_and_removed_by_their_host(tmp_path: Path) -> None:
    reg = TableRegistry(tmp_path / "t", clock=Clock(), max_tables=2)
    first, host = reg.host("duel", 1, ["OpenAI"])
    reg.host("duel", 2, ["OpenAI"])
    with pytest.raises(TableError, match="at most 2 tables"):
        reg.host("duel", 3, ["OpenAI"])
    seat = first.take_seat("OpenAI", "Ann")
    with pytest.raises(TableError, match="only the host"):
        reg.remove(seat, first.id)
    reg.remove(host, first.id)
    assert not reg.path(first.id).exists()
    with pytest.raises(TableError, match="no such table"):
        reg.get(first.id)
    assert first.id not in TableRegistry(tmp_path / "t").tables
    reg.host("duel", 3, ["OpenAI"])  # room again
