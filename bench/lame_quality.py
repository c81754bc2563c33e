"""Which LAME quality setting to encode speech with: speed against PESQ, on our own synthesised speech.

Usage:  python bench/lame_quality.py [--minutes 3] [--repeat 3]

Synthesises a few minutes of the sample chapter with espeak-ng (narrator voice, 22.05 kHz), encodes it at
64 kbit/s CBR with each of lameenc's quality settings (0 best/slowest ... 9 fastest), decodes each MP3 with
ffmpeg and scores it against the source with ITU-T P.862.2 wideband PESQ (the `pesq` package, from the
`bench` extra; a MOS-LQO from 1 to 4.64, where a difference under ~0.1 is not audible) and a segmental
SNR. Prints seconds to encode one minute of audio (best of --repeat), the speed against quality 5 (the
floor's setting), PESQ and SNR per setting.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLE = REPO / "samples" / "the-lamplighters-daughter.txt"


def speech(minutes: float, work: Path) -> np.ndarray:
    """Int16 samples of espeak-ng reading the sample chapter (repeated up to `minutes`)."""
    from audiobook.audio.synth import chunk_text
    from audiobook.engines import get_engine
    from audiobook.model import Voice

    engine = get_engine("espeak")
    voice = Voice("gmw/en-us")
    text = SAMPLE.read_text(encoding="utf-8")
    pieces = [p for para in re.split(r"\n\s*\n", text) for p in chunk_text(para)]
    out: list[np.ndarray] = []
    total = 0
    pause = np.zeros(int(0.25 * 22050), dtype=np.int16)
    while total < minutes * 60 * 22050:
        for piece in pieces:
            path = work / "clip.wav"
            engine.synthesize(piece, voice, path)
            with wave.open(str(path), "rb") as w:
                clip = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            out += [clip, pause]
            total += len(clip) + len(pause)
            if total >= minutes * 60 * 22050:
                break
    return np.concatenate(out)


def encode(pcm: np.ndarray, quality: int) -> bytes:
    """One MP3 as the renderer writes it (64 kbit/s CBR, mono) at a LAME quality setting."""
    import lameenc

    enc = lameenc.Encoder()
    enc.set_bit_rate(64)
    enc.set_in_sample_rate(22050)
    enc.set_channels(1)
    enc.set_quality(quality)
    return bytes(enc.encode(pcm.tobytes())) + bytes(enc.flush())


def decode(mp3: bytes, rate: int) -> np.ndarray:
    """The MP3 decoded by ffmpeg at `rate`, float in [-1, 1)."""
    from audiobook.audio.assemble import ffmpeg_exe

    run = subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "mp3", "-i", "-", "-ac", "1", "-ar", str(rate),
                          "-f", "s16le", "-"], input=mp3, capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype="<i2").astype(np.float64) / 32768.0


def resample(x: np.ndarray, up: int, down: int) -> np.ndarray:
    from scipy.signal import resample_poly

    return np.asarray(resample_poly(x, up, down))


def seg_snr(ref: np.ndarray, deg: np.ndarray, n: int = 512) -> float:
    """Mean SNR (dB) over 23 ms frames that hold speech, each clamped to [-10, 35] as is usual."""
    m = min(len(ref), len(deg)) // n * n
    r, d = ref[:m].reshape(-1, n), deg[:m].reshape(-1, n)
    power = (r ** 2).sum(axis=1)
    speech_frames = power > 1e-4 * power.max()
    noise = ((r - d) ** 2).sum(axis=1) + 1e-12
    snr = np.clip(10 * np.log10(power[speech_frames] / noise[speech_frames]), -10, 35)
    return float(snr.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from pesq import pesq

    with tempfile.TemporaryDirectory(prefix="audiobook-lameq-") as scratch:
        pcm = speech(args.minutes, Path(scratch))
    source = pcm.astype(np.float64) / 32768.0
    ref16 = resample(source, 160, 441)  # 22050 -> 16000 Hz, what wideband PESQ takes
    minutes = len(pcm) / 22050 / 60
    print(f"{minutes:.1f} min of espeak-ng speech, 64 kbit/s CBR mono; PESQ-WB against the source")
    print(f"{'quality':>7}{'s per min':>11}{'speed vs q5':>13}{'PESQ-WB':>9}{'segSNR dB':>11}")
    rows = []
    for q in range(10):
        best = min(_timed(encode, pcm, q) for _ in range(args.repeat))
        mp3 = encode(pcm, q)
        # The decoder delays by the encoder's 576 + its own 529 samples: align before comparing.
        deg = decode(mp3, 22050)[1105:1105 + len(source)]
        score = pesq(16000, ref16, resample(deg, 160, 441)[: len(ref16)], "wb")
        rows.append((q, best / minutes, score, seg_snr(source, deg)))
    q5 = rows[5][1]
    for q, spm, score, snr in rows:
        print(f"{q:>7}{spm:>11.3f}{q5 / spm:>12.2f}x{score:>9.3f}{snr:>11.2f}")


def _timed(fn, *a) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn(*a)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
