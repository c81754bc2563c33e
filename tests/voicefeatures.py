"""Acoustic measurements for tests: F0 by autocorrelation, spectral centroid, mean MFCC-like vectors (numpy)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def load_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
    return x, rate


def f0(x: np.ndarray, rate: int, fmin: float = 60, fmax: float = 450) -> float:
    """Median F0 (Hz) over voiced 40 ms frames: the autocorrelation peak, kept when it is strong (> 0.5)."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / fmax), int(rate / fmin)
    found = []
    for i in range(0, len(x) - frame, hop):
        f = x[i:i + frame] - x[i:i + frame].mean()
        if np.sqrt((f ** 2).mean()) < 0.02:
            continue  # silence or a faint consonant
        ac = np.correlate(f, f, "full")[frame - 1:]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.5:
            found.append(rate / k)
    return float(np.median(found)) if found else 0.0


def _frames(x: np.ndarray, n: int = 1024) -> np.ndarray:
    frames = [x[i:i + n] * np.hanning(n) for i in range(0, len(x) - n, n // 2)]
    return np.array([f for f in frames if np.sqrt((f ** 2).mean()) > 0.01])


def centroid(x: np.ndarray, rate: int) -> float:
    """Median spectral centroid (Hz): how bright the voice sounds."""
    frames = _frames(x)
    mag = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(frames.shape[1], 1 / rate)
    return float(np.median((mag * freqs).sum(axis=1) / mag.sum(axis=1)))


def mfcc_mean(x: np.ndarray, rate: int, bands: int = 26, coeffs: int = 13) -> np.ndarray:
    """Mean MFCC-like vector: log energies of mel-spaced triangular bands, then a DCT (coefficient 0 dropped)."""
    frames = _frames(x)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(frames.shape[1], 1 / rate)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    edges = 700 * (10 ** (np.linspace(mel(80), mel(rate / 2 * 0.9), bands + 2) / 2595) - 1)
    fb = np.zeros((bands, len(freqs)))
    for b in range(bands):
        lo, c, hi = edges[b], edges[b + 1], edges[b + 2]
        fb[b] = np.clip(np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)), 0, None)
    logmel = np.log(power @ fb.T + 1e-10)
    n = np.arange(bands)
    dct = np.cos(np.pi / bands * (n[None, :] + 0.5) * np.arange(coeffs)[:, None])
    return (logmel @ dct.T).mean(axis=0)[1:]


def timbre_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two mean MFCC vectors."""
    return float(np.linalg.norm(a - b))
