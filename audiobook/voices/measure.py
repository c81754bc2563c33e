"""Measured voices: each neural voice says one fixed sentence once; its median F0 and timbre are kept.

espeak's variants were measured once and are kept as data in casting.py; neural voices are whatever
models the user has, so they are measured on this machine the first time casting or `audiobook voices`
needs them, and the numbers are cached (a small JSON file per voice under the clip cache's `voices/`
folder, keyed by the engine's version and the voice's settings): the next cast is instant.
The pip-shipped Kokoro pack's voices and the blends casting offers of them come measured: SHIPPED
(`python bench/ship_measures.py` writes it), used when the engine's model and voice pack have the
sha256s it was measured with (`engine.identity()`); any other pack is measured once as above.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import combinations
from pathlib import Path
from typing import Any

from ..audio.acoustics import load_wav, median_f0, mel_cepstrum
from ..audio.cache import put_file
from ..engines import get_engine
from ..errors import EngineError
from ..fsutil import default_cache_dir
from ..model import Gender, Voice
from .casting import CLARITY, Neural, blend_parts

#: What every voice says to be measured: ~3 seconds, voiced sounds of every kind, no names.
SAMPLE = "The quiet river ran beside the old road, and nobody knew where it would lead them in the morning."
#: Bump when SAMPLE or the measurements change: every cached measurement is made again.
MEASURE_VERSION = 1
FOLDER = "voices"
#: Casting measures at most this many voices of an engine (a multi-speaker model may have hundreds).
MAX_MEASURED = 24
#: An engine that blends voices offers even blends of same-gender pairs when it has at most this many voices.
BLEND_BELOW = 12
#: Median F0 (Hz) below which a voice counts as male, above which as female (between: not decided).
GENDER_F0 = (150.0, 170.0)
#: Measurements shipped with the package: {"engine", "model", "voices" (sha256s), "measure_version", "sample",
#: "measured": {voice id: {"f0", "timbre"}}}.
SHIPPED = Path(__file__).with_name("measured.json")


@dataclass(frozen=True)
class Measure:
    """A voice's median F0 (Hz; 0.0: nothing voiced) and mean mel-cepstrum (its timbre)."""

    f0: float
    timbre: tuple[float, ...]

    def gender(self) -> Gender | None:
        """The gender the pitch suggests, None when it is in between or unmeasured."""
        if 0 < self.f0 < GENDER_F0[0]:
            return "male"
        return "female" if self.f0 > GENDER_F0[1] else None


