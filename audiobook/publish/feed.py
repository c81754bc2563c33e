"""A podcast feed (RSS 2.0 + iTunes namespace) for a book folder, built with feedgen.

The feed lists every chapter file in the folder (not only those of the latest render), reading
what it says about each from the file's own tags, so it is right whichever chapters were rendered
when. GUIDs come from the book and the file name, never from the URL: moving the server or changing
`--base-url` does not make podcast apps download every episode again.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.etree  # noqa: F401  (feedgen 1.0 uses lxml.etree without importing it)
from feedgen.feed import FeedGenerator
from mutagen import MutagenError
from mutagen.id3 import ID3NoHeaderError
from mutagen.mp3 import MP3

from ..cleantext import clean_block, clean_line
from ..errors import OutputError
from ..fsutil import atomic_output
from .cover import COVER_NAME
from .tags import CHAPTER_SUMMARY, RENDERED

FEED_NAME = "feed.xml"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"

MIME_TYPES = {".mp3": "audio/mpeg", ".m4b": "audio/mp4", ".m4a": "audio/mp4"}


@dataclass(frozen=True)
class Episode:
    """One chapter file as the feed describes it."""

    path: Path
    title: str
    album: str | None
    author: str | None
    summary: str | None
    number: int
    duration_s: float
    size: int
    mtime: float
    description: str | None = None  # the chapter's own summary (the episode's description)
    rendered: datetime | None = None  # when the chapter's audio was made (its tags), else None


def _text(tags: Any, key: str) -> str | None:
    frame = tags.get(key) if tags is not None else None
    return str(frame.text[0]) if frame is not None and getattr(frame, "text", None) else None


def read_episode(path: Path, fallback_number: int) -> Episode:
    """What the chapter file's tags say (title, book, author, summary, track) and its length and size."""
    try:
        audio = MP3(str(path))
    except (MutagenError, ID3NoHeaderError, OSError) as exc:
        raise OutputError(f"{path}: cannot read it as an MP3 for the feed ({exc})") from None
    tags: Any = audio.tags  # mutagen declares none; an ID3 when the file has tags
    info: Any = audio.info
    comm = own = None
    if tags is not None:
        comms = [f for k, f in tags.items() if k.startswith("COMM") and f.text]
        comm = next((str(f.text[0]) for f in comms if f.desc != CHAPTER_SUMMARY), None)
        own = next((str(f.text[0]) for f in comms if f.desc == CHAPTER_SUMMARY), None)
    track = _text(tags, "TRCK")
    m = re.match(r"\s*(\d+)", track or "")
    st = path.stat()
    rendered = None
    stamp = _text(tags, f"TXXX:{RENDERED}")
    if stamp:
        with contextlib.suppress(ValueError):
            rendered = datetime.fromisoformat(stamp)
            rendered = rendered if rendered.tzinfo else rendered.replace(tzinfo=UTC)
    # Cleaned as they are read: a file tagged before metadata was cleaned must not break every later feed.
    return Episode(path, clean_line(_text(tags, "TIT2")) or clean_line(path.stem) or path.name,
                   clean_line(_text(tags, "TALB")), clean_line(_text(tags, "TPE1")), clean_block(comm),
                   int(m.group(1)) if m else fallback_number, float(info.length), st.st_size, st.st_mtime,
                   clean_block(own), rendered)


def episodes(folder: Path) -> list[Episode]:
    """Every chapter MP3 in the folder in track order (hidden temp files and files that are not MP3s aside).

    A stray file the user dropped in the folder must not break every later render's feed, so an
    unreadable one is left out rather than raising.
    """
    files = sorted(p for p in folder.glob("*.mp3") if not p.name.startswith(".") and _servable(p.name))
    found = []
    for i, path in enumerate(files, 1):
        try:
            found.append(read_episode(path, i))
        except OutputError:
            continue
    return sorted(found, key=lambda e: (e.number, e.path.name))


def _servable(name: str) -> bool:
    """Whether a file name is valid UTF-8 (a name with undecodable bytes cannot be put in a URL or the feed)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def guid(book: str, path: Path) -> str:
    """A stable episode id: the same book and file name give the same id on every render and server."""
    digest = hashlib.sha256(f"{book}\n{path.name}".encode()).hexdigest()[:32]
    return f"urn:audiobook:{digest}"


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


def url_for(base_url: str, name: str) -> str:
    """The URL of a file in the folder under `base_url` (the name percent-encoded)."""
    return base_url.rstrip("/") + "/" + quote(name)


def build_feed(folder: Path, base_url: str = DEFAULT_BASE_URL, *, title: str | None = None,
               author: str | None = None, summary: str | None = None) -> bytes:
    """The RSS document for the book in `folder`, enclosures under `base_url`.

    Book title, author and summary default to the chapters' own tags (album, artist, comment).
    """
    eps = episodes(folder)
    book = clean_line(title) or next((e.album for e in eps if e.album), None) or clean_line(folder.name) or "book"
    author = clean_line(author) or next((e.author for e in eps if e.author), None)
    summary = clean_block(summary) or next((e.summary for e in eps if e.summary), None) or f"{book}, an audiobook."
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(book)
    fg.link(href=url_for(base_url, FEED_NAME), rel="self")
    fg.link(href=base_url.rstrip("/") + "/", rel="alternate")  # after "self": feedgen makes the last <link>
    fg.description(summary)
    fg.language("en")
    fg.generator("audiobook")
    fg.podcast.itunes_type("serial")
    fg.podcast.itunes_summary(summary)
    fg.podcast.itunes_category("Arts", "Books")
    fg.podcast.itunes_explicit("no")
    if author:
        fg.author({"name": author})
        fg.podcast.itunes_author(author)
    if (folder / COVER_NAME).is_file():
        fg.image(url_for(base_url, COVER_NAME), title=book, link=base_url.rstrip("/") + "/")
        fg.podcast.itunes_image(url_for(base_url, COVER_NAME))
    # Each chapter's date is when its audio was made, recorded in its tags (so copying the folder
    # changes nothing); a file without one (not ours, or older) goes by its modification time.
    # Podcast apps sort by date too: a chapter is dated at least a minute after the one before it,
    # so the track order holds whatever was re-rendered last.
    previous: datetime | None = None
    for ep in eps:
        fe = fg.add_entry(order="append")
        fe.id(guid(book, ep.path))
        fe.guid(guid(book, ep.path), permalink=False)
        fe.title(ep.title)
        fe.description(ep.description or ep.summary or ep.title)
        fe.enclosure(url_for(base_url, ep.path.name), str(ep.size), MIME_TYPES[ep.path.suffix.lower()])
        date = ep.rendered or datetime.fromtimestamp(ep.mtime, tz=UTC).replace(microsecond=0)
        if previous is not None and date < previous + timedelta(minutes=1):
            date = previous + timedelta(minutes=1)
        previous = date
        fe.published(date)
        fe.podcast.itunes_episode(ep.number)
        fe.podcast.itunes_episode_type("full")
        fe.podcast.itunes_duration(_duration(ep.duration_s))
        if author:
            fe.podcast.itunes_author(author)
    return bytes(fg.rss_str(pretty=True))


def write_feed(folder: Path, base_url: str = DEFAULT_BASE_URL, **meta: str | None) -> Path:
    """Write `folder/feed.xml` atomically (see `build_feed`); returns its path."""
    data = build_feed(folder, base_url, **meta)
    dest = folder / FEED_NAME
    try:
        with atomic_output(dest) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    return dest
