"""Finding policies: built-in families, named variants from a TOML file, plugins, and files.

A *policy spec* is one of:

- a built-in family name (``greedy``) or a variant defined in a policies file (``hawk``);
- a policy from an installed package, registered under the entry-point group
  ``fabrace.policies`` (the entry point's name is the policy's name);
- ``path/to/file.py:ClassName``, a :class:`~agents.policy.Policy` subclass in a Python file, or
  ``path/to/file.py:make``, a function of that file that returns a new policy each time it is
  called (e.g. an :class:`~agents.callable_policy.ActionPolicy` wrapping a trained agent).

A policy from a file or a plugin runs in a sandbox process by default (``isolate="auto"``; see
:mod:`agents.sandbox`): its code is never imported into this process, which gets its
description (name, roles, parameters) from the sandbox. ``isolate="always"`` sandboxes the
built-ins too, ``"never"`` runs everything in-process.

A *policies file* (``--policies-file my.toml``, or ``policies.toml`` in the working directory)
defines variants as tables: ``[hawk]`` with ``family = "greedy"``, an optional ``description``, and
parameter overrides such as ``risk = 0.9``. It is validated as a whole; every problem is reported as
``FILE: TABLE.KEY: PROBLEM``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.basic import BasicPolicy
from agents.policy import ParamError, Policy
from agents.random_policy import RandomPolicy
from game.limits import MAX_POLICIES_BYTES, size_text, toml_problem

__all__ = [
    "ENTRY_POINT_GROUP",
    "ISOLATE_MODES",
    "PolicyConfigError",
    "PolicyEntry",
    "PolicyError",
    "PolicyRegistry",
    "builtin_families",
    "load_factory_from_file",
    "make_policy",
    "roles_problem",
]

ENTRY_POINT_GROUP = "fabrace.policies"
DEFAULT_FILE = "policies.toml"
#: How policies are isolated: ``auto`` sandboxes files and plugins, ``always`` every policy,
#: ``never`` none.
ISOLATE_MODES = ("auto", "always", "never")


def _builtin() -> dict[str, type[Policy]]:
    from agents.cautious import CautiousPolicy
    from agents.greedy import GreedyPolicy
    from agents.historical import HistoricalPolicy
    from agents.idle import IdlePolicy
    from agents.lookahead import LookaheadPolicy
    from agents.planner import PlannerPolicy
    from agents.reciprocal import ReciprocalPolicy

    families = (
        IdlePolicy,
        RandomPolicy,
        BasicPolicy,
        GreedyPolicy,
        CautiousPolicy,
        ReciprocalPolicy,
        PlannerPolicy,
        HistoricalPolicy,
        LookaheadPolicy,
    )
    return {p.name: p for p in families}


class PolicyError(ValueError):
    """A policy spec that cannot be made into a policy (unknown, wrong role, broken file)."""


class PolicyConfigError(PolicyError):
    """A policies file that cannot be used; the message names the file, the key and the problem."""


@dataclass(frozen=True)
class PolicyEntry:
    """Something that makes policies: a family, a configured variant, a plugin or a file's class.

    Attributes:
        name: how users call it.
        kind: ``family``, ``variant``, ``plugin`` or ``file``.
        cls: the policy class.
        params: parameter overrides (variants).
        description: one line.
        source: where it comes from (module, file or package).
        factory: what makes its policies when it is not ``cls`` itself (a file's function).
    """

    name: str
    kind: str
    cls: type[Policy]
    params: dict[str, float] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    factory: Callable[..., Policy] | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles it plays.

        Raises:
            PolicyError: if the class's ``roles`` is not a tuple of role names.
        """
        problem = roles_problem(self.cls)
        if problem is not None:
            raise PolicyError(f"policy {self.name!r}: {problem}")
        return tuple(self.cls.roles)

    def make(self, role: str | None = None) -> Policy:
        """A fresh policy (checked against ``role`` if given).

        Raises:
            PolicyError: if it does not play the role or cannot be built.
        """
        if role is not None and role not in self.roles:
            raise PolicyError(
                f"policy {self.name!r} does not play the {role} role "
                f"(it plays: {', '.join(self.roles)})"
            )
        try:
            policy = (self.factory or self.cls)(**self.params)
        except ParamError as e:
            raise PolicyError(f"policy {self.name!r}: {e}") from None
        except Exception as e:
            raise PolicyError(
                f"policy {self.name!r} failed to start: {type(e).__name__}: {e}"
            ) from None
        if not isinstance(policy, Policy):
            raise PolicyError(f"{self.name!r} did not make a Policy")
        if self.kind != "family":
            policy.variant = self.name  # results show the name the user gave
        return policy

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description: name, kind, roles, description, parameters with defaults."""
        params = {}
        for k, p in self.cls.parameters.items():
            params[k] = {
                "value": self.params.get(k, p.default),
                "default": p.default,
                "min": p.lo,
                "max": p.hi,
                "doc": p.doc,
            }
        return {
            "name": self.name,
            "kind": self.kind,
            "family": self.cls.name,
            "roles": list(self.roles),
            "description": self.description or self.cls.description,
            "source": self.source,
            "parameters": params,
        }


def roles_problem(cls: type) -> str | None:
    """What is wrong with a policy class's ``roles`` (a tuple of role names), or None."""
    roles = getattr(cls, "roles", None)
    if isinstance(roles, tuple | list) and all(isinstance(r, str) for r in roles):
        return None
    shown = repr(roles) if len(repr(roles)) <= 40 else f"a {type(roles).__name__}"
    return f"'roles' must be a tuple of roles such as ('lab', 'designer'), not {shown}"


def load_class_from_file(spec: str) -> type[Policy]:
    """Import ``path/to/file.py:ClassName`` and return the class.

    Raises:
        PolicyError: if the file is missing or broken, or has no such Policy subclass.
    """
    made = load_factory_from_file(spec)
    if isinstance(made, type) and issubclass(made, Policy):
        return made
    raise PolicyError(f"{spec}: is a function, not a Policy subclass")


def load_factory_from_file(spec: str) -> Callable[..., Policy]:
    """Import ``path/to/file.py:Name``: a Policy subclass, or a function that makes policies.

    Raises:
        PolicyError: if the file is missing or broken, or ``Name`` is neither.
    """
    path_text, _, cls_name = spec.rpartition(":")
    path = Path(path_text)
    if not path_text or not cls_name:
        raise PolicyError(f"{spec!r}: a policy file is given as path/to/file.py:ClassName")
    if not path.is_file():
        raise PolicyError(f"{path}: no such policy file")
    resolved = path.resolve()
    mod_name = "fabrace_user_" + hashlib.sha1(str(resolved).encode()).hexdigest()[:12]
    module = sys.modules.get(mod_name)
    if module is None:
        ispec = importlib.util.spec_from_file_location(mod_name, resolved)
        if ispec is None or ispec.loader is None:
            raise PolicyError(f"{path}: cannot be imported as Python")
        module = importlib.util.module_from_spec(ispec)
        sys.modules[mod_name] = module  # so that its policies can be pickled and cloned
        try:
            ispec.loader.exec_module(module)
        except SyntaxError as e:
            del sys.modules[mod_name]
            raise PolicyError(f"{path}: line {e.lineno}: syntax error: {e.msg}") from None
        except SystemExit as e:
            del sys.modules[mod_name]
            raise PolicyError(f"{path}: exits as it is imported (SystemExit {e.code!r})") from None
        except Exception as e:
            del sys.modules[mod_name]
            raise PolicyError(f"{path}: failed to import: {type(e).__name__}: {e}") from None
    cls = getattr(module, cls_name, None)
    if callable(cls) and not isinstance(cls, type) and getattr(cls, "__module__", "") == mod_name:
        return cls  # a function of the file: what it returns is checked when it is called
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        found = sorted(
            n
            for n, v in vars(module).items()
            if isinstance(v, type)
            and issubclass(v, Policy)
            and v is not Policy
            and v.__module__ == module.__name__
        )
        raise PolicyError(
            f"{path}: no Policy subclass named {cls_name!r} "
            f"(policies in the file: {', '.join(found) or 'none'}; or a function that returns "
            f"a policy)"
        )
    return cls


def _read_toml(path: Path) -> dict[str, Any]:
    """A policies file's TOML, refused if too large or too deep before it is parsed.

    Raises:
        OSError: if it cannot be read; UnicodeDecodeError, tomllib.TOMLDecodeError as tomllib.
        PolicyConfigError: if it is over the size or nesting limits.
    """
    with path.open("rb") as fh:
        data = fh.read(MAX_POLICIES_BYTES + 1)
    if len(data) > MAX_POLICIES_BYTES:
        raise PolicyConfigError(
            f"{path}: too large (over {size_text(MAX_POLICIES_BYTES)}, the limit)"
        )
    text = data.decode("utf-8")
    problem = toml_problem(text, MAX_POLICIES_BYTES)
    if problem is not None:
        raise PolicyConfigError(f"{path}: {problem}")
    return tomllib.loads(text)


def _call_factory(spec: str, factory: Callable[..., Policy]) -> Policy:
    """A policy from a file's function, or a PolicyError saying what went wrong."""
    try:
        policy = factory()
    except Exception as e:
        raise PolicyError(f"{spec}: failed to make a policy: {type(e).__name__}: {e}") from None
    if not isinstance(policy, Policy):
        raise PolicyError(f"{spec}: returned a {type(policy).__name__}, not a Policy")
    return policy


class PolicyRegistry:
    """The policies a user can name: built-ins, plugins, and the variants of a policies file.

    Args:
        policies_file: a TOML file of variants; ``None`` uses ``policies.toml`` in ``cwd`` if
            there is one.
        cwd: the working directory to look in.
        plugins: whether to load installed plugins (entry points).
        use_cwd_file: whether to look for ``policies.toml`` in ``cwd`` when no file is given.
        isolate: which policies run in a sandbox process (:data:`ISOLATE_MODES`).
        limits: the sandbox's limits (an :class:`agents.sandbox.SandboxLimits`; default ones if
            None).

    Raises:
        PolicyConfigError: if the policies file is unreadable or invalid.
        ValueError: for an unknown ``isolate`` mode.
    """

    def __init__(
        self,
        policies_file: str | Path | None = None,
        *,
        cwd: Path | None = None,
        plugins: bool = True,
        use_cwd_file: bool = True,
        isolate: str = "auto",
        limits: Any = None,
    ) -> None:
        if isolate not in ISOLATE_MODES:
            raise ValueError(f"isolate must be one of {', '.join(ISOLATE_MODES)} (got {isolate!r})")
        self.isolate = isolate
        self._limits = limits
        self._isolated: dict[str, PolicyEntry] = {}
        self.entries: dict[str, PolicyEntry] = {}
        self.problems: list[str] = []  # plugins that failed to load
        for name, cls in _builtin().items():
            self.entries[name] = PolicyEntry(
                name, "family", cls, {}, cls.description, cls.__module__
            )
        if plugins:
            self._load_plugins()
        path = Path(policies_file) if policies_file is not None else None
        if path is None and use_cwd_file:
            cand = (cwd or Path.cwd()) / DEFAULT_FILE
            path = cand if cand.is_file() else None
        self.policies_file = path
        if path is not None:
            self._load_variants(path)

    def _load_plugins(self) -> None:
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if ep.name in self.entries:
                self.problems.append(
                    f"plugin {ep.name!r} ({ep.value}) clashes with a built-in policy and is ignored"
                )
                continue
            try:
                cls = self._sandboxed_plugin(ep) if self.isolate != "never" else ep.load()
            except PolicyError as e:
                self.problems.append(f"plugin {ep.name!r} ({ep.value}) failed to load: {e}")
                continue
            except Exception as e:
                self.problems.append(
                    f"plugin {ep.name!r} ({ep.value}) failed to load: {type(e).__name__}: {e}"
                )
                continue
            if not (isinstance(cls, type) and issubclass(cls, Policy)):
                self.problems.append(f"plugin {ep.name!r} ({ep.value}) is not a Policy subclass")
                continue
            problem = roles_problem(cls)
            if problem is not None:
                self.problems.append(f"plugin {ep.name!r} ({ep.value}): {problem}")
                continue
            dist = getattr(ep, "dist", None)
            self.entries[ep.name] = PolicyEntry(
                ep.name, "plugin", cls, {}, cls.description, getattr(dist, "name", ep.value)
            )

    @property
    def limits(self) -> Any:
        """The sandbox's limits (:class:`agents.sandbox.SandboxLimits`)."""
        from agents.sandbox import SandboxLimits

        if self._limits is None:
            self._limits = SandboxLimits()
        return self._limits

    def _sandboxed(self, target: dict[str, str]) -> type[Policy]:
        """The proxy class of a policy class loaded in a sandbox.

        Raises:
            PolicyError: with the sandbox's message if it cannot be loaded there.
        """
        from agents.sandbox import SandboxError, describe_target, proxy_class

        try:
            meta = describe_target(target, self.limits)
        except SandboxError as e:
            raise PolicyError(str(e)) from None
        return proxy_class(target, meta, self.limits)

    def _sandboxed_plugin(self, ep: Any) -> type[Policy]:
        module, _, attr = str(ep.value).partition(":")
        attr = attr.split("[")[0].strip()
        if not module.strip() or not attr:
            raise PolicyError(f"{ep.value!r} is not module:Class")
        return self._sandboxed({"module": module.strip(), "qualname": attr})

    def _isolate(self, entry: PolicyEntry) -> PolicyEntry:
        """The entry as seated under this registry's ``isolate`` mode (built-ins sandboxed if
        ``always``)."""
        from agents.sandbox import SandboxedPolicy

        if self.isolate != "always" or issubclass(entry.cls, SandboxedPolicy):
            return entry
        done = self._isolated.get(entry.name)
        if done is None:
            cls = self._sandboxed(
                {"module": entry.cls.__module__, "qualname": entry.cls.__qualname__}
            )
            done = PolicyEntry(
                entry.name, entry.kind, cls, entry.params, entry.description, entry.source
            )
            self._isolated[entry.name] = done
        return done

    def _file_entry(self, spec: str) -> PolicyEntry:
        """The entry of ``path/to/file.py:ClassName`` (its class loaded in a sandbox, unless
        ``isolate`` is ``never``)."""
        source = spec.rpartition(":")[0]
        if self.isolate == "never":
            made: Any = load_factory_from_file(spec)
            if isinstance(made, type) and issubclass(made, Policy):
                return PolicyEntry(spec, "file", made, {}, made.description, source)
            probe = _call_factory(spec, made)
            cls = type(probe)
            return PolicyEntry(spec, "file", cls, {}, cls.description, source, factory=made)
        else:
            path_text, _, cls_name = spec.rpartition(":")
            path = Path(path_text)
            if not path_text or not cls_name:
                raise PolicyError(f"{spec!r}: a policy file is given as path/to/file.py:ClassName")
            if not path.is_file():
                raise PolicyError(f"{path}: no such policy file")
            cls = self._sandboxed({"file": str(path.resolve()), "class": cls_name})
        desc = cls.description if isinstance(cls.description, str) else ""
        return PolicyEntry(spec, "file", cls, {}, desc, source)

    def _load_variants(self, path: Path) -> None:
        def fail(where: str, problem: str) -> PolicyConfigError:
            return PolicyConfigError(f"{path}: {where}: {problem}")

        try:
            raw = _read_toml(path)
        except FileNotFoundError:
            raise PolicyConfigError(f"{path}: no such policies file") from None
        except IsADirectoryError:
            raise PolicyConfigError(f"{path}: is a folder, not a policies file") from None
        except UnicodeDecodeError:
            raise PolicyConfigError(f"{path}: not a text file (UTF-8 TOML expected)") from None
        except OSError as e:
            raise PolicyConfigError(f"{path}: cannot read: {e.strerror or e}") from None
        except tomllib.TOMLDecodeError as e:
            raise PolicyConfigError(f"{path}: invalid TOML: {e}") from None
        except RecursionError:
            raise PolicyConfigError(f"{path}: nested too deeply") from None
        variants: dict[str, PolicyEntry] = {}
        for name, table in raw.items():
            if not isinstance(table, dict):
                raise fail(name, 'must be a table, e.g. [hawk] with family = "greedy"')
            if name in self.entries:
                raise fail(
                    name,
                    f"clashes with the {self.entries[name].kind} of that name; choose another name",
                )
            family = table.get("family")
            if family is None:
                raise fail(
                    f"{name}.family", 'missing (the family this variant tunes, e.g. "greedy")'
                )
            if not isinstance(family, str):
                raise fail(f"{name}.family", f"must be text (got {family!r})")
            base = self.entries.get(family)
            if base is None or base.kind == "variant":
                known = sorted(n for n, e in self.entries.items() if e.kind != "variant")
                raise fail(
                    f"{name}.family", f"unknown family {family!r} (families: {', '.join(known)})"
                )
            desc = table.get("description", "")
            if not isinstance(desc, str):
                raise fail(f"{name}.description", f"must be text (got {desc!r})")
            params: dict[str, float] = {}
            for key, value in table.items():
                if key in ("family", "description"):
                    continue
                spec = base.cls.parameters.get(key)
                if spec is None:
                    raise fail(
                        f"{name}.{key}",
                        f"unknown parameter of family {family!r} "
                        f"(parameters: {', '.join(base.cls.parameters) or 'none'})",
                    )
                try:
                    params[key] = spec.check(key, value)
                except ParamError as e:
                    raise fail(f"{name}.{key}", str(e).replace(f"parameter {key!r} ", "")) from None
            variants[name] = PolicyEntry(
                name, "variant", base.cls, params, desc or f"{family} variant", str(path)
            )
        self.entries.update(variants)

    # -- lookup ---------------------------------------------------------------------------
    def entry(self, spec: str) -> PolicyEntry:
        """The entry a spec names (loading a file's class if the spec is ``file.py:Class``).

        Raises:
            PolicyError: if nothing of that name exists or the file is broken.
        """
        if spec in self.entries:
            return self._isolate(self.entries[spec])
        if ":" in spec and spec.rpartition(":")[0].endswith(".py"):
            return self._file_entry(spec)
        raise PolicyError(
            f"unknown policy {spec!r} (known: {', '.join(self.entries)}; or "
            f"path/to/file.py:ClassName)"
        )

    def make(self, spec: str, role: str | None = None) -> Policy:
        """A fresh policy from a spec, checked against the role it is to play."""
        return self.entry(spec).make(role)

    def listing(self) -> list[PolicyEntry]:
        """Every named policy: families, then plugins, then variants."""
        order = {"family": 0, "plugin": 1, "variant": 2}
        return sorted(self.entries.values(), key=lambda e: (order.get(e.kind, 3), e.name))

    def names(self, kinds: Iterable[str] = ("family", "plugin", "variant")) -> list[str]:
        return [e.name for e in self.listing() if e.kind in kinds]


_DEFAULT: PolicyRegistry | None = None


def make_policy(spec: str, role: str) -> Policy:
    """A fresh policy from built-ins and plugins (no policies file), checked against the role.

    Raises:
        PolicyError: if the spec is unknown or the policy does not play this role.
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PolicyRegistry(policies_file=None, plugins=True, use_cwd_file=False)
    return _DEFAULT.make(spec, role)


def builtin_families() -> dict[str, type[Policy]]:
    """The built-in policy families by name."""
    return _builtin()
