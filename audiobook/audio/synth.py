"""Synthesis: sentence-sized clips, every one checked, cached on disk by content, spread over processes."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import signal
import sys
import threading
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..engines import get_engine
from ..errors import OutputError, SynthesisError
from ..model import Clip, ClipJob
from ..workers import Workers

#: Clips are sentence-sized: the cache's unit of reuse. (pyttsx3's own loop also returned before
#: espeak had finished text over ~200 characters, writing no file; we now run espeak synchronously: see
#: engines/synchronous.py.)
MAX_CHARS = 180

Progress = Callable[[str, int, int], None]

#: Clips synthesised in reading order by windows of this many, each window sorted by voice.
_VOICE_WINDOW = 256

#: A sentence's end: its stop and any closing quotes or brackets, then the space where it is cut (group 1).
_SENTENCE_END = re.compile(r"[.!?…;:][\"')\]]*(\s+)")
_SOFT_BREAK = re.compile(r"(?<=[,;:—–-])\s+")


def chunk_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split speakable text into pieces of at most `limit` characters, at sentence ends when possible."""
    text = " ".join(text.split())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    # cut at the space after each sentence: the closing quotes and brackets stay with their sentence
    for cut in [*(m.span(1) for m in _SENTENCE_END.finditer(text)), (len(text), len(text))]:
        sentence = text[start:cut[0]].strip()
        if sentence:
            pieces.extend(_split_long(sentence, limit))
        start = cut[1]
    return pieces


