"""Tournament reports: an HTML page with the standings and PNG plots, from a results store.

Plots (matplotlib, the ``report`` extra): the distribution of normalised focal scores per role
and policy; the paired-difference matrix per role (mean of row minus column over the seeds both
played); and each policy's rating over the seeds played.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from tournament.standings import normalised, rating_history, standings
from tournament.store import Store

__all__ = ["ReportError", "write_report"]


class ReportError(Exception):
    """A report that cannot be written (no plotting library, unwritable folder, no results)."""


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _plain(text: str) -> str:
    """Text matplotlib draws as it is: a ``$`` would start its math mode (``$x^2$`` drawn as a
    formula, an unbalanced one an error at drawing time)."""
    return text.replace("$", r"\$")


def _labels(policies: list[str]) -> list[str]:
    """Short names for plot axes: a policy file is named by its file name, not its whole path
    (long paths squeeze the plots to nothing); the full names if that would be ambiguous.
    Names are drawn literally (see :func:`_plain`)."""
    short = []
    for p in policies:
        path, colon, cls = p.rpartition(":")
        short.append(f"{Path(path).name}:{cls}" if colon and "/" in path else p)
    return [_plain(s) for s in (short if len(set(short)) == len(short) else policies)]


def _num(v: float, fmt: str) -> str:
    return "-" if math.isnan(v) else format(v, fmt)


def write_report(store_path: str | Path, out: str | Path) -> Path:
    """Write ``index.html`` and its PNG plots into ``out``; return the page's path.

    Raises:
        ReportError: if matplotlib is missing, the folder cannot be written, or there are no
            finished games.
        tournament.store.StoreError: if the store cannot be read.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError("reports need matplotlib: pip install -e '.[report]'") from None
    store = Store(store_path, None, None, readonly=True)
    try:
        cfg = store.config or {}
        policies = [c["name"] for c in cfg.get("candidates", [])]
        roles = list(cfg.get("roles", []))
        rows = list(store.focal_scores())
        counts = store.counts()
        failures = store.failures(20)
    finally:
        store.close()
    if not rows:
        raise ReportError(f"{store_path}: no finished games to report on")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise ReportError(f"{out}: cannot write the report here ({e.strerror or e})") from None

    by_role: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for role, i, p, s in rows:
        by_role[role][i][p] = s
    table = standings(rows, policies, roles)
    labels = _labels(policies)
    images: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for role in roles:
        seeds = by_role.get(role)
        if not seeds:
            continue
        norm = normalised(seeds)
        # 1. distributions
        fig = _figure(1.6 + 1.1 * len(policies), 3.6)
        ax = fig.subplots()
        data = [[norm[i][p] for i in norm if p in norm[i]] for p in policies]
        ax.boxplot(data, tick_labels=labels, showmeans=True)
        ax.axhline(0, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{_plain(role)}: normalised focal score per seed")
        ax.set_ylabel("score − seed mean (role sd units)")
        name = f"distribution-{role}.png"
        fig.savefig(out / name)
        images[role].append((name, "Score distributions"))
        # 2. paired differences
        n = len(policies)
        mat = [[math.nan] * n for _ in range(n)]
        for a, pa in enumerate(policies):
            for b, pb in enumerate(policies):
                ds = [
                    seeds[i][pa] - seeds[i][pb] for i in seeds if pa in seeds[i] and pb in seeds[i]
                ]
                if ds and a != b:
                    mat[a][b] = sum(ds) / len(ds)
        fig = _figure(1.8 + 0.9 * n, 1.2 + 0.8 * n)
        ax = fig.subplots()
        finite = [abs(v) for r in mat for v in r if not math.isnan(v)] or [1.0]
        lim = max(finite) or 1.0
        im = ax.imshow(mat, cmap="RdBu", vmin=-lim, vmax=lim)
        ax.set_xticks(range(n), labels, rotation=30, ha="right")
        ax.set_yticks(range(n), labels)
        for a in range(n):
            for b in range(n):
                if not math.isnan(mat[a][b]):
                    ax.text(b, a, f"{mat[a][b]:+.2f}", ha="center", va="center", fontsize=8)
        ax.set_title(f"{_plain(role)}: mean paired difference (row − column)")
        fig.colorbar(im, ax=ax, shrink=0.8)
        name = f"paired-{role}.png"
        fig.savefig(out / name)
        images[role].append((name, "Paired differences"))
        # 3. rating over games
        hist = rating_history(seeds, policies)
        fig = _figure(6.4, 3.4)
        ax = fig.subplots()
        for p, label in zip(policies, labels, strict=True):
            ax.plot(range(1, len(hist) + 1), [h[p] for h in hist], label=label)
        ax.set_xlabel("seeds played")
        ax.set_ylabel("rating (Plackett–Luce ordinal)")
        ax.set_title(f"{_plain(role)}: rating over games")
        ax.legend(fontsize=8)
        name = f"rating-{role}.png"
        fig.savefig(out / name)
        images[role].append((name, "Rating over games"))

    esc = html.escape
    field_name = (cfg.get("field") or {}).get("name", "drawn from the candidates")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Fab Race tournament — {esc(str(cfg.get('scenario_name', '')))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
        "padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{padding:.3em .8em;"
        "border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:"
        "left}img{max-width:100%;margin:.5em 0}</style></head><body>",
        f"<h1>Fab Race tournament: {esc(str(cfg.get('scenario_name', '')))}</h1>",
        f"<p>{len(policies)} candidate policies, {esc(str(cfg.get('games')))} seeds per role, "
        f"seed {esc(str(cfg.get('seed')))}; field: {esc(str(field_name))}. "
        f"Games finished: {counts.get('ok', 0)}; failed: {counts.get('failed', 0)}.</p>",
        "<p>Paired design: on every seed each candidate sits in the focal seat against the same "
        "field. Mean = normalised focal score (score minus the seed's mean over candidates, in "
        "units of the role's spread); 95% CI by bootstrap over seeds; rating = openskill "
        "Plackett–Luce ordinal.</p>",
    ]
    for role in roles:
        parts.append(
            f"<h2>{esc(str(role))}</h2><table><tr><th>rank</th><th>policy</th><th>games</th>"
            "<th>mean</th><th>95% CI</th><th>raw score</th><th>rating</th></tr>"
        )
        for s in table.get(role, []):
            ci = "-" if s.games == 0 else f"[{s.ci_low:+.3f}, {s.ci_high:+.3f}]"
            parts.append(
                f"<tr><td>{s.rank if s.games else '-'}</td><td>{esc(s.policy)}</td>"
                f"<td>{s.games}</td><td>{_num(s.mean, '+.3f')}</td><td>{ci}</td>"
                f"<td>{_num(s.raw_mean, '+.3f')}</td><td>{_num(s.rating, '.2f')}</td></tr>"
            )
        parts.append("</table>")
        for name, title in images.get(role, []):
            parts.append(f"<h3>{esc(title)}</h3><img src='{esc(name)}' alt='{esc(title)}'>")
    if failures:
        parts.append("<h2>Failed games</h2><ul>")
        parts.extend(f"<li>{esc(str(i))}: {esc(str(e or ''))}</li>" for i, e in failures)
        parts.append("</ul>")
    parts.append("</body></html>")
    page = out / "index.html"
    page.write_text("\n".join(parts), encoding="utf-8")
    return page
