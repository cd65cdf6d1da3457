"""What became of a decision submitted to the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome"]


@dataclass(frozen=True)
class Outcome:
    """What became of a submitted decision.

    Attributes:
        ok: True if the decision was applied, False if it was refused.
        reason: why it was refused, or (for an accepted offer that could not be signed) why not.
        offer_id: the offer opened (propose, counter).
        contract_id: the contract signed (accept).
        signed: for an accept, whether the contract was signed.
    """

    ok: bool
    reason: str = ""
    offer_id: int | None = None
    contract_id: int | None = None
    signed: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The outcome as a JSON-ready dict (unset fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}
