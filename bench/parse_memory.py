"""Peak memory of `audiobook script` on big books, against reading the book's bytes once, at several sizes.

Usage:  python bench/parse_memory.py [--sizes 5,10,20] [--no-attribution] [--crlf] [--keep] [--dir DIR]

For each size, generates a ~N MB UTF-8 plain-text book (Gutenberg header, table of contents, many
hard-wrapped chapters with dialogue in curly quotes, em dashes, scene breaks, licence) in a temp dir,
then measures, in this one process, with tracemalloc:

- baseline: `Path.read_bytes()` of the file (its peak is the file's size);
- open: `open_document` (the file is streamed twice in chunks: outline, no paragraphs kept);
- script: what `audiobook script --format json` does: `pipeline.script_chapters` (each chapter laid
  out, read back from the file and attributed) with every chapter's segments serialised to JSON and
  dropped (with --no-attribution: each chapter laid out and read only);

and prints each peak as a ratio to the baseline, then how much the peak grew per MB of book between
the smallest and the largest size (0 would be "does not grow with the file"). A second, untraced run
of the script pass gives the time (tracemalloc slows Python down several times).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import resource
import shutil
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.pipeline import script_chapters  # noqa: E402
from audiobook.text.reader import open_document  # noqa: E402
from audiobook.voices.config import Config  # noqa: E402

_SYLLABLES = "ka lo mi ra ten sor vel an dar is ul po fen gri mas tor el wyn bra cot".split()
_NAMES = ["Ilsa", "Tomas", "Bren", "Odile", "Kaspar", "Marit"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))


def _sentence(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.randint(5, 16))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"])


def _paragraph(rng: random.Random) -> str:
    if rng.random() < 0.4:
        name = rng.choice(_NAMES)
        # Curly quotes and dashes, as fan fiction has them: the decoded str then takes 2 bytes a character.
        text = f"“{_sentence(rng)}” said {name}. “{_sentence(rng)} {_sentence(rng)}”"
    else:
        text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))
        if rng.random() < 0.3:
            text = text.replace(" ", "—", 1)
    return textwrap.fill(text, 70)


def generate(path: Path, megabytes: float, seed: int = 7, newline: str = "\n") -> int:
    """Write a ~`megabytes` MB book to `path`; returns the number of chapters."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    chapter_size = 60_000
    n_chapters = max(1, target // chapter_size)
    with path.open("w", encoding="utf-8", newline=newline) as out:
        out.write("The Project Gutenberg eBook of The Long Road\n\nTitle: The Long Road\n\nAuthor: Nobody\n\n")
        out.write("*** START OF THE PROJECT GUTENBERG EBOOK THE LONG ROAD ***\n\n\nTHE LONG ROAD\n\nby Nobody\n\n\n")
        out.write("CONTENTS\n\n")
        for n in range(1, n_chapters + 1):
            out.write(f"     CHAPTER {n}. The {_word(rng).capitalize()}\n")
        out.write("\n\n\n")
        for n in range(1, n_chapters + 1):
            out.write(f"CHAPTER {n}. The {_word(rng).capitalize()}\n\n\n")
            written = 0
            while written < chapter_size:
                para = _paragraph(rng) + "\n\n"
                if rng.random() < 0.02:
                    para += "* * *\n\n"
                out.write(para)
                written += len(para)
            out.write("\n\n")
        out.write("*** END OF THE PROJECT GUTENBERG EBOOK THE LONG ROAD ***\n\nTHE FULL PROJECT GUTENBERG LICENSE\n")
    return n_chapters


def _script(book: Path, with_attribution: bool) -> tuple[int, int]:
    """The script pass; returns (chapters, segments)."""
    if not with_attribution:
        doc = open_document(book)
        n = 0
        for ch in doc.layout.chapters:
            doc.read(ch)
            n += 1
        return n, 0
    chapters = segments = 0
    for chapter in script_chapters([book], Config(path=book.with_name("voices.yaml"))):
        json.dumps([s.as_json() for s in chapter.segments], ensure_ascii=False)
        chapters += 1
        segments += len(chapter.segments)
    return chapters, segments


def _traced(fn) -> tuple[int, int]:
    """(peak traced bytes, bytes still held) while fn() runs; its result is held until the end."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        held, peak = tracemalloc.get_traced_memory()
        del result
        return peak, held
    finally:
        tracemalloc.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", default="5,10,20", help="book sizes in MB, comma separated (default 5,10,20)")
    ap.add_argument("--no-attribution", action="store_true", help="only open, lay out and read chapters")
    ap.add_argument("--keep", action="store_true", help="keep the generated books (prints the folder)")
    ap.add_argument("--crlf", action="store_true", help="write the books with Windows (CRLF) line endings")
    ap.add_argument("--dir", type=Path, default=None, help="write the books here (default: a new temp dir)")
    args = ap.parse_args()
    with_attr = not args.no_attribution
    sizes = [float(x) for x in args.sizes.split(",")]
    mb = 1e6
    tmp = Path(tempfile.mkdtemp(prefix="parse-memory-", dir=args.dir))
    rows = []
    try:
        print(f"{'book':>8} {'chapters':>8} {'segments':>9} {'read_bytes':>11} {'open':>15} "
              f"{'script' if with_attr else 'lay out+read':>15} {'held open':>10} {'time':>8}")
        for size in sizes:
            book = tmp / f"book-{size:g}mb.txt"
            generate(book, size, newline="\r\n" if args.crlf else "\n")
            nbytes = book.stat().st_size
            base, _ = _traced(book.read_bytes)
            open_peak, held = _traced(functools.partial(open_document, book))
            script_peak, _ = _traced(functools.partial(_script, book, with_attr))
            t0 = time.perf_counter()
            chapters, segments = _script(book, with_attr)
            seconds = time.perf_counter() - t0
            rows.append((nbytes, base, open_peak, script_peak))
            print(f"{nbytes / mb:6.1f}MB {chapters:8d} {segments:9d} {base / mb:9.1f}MB "
                  f"{open_peak / mb:6.1f}MB {open_peak / base:5.2f}x {script_peak / mb:6.1f}MB "
                  f"{script_peak / base:5.2f}x {held / mb:8.2f}MB {seconds:7.1f}s")
        if len(rows) > 1:
            (b0, _, o0, s0), (b1, _, o1, s1) = rows[0], rows[-1]
            print(f"peak growth per MB of book ({b0 / mb:.0f} -> {b1 / mb:.0f} MB): "
                  f"open {(o1 - o0) / (b1 - b0):.3f} MB/MB, "
                  f"{'script' if with_attr else 'lay out+read'} {(s1 - s0) / (b1 - b0):.3f} MB/MB "
                  f"(reading the file whole: 1.000; the old reader: 4.0)")
        print(f"maxrss of this process: {_maxrss_mb():.0f} MB")
        if args.keep:
            print(f"books kept in {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _maxrss_mb() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


if __name__ == "__main__":
    raise SystemExit(main())
