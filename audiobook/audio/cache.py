"""The clip cache on disk: size, clearing, least-recently-used eviction, stale temp files and locks.

Layout under the cache root (`fsutil.default_cache_dir()` or `--cache-dir`):
`<2 hex>/<sha256>.wav` clips (written by `synth`, never changed once in place),
`fragments/<2 hex>/<sha256>.mp3` encoded pieces of chapters (`assemble`), `levels/clips/` clip
measurements (`loudness`), `renders/*.json` records of finished chapter files (`outputs`),
`scratch/<pid>-*/` the working folders of `--no-cache` renders, `.lock` (held shared by every render,
exclusively by eviction and `cache clear`, so neither pulls clips from under a render in progress).
Clips and fragments are evicted together, least recently used first.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, OutputError
from ..fsutil import PART_SUFFIX, flock, part_writer, pid_alive
from .synth import TMP_SUFFIX

#: Default size limit of the clip cache (about 5 hours of speech per GB at 22 kHz, 16-bit mono).
DEFAULT_LIMIT = 2 * 1024**3
LIMIT_ENV = "AUDIOBOOK_CACHE_LIMIT"
RENDERS = "renders"
LOCK = ".lock"
SCRATCH = "scratch"
FRAGMENTS = "fragments"
MEASUREMENTS = "levels/clips"  # `loudness.clip_analysis` results, by clip

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_TMP = re.compile(r"^\..*\.(?P<pid>\d+)(?:\.[A-Za-z0-9]+)?" + re.escape(TMP_SUFFIX) + "$")


def put_file(path: Path, data: bytes) -> None:
    """Write a cache entry whole or not at all: a temp file named with our pid (swept if we die), then a rename.

    The cache's own files need none of `fsutil.atomic_output`'s care for modes and symlinks, and there
    are thousands of them: this costs two system calls where that costs eight.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}{PART_SUFFIX}")
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class CacheInUse(OutputError):
    """Another render holds the cache, so it cannot be cleared now."""


def parse_size(text: str, where: str = LIMIT_ENV) -> int:
    """Bytes in a size such as `2G`, `500M`, `1.5GB` or `1048576` (powers of 1024)."""
    m = _SIZE.match(str(text))
    if not m:
        raise ConfigError(f"{where}: {text!r} is not a size (examples: 2G, 500M, 1048576)")
    number, unit = float(m.group(1)), m.group(2).lower()
    return int(number * 1024 ** "_kmgt".index(unit or "_"))


def cache_limit(explicit: int | None = None) -> int:
    """The cache size limit: `explicit`, else $AUDIOBOOK_CACHE_LIMIT, else 2 GB."""
    if explicit is not None:
        return explicit
    env = os.environ.get(LIMIT_ENV)
    return parse_size(env) if env else DEFAULT_LIMIT


def human_size(n: int) -> str:
    """`1.5 GB`, `300 MB`, `12 kB`, `5 B`."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds."""

    root: Path
    clips: int
    bytes: int
    limit: int
    renders: int = 0  # records of finished chapter files
    temp_files: int = 0  # half-written clips of a live or dead writer
    fragments: int = 0  # encoded pieces of chapters (their bytes are in `bytes` too)


@dataclass(frozen=True)
class _Entry:
    path: Path
    size: int
    mtime: float


def _scan(root: Path) -> Iterator[os.DirEntry[str]]:
    """Every file in the shard folders of clips, fragments and measurements (files may vanish while we look)."""
    subdirs = []
    for folder in (root, root / FRAGMENTS, root / MEASUREMENTS):
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            subdirs += [d for d in os.scandir(folder) if d.is_dir() and len(d.name) == 2]
    for sub in subdirs:
        with contextlib.suppress(FileNotFoundError), os.scandir(sub.path) as it:
            yield from it


def _clips(root: Path) -> Iterator[_Entry]:
    """Every finished clip and encoded fragment under root (temp files excluded)."""
    for entry in _scan(root):
        if entry.name.endswith((".wav", ".mp3")) and not entry.name.startswith("."):
            with contextlib.suppress(FileNotFoundError):
                st = entry.stat()
                yield _Entry(Path(entry.path), st.st_size, st.st_mtime)


