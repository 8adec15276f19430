"""sandbox.home: a sandbox's HOME listed and copied out byte for byte, links never followed, the destination
refused when it holds anything and left as it was when a copy fails."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from probes import wait_for_file
from sandbox.errors import HomeCopyError
from sandbox.home import HomeFiles, copy_home, keeping_home, list_home


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _tree(root: Path) -> dict[str, bytes | None]:
    """Relative path -> file bytes (None for a directory), links not followed."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            found[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, root)] = Path(path).read_bytes()
    return found


@pytest.fixture
def home(tmp_path):
    """A HOME as apps leave one: nested directories, binary data, an executable, an undecodable file name."""
    home = tmp_path / "home"
    (home / "docs" / "deep").mkdir(parents=True)
    (home / "blob.bin").write_bytes(os.urandom(300_000) + b"\0\xff")
    (home / "docs" / "deep" / "notes.txt").write_text("< > | & $ é 日本\n")
    (home / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(home / "run.sh", 0o755)
    (home / "docs" / "empty").mkdir()
    os.close(os.open(os.fsencode(home) + b"/caf\xe9", os.O_WRONLY | os.O_CREAT, 0o644))
    (home / "two\nlines").write_bytes(b"x")
    os.utime(home / "blob.bin", (1_000_000_000, 1_000_000_000))
    return home


def test_copy_brings_back_every_file_byte_identical_and_private(home, tmp_path):
    dest = tmp_path / "out" / "kept"  # missing parents are created
    old = os.umask(0)  # a permissive umask must not widen the copies
    try:
        copied = copy_home(home, dest)
    finally:
        os.umask(old)
    assert _tree(dest) == _tree(home)
    assert (dest / "blob.bin").read_bytes() == (home / "blob.bin").read_bytes()
    assert os.path.exists(os.fsencode(dest) + b"/caf\xe9")  # the name as it was, not re-encoded
    assert os.stat(dest / "blob.bin").st_mtime == 1_000_000_000
    assert _mode(dest) == _mode(dest / "docs") == _mode(dest / "docs" / "empty") == 0o700
    assert _mode(dest / "blob.bin") == _mode(dest / "docs" / "deep" / "notes.txt") == 0o600
    assert _mode(dest / "run.sh") == 0o700
    size = sum(len(data) for data in _tree(home).values() if data is not None)
    assert (copied.files, copied.size) == (5, size) and size > 300_000
    # Names printed as one line each: undecodable bytes and control characters escaped.
    assert copied.names == ["blob.bin", "caf\\udce9", "docs/", "run.sh", "two\\nlines"]
    assert copied.summary() == f"5 files ({size} bytes) in blob.bin, caf\\udce9, docs/, run.sh, two\\nlines"
    assert [p.name for p in dest.iterdir() if p.name.startswith(".")] == []  # the staging directory is gone


def test_links_and_special_files_are_not_followed(home, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host secret\n")
    os.symlink(outside, home / "escape")  # a directory outside HOME
    os.symlink(outside / "secret.txt", home / "docs" / "secret.txt")  # a file outside HOME
    os.symlink("../blob.bin", home / "docs" / "inside")  # even a link inside HOME: copied as what it is not
    os.mkfifo(home / "pipe")
    copied = copy_home(home, tmp_path / "kept")
    kept = _tree(tmp_path / "kept")
    assert not any(os.path.lexists(tmp_path / "kept" / p) for p in ("escape", "docs/secret.txt", "docs/inside", "pipe"))
    assert b"host secret\n" not in kept.values()
    assert copied.links == ["docs/inside", "docs/secret.txt", "escape"] and copied.special == ["pipe"]
    assert copied.summary().endswith("; symbolic links not followed: docs/inside, docs/secret.txt, escape; "
                                     "special files skipped: pipe")
    assert list_home(home).links == copied.links


@pytest.mark.parametrize("kind", ["file", "non-empty", "link"])
def test_a_destination_that_holds_anything_is_refused_and_untouched(home, tmp_path, kind):
    dest = tmp_path / "dest"
    if kind == "file":
        dest.write_text("mine\n")
        message = f"cannot keep the home in '{dest}': it exists and is not a directory"
    elif kind == "link":
        (tmp_path / "elsewhere").mkdir()
        os.symlink(tmp_path / "elsewhere", dest)
        message = f"cannot keep the home in '{dest}': it exists and is not a directory"
    else:
        dest.mkdir()
        (dest / "mine.txt").write_text("mine\n")
        message = (f"cannot keep the home in '{dest}': the directory is not empty (give a new or empty one; "
                   f"nothing is overwritten)")
    before = _tree(tmp_path / "elsewhere") if kind == "link" else None
    with pytest.raises(HomeCopyError) as info:
        copy_home(home, dest)
    assert str(info.value) == message
    if kind == "file":
        assert dest.read_text() == "mine\n"
    elif kind == "non-empty":
        assert _tree(dest) == {"mine.txt": b"mine\n"}
    else:
        assert _tree(tmp_path / "elsewhere") == before == {}


def test_an_empty_destination_the_user_made_keeps_its_mode(home, tmp_path):
    dest = tmp_path / "shared"
    dest.mkdir()
    os.chmod(dest, 0o755)
    copy_home(home, dest)
    assert _mode(dest) == 0o755 and (dest / "docs" / "deep" / "notes.txt").exists()


def _deep_home(root: Path, depth: int = 20) -> None:
    """A HOME whose deepest file's path is longer than PATH_MAX once put under the destination (made through
    directory descriptors: the path itself is too long to name)."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d" * 250, dir_fd=fd)
        inner = os.open("d" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd))
    os.close(fd)


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_copy_leaves_the_destination_as_it_was(tmp_path, existing):
    _deep_home(tmp_path / "home")
    assert list_home(tmp_path / "home").files == 1  # listing walks by descriptors: no length limit
    dest = tmp_path / "dest"
    if existing:
        dest.mkdir()
    with pytest.raises(HomeCopyError) as info:
        copy_home(tmp_path / "home", dest)
    # One line naming the entry relative to HOME, its middle elided, not the hidden staging directory.
    message = str(info.value)
    prefix = f"cannot copy the sandbox's home to '{dest}': File name too long (at "
    assert message.startswith(prefix) and message.endswith(")") and "\n" not in message
    assert message[len(prefix):-1] == "d" * 60 + "..." + "d" * 60  # a path of 250-character names, shortened

    assert (os.listdir(dest) == []) if existing else not os.path.lexists(dest)


def test_summaries():
    assert HomeFiles().summary() == "no files"
    many = HomeFiles(files=12, size=12, names=[f"f{i:02}" for i in range(12)])
    assert many.summary() == "12 files (12 bytes) in f00, f01, f02, f03, f04, f05, f06, f07, f08, f09 and 2 more"
    assert HomeFiles(files=1, size=3, names=["a"]).summary() == "1 file (3 bytes) in a"


@pytest.mark.display
def test_keeping_home_copies_what_an_app_wrote_even_when_the_block_fails(sandbox, tmp_path):
    sandbox.launch(["sh", "-c", "printf 'from the app\\n' > \"$HOME/app.txt\"; exec xterm"])
    wait_for_file(sandbox.home / "app.txt")
    with pytest.raises(RuntimeError, match="the run broke"):
        with keeping_home(sandbox, tmp_path / "kept"):
            raise RuntimeError("the run broke")
    assert (tmp_path / "kept" / "app.txt").read_text() == "from the app\n"
    # A copy that fails too is told on the error that is raised, not instead of it.
    with pytest.raises(RuntimeError, match="broke again") as info:
        with keeping_home(sandbox, tmp_path / "kept"):
            raise RuntimeError("broke again")
    assert info.value.__notes__ == [f"--keep-home: cannot keep the home in '{tmp_path / 'kept'}': the directory is "
                                    f"not empty (give a new or empty one; nothing is overwritten)"]
    with keeping_home(sandbox, None):
        pass  # no DIR: nothing copied, nothing raised
