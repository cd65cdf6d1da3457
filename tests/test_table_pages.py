"""The browser side of tables without a browser: a seat acting through the table, the status
line, the server's timer thread and ``fabrace play --tables-folder`` (the pages themselves are
walked in tests/browser/test_multiplayer.py)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from ui.charts import chart_data, render_png
from ui.table_seat import TableSeat
from ui.table_server import start_timers
from ui.table_status import status_html
from ui.tables import TableRegistry

EQUITY = {"amount": "2", "stake": "0.02"}


@pytest.fixture
def duel(tmp_path: Path) -> tuple[TableRegistry, Any, str, TableSeat, TableSeat]:
    reg = TableRegistry(tmp_path / "tables")
    table, host = reg.host("duel", 3, ["OpenAI", "Nvidia"], timer_seconds=600)
    ann = TableSeat(table, table.take_seat("OpenAI", "<b>Ann</b>"))
    bob = TableSeat(table, table.take_seat("Nvidia", "Bob"))
    return reg, table, host, ann, bob


def test_a_seat_acts_through_the_table_and_reads_its_own_view(duel: Any) -> None:
    _, table, host, ann, bob = duel
    v0 = table.version
    sent = ann.propose("Nvidia", "equity", EQUITY)
    assert sent.ok and sent.offer is not None and table.version > v0  # pages see the change
    assert [o["id"] for o in bob.inbox()] == [sent.offer["id"]]
    assert all(o["proposer"] != "OpenAI" for o in ann.inbox())
    table.pause(host)
    refused = bob.accept(sent.offer["id"])
    assert not refused.ok and "paused" in refused.message  # a message, not an exception
    table.resume(host)
    assert bob.accept(sent.offer["id"]).ok
    assert ann.end_quarter(0).ok and ann.has_ended() and not bob.has_ended()
    assert bob.end_quarter().ok and table.quarter_index == 1 and not ann.has_ended()
    assert "OpenAI" in table.log_text() and ann.log_text() == table.log_text()


def test_a_seat_sees_no_score_in_the_charts_until_the_end(duel: Any) -> None:
    _, table, host, ann, bob = duel
    ann.end_quarter(0)
    bob.end_quarter(0)
    assert "score" not in ann.series()[1]
    assert "score" not in chart_data(ann)["agents"]  # and the charts draw without it
    png = render_png(chart_data(ann))
    assert png.startswith(b"\x89PNG")
    _, everyone = table.view(bob.token).series()  # the view itself keeps them
    assert not everyone["score"].isna().any()
    table.end_game(host)
    assert "score" in chart_data(ann)["agents"]  # the scorecard shows them all anyway


def test_a_lost_seat_says_so_and_acts_no_more(duel: Any) -> None:
    _, table, host, ann, bob = duel
    assert ann.seated()
    table.bot_takes(host, "OpenAI")
    assert not ann.seated()
    res = ann.propose("Nvidia", "equity", EQUITY)
    assert not res.ok and "does not hold a seat" in res.message
    assert ann.books()["name"] == "OpenAI"  # the last view, for the page that says so
    assert bob.hand_back().ok and not bob.seated() and table.free_seats() == ["Nvidia"]


def test_the_status_line_says_who_is_deciding_escaped(duel: Any) -> None:
    _, table, host, ann, _ = duel
    line = status_html(table, "Nvidia")
    assert "&lt;b&gt;Ann&lt;/b&gt; (OpenAI)" in line and "<b>Ann</b>" not in line
    assert "Bob (Nvidia) — you" in line and "Timer:" in line and "2024Q1" in line
    ann.end_quarter(0)
    assert "You have ended the quarter" in status_html(table, "OpenAI")
    table.pause(host)
    assert "paused" in status_html(table, "OpenAI")
    table.end_game(host)
    assert "ended the game" in status_html(table)


def test_the_servers_timer_thread_plays_a_quarter_nobody_ended(tmp_path: Path) -> None:
    reg = TableRegistry(tmp_path / "tables")
    table, _ = reg.host("duel", 1, ["OpenAI"], timer_seconds=0.2)
    table.take_seat("OpenAI", "Ann")
    stop = start_timers(reg, 0.05)
    try:
        give_up = time.monotonic() + 60  # a generous bound on a loaded machine, not a timing
        while table.quarter_index == 0 and time.monotonic() < give_up:
            time.sleep(0.05)
    finally:
        stop.set()
    assert table.quarter_index >= 1


def test_play_names_the_tables_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import fabrace.cli as cli

    calls: list[dict[str, str]] = []
    monkeypatch.setattr(os, "execve", lambda path, args, env: calls.append(dict(env)))
    monkeypatch.setattr(cli, "PLAY_APP", "ui.session")
    monkeypatch.chdir(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    run = CliRunner().invoke
    r = run(cli.app, ["play", "--port", port, "--no-open", "--tables-folder", "t"])
    assert r.exit_code == 0, r.output
    assert calls[0]["FABRACE_TABLES_FOLDER"] == str(tmp_path / "t") and (tmp_path / "t").is_dir()
    (tmp_path / "f").write_text("a file")
    r = run(cli.app, ["play", "--port", port, "--no-open", "--tables-folder", "f/x"])
    assert r.exit_code == 2 and "--tables-folder" in r.output and "Traceback" not in r.output
    assert len(calls) == 1


@pytest.fixture
def server_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> TableRegistry:
    """The server's registry (ui.table_server.registry()) in a temporary folder."""
    import ui.table_server

    reg = TableRegistry(tmp_path / "server-tables")
    monkeypatch.setattr(ui.table_server, "_registry", reg)
    return reg


