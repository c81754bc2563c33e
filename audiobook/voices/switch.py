"""`--engine NAME`: the cast of voices.yaml moved onto another engine for one command, the file unchanged.

A voice keeps its place when it says `engine:` itself (a mixed cast the user chose) or when its id is
one the chosen engine has. A voice whose id belongs to the engine the file was written for (an espeak
id, say, when trying piper) is cast again on the chosen engine, as automatic casting would cast a new
speaker: the narrator first, then the characters in the order the file lists them (the order they were
added in, most lines first), then the defaults, each as distinct as possible from the rest. An id
neither engine has is an error naming its line. The gender of a re-cast character is its `gender:`,
else the one its old voice was cast for.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..engines import check_voice, engine_names, get_engine
from ..errors import ConfigError
from ..model import Character, Gender, Voice
from .autocast import engine_voice_ids
from .casting import MAIN_CHARACTERS, cast_voices, profile
from .config import CharacterVoice, Config
from .measure import neural_voices


def on_engine(config: Config, engine: str | None, cache: Path | None = None) -> Config:
    """`config` with every voice that is not pinned to its engine moved to `engine` (None: unchanged).

    `cache`: the clip cache whose `voices/` folder keeps the neural voices' measurements (default: the user's).
    """
    if engine is None:
        return config
    _check_engine(engine)
    keep: dict[str, Voice] = {}
    recast: list[tuple[str, Voice, Gender | None]] = []
    for key, voice in config.all_voices():
        owner = key.removesuffix(".voice")
        if owner in config.pinned or voice.engine == engine:
            keep[key] = voice
            continue
        moved = replace(voice, engine=engine)
        try:
            keep[key] = check_voice(moved, config.where(key))  # an id the chosen engine has too
            continue
        except ConfigError as missing:
            try:
                check_voice(voice, config.where(key))
            except ConfigError:
                raise missing from None  # known to neither engine: say what the chosen engine lacks
        recast.append((key, voice, _gender(config, key, voice)))
    recast.sort(key=lambda item: ("narrator", "characters", "defaults").index(item[0].split(".")[0]))  # stable
    new = _recast(recast, list(keep.values()), engine, cache)
    voices = {**keep, **new}
    return replace(
        config, engine=engine, narrator=voices["narrator.voice"],
        defaults={k: voices[f"defaults.{k}.voice"] for k in config.defaults},
        characters={name: replace(entry, voice=voices[f"characters.{name}.voice"])
                    for name, entry in config.characters.items()},
    )


def _check_engine(engine: str) -> None:
    """ConfigError for an `--engine` that is unknown or not installed."""
    names = engine_names()
    if engine not in names:
        raise ConfigError(f"--engine: unknown engine {engine!r} (expected one of: {', '.join(names)})")
    try:
        get_engine(engine)
    except ConfigError as exc:  # its package is not installed
        raise ConfigError(f"--engine {engine}: {exc}") from None


def _gender(config: Config, key: str, voice: Voice) -> Gender | None:
    """The gender a re-cast voice should keep: the entry's `gender:`, the defaults key, else its old voice's."""
    parts = key.split(".")
    if parts[0] == "characters":
        entry: CharacterVoice | None = config.characters.get(".".join(parts[1:-1]))
        if entry is not None and entry.gender:
            return entry.gender
    if parts[0] == "defaults" and parts[1] in ("male", "female"):
        return "male" if parts[1] == "male" else "female"
    return profile(voice).gender if voice.engine == "espeak" else None


def _recast(todo: list[tuple[str, Voice, Gender | None]], taken: list[Voice], engine: str,
            cache: Path | None) -> dict[str, Voice]:
    """New voices on `engine` for `todo`, in its order (earlier ones count as the main characters)."""
    if not todo:
        return {}
    n = len(todo)
    # cast_voices casts most lines first: the list's order, given as descending line counts.
    speakers = [Character(key, gender, lines=n - i) for i, (key, _, gender) in enumerate(todo)]
    # The narrator is cast first, as a main voice of its own: the main characters keep their MAIN_CHARACTERS places.
    main = MAIN_CHARACTERS + sum(key == "narrator.voice" for key, _, _ in todo)
    if engine == "espeak":
        cast = cast_voices(taken, speakers, engine=engine, available=engine_voice_ids(engine), main=main)
    else:
        available, measured = neural_voices(engine, taken, cache)
        cast = cast_voices(taken, speakers, engine=engine, available=available, measured=measured, main=main)
    out = {}
    for key, old, _ in todo:
        voice = cast.get(key)
        if voice is None:
            raise ConfigError(f"engine {engine} has no voices to cast {key.removesuffix('.voice')} with")
        out[key] = replace(voice, volume=old.volume)
    return out


__all__ = ["on_engine"]
