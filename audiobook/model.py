"""Frozen dataclasses passed between the pipeline's stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["narration", "dialogue"]
Gender = Literal["male", "female"]

#: Speaker name used for the lines of a first-person narrator ("I said").
NARRATOR = "Narrator"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of story text: [start, end) offsets into the decoded text."""

    start: int
    end: int
    scene: int = 0  # index of the scene (scene breaks increment it)


@dataclass(frozen=True)
class Section:
    """A span that is not story text by default (summary, author's note, licence...)."""

    label: str  # "summary", "author's note", "disclaimer", "gutenberg", ...
    start: int
    end: int
    paragraphs: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class ChapterLayout:
    """Where one chapter lies in the text, before any dialogue is found."""

    title: str  # the heading as a listener should see it, e.g. "Chapter One: His Decision"
    start: int
    end: int
    paragraphs: tuple[Paragraph, ...]
    number: int | None = None
    heading: Paragraph | None = None  # where the heading itself stands, if anywhere
    skipped: tuple[Section, ...] = ()  # author's notes etc. inside this chapter
    summary: str | None = None  # the chapter's own summary, where the source gives one (AO3's "Chapter Summary")


@dataclass(frozen=True)
class WorkInfo:
    """What a download says about the work besides its title (AO3's preface, FanFicFare's title page...).

    Values are as the source gives them; empty when it does not say.
    """

    authors: tuple[str, ...] = ()
    fandoms: tuple[str, ...] = ()
    relationships: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    rating: str | None = None
    warnings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # additional tags, genres, categories
    language: str | None = None
    series: str | None = None
    status: str | None = None  # "Completed", "In-Progress"
    published: str | None = None
    updated: str | None = None
    words: int | None = None
    chapters: str | None = None  # as the site counts them, e.g. "3/10"
    site: str | None = None  # "Archive of Our Own", "FanFiction.net"...
    url: str | None = None

    def details(self) -> str:
        """One line for a listener: "Fandom: X. Relationship: A/B. Rating: Teen And Up Audiences." ("" if none)."""
        parts = [(("Fandom", "Fandoms"), self.fandoms), (("Relationship", "Relationships"), self.relationships),
                 (("Rating", "Rating"), (self.rating,) if self.rating else ()),
                 (("Warning", "Warnings"), self.warnings)]
        return " ".join(f"{names[len(values) > 1]}: {', '.join(values)}." for names, values in parts if values)

    def description(self, summary: str | None) -> str | None:
        """The work's summary followed by its details (what a feed or a player's comment shows)."""
        text = "\n\n".join(p for p in (summary, self.details()) if p)
        return text or None


@dataclass(frozen=True)
class Layout:
    """The structure of a whole input text: book metadata and its chapters."""

    # A tuple, or for a streamed plain-text file a sequence that lays each chapter out when indexed.
    chapters: Sequence[ChapterLayout]
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    front: tuple[Section, ...] = ()  # skipped front/back matter outside chapters
    warnings: tuple[str, ...] = ()  # what reading the file noticed (bytes that were not UTF-8...)
    info: WorkInfo | None = None  # fandom, relationship, rating... when the source says


