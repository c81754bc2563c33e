"""Cache keys come from content and explicit version constants, never from our source files' bytes.

Golden keys for fixed inputs: moving or editing a module leaves every key as it is (so a user's cache
stays valid through a refactor); only bumping a named constant (ENCODER_VERSION, LEVELLING_VERSION,
M4B_VERSION), which its comment says to do when the bytes written change, or a different library
version, makes new keys.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from audiobook.audio import assemble, loudness, outputs
from audiobook.audio.synth import clip_key
from audiobook.audio.timeline import Fragment, Timeline
from audiobook.model import Clip, ClipJob, Voice
from audiobook.publish.tags import TrackTags

NAME = "ab" * 32


def test_clip_key_is_the_one_made_before_the_move() -> None:
    # The key every clip already in a user's cache was stored under (text, voice, engine version only).
    job = ClipJob("Hello there.", Voice("gmw/en-us", rate=170, pitch=45))
    assert clip_key(job, "pyttsx3=2.99;espeakng-loader=0.2.4") == (
        "8d77e94714dfc3f25a09ba5495b010d4a324a5d7b373353fb11bdc2f702d04cb")


@pytest.fixture
def fragment(monkeypatch: pytest.MonkeyPatch) -> Fragment:
    monkeypatch.setattr(assemble, "_lame_version", lambda: "1.9.0")
    return Fragment((Clip(Path(f"/anywhere/ab/{NAME}.wav"), 22050, 22050),), 5512, 3000, "narration", 0, 0)


def test_fragment_keys_are_golden(fragment: Fragment) -> None:
    assert assemble.fragment_key(fragment, 64, -3.25) == (
        "edad4ec321aa32acf5b304db27a90f1dd3dd0f459ccaf1c3f3832c4b48475fb7")
    assert assemble.fragment_key(fragment, 64, None) == (
        "4b811e61bfcf0d0971fcb50cfa5e6c9e94333cbab4ee290e05d49c162c0d8aca")
    # The clip's folder does not matter (a moved cache), its content name does.
    moved = replace(fragment, clips=(Clip(Path(f"/elsewhere/{NAME}.wav"), 22050, 22050),))
    assert assemble.fragment_key(moved, 64, -3.25) == assemble.fragment_key(fragment, 64, -3.25)


def test_only_the_version_constants_change_the_keys(fragment: Fragment, monkeypatch: pytest.MonkeyPatch) -> None:
    before = assemble.fragment_key(fragment, 64, -3.25)
    monkeypatch.setattr(assemble, "ENCODER_VERSION", assemble.ENCODER_VERSION + 1)
    assert assemble.fragment_key(fragment, 64, -3.25) != before
    monkeypatch.undo()
    monkeypatch.setattr(assemble, "_lame_version", lambda: "1.9.0")
    monkeypatch.setattr(loudness, "LEVELLING_VERSION", loudness.LEVELLING_VERSION + 1)
    assert assemble.fragment_key(fragment, 64, -3.25) != before
    assert assemble.fragment_key(fragment, 64, None) == (  # unlevelled audio does not depend on levelling
        "4b811e61bfcf0d0971fcb50cfa5e6c9e94333cbab4ee290e05d49c162c0d8aca")


def test_keys_do_not_read_any_source_file(fragment: Fragment, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in making keys opens a file: a module's bytes cannot be in them."""
    import builtins

    key = assemble.fragment_key(fragment, 64, -3.25)
    timeline = Timeline((fragment,), (), (), fragment.length)
    job = outputs.ChapterJob(Path("/out/01 - One.mp3"), timeline, 64, TrackTags("One", "Book", None, 1, 1),
                             (("narration", -3.25),))
    fingerprint = outputs.fingerprint(job, job.keys())

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a key read a file: {args}")

    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr(Path, "read_bytes", no_open)
    assert assemble.fragment_key(fragment, 64, -3.25) == key
    assert job.keys() == [key] and outputs.fingerprint(job, job.keys()) == fingerprint
    assert loudness.analysis_path(fragment.clips[0], Path("/c")).name == f"v{loudness.LEVELLING_VERSION}-{NAME}.npy"
