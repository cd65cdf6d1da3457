"""The sandbox process: runs one policy for the engine, behind a pipe, in a clean interpreter.

Started by :mod:`agents.sandbox` as ``python -I -B -c ...`` with two pipe descriptors (requests
in, replies out) that are not its standard streams: whatever the policy prints goes to the
parent's standard error and cannot corrupt the protocol. It imports what it needs, confines
itself (:func:`agents.confine.confine`), and only then imports the policy's code. Requests are
pickled plain data from the parent (which is trusted); replies are JSON (the parent never
unpickles what a policy could have forged).

Each request is ``{"op": ..., ...}``:

- ``load`` ``target``: import the policy class; reply its description (name, roles, ...);
- ``new`` ``params``, ``variant``, ``blob``: build the policy (or unpickle ``blob``);
- ``reset`` ``seed``; ``call`` ``call``, ``obs``: ``propose``/``respond``/``moves`` on the
  observation (rebuilt read-only), replying the decisions as JSON;
- ``get_state``, ``set_state`` ``state``, ``dump`` (the policy pickled, as base64).

A reply is ``{"ok": true, ...}`` or ``{"ok": false, "error": "Type: message"}``. Before it come
``{"reach": "..."}`` notices for each way the policy tried to reach outside its own code (an
audit hook: ``gc`` walks, frames of code that is not its own, ``ctypes``, signals, processes,
sockets, written files), and after a call the server checks that the policy did not alter the
observation it was given. Either makes the call a fault in the parent.
"""

from __future__ import annotations

import base64
import gc
import importlib
import itertools
import json
import os
import pickle
import sys
import sysconfig
from collections.abc import Callable
from typing import Any

__all__ = ["REACH_EVENTS", "main"]

#: Audit events that mean a policy reached for the interpreter's or the machine's internals.
REACH_EVENTS = frozenset(
    {
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys._current_frames",
        "sys.settrace",
        "sys.setprofile",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.addressof",
        "ctypes.cdata",
        "ctypes.string_at",
        "ctypes.wstring_at",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "os.fork",
        "os.forkpty",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "subprocess.Popen",
        "socket.connect",
        "socket.bind",
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.truncate",
        "os.chmod",
        "shutil.rmtree",
    }
)
#: Attributes that lead from an object to running frames (audited as object.__getattr__).
_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
#: Where code that may look at frames lives: the standard library, installed packages (logging,
#: typing, pydantic, ...) and the game's own modules; a policy's file is none of these.
_LIBRARIES = tuple(
    sorted(
        {
            os.path.normpath(sysconfig.get_paths()[k]) + os.sep
            for k in ("stdlib", "platstdlib", "purelib", "platlib")
        }
        | {
            os.path.normpath(os.path.join(os.path.dirname(os.path.dirname(__file__)), d)) + os.sep
            for d in ("game", "agents")
        }
    )
)