@dataclass(frozen=True)
class Segment:
    """A run of text spoken by one voice: [start, end) offsets into the decoded text."""

    kind: Kind
    text: str  # exactly text[start:end] of the decoded input
    start: int
    end: int
    speaker: str | None = None  # None for narration; dialogue with no known speaker also None
    paragraph: int = 0  # index of the paragraph within its chapter
    scene: int = 0
    confidence: float = 1.0
    reason: str = ""  # which pass decided the speaker ("explicit", "turn-taking", ...)

    def as_json(self) -> dict[str, object]:
        """The stable machine-readable form used by `audiobook script --format json`."""
        return {
            "kind": self.kind,
            "speaker": self.speaker,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Character:
    """A speaking character found in the text."""

    name: str
    gender: Gender | None = None
    aliases: tuple[str, ...] = ()
    lines: int = 0
    words: int = 0
    gender_evidence: str = ""  # what decided the gender ("title Mrs.", "pronouns he 5, she 1", "first name Tom")


@dataclass(frozen=True)
class Chapter:
    """One chapter, parsed: its segments in reading order and its cast."""

    title: str
    segments: tuple[Segment, ...]
    characters: tuple[Character, ...] = ()
    number: int | None = None
    start: int = 0
    end: int = 0
    skipped: tuple[Section, ...] = ()
    # Dialogue lines whose speaker contradicts an explicit tag beside them (the consistency check).
    contradictions: tuple[Segment, ...] = ()
    # Lines each of voices.yaml's overrides changed in this chapter, in the file's order (see OverrideIssue).
    override_hits: tuple[int, ...] = ()
    # What reading the input file noticed (Layout.warnings), carried by the file's first chapter.
    warnings: tuple[str, ...] = ()
    summary: str | None = None  # the chapter's own summary (ChapterLayout.summary)

    @property
    def unknown_lines(self) -> int:
        """Dialogue lines no speaker could be found for (they get the neutral voice)."""
        return sum(1 for s in self.segments if s.kind == "dialogue" and s.speaker is None)


@dataclass(frozen=True)
class Book:
    """A parsed input: its metadata and its chapters."""

    chapters: tuple[Chapter, ...]
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    source: Path | None = None
    front: tuple[Section, ...] = field(default=())
    override_issues: tuple[OverrideIssue, ...] = ()  # overrides that matched no line or several
    info: WorkInfo | None = None  # fandom, relationship, rating... when the source says (Layout.info)

    @property
    def description(self) -> str | None:
        """The summary, with the work's fandom, relationship and rating when known (tags' comment, feed)."""
        return self.info.description(self.summary) if self.info else self.summary


@dataclass(frozen=True)
class Voice:
    """How one speaker sounds: an engine's voice id plus prosody settings."""

    voice: str
    rate: int = 175  # words per minute
    pitch: int = 50  # 0-100
    volume: float = 1.0  # 0.0-1.0
    engine: str = "espeak"
    # Piper's own knobs (None: the model's defaults; other engines ignore them). Left out of the clip
    # cache key when None, so the keys of clips made before these fields existed stay valid.
    length_scale: float | None = None  # 0.5-2.0; set, it replaces the length derived from `rate`
    noise_scale: float | None = None  # 0.0-1.5: how much the model varies its intonation


@dataclass(frozen=True)
class VoiceInfo:
    """A voice an engine offers."""

    id: str
    name: str
    language: str
    gender: Gender | None
    engine: str


@dataclass(frozen=True)
class ClipJob:
    """One sentence-sized piece of speech to synthesise."""

    text: str  # speakable text, already normalised
    voice: Voice


@dataclass(frozen=True)
class Clip:
    """A synthesised WAV clip on disk."""

    path: Path
    frames: int  # number of samples (mono)
    sample_rate: int


@dataclass(frozen=True)
class Cue:
    """Where one segment (or one sentence of it, with `text`) sits in a rendered chapter's audio."""

    segment: Segment
    start_ms: int
    end_ms: int
    text: str = ""  # the sentence shown for this span; empty: the whole segment


@dataclass(frozen=True)
class RenderedChapter:
    """A finished chapter file and what is in it."""

    path: Path
    chapter: Chapter
    track: int
    total: int
    duration_ms: int
    cues: tuple[Cue, ...]
    voices: tuple[tuple[str, Voice], ...]  # speaker name -> voice, in order of first line
    captions: tuple[Cue, ...] = ()  # a cue per sentence, the spoken title's first (subtitles)


@dataclass(frozen=True)
class Pauses:
    """Silence lengths in milliseconds."""

    sentence: int = 250
    clause: int = 150
    paragraph: int = 700
    scene: int = 2000
    title: int = 1200


@dataclass(frozen=True)
class Override:
    """A user's correction: the dialogue line starting with `line` is spoken by `speaker`.

    Without `nth` every line starting so is changed; `nth` picks the n-th of them in a chapter, `chapter`
    (a title's words or a number) limits it to one chapter, `context` to lines whose paragraph holds those words.
    """

    line: str
    speaker: str
    nth: int | None = None
    chapter: str | int | None = None
    context: str | None = None


@dataclass(frozen=True)
class OverrideIssue:
    """An override that changed no line, or several (it is reported, never silently applied elsewhere)."""

    index: int  # position in voices.yaml's `overrides:` list
    override: Override
    matches: int
