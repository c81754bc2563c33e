"""Made-up chapters for the speed, cache and resume tests: unique sentences, named speakers, any size."""

from __future__ import annotations

import random
import wave
from pathlib import Path

SYLLABLES = "ka lo mi ra ten sor vel an dar is ul po fen gri mas tor el wyn bra cot".split()


def word(rng: random.Random) -> str:
    """A pronounceable made-up word."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2)))


def sentence(rng: random.Random, words: tuple[int, int] = (2, 3)) -> str:
    """A short made-up sentence (one clip)."""
    return " ".join(word(rng) for _ in range(rng.randint(*words))).capitalize() + "."


def book(chapters: int, sentences: int, *, speakers: tuple[str, ...] = ("Anna", "Boris"), seed: int = 1,
         words: tuple[int, int] = (2, 3)) -> str:
    """A multi-chapter text: each chapter has narration and one line per speaker, then `sentences` more."""
    rng = random.Random(seed)
    parts = ["The Test Omnibus"]
    for c in range(1, chapters + 1):
        paras = []
        for name in speakers:
            paras.append(f"\u201c{sentence(rng, words)[:-1]},\u201d said {name}.")
        body: list[str] = []
        for _ in range(sentences):
            body.append(sentence(rng, words))
            if len(body) == 12:
                paras.append(" ".join(body))
                body = []
        if body:
            paras.append(" ".join(body))
        parts.append(f"Chapter {c}\n\n" + "\n\n".join(paras))
    return "\n\n\n".join(parts) + "\n"


def valid_wav(path: Path) -> bool:
    """Whether `path` is a complete, non-empty mono 16-bit WAV."""
    try:
        with wave.open(str(path), "rb") as w:
            frames = w.getnframes()
            data = w.readframes(frames)
            return frames > 0 and len(data) == frames * 2 and w.getnchannels() == 1 and w.getsampwidth() == 2
    except (OSError, EOFError, wave.Error):
        return False


def cache_clips(root: Path) -> list[Path]:
    """Every file in a clip cache that claims to be a finished clip."""
    return [p for p in root.rglob("*.wav") if not p.name.startswith(".")]


def planned_keys(sources: list[Path], voices: Path) -> set[str]:
    """Content keys of every clip a render of `sources` with `voices` needs (speech only)."""
    from audiobook.audio.synth import clip_key
    from audiobook.engines import get_engine
    from audiobook.pipeline import plan, read_books
    from audiobook.voices.config import load_config

    config = load_config(voices)
    keys = set()
    for b in read_books(sources, config):
        for chapter in b.chapters:
            for job in plan(chapter, config).jobs():
                keys.add(clip_key(job, get_engine(job.voice.engine).version()))
    return keys


def cached(keys: set[str], root: Path) -> set[str]:
    """The keys whose clip is in the cache at `root`, complete."""
    return {k for k in keys if valid_wav(root / k[:2] / f"{k}.wav")}
