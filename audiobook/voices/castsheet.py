"""What `audiobook voices` and `audiobook cast` show: the engine's voices, and who speaks with which voice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engines import get_engine
from ..errors import ConfigError
from ..model import NARRATOR, Gender, Voice, VoiceInfo
from .autocast import cast
from .casting import infer_ages
from .config import CharacterVoice, Config, add_characters, load_config
from .switch import on_engine


@dataclass(frozen=True)
class Catalogue:
    """An engine's voices matching a filter: base voices, and (espeak) variants to add with `+NAME`."""

    engine: str
    voices: tuple[VoiceInfo, ...]
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # gender ("male"/"female"/"other") -> names


def _lang_matches(info: VoiceInfo, lang: str) -> bool:
    have = info.language.lower().replace("_", "-")
    want = lang.lower().replace("_", "-")
    return have == want or have.startswith(want + "-")


def voice_catalogue(engine: str = "espeak", *, lang: str | None = None, gender: Gender | None = None) -> Catalogue:
    """The voices `engine` offers, filtered by language prefix ("en" matches en-us) and variant gender.

    espeak multiplies every language by ~100 variants, so variants are listed once, by name, instead of
    every `language+variant` combination.
    """
    if gender not in (None, "male", "female"):
        raise ConfigError(f"unknown gender {gender!r} (expected male or female)")
    infos = get_engine(engine).voices()
    bases = [v for v in infos if "+" not in v.id and (lang is None or _lang_matches(v, lang))]
    variants: dict[str, list[str]] = {}
    for v in infos:
        if "+" in v.id:
            name = v.id.split("+", 1)[1]
            key = v.gender or "other"
            if (gender is None or key == gender) and name not in variants.get(key, []):
                variants.setdefault(key, []).append(name)
    if engine != "espeak" and gender is not None:
        bases = [v for v in bases if v.gender in (None, gender)]
    return Catalogue(engine, tuple(bases), {k: tuple(sorted(v, key=str.casefold)) for k, v in sorted(variants.items())})


def measured_catalogue(cat: Catalogue) -> list[tuple[VoiceInfo, Gender | None, float]]:
    """A neural engine's voices with the gender they suit (the engine's word, else the measured pitch's) and
    their measured median F0 in Hz (each voice says a sentence once; cached)."""
    from .measure import measure

    out = []
    for info in cat.voices:
        m = measure(Voice(info.id, engine=cat.engine))
        out.append((info, info.gender or m.gender(), m.f0))
    return out


@dataclass(frozen=True)
class CastRow:
    """One speaker in the cast sheet."""

    name: str
    lines: int
    words: int
    gender: Gender | None
    age: str | None
    voice: Voice
    new: bool  # not in voices.yaml yet (the voice shown is what automatic casting would give)
    aliases: tuple[str, ...] = ()
    gender_evidence: str = ""  # what decided the gender ("title Mrs.", "pronouns he 5, she 1"...)
    written: Voice | None = None  # what --write adds to voices.yaml, when not `voice` (cast with --engine)


def cast_sheet(paths: Sequence[Path], voices: Path, *, author: str | None = None,
               include_front_matter: bool = False, engine: str | None = None) -> tuple[Config, list[CastRow]]:
    """Every speaker in the inputs, most lines first, with the voice they have or would get.

    With `engine`, the voices are the ones `render --engine` would use (the returned config is moved onto
    it); new speakers are still written to voices.yaml cast on the file's own engine, as render writes them.
    """
    from ..pipeline import (  # the pipeline imports this module's neighbours
        read_books,
        speakers,
    )

    config = load_config(voices)
    books = read_books(paths, config, author=author, include_front_matter=include_front_matter)
    chapters = [ch for book in books for ch in book.chapters]
    characters = speakers(chapters)
    ages = infer_ages(chapters, characters)
    new = cast(config, characters, ages)
    if NARRATOR in new:  # a neural `engine:` without `narrator:`: the narrator render would write
        config = replace(config, narrator=new.pop(NARRATOR))
    shown = config
    if engine is not None:  # as render: the new speakers join the file's cast, then the cast moves
        joined = {name: CharacterVoice(name, voice) for name, voice in new.items()}  # as render writes them
        shown = on_engine(replace(config, characters={**config.characters, **joined}), engine)
    rows = []
    for c in sorted(characters, key=lambda c: (-c.lines, -c.words, c.name)):
        known = config.is_cast(c.name)  # an entry, or "Narrator" (the narrator's voice unless it has one)
        written = config.voice_for(c.name, c.gender) if known else new.get(c.name, config.default_for(c.gender))
        voice = shown.voice_for(c.name, c.gender) if engine is not None else written
        rows.append(CastRow(c.name, c.lines, c.words, c.gender, ages.get(c.name), voice, not known, c.aliases,
                            c.gender_evidence, written if written != voice else None))
    return shown, rows


def write_cast(config: Config, rows: Sequence[CastRow]) -> list[str]:
    """Add the sheet's new speakers to voices.yaml (comments and order kept); returns their names."""
    from ..fsutil import file_lock

    with file_lock(config.path):  # a render may be adding speakers too: re-read under the lock
        fresh = load_config(config.path)
        new = {r.name: r.written or r.voice for r in rows if r.new and not fresh.is_cast(r.name)}
        if fresh.engine != "espeak" and not fresh.narrator_set:  # the narrator, cast first as render does
            new = {NARRATOR: cast(fresh, [])[NARRATOR], **new}
        if new:
            add_characters(fresh, new, {r.name: r.aliases for r in rows})
    return list(new)


__all__ = ["Catalogue", "voice_catalogue", "measured_catalogue", "CastRow", "cast_sheet", "write_cast"]
