"""Synthesis: sentence-sized clips, every one checked, cached on disk by content, spread over processes."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from .engines import get_engine
from .errors import SynthesisError
from .model import Clip, ClipJob

#: espeak via pyttsx3 sometimes writes no file for text over ~200 characters; stay well under.
MAX_CHARS = 180

Progress = Callable[[str, int, int], None]

_SENTENCE_END = re.compile(r"(?<=[.!?…;:])[\"')\]]*\s+")
_SOFT_BREAK = re.compile(r"(?<=[,;:—–-])\s+")


def chunk_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split speakable text into pieces of at most `limit` characters, at sentence ends when possible."""
    text = " ".join(text.split())
    if not text:
        return []
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if sentence:
            pieces.extend(_split_long(sentence, limit))
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
    blob = json.dumps({"text": job.text, "voice": asdict(job.voice), "engine": engine_version}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def wav_frames(path: Path) -> int:
    """Number of samples in a WAV clip, 0 when the file is missing, truncated or empty."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0


class ClipStore:
    """A folder of WAV clips named by content; writes go to a temp name then are renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where the clip with this key lives (whether or not it exists yet)."""
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, sample_rate: int) -> Clip | None:
        """The cached clip, or None when absent or unreadable."""
        path = self.path(key)
        frames = wav_frames(path)
        if frames <= 0:
            return None
        return Clip(path, frames, sample_rate)


def _write_clip(text: str, job: ClipJob, dest: Path) -> int:
    """Synthesise `text` into `dest`, checking the result; retry once, then split in two."""
    engine = get_engine(job.voice.engine)
    tmp = dest.with_name(f".{dest.stem}.{os.getpid()}.tmp.wav")
    for _attempt in range(2):
        engine.synthesize(text, job.voice, tmp)
        frames = wav_frames(tmp)
        if frames > 0:
            os.replace(tmp, dest)
            return frames
    tmp.unlink(missing_ok=True)
    words = text.split(" ")
    if len(words) < 2:
        raise SynthesisError(f"the speech engine produced no audio for {text[:60]!r} (voice {job.voice.voice})")
    # Split smaller: two halves, each checked the same way, joined into one clip.
    half = len(words) // 2
    parts = [" ".join(words[:half]), " ".join(words[half:])]
    pcm = b""
    params = None
    for i, part in enumerate(parts):
        piece = dest.with_name(f".{dest.stem}.{os.getpid()}.part{i}.wav")
        _write_clip(part, job, piece)
        with wave.open(str(piece), "rb") as w:
            params = w.getparams()
            pcm += w.readframes(w.getnframes())
        piece.unlink()
    assert params is not None
    with wave.open(str(tmp), "wb") as w:
        w.setparams(params)
        w.writeframes(pcm)
    os.replace(tmp, dest)
    return wav_frames(dest)


def _worker_init() -> None:
    # Ctrl-C is the parent's to handle: workers just stop when the pool is terminated.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker(task: tuple[ClipJob, str]) -> tuple[str, int]:
    job, dest = task
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    return dest, _write_clip(job.text, job, path)


def synthesize(
    jobs: Sequence[ClipJob], store: ClipStore, *, workers: int = 1, progress: Progress | None = None
) -> tuple[list[Clip], int]:
    """Clips for `jobs`, in order, and how many had to be synthesised (the rest came from the store)."""
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
    for key, job in zip(keys, jobs):
        if key in clips or key in todo:
            continue
        cached = store.get(key, rates[job.voice.engine])
        if cached is not None:
            clips[key] = cached
        else:
            todo[key] = job
    total = len(todo)
    done = 0
    if progress:
        progress("synthesize", 0, total)
    tasks = [(job, str(store.path(key))) for key, job in todo.items()]
    by_path = {str(store.path(key)): key for key in todo}
    if workers <= 1 or total < 2 * workers:
        results = map(_worker, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_worker_init)
        results = pool.imap_unordered(_worker, tasks, chunksize=max(1, min(16, total // (workers * 8))))
    try:
        for dest, frames in results:
            key = by_path[dest]
            clips[key] = Clip(Path(dest), frames, rates[todo[key].voice.engine])
            done += 1
            if progress:
                progress("synthesize", done, total)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return [clips[key] for key in keys], total
