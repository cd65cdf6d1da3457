"""The basic bot: a plain, role-aware policy that plays legal, sensible moves.

It raises money when its runway is short, buys compute it can afford and power, prices near the
profit-maximising price (higher only when its supply runs short), builds only against demand,
and answers offers by comparing their terms with public prices and valuations, asking better terms
of counterparties it trusts less.

Per role:

- **lab** — raises equity (or borrows) when its runway is short; buys accelerators with a share of
  its spare cash, but never more than its power (own campuses, leases, outside clouds) can run;
  when power binds, leases campus GW from investors at a fair rent, and builds a campus of its own
  when it has the cash and the time; starts its own chip programme only when the saving on what
  it will buy before the game ends repays the programme; then buys wafers for its own chips.
- **designer** — prices at the profit-maximising price of the kinked outside demand (the
  reference price, unless its cost is high), raised toward the market-clearing price when what it
  can sell this quarter falls short; buys the wafers the demand it expects needs, within the
  foundries' packaging; reserves a steady base under contract; answers a lab's own chip
  programme with a supply contract at a discount.
- **foundry** — prices wafers at the reference, higher only while it sells out; adds packaging
  when the chip makers' wafers fill it, and fabs when it runs full and its capacity is promised.
- **investor** — buys equity in growing companies and lends; builds a campus when labs run short
  of power (a Gulf fund only with an export licence), leases it to them at a fair rent, and fills
  what is left with accelerators of its own.
"""

from __future__ import annotations

from typing import ClassVar

from agents.basic.designer import DesignerPlay
from agents.basic.foundry import FoundryPlay
from agents.basic.investor import InvestorPlay
from agents.basic.lab import LabPlay
from agents.policy import Param

__all__ = ["BasicPolicy"]


class BasicPolicy(LabPlay, DesignerPlay, FoundryPlay, InvestorPlay):
    """A simple, sensible bot for every role."""

    name = "basic"
    description = "plain role-aware bot: buys what its power runs, prices near the optimum"
    parameters: ClassVar[dict[str, Param]] = {
        "risk": Param(0.5, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "margin": Param(0.05, 0.0, 0.5, "how far from a fair price it accepts without countering"),
        "trust_weight": Param(
            0.4, 0.0, 2.0, "how much better terms it asks of a counterparty it trusts less"
        ),
    }
