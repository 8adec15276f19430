"""A process's own sandbox published in the registry: listed while the block runs, gone after it (also after an
exception), pruned when its owner was killed, and never taken for a recycled pid."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from sandbox.published import published
from sandbox.registry import Registry, SandboxRecord, process_start_time

pytestmark = pytest.mark.display


def test_published_while_in_use_and_removed_after_an_exception(tmp_path, sandbox):
    registry = Registry(tmp_path)
    with pytest.raises(RuntimeError, match="boom"):
        with published(registry, sandbox, ["xcalc"]) as record:
            assert record.name == "shell1" and record.kind == "shell" and record.pid == os.getpid()
            assert record.pid_start == process_start_time(os.getpid())
            assert registry.list() == [record]
            assert registry.get("shell1").display == sandbox.display
            with published(registry, sandbox) as second:  # the next free name
                assert second.name == "shell2"
            raise RuntimeError("boom")
    assert registry.list() == []


def test_a_record_whose_owner_is_gone_or_recycled_is_pruned(tmp_path, sandbox):
    registry = Registry(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = SandboxRecord("shell1", sandbox.display, proc.pid, "1280x800x24", (), str(tmp_path / "gone"), None,
                               0.0, kind="shell", pid_start=process_start_time(proc.pid))
        registry.put(record)
        assert registry.list() == [record]
        registry.put(replace(record, pid_start=record.pid_start - 1))  # same pid, another process: recycled
        assert registry.list() == []
        registry.put(record)
    finally:
        proc.kill()
        proc.wait()
    assert registry.find("shell1") is None  # its owner died without unpublishing
    assert not registry.record_path("shell1").exists()


def test_records_written_before_kinds_read_as_persistent(tmp_path):
    d = {"name": "sb1", "display": ":5", "pid": 1, "screen": "1280x800x24", "apps": [], "workdir": "/tmp/x",
         "vnc_port": None, "started_at": 0.0}
    record = SandboxRecord.from_dict(d)
    assert record.kind == "persistent" and record.pid_start is None
