"""The render pipeline, top to bottom: read, parse, cast, synthesise, assemble, tag."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .attribution.book import read_book, stream_book
from .audio.cache import RENDERS
from .audio.outputs import ChapterJob, write_chapters
from .audio.speech import sentences, speakable
from .audio.synth import ClipStore, Progress, chunk_text, synthesize_jobs
from .audio.timeline import Spoken, build_timeline
from .cleantext import clean_line
from .engines import check_voice, use_cache
from .errors import Interrupted
from .fsutil import default_cache_dir, file_lock, safe_name
from .model import NARRATOR, Book, Chapter, Character, Clip, ClipJob, RenderedChapter, Voice
from .publish import steps as publish
from .publish.steps import PublishOptions
from .publish.tags import TrackTags
from .session import render_session
from .text.reader import expand_inputs
from .voices.autocast import cast
from .voices.casting import infer_ages
from .voices.config import Config, add_characters, load_config
from .voices.switch import on_engine


@dataclass(frozen=True)
class RenderOptions:
    """Everything `render` needs besides the input files."""

    voices: Path = Path("voices.yaml")
    out_dir: Path = Path("output")
    author: str | None = None
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = None  # None: the user's cache folder
    use_cache: bool = True
    include_front_matter: bool = False
    cache_limit: int | None = None  # bytes; None: $AUDIOBOOK_CACHE_LIMIT, else 2 GB
    publish: PublishOptions = PublishOptions()  # cover, ID3 version, loudness, m4b, feed URL
    title: str | None = None  # the book's title (default: from the text, else the file name)
    engine: str | None = None  # `--engine`: the cast moved onto this engine for this render (voices/switch.py)


@dataclass(frozen=True)
class RenderReport:
    """What a render produced."""

    book: str
    chapters: tuple[RenderedChapter, ...]
    new_speakers: tuple[str, ...]
    clips_total: int
    clips_synthesized: int
    fragments_encoded: int = 0  # pieces of audio that had to be encoded (the rest came from the cache)
    author: str | None = None  # None: neither the text nor the options named one
    m4b: tuple[Path, int] | None = None  # the whole book as one .m4b and its duration (ms), when written


def read_books(paths: Sequence[Path], config: Config, *, author: str | None = None,
               include_front_matter: bool = False) -> list[Book]:
    """Parse every input file (a directory stands for its chapter files in natural order)."""
    # voices.yaml's `skip:` names the sections not read (all of them when there is no voices.yaml yet).
    return [
        read_book(path, config.skip, include_front_matter=include_front_matter, author=author,
                  overrides=config.overrides, aliases=config.aliases(), exclude=config.not_characters)
        for path in expand_inputs(paths)
    ]


def script_chapters(paths: Sequence[Path], config: Config, *, author: str | None = None,
                    include_front_matter: bool = False) -> Iterator[Chapter]:
    """Every input's chapters, parsed one at a time (what `read_books` gives, without holding them)."""
    for path in expand_inputs(paths):
        yield from stream_book(path, config.skip, include_front_matter=include_front_matter, author=author,
                               overrides=config.overrides, aliases=config.aliases(),
                               exclude=config.not_characters)


def speakers(chapters: Sequence[Chapter]) -> list[Character]:
    """Every speaking character across chapters, lines and words summed, in order of first line."""
    merged: dict[str, Character] = {}
    for chapter in chapters:
        for c in chapter.characters:
            if c.name in merged:
                m = merged[c.name]
                merged[c.name] = Character(m.name, m.gender or c.gender, tuple(dict.fromkeys(m.aliases + c.aliases)),
                                           m.lines + c.lines, m.words + c.words,
                                           m.gender_evidence or c.gender_evidence)
            else:
                merged[c.name] = c
    return list(merged.values())


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _reload(path: Path, config: Config, stamp: tuple[int, int, int] | None) -> Config:
    """voices.yaml again (under the lock: another render may have added speakers), unless it is unchanged
    since `stamp` (taken before `config` was read)."""
    if stamp is not None and _stamp(path) == stamp:
        return config
    return load_config(path)


