"""Chapter files: fragments encoded in worker processes and cached, spliced into files written atomically.

A chapter's MP3 is its timeline's fragments (each encoded once, cached by content in the clip cache's
`fragments/` folder), behind an Info frame, with ID3 tags. So a re-render encodes only the fragments
whose clips or levels changed (one character's lines after a voice change), and a chapter none of
whose fragments or tags changed is not even spliced again: after writing one we record a fingerprint
of its fragment keys and tags next to the clip cache (`<cache>/renders/`), with the file's size and
modification time, and a later render whose fingerprint matches and whose file is untouched keeps it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..errors import OutputError
from ..fsutil import atomic_output, write_atomic
from ..publish.tags import TrackTags, read_stamp, write_tags
from ..workers import Workers
from .assemble import ENCODER_VERSION, FragmentStore, encode_fragment, fragment_key, write_mp3
from .synth import Progress
from .timeline import SAMPLE_RATE, Fragment, Timeline


@dataclass(frozen=True)
class ChapterJob:
    """Everything needed to write one chapter file (picklable, for a worker process)."""

    dest: Path
    timeline: Timeline
    bitrate: int
    tags: TrackTags
    #: Each voice group's levelling gain (dB); None: the clips as synthesised (no levelling).
    gains: tuple[tuple[str, float], ...] | None = None

    def gain(self, group: str) -> float | None:
        """The levelling gain of a voice group (None when the chapter is not levelled)."""
        return None if self.gains is None else dict(self.gains).get(group, 0.0)

    def keys(self) -> list[str]:
        """The content key of every fragment, in order."""
        return [fragment_key(f, self.bitrate, self.gain(f.group)) for f in self.timeline.fragments]

    def frames(self) -> int:
        """Samples in the chapter (how much encoding work it is at most)."""
        return self.timeline.frames


def fingerprint(job: ChapterJob, keys: Sequence[str]) -> str:
    """A hash of everything the chapter's bytes depend on: its fragments (by content), tags, the file format."""
    tags = replace(job.tags, rendered=None, source=None)  # the stamp records the fingerprint, not part of it
    blob = json.dumps({"encoder": ENCODER_VERSION, "fragments": list(keys), "tags": asdict(tags)},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _record_path(records: Path, dest: Path) -> Path:
    return records / f"{hashlib.sha256(str(dest.resolve()).encode('utf-8')).hexdigest()[:40]}.json"


def _reusable(job: ChapterJob, records: Path, fp: str) -> bool:
    """Whether `dest` is the file we wrote from the same inputs, untouched since."""
    try:
        record = json.loads(_record_path(records, job.dest).read_text(encoding="utf-8"))
        st = job.dest.stat()
        return bool((record["fingerprint"], record["size"], record["mtime_ns"]) == (fp, st.st_size, st.st_mtime_ns))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _record(job: ChapterJob, records: Path, fp: str) -> None:
    """Remember what we wrote (best effort: without a record the chapter is simply spliced again next time)."""
    try:
        st = job.dest.stat()
        records.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"dest": str(job.dest), "fingerprint": fp, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                           "duration_ms": job.timeline.duration_ms})
        write_atomic(_record_path(records, job.dest), text)
    except (OSError, OutputError):
        pass


@dataclass(frozen=True)
class _Task:
    key: str
    fragment: Fragment
    bitrate: int
    gain: float | None
    store: Path  # the cache root
    analyses: Path | None


def _encode(task: _Task) -> str:
    """Encode one fragment into the fragment store (in a worker process)."""
    data = encode_fragment(task.fragment, task.bitrate, task.gain, task.analyses)
    FragmentStore(task.store).put(task.key, data)
    return task.key


def _stamped(job: ChapterJob, fp: str) -> TrackTags:
    """The tags with the fingerprint and render time: the time the file in place has, if it holds the same."""
    source, rendered = read_stamp(job.dest) if job.dest.is_file() else (None, None)
    if source != fp or not rendered:
        # SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes "now": two renders then write the same bytes.
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
        rendered = now.replace(microsecond=0).isoformat()
    return replace(job.tags, source=fp, rendered=rendered)


def write_chapter(job: ChapterJob, store: FragmentStore, keys: Sequence[str]) -> None:
    """Splice the chapter's encoded fragments into a temp file, tag it, then rename it into place."""
    tags = _stamped(job, fingerprint(job, keys))
    try:
        # A concurrent render of the same book: either complete file wins.
        with atomic_output(job.dest) as tmp:
            tmp.write_bytes(b"")
            write_tags(tmp, tags)  # first, into the empty file: the audio is then written once, after it
            write_mp3(tmp, job.timeline, (store.get(k) for k in keys), append=True)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {job.dest}: {exc.strerror or exc}") from None


def write_chapters(jobs: Sequence[ChapterJob], *, workers: Workers, root: Path, analyses: Path | None = None,
                   records: Path | None = None, progress: Progress | None = None) -> int:
    """Write every chapter file; returns how many fragments had to be encoded.

    `root` is the cache folder (fragments are kept in `root/fragments`). With `records` (a folder
    beside it), chapters whose fragments and tags are unchanged and whose file is untouched are kept.
    """
    store = FragmentStore(root)
    keys = [job.keys() for job in jobs]
    prints = [fingerprint(job, k) for job, k in zip(jobs, keys)]
    changed = [i for i, job in enumerate(jobs) if records is None or not _reusable(job, records, prints[i])]
    todo: dict[str, _Task] = {}
    for i in changed:
        job = jobs[i]
        for key, fragment in zip(keys[i], job.timeline.fragments):
            if key not in todo and not store.has(key):
                todo[key] = _Task(key, fragment, job.bitrate, job.gain(fragment.group), root, analyses)
    # Longest first, so the last fragment to finish is a short one and no worker idles long.
    tasks = sorted(todo.values(), key=lambda t: -t.fragment.length)
    seconds = sum(t.fragment.length for t in tasks) / SAMPLE_RATE
    if progress:
        progress("encode", 0, len(tasks))
    finished: Iterator[str]
    if workers.worth_for_audio(seconds, len(tasks)):
        finished = workers.pool().imap_unordered(_encode, tasks)  # one by one: longest first only works so
    else:
        finished = map(_encode, tasks)
    for done, _key in enumerate(finished, 1):
        if progress:
            progress("encode", done, len(tasks))
    if progress:
        progress("assemble", 0, len(changed))
    for done, i in enumerate(changed, 1):
        write_chapter(jobs[i], store, keys[i])
        if records is not None:
            _record(jobs[i], records, prints[i])
        if progress:
            progress("assemble", done, len(changed))
    return len(tasks)

