"""The deal builder: every deal kind, its terms as form fields, a live check of what the deal would
cost and whether it is valid (``GameSession.preview``) before anything is sent, and the bot's
answer as soon as it is sent.

Number fields are text fields: whatever is typed goes to the session, which says what is wrong
with it (empty, not a number, out of range) without touching the game.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara

from ui.common import KIND_NAMES, consequences_html, current, heading, message, num, use_batch
from ui.session import ActionResult, GameSession

KINDS = tuple(KIND_NAMES)


def default_terms(kind: str, market: Mapping[str, float]) -> dict[str, str]:
    """Starting values for a kind's form (a suggestion to edit, not a rule)."""
    gpu = float(market.get("gpu_reference_price", 30.0))
    wafer = float(market.get("wafer_reference_price", 17.0))
    table: dict[str, dict[str, Any]] = {
        "equity": {"amount": 2.0, "stake": 0.02},
        "loan": {"principal": 2.0, "rate": 0.08, "quarters": 8},
        "capacity": {"wafers": 10.0, "quarters": 8, "price": round(wafer, 2), "prepay": 0.2},
        "supply": {"quantity": 20.0, "quarters": 8, "price": round(gpu, 2), "prepay": 0.2},
        "joint_venture": {
            "site": "taiwan",
            "node": "N3",
            "capacity": 20.0,
            "partner_capex_share": 0.5,
            "partner_output_share": 0.5,
            "operator_fee": 0.1,
        },
        "vendor_financing": {
            "amount": 1.0,
            "stake": 0.01,
            "quantity": 20.0,
            "quarters": 8,
            "price": round(gpu, 2),
        },
    }
    return {
        k: (v if isinstance(v, str) else num(v, 4).rstrip("0").rstrip("."))
        for k, v in table.get(kind, {}).items()
    }


def field_label(name: str, bounds: Mapping[str, Any]) -> str:
    """``stake (fraction, 0–0.5)``."""
    parts = []
    if bounds.get("unit"):
        parts.append(str(bounds["unit"]))
    if bounds.get("lo") is not None and bounds.get("hi") is not None:
        lo, hi = bounds["lo"], bounds["hi"]
        op = "<" if bounds.get("lo_open") else "≤"
        parts.append(f"{lo:g} {op} x ≤ {hi:g}")
    if bounds.get("integer"):
        parts.append("whole")
    return f"{name.replace('_', ' ')} ({', '.join(parts)})" if parts else name.replace("_", " ")


@solara.component
def TermFields(
    fields: Mapping[str, Mapping[str, Any]],
    values: Mapping[str, str],
    on_value: Callable[[str, str], None],
    continuous: bool = True,
) -> None:
    """One form field per term: a choice list or a text field for a number."""
    with solara.Row(classes=["fr-fields"], gap="8px", style={"flex-wrap": "wrap"}):
        for name, b in fields.items():
            label = field_label(name, b)
            if b.get("choices"):
                solara.Select(
                    label=label,
                    values=list(b["choices"]),
                    value=values.get(name) or None,
                    on_value=lambda v, name=name: on_value(name, v or ""),
                    dense=True,
                    style={"min-width": "140px", "max-width": "200px"},
                )
            else:
                solara.InputText(
                    label=label,
                    value=str(values.get(name, "")),
                    on_value=lambda v, name=name: on_value(name, v or ""),
                    continuous_update=continuous,
                    dense=True,
                    style={"min-width": "140px", "max-width": "220px"},
                )


@solara.component
def DealBuilder(
    session: GameSession,
    version: Any,
    selected: Any = None,
    on_done: Callable[[], None] | None = None,
) -> None:
    """The "Deal builder" panel. ``selected`` is ``(name, n)`` after a click on the graph."""
    others = [n for n, _ in session.actors() if n != session.seat]
    partners = session.deal_partners()
    # the first kind the player can propose, to its first partner (computed once: a changing
    # argument to use_reactive would reset the choice)
    first = solara.use_memo(lambda: next(iter(partners), KINDS[0]), dependencies=[session])
    kind = solara.use_reactive(first)
    to = solara.use_memo(
        lambda: (list(partners.get(first, ())) or others or [None])[0], dependencies=[session]
    )
    recipient = solara.use_reactive(to)
    forms = solara.use_reactive({})  # kind -> {term: text}
    result = solara.use_reactive(None)
    batch = use_batch()
    market = solara.use_memo(session.market, dependencies=[session])

    def pick(sel: Any) -> None:
        if not sel:
            return
        name = sel[0] if isinstance(sel, tuple) else sel
        if name not in others:
            return
        recipient.set(name)
        ok = [k for k, names in partners.items() if name in names]
        if ok and kind.value not in ok:
            kind.set(ok[0])
        result.set(None)

    solara.use_effect(lambda: pick(selected), [selected])

    form = dict(forms.value.get(kind.value) or default_terms(kind.value, market))

    def set_term(name: str, text: str) -> None:
        new = dict(forms.value)
        new[kind.value] = {**form, name: text}
        forms.set(new)

    preview = session.preview(recipient.value or "", kind.value, form)

    def send() -> None:
        res = session.propose(recipient.value or "", kind.value, form)
        if res.ok and res.offer:
            res = ActionResult(res.ok, f"Offer #{res.offer['id']}: {res.message}", res.offer)
        with batch():
            result.set((session.quarter_index, version, res))
            if res.ok and on_done is not None:
                on_done()

    with solara.Column(classes=["fr-panel", "fr-deals"], gap="4px"):
        heading("Deal builder")
        left = session.proposals_left()
        solara.Text(
            f"New offers left this quarter: {left}. Who may take this kind of deal from you: "
            + (", ".join(partners.get(kind.value, ())) or "nobody"),
            classes=["fr-muted"],
        )
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Select(
                label="Deal kind",  # codes as in the rules: equity, loan, capacity, ...
                values=list(KINDS),
                value=kind.value,
                on_value=lambda v: (kind.set(v), result.set(None)),
                style={"min-width": "200px", "max-width": "240px"},
            )
            solara.Select(
                label="To",
                values=others,
                value=recipient.value,
                on_value=lambda v: (recipient.set(v), result.set(None)),
                style={"min-width": "160px", "max-width": "220px"},
            )
        TermFields(session.term_fields(kind.value), form, set_term)
        if preview.valid:
            solara.Info(preview.message, dense=True, classes=["fr-preview", "fr-preview-ok"])
            lines = session.consequences(kind.value, preview.terms, recipient.value or "")
            if lines:
                solara.HTML(tag="div", unsafe_innerHTML=consequences_html(lines))
        else:
            solara.Warning(
                f"Not valid: {preview.message}", dense=True, classes=["fr-preview", "fr-error"]
            )
        with solara.Row(gap="8px"):
            solara.Button("Send offer", on_click=send, color="primary", classes=["fr-send"])
        if current(result.value, session.quarter_index, version):
            # the answer, until the quarter ends (an error: until something succeeds)
            message(result.value[2], "deal")
