"""Render speed and memory against the engine's floor, on one multi-chapter book.

Usage:  python bench/render.py [--words 100000] [--quick] [--jobs N] [--chapters DIR] [--keep]

Builds one plain-text book of about N words (the public-domain chapters in
../shared/attribution-dev/chapters/ when present, then generated chapters with dialogue), then times,
each phase in a fresh process whose whole process tree's RSS is sampled:

  (a) floor  : espeak-ng speaking the whole text sentence by sentence in one process, as fast as
               the engine goes (pyttsx3 driver without its per-utterance sleep), streamed into one
               MP3 with lameenc (same bitrate and quality as the assembler);
  (b) cold   : `audiobook.pipeline.render` with an empty clip cache, default jobs;
  (c) 1 voice: the same render after changing one character's voice in voices.yaml;
  (d) same   : the same render again, nothing changed;

and prints seconds, the ratios (b)/(a), (c)/(b), (d)/(b), clips synthesised, chapter files
(re)written, the peak RSS and PSS of each phase's process tree (sampled every 0.1 s), and where
each render's time went (reading and casting, synthesis, preparing chapters, encoding, the rest).
First it times pyttsx3's own per-utterance loop against the no-sleep loop on 300 sentences.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "attribution-dev" / "chapters"
sys.path.insert(0, str(REPO))

_SYLLABLES = "ka lo mi ra ten sor vel an dar is ul po fen gri mas tor el wyn bra cot".split()
_NAMES = ["Ilsa", "Tomas", "Bren", "Odile", "Kaspar", "Marit", "Jorun", "Aldo"]
_VERBS = ["said", "asked", "replied", "whispered", "called"]


def _sentence(rng: random.Random) -> str:
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(5, 16))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def _generated_chapter(rng: random.Random, words: int) -> str:
    """Paragraphs of narration and attributed dialogue in made-up words (unique sentences)."""
    paras, n = [], 0
    while n < words:
        if rng.random() < 0.4:
            name = rng.choice(_NAMES)
            line = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
            para = f"\u201c{line[:-1]},\u201d {rng.choice(_VERBS)} {name}. {_sentence(rng)}"
        else:
            para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        paras.append(para)
        n += len(para.split())
    return "\n\n".join(paras)


def build_book(words: int, dest: Path, source: Path | None = DEV) -> int:
    """Write a multi-chapter book of about `words` words to `dest`; returns its word count."""
    rng = random.Random(7)
    chapters: list[str] = []
    total = 0
    for path in sorted(source.glob("*.txt")) if source and source.is_dir() else []:
        if total >= words:
            break
        text = path.read_text(encoding="utf-8")
        paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        kept = []
        for p in paras:
            if total >= words:
                break
            kept.append(p)
            total += len(p.split())
        chapters.append("\n\n".join(kept))
    while total < words:
        size = min(6000, words - total)
        chapters.append(_generated_chapter(rng, size))
        total += size
    parts = ["The Benchmark Omnibus\n\nby Various Hands"]
    for i, body in enumerate(chapters, 1):
        parts.append(f"Chapter {i}\n\n{body}")
    dest.write_text("\n\n\n".join(parts) + "\n", encoding="utf-8")
    return len(dest.read_text(encoding="utf-8").split())


# --- phases, each run in its own process ---------------------------------------------------------

def phase_floor(book: Path, work: Path) -> dict[str, object]:
    """One process: every sentence through the engine, every sample into one lameenc MP3."""
    import wave

    import lameenc

    from audiobook.audio.synth import chunk_text, get_engine
    from audiobook.model import Voice

    engine = get_engine("espeak")
    voice = Voice("gmw/en-us")
    enc = lameenc.Encoder()
    enc.set_bit_rate(64)
    enc.set_in_sample_rate(22050)
    enc.set_channels(1)
    enc.set_quality(5)  # as audiobook.assemble.encode
    tmp = work / "floor.wav"
    clips = 0
    t0 = time.perf_counter()
    with open(work / "floor.mp3", "wb") as out:
        for para in re.split(r"\n\s*\n", book.read_text(encoding="utf-8")):
            for piece in chunk_text(para):
                engine.synthesize(piece, voice, tmp)
                with wave.open(str(tmp), "rb") as w:
                    out.write(enc.encode(w.readframes(w.getnframes())))
                clips += 1
        out.write(enc.flush())
    return {"seconds": time.perf_counter() - t0, "clips": clips}


def phase_overhead(book: Path, work: Path, fast: bool, n: int = 300) -> dict[str, object]:
    """Per-clip time of the first `n` sentences through pyttsx3's own loop or the no-sleep loop."""
    from audiobook.audio.synth import chunk_text, wav_frames
    from audiobook.engines import get_engine
    from audiobook.model import Voice

    engine = get_engine("espeak")
    if not fast:  # back to pyttsx3's own loop (the engine installs the no-sleep one)
        driver = engine._tts.proxy._driver  # type: ignore[attr-defined]
        driver.__class__ = driver.__class__.__mro__[1]
    voice = Voice("gmw/en-us")
    pieces = [p for para in re.split(r"\n\s*\n", book.read_text(encoding="utf-8")) for p in chunk_text(para)][:n]
    missing = 0
    t0 = time.perf_counter()
    for i, piece in enumerate(pieces):
        path = work / f"overhead{i % 4}.wav"
        path.unlink(missing_ok=True)
        engine.synthesize(piece, voice, path)
        missing += wav_frames(path) == 0  # no complete file when synthesize returned (the stock loop's race)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "clips": len(pieces), "ms_per_clip": 1000 * seconds / len(pieces),
            "missing": missing}


