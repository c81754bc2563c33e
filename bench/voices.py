"""How distinct and how intelligible a neural cast is: pitch, timbre distances and recogniser WER.

Usage:  python bench/voices.py --engine kokoro|piper [--chapter FILE] [--all] [--voices ID,ID...] [--cache DIR]

1. Casts the chapter (default ../shared/samples/chapter1.txt) on the engine exactly as
   `audiobook render --engine ENGINE` would (a fresh voices.yaml in a scratch folder), and takes the
   narrator and the three characters with the most lines.
2. Distinctness: each voice's measured median F0 (Hz) and the matrix of pairwise timbre distances
   (Euclidean distance of mean mel-cepstra, as voices/measure.py measures them; for scale, one piper voice
   against itself at other noise scales measures 1.2-1.6, two different voices 16-40), and the caster's
   own distance (about 1 is 'noticeably' different, 3 'clearly').
3. Intelligibility: each voice reads PASSAGES (two, written for this benchmark, 66 and 64 words); the
   offline recogniser pocketsphinx (its US English model ships in its wheel: `pip install 'audiobook[bench]'`)
   transcribes each; the word error rate against each passage and their mean are printed, target <= 0.40
   (the recogniser's noise is about +-0.05 on one passage: the mean of two is the figure to rely on).
   `--all` also scores every voice casting may give on the engine (its voices and the blends it offers);
   `--voices a,b:0.7+c:0.3,...` scores just those (no cast; with each one's median F0): the figures kept in
   voices/casting.py's CLARITY. espeak's default voice is scored too, for comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AUDIOBOOK_SHARED") or REPO.parent / "shared")
sys.path.insert(0, str(REPO))

# Written for this benchmark: plain narrative English, no names, every word in a general dictionary.
PASSAGE = ("The old ferry left the harbour every morning at seven. Most of the passengers were farmers "
           "carrying baskets of apples and eggs to the market in town. The captain knew every one of them, "
           "and he would wave from the bridge as they climbed aboard. On windy days the crossing took nearly "
           "an hour, and the children liked to stand at the rail and watch the birds.")
#: A second passage, same rules: one passage's WER moves by about 0.05 with small changes of the voice.
PASSAGE_B = ("A light rain fell on the village all afternoon. The baker closed his shop early and walked home "
             "along the river with a loaf of bread under his arm. His neighbour was painting the fence again, "
             "and they talked about the weather and the price of coal. Later the clouds opened, and the evening "
             "sun turned the wet roofs to gold.")
PASSAGES = (PASSAGE, PASSAGE_B)
TARGET_WER = 0.40


def words(text: str) -> list[str]:
    """Lowercased words without punctuation (the recogniser writes no punctuation)."""
    return re.findall(r"[a-z']+", text.lower().replace("harbour", "harbor").replace("neighbour", "neighbor"))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words (Levenshtein on words)."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)] / max(len(ref), 1)


def transcribe(wav: Path) -> str:
    """pocketsphinx's transcript of a WAV (resampled to the model's 16 kHz)."""
    from pocketsphinx import Decoder
    from scipy.signal import resample_poly

    from audiobook.audio.acoustics import load_wav

    x, rate = load_wav(wav)
    g = np.gcd(16000, rate)
    pcm = np.clip(resample_poly(x, 16000 // g, rate // g), -1, 1)
    decoder = Decoder(samprate=16000)
    decoder.start_utt()
    decoder.process_raw((pcm * 32767).astype("<i2").tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def cast_of(chapter: Path, engine: str, scratch: Path) -> list[tuple[str, object]]:
    """(name, Voice) for the narrator and the three characters with the most lines, cast on `engine`."""
    from audiobook.voices.castsheet import cast_sheet

    config, rows = cast_sheet([chapter], scratch / "voices.yaml", engine=engine)
    return [("Narrator", config.narrator)] + [(r.name, r.voice) for r in rows[:3]]


def distinctness(cast: list[tuple[str, object]]) -> None:
    """Print each voice's F0 and the timbre and casting distance matrices."""
    from audiobook.voices.casting import Neural, distance, features
    from audiobook.voices.measure import measure

    measured = {name: measure(voice) for name, voice in cast}  # type: ignore[arg-type]
    by_id = {v.voice: Neural(v.voice, None, measured[n].f0, measured[n].timbre)  # type: ignore[attr-defined]
             for n, v in cast}
    names = [n for n, _ in cast]
    width = max(len(n) for n in names) + 2
    print("\n" + "voice".ljust(width) + "median F0  voice id")
    for name, voice in cast:
        print(f"{name:<{width}}{measured[name].f0:7.1f} Hz  {voice.voice} (rate {voice.rate}"  # type: ignore[attr-defined]
              + (f", noise_scale {voice.noise_scale}" if voice.noise_scale is not None else "") + ")")  # type: ignore[attr-defined]
    print("\ntimbre distance (mean mel-cepstra)")
    print(" " * width + "".join(f"{n[:10]:>12}" for n in names))
    for a in names:
        row = [float(np.linalg.norm(np.subtract(measured[a].timbre, measured[b].timbre))) for b in names]
        print(f"{a:<{width}}" + "".join(f"{d:12.1f}" for d in row))
    voices = dict(cast)
    print("\ncasting distance (pitch, timbre, speed...; ~1 noticeably different, 3 clearly)")
    print(" " * width + "".join(f"{n[:10]:>12}" for n in names))
    for a in names:
        fa = features(voices[a], by_id)  # type: ignore[arg-type]
        print(f"{a:<{width}}" + "".join(f"{distance(fa, features(voices[b], by_id)):12.2f}" for b in names))  # type: ignore[arg-type]
    distinct = len({v for _, v in cast}) == len(cast)
    print(f"\n{len(cast)} voices, {'all distinct' if distinct else 'NOT all distinct'}; "
          f"F0 spread {min(m.f0 for m in measured.values()):.0f}-{max(m.f0 for m in measured.values()):.0f} Hz")