def check_config_voices(config: Config) -> None:
    """Every voice id in the config must exist in its engine (engines ignore unknown ids silently)."""
    for key, voice in config.all_voices():
        check_voice(voice, config.where(key))


def cast_new_speakers(config: Config, characters: Sequence[Character], chapters: Sequence[Chapter] = (),
                      cache: Path | None = None) -> tuple[Config, tuple[str, ...]]:
    """Give speakers missing from voices.yaml a voice and record them there (comments and order kept)."""
    new = cast(config, characters, infer_ages(chapters, characters), cache)  # the chapters' text gives age cues
    if not new:
        return config, ()
    aliases = {c.name: c.aliases for c in characters}
    return add_characters(config, new, aliases), tuple(new)


@dataclass(frozen=True)
class ChapterPlan:
    """What to synthesise for a chapter: the title's clip jobs, and per segment, per sentence, its text and jobs."""

    title: tuple[ClipJob, ...]
    segments: tuple[tuple[tuple[str, tuple[ClipJob, ...]], ...], ...]

    def groups(self) -> list[tuple[ClipJob, ...]]:
        """The jobs in reading order, one group for the title and one per sentence."""
        return [self.title] + [jobs for seg in self.segments for _, jobs in seg]

    def segment_jobs(self) -> list[tuple[ClipJob, ...]]:
        """Each segment's jobs, all its sentences together."""
        return [tuple(job for _, jobs in seg for job in jobs) for seg in self.segments]

    def jobs(self) -> list[ClipJob]:
        """Every job in reading order."""
        return [job for group in self.groups() for job in group]


def plan(chapter: Chapter, config: Config) -> ChapterPlan:
    """Clip jobs for the chapter title (read by the narrator) and for each segment, sentence by sentence."""
    title = tuple(ClipJob(t, config.narrator) for t in chunk_text(speakable(chapter.title, config.pronounce)))
    per_segment = []
    for seg in chapter.segments:
        voice = config.narrator if seg.kind == "narration" else config.voice_for(seg.speaker)
        per_segment.append(tuple(
            (sentence, tuple(ClipJob(t, voice) for t in chunk_text(speakable(sentence, config.pronounce))))
            for sentence in sentences(seg.text)))
    return ChapterPlan(title, tuple(per_segment))


def _spoken(chapter: Chapter, chapter_plan: ChapterPlan, clips: Mapping[ClipJob, Clip]) -> tuple[Spoken, ...]:
    """The chapter's segments with the clips that speak them, sentence by sentence, as the plan lays them out."""
    out = []
    for seg, planned in zip(chapter.segments, chapter_plan.segments):
        out.append(Spoken(seg, tuple(clips[job] for _, jobs in planned for job in jobs),
                          tuple((text, len(jobs)) for text, jobs in planned)))
    return tuple(out)


def render(paths: Sequence[Path], options: RenderOptions = RenderOptions(),
           progress: Progress | None = None) -> RenderReport:
    """Render chapter files into tagged MP3s under options.out_dir/<book>/; returns what was written."""
    try:
        return _render(paths, options, progress)
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted: no partial MP3 was written; clips already synthesised are cached, "
            "run the same command again to resume"
        ) from None


def _render(paths: Sequence[Path], options: RenderOptions, progress: Progress | None) -> RenderReport:
    with use_cache(options.cache_dir or default_cache_dir()):  # engines' files (kokoro's model) go with the clips
        return _render_in(paths, options, progress)