def phase_render(book: Path, work: Path, jobs: int | None) -> dict[str, object]:
    """One library render of the book into work/out with the cache in work/cache."""
    from audiobook.pipeline import RenderOptions, render

    out = work / "out"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.mp3")}
    options = RenderOptions(voices=work / "voices.yaml", out_dir=out, cache_dir=work / "cache",
                            **({"jobs": jobs} if jobs else {}))
    marks: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        span = marks.setdefault(stage, [now, now])
        span[1] = now

    t0 = time.perf_counter()
    report = render([book], options, progress)
    end = time.perf_counter()
    rewritten = sum(1 for ch in report.chapters if before.get(ch.path) != ch.path.stat().st_mtime_ns)
    audio_s = sum(ch.duration_ms for ch in report.chapters) / 1000
    # Where the time went, from the progress events: reading and casting until synthesis starts,
    # synthesis, what happens between synthesis and encoding (levelling, tags), encoding, the rest.
    synth = marks.get("synthesize", [t0, t0])
    enc = marks.get("assemble", [synth[1], synth[1]])
    stages = {"read": synth[0] - t0, "synth": synth[1] - synth[0], "prepare": enc[0] - synth[1],
              "encode": enc[1] - enc[0], "finish": end - enc[1]}
    return {"seconds": end - t0, "clips": report.clips_synthesized, "clips_total": report.clips_total,
            "chapters": len(report.chapters), "rewritten": rewritten, "audio_s": audio_s, "stages": stages}


def change_one_voice(voices: Path) -> str:
    """Give the first cast character another voice (round-trip edit); returns their name."""
    from ruamel.yaml import YAML

    yaml = YAML()
    doc = yaml.load(voices.read_text(encoding="utf-8"))
    name = next(iter(doc["characters"]))
    entry = doc["characters"][name]
    entry["pitch"] = (int(entry.get("pitch", 50)) + 17) % 100
    with open(voices, "w", encoding="utf-8") as f:
        yaml.dump(doc, f)
    return str(name)


# --- driver -------------------------------------------------------------------------------------

def _tree_memory(pid: int) -> tuple[int, int]:
    """Resident and proportional (PSS: shared library pages split between their users) bytes of a
    process and all its descendants (Linux /proc). RSS counts a library shared by three processes
    three times; PSS is what the tree really costs."""
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return rss, pss