def _temps(root: Path) -> Iterator[tuple[Path, int]]:
    """Temp files (path, writer pid) under root."""
    for entry in _scan(root):
        m = _TMP.match(entry.name)
        pid = int(m.group("pid")) if m else part_writer(entry.name)
        if pid is not None:
            yield Path(entry.path), pid


def cache_info(root: Path, limit: int | None = None) -> CacheInfo:
    """Count the clips and bytes in the cache at `root`."""
    n = fragments = size = 0
    for entry in _clips(root):
        if entry.path.suffix == ".wav":
            n += 1
        else:
            fragments += 1
        size += entry.size
    renders = root / RENDERS
    n_renders = sum(1 for p in renders.glob("*.json")) if renders.is_dir() else 0
    temps = sum(1 for _ in _temps(root))
    return CacheInfo(root, n, size, cache_limit(limit), n_renders, temps, fragments)


def sweep_temp(root: Path) -> int:
    """Remove half-written clips whose writer is dead (killed mid-write); returns how many."""
    removed = 0
    for path, pid in _temps(root):
        if not pid_alive(pid):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


def sweep_scratch(root: Path) -> int:
    """Remove the scratch folders of `--no-cache` renders that died (killed); returns how many."""
    removed = 0
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(root / SCRATCH):
            pid = entry.name.split("-", 1)[0]
            if entry.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    return removed


@contextlib.contextmanager
def using_cache(root: Path) -> Iterator[None]:
    """Mark the cache as in use by this render (a shared lock) for the duration of the block."""
    with flock(root / LOCK, exclusive=False):
        yield


def evict(root: Path, limit: int | None = None) -> tuple[int, int]:
    """Delete least-recently-used clips until the cache fits `limit`; returns (clips, bytes) removed.

    Skipped (returns (0, 0)) while another render uses the cache: the next render evicts instead.
    """
    limit = cache_limit(limit)
    if not root.is_dir():
        return 0, 0
    with flock(root / LOCK, exclusive=True, wait=False) as mine:
        if not mine:
            return 0, 0
        sweep_temp(root)
        _prune_records(root / RENDERS)
        entries = list(_clips(root))
        total = sum(e.size for e in entries)
        if total <= limit:
            return 0, 0
        removed = freed = 0
        for entry in sorted(entries, key=lambda e: e.mtime):  # oldest use first
            if total - freed <= limit:
                break
            with contextlib.suppress(FileNotFoundError):
                entry.path.unlink()
                removed += 1
                freed += entry.size
        return removed, freed


def _prune_records(folder: Path) -> None:
    """Forget finished chapter files that no longer exist (deleted or moved by the user)."""
    with contextlib.suppress(FileNotFoundError):
        for record in folder.glob("*.json"):
            try:
                dest = json.loads(record.read_text(encoding="utf-8"))["dest"]
            except (OSError, ValueError, KeyError, TypeError):
                dest = None
            if dest is None or not Path(dest).exists():
                record.unlink(missing_ok=True)


def clear_cache(root: Path) -> tuple[int, int]:
    """Delete every clip and render record in the cache; returns (clips, bytes) removed."""
    if not root.is_dir():
        return 0, 0
    with flock(root / LOCK, exclusive=True, wait=False) as mine:
        if not mine:
            raise CacheInUse(f"the clip cache {root} is in use by a render; try again when it has finished")
        removed = freed = 0
        for entry in _clips(root):
            with contextlib.suppress(FileNotFoundError):
                entry.path.unlink()
                removed += 1
                freed += entry.size
        sweep_temp(root)
        shutil.rmtree(root / RENDERS, ignore_errors=True)
        for folder in (root, root / FRAGMENTS):
            with contextlib.suppress(OSError):
                for sub in folder.iterdir():
                    if sub.is_dir() and len(sub.name) == 2:
                        with contextlib.suppress(OSError):
                            sub.rmdir()  # only if empty: a live writer's temp file keeps its folder
        return removed, freed
