"""How a voice sounds, in numbers: median F0 and a mean mel-cepstrum (timbre), from mono samples (numpy only)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

#: Voiced-frame search range (Hz): below a bass's lowest speaking pitch, above a child's highest.
F0_RANGE = (60.0, 450.0)
#: A frame counts as voiced when its normalised autocorrelation peak is above this.
VOICING = 0.5
#: Frames quieter than this RMS (full scale 1.0) are silence or a faint consonant.
SILENCE_RMS = 0.02
MEL_BANDS, CEPSTRA = 26, 13


def load_wav(path: Path) -> tuple[NDArray[np.float64], int]:
    """Mono 16-bit WAV samples as floats in [-1, 1], and the sample rate."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
    return x, rate


def median_f0(x: NDArray[np.float64], rate: int) -> float:
    """Median F0 (Hz) over voiced 40 ms frames (the autocorrelation peak), 0.0 when nothing is voiced."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / F0_RANGE[1]), int(rate / F0_RANGE[0])
    if len(x) <= frame:
        return 0.0
    starts = np.arange(0, len(x) - frame, hop)
    frames = np.stack([x[i:i + frame] for i in starts])
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = frames[np.sqrt((frames ** 2).mean(axis=1)) >= SILENCE_RMS]
    if not len(frames):
        return 0.0
    n = 2 * frame  # zero-padded: the FFT's circular autocorrelation equals the linear one
    spec = np.fft.rfft(frames, n, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), n, axis=1)[:, :frame]
    ac = ac[ac[:, 0] > 0]
    ac = ac / ac[:, :1]
    lags = lo + np.argmax(ac[:, lo:hi], axis=1)
    peaks = ac[np.arange(len(ac)), lags]
    voiced = lags[peaks > VOICING]
    return float(np.median(rate / voiced)) if len(voiced) else 0.0


def mel_cepstrum(x: NDArray[np.float64], rate: int) -> NDArray[np.float64]:
    """Mean MFCC-like vector (coefficient 0, loudness, dropped): the voice's spectral envelope, its timbre."""
    n = 1024
    frames = np.array([x[i:i + n] * np.hanning(n) for i in range(0, max(len(x) - n, 0), n // 2)])
    if not len(frames):
        return np.zeros(CEPSTRA - 1)
    frames = frames[np.sqrt((frames ** 2).mean(axis=1)) > SILENCE_RMS / 2]
    if not len(frames):
        return np.zeros(CEPSTRA - 1)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / rate)

    def mel(f: NDArray[np.float64]) -> NDArray[np.float64]:
        return 2595 * np.log10(1 + f / 700)

    top = min(rate / 2 * 0.9, 8000.0)  # the same bands whatever the sample rate (16, 22.05 or 24 kHz models)
    edges = 700 * (10 ** (np.linspace(mel(np.array(80.0)), mel(np.array(top)), MEL_BANDS + 2) / 2595) - 1)
    bank = np.zeros((MEL_BANDS, len(freqs)))
    for b in range(MEL_BANDS):
        lo, c, hi = edges[b], edges[b + 1], edges[b + 2]
        bank[b] = np.clip(np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)), 0, None)
    logmel = np.log(power @ bank.T + 1e-10)
    k = np.arange(MEL_BANDS)
    dct = np.cos(np.pi / MEL_BANDS * (k[None, :] + 0.5) * np.arange(CEPSTRA)[:, None])
    return (logmel @ dct.T).mean(axis=0)[1:]  # type: ignore[no-any-return]


__all__ = ["load_wav", "median_f0", "mel_cepstrum"]