def intelligibility(voices: list[tuple[str, object]], scratch: Path, f0: bool = False) -> list[float]:
    """Print and return each voice's mean WER over PASSAGES (with `f0`, its measured median F0 too)."""
    from audiobook.engines import get_engine
    from audiobook.voices.measure import measure

    print(f"\nWER on {len(PASSAGES)} passages of {'/'.join(str(len(words(p))) for p in PASSAGES)} words "
          f"(pocketsphinx; target <= {TARGET_WER:.2f})")
    out = []
    for i, (name, voice) in enumerate(voices):
        start = time.perf_counter()
        scores = []
        for j, passage in enumerate(PASSAGES):
            wav = scratch / f"wer-{i}-{j}.wav"
            get_engine(voice.engine).synthesize(passage, voice, wav)  # type: ignore[attr-defined]
            scores.append(wer(passage, transcribe(wav)))
        took = time.perf_counter() - start
        score = sum(scores) / len(scores)
        out.append(score)
        label = f"{voice.voice} [{voice.engine}]"  # type: ignore[attr-defined]
        pitch = f"  F0 {measure(voice).f0:5.1f} Hz" if f0 else ""  # type: ignore[arg-type]
        print(f"  {name:<16} {label:<48} WER {' '.join(f'{s:.2f}' for s in scores)} mean {score:.2f} "
              f"{'ok' if score <= TARGET_WER else 'ABOVE TARGET'}{pitch}  ({took:.1f} s)", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True, help="neural engine to cast on: kokoro or piper")
    ap.add_argument("--chapter", type=Path, default=SHARED / "samples" / "chapter1.txt")
    ap.add_argument("--all", action="store_true", help="also score every voice (and blend) casting may give")
    ap.add_argument("--voices", help="score only these voice ids or blends (comma-separated), no cast")
    ap.add_argument("--cache", type=Path, default=None, help="cache folder (default: a scratch folder)")
    args = ap.parse_args()
    if not args.chapter.is_file():
        sys.exit(f"no chapter at {args.chapter} (set AUDIOBOOK_SHARED or pass --chapter)")
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as tmp:
        scratch = Path(tmp)
        os.environ["AUDIOBOOK_CACHE_DIR"] = str(args.cache or scratch / "cache")
        from audiobook.model import Voice

        if args.voices:
            intelligibility([(f"#{i + 1}", Voice(v.strip(), engine=args.engine))
                             for i, v in enumerate(args.voices.split(","))], scratch, f0=True)
            return
        cast = cast_of(args.chapter, args.engine, scratch)
        distinctness(cast)
        scored = list(cast)
        if args.all:  # every voice casting may give: the engine's, and the blends it offers (voices/measure.py)
            from audiobook.voices.measure import neural_voices

            offered, _ = neural_voices(args.engine)
            scored += [(f"#{i + 1}", Voice(vid, engine=args.engine)) for i, vid in enumerate(offered)]
        scored.append(("(espeak)", Voice("gmw/en-us", rate=170, pitch=45)))
        intelligibility(scored, scratch)


if __name__ == "__main__":
    main()
