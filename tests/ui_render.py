"""Shared helpers of the in-process UI tests: rendered pages and pressing their buttons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import ipyvuetify as v
import solara

from ui import app
from ui.end_quarter import press_end_quarter

__all__ = ["click", "rendered_pages"]


def rendered_pages() -> Iterator[Callable[[], Any]]:
    """For a fixture: a maker of rendered Pages (the start screen), all closed at the end."""
    rendered = []

    def make() -> Any:
        _box, rc = solara.render(app.Page(), handle_error=False)
        rendered.append(rc)
        return rc

    yield make
    for rc in rendered:
        rc.close()


def click(rc: Any, label: str) -> None:
    """Press the button labelled ``label`` as the page does."""
    if label == "End quarter":  # a Vue template (ui/end_quarter.vue), pressed as the page does
        assert press_end_quarter(rc), "End quarter is disabled or missing"
        return
    rc.find(v.Btn, children=[label]).widget.click()
