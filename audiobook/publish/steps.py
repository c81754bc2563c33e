"""Podcast- and player-ready output: what the render pipeline adds around encoding.

Before encoding (`prepare`): each chapter's voices get their levelling gains (-16 LUFS, `loudness`)
and its tags the transcript, chapter frames at scene breaks and the cover (`tags`); the chapter frames
come from the chapter's timeline, the same one the encoder consumes. After (`finish`): subtitles beside
each chapter, the podcast feed, and an .m4b if asked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import ID3

from ..audio.cache import MEASUREMENTS, put_file
from ..audio.loudness import ENCODER_GAIN_DB, LEVELLING_VERSION, TARGET_LUFS, voice_gains
from ..audio.outputs import ChapterJob
from ..errors import ConfigError
from ..model import RenderedChapter
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
    formats: tuple[str, ...] = ()  # () : as voices.yaml's `format:` says (default mp3 only)
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


#: Per-clip measurements (`loudness.clip_analysis`), by clip, under the clip cache.
ANALYSES = MEASUREMENTS


#: Each chapter's voice gains, by the clips of each voice (a re-render reads one small file, not every
#: clip's measurements).
GAINS = "levels/gains"


def _gains(job: ChapterJob, store_root: Path) -> tuple[tuple[str, float], ...]:
    """The chapter's voice gains: from the cache when the same clips were levelled before, else measured."""
    voices: dict[str, list[str]] = {}
    for fragment in job.timeline.fragments:
        voices.setdefault(fragment.group, []).extend(c.path.name for c in fragment.clips)
    key = hashlib.sha256(json.dumps([LEVELLING_VERSION, TARGET, sorted(voices.items())]).encode()).hexdigest()
    path = store_root / GAINS / key[:2] / f"{key}.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        return tuple((str(g), float(v)) for g, v in json.loads(path.read_text(encoding="utf-8")))
    gains = tuple(sorted(voice_gains(job.timeline, target=TARGET, analyses=store_root / ANALYSES).items()))
    with contextlib.suppress(OSError):  # best effort: without it the next render measures again
        put_file(path, json.dumps(gains).encode("utf-8"))
    return gains


def _prepare_one(task: tuple[ChapterJob, Path, PublishOptions, str | None, str | None]) -> ChapterJob:
    job, store_root, options, cover, digest = task
    gains = _gains(job, store_root) if options.normalize else None
    timeline = job.timeline
    tags = replace(job.tags, lyrics=transcript(job.tags.title, [c.segment for c in timeline.cues]),
                   chapters=chapter_marks(job.tags.title, timeline.cues, timeline.duration_ms),
                   cover=cover, cover_digest=digest, id3_version=options.id3_version,
                   year=job.tags.year or options.year)
    return replace(job, tags=tags, gains=gains)


def prepare(jobs: Sequence[ChapterJob], store_root: Path, options: PublishOptions, *,
            workers: Workers | None = None) -> list[ChapterJob]:
    """The chapter jobs with their voices' gains and full tags (nothing is written to the book folder yet).

    `store_root` is the clip cache (clip measurements and the staged cover are there).
    """
    if not jobs:
        return []
    first: TrackTags = jobs[0].tags
    cover, digest = stage_cover(cover_bytes(first.album, first.artist, options.cover), store_root)
    return [_prepare_one((job, store_root, options, str(cover), digest)) for job in jobs]


def _embedded_cover(path: Path) -> bytes | None:
    try:
        pictures = ID3(str(path)).getall("APIC")
    except (MutagenError, OSError):
        return None
    return bytes(pictures[0].data) if pictures else None


@dataclass(frozen=True)
class Finished:
    """What `finish` wrote besides the chapter files."""

    written: tuple[Path, ...]
    m4b: tuple[Path, int] | None = None  # the book as one .m4b and its duration in ms


def finish(folder: Path, chapters: Sequence[RenderedChapter], options: PublishOptions) -> Finished:
    """Subtitles beside every chapter, `feed.xml` over all chapter files in `folder`, an .m4b if asked."""
    written: list[Path] = []
    picture = _embedded_cover(chapters[0].path) if chapters else None
    if picture:  # the feed's image is the very picture in the chapters' tags
        written.append(write_once(folder / COVER_NAME, picture))
    for ch in chapters:
        written += write_subtitles(ch.path, ch.captions or ch.cues)
    m4b = None
    if "m4b" in options.formats and chapters:
        from .m4b import write_m4b

        m4b = write_m4b(folder)
        written.append(m4b[0])
    written.append(write_feed(folder, options.base_url or DEFAULT_BASE_URL))
    return Finished(tuple(written), m4b)
