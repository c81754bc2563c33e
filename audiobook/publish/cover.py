"""Cover art: the user's image made podcast-ready, or a generated cover with the title and author.

Podcast directories want a square JPEG or PNG between 1400 and 3000 pixels a side; players show
whatever is embedded. Both come from one `cover.jpg` written beside the chapters, so the feed's
`itunes:image` and the MP3s' APIC frames are the same picture.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import os
import stat
import textwrap
import warnings
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ..errors import InputError, OutputError
from ..fsutil import atomic_output

COVER_NAME = "cover.jpg"
MIN_SIDE = 1400
MAX_SIDE = 3000
#: Largest image read (after a JPEG's reduced-scale decode): 50 million pixels are 150 MB as RGB.
MAX_PIXELS = 50_000_000


def _palette(title: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    # A dark background hue chosen by the title, so every book gets its own stable colour.
    hue = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    bg = tuple(int(255 * c) for c in colorsys.hls_to_rgb(hue, 0.22, 0.45))
    accent = tuple(int(255 * c) for c in colorsys.hls_to_rgb(hue, 0.75, 0.6))
    return bg, accent  # type: ignore[return-value]


def _fit_lines(draw: ImageDraw.ImageDraw, text: str, width: int, start: int, smallest: int
               ) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, list[str]]:
    """The largest font size (stepping down) at which `text` wraps into at most 5 lines that fit `width`."""
    size = start
    while True:
        font = ImageFont.load_default(size=size)
        for chars in range(40, 5, -1):
            lines = textwrap.wrap(text, chars) or [""]
            if all(draw.textlength(line, font=font) <= width for line in lines):
                break
        if len(lines) <= 5 and all(draw.textlength(line, font=font) <= width for line in lines) or size <= smallest:
            return font, lines
        size = int(size * 0.85)


def generate_cover(title: str, author: str | None, size: int = MIN_SIDE) -> bytes:
    """A square JPEG cover: the title large in the middle, the author under a rule, on a colour of the title."""
    bg, accent = _palette(title)
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    draw.rectangle([margin // 2, margin // 2, size - margin // 2, size - margin // 2], outline=accent,
                   width=max(2, size // 200))
    font, lines = _fit_lines(draw, title, size - 2 * margin, size // 9, size // 40)
    line_h = int(font.size * 1.2) if hasattr(font, "size") else size // 10
    block = line_h * len(lines)
    y = (size - block) // 2 - size // 12
    for line in lines:
        w = draw.textlength(line, font=font)
        draw.text(((size - w) / 2, y), line, font=font, fill=(250, 248, 240))
        y += line_h
    y += size // 30
    draw.line([size * 0.35, y, size * 0.65, y], fill=accent, width=max(2, size // 300))
    if author:
        afont, alines = _fit_lines(draw, author, size - 2 * margin, size // 18, size // 50)
        y += size // 30
        for line in alines[:2]:
            w = draw.textlength(line, font=afont)
            draw.text(((size - w) / 2, y), line, font=afont, fill=accent)
            y += int(getattr(afont, "size", size // 18) * 1.25)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def prepare_cover(path: Path) -> bytes:
    """The user's image as a square JPEG of 1400-3000 px (letterboxed, never cropped); errors name the file."""
    rgb = _read_image(path)
    w, h = rgb.size
    side = min(MAX_SIDE, max(MIN_SIDE, w, h))
    scale = side / max(w, h)
    resized = rgb.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
    # Letterbox on the picture's own average colour, so a portrait book cover keeps its whole title.
    average = rgb.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    canvas = Image.new("RGB", (side, side), average)
    canvas.paste(resized, ((side - resized.width) // 2, (side - resized.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _read_image(path: Path) -> Image.Image:
    """The user's image decoded as RGB; InputError for a missing, unreadable or dangerously large one.

    A small file can claim billions of pixels (a "decompression bomb"): the size in the header is
    checked before anything is decoded, and a large JPEG is decoded straight at a reduced scale.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"cover {path}: not a regular file")
    except FileNotFoundError:
        raise InputError(f"cover {path}: no such file") from None
    except OSError as exc:
        raise InputError(f"cover {path}: cannot read ({exc.strerror or exc})") from None
    too_big = (f"cover {path}: the image is too large to read safely (over {MAX_PIXELS // 1_000_000} million "
               "pixels); scale it down first")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below decides
            with Image.open(path) as img:
                if img.format == "JPEG":
                    img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4 or 1/8 scale: far less memory
                if img.width * img.height > MAX_PIXELS:
                    raise InputError(too_big)
                img.load()
                return img.convert("RGB")
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(too_big) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"cover {path}: not an image Pillow can read ({str(exc)[:200]})") from None


def cover_bytes(title: str, author: str | None, source: Path | None = None) -> bytes:
    """The book's cover as JPEG bytes: the user's image made podcast-ready, else a generated one."""
    return prepare_cover(source) if source is not None else generate_cover(title, author)


def write_once(dest: Path, data: bytes) -> Path:
    """Write `data` to `dest` atomically unless it already holds exactly that (its time then stays put)."""
    try:
        if dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
            return dest
        with atomic_output(dest) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    return dest


def stage_cover(data: bytes, scratch: Path) -> tuple[Path, str]:
    """Keep the cover under `scratch/covers/<sha256>.jpg` for the taggers; returns its path and digest.

    The chapters are tagged before the book folder is touched, so a failed render leaves nothing
    there; `cover.jpg` is written beside the chapters once they are.
    """
    digest = hashlib.sha256(data).hexdigest()
    return write_once(scratch / "covers" / f"{digest}.jpg", data), digest
