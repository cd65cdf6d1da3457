"""Command-line options shared by ``fabrace`` commands: which policies run in a sandbox."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["Isolate", "IsolateOption"]


class Isolate(StrEnum):
    """Which policies run in a sandbox process."""

    auto = "auto"
    always = "always"
    never = "never"


IsolateOption = Annotated[
    Isolate,
    typer.Option(
        help="Which policies run in a sandbox process: auto (policy files and plugins), always "
        "(built-ins too) or never (all in this process, trusted code only).",
        case_sensitive=False,
    ),
]
