"""ID3 tags on the finished MP3s (mutagen): text frames, cover, transcript, chapter frames.

Everything a tag needs travels in `TrackTags`, a plain frozen dataclass: chapters are tagged inside
the worker process that encodes them, and the tags are part of the fingerprint that decides
whether a finished chapter can be kept (`outputs.fingerprint` hashes `asdict(tags)`), so every
field is JSON-friendly (the cover is a path plus the digest of its bytes, not the bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    TXXX,
    USLT,
    CTOCFlags,
    PictureType,
)

from ..cleantext import clean_block, clean_line
from ..errors import OutputError
from ..model import NARRATOR, Cue, Segment


@dataclass(frozen=True)
class ChapterMark:
    """A point a player can skip to: an ID3 CHAP frame."""

    title: str
    start_ms: int
    end_ms: int


#: The description of the COMM frame holding a chapter's own summary (the plain COMM holds the book's).
CHAPTER_SUMMARY = "chapter summary"


@dataclass(frozen=True)
class TrackTags:
    """What a player shows for one chapter file."""

    title: str
    album: str
    artist: str | None
    track: int
    total: int
    genre: str = "Audiobook"
    year: str | None = None
    comment: str | None = None  # the story summary (with fandom, relationship, rating when known)
    description: str | None = None  # this chapter's own summary, where the source gives one
    disc: int | None = None
    discs: int | None = None
    lyrics: str | None = None  # the full transcript (USLT)
    chapters: tuple[ChapterMark, ...] = ()
    cover: str | None = None  # path of a JPEG or PNG file
    cover_digest: str | None = None  # sha256 of the cover's bytes: a new cover re-tags the chapter
    id3_version: int = 4  # 3 for old players
    language: str = "eng"
    #: When this chapter's audio was made (ISO 8601, UTC): the podcast feed's date for it. Kept while
    #: the chapter's content stays the same, so it is not part of the fingerprint (`outputs`).
    rendered: str | None = None
    source: str | None = None  # the fingerprint of what the file holds, so a later render can tell


#: TXXX descriptions of the two frames above.
RENDERED = "AUDIOBOOK_RENDERED"
SOURCE = "AUDIOBOOK_SOURCE"


def read_stamp(path: Path) -> tuple[str | None, str | None]:
    """(source fingerprint, render time) recorded in an MP3's tags by `write_tags`, None where absent."""
    from mutagen import MutagenError

    try:
        id3 = ID3(str(path))
    except (MutagenError, OSError):
        return None, None
    found = []
    for desc in (SOURCE, RENDERED):
        frames = id3.getall(f"TXXX:{desc}")
        found.append(str(frames[0].text[0]) if frames and frames[0].text else None)
    return found[0], found[1]


def chapter_marks(title: str, cues: Sequence[Cue], duration_ms: int) -> tuple[ChapterMark, ...]:
    """A mark at the chapter's start and one at each scene break (where `Segment.scene` changes)."""
    starts: list[tuple[str, int]] = [(title, 0)]
    previous: Segment | None = None
    scene = 1
    for cue in cues:
        if previous is not None and cue.segment.scene != previous.scene:
            scene += 1
            starts.append((f"{title} (scene {scene})", cue.start_ms))
        previous = cue.segment
    return tuple(ChapterMark(name, start, end)
                 for (name, start), end in zip(starts, [s for _, s in starts[1:]] + [duration_ms]))


def speaker_label(segment: Segment) -> str | None:
    """Who speaks a dialogue segment, as transcripts and subtitles name them; None for narration."""
    if segment.kind == "narration":
        return None
    return segment.speaker or "Unknown"


def transcript(title: str, segments: Sequence[Segment]) -> str:
    """The chapter as text: one line per segment, `Name: words` for dialogue, blank lines between paragraphs."""
    lines = [title, ""]
    previous: Segment | None = None
    for seg in segments:
        if previous is not None:
            if seg.scene != previous.scene:
                lines += ["", "* * *", ""]
            elif seg.paragraph != previous.paragraph:
                lines.append("")
        text = " ".join(seg.text.split())
        who = speaker_label(seg)
        lines.append(f"{who}: {text}" if who and who != NARRATOR else text)
        previous = seg
    return "\n".join(lines).strip() + "\n"


def _mime(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def _cleaned(tags: TrackTags) -> TrackTags:
    """The tags without control characters or unencodable text (frames players and feeds choke on)."""
    # The book's metadata is cleaned where it enters (read_book); this covers every other caller.
    return replace(tags, title=clean_line(tags.title) or "", album=clean_line(tags.album) or "",
                   artist=clean_line(tags.artist), genre=clean_line(tags.genre) or "", year=clean_line(tags.year),
                   comment=clean_block(tags.comment), description=clean_block(tags.description),
                   lyrics=clean_block(tags.lyrics),
                   chapters=tuple(replace(m, title=clean_line(m.title) or "") for m in tags.chapters))


def write_tags(path: Path, tags: TrackTags, *, v2_version: int | None = None) -> None:
    """Write ID3v2 tags (v2.4 by default, 3 for old players) into the MP3 at `path`."""
    version = v2_version or tags.id3_version
    tags = _cleaned(tags)
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
        id3.add(TPE2(encoding=3, text=tags.artist))
    id3.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total}"))
    if tags.disc:
        id3.add(TPOS(encoding=3, text=f"{tags.disc}/{tags.discs}" if tags.discs else str(tags.disc)))
    id3.add(TCON(encoding=3, text=tags.genre))
    if tags.year:
        id3.add(TDRC(encoding=3, text=tags.year))
    if tags.comment:
        id3.add(COMM(encoding=3, lang=tags.language, desc="", text=tags.comment))
    if tags.description:
        id3.add(COMM(encoding=3, lang=tags.language, desc=CHAPTER_SUMMARY, text=tags.description))
    if tags.rendered:
        id3.add(TXXX(encoding=3, desc=RENDERED, text=tags.rendered))
    if tags.source:
        id3.add(TXXX(encoding=3, desc=SOURCE, text=tags.source))
    if tags.lyrics:
        id3.add(USLT(encoding=3, lang=tags.language, desc="", text=tags.lyrics))
    if tags.cover:
        try:
            data = Path(tags.cover).read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read cover {tags.cover}: {exc.strerror or exc}") from None
        id3.add(APIC(encoding=3, mime=_mime(data), type=PictureType.COVER_FRONT, desc="Cover", data=data))
    if tags.chapters:
        ids = [f"chp{i}" for i in range(len(tags.chapters))]
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=3, text="Chapters")]))
        for eid, mark in zip(ids, tags.chapters):
            id3.add(CHAP(element_id=eid, start_time=mark.start_ms, end_time=mark.end_ms,
                         start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                         sub_frames=[TIT2(encoding=3, text=mark.title)]))
    if version == 3:
        id3.update_to_v23()
    try:
        id3.save(str(path), v2_version=version)
    except OSError as exc:
        raise OutputError(f"cannot tag {path}: {exc.strerror or exc}") from None