def _render_in(paths: Sequence[Path], options: RenderOptions, progress: Progress | None) -> RenderReport:
    stamp = _stamp(options.voices)
    config = load_config(options.voices)
    check_config_voices(config)
    books = read_books(paths, config, author=options.author, include_front_matter=options.include_front_matter)
    chapters = [(book, chapter) for book in books for chapter in book.chapters]
    checked = config
    with file_lock(options.voices):  # concurrent renders sharing voices.yaml: re-read it, add, write
        found = [c for _, c in chapters]
        config, new_speakers = cast_new_speakers(_reload(options.voices, config, stamp), speakers(found), found,
                                                 options.cache_dir)
    if config != checked:  # new speakers, or another process changed the file meanwhile
        check_config_voices(config)
    # --engine: new speakers were written cast on the file's engine; this render moves the cast.
    config = on_engine(config, options.engine, options.cache_dir)
    if not options.publish.formats:  # no --format: voices.yaml's `format:` decides
        options = replace(options, publish=replace(options.publish, formats=config.formats))

    plans = [plan(chapter, config) for _, chapter in chapters]
    first = books[0]
    book_title = ((clean_line(options.title) if options.title else None)
                  or next((b.title for b in books if b.title), None)
                  or (clean_line(first.source.stem) if first.source else None) or "book")
    author = next((b.author for b in books if b.author), None)  # --author, cleaned by read_book, comes first
    folder = options.out_dir / safe_name(book_title)
    total = len(chapters)
    cache = options.cache_dir or default_cache_dir()
    # Workers shared by synthesis and encoding; on Ctrl-C, SIGTERM or a crash, nothing half-written stays.
    with render_session(cache, folder, jobs=options.jobs, keep_cache=options.use_cache,
                        limit=options.cache_limit) as session:
        root = session.root  # the cache, or with --no-cache a scratch folder inside it
        analyses = root / publish.ANALYSES if options.publish.normalize else None
        clips, synthesized = synthesize_jobs([job for p in plans for job in p.jobs()], ClipStore(root),
                                             workers=session.workers, progress=progress, analyses=analyses)
        chapter_jobs = []
        for track, ((book, chapter), chapter_plan) in enumerate(zip(chapters, plans), start=1):
            lead = [clips[job] for job in chapter_plan.title]
            timeline = build_timeline(_spoken(chapter, chapter_plan, clips), config.pauses, lead, chapter.title)
            dest = folder / f"{track:02d} - {safe_name(chapter.title)}.mp3"
            chapter_jobs.append(ChapterJob(dest, timeline, config.bitrate, TrackTags(
                title=chapter.title, album=book_title, artist=author, track=track, total=total,
                comment=book.description, description=chapter.summary,
            )))
        # Voices levelled to -16 LUFS; transcript, scene chapter frames and cover in the tags.
        chapter_jobs = publish.prepare(chapter_jobs, root, options.publish, workers=session.workers)
        encoded = write_chapters(chapter_jobs, workers=session.workers, root=root, analyses=analyses,
                                 records=root / RENDERS if options.use_cache else None, progress=progress)
        rendered = [
            RenderedChapter(job.dest, chapter, track, total, job.timeline.duration_ms, job.timeline.cues,
                            _voices_used(chapter, config), job.timeline.captions)
            for track, ((_, chapter), job) in enumerate(zip(chapters, chapter_jobs), 1)
        ]
        extras = publish.finish(folder, rendered, options.publish)  # subtitles, feed.xml, .m4b
    return RenderReport(book_title, tuple(rendered), new_speakers, sum(len(p.jobs()) for p in plans), synthesized,
                        fragments_encoded=encoded, author=author, m4b=extras.m4b)


def _voices_used(chapter: Chapter, config: Config) -> tuple[tuple[str, Voice], ...]:
    used: dict[str, Voice] = {"Narrator": config.narrator}
    for seg in chapter.segments:
        if seg.kind == "dialogue":
            voice = config.voice_for(seg.speaker)
            label = seg.speaker or "(unknown speaker)"
            if seg.speaker == NARRATOR and voice != config.narrator:  # `characters: Narrator:` has its own voice
                label = "Narrator (character)"
            used.setdefault(label, voice)
    return tuple(used.items())


__all__ = ["render", "RenderOptions", "RenderReport", "read_books", "script_chapters", "default_cache_dir"]
