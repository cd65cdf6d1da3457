"""What the actor's own contracts say, for the built-in policies: which are active (by kind)
and what it owes and is owed under them each quarter.

Like :mod:`agents.tactics` (which re-exports them) the functions read only an
:class:`~game.observation.Observation` and, where given, the list of the actor's own contracts
(``mine``, which :class:`ContractMemo` keeps cheaply), and return plain numbers; no randomness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.memos import own_contracts
from agents.minmax import max2
from game.observation import Observation

__all__ = [
    "ContractMemo",
    "Mine",
    "borrowers",
    "debt_outstanding",
    "debt_service",
    "gpu_owed",
    "my_active",
    "purchase_obligations",
    "shared_active",
    "wafer_committed",
    "wafers_contracted",
]

#: The actor's own contracts, if the caller has them (None: read from the observation).
Mine = Sequence[Mapping[str, Any]] | None


class ContractMemo:
    """Mixin for a policy: the actor's own contracts without rescanning the public record.

    It remembers the positions (plain ints, so the policy still pickles) of the actor's contracts
    in ``obs.contracts``, which only ever grows at the end, and scans only what was signed since
    the last call. Call :meth:`_forget_contracts` from ``reset``.
    """

    _cm_actor: str | None = None
    _cm_seen: int = 0
    _cm_mine: tuple[int, ...] = ()

    def _forget_contracts(self) -> None:
        self._cm_actor, self._cm_seen, self._cm_mine = None, 0, ()

    def _mine(self, obs: Observation) -> list[Mapping[str, Any]]:
        """Every contract the actor is a party to (any status), oldest first."""
        cs = obs.contracts
        if self._cm_actor != obs.actor or len(cs) < self._cm_seen:
            self._cm_actor, self._cm_seen, self._cm_mine = obs.actor, 0, ()
        if len(cs) > self._cm_seen:
            me = obs.actor
            new = tuple(i for i in range(self._cm_seen, len(cs)) if me in cs[i]["parties"])
            self._cm_mine += new
            self._cm_seen = len(cs)
        return [cs[i] for i in self._cm_mine]


def my_active(obs: Observation, kind: str | None = None, mine: Mine = None) -> list[Any]:
    """Active contracts the actor is a party to (optionally of one kind).

    ``mine``: the actor's contracts if the caller has them (else the public record is scanned).
    """
    return list(shared_active(obs, kind, mine))


def shared_active(
    obs: Observation, kind: str | None = None, mine: Mine = None
) -> Sequence[Mapping[str, Any]]:
    """:func:`my_active` as a shared sequence (do not change it): the active contracts of ``mine``
    (or the actor's own), all (``kind`` None) or of one kind, oldest first.

    One pass sorts them by kind, once an observation and list: asked many times a call, of the
    same list and of several kinds, so the last one is kept in a slot of its own (checked by
    identity alone: a hot path, cheaper than the observation's memo).
    """
    global _ACTIVE
    last = _ACTIVE  # read once: another thread may replace it (the whole tuple at once)
    if last[0] is obs and (last[1] is mine or (mine is None and last[3])):
        return last[2].get(kind, _NONE)
    src = own_contracts(obs) if mine is None else mine
    every: list[Mapping[str, Any]] = []
    by_kind: dict[str | None, list[Mapping[str, Any]]] = {None: every}
    for c in src:
        if c["status"] == "active":
            every.append(c)
            group = by_kind.get(c["kind"])
            if group is None:
                by_kind[c["kind"]] = [c]
            else:
                group.append(c)
    _ACTIVE = (obs, src, by_kind, src is own_contracts(obs))
    return by_kind.get(kind, _NONE)


#: The last observation and list of contracts :func:`shared_active` was asked about (held, so
#: that neither ``id`` is reused), the active ones in it by kind, and whether the list is the
#: actor's own (:func:`~agents.memos.own_contracts`, which ``mine=None`` stands for).
_ACTIVE: tuple[Any, Any, dict[str | None, list[Mapping[str, Any]]], bool] = (None, None, {}, False)


#: What :func:`shared_active` gives for a kind the actor has no active contract of.
_NONE: tuple[Any, ...] = ()


def gpu_owed(obs: Observation, mine: Mine = None) -> float:
    """kH100e a quarter the designer owes under its active supply and vendor-financing deals."""
    return sum(
        [
            float(c["terms"]["quantity"])
            for c in shared_active(obs, None, mine)
            if c["kind"] in ("supply", "vendor_financing")
        ]
    )


def wafers_contracted(obs: Observation, mine: Mine = None) -> float:
    """k wafers a quarter the actor has reserved as a buyer under active capacity contracts."""
    return sum(
        [
            float(c["terms"]["wafers"])
            for c in shared_active(obs, "capacity", mine)
            if c["parties"][0] == obs.actor
        ]
    )


def wafer_committed(obs: Observation, mine: Mine = None) -> float:
    """k wafers a quarter a foundry has promised under active capacity contracts."""
    return sum(
        [
            float(c["terms"]["wafers"])
            for c in shared_active(obs, "capacity", mine)
            if c["parties"][1] == obs.actor
        ]
    )


def debt_service(obs: Observation, mine: Mine = None) -> float:
    """What the actor owes a quarter on the loans it has taken ($B, a cautious upper bound)."""
    out = 0.0
    for c in shared_active(obs, "loan", mine):
        if c["parties"][1] == obs.actor:
            t = c["terms"]
            out += t["principal"] / t["quarters"] + t["principal"] * t["rate"] / 4
    return out


def debt_outstanding(obs: Observation, mine: Mine = None) -> float:
    """Principal the actor still owes on the loans it has taken ($B, approximately)."""
    out = 0.0
    for c in shared_active(obs, "loan", mine):
        if c["parties"][1] == obs.actor:
            t = c["terms"]
            out += t["principal"] * max2(0.0, 1.0 - c["quarters_done"] / t["quarters"])
    return out


def borrowers(obs: Observation, mine: Mine = None) -> set[str]:
    """Who owes the actor money: the borrowers of the loans it has made that are still active.

    Args:
        obs: the lender's observation.
        mine: the actor's contracts if the caller has them (else the public record is scanned).

    Returns:
        The borrowers' names.
    """
    return {
        c["parties"][1] for c in shared_active(obs, "loan", mine) if c["parties"][0] == obs.actor
    }


def purchase_obligations(obs: Observation, mine: Mine = None) -> float:
    """What the actor owes a quarter on deliveries it has bought under contract ($B)."""
    out = 0.0
    for c in shared_active(obs, None, mine):
        kind = c["kind"]
        t = c["terms"]
        if kind in ("capacity", "supply") and c["parties"][0] == obs.actor:
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            out += (1 - t["prepay"]) * t["price"] * units / 1000
        elif kind == "vendor_financing" and c["parties"][1] == obs.actor:
            out += t["price"] * t["quantity"] / 1000
    return out
