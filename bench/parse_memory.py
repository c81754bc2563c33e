"""Peak memory and time of opening, laying out and reading a big book, against reading its bytes once.

Usage:  python bench/parse_memory.py [--mb 20] [--no-attribution] [--crlf] [--keep]

Generates a ~N MB UTF-8 plain-text book (Gutenberg header, table of contents, many hard-wrapped chapters
with dialogue in curly quotes, em dashes, scene breaks, licence) in a temp dir, then measures, in this one process:

- baseline: `Path.read_bytes()` of the file (peak traced memory, time);
- open: `open_document` (decode + layout);
- chapters: `Document.read` of every chapter (and `audiobook.attribution.attribute` on it when that
  module exists), one chapter at a time, nothing kept;

and prints each peak (tracemalloc) and time, as ratios to the baseline, plus the process's maxrss.
The timing pass runs without tracemalloc (it slows Python down several times); the memory pass runs
with it.
"""

from __future__ import annotations

import argparse
import gc
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

from audiobook.reader import open_document  # noqa: E402

try:
    from audiobook.attribution import attribute
except ImportError:  # the attribution helper's module may not exist yet
    attribute = None

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


def _work(path: Path, with_attribution: bool) -> tuple[int, int, int]:
    """open + layout + read (and attribute) every chapter; returns (chapters, paragraphs, segments)."""
    doc = open_document(path)
    paragraphs = segments = 0
    for ch in doc.layout.chapters:
        text = doc.read(ch)
        paragraphs += len(ch.paragraphs)
        if with_attribution and attribute is not None:
            segs, _ = attribute(text, ch.paragraphs, offset=ch.start)
            segments += len(segs)
        del text
    return len(doc.layout.chapters), paragraphs, segments


def _traced(fn) -> tuple[float, int]:
    """(seconds, peak traced bytes) of fn()."""
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def _maxrss_mb() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=20.0, help="size of the generated book in MB (default 20)")
    ap.add_argument("--no-attribution", action="store_true", help="only open, lay out and read chapters")
    ap.add_argument("--keep", action="store_true", help="keep the generated book (prints its path)")
    ap.add_argument("--crlf", action="store_true", help="write the book with Windows (CRLF) line endings")
    args = ap.parse_args()
    with_attr = not args.no_attribution and attribute is not None

    tmp = Path(tempfile.mkdtemp(prefix="parse-memory-"))
    try:
        book = tmp / "book.txt"
        n = generate(book, args.mb, newline="\r\n" if args.crlf else "\n")
        size = book.stat().st_size
        print(f"book: {size / 1e6:.1f} MB, {n} chapters ({book if args.keep else 'temp dir'})")
        rss0 = _maxrss_mb()

        # Timing pass (no tracemalloc).
        t0 = time.perf_counter()
        data = book.read_bytes()
        base_time = time.perf_counter() - t0
        del data
        rss_base = _maxrss_mb()
        t0 = time.perf_counter()
        doc = open_document(book)
        open_time = time.perf_counter() - t0
        chapters = len(doc.layout.chapters)
        del doc
        t0 = time.perf_counter()
        counts = _work(book, with_attr)
        work_time = time.perf_counter() - t0
        rss_work = _maxrss_mb()

        # Memory pass: one traced run; the document stays open while its chapters are read.
        _, base_peak = _traced(lambda: book.read_bytes())
        gc.collect()
        tracemalloc.start()
        doc = open_document(book)
        held, open_peak = tracemalloc.get_traced_memory()
        work_peak = open_peak
        chapter_peak = 0
        for ch in doc.layout.chapters:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            text = doc.read(ch)
            if with_attr:
                attribute(text, ch.paragraphs, offset=ch.start)
            del text
            _, peak = tracemalloc.get_traced_memory()
            chapter_peak = max(chapter_peak, peak - before)
            work_peak = max(work_peak, peak)
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del doc

        mb = 1e6
        print(f"chapters: {chapters}, paragraphs: {counts[1]}, segments: {counts[2]}"
              f" (attribution {'on' if with_attr else 'off'})")
        print(f"baseline read_bytes: {base_time:7.3f} s   peak {base_peak / mb:8.1f} MB")
        print(f"open_document:       {open_time:7.3f} s   peak {open_peak / mb:8.1f} MB"
              f"   = {open_peak / base_peak:5.2f} x baseline")
        print(f"open + read all{'+attr' if with_attr else '     '}: {work_time:7.3f} s   peak {work_peak / mb:8.1f} MB"
              f"   = {work_peak / base_peak:5.2f} x baseline")
        print(f"held by the open Document (layout): {held / mb:.1f} MB = {held / base_peak:.2f} x baseline")
        print(f"per-chapter peak above the open document: {chapter_peak / mb:.1f} MB "
              f"(memory left after all chapters: {(after - held) / mb:+.2f} MB)")
        print(f"maxrss: start {rss0:.0f} MB, after baseline {rss_base:.0f} MB, after full run {rss_work:.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
