"""Write docs/SCENARIO_FIELDS.md: every number of a scenario file and its range.

Run ``.venv/bin/python scripts/scenario_fields_doc.py > docs/SCENARIO_FIELDS.md`` after changing a
field's range (``tests/test_bad_input.py`` fails while the page is out of date).
"""

from __future__ import annotations

from game import scenario as S
from game.scenario_fields import LONGEST_GAME, MAX_TREND_FACTOR, bounds_table

__all__ = ["render"]

PARTS = [
    ("[scenario]", S.ScenarioSpec),
    ("[rules]", S.RulesSpec),
    ("[market]", S.MarketSpec),
    ('[[actors]] with role = "lab"', S.LabSpec),
    ('[[actors]] with role = "designer"', S.DesignerSpec),
    ('[[actors]] with role = "foundry"', S.FoundrySpec),
    ('[[actors]] with role = "investor"', S.InvestorSpec),
    ("[[actors.fabs]]", S.FabSpec),
    ("[[contracts]]", S.ContractSpec),
    ("[[events]]", S.EventSpec),
    ("[scoring.reference] (each role)", S.RoleReference),
]

INTRO = """# Scenario numbers and their ranges

Every number in a scenario file must be finite and within its field's range; anything else is
refused with one message naming the file, the field and the range (`must be a number from 0 to
1e+05 (got inf)`), exit code 2. The ranges are declared in `game/scenario_parts.py` and
`game/scenario.py` (pydantic `Field(ge=..., le=...)`) and checked by `game/scenario_fields.py`;
this page is generated from them by `scripts/scenario_fields_doc.py`. A deal's terms (in
`[[contracts]]`) have the ranges of the deal kind, as in [RULES.md](RULES.md).

Files are limited too (`game/limits.py`): a scenario or policies file at most 1 MiB, arrays and
inline tables nested at most 16 deep, dotted keys and table headers of at most 16 parts.
"""


def render() -> str:
    """The page's Markdown."""
    out = [INTRO]
    for title, part in PARTS:
        rows = bounds_table(part)
        if rows:
            out += [f"## {title}", "", "| field | range | meaning |", "|---|---|---|"]
            out += [f"| `{n}` | {r} | {d.replace('|', '/')} |" for n, r, d in rows]
            out.append("")
        for t in getattr(part, "trends", ()):
            slows = f", slowed by `{t.decay}` each quarter," if t.decay else ""
            out += [
                f"`{t.growth}`{slows} compounds over the game: whatever the game's length, it "
                f"may grow at most {MAX_TREND_FACTOR:g}-fold over the longest game "
                f"({LONGEST_GAME} quarters), or the scenario is refused with the largest growth "
                f"its decay allows (with no decay, about "
                f"{t.largest_growth(0.0, 1.0):.4f} a quarter).",
                "",
            ]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
