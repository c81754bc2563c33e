"""Podcast- and player-ready output: what the render pipeline adds around encoding.

Before encoding (`prepare`): each chapter's voices are levelled to -16 LUFS (`loudness`) and its
tags gain the transcript, chapter frames at scene breaks and the cover (`tags`); the chapter frames
come from the layout the encoder will use (`timeline`), because tagging happens in the worker that
encodes. After (`finish`): subtitles beside each chapter, the podcast feed, and an .m4b if asked.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import ID3

from ..audio.assemble import SAMPLE_RATE
from ..audio.loudness import (
    ENCODER_GAIN_DB,
    TARGET_LUFS,
    LevelPlan,
    apply_plan,
    materialise,  # noqa: F401  (re-exported: tests watch it; outputs.write_chapter calls it)
    plan_chapter,
    plan_key,
)
from ..audio.outputs import ChapterJob
from ..audio.timeline import layout
from ..errors import ConfigError, OutputError
from ..fsutil import write_atomic
from ..model import Clip, RenderedChapter
from ..workers import Workers
from .cover import COVER_NAME, cover_bytes, stage_cover, write_once
from .feed import DEFAULT_BASE_URL, write_feed
from .subtitles import write_subtitles
from .tags import TrackTags, chapter_marks, transcript

FORMATS = ("mp3", "m4b")
#: What the clips are levelled to: -16 LUFS in the MP3, after the encoder's own gain.
TARGET = TARGET_LUFS - ENCODER_GAIN_DB


@dataclass(frozen=True)
class PublishOptions:
    """How the finished files are dressed: cover, tag version, loudness, extra formats, feed URL."""

    cover: Path | None = None  # the user's image; None: a generated cover
    id3_version: int = 4
    normalize: bool = True  # level voices and chapters to -16 LUFS, true peak <= -1 dBTP
    formats: tuple[str, ...] = ("mp3",)
    base_url: str | None = None  # enclosure URLs in feed.xml; None: DEFAULT_BASE_URL
    year: str | None = None

    def __post_init__(self) -> None:
        if self.id3_version not in (3, 4):
            raise ConfigError(f"ID3 version must be 3 or 4, not {self.id3_version}")
        if self.year is not None and not re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", self.year):
            raise ConfigError(f"year {self.year!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ConfigError(f"unknown output format {unknown[0]!r} (choose from {', '.join(FORMATS)})")


#: Chapter level plans (small JSON files) under the clip cache: a re-render does not measure again.
PLANS = "levels"

#: Per-clip measurements (`loudness.clip_analysis`), by clip: planning and limiting reuse them.
ANALYSES = f"{PLANS}/clips"

_SCRATCH: list[Path] = []


def _scratch() -> Path:
    """A folder for this render's levelled clips; removed by `finish`, or at exit if the render failed."""
    path = Path(tempfile.mkdtemp(prefix="audiobook-levelled-"))
    _SCRATCH.append(path)
    atexit.register(shutil.rmtree, path, True)
    return path


def _plan(job: ChapterJob, store_root: Path) -> LevelPlan:
    """The chapter's level plan: from the cache when the same clips were planned before, else measured."""
    key = plan_key(job.spoken, job.pauses, job.lead, TARGET)
    path = store_root / PLANS / f"{key}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(path.read_text(encoding="utf-8"))
        return LevelPlan({str(k): float(v) for k, v in data["gains_db"].items()}, float(data["source_lufs"]),
                         float(data["target"]))
    plan = plan_chapter(job.spoken, job.pauses, job.lead, target=TARGET, analyses=store_root / ANALYSES)
    with contextlib.suppress(OSError, OutputError):  # best effort: without it the next render measures again
        write_atomic(path, json.dumps(plan.as_json()))
    return plan


def _prepare_one(task: tuple[ChapterJob, Path, Path, PublishOptions, str | None, str | None]) -> ChapterJob:
    job, store_root, scratch, options, cover, digest = task
    lead, spoken = job.lead, job.spoken
    levels: tuple[tuple[Clip, Clip, float], ...] = ()
    if options.normalize:
        # Each chapter's levelled clips in a folder of their own: the worker that encodes the
        # chapter writes them just before and removes them after (`outputs.write_chapter`).
        folder = scratch / hashlib.sha256(str(job.dest).encode("utf-8")).hexdigest()[:20]
        levelled = apply_plan(spoken, _plan(job, store_root), folder, lead)
        lead, spoken, levels = levelled.lead, levelled.spoken, levelled.sources
    timeline = layout(spoken, job.pauses, lead)
    tags = replace(job.tags, lyrics=transcript(job.tags.title, [s.segment for s in spoken]),
                   chapters=chapter_marks(job.tags.title, timeline.cues, timeline.duration_ms),
                   cover=cover, cover_digest=digest, id3_version=options.id3_version,
                   year=job.tags.year or options.year)
    return replace(job, lead=lead, spoken=spoken, tags=tags, levels=levels,
                   analyses=store_root / ANALYSES if levels else None)


def prepare(jobs: Sequence[ChapterJob], store_root: Path, options: PublishOptions, *,
            workers: Workers | None = None) -> list[ChapterJob]:
    """The chapter jobs with levelled clips and full tags (nothing is written to the book folder yet).

    `store_root` is the clip cache (level plans and the staged cover go there). Levelled clips
    are named here (in a scratch folder) but written by the worker that encodes the chapter, one
    chapter at a time, and only for chapters that will be encoded.
    """
    if not jobs:
        return []
    first: TrackTags = jobs[0].tags
    cover, digest = stage_cover(cover_bytes(first.album, first.artist, options.cover), store_root)
    scratch = _scratch()
    tasks = [(job, store_root, scratch, options, str(cover), digest) for job in jobs]
    if workers is not None and options.normalize:
        seconds = sum(job.frames() for job in jobs) / SAMPLE_RATE
        if workers.worth_for_audio(seconds, len(jobs)):
            return list(workers.pool().map(_prepare_one, tasks))
    return [_prepare_one(t) for t in tasks]


def _embedded_cover(path: Path) -> bytes | None:
    try:
        pictures = ID3(str(path)).getall("APIC")
    except (MutagenError, OSError):
        return None
    return bytes(pictures[0].data) if pictures else None


def finish(folder: Path, chapters: Sequence[RenderedChapter], options: PublishOptions) -> list[Path]:
    """Subtitles beside every chapter, `feed.xml` over all chapter files in `folder`, an .m4b if asked."""
    while _SCRATCH:  # the chapters are encoded: their levelled clips are no longer needed
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)
    written: list[Path] = []
    picture = _embedded_cover(chapters[0].path) if chapters else None
    if picture:  # the feed's image is the very picture in the chapters' tags
        written.append(write_once(folder / COVER_NAME, picture))
    for ch in chapters:
        written += write_subtitles(ch.path, ch.cues)
    if "m4b" in options.formats and chapters:
        from .m4b import write_m4b

        written.append(write_m4b(folder))
    written.append(write_feed(folder, options.base_url or DEFAULT_BASE_URL))
    return written
