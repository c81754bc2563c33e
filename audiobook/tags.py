"""ID3 tags on the finished MP3s (mutagen)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import COMM, ID3, TALB, TCON, TIT2, TPE1, TPE2, TRCK, TDRC

from .errors import OutputError


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
    comment: str | None = None


def write_tags(path: Path, tags: TrackTags, *, v2_version: int = 4) -> None:
    """Write ID3v2 tags (v2.4 by default, 3 for old players) into the MP3 at `path`."""
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
        id3.add(TPE2(encoding=3, text=tags.artist))
    id3.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total}"))
    id3.add(TCON(encoding=3, text=tags.genre))
    if tags.year:
        id3.add(TDRC(encoding=3, text=tags.year))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    try:
        id3.save(str(path), v2_version=v2_version)
    except OSError as exc:
        raise OutputError(f"cannot tag {path}: {exc.strerror or exc}") from None
