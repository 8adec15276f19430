"""`kind: command`: a shell command run in the sandbox's HOME (with the sandbox's environment and display)
exits with the expected status (0 by default), e.g. `test "$(cat greeting.txt)" = hello`."""

from __future__ import annotations

import subprocess
from typing import Literal

from pydantic import Field

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    kind: Literal["command"] = "command"
    run: str = Field(min_length=1)
    status: int = 0
    timeout: float = Field(10.0, gt=0, le=120)


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Run the command with /bin/sh and compare its exit status."""
    try:
        done = subprocess.run(["/bin/sh", "-c", spec.run], cwd=ctx.home, env=ctx.sandbox.env, capture_output=True,
                              text=True, timeout=spec.timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Verdict(False, f"{spec.run!r} ran longer than {spec.timeout:g} s")
    said = (done.stdout + done.stderr).strip().splitlines()
    return Verdict(done.returncode == spec.status,
                   f"{spec.run!r} exited {done.returncode}" + (f": {said[-1][:80]}" if said else ""))