def _key(voice: Voice, version: str) -> str:
    # Speed does not move the pitch or the timbre: one measurement serves every rate and length.
    settings = {k: v for k, v in asdict(replace(voice, rate=175, length_scale=None)).items() if v is not None}
    blob = json.dumps({"v": MEASURE_VERSION, "engine": version, "voice": settings}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@functools.cache
def _shipped_table(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def shipped(voice: Voice, engine: object) -> Measure | None:
    """The voice's shipped measurements (SHIPPED), when the engine speaks with the files they were made with."""
    identity: Callable[[], tuple[str, str]] | None = getattr(engine, "identity", None)
    if identity is None or replace(voice, rate=175, length_scale=None) != Voice(voice.voice, engine=voice.engine):
        return None  # an engine without files to name, or settings other than the ones measured
    table = _shipped_table(SHIPPED)
    if (table.get("engine"), table.get("measure_version"), table.get("sample")) != (voice.engine, MEASURE_VERSION,
                                                                                    SAMPLE):
        return None
    if [table.get("model"), table.get("voices")] != list(identity()):
        return None
    entry = table.get("measured", {}).get(voice.voice)
    if not isinstance(entry, dict):
        return None
    return Measure(float(entry["f0"]), tuple(float(t) for t in entry["timbre"]))


def measure(voice: Voice, cache: Path | None = None, *, use_shipped: bool = True) -> Measure:
    """The voice's measurements: shipped, or from the cache, else synthesised now (EngineError when nothing was said).

    `use_shipped=False`: measured here (how bench/ship_measures.py makes SHIPPED).
    """
    engine = get_engine(voice.engine)
    known = shipped(voice, engine) if use_shipped else None
    if known is not None:
        return known
    path = (cache or default_cache_dir()) / FOLDER / f"{_key(voice, engine.version())}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(path.read_text(encoding="utf-8"))
        return Measure(float(data["f0"]), tuple(float(t) for t in data["timbre"]))
    with tempfile.TemporaryDirectory(prefix="audiobook-measure-") as scratch:
        wav = Path(scratch) / "sample.wav"
        engine.synthesize(SAMPLE, replace(voice, rate=175, length_scale=None), wav)
        try:
            x, rate = load_wav(wav)
        except (OSError, EOFError, ValueError) as exc:
            raise EngineError(f"{voice.engine} said nothing for the voice {voice.voice!r} ({exc})") from None
    if not len(x):
        raise EngineError(f"{voice.engine} said nothing for the voice {voice.voice!r}")
    found = Measure(round(median_f0(x, rate), 1), tuple(round(float(t), 3) for t in mel_cepstrum(x, rate)))
    with contextlib.suppress(OSError):  # a read-only cache: measured again next time
        put_file(path, json.dumps(asdict(found)).encode("utf-8"))
    return found


def measure_all(voices: Sequence[Voice], cache: Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> dict[Voice, Measure]:
    """Measurements of several voices (each synthesised once ever), reporting (done, total) as it goes."""
    out: dict[Voice, Measure] = {}
    for i, voice in enumerate(voices):
        out[voice] = measure(voice, cache)
        if progress is not None:
            progress(i + 1, len(voices))
    return out


def _measured_blends(ids: Sequence[str], genders: dict[str, Gender | None]) -> list[str]:
    """The blends in CLARITY of voices in `genders` not already in `ids`, each given its major parent's gender."""
    out = []
    for vid in CLARITY:
        parts = blend_parts(vid)
        if parts and vid not in ids and all(name in genders for name, _ in parts):
            out.append(vid)
            genders[vid] = genders[max(parts, key=lambda p: p[1])[0]]
    return out


def neural_voices(engine: str, taken: Sequence[Voice] = (),
                  cache: Path | None = None) -> tuple[list[str], list[Neural]]:
    """The voice ids casting may give on `engine`, and the measurements of those and of every taken neural voice.

    Gender: the engine's own (kokoro names say it), else the measured pitch's. A model with more voices
    than MAX_MEASURED offers that many, evenly spaced through its list. An engine that blends voices
    (kokoro) and has few of them also offers blends of each pair (see below), measured like any voice: a
    new voice between its two parents.
    """
    source = get_engine(engine)
    infos = source.voices()
    step = max(1, -(-len(infos) // MAX_MEASURED))
    offered = infos[::step][:MAX_MEASURED]
    genders = {v.id: v.gender for v in infos}
    ids = [v.id for v in offered]
    if hasattr(source, "resolve_voice") and len(infos) <= BLEND_BELOW:
        for a, b in combinations(offered, 2):
            if not (a.gender and b.gender):
                continue
            # Same gender: the even blend. Across: 70/30 each way, the major parent's gender (a lighter or
            # darker voice of that gender: the pip-shipped pack has one male voice, this makes more).
            mixes = [(0.5, 0.5)] if a.gender == b.gender else [(0.7, 0.3), (0.3, 0.7)]
            for wa, wb in mixes:
                ids.append(f"{a.id}:{wa:g}+{b.id}:{wb:g}" if wa >= wb else f"{b.id}:{wb:g}+{a.id}:{wa:g}")
                genders[ids[-1]] = a.gender if wa >= wb else b.gender
        ids += _measured_blends(ids, genders)
    todo = [(v, engine) for v in ids]
    todo += [(t.voice, t.engine) for t in taken if t.engine != "espeak" and (t.voice, t.engine) not in todo]
    out = []
    for vid, on in dict.fromkeys(todo):
        m = measure(Voice(vid, engine=on), cache)
        out.append(Neural(vid, genders.get(vid) if on == engine and genders.get(vid) else m.gender(), m.f0, m.timbre))
    return ids, out


__all__ = ["neural_voices", "Measure", "measure", "measure_all", "shipped", "SAMPLE", "GENDER_F0", "SHIPPED"]
