"""Standings: each candidate's mean normalised score per role, a bootstrap CI, and a rating.

Scores are normalised within a role so that roles and scenarios can be read on one scale: on each
seed, a candidate's focal score minus the mean of all candidates' focal scores on that seed (the
paired design makes this difference free of the seed's luck), divided by the spread of the role's
focal scores. A positive mean beats the average candidate. The 95% confidence interval resamples
seeds (with all their candidates) 1,000 times. The rating is openskill's Plackett–Luce model,
updated once per seed with the candidates ranked by focal score; ``rating`` is its conservative
ordinal (mu − 3 sigma).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["Standing", "normalised", "rating_history", "standings"]

BOOTSTRAP = 1000


@dataclass(frozen=True)
class Standing:
    """One candidate's line in a role's table."""

    policy: str
    games: int
    mean: float
    ci_low: float
    ci_high: float
    raw_mean: float
    rating: float
    rank: int = 0

    def to_json(self) -> dict[str, float | int | str | None]:
        """JSON-ready; a number that does not exist (no finished game) is ``None``, not NaN."""

        def num(v: float) -> float | None:
            return round(v, 6) if math.isfinite(v) else None

        return {
            "policy": self.policy,
            "games": self.games,
            "mean": num(self.mean),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "raw_mean": num(self.raw_mean),
            "rating": num(self.rating),
            "rank": self.rank,
        }


def _by_role(rows: Iterable[tuple[str, int, str, float]]) -> dict[str, dict[int, dict[str, float]]]:
    out: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for role, seed_index, policy, score in rows:
        out[role][seed_index][policy] = score
    return out


def normalised(seeds: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Each seed's scores minus the seed's mean, over the role's spread of scores."""
    allscores = [s for by_p in seeds.values() for s in by_p.values()]
    spread = float(np.std(allscores)) if len(allscores) > 1 else 0.0
    scale = spread if spread > 1e-12 else 1.0
    out = {}
    for i, by_p in seeds.items():
        centre = sum(by_p.values()) / len(by_p)
        out[i] = {p: (s - centre) / scale for p, s in by_p.items()}
    return out


def rating_history(
    seeds: dict[int, dict[str, float]], policies: list[str]
) -> list[dict[str, float]]:
    """openskill Plackett–Luce ordinal rating of each policy after each seed (in seed order)."""
    from openskill.models import PlackettLuce

    model = PlackettLuce()
    ratings = {p: model.rating(name=p) for p in policies}
    history = []
    for i in sorted(seeds):
        by_p = seeds[i]
        present = [p for p in policies if p in by_p]
        if len(present) >= 2:
            new = model.rate([[ratings[p]] for p in present], scores=[by_p[p] for p in present])
            for p, team in zip(present, new, strict=True):
                ratings[p] = team[0]
        history.append({p: ratings[p].ordinal() for p in policies})
    return history


def standings(
    rows: Iterable[tuple[str, int, str, float]],
    policies: list[str],
    roles: list[str],
    seed: int = 0,
) -> dict[str, list[Standing]]:
    """The standings per role from (role, seed index, policy, focal score) rows."""
    data = _by_role(rows)
    rng = np.random.default_rng(seed)
    out: dict[str, list[Standing]] = {}
    for role in roles:
        seeds = data.get(role, {})
        norm = normalised(seeds) if seeds else {}
        idx = sorted(norm)
        hist = rating_history(seeds, policies) if seeds else []
        final = hist[-1] if hist else {}
        resample = rng.integers(len(idx), size=(BOOTSTRAP, len(idx))) if idx else None
        lines = []
        for p in policies:
            xs = np.array([norm[i].get(p, math.nan) for i in idx])
            raw = [seeds[i][p] for i in idx if p in seeds[i]]
            ok = ~np.isnan(xs) if len(xs) else np.array([], bool)
            n = int(ok.sum())
            if n == 0:
                lines.append(Standing(p, 0, math.nan, math.nan, math.nan, math.nan, math.nan))
                continue
            mean = float(xs[ok].mean())
            boots = np.nanmean(xs[resample], axis=1) if resample is not None else np.array([mean])
            lo, hi = (float(v) for v in np.nanpercentile(boots, [2.5, 97.5]))
            lines.append(
                Standing(p, n, mean, lo, hi, float(np.mean(raw)), float(final.get(p, math.nan)))
            )
        ranked = sorted(
            lines, key=lambda s: (-(s.mean if not math.isnan(s.mean) else -1e18), s.policy)
        )
        out[role] = [Standing(**{**s.__dict__, "rank": k + 1}) for k, s in enumerate(ranked)]
    return out
