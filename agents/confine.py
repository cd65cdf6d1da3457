"""Confining a sandbox process before it runs a policy's code: limits, no writes, no signals out.

:func:`confine` is called once by the sandbox server (:mod:`agents.sandbox_server`), after it has
imported what it needs and before it imports the policy. Each step is best effort and reported:

- ``pdeathsig``: the kernel kills the process when its parent dies (Linux ``PR_SET_PDEATHSIG``);
- ``memory``: ``RLIMIT_AS``, the address space, soft and hard (an allocation past it fails with
  ``MemoryError``; the call is then a fault);
- ``cpu``: ``RLIMIT_CPU``, CPU seconds for the process's whole life (past it the kernel kills it);
- ``files``: ``RLIMIT_FSIZE`` 0, no file can grow (``SIGXFSZ`` ignored: the write fails);
- ``threads``: ``RLIMIT_NPROC`` 0, no new process or thread (for a process without privileges);
- ``capabilities``: a process running as root drops every capability, so that it cannot raise
  its limits again or override file permissions;
- ``landlock``: Linux Landlock (kernel 5.13 and later): no file or folder may be written,
  created, renamed or removed anywhere, no TCP connection made (ABI 4), and no signal sent to a
  process outside the sandbox, its parent included (ABI 6).

Hard limits cannot be raised again by the process itself (without privileges, which it has
dropped), so the policy cannot undo them.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from typing import Any

__all__ = ["confine", "die_with_parent"]

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_SYS_LANDLOCK = {  # landlock_create_ruleset, landlock_add_rule, landlock_restrict_self
    "x86_64": (444, 445, 446),
    "aarch64": (444, 445, 446),
}
_LANDLOCK_CREATE_RULESET_VERSION = 1
# Filesystem rights that change anything (Landlock ABI 1, then REFER in 2, TRUNCATE in 3)
_FS_WRITE_ABI1 = (
    (1 << 1)  # WRITE_FILE
    | (1 << 4)  # REMOVE_DIR
    | (1 << 5)  # REMOVE_FILE
    | (1 << 6)  # MAKE_CHAR
    | (1 << 7)  # MAKE_DIR
    | (1 << 8)  # MAKE_REG
    | (1 << 9)  # MAKE_SOCK
    | (1 << 10)  # MAKE_FIFO
    | (1 << 11)  # MAKE_BLOCK
    | (1 << 12)  # MAKE_SYM
)
_FS_REFER = 1 << 13
_FS_TRUNCATE = 1 << 14
_NET_TCP = (1 << 0) | (1 << 1)  # BIND_TCP, CONNECT_TCP (ABI 4)
_SCOPE_ALL = (1 << 0) | (1 << 1)  # ABSTRACT_UNIX_SOCKET, SIGNAL (ABI 6)


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent(parent: int) -> bool:
    """Ask the kernel to kill this process when its parent dies; exit now if it already has.

    Returns:
        Whether the kernel will do it (Linux only).
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            armed = _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)
    return armed


def _set_limit(which: int, value: int) -> bool:
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        return False
    return True


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> bool:
    """Drop every capability of this process (it stays uid 0 if it was root)."""
    try:
        libc = _libc()
        header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        data = (_CapData * 2)()
        return bool(libc.capset(ctypes.byref(header), data) == 0)
    except (OSError, AttributeError):
        return False


def _landlock() -> int:
    """Forbid writes, TCP and signals out of the sandbox; the Landlock ABI used, 0 if none."""
    import platform

    numbers = _SYS_LANDLOCK.get(platform.machine())
    if numbers is None or not sys.platform.startswith("linux"):
        return 0
    create, _add, restrict = numbers
    try:
        libc = _libc()
        libc.syscall.restype = ctypes.c_long
        abi = int(libc.syscall(create, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION))
        if abi < 1:
            return 0
        fs = _FS_WRITE_ABI1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
        attr = (ctypes.c_uint64 * 3)(fs, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
        size = 24 if abi >= 6 else 16 if abi >= 4 else 8
        fd = int(libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), 0))
        if fd < 0:
            return 0
        try:
            if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                return 0
            if libc.syscall(restrict, fd, 0) != 0:
                return 0
        finally:
            os.close(fd)
        return abi
    except (OSError, AttributeError):
        return 0


def confine(memory_mb: int | None, cpu_seconds: int | None) -> dict[str, Any]:
    """Apply every confinement this machine allows; say which took effect.

    Args:
        memory_mb: the address-space limit in MiB (None: none).
        cpu_seconds: CPU seconds for the process's life (None: none).

    Returns:
        ``{"memory": bool, "cpu": bool, "files": bool, "threads": bool, "capabilities":
        bool, "landlock": abi}``.
    """
    done: dict[str, Any] = {}
    done["memory"] = memory_mb is not None and _set_limit(
        resource.RLIMIT_AS, int(memory_mb) * 1024 * 1024
    )
    done["cpu"] = cpu_seconds is not None and _set_limit(resource.RLIMIT_CPU, int(cpu_seconds))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the size limit fails instead
    done["files"] = _set_limit(resource.RLIMIT_FSIZE, 0)
    if os.geteuid() == 0:
        done["capabilities"] = _drop_capabilities()
    else:
        done["capabilities"] = True  # none to drop
    # No new threads or processes: counted per user, so 0 refuses them all (without privileges)
    done["threads"] = done["capabilities"] and _set_limit(resource.RLIMIT_NPROC, 0)
    done["landlock"] = _landlock()
    return done
