"""Tournament reports show every name as it is: HTML-escaped in the page, drawn literally in the
plots (no matplotlib math mode), whatever the store holds."""

from __future__ import annotations

import html
import re
import warnings

from tournament.report import write_report
from tournament.store import Store

NAMES = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "$\\frac{a}{$",  # unbalanced math: matplotlib fails at drawing time if it reads it as math
    "$x^2$ & <b>bold</b>",
]


def hostile_store(path) -> None:
    """A store of two seeds in which the candidates, scenario and field are named with markup."""
    config = {
        "scenario_name": "<img src=x onerror=alert(1)>",
        "candidates": [{"name": n} for n in NAMES],
        "roles": ["lab"],
        "field": {"name": "<i>field</i>"},
        "games": "<u>2</u>",
        "seed": 1,
    }
    store = Store(path, config, "key")
    rows, scores = [], []
    for i in range(2):
        for k, name in enumerate(NAMES):
            gid = f"lab/{i}/{name}"
            rows.append((gid, "lab", i, 100 + i, "OpenAI", name, "ok", None, 1.0, "[]", "{}"))
            scores.append((gid, "OpenAI", "lab", name, 1, float(k + i), "{}"))
    rows.append(
        (
            "lab/9/<b>x</b>",
            "lab",
            9,
            9,
            "OpenAI",
            NAMES[0],
            "failed",
            "<b>boom</b>",
            1.0,
            "[]",
            "{}",
        )
    )
    store.db.executemany("INSERT INTO games VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    store.db.executemany("INSERT INTO scores VALUES (?,?,?,?,?,?,?)", scores)
    store.close()


def test_names_in_a_report_are_shown_literally(tmp_path):
    store = tmp_path / "r.sqlite"
    hostile_store(store)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = write_report(store, tmp_path / "report")
    text = page.read_text(encoding="utf-8")
    for name in [*NAMES, "<img src=x onerror=alert(1)>", "<i>field</i>", "<u>2</u>", "<b>boom</b>"]:
        assert html.escape(name) in text, name
    body = re.sub(
        r"<(/?)(html|head|meta|title|style|body|h[123]|p|table|tr|th|td|ul|li|img)\b", "", text
    )
    assert (
        "<script" not in body and "<b>" not in body and "<img" not in body.replace("<img src='", "")
    )
    assert "<a " not in text and "href" not in text
    pngs = sorted(p.name for p in (tmp_path / "report").glob("*.png"))
    assert pngs == ["distribution-lab.png", "paired-lab.png", "rating-lab.png"]


def test_plot_labels_escape_matplotlib_math():
    import io

    from matplotlib.figure import Figure

    from tournament.report import _labels

    fig = Figure()
    ax = fig.subplots()
    ax.set_xticks(range(len(NAMES)), _labels(NAMES))
    fig.savefig(io.BytesIO(), format="png")  # an unescaped "$\\frac{a}{$" raises here
    # what matplotlib draws: the name as it is, not as math
    drawn = [t._preprocess_math(t.get_text()) for t in ax.get_xticklabels()]
    assert drawn == [(n, False) for n in NAMES]