def run_phase(name: str, book: Path, work: Path, jobs: int | None) -> dict[str, object]:
    """Run one phase in a child process, sampling its process tree's RSS; returns its result."""
    cmd = [sys.executable, __file__, "--phase", name, "--book", str(book), "--work", str(work)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = peak_pss = 0

    def sample() -> None:
        nonlocal peak, peak_pss
        while proc.poll() is None:
            rss, pss = _tree_memory(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"phase {name} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = peak
    result["peak_pss"] = peak_pss
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=100_000, help="size of the book (default 100000)")
    ap.add_argument("--quick", action="store_true", help="a small run (8000 words)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes for the renders (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--chapters", type=Path, default=DEV,
                    help="folder of .txt chapters to start the book with (default: ../shared/attribution-dev/chapters; "
                         "generated text fills the rest)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--book", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.phase:  # child process
        if args.phase == "floor":
            result = phase_floor(args.book, args.work)
        elif args.phase.startswith("overhead"):
            result = phase_overhead(args.book, args.work, fast=args.phase == "overhead-fast")
        else:
            result = phase_render(args.book, args.work, args.jobs)
        print(json.dumps(result))
        return

    words = 8000 if args.quick else args.words
    work = Path(tempfile.mkdtemp(prefix="audiobook-bench-"))
    try:
        book = work / "book.txt"
        n = build_book(words, book, args.chapters)
        real = args.chapters is not None and args.chapters.is_dir()
        print(f"book: {n} words in {book} ({f'{args.chapters} + generated' if real else 'generated'}), "
              f"cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.2f}")
        stock, fast = (run_phase(f"overhead-{k}", book, work, None) for k in ("stock", "fast"))
        print(f"per clip, first {stock['clips']} sentences, one process: pyttsx3's loop {stock['ms_per_clip']:.2f} ms "
              f"({stock['missing']} returned before their file was complete), no-sleep loop "
              f"{fast['ms_per_clip']:.2f} ms ({fast['missing']} incomplete)")
        rows = {}
        rows["a floor"] = run_phase("floor", book, work, None)
        rows["b cold"] = run_phase("render", book, work, args.jobs)
        changed = change_one_voice(work / "voices.yaml")
        rows["c one voice"] = run_phase("render", book, work, args.jobs)
        rows["d unchanged"] = run_phase("render", book, work, args.jobs)
        print(f"changed voice of: {changed};  audio: {rows['b cold']['audio_s'] / 3600:.2f} h in "
              f"{rows['b cold']['chapters']} chapters, {rows['b cold']['clips_total']} clips")
        cold = float(rows["b cold"]["seconds"])  # type: ignore[arg-type]
        floor = float(rows["a floor"]["seconds"])  # type: ignore[arg-type]
        print(f"{'phase':<13}{'seconds':>9}{'ratio':>16}{'clips synth':>13}{'files written':>15}{'peak RSS':>11}"
              f"{'peak PSS':>11}")
        ratios = {"a floor": "", "b cold": f"{cold / floor:.2f} x floor", "c one voice": "", "d unchanged": ""}
        for key in ("c one voice", "d unchanged"):
            ratios[key] = f"{float(rows[key]['seconds']) / cold:.3f} x cold"  # type: ignore[arg-type]
        for key, r in rows.items():
            written = r.get("rewritten", 1)
            print(f"{key:<13}{float(r['seconds']):>9.2f}{ratios[key]:>16}{r['clips']!s:>13}{written!s:>15}"
                  f"{int(r['peak_rss']) / 2**20:>8.0f} MB{int(r['peak_pss']) / 2**20:>8.0f} MB")
        for key in ("b cold", "c one voice", "d unchanged"):
            stages = rows[key]["stages"]
            print(f"{key:<13}" + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))  # type: ignore[union-attr]
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