@pytest.mark.parametrize(
    ("seed", "timer", "says"),
    [
        ("x", "", "seed"),
        ("-1", "", "seed"),
        ("1", "abc", "timer"),
        ("1", "0", "timer"),
        ("1", "1e9", "timer"),
    ],
)
def test_hosting_refuses_bad_fields_with_a_message(
    server_registry: TableRegistry, seed: str, timer: str, says: str
) -> None:
    from ui.table_host import host_table

    with pytest.raises(ValueError, match=says):
        host_table("duel", seed, ["OpenAI"], timer)
    with pytest.raises(ValueError, match="at least one seat"):
        host_table("duel", "1", [], "")
    assert server_registry.tables == {}


def test_the_host_form_join_page_and_host_controls_in_process(
    server_registry: TableRegistry,
) -> None:
    import ipyvuetify as v
    import solara

    from tests.ui_render import click
    from ui.table_host import HostControls, HostForm
    from ui.table_join import JoinPage

    hosted: list[Any] = []
    _, rc = solara.render(HostForm(lambda t, tok: hosted.append((t, tok))), handle_error=False)
    rc.find(v.TextField, label="Timer: seconds a quarter (empty: none)").widget.v_model = "90"
    click(rc, "Host a table")
    rc.close()
    ((table, host),) = hosted
    assert table.timer_seconds == 90 and table.free_seats() == ["OpenAI", "Nvidia"]
    assert table.is_host(host) and not table.is_host("x" * 43)

    seated: list[str] = []
    _, rc = solara.render(JoinPage(table, None, seated.append, lambda: None), handle_error=False)
    click(rc, "Take OpenAI (AI lab)")
    assert not seated and "enter a display name" in str(rc.find(v.Alert).widgets[0].children)
    rc.find(v.TextField).widget.v_model = "Ann"
    click(rc, "Take OpenAI (AI lab)")
    assert len(seated) == 1 and table.seat_of(seated[0]) == "OpenAI"
    rc.close()

    _, rc = solara.render(HostControls(table, host, table.version), handle_error=False)
    click(rc, "Pause")
    assert table.paused
    click(rc, "Resume")
    assert not table.paused
    click(rc, "Inject at the next quarter")
    assert [e["kind"] for e in table.injected] == [table.deck()[0]]
    rc.find(v.Btn, children=["Give to a bot"]).widgets[0].click()
    assert not table.seats["OpenAI"].person and table.free_seats() == ["Nvidia"]
    rc.close()
