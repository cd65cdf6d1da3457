"""The unilateral moves the player's role allows now (``GameSession.moves``), each with its
bounds, its fields and a button. Each kind of move may be made once a quarter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara

from ui.common import current, heading, message, use_batch
from ui.session import ActionResult, GameSession

BUTTONS = {
    "build_fab": "Build fab",
    "build_packaging": "Build packaging",
    "set_wafer_price": "Set wafer price",
    "set_gpu_price": "Set GPU price",
    "buy_spot_wafers": "Buy spot wafers",
    "buy_spot_gpus": "Buy spot GPUs",
    "start_chip_programme": "Start chip programme",
    "fund_campus": "Fund campus",
}
SUGGESTED = {"capacity": 20.0, "quantity": 10.0, "gw": 0.2}


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def default_move_values(
    move_type: str, bounds: Mapping[str, Any], books: Mapping[str, Any]
) -> dict[str, str]:
    """Starting values for a move's form: the posted price for prices, else a small amount."""
    out: dict[str, str] = {}
    for name, b in bounds.items():
        if isinstance(b, tuple) and b and isinstance(b[0], str):
            out[name] = b[0]
        elif isinstance(b, tuple) and len(b) == 2:
            lo, hi = float(b[0]), float(b[1])
            if name == "price":
                own = books.get("gpu_price" if move_type == "set_gpu_price" else "wafer_price")
                v = float(own) if isinstance(own, int | float) else (lo + hi) / 4
            else:
                v = SUGGESTED.get(name, lo)
            out[name] = _fmt(min(hi, max(lo, v)))
    return out


def bounds_text(bounds: Mapping[str, Any]) -> str:
    parts = []
    for name, b in bounds.items():
        if isinstance(b, tuple) and len(b) == 2 and not isinstance(b[0], str):
            parts.append(f"{name} {_fmt(float(b[0]))}–{_fmt(float(b[1]))}")
    return "; ".join(parts)


@solara.component
def MoveCard(
    session: GameSession,
    move_type: str,
    bounds: Mapping[str, Any],
    defaults: Mapping[str, str],
    on_result: Callable[[str, ActionResult], None],
) -> None:
    form = solara.use_reactive(dict(defaults))

    def go() -> None:
        on_result(move_type, session.move(move_type, dict(form.value)))

    with solara.Column(classes=["fr-offer", f"fr-move-{move_type}"], gap="2px"):
        text = session.move_summary(move_type)
        bt = bounds_text(bounds)
        solara.Text(f"{text}" + (f" — bounds: {bt}" if bt else ""), classes=["fr-muted"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "center"}):
            for name in session.move_fields(move_type):
                b = bounds.get(name)
                if isinstance(b, tuple) and b and isinstance(b[0], str):
                    solara.Select(
                        label=name,
                        values=list(b),
                        value=form.value.get(name) or None,
                        on_value=lambda v, name=name: form.set({**form.value, name: v or ""}),
                        dense=True,
                        style={"min-width": "120px", "max-width": "180px"},
                    )
                else:
                    solara.InputText(
                        label=name,
                        value=str(form.value.get(name, "")),
                        on_value=lambda v, name=name: form.set({**form.value, name: v or ""}),
                        continuous_update=True,
                        dense=True,
                        style={"min-width": "110px", "max-width": "160px"},
                    )
            solara.Button(
                BUTTONS.get(move_type, move_type.replace("_", " ").capitalize()),
                on_click=go,
                color="primary",
                outlined=True,
                small=True,
            )


def prices(books: Mapping[str, Any]) -> dict[str, Any]:
    """The player's posted prices (the starting values of the price moves)."""
    return {k: books[k] for k in ("gpu_price", "wafer_price") if k in books}


@solara.component
def Moves(
    session: GameSession,
    moves: Mapping[str, Mapping[str, Any]],
    books: Mapping[str, Any],
    on_done: Callable[[], None] | None = None,
    quarter: int = 0,
    successes: int = 0,
) -> None:
    """The "Moves" panel: ``moves`` as ``GameSession.moves`` gives them; ``books`` for the
    starting values (only the posted prices are used). ``successes`` counts what went through
    anywhere on the page: an error here is shown until something later succeeds."""
    result = solara.use_reactive(None)
    batch = use_batch()

    def done(move_type: str, res: ActionResult) -> None:
        with batch():
            if res.ok:
                res = ActionResult(True, f"{BUTTONS.get(move_type, move_type)}: {res.message}")
            result.set((quarter, successes, res))
            if res.ok and on_done is not None:
                on_done()

    with solara.Column(classes=["fr-panel", "fr-moves"], gap="4px"):
        heading("Moves")
        if not moves:
            solara.Text(
                "No moves left this quarter (each kind once a quarter).", classes=["fr-muted"]
            )
        for mtype, bounds in moves.items():
            MoveCard(session, mtype, bounds, default_move_values(mtype, bounds, books), done).key(
                f"move-{mtype}"
            )
        if current(result.value, quarter, successes):
            message(result.value[2], "moves")
