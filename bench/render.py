"""Render speed and memory against the engine's floor, on one multi-chapter book.

Usage:  python bench/render.py [--chapters-whole 3] [--words N] [--repeat 2] [--quick] [--jobs N] [--keep]
        python bench/render.py --engine kokoro|piper [--chapter FILE] [--jobs N]

By default the book is three whole novel chapters (the first three of ../shared/attribution-dev/chapters/,
about 9,000 words and an hour of audio; generated chapters with dialogue when that folder is absent);
`--words N` builds a book of about N words instead (dev chapters, then generated ones). Then it times,
each phase in a fresh process whose whole process tree's memory is sampled:

  (a) floor      : espeak-ng speaking the whole text sentence by sentence in one process, as fast as the
                   engine goes (pyttsx3 driver without its per-utterance sleep), streamed into one MP3 with
                   lameenc at 64 kbit/s and LAME's default quality (5);
  (b) cold       : `audiobook.pipeline.render` with an empty cache, default jobs;
  (c) one voice  : the same render after changing the voice of a character who speaks in every chapter
                   (the one with the most lines: the dearest such change);
  (d) one chapter: the same render after adding a sentence to the middle chapter;
  (e) unchanged  : the same render again, nothing changed.

First it times pyttsx3's own per-utterance loop against the no-sleep loop on 300 sentences. (a) and (b)
are measured `--repeat` times, interleaved, each (b) in a fresh folder, and the best of each
is taken (the machine may be shared: the best run is the one least disturbed); (c)-(e) likewise, each
with a new change. It prints seconds, the ratios (b)/(a), (c)/(b), (d)/(b), (e)/(b), clips synthesised,
pieces encoded, chapter files (re)written, the peak RSS and PSS of each phase's process tree (sampled
every 0.1 s) and where each render's time went.

With `--engine NAME` it measures a neural cast instead: the chapter (default ../shared/samples/chapter1.txt)
rendered as `audiobook render --engine NAME` renders it, (1) cold: empty cache (the voices measured for
casting, every clip synthesised), (2) cached: the output folder deleted, every clip from the cache, and
(3) unchanged: the same render again. It prints each one's seconds and real-time factor (seconds of work
per second of audio; below 1 is faster than real time).
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
# ../shared beside the checkout; AUDIOBOOK_SHARED points elsewhere (a worktree that is not beside it).
DEV = Path(os.environ.get("AUDIOBOOK_SHARED") or REPO.parent / "shared") / "attribution-dev" / "chapters"
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


def build_book(words: int, dest: Path, source: Path | None = DEV, whole: int = 0) -> int:
    """Write a multi-chapter book of about `words` words to `dest` (or `whole` whole chapters); returns its words."""
    rng = random.Random(7)
    chapters: list[str] = []
    total = 0
    files = sorted(source.glob("*.txt")) if source and source.is_dir() else []
    if whole:
        if files:
            words = sum(len(p.read_text(encoding="utf-8").split()) for p in files[:whole])
            files = files[:whole]
        else:  # generated chapters of a novel chapter's size
            words = 3000 * whole
    for path in files:
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
        size = min(3000 if whole else 6000, words - total)
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
    enc.set_quality(5)  # LAME's default: the floor is "espeak + LAME" as they come
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


def phase_render(book: Path, work: Path, jobs: int | None, engine: str | None = None) -> dict[str, object]:
    """One library render of the book into work/out with the cache in work/cache."""
    from audiobook.pipeline import RenderOptions, render

    out = work / "out"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.mp3")}
    options = RenderOptions(voices=work / "voices.yaml", out_dir=out, cache_dir=work / "cache", engine=engine,
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
    speakers: dict[str, int] = {}
    for ch in report.chapters:
        for name, _ in ch.voices:
            speakers[name] = speakers.get(name, 0) + 1
    lines: dict[str, int] = {}
    for ch in report.chapters:
        for seg in ch.chapter.segments:
            if seg.kind == "dialogue" and seg.speaker:
                lines[seg.speaker] = lines.get(seg.speaker, 0) + 1
    everywhere = [n for n, k in speakers.items() if k == len(report.chapters) and n in lines]
    audio_s = sum(ch.duration_ms for ch in report.chapters) / 1000
    # Where the time went, from the progress events: reading and casting until synthesis starts,
    # synthesis, what happens between synthesis and encoding (levelling, tags), encoding, the rest.
    synth = marks.get("synthesize", [t0, t0])
    enc = marks.get("encode", [synth[1], synth[1]])
    assemble = marks.get("assemble", [enc[1], enc[1]])
    stages = {"read": synth[0] - t0, "synth": synth[1] - synth[0], "prepare": enc[0] - synth[1],
              "encode": enc[1] - enc[0], "splice": assemble[1] - enc[1], "finish": end - assemble[1]}
    return {"seconds": end - t0, "clips": report.clips_synthesized, "clips_total": report.clips_total,
            "chapters": len(report.chapters), "rewritten": rewritten, "audio_s": audio_s, "stages": stages,
            "fragments": report.fragments_encoded,
            "everywhere": sorted(everywhere, key=lambda n: -lines[n]), "lines": lines}


def change_one_voice(voices: Path, name: str, step: int) -> None:
    """Give `name` another pitch (a round-trip edit of voices.yaml): every one of their clips changes."""
    from ruamel.yaml import YAML

    yaml = YAML()
    doc = yaml.load(voices.read_text(encoding="utf-8"))
    entry = doc["characters"][name]
    entry["pitch"] = (int(entry.get("pitch", 50)) + 7 * step) % 100
    with open(voices, "w", encoding="utf-8") as f:
        yaml.dump(doc, f)


def edit_one_chapter(book: Path, step: int) -> None:
    """Add a sentence to a paragraph in the middle of the middle chapter."""
    text = book.read_text(encoding="utf-8")
    heads = [m.start() for m in re.finditer(r"^Chapter \d+$", text, re.M)]
    middle = heads[len(heads) // 2]
    end = heads[len(heads) // 2 + 1] if len(heads) > len(heads) // 2 + 1 else len(text)
    breaks = [m.start() for m in re.finditer(r"\n\n", text[middle:end])]
    at = middle + breaks[len(breaks) // 2]
    book.write_text(text[:at] + f" The clock struck {step + 1} times." + text[at:], encoding="utf-8")


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


def run_phase(name: str, book: Path, work: Path, jobs: int | None, engine: str | None = None) -> dict[str, object]:
    """Run one phase in a child process, sampling its process tree's RSS; returns its result."""
    cmd = [sys.executable, __file__, "--phase", name, "--book", str(book), "--work", str(work)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if engine:
        cmd += ["--engine", engine]
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


def neural(engine: str, chapter: Path, jobs: int | None, keep: bool) -> None:
    """Real-time factor of a neural cast: cold, clips cached, unchanged (see the module docstring)."""
    if not chapter.is_file():
        raise SystemExit(f"no chapter at {chapter} (set AUDIOBOOK_SHARED or pass --chapter)")
    top = Path(tempfile.mkdtemp(prefix="audiobook-bench-"))
    try:
        book = top / "book.txt"
        shutil.copy(chapter, book)
        print(f"chapter: {chapter.name}, {len(chapter.read_text(encoding='utf-8').split())} words; engine: {engine}; "
              f"cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.2f}")
        rows = {"cold": run_phase("render", book, top, jobs, engine)}
        shutil.rmtree(top / "out")
        rows["cached clips"] = run_phase("render", book, top, jobs, engine)
        rows["unchanged"] = run_phase("render", book, top, jobs, engine)
        audio = float(rows["cold"]["audio_s"])  # type: ignore[arg-type]
        print(f"audio: {audio / 60:.1f} min, {rows['cold']['clips_total']} clips")
        print(f"{'phase':<14}{'seconds':>9}{'RTF':>8}{'clips synth':>13}{'peak RSS':>11}   where the time went")
        for key, r in rows.items():
            seconds = float(r["seconds"])  # type: ignore[arg-type]
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in r["stages"].items())  # type: ignore[attr-defined]
            print(f"{key:<14}{seconds:>9.1f}{seconds / audio:>8.3f}{r['clips']!s:>13}"
                  f"{int(r['peak_rss']) / 2**20:>8.0f} MB   {stages}")  # type: ignore[call-overload]
        cast = (top / "voices.yaml").read_text(encoding="utf-8").count("\n    voice:")
        print(f"load average after: {os.getloadavg()[0]:.2f}; {cast} characters in voices.yaml (cast on its own "
              f"engine; the render moved them to {engine})")
    finally:
        if keep:
            print(f"kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chapters-whole", type=int, default=3, help="whole novel chapters in the book (default 3)")
    ap.add_argument("--words", type=int, default=None, help="a book of about N words instead")
    ap.add_argument("--repeat", type=int, default=2, help="measurements of each phase; the best is kept")
    ap.add_argument("--quick", action="store_true", help="a small run (one generated chapter, no repeats)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes for the renders (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--chapters", type=Path, default=DEV,
                    help="folder of .txt chapters to start the book with (default: ../shared/attribution-dev/chapters; "
                         "generated text fills the rest)")
    ap.add_argument("--engine", default=None, help="time a neural cast on this engine (kokoro, piper) instead")
    ap.add_argument("--chapter", type=Path, default=DEV.parents[1] / "samples" / "chapter1.txt",
                    help="with --engine: the chapter to render (default: ../shared/samples/chapter1.txt)")
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
            result = phase_render(args.book, args.work, args.jobs, args.engine)
        import resource

        # CPU seconds of this process and of its workers (reaped by the time the phase returns).
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        result["cpu"] = sum(u.ru_utime + u.ru_stime for u in usage)
        print(json.dumps(result))
        return

    if args.engine:
        neural(args.engine, args.chapter, args.jobs, args.keep)
        return
    repeat = 1 if args.quick else max(1, args.repeat)
    top = Path(tempfile.mkdtemp(prefix="audiobook-bench-"))
    try:
        source = top / "book.txt"
        if args.quick:
            n = build_book(3000, source, None, whole=1)
        elif args.words:
            n = build_book(args.words, source, args.chapters)
        else:
            n = build_book(0, source, args.chapters, whole=args.chapters_whole)
        real = args.chapters is not None and args.chapters.is_dir() and not args.quick
        print(f"book: {n} words ({f'{args.chapters} + generated' if real else 'generated'}), "
              f"cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.2f}, best of {repeat}")
        stock, fast = (run_phase(f"overhead-{k}", source, top, None) for k in ("stock", "fast"))
        print(f"per clip, first {stock['clips']} sentences, one process: pyttsx3's loop {stock['ms_per_clip']:.2f} ms "
              f"({stock['missing']} returned before their file was complete), no-sleep loop "
              f"{fast['ms_per_clip']:.2f} ms ({fast['missing']} incomplete)")
        floors, colds = [], []
        work = top
        for i in range(repeat):  # interleaved, each cold render in a fresh folder and cache
            work = top / f"run{i}"
            work.mkdir()
            book = work / "book.txt"
            shutil.copy(source, book)
            floors.append(run_phase("floor", book, work, None))
            colds.append(run_phase("render", book, work, args.jobs))
        rows: dict[str, dict[str, object]] = {}
        rows["a floor"] = min(floors, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
        rows["b cold"] = min(colds, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
        last = colds[-1]
        everywhere = list(last["everywhere"])  # type: ignore[call-overload]
        name = everywhere[0] if everywhere else next(iter(last["lines"]))  # type: ignore[call-overload]
        book = work / "book.txt"
        edits = {"c one voice": lambda step: change_one_voice(work / "voices.yaml", name, step + 1),
                 "d one chapter": lambda step: edit_one_chapter(book, step),
                 "e unchanged": lambda step: None}
        for key, edit in edits.items():
            runs = []
            for step in range(repeat):
                edit(step)
                runs.append(run_phase("render", book, work, args.jobs))
            rows[key] = min(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
        cold = rows["b cold"]
        lines = last["lines"]  # type: ignore[assignment]
        print(f"changed voice of: {name} (speaks in every chapter; {lines[name]} of {sum(lines.values())} "  # type: ignore[index]
              f"dialogue lines); audio: {float(cold['audio_s']) / 60:.1f} min in {cold['chapters']} chapters, "  # type: ignore[arg-type]
              f"{cold['clips_total']} clips")
        floor = float(rows["a floor"]["seconds"])  # type: ignore[arg-type]
        cold_s = float(cold["seconds"])  # type: ignore[arg-type]
        print(f"{'phase':<14}{'seconds':>9}{'ratio':>16}{'CPU s':>8}{'clips synth':>13}{'pieces enc':>12}"
              f"{'files written':>15}{'peak RSS':>11}{'peak PSS':>11}   all runs (s)")
        ratios = {"a floor": "", "b cold": f"{cold_s / floor:.2f} x floor"}
        for key in ("c one voice", "d one chapter", "e unchanged"):
            ratios[key] = f"{float(rows[key]['seconds']) / cold_s:.3f} x cold"  # type: ignore[arg-type]
        every = {"a floor": floors, "b cold": colds}
        for key, r in rows.items():
            written = r.get("rewritten", 1)
            runs = ", ".join(f"{float(x['seconds']):.1f}" for x in every.get(key, [r]))  # type: ignore[arg-type]
            print(f"{key:<14}{float(r['seconds']):>9.2f}{ratios[key]:>16}{float(r['cpu']):>8.1f}"  # type: ignore[arg-type]
                  f"{r['clips']!s:>13}"
                  f"{r.get('fragments', '')!s:>12}{written!s:>15}"
                  f"{int(r['peak_rss']) / 2**20:>8.0f} MB{int(r['peak_pss']) / 2**20:>8.0f} MB   "  # type: ignore[call-overload]
                  f"{runs if key in every else ''}")
        cpu_ratio = float(cold["cpu"]) / float(rows["a floor"]["cpu"])  # type: ignore[arg-type]
        cores = os.cpu_count() or 1
        print(f"CPU time: the cold render used {cpu_ratio:.2f} x the floor's; on {cores} idle cores its wall time "
              f"could approach {cpu_ratio / cores:.2f} x the floor (the wall ratios above are what was measured, "
              "with the machine's other load)")
        for key in ("b cold", "c one voice", "d one chapter", "e unchanged"):
            stages = rows[key]["stages"]
            print(f"{key:<14}" + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))  # type: ignore[attr-defined]
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
