"""Publishing a process's own sandbox in the registry of persistent ones, for as long as the process uses it.

`deskpilot shell` runs its tasks in a Sandbox of its own; published, that sandbox shows in `deskpilot sandbox list`
and `sandbox shot NAME` and `sandbox copy-out NAME` reach it. The record names this process as its owner (kind
"shell", with the process's start time, so a recycled pid is not taken for it). It is removed when the block ends,
however it ends (an exception, Ctrl-C); if the process is killed outright, the next reader of the registry prunes
it, since its owner is gone.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence

from sandbox.errors import SandboxExistsError
from sandbox.persistent import first_free_name
from sandbox.registry import NameLock, Registry, SandboxRecord, process_start_time

NAME_ATTEMPTS = 100  # names held by supervisors still starting are skipped; this many in a row means something is off


@contextlib.contextmanager
def published(registry: Registry, sandbox, apps: Sequence[str] = (), prefix: str = "shell",
              kind: str = "shell") -> Iterator[SandboxRecord]:
    """Publish the started `sandbox` (its display, screen, workdir; `apps` as command lines) under the first free
    name PREFIX1, PREFIX2, ...; yield its record; unpublish on the way out.

    The name's lock is held meanwhile, so no `sandbox start --name` takes the same name. Raises
    SandboxExistsError when no name could be had.
    """
    lock, name = _claim_name(registry, prefix)
    try:
        record = SandboxRecord(name, sandbox.display, os.getpid(), str(sandbox.screen), tuple(apps),
                               str(sandbox.workdir), None, time.time(), kind=kind,
                               pid_start=process_start_time(os.getpid()))
        registry.put(record)
        try:
            yield record
        finally:
            registry.remove(name, pid=os.getpid())
    finally:
        lock.release()


def _claim_name(registry: Registry, prefix: str) -> tuple[NameLock, str]:
    taken = {r.name for r in registry.list()}
    for _ in range(NAME_ATTEMPTS):
        name = first_free_name(taken, prefix)
        lock = registry.name_lock(name)
        if lock.acquire(timeout=0):
            return lock, name
        taken.add(name)  # a supervisor holds it and has not published yet
    raise SandboxExistsError(f"no free sandbox name {prefix}1..{prefix}{NAME_ATTEMPTS}: each one is taken")
