"""Chapter files: encoded in worker processes, written atomically, skipped when nothing in them changed.

A chapter's MP3 depends only on its clips (content-addressed), the segments' pause structure,
the pauses, the bitrate, the tags and the encoder code. After writing one we record a
fingerprint of all that next to the clip cache (`<cache>/renders/`), with the file's size and
modification time; a later render whose fingerprint matches and whose file is untouched keeps
the file instead of encoding it again. Encoding is ~80% of a cold render, so this is what makes
a re-render with nothing (or one voice) changed take seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from ..errors import OutputError
from ..fsutil import atomic_output, write_atomic
from ..model import Clip, Pauses
from ..publish import tags
from ..publish.tags import TrackTags, write_tags
from ..workers import Workers
from . import assemble
from .assemble import Spoken, encode
from .synth import Progress

Spans = tuple[tuple[int, int], ...]  # (start_ms, end_ms) of each segment, in order

@dataclass(frozen=True)
class ChapterJob:
    """Everything needed to write one chapter file (picklable, for a worker process)."""

    dest: Path
    lead: tuple[Clip, ...]  # the chapter title, read by the narrator
    spoken: tuple[Spoken, ...]
    pauses: Pauses
    bitrate: int
    tags: TrackTags
    #: (source, levelled, gain dB) of every clip to write just before encoding, and remove after: one
    #: chapter's levelled clips exist at a time per worker, not the whole book's. Not part of the
    #: fingerprint: levelled clips are named by their source, gain and levelling code.
    levels: tuple[tuple[Clip, Clip, float], ...] = ()
    analyses: Path | None = None  # where the clips' loudness measurements are cached (`loudness.clip_analysis`)

    def frames(self) -> int:
        """Samples of speech in the chapter (how much encoding work it is)."""
        return sum(c.frames for c in self.lead) + sum(c.frames for s in self.spoken for c in s.clips)


def _code_version() -> str:
    """Changes whenever the bytes we would write could change: encoder and tagger code and versions."""
    h = hashlib.sha256()
    for module in (assemble, tags):
        with contextlib.suppress(OSError, TypeError):
            h.update(Path(module.__file__ or "").read_bytes())
    for dist in ("lameenc", "mutagen", "pydub"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{dist}={metadata.version(dist)}".encode())
    return h.hexdigest()


_CODE: str | None = None


def fingerprint(job: ChapterJob) -> str:
    """A hash of everything the chapter's bytes depend on (clips are named by their content)."""
    global _CODE
    if _CODE is None:
        _CODE = _code_version()
    blob = json.dumps({
        "code": _CODE,
        "lead": [c.path.name for c in job.lead],
        "spoken": [[s.segment.kind, s.segment.paragraph, s.segment.scene, [c.path.name for c in s.clips]]
                   for s in job.spoken],
        "pauses": asdict(job.pauses),
        "bitrate": job.bitrate,
        "tags": asdict(job.tags),
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _record_path(records: Path, dest: Path) -> Path:
    return records / f"{hashlib.sha256(str(dest.resolve()).encode('utf-8')).hexdigest()[:40]}.json"


def _reusable(job: ChapterJob, records: Path, fp: str) -> tuple[int, Spans] | None:
    """The recorded (duration, spans) when `dest` is the file we wrote from the same inputs, untouched."""
    try:
        record = json.loads(_record_path(records, job.dest).read_text(encoding="utf-8"))
        st = job.dest.stat()
        if (record["fingerprint"], record["size"], record["mtime_ns"]) != (fp, st.st_size, st.st_mtime_ns):
            return None
        spans = tuple((int(a), int(b)) for a, b in record["spans"])
        if len(spans) != len(job.spoken):
            return None
        return int(record["duration_ms"]), spans
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record(job: ChapterJob, records: Path, fp: str, duration: int, spans: Spans) -> None:
    """Remember what we wrote (best effort: without a record the chapter is simply encoded next time)."""
    try:
        st = job.dest.stat()
        records.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"dest": str(job.dest), "fingerprint": fp, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                           "duration_ms": duration, "spans": spans})
        write_atomic(_record_path(records, job.dest), text)
    except (OSError, OutputError):
        pass


def write_chapter(job: ChapterJob) -> tuple[int, Spans]:
    """Encode and tag one chapter into a temp file, then rename it into place; returns (duration, spans)."""
    try:
        # A concurrent render of the same book: either complete file wins.
        with atomic_output(job.dest) as tmp:
            if job.levels:
                from .loudness import (  # only workers that encode levelled chapters load it
                    Levelled,
                    materialise,
                )

                materialise(Levelled((), (), job.levels), job.analyses)
            duration, cues = encode(job.spoken, tmp, pauses=job.pauses, bitrate=job.bitrate, lead=job.lead)
            write_tags(tmp, job.tags)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {job.dest}: {exc.strerror or exc}") from None
    finally:
        _remove_levelled(job)
    return duration, tuple((c.start_ms, c.end_ms) for c in cues)


def _remove_levelled(job: ChapterJob) -> None:
    # The chapter is encoded (or failed): its levelled clips are not needed again.
    folders = set()
    for _, levelled, _ in job.levels:
        with contextlib.suppress(OSError):
            levelled.path.unlink()
        folders.add(levelled.path.parent)
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write_indexed(task: tuple[int, ChapterJob]) -> tuple[int, int, Spans]:
    i, job = task
    duration, spans = write_chapter(job)
    return i, duration, spans


def write_chapters(jobs: Sequence[ChapterJob], *, workers: Workers, records: Path | None = None,
                   progress: Progress | None = None) -> tuple[list[tuple[int, Spans]], int]:
    """Write every chapter (in parallel when worth it); returns each (duration_ms, spans) and how many were encoded.

    With `records` (a folder beside the clip cache), unchanged chapters are kept, not re-encoded.
    """
    results: list[tuple[int, Spans] | None] = [None] * len(jobs)
    prints: dict[int, str] = {}
    todo: list[int] = []
    for i, job in enumerate(jobs):
        if records is not None:
            prints[i] = fingerprint(job)
            kept = _reusable(job, records, prints[i])
            if kept is not None:
                results[i] = kept
                continue
        todo.append(i)
    done = len(jobs) - len(todo)
    if progress:
        progress("assemble", done, len(jobs))
    # Longest first, so the last chapter to finish is a short one and no worker idles long.
    todo.sort(key=lambda i: -jobs[i].frames())
    audio_s = sum(jobs[i].frames() for i in todo) / assemble.SAMPLE_RATE
    parallel = workers.worth_for_audio(audio_s, len(todo))
    tasks = [(i, jobs[i]) for i in todo]
    finished = workers.pool().imap_unordered(_write_indexed, tasks) if parallel else map(_write_indexed, tasks)
    for i, duration, spans in finished:
        results[i] = (duration, spans)
        if records is not None:
            _record(jobs[i], records, prints[i], duration, spans)
        done += 1
        if progress:
            progress("assemble", done, len(jobs))
    return [r for r in results if r is not None], len(todo)
