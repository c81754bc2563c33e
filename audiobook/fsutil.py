"""Small file-system helpers every stage uses: atomic writes, temp-file sweeping, advisory locks, safe names."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

from .cleantext import clean_line
from .errors import OutputError

if sys.platform != "win32":
    import fcntl

#: Suffix of every temp file `atomic_output` makes; with the writer's pid in the name, so a sweep can
#: tell a live writer's file from one a killed process left behind.
PART_SUFFIX = ".part"
_PART = re.compile(r"^\..*\.(?P<pid>\d+)(?:\.[0-9a-f]{8})?" + re.escape(PART_SUFFIX) + "$")
#: Longest file name most file systems take, in bytes of its encoded form.
NAME_MAX_BYTES = 255


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a temp file naming a dead pid is litter)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def part_name(dest: Path) -> Path:
    """A hidden temp path beside `dest` naming this process: `.<stem>.<pid>.<random>.part`."""
    stem = _cut_bytes(dest.stem, 120)
    return dest.with_name(f".{stem}.{os.getpid()}.{secrets.token_hex(4)}{PART_SUFFIX}")


def part_writer(name: str) -> int | None:
    """The pid in a temp file name made by `part_name`, or None for any other name."""
    m = _PART.match(name)
    return int(m.group("pid")) if m else None


def sweep_parts(folder: Path) -> int:
    """Remove temp files in `folder` whose writer is dead (a killed process); returns how many."""
    removed = 0
    with contextlib.suppress(OSError):  # best effort: a folder we may not list is left alone
        for entry in os.scandir(folder):
            pid = part_writer(entry.name)
            if pid is not None and not pid_alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def default_cache_dir() -> Path:
    """The user's cache folder for clips ($AUDIOBOOK_CACHE_DIR, else $XDG_CACHE_HOME/audiobook/clips)."""
    if os.environ.get("AUDIOBOOK_CACHE_DIR"):
        return Path(os.environ["AUDIOBOOK_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "audiobook" / "clips"


def write_target(path: Path) -> Path:
    """Where writing `path` really goes: a symlink is written through to the file it points at."""
    return path.resolve() if path.is_symlink() else path


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; it replaces `path` only if the block finishes, else it is removed.

    The finished file keeps the mode of the file it replaces (a new one follows the umask), and a
    symlinked `path` has its target replaced, so the link stays a link.
    """
    target = write_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = part_name(target)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise OutputError(f"cannot write to {target.parent}: {exc.strerror or exc}") from None
    try:
        yield tmp
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, *, sync: bool = False) -> None:
    """Write text (UTF-8) or bytes to `path` atomically (see `atomic_output`); `sync` flushes to disk first.

    Any failure (a full disk...) is an OutputError and leaves `path` as it was.
    """
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with atomic_output(path) as tmp, open(tmp, "wb") as f:
            f.write(blob)
            if sync:
                f.flush()
                os.fsync(f.fileno())
    except OutputError:
        raise
    except OSError as exc:  # a full disk, a quota, a file-size limit: the old file is still there
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def flock(path: Path, *, exclusive: bool, wait: bool = True) -> Iterator[bool]:
    """Hold an advisory lock on the file `path` (created if needed); yields False if `wait` is off and it is taken."""
    if sys.platform == "win32":  # no advisory locks: concurrent writers there rely on atomic renames alone
        yield True
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    with _holding(fd, exclusive, wait) as got:
        yield got


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive lock for a read-modify-write of `path` (e.g. voices.yaml) between processes.

    The lock is taken on the folder that holds the file, not on a lock file: the file itself is
    replaced by rename (so locking it would lock an inode that disappears), and a lock file would
    be litter beside the user's file, or impossible in a read-only folder.
    """
    if sys.platform == "win32":
        yield
        return
    folder = write_target(path).parent
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(f"cannot lock {path}: {exc.strerror or exc}") from None
    with _holding(fd, True, True):
        yield


@contextlib.contextmanager
def _holding(fd: int, exclusive: bool, wait: bool) -> Iterator[bool]:
    """flock an open descriptor for the block, then unlock and close it."""
    if sys.platform == "win32":
        os.close(fd)
        yield True
        return
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _cut_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def safe_name(text: str, limit: int = 80) -> str:
    """A file or folder name that is valid everywhere and still reads like the title.

    At most `limit` characters and far below the 255-byte limit of file systems even in scripts
    of four-byte characters, leaving room for a track number and an extension.
    """
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', " ", clean_line(text) or "")
    name = " ".join(name.split()).strip(" .")
    name = _cut_bytes(name[:limit], NAME_MAX_BYTES - 40).rstrip(" .")
    return name or "untitled"


__all__ = ["default_cache_dir", "write_target", "atomic_output", "write_atomic", "flock", "file_lock", "safe_name",
           "sweep_parts", "part_name", "part_writer", "pid_alive", "PART_SUFFIX"]
