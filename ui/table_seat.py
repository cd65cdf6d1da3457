"""A person's seat at a table, as the one-player game page uses a session.

:class:`TableSeat` reads through the seat's view of the table's game (books, inbox, previews: the
same as a one-player :class:`~ui.session.GameSession`) and acts through the table with the seat's
token (:meth:`~ui.tables.Table.propose`, ...), so the table checks the token, the pause and the
end of the game. A refusal comes back as an :class:`~ui.session.ActionResult` with the table's
message, never as an exception on the page.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ui.session import ActionResult
from ui.tables import SeatView, Table, TableError

__all__ = ["TableSeat"]


class TableSeat:
    """The page's session for one seat at ``table``, held with the seat's secret ``token``.

    Raises:
        TableError: if the token holds no seat at the table.
    """

    read_only = False

    def __init__(self, table: Table, token: str) -> None:
        self.table = table
        self.token = token
        self.seat: str = table.seat_of(token)
        self._last: SeatView = table.view(token)

    def _view(self) -> SeatView:
        """The seat's view; the last one seen once the seat is lost (the page then says so)."""
        with contextlib.suppress(TableError):
            self._last = self.table.view(self.token)
        return self._last

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("table", "token", "_last"):
            raise AttributeError(name)
        return getattr(self._view(), name)

    # -- the seat --------------------------------------------------------------------------------
    def seated(self) -> bool:
        """Whether the token still holds the seat (the host may have given it to a bot, or the
        person handed it back from another tab)."""
        try:
            return self.table.seat_of(self.token) == self.seat
        except TableError:
            return False

    def display_name(self) -> str:
        return str(self.table.seats[self.seat].name or "")

    def has_ended(self) -> bool:
        """Whether this person has pressed End quarter in the quarter shown."""
        return self.seated() and self.table.seats[self.seat].ended

    @property
    def finished(self) -> bool:
        return self.table.finished

    # -- acting through the table ----------------------------------------------------------------
    def _through(self, act: Any, *args: Any) -> ActionResult:
        try:
            return act(self.token, *args)  # type: ignore[no-any-return]
        except TableError as e:
            return ActionResult(False, str(e))

    def propose(self, recipient: str, kind: str, raw: dict[str, Any]) -> ActionResult:
        return self._through(self.table.propose, recipient, kind, raw)

    def accept(self, offer_id: int) -> ActionResult:
        return self._through(self.table.accept, offer_id)

    def reject(self, offer_id: int) -> ActionResult:
        return self._through(self.table.reject, offer_id)

    def counter(self, offer_id: int, raw: dict[str, Any]) -> ActionResult:
        return self._through(self.table.counter, offer_id, raw)

    def move(self, move_type: str, raw: dict[str, Any]) -> ActionResult:
        return self._through(self.table.move, move_type, raw)

    def end_quarter(self, expected: int | None = None) -> ActionResult:
        """This person is done with the quarter shown (``expected``: the quarter pressed in)."""
        q = self.table.quarter_index if expected is None else expected
        return self._through(self.table.end_quarter, q)

    def hand_back(self) -> ActionResult:
        """Leave the seat: it is free for someone else (the game goes on)."""
        try:
            actor = self.table.hand_back(self.token)
        except TableError as e:
            return ActionResult(False, str(e))
        return ActionResult(True, f"you left {actor}'s seat")

    def log_text(self) -> str:
        """The table's log so far (it replays like any other game)."""
        return self.table.log_text()

    def series(self) -> tuple[Any, Any]:
        """The charts' series without the scores: a score is private (``Actor.private``)
        until the scorecard at the end; so every seat of a table sees the same charts."""
        model_df, agent_df = self._view().series()
        if self.table.finished or "score" not in agent_df:
            return model_df, agent_df
        return model_df, agent_df.drop(columns=["score"])
