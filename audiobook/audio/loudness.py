"""Loudness: every chapter at the podcast standard (-16 LUFS integrated, true peak <= -1 dBTP).

Measurement is ITU-R BS.1770-4: pyloudnorm's K-weighting filters (designed and applied here in
numpy: a render never imports scipy), 400 ms blocks every 100 ms, the -70 LUFS absolute and -10 LU
relative gates. It is done on the synthesised clips, not on the finished MP3, so there is no decode
and re-encode pass, and memory holds one clip at a time:

1. `clip_analysis`: each clip is measured once (K-weighted energy and true-peak envelope per ~5 ms),
   cached by clip, so a re-render after a one-voice change measures only the new clips;
2. `voice_gains`: every voice (the narration with the title, each speaker) gets the gain that brings
   its own clips to the target, so no character is quieter than the narrator, and a voice's gain
   depends on its own lines only;
3. `level`: while a fragment is encoded (`assemble.fragment_pcm`), each clip gets its voice's gain,
   then a look-ahead true-peak limiter (clips are separated by silence, so limiting a clip on its own
   is limiting the stream) with make-up gain for what the limiter took; the limiter works from the
   cached analysis and is skipped for clips already under the ceiling.

`measure_file` decodes a finished file with ffmpeg and measures it with pyloudnorm's own meter:
the tests use it to check the result, not the prediction.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import OutputError
from ..model import Clip
from .timeline import NARRATION, SAMPLE_RATE, Timeline, voice_group

__all__ = ["NARRATION", "voice_group", "voice_gains", "level", "measure_file", "true_peak", "LEVELLING_VERSION"]

TARGET_LUFS = -16.0
TRUE_PEAK_DBTP = -1.0
#: The limiter aims below the ceiling: MP3 coding at 64 kbit/s raised limited speech peaks by up to
#: 2 dB in our measurements (quantisation noise on the peaks), so this keeps a margin to -1 dBTP.
LIMIT_DBTP = -3.0
#: lameenc (LAME) scales what it encodes by 0.95 (-0.446 dB); the level is set before encoding, so
#: aim that much higher. `tests/test_loudness.py` checks this against a decoded encoder output.
ENCODER_GAIN_DB = -0.446
#: Bump when levelled samples could come out different for the same clips (not when code moves): part
#: of the keys of cached clip measurements and of encoded fragments.
LEVELLING_VERSION = 1

_BLOCK_S = 0.4
_HOP_S = 0.1
_ABS_GATE = -70.0
_REL_GATE = -10.0
_OVERSAMPLE = 4
# The limiter gain's hold and smoothing: long enough not to distort a voice's fundamental, short
# enough to take only the peaks (so there is little loudness to make up).
_LIMITER_MS = 10.0


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A mono 16-bit WAV clip as float64 samples in [-1, 1), and its sample rate."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise OutputError(f"{path}: expected a 16-bit WAV clip, got {8 * w.getsampwidth()}-bit")
            rate, channels = w.getframerate(), w.getnchannels()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    except (OSError, wave.Error, EOFError) as exc:
        raise OutputError(f"cannot read clip {path}: {exc}") from None
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data, rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples as a mono 16-bit WAV."""
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


#: BS.1770's K-weighting as pyloudnorm designs it: (type, gain dB, Q, centre Hz) of its two biquads.
_K_STAGES = (("high_shelf", 4.0, 1.0 / np.sqrt(2.0), 1500.0), ("high_pass", 0.0, 0.5, 38.0))
#: How much of the K-weighting filter's impulse response is kept (seconds): the slowest pole (the
#: 38 Hz high-pass) has decayed by exp(-2 pi 38 0.25), about 1e-26, so the rest is below float precision.
_IR_S = 0.25


