"""The player's own books: figures, score and its breakdown, and what changed since last quarter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import solara

from ui.common import ROLE_NAMES, esc, heading, label_of, num, signed, table
from ui.score import score_table

# Shown first, in this order, when the role has them; the rest follow.
FIRST = (
    "cash",
    "revenue",
    "valuation",
    "control",
    "compute",
    "revenue_run_rate",
    "capacity",
    "capacity_building",
    "packaging_capacity",
    "utilisation",
    "wafer_price",
    "gpu_price",
    "sold",
    "market_share",
    "campus_gw",
    "licence",
)
HIDDEN = {"name", "role", "country", "score", "score_breakdown", "last_quarter"}


# A flow is booked under one reason on both sides: what you paid shows under the seller's
# reason with a minus sign. These read the way the payer sees them.
PAID_AS = {
    "gpu_sale": "GPU purchases",
    "gpu_prepayment": "GPU prepayments",
    "wafer_sale": "wafer purchases",
    "wafer_prepayment": "wafer prepayments",
    "equity": "equity investments made",
    "loan_principal": "loans made",
    "vendor_equity": "vendor financing paid out",
    "jv_fee": "venture fees paid",
    "loan_interest": "loan interest paid",
    "loan_repayment": "loan repayments",
    "lease_rent": "campus rent paid",
}
RECEIVED_AS = {
    "gpu_sale": "GPU sales",
    "wafer_sale": "wafer sales",
    "equity": "equity raised",
    "loan_principal": "loans received",
    "vendor_equity": "vendor financing received",
    "jv_fee": "venture fees earned",
    "loan_interest": "loan interest received",
    "ai_revenue": "AI revenue",
    "lease_rent": "campus rent received",
}


def flow_label(reason: str, amount: float) -> str:
    """A money flow's reason as the player reads it: ``gpu_sale`` paid is a GPU purchase."""
    names = PAID_AS if amount < 0 else RECEIVED_AS
    return names.get(reason, label_of(reason))


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _mapping_text(m: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {num(v)}" for k, v in m.items()) or "—"


def _seq_text(v: Any) -> str:
    if isinstance(v, tuple | list):
        parts = []
        for x in v:
            parts.append(" ".join(num(y) for y in x) if isinstance(x, tuple | list) else num(x))
        return "; ".join(parts) or "—"
    return num(v)


def books_rows(books: Mapping[str, Any], changes: Mapping[str, float]) -> list[list[str]]:
    keys = [k for k in FIRST if k in books] + [
        k for k in books if k not in FIRST and k not in HIDDEN
    ]
    rows = []
    for k in keys:
        v = books[k]
        if isinstance(v, Mapping):
            text = esc(_mapping_text(v))
        elif _scalar(v):
            text = esc(num(v))
        else:
            text = esc(_seq_text(v))
        d = changes.get(k)
        delta = ""
        if d is not None:
            cls = "fr-up" if d > 0 else "fr-down"
            delta = f'<span class="{cls}">{esc(signed(d))}</span>'
        rows.append([esc(label_of(k)), text, delta])
    return rows


@solara.component
def Books(
    books: Mapping[str, Any],
    changes: Mapping[str, float],
    score_changes: Mapping[str, float] | None = None,
) -> None:
    """The "Your books" panel of the seated player (re-rendered only when these change)."""
    role = books.get("role", "")
    with solara.Column(classes=["fr-panel", "fr-books"], gap="4px"):
        heading("Your books")
        solara.Text(
            f"{books.get('name', '')}, {ROLE_NAMES.get(role, role)} ({books.get('country', '')}). "
            "Money in $B; change since the last quarter began on the right.",
            classes=["fr-muted"],
        )
        score = float(books.get("score", 0.0))
        d = changes.get("score")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>Score: {score:+.3f}</b>"
            + (
                f' <span class="{"fr-up" if d > 0 else "fr-down"}">({signed(d, 3)})</span>'
                if d
                else ""
            ),
            classes=["fr-score"],
        )
        breakdown = books.get("score_breakdown") or {}
        if breakdown:
            score_table(role, breakdown, score_changes or {})
        table(
            ["figure", "now", "change"],
            books_rows(books, changes),
            numeric=[False, True, True],
            raw=True,
        )
        flows = books.get("last_quarter") or {}
        if flows:
            solara.Text("Last quarter's money flows ($B):", classes=["fr-muted"])
            table(
                ["what", "amount"],
                [[flow_label(k, float(v)), f"{float(v):+,.2f}"] for k, v in flows.items()],
                numeric=[False, True],
            )