def _split_long(text: str, limit: int) -> list[str]:
    """Break an over-long sentence at clause breaks, then at spaces, never inside a word."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    current = ""
    for part in _SOFT_BREAK.split(text):
        for word in ([part] if len(part) <= limit else part.split(" ")):
            while len(word) > limit:  # a single monstrous "word" (a URL the normaliser left): cut it
                if current:
                    out.append(current)
                    current = ""
                out.append(word[:limit])
                word = word[limit:]
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= limit:
                current = candidate
            else:
                out.append(current)
                current = word
    if current:
        out.append(current)
    return out


def clip_key(job: ClipJob, engine_version: str) -> str:
    """Content address of a clip: text + engine + voice settings + engine version."""
    # Optional settings left unset are left out: a voice without them keeps the key it always had.
    voice = {k: v for k, v in asdict(job.voice).items() if v is not None}
    blob = json.dumps({"text": job.text, "voice": voice, "engine": engine_version}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def wav_frames(path: Path) -> int:
    """Number of samples in a WAV clip, 0 when the file is missing, truncated or empty."""
    try:
        with open(path, "rb") as f, wave.open(f, "rb") as w:
            frames = w.getnframes()
            # A file cut short (a full disk, a killed writer without our rename) has a header that
            # promises more samples than the file holds: not a clip.
            if os.fstat(f.fileno()).st_size < 44 + frames * w.getsampwidth() * w.getnchannels():
                return 0
            return frames
    except (OSError, EOFError, wave.Error):
        return 0


#: Every temporary file a writer makes carries its pid, so a later run can tell a dead writer's leftovers
#: (a worker killed mid-write) from a live one's (another render working in the same cache right now).
TMP_SUFFIX = ".tmp.wav"


def tmp_name(dest: Path, tag: str = "") -> Path:
    """A temp path beside `dest`, hidden, naming this process: `.<stem>.<pid>[.<tag>].tmp.wav`."""
    return dest.with_name(f".{dest.stem}.{os.getpid()}{'.' + tag if tag else ''}{TMP_SUFFIX}")


def install_clip(tmp: Path, dest: Path) -> int:
    """Move a finished clip into place and return its samples; a valid clip already there is kept.

    Two renders may synthesise the same sentence at once: the first one in wins and the entry never
    changes after that, so whoever read it sees the same audio (espeak's output varies run to run).
    """
    try:
        os.link(tmp, dest)
    except FileExistsError:
        frames = wav_frames(dest)
        if frames > 0:
            tmp.unlink(missing_ok=True)
            return frames
        os.replace(tmp, dest)  # what is there is damaged (not written by us): replace it
    except OSError:  # a filesystem without hard links: a rename is atomic too
        os.replace(tmp, dest)
    else:
        tmp.unlink(missing_ok=True)
    return wav_frames(dest)


class ClipStore:
    """A folder of WAV clips named by content; writes go to a temp name then are renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where the clip with this key lives (whether or not it exists yet)."""
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, sample_rate: int) -> Clip | None:
        """The cached clip, or None when absent or unreadable; a hit counts as a use for eviction."""
        path = self.path(key)
        frames = wav_frames(path)
        if frames <= 0:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least-recently-used eviction goes by modification time
        return Clip(path, frames, sample_rate)


def _write_clip(text: str, job: ClipJob, dest: Path) -> int:
    """Synthesise `text` into `dest`, checking the result; retry once, then split in two."""
    try:
        return _write_clip_checked(text, job, dest, "")
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OutputError(f"no space left on the disk holding the clip cache ({dest.parent.parent}); "
                              "free some space and run again: clips already made are kept") from None
        raise OutputError(f"cannot write the clip {dest}: {exc.strerror or exc}") from None


def _write_clip_checked(text: str, job: ClipJob, dest: Path, tag: str) -> int:
    engine = get_engine(job.voice.engine)
    tmp = tmp_name(dest, tag)
    try:
        for _attempt in range(2):
            engine.synthesize(text, job.voice, tmp)
            if wav_frames(tmp) > 0:
                return install_clip(tmp, dest)
        tmp.unlink(missing_ok=True)
        _probe_space(dest)  # the engine could not save the file because the disk is full? Say that instead.
        words = text.split(" ")
        if len(words) < 2:
            raise SynthesisError(f"the speech engine produced no audio for {text[:60]!r} (voice {job.voice.voice})")
        # Split smaller: two halves, each checked the same way, joined into one clip.
        half = len(words) // 2
        parts = [" ".join(words[:half]), " ".join(words[half:])]
        pcm = b""
        params = None
        for i, part in enumerate(parts):
            piece = tmp_name(dest, f"{tag}part{i}")  # a temp name too: swept if we are killed
            piece.unlink(missing_ok=True)
            try:
                _write_clip_checked(part, job, piece, "")
                with wave.open(str(piece), "rb") as w:
                    params = w.getparams()
                    pcm += w.readframes(w.getnframes())
            finally:
                piece.unlink(missing_ok=True)
        assert params is not None
        with wave.open(str(tmp), "wb") as w:
            w.setparams(params)
            w.writeframes(pcm)
        return install_clip(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@functools.cache
def _folder(path: str) -> None:
    """Make a cache shard folder (once per process: there are thousands of clips and 256 folders)."""
    os.makedirs(path, exist_ok=True)


def _probe_space(dest: Path, size: int = 1 << 20) -> None:
    """Raise the OSError a clip's worth of bytes meets in the clip's folder (a full disk, a file size limit).

    pyttsx3 saves the WAV inside espeak's callback, where a failed write only leaves no file: this
    finds the cause, so the user is told about the disk rather than about the engine.
    """
    probe = tmp_name(dest, "probe")
    try:
        with open(probe, "wb") as f:
            f.write(bytes(size))
            f.flush()
    finally:
        probe.unlink(missing_ok=True)


def _worker(task: tuple[ClipJob | None, str, int, str | None]) -> tuple[str, int]:
    """Synthesise a clip (unless `job` is None: it is cached) and measure it for levelling when asked."""
    job, dest, frames, analyses = task
    if not getattr(sys.unraisablehook, "quiet", False):  # in a worker: engine callback failures are ours to report
        sys.unraisablehook = _quiet_callback_errors(sys.unraisablehook)
    path = Path(dest)
    if job is not None:
        _folder(str(path.parent))
        frames = _write_clip(job.text, job, path)
    if analyses is not None:
        from .loudness import clip_analysis  # only renders that level load it

        with contextlib.suppress(OutputError):  # an unreadable clip is reported where it is encoded
            clip_analysis(Clip(path, frames, 0), Path(analyses))
    return dest, frames


def synthesize(
    jobs: Sequence[ClipJob], store: ClipStore, *, workers: int | Workers = 1, progress: Progress | None = None,
    analyses: Path | None = None,
) -> tuple[list[Clip], int]:
    """Clips for `jobs`, in order, and how many had to be synthesised (the rest came from the store).

    `workers` is a number of processes or a shared `Workers` pool; small batches stay in this process.
    With `analyses` (a folder), every clip is also measured for levelling (`loudness.clip_analysis`)
    in the process that made it, unless it was measured before.
    """
    rates = {}
    versions = {}
    for job in jobs:
        if job.voice.engine not in versions:
            engine = get_engine(job.voice.engine)
            versions[job.voice.engine] = engine.version()
            rates[job.voice.engine] = engine.sample_rate
    keys = [clip_key(job, versions[job.voice.engine]) for job in jobs]
    clips: dict[str, Clip] = {}
    todo: dict[str, ClipJob] = {}
    unmeasured: list[Clip] = []
    for key, job in zip(keys, jobs):
        if key in clips or key in todo:
            continue
        cached = store.get(key, rates[job.voice.engine])
        if cached is not None:
            clips[key] = cached
            if analyses is not None and not _measured(cached, analyses):
                unmeasured.append(cached)
        else:
            todo[key] = job
    total = len(todo)
    done = 0
    if progress:
        progress("synthesize", 0, total)
    # Jobs come in reading order, so an interrupted render has its first chapters complete.
    where = None if analyses is None else str(analyses)
    # Reading order, but within each window of jobs one voice after another: switching espeak's voice
    # costs ~7 ms, as much as a short sentence.
    ordered = sorted(enumerate(todo.items()), key=lambda e: (e[0] // _VOICE_WINDOW, repr(e[1][1].voice), e[0]))
    tasks: list[tuple[ClipJob | None, str, int, str | None]] = [
        (job, str(store.path(key)), 0, where) for _, (key, job) in ordered]
    tasks += [(None, str(c.path), c.frames, where) for c in unmeasured]
    by_path: dict[str, str] = {str(store.path(key)): key for key in todo}
    own = None
    if isinstance(workers, int):
        if workers > 1 and len(tasks) >= 2 * workers:
            pool = own = Workers(workers)
        else:
            pool = None
    else:
        pool = workers if workers.worth_for_clips(len(tasks)) else None
    results: Iterator[tuple[str, int]]
    with own if own is not None else contextlib.nullcontext(), interruptible() as check:
        if pool is None:
            results = map(_worker, tasks)
        else:
            # Small chunks: the last one decides how long the other worker waits before encoding starts.
            chunk = max(1, min(4, len(tasks) // (pool.n * 8)))
            results = pool.pool().imap_unordered(_worker, tasks, chunksize=chunk)
        for dest, frames in results:
            check()  # a Ctrl-C or SIGTERM that came while the engine was speaking stops us here
            if dest not in by_path:  # a cached clip, measured
                continue
            key = by_path[dest]
            clips[key] = Clip(Path(dest), frames, rates[todo[key].voice.engine])
            done += 1
            if progress:
                progress("synthesize", done, total)
    return [clips[key] for key in keys], total


@contextlib.contextmanager
def interruptible() -> Iterator[Callable[[], None]]:
    """Ctrl-C and SIGTERM stop synthesis between two clips, never inside the speech engine.

    espeak calls back into Python from its own thread through ctypes: a KeyboardInterrupt raised
    there is printed as "Exception ignored on calling ctypes callback" and the engine goes on to print
    "Audio saved to ..." after we have said we stopped. So while clips are made in this process, a
    signal only sets a flag, and the returned `check()` raises KeyboardInterrupt between clips. A
    second signal stops at once. Outside the main thread (or where SIGINT is ignored) nothing changes.
    """
    pending: list[int] = []

    def check() -> None:
        if pending:
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield check
        return

    def defer(signum: int, frame: object) -> None:
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, defer)
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_callback_errors(hook)
    try:
        yield check
        check()
    finally:
        sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _quiet_callback_errors(fallback: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that keeps the engine callback's failures off the terminal.

    When pyttsx3's callback cannot save the WAV (a full disk) it raises inside the ctypes callback;
    the clip is then missing, which `_write_clip` finds and reports with the real cause.
    """
    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, (KeyboardInterrupt, RuntimeError, OSError, ReferenceError)):
            return
        fallback(unraisable)

    hook.quiet = True  # type: ignore[attr-defined]
    return hook


def synthesize_jobs(
    jobs: Sequence[ClipJob], store: ClipStore, *, workers: int | Workers = 1, progress: Progress | None = None,
    analyses: Path | None = None,
) -> tuple[dict[ClipJob, Clip], int]:
    """`synthesize`, answered as the clip of each job (equal jobs share a clip): callers look their clips up
    by the jobs they planned, in whatever grouping they planned them."""
    clips, made = synthesize(jobs, store, workers=workers, progress=progress, analyses=analyses)
    return dict(zip(jobs, clips)), made


def _measured(clip: Clip, analyses: Path) -> bool:
    from .loudness import analysis_path

    return analysis_path(clip, analyses).is_file()
