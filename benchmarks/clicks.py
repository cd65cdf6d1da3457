"""Browser game speed on the server side: what a click costs, rendered in-process.

Renders the page with ``solara.render`` (no browser, no network) and times a click on End quarter
and on Send offer, from the click to the re-rendered widgets, in the scenario given (default
``baseline-2024`` as OpenAI); the charts' timer ticks (what they cost the page's event loop);
and drawing the charts (done on a worker thread, off the event loop). A real browser adds the
round trip and its own drawing (see ``docs/UI.md`` for measured figures).

Usage::

    .venv/bin/python benchmarks/clicks.py [--scenario baseline-2024] [--seat OpenAI] [--clicks 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import ipyvuetify as v
import solara

from game.scenario import load_scenario
from ui import app
from ui.ticker import tick


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, round(0.95 * len(xs)) - 1)]


def _click(rc, label: str) -> float:
    w = rc.find(v.Btn, children=[label]).widget
    t0 = time.perf_counter()
    w.click()
    return time.perf_counter() - t0


def _end_quarter(rc) -> float:
    """Press End quarter as the page does (a Vue template that sends the quarter it shows;
    an older page's plain button)."""
    import ipyvue

    for w in rc.find(ipyvue.VueTemplate).widgets:
        if hasattr(w, "vue_end"):
            t0 = time.perf_counter()
            w.vue_end(w.quarter)
            return time.perf_counter() - t0
    return _click(rc, "End quarter")


def _start(rc, scenario: str, seat: str) -> float:
    rc.find(v.Select, label="Scenario").widget.v_model = scenario
    rc.find(v.Select, label="Play as").widget.v_model = seat
    took = _click(rc, "Start game")
    rc.find(v.Select, label="Deal kind").widget.v_model = "loan"
    return took


def _restart(rc, scenario: str, seat: str) -> None:
    """A new game once the last one is over (New game, and its confirmation if it asks)."""
    _click(rc, "New game")
    if rc.find(v.Btn, children=["Leave game"]).widgets:
        _click(rc, "Leave game")
    _start(rc, scenario, seat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline-2024")
    ap.add_argument("--seat", default="OpenAI")
    ap.add_argument("--clicks", type=int, default=20)
    args = ap.parse_args()

    _box, rc = solara.render(app.Page(), handle_error=False)
    start = _start(rc, args.scenario, args.seat)
    quarters = load_scenario(args.scenario).quarters
    end_q, send, ticks, draws = [], [], [], []
    for i in range(args.clicks):
        if i and i % quarters == 0:  # more clicks than the game has quarters: the next game
            _restart(rc, args.scenario, args.seat)
        send.append(_click(rc, "Send offer"))
        end_q.append(_end_quarter(rc))
        t_draw = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            if not tick(rc, "charts"):
                break
            ticks.append(time.perf_counter() - t0)
            time.sleep(0.01)
        draws.append(time.perf_counter() - t_draw)
    rc.close()
    print(f"{args.scenario} as {args.seat}: start game {start * 1000:.0f} ms")
    for name, xs in (
        ("End quarter", end_q),
        ("Send offer", send),
        ("charts tick", ticks),
        ("charts ready", draws),
    ):
        if xs:
            print(
                f"  {name:12s} n={len(xs):3d}  median {statistics.median(xs) * 1000:6.1f} ms"
                f"  p95 {_p95(xs) * 1000:6.1f} ms  max {max(xs) * 1000:6.1f} ms"
            )


if __name__ == "__main__":
    main()
