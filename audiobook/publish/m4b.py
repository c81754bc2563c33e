"""One .m4b audiobook for the whole book: AAC in MP4 (brand `M4B `), a chapter per chapter, cover and tags.

The bundled ffmpeg does the work: the chapter MP3s are joined by its concat demuxer (each one trimmed
to its exact length by its Info frame), encoded to AAC once, and given chapters and tags from an
ffmetadata file and the cover as an attached picture. Chapters start at exact sample positions: the
sums of the chapter files' lengths, which their Info frames state to the sample.

AAC coding raises the peaks of levelled speech a little, so the file is measured after encoding
(ffmpeg's BS.1770 true-peak meter on the decoded AAC): if it peaks above -1 dBTP it is encoded again,
turned down by the excess and a margin. It takes every chapter file in the folder, like the feed, so
the book is whole whatever was rendered last, and it is rebuilt only when one of them (or the cover,
or this format) changed: what it was built from is recorded inside it, in a freeform tag.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4FreeForm

from ..audio.assemble import ffmpeg_exe
from ..errors import OutputError
from ..fsutil import atomic_output
from .cover import COVER_NAME
from .feed import Episode, episodes

AAC_BITRATE = "64k"
SAMPLE_RATE = 22050
#: The ceiling for the decoded AAC, and how far below it a second encode aims.
TRUE_PEAK_DBTP = -1.0
_MARGIN_DB = 0.3
#: Bump when the bytes of the .m4b could change for the same chapter files (not when code moves).
M4B_VERSION = 1
_SOURCE_TAG = "----:org.audiobook:source"


def _meta_escape(text: str) -> str:
    # ffmetadata: '=', ';', '#', '\' and newlines are escaped with a backslash.
    out = text
    for ch in ("\\", "=", ";", "#", "\n"):
        out = out.replace(ch, "\\" + ch)
    return out


def ffmetadata(title: str, author: str | None, summary: str | None,
               chapters: list[tuple[str, int, int]], timebase: int = 1000) -> str:
    """An ffmetadata document: book tags and one [CHAPTER] per (title, start, end) in units of 1/timebase s."""
    lines = [";FFMETADATA1", f"title={_meta_escape(title)}", f"album={_meta_escape(title)}", "genre=Audiobook"]
    if author:
        lines += [f"artist={_meta_escape(author)}", f"album_artist={_meta_escape(author)}"]
    if summary:
        lines.append(f"comment={_meta_escape(summary)}")
    for name, start, end in chapters:
        lines += ["[CHAPTER]", f"TIMEBASE=1/{timebase}", f"START={start}", f"END={end}", f"title={_meta_escape(name)}"]
    return "\n".join(lines) + "\n"


def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'"


def _samples(ep: Episode) -> int:
    # The Info frame gives the length to the sample: frames * 576 - delay - padding, at 22.05 kHz.
    return int(round(ep.duration_s * SAMPLE_RATE))


def _source(eps: list[Episode], cover: Path) -> str:
    """What the book is built from: each chapter file's name, size and time, the cover, this format."""
    parts: list[object] = [M4B_VERSION, AAC_BITRATE]
    for ep in eps:
        st = ep.path.stat()
        parts.append([ep.path.name, st.st_size, st.st_mtime_ns])
    if cover.is_file():
        parts.append(hashlib.sha256(cover.read_bytes()).hexdigest())
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def _built_from(dest: Path) -> str | None:
    with contextlib.suppress(MutagenError, OSError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        tags: Any = MP4(str(dest)).tags  # mutagen declares none
        if tags is not None:
            return bytes(tags[_SOURCE_TAG][0]).decode("ascii")
    return None


def true_peak_file(path: Path) -> float:
    """True peak (dBTP) of a file's decoded audio, by ffmpeg's BS.1770 meter (`ebur128=peak=true`)."""
    run = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True)
    found = re.findall(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS", run.stderr)
    if run.returncode != 0 or not found:
        raise OutputError(f"ffmpeg cannot measure {path}: {run.stderr.strip()[-300:]}")
    return float(found[-1])


def write_m4b(folder: Path, *, name: str | None = None) -> tuple[Path, int]:
    """Write `<folder>/<name or folder name>.m4b` from every chapter MP3 in `folder`; returns it and its length (ms).

    The book is built from the folder's files (their tags give titles, author, summary), so chapters
    rendered by earlier runs are included, as in the feed. An .m4b built from the same files is kept.
    """
    eps = episodes(folder)
    if not eps:
        raise OutputError(f"{folder}: no chapter MP3s to join into an .m4b")
    book = next((e.album for e in eps if e.album), None) or folder.name
    author = next((e.author for e in eps if e.author), None)
    summary = next((e.summary for e in eps if e.summary), None)
    marks, start = [], 0
    for ep in eps:
        end = start + _samples(ep)
        marks.append((ep.title, start, end))
        start = end
    duration_ms = start * 1000 // SAMPLE_RATE
    dest = folder / f"{name or folder.name}.m4b"
    cover = folder / COVER_NAME
    source = _source(eps, cover)
    if dest.is_file() and _built_from(dest) == source:
        return dest, duration_ms
    with tempfile.TemporaryDirectory(prefix="audiobook-m4b-") as scratch:
        listing = Path(scratch) / "chapters.txt"
        listing.write_text("ffconcat version 1.0\n" + "\n".join(_concat_line(e.path) for e in eps) + "\n",
                           encoding="utf-8")
        meta = Path(scratch) / "meta.txt"
        meta.write_text(ffmetadata(book, author, summary, marks, SAMPLE_RATE), encoding="utf-8")
        with atomic_output(dest) as tmp:
            _encode(listing, meta, cover, tmp, dest, 0.0)
            peak = true_peak_file(tmp)
            if peak > TRUE_PEAK_DBTP:  # AAC raised a peak over the ceiling: again, turned down by the excess
                _encode(listing, meta, cover, tmp, dest, TRUE_PEAK_DBTP - _MARGIN_DB - peak)
            try:
                audio: Any = MP4(str(tmp))
                if audio.tags is None:
                    audio.add_tags()
                audio.tags[_SOURCE_TAG] = [MP4FreeForm(source.encode("ascii"))]
                audio.save()
            except (MutagenError, OSError) as exc:
                raise OutputError(f"cannot tag {dest}: {exc}") from None
    return dest, duration_ms


def _encode(listing: Path, meta: Path, cover: Path, tmp: Path, dest: Path, gain_db: float) -> None:
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(meta)]
    if cover.is_file():
        cmd += ["-i", str(cover), "-map", "0:a", "-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
    else:
        cmd += ["-map", "0:a"]
    if gain_db:
        cmd += ["-af", f"volume={gain_db:.2f}dB"]
    cmd += ["-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", "-b:a", AAC_BITRATE, "-ar", str(SAMPLE_RATE),
            "-brand", "M4B ", "-movflags", "+faststart", "-f", "mp4", str(tmp)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise OutputError(f"ffmpeg could not write {dest}: {run.stderr.strip()[-400:]}")