class _Server:
    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfd, self.wfd = rfd, wfd
        self.cls: Any = None
        self.policy: Any = None
        self.in_call = False  # a policy's code is running: its reaches are reported
        self.own_files: set[str] = {__file__}

    # -- the pipe ---------------------------------------------------------------------------
    def _read_exact(self, n: int) -> bytes:
        parts = []
        while n:
            chunk = os.read(self.rfd, n)
            if not chunk:
                raise EOFError
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def send(self, reply: dict[str, Any]) -> None:
        from agents.wire import encode_reply, frame

        data = frame(encode_reply(reply))
        while data:
            n = os.write(self.wfd, data)
            data = data[n:]

    def receive(self) -> dict[str, Any]:
        from agents.wire import unframe_length

        n = unframe_length(self._read_exact(4))
        request = pickle.loads(self._read_exact(n))  # from the parent, which is trusted
        if not isinstance(request, dict):
            raise EOFError
        return request

    # -- the audit hook -----------------------------------------------------------------------
    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.in_call:
            return
        self.in_call = False  # what the hook itself does is not the policy's
        try:
            what = _reach(event, args)
            if what is not None:
                self.send({"reach": what})
        finally:
            self.in_call = True

    # -- requests -----------------------------------------------------------------------------
    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(self, f"op_{op}", None)
        if handler is None:
            return {"ok": False, "error": f"ValueError: unknown request {op!r}"}
        return handler(req)

    def op_load(self, req: dict[str, Any]) -> dict[str, Any]:
        target = req["target"]
        from agents.policy import Policy
        from agents.registry import PolicyError

        where = target.get("file") or f"{target.get('module')}:{target.get('qualname')}"
        try:
            self.cls = _load(target)
        except PolicyError as e:
            return {"ok": False, "error": str(e)}
        except BaseException as e:
            return {"ok": False, "error": f"{where}: failed to import: {_words(e)}"}
        if isinstance(self.cls, type):
            return {"ok": True, "meta": describe(self.cls)}
        try:  # a function that makes policies: described by the class of one it makes
            probe = self.cls()
        except BaseException as e:
            spec = f"{where}:{target.get('class')}"
            return {"ok": False, "error": f"{spec}: failed to make a policy: {_words(e)}"}
        if not isinstance(probe, Policy):
            spec = f"{where}:{target.get('class')}"
            return {
                "ok": False,
                "error": f"{spec}: returned a {type(probe).__name__}, not a Policy",
            }
        return {"ok": True, "meta": describe(type(probe))}

    def op_new(self, req: dict[str, Any]) -> dict[str, Any]:
        from agents.policy import Policy

        self.policy = None
        try:
            self.in_call = True
            if req.get("blob"):
                policy = pickle.loads(base64.b64decode(req["blob"]))
            else:
                policy = self.cls(**req["params"])
        except BaseException as e:
            return {"ok": False, "error": _words(e)}
        finally:
            self.in_call = False
        if not isinstance(policy, Policy):
            return {"ok": False, "error": f"TypeError: it made a {type(policy).__name__}"}
        if not isinstance(getattr(policy, "params", None), dict) or not hasattr(policy, "rng"):
            return {"ok": False, "error": "no_base_init", "no_base_init": True}
        policy.variant = req.get("variant")
        self.policy = policy
        return {"ok": True, "params": _json_safe(policy.params)}

    def _guarded(self, fn: Callable[[], Any]) -> tuple[Any, str | None]:
        self.in_call = True
        try:
            return fn(), None
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: a fault
            return None, _words(e)
        finally:
            self.in_call = False

    def op_reset(self, req: dict[str, Any]) -> dict[str, Any]:
        _, error = self._guarded(lambda: self.policy.reset(int(req["seed"])))
        return {"ok": error is None, "error": error}

    def op_call(self, req: dict[str, Any]) -> dict[str, Any]:
        from agents.wire import observation_from_plain
        from game.decisions import MAX_DECISIONS_PER_CALL, Decision, decision_to_json

        obs = observation_from_plain(req["obs"])
        before = _fingerprint(obs)
        method = getattr(self.policy, req["call"])
        out, error = self._guarded(
            lambda: list(itertools.islice(method(obs) or [], MAX_DECISIONS_PER_CALL + 1))
        )
        changed = _changed(obs, before)
        if changed:
            return {"ok": False, "error": f"changed its observation ({changed})", "plain": True}
        if error is not None:
            return {"ok": False, "error": error}
        bad = [d for d in out if not isinstance(d, Decision)]
        if bad:
            return {
                "ok": False,
                "error": f"returned {type(bad[0]).__name__}, not a Decision",
                "plain": True,
            }
        try:
            decisions = [decision_to_json(d) for d in out]
        except BaseException as e:
            return {"ok": False, "error": _words(e)}
        return {"ok": True, "decisions": decisions}

    def op_get_state(self, req: dict[str, Any]) -> dict[str, Any]:
        import game.snapshot  # noqa: F401  # (the codec, and Mesa) imported as the game's, unaudited

        state, error = self._guarded(lambda: self.policy.get_state())
        if error is not None:
            return {"ok": False, "error": error}
        try:
            json.dumps(state, allow_nan=False)
        except (TypeError, ValueError) as e:
            return {"ok": False, "error": f"its state is not JSON data: {e}"}
        return {"ok": True, "state": state}

    def op_set_state(self, req: dict[str, Any]) -> dict[str, Any]:
        import game.snapshot  # noqa: F401  # (as in op_get_state)

        _, error = self._guarded(lambda: self.policy.set_state(req["state"]))
        return {"ok": error is None, "error": error}

    def op_dump(self, req: dict[str, Any]) -> dict[str, Any]:
        blob, error = self._guarded(lambda: pickle.dumps(self.policy))
        if error is not None:
            return {"ok": False, "error": error}
        return {"ok": True, "blob": base64.b64encode(blob).decode("ascii")}

    def serve(self) -> None:
        while True:
            try:
                req = self.receive()
            except EOFError:
                return
            try:
                reply = self.handle(req)
            except BaseException as e:  # a broken request or policy: reported, never fatal
                reply = {"ok": False, "error": _words(e)}
            self.send(reply)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _reach(event: str, args: tuple[Any, ...]) -> str | None:
    """How an audited event reaches outside the policy's own code, or None if it does not."""
    if event in REACH_EVENTS:
        return event
    if event == "open" and len(args) >= 3:
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS
        ):
            return f"open for writing ({args[0]!r})"
    if event == "object.__getattr__" and len(args) >= 2 and args[1] in _FRAME_ATTRS:
        return f"the frame of a {type(args[0]).__name__} ({args[1]})"
    if event == "sys._getframe":
        # the hook's frame, the audit's, then the code that called sys._getframe
        caller = sys._getframe(2)
        name = os.path.normpath(caller.f_code.co_filename)
        if not name.startswith(_LIBRARIES):
            return "sys._getframe"
    return None


