"""Podcast- and player-ready output: what the render pipeline adds around encoding.

Before encoding (`prepare`): each chapter's voices are levelled to -16 LUFS (`loudness`) and its
tags gain the transcript, chapter frames at scene breaks and the cover (`tags`); the chapter frames
come from the layout the encoder will use (`timeline`), because tagging happens in the worker that
encodes. After (`finish`): subtitles beside each chapter, the podcast feed, and an .m4b if asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import SAMPLE_RATE
from mutagen import MutagenError
from mutagen.id3 import ID3

from .cover import COVER_NAME, cover_bytes, stage_cover, write_once
from .errors import ConfigError
from .feed import DEFAULT_BASE_URL, write_feed
from .loudness import level_chapter
from .model import RenderedChapter
from .outputs import ChapterJob
from .subtitles import write_subtitles
from .tags import TrackTags, chapter_marks, transcript
from .timeline import layout
from .workers import Workers

FORMATS = ("mp3", "m4b")


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
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ConfigError(f"unknown output format {unknown[0]!r} (choose from {', '.join(FORMATS)})")


def _prepare_one(task: tuple[ChapterJob, Path, PublishOptions, str | None, str | None]) -> ChapterJob:
    job, store_root, options, cover, digest = task
    lead, spoken = job.lead, job.spoken
    if options.normalize:
        levelled = level_chapter(spoken, job.pauses, store_root, lead=lead)
        lead, spoken = levelled.lead, levelled.spoken
    timeline = layout(spoken, job.pauses, lead)
    tags = replace(job.tags, lyrics=transcript(job.tags.title, [s.segment for s in spoken]),
                   chapters=chapter_marks(job.tags.title, timeline.cues, timeline.duration_ms),
                   cover=cover, cover_digest=digest, id3_version=options.id3_version,
                   year=job.tags.year or options.year)
    return replace(job, lead=lead, spoken=spoken, tags=tags)


def prepare(jobs: Sequence[ChapterJob], store_root: Path, options: PublishOptions, *, folder: Path,
            workers: Workers | None = None) -> list[ChapterJob]:
    """The chapter jobs with levelled clips and full tags (nothing is written to `folder` yet)."""
    if not jobs:
        return []
    first: TrackTags = jobs[0].tags
    cover, digest = stage_cover(cover_bytes(first.album, first.artist, options.cover), store_root)
    tasks = [(job, store_root, options, str(cover), digest) for job in jobs]
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
    written: list[Path] = []
    picture = _embedded_cover(chapters[0].path) if chapters else None
    if picture:  # the feed's image is the very picture in the chapters' tags
        written.append(write_once(folder / COVER_NAME, picture))
    for ch in chapters:
        written += write_subtitles(ch.path, ch.cues)
    if "m4b" in options.formats and chapters:
        from .m4b import write_m4b

        written.append(write_m4b(chapters, folder))
    written.append(write_feed(folder, options.base_url or DEFAULT_BASE_URL))
    return written
