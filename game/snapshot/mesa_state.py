"""Mesa's parts of a game: its clock, default schedule, generators and agent ids, and its charts.

The ``mesa`` section holds what ``mesa.Model`` keeps for itself (``steps``, ``time``,
``agent_id_counter``, ``running``, ``model.random``, ``model.rng``); restoring it also moves the
default schedule's next step after the restored clock. The ``datacollector`` section holds the
rows the model's ``DataCollector`` collected (its reporters are rebuilt with the model).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from mesa.time import EventGenerator, Priority, Schedule

from game.snapshot.attributes import same_keys
from game.snapshot.decoding import decode
from game.snapshot.encoding import encode
from game.snapshot.errors import SnapshotError
from game.snapshot.validation import conform_all

#: DataCollector attributes that are its reporters (functions), rebuilt with the model.
_REPORTERS = frozenset({"model_reporters", "agent_reporters", "agenttype_reporters"})
#: What the ``mesa`` section holds.
_MESA_FIELDS = ["steps", "time", "agent_id_counter", "running", "random", "rng"]


def save_mesa(model: Any) -> Any:
    """The ``mesa`` section: Mesa's clock, agent ids, ``running`` and random generators."""
    return encode({k: getattr(model, k) for k in _MESA_FIELDS})


def restore_mesa(model: Any, raw: Any) -> None:
    """Mesa's clock, generators and agent ids (the default schedule is moved to the clock)."""
    try:
        m = decode(raw)
    except SnapshotError as e:
        raise SnapshotError(f"damaged snapshot: mesa: {e}") from None
    same_keys(m, _MESA_FIELDS, "mesa")
    steps, time, ids = m["steps"], m["time"], m["agent_id_counter"]
    if type(steps) is not int or steps < 0 or type(ids) is not int or ids < 1:
        raise SnapshotError("damaged snapshot: mesa: steps and agent ids must be whole numbers")
    if type(time) not in (int, float) or not 0 <= time < 1e15 or type(m["running"]) is not bool:
        raise SnapshotError("damaged snapshot: mesa: time must be a number, running a boolean")
    if type(m["random"]) is not random.Random or type(m["rng"]) is not np.random.Generator:
        raise SnapshotError("damaged snapshot: mesa: random and rng must be generators")

    # Mesa 3.5's step() runs the default schedule's next event: put it one step after the clock.
    model._default_schedule.stop()
    model._event_list.compact()
    model.steps = steps
    model.time = float(time)
    gen = EventGenerator(
        model, model._do_step, Schedule(interval=1.0, start=float(time) + 1.0), Priority.HIGH
    ).start()
    gen._execution_count = steps
    model._default_schedule = gen
    model.agent_id_counter = ids
    model.running = m["running"]
    model.random.setstate(m["random"].getstate())  # in place: agent sets share this one
    model.rng.bit_generator.state = m["rng"].bit_generator.state


def save_datacollector(model: Any) -> Any:
    """The ``datacollector`` section: the rows collected for charts, without the reporters."""
    dc = model.datacollector
    return encode({k: v for k, v in vars(dc).items() if k not in _REPORTERS})


def restore_datacollector(model: Any, raw: Any) -> None:
    """The rows collected for charts, into the fresh game's ``DataCollector``."""
    dc = model.datacollector
    try:
        got = decode(raw)
    except SnapshotError as e:
        raise SnapshotError(f"damaged snapshot: datacollector: {e}") from None
    expected = [k for k in vars(dc) if k not in _REPORTERS]
    same_keys(got, expected, "datacollector")
    conform_all(got, dc, "datacollector")
    if set(got["model_vars"]) != set(dc.model_vars):
        raise SnapshotError("damaged snapshot: datacollector: other series than the game's")
    vars(dc).update(got)