def k_coefficients(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(b, a) of each K-weighting biquad at `rate`: pyloudnorm's RBJ-cookbook design, without importing it."""
    out = []
    for kind, gain_db, q, fc in _K_STAGES:
        big_a = 10.0 ** (gain_db / 40.0)
        w0 = 2.0 * np.pi * fc / rate
        alpha, cos = np.sin(w0) / (2.0 * q), np.cos(w0)
        if kind == "high_shelf":
            root = 2.0 * np.sqrt(big_a) * alpha
            b = big_a * np.array([(big_a + 1) + (big_a - 1) * cos + root, -2.0 * ((big_a - 1) + (big_a + 1) * cos),
                                  (big_a + 1) + (big_a - 1) * cos - root])
            a = np.array([(big_a + 1) - (big_a - 1) * cos + root, 2.0 * ((big_a - 1) - (big_a + 1) * cos),
                          (big_a + 1) - (big_a - 1) * cos - root])
        else:
            b = np.array([(1 + cos) / 2, -(1 + cos), (1 + cos) / 2])
            a = np.array([1 + alpha, -2.0 * cos, 1 - alpha])
        out.append((b / a[0], a / a[0]))
    return out


_IMPULSE: dict[int, np.ndarray] = {}
_SPECTRA: dict[tuple[int, int], np.ndarray] = {}


def _impulse_response(rate: int) -> np.ndarray:
    # The two biquads run once on an impulse (a short loop, once per process): filtering is then one
    # FFT convolution per clip, so measuring needs numpy only, not scipy.signal (~50-100 MB per process).
    if rate not in _IMPULSE:
        x = np.zeros(int(_IR_S * rate))
        x[0] = 1.0
        for b, a in k_coefficients(rate):
            y = [0.0] * len(x)
            x1 = x2 = y1 = y2 = 0.0
            for i, v in enumerate(x.tolist()):
                out = b[0] * v + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
                x2, x1, y2, y1 = x1, v, y1, out
                y[i] = out
            x = np.array(y)
        _IMPULSE[rate] = x
    return _IMPULSE[rate]


def k_weight(samples: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted signal (BS.1770's head and ear model), as long as the input."""
    n = len(samples)
    if n == 0:
        return np.zeros(0)
    ir = _impulse_response(rate)
    size = 1 << (n + len(ir) - 2).bit_length()
    spectrum = _SPECTRA.get((rate, size))
    if spectrum is None:
        spectrum = np.fft.rfft(ir, size)
        if size <= 1 << 19:  # clip-sized transforms recur; keep those
            _SPECTRA[(rate, size)] = spectrum
    return np.fft.irfft(np.fft.rfft(samples, size) * spectrum, size)[:n]


def block_energies(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal in every 400 ms block, blocks starting every 100 ms.

    A signal shorter than one block counts as one block padded with silence, as a short line sits
    between pauses in a chapter.
    """
    block, hop = int(round(_BLOCK_S * rate)), int(round(_HOP_S * rate))
    if len(samples) < block:
        samples = np.concatenate([samples, np.zeros(block - len(samples))])
    squared = np.square(k_weight(samples, rate))
    sums = np.concatenate([[0.0], np.cumsum(squared)])
    starts = np.arange(0, len(samples) - block + 1, hop)
    return np.asarray((sums[starts + block] - sums[starts]) / block)


def _lufs(energy: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(energy)


def gated_loudness(energies: np.ndarray) -> float:
    """Integrated loudness (LUFS) of a set of block energies with BS.1770's two gates; -inf if all silent."""
    energies = np.asarray(energies, dtype=np.float64)
    kept = energies[_lufs(energies) >= _ABS_GATE]
    if kept.size == 0:
        return float("-inf")
    relative = _lufs(kept.mean()) + _REL_GATE
    kept = kept[_lufs(kept) > relative]
    return float(_lufs(kept.mean())) if kept.size else float("-inf")


_INTERPOLATOR: list[np.ndarray] = []


def _interpolator() -> np.ndarray:
    # A 48-tap low-pass for 4x oversampling (12 taps per phase), as BS.1770 annex 2 describes.
    # scipy.signal.firwin(48, 1 / 4) written out in numpy (a Hamming-windowed sinc, unit gain at 0 Hz), so
    # the limiter needs no scipy.
    if not _INTERPOLATOR:
        m = np.arange(48) - 23.5
        h = np.sinc(m / _OVERSAMPLE) * np.hamming(48)
        _INTERPOLATOR.append(h / h.sum() * _OVERSAMPLE)
    return _INTERPOLATOR[0]


def _overshoot() -> float:
    # How far the detector's oversampled values can exceed the largest sample: the largest sum of
    # one phase's tap magnitudes (1.84, +5.3 dB).
    h = _interpolator()
    return max(float(np.abs(h[p::_OVERSAMPLE]).sum()) for p in range(_OVERSAMPLE))


def peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per input sample, the largest magnitude of it and its oversampled neighbours (true-peak detector)."""
    n = len(samples)
    if n == 0:
        return np.zeros(0)
    # One polyphase pass (as scipy's upfirdn: 12 multiplications per output). Oversampled value
    # 4i + 23 + k (the filter delays by 23) is phase (3 + k) % 4 at input index i + 5 (k = 0) or
    # i + 6 (k = 1..3): the envelope is an elementwise maximum. Each phase is summed as 12 shifted,
    # scaled copies of the signal (whole-array operations: ~5x faster than np.convolve's short-kernel loop).
    dtype = np.float32 if samples.dtype == np.float32 else np.float64
    h = _interpolator().astype(dtype)
    padded = np.concatenate([np.zeros(12, dtype), np.asarray(samples, dtype=dtype), np.zeros(12, dtype)])
    env = np.abs(np.asarray(samples, dtype=dtype))
    acc = np.empty(n, dtype)
    for phase, offset in ((3, 5), (0, 6), (1, 6), (2, 6)):
        taps = h[phase::_OVERSAMPLE]
        # phase output at input index j is sum over t of taps[t] * samples[j - t]; here j = i + offset.
        np.multiply(padded[offset + 12:offset + 12 + n], taps[0], out=acc)
        for t in range(1, len(taps)):
            start = offset - t + 12
            np.add(acc, taps[t] * padded[start:start + n], out=acc)
        np.maximum(env, np.abs(acc), out=env)
    return np.asarray(env)


def true_peak_linear(samples: np.ndarray) -> float:
    """The 4x-oversampled peak as a linear amplitude."""
    return float(peak_envelope(samples).max(initial=0.0))


def true_peak(samples: np.ndarray) -> float:
    """True peak in dBTP: the peak of the signal oversampled 4x (BS.1770 annex 2)."""
    peak = true_peak_linear(samples)
    return 20.0 * float(np.log10(peak)) if peak > 0 else float("-inf")


def _bucket(rate: int) -> int:
    # Gain-curve resolution: about 5 ms, a whole fraction of the 100 ms gating hop so block
    # energies can be summed from buckets.
    return max(1, int(round(_HOP_S * rate)) // 21)


def _pool_max(values: np.ndarray, size: int) -> np.ndarray:
    n = -(-len(values) // size)
    padded = np.zeros(n * size)
    padded[: len(values)] = values
    return np.asarray(padded.reshape(n, size).max(axis=1))


def _bucket_gain(env_b: np.ndarray, rate: int, ceiling: float) -> np.ndarray | None:
    """The limiter's gain per bucket for a bucketed peak envelope; None when nothing exceeds the ceiling.

    The required gain is held by a minimum filter one bucket wider than the moving average that
    smooths it: every bucket the average takes in lies within the hold of the bucket in question
    and of its neighbour, so the gain (and its straight-line interpolation between buckets) never
    exceeds what any sample needs, and it never steps.
    """
    if env_b.max(initial=0.0) <= ceiling:
        return None
    radius = max(1, int(round(rate * _LIMITER_MS / 1000 / _bucket(rate))))
    need = np.minimum(1.0, ceiling / np.maximum(env_b, 1e-12))
    held = _sliding(need, radius + 1).min(axis=1)
    return np.asarray(_sliding(held, radius).mean(axis=1))


def _sliding(values: np.ndarray, radius: int) -> np.ndarray:
    # Centred windows of 2 * radius + 1 values, the ends repeated (scipy.ndimage's mode="nearest").
    padded = np.pad(values, radius, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)


def _expand(gain_b: np.ndarray, n: int, size: int) -> np.ndarray:
    centres = np.arange(len(gain_b)) * size + (size - 1) / 2
    return np.asarray(np.interp(np.arange(n), centres, gain_b))


def limit_gain(envelope: np.ndarray, rate: int, ceiling_db: float = LIMIT_DBTP) -> np.ndarray | None:
    """The limiter's gain per sample for a signal with this peak envelope; None when nothing exceeds the ceiling."""
    size = _bucket(rate)
    gain_b = _bucket_gain(_pool_max(envelope, size), rate, 10.0 ** (ceiling_db / 20.0))
    return None if gain_b is None else _expand(gain_b, len(envelope), size)


def limit(samples: np.ndarray, rate: int, ceiling_db: float = LIMIT_DBTP) -> np.ndarray:
    """A look-ahead true-peak limiter: a smooth gain that keeps the 4x-oversampled peak under the ceiling."""
    gain = limit_gain(peak_envelope(samples), rate, ceiling_db)
    return samples if gain is None else samples * gain


def _read(clip: Clip) -> np.ndarray:
    from .assemble import _read_clip

    return np.asarray(_read_clip(clip).astype(np.float64) / 32768.0)


#: For measuring clips, the K-weighting response is cut at 0.1 s (the 38 Hz pole has decayed to 4e-11 by then)
#: and the FFTs run in float32 at a length with only small prime factors: twice as fast as `k_weight`, and the
#: same energies to 1e-7, nothing to a loudness.
_FAST_IR_S = 0.1


def _fft_size(n: int) -> int:
    """The smallest length >= n of the form 2^k * (1, 3, 5, 9, 15 or 25): fast for pocketfft, little padding."""
    best = 1 << max(0, n - 1).bit_length()
    for odd in (3, 5, 9, 15, 25):
        m = odd
        while m < n:
            m *= 2
        best = min(best, m)
    return best


def _weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted clip, the filter's ringing after it (into the following pause) included (50 ms)."""
    n = len(samples) + int(0.05 * rate)
    ir = _impulse_response(rate)[: int(_FAST_IR_S * rate)].astype(np.float32)
    size = _fft_size(n + len(ir))
    spectrum = _SPECTRA.get((rate, -size))
    if spectrum is None:
        spectrum = np.fft.rfft(ir, size)
        if size <= 1 << 19:
            _SPECTRA[(rate, -size)] = spectrum
    return np.asarray(np.fft.irfft(np.fft.rfft(np.asarray(samples, dtype=np.float32), size) * spectrum, size)[:n])


@dataclass(frozen=True)
class ClipAnalysis:
    """What levelling needs to know of a clip, per ~5 ms bucket (`_bucket`): measured once, cached by clip."""

    energy: np.ndarray  # K-weighted energy (sum of squares), the filter's ringing after the clip included
    envelope: np.ndarray  # largest true-peak envelope value
    length: int  # samples the energy covers (the clip and its ringing)


def analyse(samples: np.ndarray, rate: int) -> ClipAnalysis:
    """A clip's bucketed K-weighted energy and true-peak envelope."""
    size = _bucket(rate)
    x = np.asarray(samples, dtype=np.float32)
    weighted = _weighted(x, rate)
    starts = np.arange(0, len(weighted), size)
    energy = np.add.reduceat(np.square(weighted), starts).astype(np.float64) if len(weighted) else np.zeros(0)
    env = peak_envelope(x)
    envelope = np.maximum.reduceat(env, np.arange(0, len(env), size)).astype(np.float64) if len(env) else np.zeros(0)
    return ClipAnalysis(energy, envelope, len(weighted))


def analysis_path(clip: Clip, folder: Path) -> Path:
    """Where a clip's measurements are cached (by the clip's content name and the levelling version)."""
    return folder / clip.path.stem[:2] / f"v{LEVELLING_VERSION}-{clip.path.stem}.npy"


def clip_analysis(clip: Clip, folder: Path | None, samples: np.ndarray | None = None) -> ClipAnalysis:
    """The clip's analysis, from `folder` (by the clip's content name) when measured before, else measured.

    Planning and limiting both need it, in different processes and renders: a one-voice change
    re-plans every chapter that voice speaks in, but measures only the new clips.
    """
    path = None if folder is None else analysis_path(clip, folder)
    if path is not None:
        with contextlib.suppress(OSError, ValueError, IndexError, EOFError):
            data = np.load(path).astype(np.float64)
            n_e = int(data[1])
            return ClipAnalysis(data[2:2 + n_e], data[2 + n_e:], int(data[0]))
    found = analyse(_read(clip) if samples is None else samples, SAMPLE_RATE)
    if path is not None:
        # float32 (half the size; 1e-7 relative is nothing to a loudness); best effort, atomic.
        data = np.concatenate([[found.length, len(found.energy)], found.energy, found.envelope]).astype(np.float32)
        from .cache import put_file

        buffer = io.BytesIO()
        np.save(buffer, data)
        with contextlib.suppress(OSError):
            put_file(path, buffer.getvalue())
    return found


def _blocks_from(energy: np.ndarray, length: int, rate: int) -> np.ndarray:
    """400 ms block energies (blocks every 100 ms) of a clip from its bucketed energy."""
    size = _bucket(rate)
    block, hop = int(round(_BLOCK_S * rate)), size * 21
    n_blocks = max(1, (max(length, block) - block) // hop + 1)
    hops = np.zeros((n_blocks + 3) * 21)
    hops[: min(len(energy), len(hops))] = energy[: len(hops)]
    per_hop = hops.reshape(-1, 21).sum(axis=1)
    return np.convolve(per_hop, np.ones(4), mode="valid")[:n_blocks] / block


def voice_gains(timeline: Timeline, *, target: float = TARGET_LUFS - ENCODER_GAIN_DB,
                analyses: Path | None = None) -> dict[str, float]:
    """Each voice's gain (dB) in a chapter: what brings that voice's own clips to `target` LUFS.

    A voice's loudness is measured on its clips alone (each clip's 400 ms blocks, gated as BS.1770
    gates), not where they sit in the chapter: so a voice's gain depends on nothing but its own lines,
    and changing one character's voice leaves every other voice's levelled audio (and its encoded
    fragments) as it was. With every voice at the target, the chapter measures within a fraction of
    a LU of it. One read of each clip not analysed before (`analyses`: the cached `clip_analysis`).
    """
    blocks: dict[str, list[np.ndarray]] = {}
    for fragment in timeline.fragments:
        for clip in fragment.clips:
            found = clip_analysis(clip, analyses)
            blocks.setdefault(fragment.group, []).append(_blocks_from(found.energy, found.length, SAMPLE_RATE))
    gains = {}
    for group, found_blocks in blocks.items():
        loud = gated_loudness(np.concatenate(found_blocks))
        gains[group] = round(target - loud, 2) if np.isfinite(loud) else 0.0
    return gains


def level(pcm: np.ndarray, clip: Clip, gain_db: float, analyses: Path | None = None) -> np.ndarray:
    """A clip's int16 samples with the gain applied and its true peaks limited (the analysis reused)."""
    samples = pcm.astype(np.float64) / 32768.0
    found = None if analyses is None else clip_analysis(clip, analyses, samples)
    out = _gain_and_limit(samples, SAMPLE_RATE, gain_db, found)
    return np.clip(np.round(out * 32768.0), -32768, 32767).astype("<i2")


def _gain_and_limit(samples: np.ndarray, rate: int, gain_db: float, found: ClipAnalysis | None = None) -> np.ndarray:
    """Apply a gain and limit the peaks, making up for the loudness the limiter takes.

    The make-up search runs on ~5 ms buckets: the K-weighted energy and the peak envelope are
    bucketed once, and the limiter's gain curve is slow next to the weighting filters, so each
    try costs a few thousand operations, not a pass over the samples.
    """
    ceiling = 10.0 ** (LIMIT_DBTP / 20.0)
    scale = 10.0 ** (gain_db / 20.0)
    # A clip under the ceiling after the gain needs no limiting: the gain is all, and nothing need be
    # measured. Without an analysis, first a bound from the sample peak (the interpolator cannot
    # exceed it by more than the sum of one phase's taps), then the true peak itself. (espeak's
    # clips at -16 LUFS mostly peak above -3 dBTP, so most are limited.)
    if found is None:
        if float(np.abs(samples).max(initial=0.0)) * scale * _overshoot() <= ceiling:
            return np.asarray(samples * scale)
        found = analyse(samples, rate)
    if float(found.envelope.max(initial=0.0)) * scale <= ceiling:
        return np.asarray(samples * scale)
    size = _bucket(rate)
    hop = size * 21
    env_b, energy_b = found.envelope, found.energy
    n_b = len(energy_b)
    block = int(round(_BLOCK_S * rate))
    n_blocks = max(1, (max(found.length, block) - block) // hop + 1)

    def loudness_at(gain: float, gain_b: np.ndarray | None) -> float:
        e = energy_b * 10.0 ** (gain / 10.0)
        if gain_b is not None:
            g = np.concatenate([gain_b, np.full(max(0, n_b - len(gain_b)), gain_b[-1])])[:n_b]
            e = e * g * g
        hops = np.zeros((n_blocks + 3) * 21)
        hops[: min(len(e), len(hops))] = e[: len(hops)]
        per_hop = hops.reshape(-1, 21).sum(axis=1)
        return gated_loudness(np.convolve(per_hop, np.ones(4), mode="valid")[:n_blocks] / block)

    def curve(gain: float) -> np.ndarray | None:
        return _bucket_gain(env_b * 10.0 ** (gain / 20.0), rate, ceiling)

    want = loudness_at(gain_db, None)
    gain, gain_b = gain_db, curve(gain_db)
    got = loudness_at(gain, gain_b)
    slope = 1.0
    for _ in range(8):  # louder in, more limited: secant steps converge to within 0.05 LU
        if gain_b is None or not np.isfinite(got) or abs(want - got) < 0.05:
            break
        step = float(np.clip((want - got) / max(slope, 0.1), -6.0, 12.0))
        gain += step
        gain_b = curve(gain)
        new = loudness_at(gain, gain_b)
        slope = (new - got) / step if step else 1.0
        got = new
    out = samples * 10.0 ** (gain / 20.0)
    return np.asarray(out if gain_b is None else out * _expand(gain_b, len(samples), size))


def decode(path: Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """A whole audio file as mono float64 samples, decoded by ffmpeg (memory: the file's audio)."""
    from .assemble import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vn", "-ac", "1"]
    if rate is None:
        probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
        import re

        m = re.search(r"Audio:.*?(\d+) Hz", probe.stderr)
        rate = int(m.group(1)) if m else 22050
    cmd += ["-ar", str(rate), "-f", "f32le", "-"]
    run = subprocess.run(cmd, capture_output=True)
    if run.returncode != 0:
        raise OutputError(f"ffmpeg cannot decode {path}: {run.stderr.decode(errors='replace').strip()[-300:]}")
    return np.frombuffer(run.stdout, dtype=np.float32).astype(np.float64), rate


@dataclass(frozen=True)
class Measurement:
    """Loudness of a finished file."""

    lufs: float
    true_peak_dbtp: float


def measure_file(path: Path) -> Measurement:
    """Integrated loudness (pyloudnorm's meter) and true peak of an audio file, decoded by ffmpeg."""
    import pyloudnorm

    samples, rate = decode(path)
    return Measurement(float(pyloudnorm.Meter(rate).integrated_loudness(samples)), true_peak(samples))
