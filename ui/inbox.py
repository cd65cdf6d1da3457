"""The inbox: offers received this quarter, each with Accept, Reject and Counter.

Counter sends the offer back with the terms in its form (prefilled with the offer's terms, to
edit). An offer in its last round can only be accepted or rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara

from ui.common import KIND_NAMES, consequences_html, current, esc, heading, message, num, use_batch
from ui.deals import TermFields
from ui.session import ActionResult, GameSession


def _text(v: Any) -> str:
    return (
        v
        if isinstance(v, str)
        else num(v, 4).rstrip("0").rstrip(".")
        if isinstance(v, float)
        else str(v)
    )


def terms_html(
    terms: Mapping[str, Any], changed: Mapping[str, tuple[Any, Any]] | None = None
) -> str:
    """The terms as text; those a counter-offer changed highlighted, with what they were."""
    changed = changed or {}

    def one(k: str, v: Any) -> str:
        text = f"{esc(k.replace('_', ' '))} <b>{esc(_text(v))}</b>"
        if k not in changed:
            return text
        was = changed[k][0]
        return f'<mark class="fr-changed">{text} (was {esc(_text(was))})</mark>'

    return ", ".join(one(k, v) for k, v in terms.items())


@solara.component
def OfferCard(
    session: GameSession,
    offer: Mapping[str, Any],
    allowed: tuple[str, ...],
    on_result: Callable[[ActionResult], None],
) -> None:
    oid = int(offer["id"])
    form = solara.use_reactive({k: _text(v) for k, v in offer["terms"].items()})
    show = solara.use_reactive(False)

    def act(what: str) -> None:
        if what == "accept":
            res = session.accept(oid)
        elif what == "reject":
            res = session.reject(oid)
        else:
            res = session.counter(oid, dict(form.value))
        on_result(res)

    changes = session.counter_changes(offer)
    rnd, last = int(offer["round"]), session.max_rounds
    round_text = (
        f"round {rnd + 1} of {last + 1}"
        + (" (the last: accept or refuse)" if rnd >= last else "")
        + f"; expires at the end of {session.quarter} if not answered"
    )
    kind_name = KIND_NAMES.get(offer["kind"], offer["kind"]).lower()
    article = "an" if kind_name[:1] in "aeiou" else "a"
    with solara.Column(classes=["fr-offer", f"fr-offer-{oid}"], gap="2px"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<b>{esc(offer['proposer'])}</b> offers {article} "
                f"<b>{esc(kind_name)}</b> "
                f"worth ${float(offer['value']):,.2f}B: "
                f"{terms_html(offer['terms'], changes)}"
                + (
                    " <span class='fr-muted'>(a counter to your offer: changes marked)</span>"
                    if changes
                    else ""
                )
                + f"<div class='fr-muted fr-round'>{esc(round_text)}</div>"
                + consequences_html(
                    session.consequences(offer["kind"], offer["terms"], offer["proposer"])
                )
            ),
        )
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button(
                "Accept",
                on_click=lambda: act("accept"),
                color="success",
                small=True,
                disabled="accept" not in allowed,
            )
            solara.Button(
                "Reject",
                on_click=lambda: act("reject"),
                color="error",
                small=True,
                outlined=True,
                disabled="reject" not in allowed,
            )
            if "counter" in allowed:
                solara.Button(
                    "Counter",
                    on_click=lambda: act("counter"),
                    small=True,
                    outlined=True,
                    color="primary",
                )
                solara.Button(
                    "Hide terms" if show.value else "Edit counter terms",
                    on_click=lambda: show.set(not show.value),
                    small=True,
                    text=True,
                )
            else:
                solara.Text("last round: accept or reject", classes=["fr-muted"])
        if "counter" in allowed and show.value:
            TermFields(
                session.term_fields(offer["kind"]),
                form.value,
                lambda k, v: form.set({**form.value, k: v}),
            )


@solara.component
def Inbox(
    session: GameSession,
    offers: tuple[Mapping[str, Any], ...],
    answers: Mapping[int, tuple[str, ...]],
    on_done: Callable[[], None] | None = None,
    quarter: int = 0,
    successes: int = 0,
) -> None:
    """The "Inbox" panel: ``offers`` and ``answers`` as the session gives them; an error is
    shown until something later succeeds (``successes`` counts them)."""
    result = solara.use_reactive(None)
    batch = use_batch()

    def done(res: ActionResult) -> None:
        with batch():
            result.set((quarter, successes, res))
            if res.ok and on_done is not None:
                on_done()

    with solara.Column(classes=["fr-panel", "fr-inbox"], gap="4px"):
        heading("Inbox")
        if not offers:
            solara.Text("No offers waiting for you.", classes=["fr-muted"])
        for o in offers:
            OfferCard(session, o, tuple(answers.get(int(o["id"]), ())), done).key(
                f"offer-{o['id']}"
            )
        if current(result.value, quarter, successes):
            message(result.value[2], "inbox")
