"""The document of a game: what a snapshot holds, :func:`snapshot` to write it, :func:`restore`.

A document carries the scenario itself and how the game was made (its header), each seat's policy
(:mod:`~game.snapshot.seats`), Mesa's state (:mod:`~game.snapshot.mesa_state`), and the game's own
attributes and each actor's (:mod:`~game.snapshot.attributes`), written by the codec
(:mod:`~game.snapshot.encoding`). :func:`restore` builds a fresh model from the scenario the
document carries, checks each section against it and overwrites its state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from game.scenario import ScenarioError, scenario_from_dict
from game.snapshot.attributes import (
    actor_keys,
    prepare_types,
    reset_caches,
    same_keys,
    state_keys,
)
from game.snapshot.decoding import Decoder
from game.snapshot.encoding import Encoder
from game.snapshot.errors import Fail, SnapshotError, short
from game.snapshot.mesa_state import (
    restore_datacollector,
    restore_mesa,
    save_datacollector,
    save_mesa,
)
from game.snapshot.seats import Seats, restore_seats, save_seat
from game.snapshot.validation import conform_all

if TYPE_CHECKING:  # game.model imports this package: the model is loaded lazily at run time
    from game.model import FabRaceModel

#: Version of the document format. Bump it whenever the saved state changes shape (a field or a
#: class added, renamed or removed): a document is only read by the version that wrote it.
FORMAT_VERSION = 1
#: The ``format`` of every snapshot document.
FORMAT_NAME = "fabrace-snapshot"


def _spec_paths(spec: Any) -> dict[int, str]:
    """Every pydantic part of the scenario, by id: written as references to the scenario."""
    out: dict[int, str] = {}

    def walk(x: Any, path: str) -> None:
        if isinstance(x, BaseModel):
            out.setdefault(id(x), path)
            for name in type(x).model_fields:
                walk(getattr(x, name), f"{path}.{name}" if path else name)
        elif isinstance(x, list | tuple):
            for i, v in enumerate(x):
                walk(v, f"{path}.{i}" if path else str(i))

    walk(spec, "")
    return out


def snapshot(model: FabRaceModel) -> dict[str, Any]:
    """The whole state of a game as a JSON-serialisable document.

    The document carries the scenario, seed, length and time budget; the game's own attributes
    and each actor's; Mesa's clock, random generators and agent ids; the data collected for
    charts; and each seat's policy (label, and state where the policy gives it through
    ``get_state()``). Caches and the recorder are not saved.

    Raises:
        SnapshotError: naming the first part of the state the codec cannot carry.
    """
    prepare_types(model)
    actor_ids = {id(a): a.name for a in model.actor_list}
    enc = Encoder(actor_ids, model, _spec_paths(model.spec))
    try:
        state = enc.enc({k: getattr(model, k) for k in state_keys(model)})
    except Fail as e:
        raise e.error("cannot save", "model") from None
    actors: dict[str, Any] = {}
    for a in model.actor_list:
        try:
            body = enc.enc({k: getattr(a, k) for k in actor_keys(a)})
        except Fail as e:
            raise e.error("cannot save", f"actor {a.name}") from None
        actors[a.name] = {"class": type(a).__qualname__, "state": body}
    spec = model.spec
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "scenario": {
            "name": spec.name,
            "source": spec.source,
            "digest": spec.digest,
            "spec": spec.model_dump(mode="json"),
        },
        "seed": model.seed,
        "quarters": model.n_quarters,
        "decision_seconds": model.decision_seconds,
        "quarter": model.quarter_index,
        "label": model.label,
        "finished": model.finished,
        "seats": {a.name: save_seat(model, a.name) for a in model.actor_list},
        "mesa": save_mesa(model),
        "datacollector": save_datacollector(model),
        "state": state,
        "actors": actors,
    }


_UNSET: Any = object()


def restore(
    doc: Any,
    policies: Seats = None,
    *,
    recorder: Callable[[dict[str, Any]], None] | None = None,
    decision_seconds: float | None = _UNSET,
    model_class: type[FabRaceModel] | None = None,
) -> FabRaceModel:
    """Rebuild a game from a :func:`snapshot` document; played on, it gives the same results.

    Args:
        doc: the document (as :func:`snapshot` returned it, or parsed back from JSON).
        policies: who plays each seat: a mapping of actor name to policy (``None`` for outside
            control), or a factory ``(actor_name, role, policy_label) -> policy``. Seats a
            mapping does not name are driven from outside. The engine never builds policies
            itself (``agents.snapshots.restore_game`` does, through the policy registry).
            A policy is seated as given (not reset); if it has ``set_state`` and the document
            saved the state of a policy with the same label, its state is restored.
        recorder: called with every record from now on (a restored game has none otherwise).
        decision_seconds: the time budget of a policy call (default: the saved game's).
        model_class: the model class to build (default: ``FabRaceModel``).

    Raises:
        SnapshotError: if the document is of another format version, damaged, or does not
            describe a game this engine can play; the message says where and why.
    """
    if model_class is None:
        from game.model import FabRaceModel

        model_class = FabRaceModel
    try:
        return _restore(doc, policies, recorder, decision_seconds, model_class)
    except SnapshotError:
        raise
    except Fail as e:
        raise e.error("damaged snapshot:", "document") from None
    except RecursionError:
        raise SnapshotError("damaged snapshot: nested too deep") from None
    except Exception as e:  # a damaged document must never surface as a crash deep inside
        raise SnapshotError(f"damaged snapshot: {type(e).__name__}: {short(str(e), 200)}") from e


def _field(doc: Mapping[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    """A field of the document, which must be there and of one of ``kinds``."""
    if key not in doc:
        raise SnapshotError(f"damaged snapshot: no {key!r} ({what})")
    v = doc[key]
    if type(v) not in kinds:
        raise SnapshotError(f"damaged snapshot: {key!r} must be {what}, got {short(v)}")
    return v


def _restore(
    doc: Any,
    policies: Seats,
    recorder: Callable[[dict[str, Any]], None] | None,
    decision_seconds: float | None,
    model_class: type[FabRaceModel],
) -> FabRaceModel:
    """:func:`restore`'s work: the header, a fresh game, its state, Mesa's, the seats."""
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT_NAME:
        raise SnapshotError(
            f"not a Fab Race snapshot (a document with format {FORMAT_NAME!r} expected)"
        )
    version = doc.get("version")
    if version != FORMAT_VERSION or type(version) is not int:
        raise SnapshotError(
            f"snapshot format version {short(version)} cannot be read by this Fab Race, "
            f"which reads version {FORMAT_VERSION}"
        )
    scen = _field(doc, "scenario", (dict,), "the scenario")
    seed = _field(doc, "seed", (int,), "a whole number")
    quarters = _field(doc, "quarters", (int,), "a whole number")
    saved_budget = _field(doc, "decision_seconds", (int, float, type(None)), "seconds or null")
    quarter = _field(doc, "quarter", (int,), "a whole number")
    seats = _field(doc, "seats", (dict,), "the seats")
    for key in ("mesa", "datacollector", "state", "actors"):
        _field(doc, key, (dict,), "an object")
    if not isinstance(scen.get("spec"), dict):
        raise SnapshotError("damaged snapshot: 'scenario' has no 'spec' (the scenario itself)")
    digest = str(scen.get("digest", ""))
    try:
        spec = scenario_from_dict(scen["spec"], source="snapshot scenario", digest=digest)
    except ScenarioError as e:
        raise SnapshotError(f"damaged snapshot: {e}") from None
    spec = spec.model_copy(update={"source": str(scen.get("source", "")), "digest": digest})
    names = [a.name for a in spec.actors]
    if list(seats) != names or list(doc["actors"]) != names:
        raise SnapshotError(
            "damaged snapshot: its seats and actors must be the scenario's actors, in order "
            f"({', '.join(names)})"
        )
    budget = saved_budget if decision_seconds is _UNSET else decision_seconds
    try:
        model = model_class(
            spec,
            seed=seed,
            policies=dict.fromkeys(names),  # nobody plays while the fresh game is built
            quarters=quarters,
            decision_seconds=budget,
        )
    except ValueError as e:
        raise SnapshotError(f"damaged snapshot: {e}") from None

    # -- the game's state and the actors', over the fresh game's; their fields are checked before
    # decoding (which keeps a plain object's keys as they are)
    prepare_types(model)
    same_keys(doc["state"], state_keys(model), "the game's state", model)
    for a in model.actor_list:
        entry = doc["actors"][a.name]
        if not isinstance(entry, dict) or entry.get("class") != type(a).__qualname__:
            raise SnapshotError(
                f"damaged snapshot: actor {a.name} must be a {type(a).__qualname__}"
            )
        same_keys(entry.get("state"), actor_keys(a), f"actor {a.name}", a)
    dec = Decoder(model.actors_by_name, model, model.spec)
    try:
        state = dec.dec(doc["state"])
    except Fail as e:
        raise e.error("damaged snapshot:", "state") from None
    conform_all(state, model, "state")
    bodies: dict[str, dict[str, Any]] = {}
    for a in model.actor_list:
        try:
            body = dec.dec(doc["actors"][a.name]["state"])
        except Fail as e:
            raise e.error("damaged snapshot:", f"actor {a.name}") from None
        conform_all(body, a, f"actor {a.name}")
        bodies[a.name] = body
    vars(model).update(state)
    for a in model.actor_list:
        vars(a).update(bodies[a.name])
    if model.quarter_index != quarter:
        raise SnapshotError(
            f"damaged snapshot: 'quarter' is {quarter} but the state is in quarter "
            f"{model.quarter_index}"
        )

    restore_mesa(model, doc["mesa"])
    restore_datacollector(model, doc["datacollector"])
    reset_caches(model)
    restore_seats(model, seats, policies)
    try:  # the restored game must at least describe itself
        model.digest()
        for name in names:
            model.observe(name)
    except Exception as e:
        raise SnapshotError(
            f"damaged snapshot: the restored game is not playable "
            f"({type(e).__name__}: {short(str(e), 200)})"
        ) from None
    reset_caches(model)
    model.recorder = recorder
    return model
