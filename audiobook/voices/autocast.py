"""Casting the speakers voices.yaml does not name yet, on the file's engine (voices/casting.py does the choosing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import ConfigError
from ..model import NARRATOR, Character, Voice
from .config import Config


def cast(config: Config, characters: Sequence[Character], ages: Mapping[str, str] | None = None,
         cache: Path | None = None) -> dict[str, Voice]:
    """Voices for the speakers not yet in the config: distinct from each other and the narrator, gender-matched.

    Deterministic: speakers are cast most lines first (name as tie-break) and each takes the
    candidate farthest from every voice already in use, clearest candidate on ties (see casting.py).
    `ages` ('young'/'old' by name, from casting.infer_ages) picks younger or older voices. Neural voices
    are measured once (voices/measure.py), the measurements kept in `cache` (default: the user's clip cache).
    A file on a neural `engine:` without `narrator:` gets its narrator cast first, under NARRATOR (the
    built-in narrator is an espeak voice), as a main voice that takes no main character's place.
    """
    from .casting import (
        cast_voices,  # casting imports model only; imported here to keep voices light
    )

    taken = [config.narrator, *config.defaults.values(), *(c.voice for c in config.characters.values())]
    todo = [c for c in characters if not config.is_cast(c.name)]
    narrator = config.engine != "espeak" and not config.narrator_set
    if config.engine == "espeak" or not (todo or narrator):
        return cast_voices(taken, todo, engine=config.engine, ages=ages)
    from .measure import neural_voices  # synthesises each neural voice once (cached) to measure it

    try:
        available, measured = neural_voices(config.engine, taken, cache)
    except ConfigError as exc:  # piper-tts not installed: say which line chose it
        raise ConfigError(f"{config.where('engine')}: {exc}") from None
    out: dict[str, Voice] = {}
    if narrator:
        speaker = Character("(narrator)", None, lines=1)
        out[NARRATOR] = cast_voices(taken[1:], [speaker], engine=config.engine, available=available,
                                    measured=measured)[speaker.name]
        taken[0] = out[NARRATOR]
    return out | cast_voices(taken, todo, engine=config.engine, ages=ages, available=available, measured=measured)


def engine_voice_ids(engine: str) -> list[str]:
    """Every voice id `engine` offers (ConfigError when the engine is unknown or not installed)."""
    from ..engines import get_engine

    return [v.id for v in get_engine(engine).voices()]


__all__ = ["cast", "engine_voice_ids"]
