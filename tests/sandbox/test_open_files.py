"""writers_of names the real processes holding a file open for writing, and only those."""

from __future__ import annotations

import subprocess
import sys

from sandbox.open_files import writers_of

HOLD = "import sys, time; f = open(sys.argv[1], sys.argv[2]); print('open', flush=True); time.sleep(30)"


def _holding(path, mode):
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "open\n"
    return child


def test_a_process_writing_a_file_is_named_until_it_exits(tmp_path):
    path = tmp_path / "out.txt"
    writer = _holding(path, "w")
    with writer:
        try:
            assert len(writers_of(path)) == 1 and writers_of(path)[0].startswith("python")
            assert writers_of(tmp_path / "." / "out.txt") == writers_of(path)  # the same file by another spelling
        finally:
            writer.kill()
    assert writers_of(path) == []


def test_readers_and_other_files_are_not_writers(tmp_path):
    path, other = tmp_path / "in.txt", tmp_path / "other.txt"
    path.write_text("x")
    reader, appender = _holding(path, "r"), _holding(other, "a")
    with reader, appender:
        try:
            assert writers_of(path) == []
            assert len(writers_of(other)) == 1
            assert writers_of(tmp_path / "missing.txt") == []
        finally:
            reader.kill()
            appender.kill()
