"""Kokoro's speed on this machine: a paragraph in each voice, real-time factor (audio seconds per wall second).

Usage:  python bench/kokoro.py [--voices jm_kumo,jf_alpha,...] [--threads N] [--out DIR] [--wer]

Needs the `kokoro` extra. Loads the pip-shipped model once (the load is timed apart), then speaks
a fixed paragraph (our own text, ~70 words) in each voice of the pack, or the ones named, sentence
by sentence as a render does, through the engine's helper process with `--threads` onnxruntime
threads (default: every core, as a render without worker processes; a render with N workers gives
each helper one). Prints, per voice: audio seconds, wall seconds, the real-time factor (above 1 is
faster than real time), the clips' peak (Kokoro can exceed full scale: the engine limits it). With
`--out` the WAVs are kept there to listen to. With `--wer` (needs `pip install pocketsphinx`, whose
US English model ships in its wheel) also each voice's word error rate: the paragraph as an offline
recogniser hears it, against the text (lower is better; a rough intelligibility gauge, ±0.05).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.audio.synth import chunk_text  # noqa: E402
from audiobook.engines import kokoro  # noqa: E402
from audiobook.model import Voice  # noqa: E402

PARAGRAPH = (
    "The ferry left the harbour an hour after dark, and nobody on the pier waved. Mara counted the lamps along "
    "the breakwater as they slid past: seven, then eight, then none at all. \"You should have stayed,\" said the "
    "old man at the rail, without turning round. She told him she had no reason to, and that the town would "
    "manage without one more pair of hands. The engine coughed twice and settled into a low, patient drone."
)


def _wav_seconds(path: Path) -> tuple[float, int]:
    with wave.open(str(path)) as w:
        frames = w.readframes(w.getnframes())
        peak = max((abs(int.from_bytes(frames[i:i + 2], "little", signed=True)) for i in range(0, len(frames), 2)),
                   default=0)
        return w.getnframes() / w.getframerate(), peak


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_error_rate(reference: str, heard: str) -> float:
    """Word-level edit distance over the reference's length."""
    ref, hyp = _words(reference), _words(heard)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref[i - 1] != hyp[j - 1]))
    return row[-1] / max(1, len(ref))


def recognise(clips: list[Path]) -> str:
    """What pocketsphinx hears in the clips, one after another (resampled 24 kHz -> 16 kHz)."""
    import numpy as np
    from pocketsphinx import Decoder
    from scipy.signal import resample_poly

    pcm = []
    for clip in clips:
        with wave.open(str(clip)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        pcm += [resample_poly(samples, 2, 3), np.zeros(4000)]  # a quarter second between sentences
    decoder = Decoder(samprate=16000)
    decoder.start_utt()
    decoder.process_raw(np.clip(np.concatenate(pcm), -32768, 32767).astype("<i2").tobytes(), full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() else ""


def main() -> None:
    """Speak the paragraph in each voice and print the real-time factors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", help="comma-separated voice ids or blends (default: every voice of the pack)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, help="keep the WAVs in this folder")
    parser.add_argument("--wer", action="store_true", help="also the word error rate of an offline recogniser")
    args = parser.parse_args()
    if not kokoro.available():
        sys.exit("the kokoro extra is not installed: pip install 'audiobook[kokoro]'")
    engine = kokoro.KokoroEngine(threads=args.threads)
    names = args.voices.split(",") if args.voices else [v.id for v in engine.voices()]
    out = args.out or Path(tempfile.mkdtemp(prefix="kokoro-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    sentences = chunk_text(PARAGRAPH)
    t0 = time.perf_counter()
    engine.synthesize("Ready.", Voice(names[0], engine="kokoro"), out / "warmup.wav")  # model load + assembly
    print(f"model loaded (and first clip) in {time.perf_counter() - t0:.2f} s; {len(PARAGRAPH.split())} words, "
          f"{len(sentences)} sentences, {args.threads} thread(s)")
    print(f"{'voice':<28} {'audio s':>8} {'wall s':>8} {'RTF':>6} {'peak':>6}" + ("    WER" if args.wer else ""))
    total_audio = total_wall = 0.0
    for name in names:
        audio = 0.0
        peak = 0
        clips = [out / f"{name.replace(':', '-')}-{i:02d}.wav" for i in range(len(sentences))]
        t = time.perf_counter()
        for sentence, path in zip(sentences, clips):
            engine.synthesize(sentence, Voice(name, engine="kokoro"), path)
            seconds, clip_peak = _wav_seconds(path)
            audio += seconds
            peak = max(peak, clip_peak)
        wall = time.perf_counter() - t
        total_audio += audio
        total_wall += wall
        wer = f" {word_error_rate(PARAGRAPH, recognise(clips)):6.2f}" if args.wer else ""
        print(f"{name:<28} {audio:8.2f} {wall:8.2f} {audio / wall:6.2f} {peak / 32768:6.3f}{wer}")
    print(f"{'all':<28} {total_audio:8.2f} {total_wall:8.2f} {total_audio / total_wall:6.2f}")
    if args.out is None:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
    engine.close()


if __name__ == "__main__":
    main()