def _words(e: BaseException) -> str:
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _json_safe(x: Any) -> Any:
    return json.loads(json.dumps(x, default=repr))


def _load(target: dict[str, Any]) -> Any:
    """The policy class a target names: ``{"file": path, "class": name}`` or a module's."""
    from agents.policy import Policy
    from agents.registry import load_factory_from_file

    if "file" in target:  # a Policy subclass, or a function of the file that makes policies
        return load_factory_from_file(f"{target['file']}:{target['class']}")
    module = importlib.import_module(target["module"])
    obj: Any = module
    for part in str(target["qualname"]).split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Policy)):
        raise TypeError(f"{target['module']}:{target['qualname']} is not a Policy subclass")
    return obj


def _value(x: Any) -> Any:
    """A class attribute as JSON data, or a note of its type when it is not."""
    if isinstance(x, tuple) and all(isinstance(v, str) for v in x):
        return {"tuple": list(x)}
    try:
        return {"value": json.loads(json.dumps(x, allow_nan=True))}
    except (TypeError, ValueError):
        return {"type": type(x).__name__}


def describe(cls: type) -> dict[str, Any]:
    """What the parent needs of a policy class: name, description, roles, parameter table."""
    from agents.policy import Param

    table = getattr(cls, "parameters", None)
    params: Any
    if isinstance(table, dict):
        params = {}
        for k, p in table.items():
            if not isinstance(k, str):
                continue
            if isinstance(p, Param):
                params[k] = {"param": _value([p.default, p.lo, p.hi, p.doc])}
            else:
                params[k] = {"type": type(p).__name__}
        params = {"table": params}
    else:
        params = {"type": type(table).__name__}
    return {
        "name": _value(getattr(cls, "name", None)),
        "description": _value(getattr(cls, "description", None)),
        "roles": _value(getattr(cls, "roles", None)),
        "parameters": params,
        "qualname": cls.__qualname__,
        "module": cls.__module__,
    }


_FIELDS = (
    "actor",
    "role",
    "quarter",
    "label",
    "quarters_left",
    "books",
    "public",
    "market",
    "contracts",
    "trust_in",
    "trusted_by",
    "news",
    "inbox",
    "sent",
    "legal",
    "rules",
    "market_params",
    "events",
    "modifiers",
    "free_capacity",
    "build_costs",
)


def _fingerprint(obs: Any) -> tuple[Any, ...]:
    """What a policy must not change in its observation: each field, and the rules' data."""
    rules = object.__getattribute__(obs.rules, "_data")
    legal = tuple(getattr(obs.legal, k) for k in vars(type(obs.legal))["__dataclass_fields__"])
    return (tuple(getattr(obs, k) for k in _FIELDS), rules, dict(rules), legal)


def _changed(obs: Any, before: tuple[Any, ...]) -> str:
    fields, rules, rules_copy, legal = before
    for k, v in zip(_FIELDS, fields, strict=True):
        if getattr(obs, k) is not v:
            return f"obs.{k} was replaced"
    now = object.__getattribute__(obs.rules, "_data")
    if now is not rules or dict(now) != rules_copy:
        return "obs.rules was altered"
    now_legal = tuple(getattr(obs.legal, k) for k in vars(type(obs.legal))["__dataclass_fields__"])
    if any(a is not b for a, b in zip(now_legal, legal, strict=True)):
        return "obs.legal was replaced"
    return ""


def main() -> None:
    """The sandbox process's entry point: ``argv`` holds its settings as JSON."""
    settings = json.loads(sys.argv[1])
    rfd, wfd = int(settings["rfd"]), int(settings["wfd"])
    from agents.confine import confine, die_with_parent

    die_with_parent(int(settings["parent"]))
    # What every policy call needs, imported before the policy's own code runs
    import numpy  # noqa: F401

    import agents.policy
    import agents.registry
    import agents.wire  # noqa: F401
    import game.decisions  # noqa: F401

    server = _Server(rfd, wfd)
    confined = confine(settings.get("memory_mb"), settings.get("cpu_seconds"))
    sys.addaudithook(server.audit)
    gc.collect()
    server.send({"ok": True, "hello": True, "confined": confined, "pid": os.getpid()})
    server.serve()
