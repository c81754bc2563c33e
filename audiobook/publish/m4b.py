"""One .m4b audiobook for the whole book: AAC in MP4 with a chapter per chapter, cover and tags.

The bundled ffmpeg does the work: the chapter MP3s are joined by its concat demuxer, encoded to AAC
once, and given chapters and tags from an ffmetadata file and the cover as an attached picture.
It takes every chapter file in the folder, like the feed, so the book is whole whatever was
rendered last.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ..audio.assemble import ffmpeg_exe
from ..errors import OutputError
from ..fsutil import atomic_output
from .cover import COVER_NAME
from .feed import episodes

AAC_BITRATE = "64k"


def _meta_escape(text: str) -> str:
    # ffmetadata: '=', ';', '#', '\' and newlines are escaped with a backslash.
    out = text
    for ch in ("\\", "=", ";", "#", "\n"):
        out = out.replace(ch, "\\" + ch)
    return out


def ffmetadata(title: str, author: str | None, summary: str | None,
               chapters: list[tuple[str, int, int]]) -> str:
    """An ffmetadata document: book tags and one [CHAPTER] per (title, start_ms, end_ms)."""
    lines = [";FFMETADATA1", f"title={_meta_escape(title)}", f"album={_meta_escape(title)}", "genre=Audiobook"]
    if author:
        lines += [f"artist={_meta_escape(author)}", f"album_artist={_meta_escape(author)}"]
    if summary:
        lines.append(f"comment={_meta_escape(summary)}")
    for name, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}", f"title={_meta_escape(name)}"]
    return "\n".join(lines) + "\n"


def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'"


def write_m4b(folder: Path, *, name: str | None = None) -> Path:
    """Write `<folder>/<name or folder name>.m4b` from every chapter MP3 in `folder`; returns its path.

    The book is built from the folder's files (their tags give titles, author, summary), so chapters
    rendered by earlier runs are included, as in the feed.
    """
    eps = episodes(folder)
    if not eps:
        raise OutputError(f"{folder}: no chapter MP3s to join into an .m4b")
    book = next((e.album for e in eps if e.album), None) or folder.name
    author = next((e.author for e in eps if e.author), None)
    summary = next((e.summary for e in eps if e.summary), None)
    marks, start = [], 0
    for ep in eps:
        end = start + int(round(ep.duration_s * 1000))
        marks.append((ep.title, start, end))
        start = end
    dest = folder / f"{name or folder.name}.m4b"
    cover = folder / COVER_NAME
    with tempfile.TemporaryDirectory(prefix="audiobook-m4b-") as scratch:
        listing = Path(scratch) / "chapters.txt"
        listing.write_text("ffconcat version 1.0\n" + "\n".join(_concat_line(e.path) for e in eps) + "\n",
                           encoding="utf-8")
        meta = Path(scratch) / "meta.txt"
        meta.write_text(ffmetadata(book, author, summary, marks), encoding="utf-8")
        with atomic_output(dest) as tmp:
            cmd = [ffmpeg_exe(), "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
                   "-i", str(meta)]
            if cover.is_file():
                cmd += ["-i", str(cover), "-map", "0:a", "-map", "2:v", "-c:v", "copy",
                        "-disposition:v:0", "attached_pic"]
            else:
                cmd += ["-map", "0:a"]
            cmd += ["-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", "-b:a", AAC_BITRATE,
                    "-movflags", "+faststart", "-f", "mp4", str(tmp)]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                raise OutputError(f"ffmpeg could not write {dest}: {run.stderr.strip()[-400:]}")
    return dest
