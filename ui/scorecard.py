"""The scorecard at the end: every actor's score with its breakdown, the player's rank, and the
game's log to download (JSON lines, loadable again with Load log or ``fabrace replay``)."""

from __future__ import annotations

from typing import Any

import solara

from ui.common import ROLE_NAMES, esc, heading, label_of, role_dot, table
from ui.session import GameSession


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_text(card: list[dict[str, Any]], whose: str = "Your") -> str | None:
    me = next((a for a in card if a["player"]), None)
    if me is None:
        return None
    same_role = sum(1 for a in card if a["role"] == me["role"])
    text = f"{whose} rank: {me['rank']} of {len(card)} overall"
    if same_role > 1:
        text += f", {ordinal(me['role_rank'])} of {same_role} {ROLE_NAMES[me['role']]}s"
    return f"{text} (score {me['score']:+.3f})."


def log_filename(session: GameSession) -> str:
    who = session.seat or "bots"
    return f"fabrace-{session.spec.name}-seed{session.model.seed}-{who}.jsonl".replace(" ", "_")


@solara.component
def Scorecard(session: GameSession, version: Any, download: bool = True) -> None:
    """The "Scorecard" panel (also shown, as standings so far, before the end)."""
    card = session.scorecard()
    with solara.Column(classes=["fr-panel", "fr-scorecard"], gap="6px"):
        heading("Scorecard")
        if not session.finished:
            solara.Text(
                f"Standings so far ({session.quarter}); the game ends after "
                f"{session.n_quarters} quarters.",
                classes=["fr-muted"],
            )
        you = "the player" if session.read_only else "you"
        rt = rank_text(card, "The player's" if session.read_only else "Your")
        if rt:
            solara.HTML(tag="div", unsafe_innerHTML=f"<b>{esc(rt)}</b>", classes=["fr-rank"])
        rows = []
        for a in card:
            parts = ", ".join(
                f"{label_of(k)} {float(v):+.3f}" for k, v in a["score_breakdown"].items()
            )
            name = esc(a["name"]) + (f" <b>({you})</b>" if a["player"] else "")
            rows.append(
                [
                    str(a["rank"]),
                    role_dot(a["role"]) + name,
                    esc(ROLE_NAMES.get(a["role"], a["role"])),
                    esc(a["policy"] if not a["player"] else you),
                    f"{a['score']:+.3f}",
                    esc(parts) + (" <b>insolvent</b>" if a["insolvent"] else ""),
                ]
            )
        table(
            ["#", "actor", "role", "played by", "score", "breakdown"],
            rows,
            numeric=[True, False, False, False, True, False],
            raw=True,
        )
        solara.Text(
            "Scores are per role (compare within a role); see the rules for each formula.",
            classes=["fr-muted"],
        )
        if download and not session.read_only:
            solara.FileDownload(
                session.log_text,
                filename=log_filename(session),
                label="Download log",
                mime_type="application/x-ndjson",
            )
