"""The voice mapper: voices.yaml loaded, validated, round-tripped, and new speakers cast automatically."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import ConfigError, OutputError
from ..fsutil import sweep_parts, write_atomic, write_target
from ..model import NARRATOR, Gender, Override, Pauses, Voice
from ..text.sections import SKIPPABLE
from .enginekeys import kokoro_files
from .yamlfile import parse, printable, read_text, round_trip_yaml, shown, shown_key

VOICE_KEYS: dict[str, type | tuple[type, ...]] = {"voice": str, "rate": int, "pitch": int, "volume": (int, float),
                                                  "engine": str, "length_scale": (int, float),
                                                  "noise_scale": (int, float)}
RANGES = {"rate": (80, 450), "pitch": (0, 100), "volume": (0.0, 1.0), "length_scale": (0.5, 2.0),
          "noise_scale": (0.0, 1.5)}
TOP_KEYS = ("engine", "bitrate", "format", "narrator", "defaults", "characters", "overrides", "pronounce", "pauses",
            "skip", "not_characters", "piper", "kokoro")
# `piper: {voices: DIR}`: a folder of the user's .onnx voices; `kokoro: {model: FILE, voices: FILE}`: the user's files
ENGINE_SETTINGS = {"piper": ("voices",), "kokoro": ("model", "voices")}
FORMATS = ("mp3", "m4b")
PAUSE_KEYS = ("sentence", "clause", "paragraph", "scene", "title")
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)

DEFAULT_NARRATOR = Voice("gmw/en-us", rate=170, pitch=45)
DEFAULT_UNKNOWN = Voice("gmw/en-gb-scotland+m2", rate=175, pitch=55)

TEMPLATE = """\
# audiobook voice cast: who speaks with which voice.
# Edit any value and render again: only the lines of the speakers you changed are re-synthesised.
#   audiobook voices --lang en          lists the voice ids the engine offers
#   audiobook cast chapter1.txt         shows who speaks how much and with which voice
#   audiobook preview NAME              plays a sample line in NAME's voice
#
# Every voice entry takes:
#   voice:   an engine voice id. espeak: `language` or `language+variant`, e.g. gmw/en-us+f3,
#            gmw/en-gb-x-rp+m3 (variants m1-m8 and f1-f5 are the plainest). piper: a model name,
#            e.g. en_US-joe-medium. kokoro: a voice of its pack (jm_kumo, jf_alpha...) or a blend
#            of them, e.g. jm_kumo:0.7+jf_alpha:0.3 (weights above 0, scaled to sum to 1).
#   rate:    speaking rate in words per minute (80-450)
#   pitch:   0-100; 50 is the voice's normal pitch (espeak only; piper and kokoro ignore it)
#   volume:  0.0-1.0
#   engine:  espeak, piper or kokoro, for this voice only (default: the `engine` below)
#   length_scale: (piper only) 0.5-2.0, slower above 1; replaces the speed `rate` gives
#   noise_scale:  (piper only) 0.0-1.5, how lively the intonation is (the model's default: 0.667)
#   aliases: (characters only) other names the same character goes by in the text
#   gender:  (characters only) male or female, when the text does not make it clear

# Speech engine used for every voice unless a voice says `engine:` itself: espeak (built in) or
# piper (neural voices: pip install 'audiobook[piper]' and a voice model). `audiobook render
# --engine piper` tries another engine without changing this file (see the README, "Better voices").
engine: espeak
# Piper voices of your own: a folder holding <voice>.onnx and <voice>.onnx.json files.
#   piper: {voices: ~/piper-voices}
# Kokoro (pip install 'audiobook[kokoro]') ships five Japanese voices speaking English; a model and
# voice pack of your own, e.g. the English voices-v1.0.bin of the kokoro-onnx release:
#   kokoro: {model: ~/kokoro/kokoro-v1.0.onnx, voices: ~/kokoro/voices-v1.0.bin}
# MP3 bitrate in kbit/s: 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256 or 320.
bitrate: 64
# The voice that reads everything that is not dialogue.
narrator:
  voice: gmw/en-us
  rate: 170
  pitch: 45
# Voices for lines whose speaker has no entry under `characters` (male, female, unknown).
defaults:
  unknown:
    voice: gmw/en-gb-scotland+m2
    rate: 175
    pitch: 55
# Silence in milliseconds (0-10000): between sentences, between a quote and its tag, between
# paragraphs, at scene breaks, after the chapter title.
pauses:
  sentence: 250
  clause: 150
  paragraph: 700
  scene: 2000
  title: 1200
# Sections not read aloud. Remove an entry to hear it: summary, author's note, disclaimer,
# rating, front matter (story notes such as Warnings:/Pairings:, contents, licence).
skip: [summary, author's note, disclaimer, rating, front matter]
# How to say words the engine gets wrong: whole words, any case, in narration and dialogue.
#   Inuyasha: Ee-noo-yah-shah
pronounce: {}
# Fix a line given to the wrong speaker: the line's opening words and who really says it.
#   - line: "It's not your fault"
#     speaker: Souta
# Optional, to pick one of several lines that start so: nth: 2 (the chapter's 2nd such line),
# chapter: (its number or words of its title), context: (words in or beside the line's paragraph).
overrides: []
# Names the parser took for speakers that are not characters: their lines go to the next likeliest speaker.
not_characters: []
# One entry per speaking character; new speakers are added here on every render
# (`audiobook cast chapter.txt --write` adds them without rendering).
characters: {}
"""


@dataclass(frozen=True)
class CharacterVoice:
    """A cast entry: the character's voice and the other names they go by."""

    name: str
    voice: Voice
    aliases: tuple[str, ...] = ()
    gender: Gender | None = None  # set by the user (`gender:`), e.g. in `audiobook review`


@dataclass(frozen=True)
class Config:
    """voices.yaml, validated."""

    path: Path
    engine: str = "espeak"
    bitrate: int = 64
    formats: tuple[str, ...] = ("mp3",)  # `format:` outputs: chapter MP3s (always), and the book as one .m4b
    narrator: Voice = DEFAULT_NARRATOR
    defaults: Mapping[str, Voice] = field(default_factory=lambda: {"unknown": DEFAULT_UNKNOWN})
    characters: Mapping[str, CharacterVoice] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    pronounce: Mapping[str, str] = field(default_factory=dict)
    pauses: Pauses = Pauses()
    skip: tuple[str, ...] = SKIPPABLE
    exists: bool = False
    lines: Mapping[str, int] = field(default_factory=dict)  # "characters.Souta.voice" -> line in the file
    not_characters: tuple[str, ...] = ()  # names the parser took for speakers that are not characters
    piper_voices: tuple[Path, ...] = ()  # `piper: {voices: DIR}`: folders of the user's piper models
    kokoro_model: Path | None = None  # `kokoro: {model: FILE}`: the user's Kokoro model (None: the pip-shipped one)
    kokoro_voices: Path | None = None  # `kokoro: {voices: FILE}`: the user's voice pack (None: the pip-shipped one)
    pinned: frozenset[str] = frozenset()  # voices with an `engine:` of their own ("narrator", "characters.Mara")
    narrator_set: bool = False  # the file names a `narrator:` (else, on a neural `engine:`, casting gives one)

    def aliases(self) -> dict[str, str]:
        """Every alias, casefolded, to its character's name (segments are named so: `read_book(aliases=)`)."""
        return {a.casefold(): c.name for c in self.characters.values() for a in c.aliases}

    def where(self, key: str) -> str:
        """'voices.yaml, line 12: characters.Souta.voice', for error messages."""
        line = self.lines.get(key)
        return f"{self.path.name}, line {line}: {_capped(key)}" if line else f"{self.path.name}: {_capped(key)}"

    def all_voices(self) -> list[tuple[str, Voice]]:
        """Every voice the config names, with the key it sits under."""
        out = [("narrator.voice", self.narrator)]
        out += [(f"defaults.{k}.voice", v) for k, v in self.defaults.items()]
        out += [(f"characters.{c.name}.voice", c.voice) for c in self.characters.values()]
        return out

    @functools.cached_property
    def _by_name(self) -> dict[str, CharacterVoice]:
        """Every name and alias, casefolded, to its entry (the first entry that has it), for O(1) lookups."""
        index: dict[str, CharacterVoice] = {}
        for entry in self.characters.values():
            index.setdefault(entry.name.casefold(), entry)
        for entry in self.characters.values():
            for alias in entry.aliases:
                index.setdefault(alias.casefold(), entry)
        return index

    def lookup(self, speaker: str) -> CharacterVoice | None:
        """The cast entry for a speaker, by name or alias (case-insensitive)."""
        return self._by_name.get(speaker.casefold())

    def voice_for(self, speaker: str | None, gender: Gender | None = None) -> Voice:
        """The voice a segment's speaker gets: a cast entry, else the narrator's for "Narrator", else a default.

        "Narrator" as a speaker is the narrator speaking (or a character of that name): the narrator's
        voice, unless voices.yaml gives `characters: Narrator:` a voice of its own.
        """
        entry = self.lookup(speaker) if speaker is not None else None
        if entry is not None:
            return entry.voice
        return self.narrator if speaker == NARRATOR else self.default_for(gender)

    def is_cast(self, speaker: str) -> bool:
        """Whether a speaker already has a voice of their own (an entry, or the narrator's for "Narrator")."""
        return speaker == NARRATOR or self.lookup(speaker) is not None

    def default_for(self, gender: Gender | None) -> Voice:
        """`defaults.<gender>` (male/female), else `defaults.unknown`."""
        return self.defaults.get(gender or "unknown") or self.defaults.get("unknown", DEFAULT_UNKNOWN)


def _with_spoken_forms(lexicon: Mapping[str, str]) -> dict[str, str]:
    """The lexicon plus each key as the text normaliser speaks it ("Mr. Higurashi" -> "Mister Higurashi").

    speech.speakable applies the lexicon after normalising the text, so a key with an abbreviation,
    digits or symbols would otherwise never match.
    """
    from ..audio.speech import speakable

    out = dict(lexicon)
    for word, said in lexicon.items():
        spoken = speakable(word).rstrip(".!?,;: ")
        if spoken and spoken.casefold() != word.casefold():
            out.setdefault(spoken, said)
    return out


def _kind(value: Any) -> str:
    """'a list', 'a mapping', 'a string'... for error messages (never ruamel's class names)."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return {str: "a string", bool: "true/false", int: "a number", float: "a number"}.get(type(value), shown(value))


def _yaml() -> YAML:
    return round_trip_yaml()


def _capped(where: str, limit: int = 120) -> str:
    """A dotted key for a message: control characters escaped, cut to `limit` characters (names may be long)."""
    where = printable(where[: limit + 1])
    return where if len(where) <= limit else where[: limit - 1] + "\u2026"


def _line(node: Any, key: Any) -> str:
    """'line N' of a key inside a round-trip mapping (1-based), or '' when unknown."""
    try:
        return f"line {node.lc.key(key)[0] + 1}"
    except (AttributeError, KeyError, TypeError):
        return ""


class _Checker:
    """Validation helpers that name the file, line and key of every problem (values shown bounded)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[str, int] = {}
        self.pinned: set[str] = set()

    def fail(self, node: Any, key: Any, where: str, problem: str) -> ConfigError:
        line = _line(node, key)
        return ConfigError(f"{self.path.name}{', ' + line if line else ''}: {_capped(where)}: {problem}")

    def note_line(self, node: Any, key: Any, where: str) -> None:
        """Remember the line of `key` for later messages about it (an unknown voice id...)."""
        with contextlib.suppress(AttributeError, KeyError, TypeError):
            self.lines[where] = node.lc.key(key)[0] + 1

    def mapping(self, value: Any, parent: Any, key: Any, where: str) -> CommentedMap:
        if value is None:
            return CommentedMap()
        if not isinstance(value, Mapping):
            raise self.fail(parent, key, where, f"expected a mapping, got {_kind(value)}")
        return value  # type: ignore[return-value]

    def engine(self, node: Any, key: Any, where: str) -> str:
        """An `engine:` value: the name of a registered engine."""
        from ..engines import engine_names

        value = node[key]
        names = engine_names()
        if not isinstance(value, str):
            raise self.fail(node, key, where, f"expected a string, got {shown(value)}")
        if value not in names:
            raise self.fail(node, key, where, f"unknown engine {shown(value)} (expected one of: {', '.join(names)})")
        return value

    def voice(self, value: Any, parent: Any, key: Any, where: str, engine: str, extra: Iterable[str] = ()) -> Voice:
        node = self.mapping(value, parent, key, where)
        allowed = set(VOICE_KEYS) | set(extra)
        for k in node:
            if k not in allowed:
                raise self.fail(node, k, f"{where}.{shown_key(k)}",
                                f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        if "voice" not in node:
            raise self.fail(parent, key, where, "missing required key 'voice'")
        self.note_line(node, "voice", f"{where}.voice")
        out: dict[str, Any] = {}
        if "engine" in node:
            self.engine(node, "engine", f"{where}.engine")
            self.pinned.add(where)
        for k, typ in VOICE_KEYS.items():
            if k in node:
                out[k] = self._voice_value(node, k, typ, where)
        out.setdefault("engine", engine)
        out["volume"] = float(out.get("volume", 1.0))
        return Voice(**out)

    def _voice_value(self, node: Any, k: str, typ: type | tuple[type, ...], where: str) -> Any:
        v: Any = node[k]
        if isinstance(v, bool) or not isinstance(v, typ):
            expected = "a string" if typ is str else "a whole number" if typ is int else "a number"
            raise self.fail(node, k, f"{where}.{k}", f"expected {expected}, got {shown(v)}")
        if k in RANGES:
            lo, hi = RANGES[k]
            if not lo <= typing.cast(float, v) <= hi:
                raise self.fail(node, k, f"{where}.{k}", f"{shown(v)} is out of range ({lo}-{hi})")
        if k in ("length_scale", "noise_scale"):
            return float(typing.cast(float, v))
        return str(v) if typ is str else v


OVERRIDE_KEYS = ("line", "speaker", "nth", "chapter", "context")


def _items(check: _Checker, doc: Any) -> list[tuple[int, Any, Any]]:
    """(index, item, the list) for each entry of `overrides:`."""
    onode = doc.get("overrides") or []
    if not isinstance(onode, list):
        raise check.fail(doc, "overrides", "overrides", "expected a list of {line, speaker}")
    return [(i, item, onode) for i, item in enumerate(onode)]


def _override(check: _Checker, onode: Any, item: Any, i: int) -> Override:
    """One `overrides:` entry: line and speaker, optionally nth, chapter and context."""
    where = f"overrides[{i}]"
    if not isinstance(item, Mapping) or not {"line", "speaker"} <= set(item):
        raise check.fail(onode, i, where, "expected a mapping with the keys 'line' and 'speaker' "
                         "(and optionally nth, chapter, context)")
    with contextlib.suppress(AttributeError, KeyError, TypeError, IndexError):
        check.lines[where] = onode.lc.item(i)[0] + 1
    for k in item:
        if k not in OVERRIDE_KEYS:
            raise check.fail(item, k, f"{where}.{shown_key(k)}",
                             f"unknown key (expected one of: {', '.join(OVERRIDE_KEYS)})")
    if not all(isinstance(item[k], str) and item[k].strip() for k in ("line", "speaker")):
        raise check.fail(onode, i, where, "'line' and 'speaker' must be non-empty strings")
    nth, chapter, context = item.get("nth"), item.get("chapter"), item.get("context")
    if nth is not None and (isinstance(nth, bool) or not isinstance(nth, int) or nth < 1):
        raise check.fail(item, "nth", f"{where}.nth", f"expected a whole number from 1 up, got {shown(nth)}")
    bad_number = isinstance(chapter, bool) or (isinstance(chapter, int) and chapter < 0)
    if chapter is not None and (bad_number or not isinstance(chapter, (int, str)) or not str(chapter).strip()):
        raise check.fail(item, "chapter", f"{where}.chapter",
                         f"expected a chapter number or words of its title, got {shown(chapter)}")
    if context is not None and (not isinstance(context, str) or not context.strip()):
        raise check.fail(item, "context", f"{where}.context",
                         f"expected words found near the line, got {shown(context)}")
    return Override(str(item["line"]), str(item["speaker"]), nth, chapter, context)


def _gender(check: _Checker, node: Any, where: str) -> Gender | None:
    """A character's optional `gender:` (male or female)."""
    gender = node.get("gender") if isinstance(node, Mapping) else None
    if gender not in (None, "male", "female"):
        raise check.fail(node, "gender", f"{where}.gender", f"expected male or female, got {shown(gender)}")
    return typing.cast("Gender | None", gender)


def _names(check: _Checker, doc: Any, key: str) -> tuple[str, ...]:
    """A top-level list of names (`not_characters:`)."""
    names = doc.get(key) or []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise check.fail(doc, key, key, "expected a list of names")
    return tuple(str(n) for n in names)


def load_config(path: Path) -> Config:
    """Read and validate voices.yaml; a missing file gives the built-in defaults.

    A file that is not a regular file (a pipe, a folder), larger than `yamlfile.LIMITS['bytes']`,
    not UTF-8, malformed, or whose aliases expand beyond a small limit is a ConfigError.
    """
    raw = read_text(path)
    if raw is None:
        return Config(path=path)
    return _validate(_parse(raw, path), path)


def _parse(raw: str, path: Path) -> Any:
    return parse(raw, path)


def _validate(doc: Any, path: Path) -> Config:
    check = _Checker(path)
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{path.name}: expected a mapping of settings at the top level, got {type(doc).__name__}")
    for k in doc:
        if k not in TOP_KEYS:
            raise check.fail(doc, k, shown_key(k), f"unknown key (expected one of: {', '.join(TOP_KEYS)})")
    engine = check.engine(doc, "engine", "engine") if "engine" in doc else "espeak"
    if "engine" in doc:
        check.note_line(doc, "engine", "engine")
    narrator, defaults = _narrator_and_defaults(check, doc, engine)
    kokoro_model, kokoro_voices = kokoro_files(check, doc, path)
    return Config(
        not_characters=_names(check, doc, "not_characters"),
        piper_voices=_piper(check, doc, path),
        kokoro_model=kokoro_model,
        kokoro_voices=kokoro_voices,
        path=path,
        engine=engine,
        bitrate=_bitrate(check, doc),
        formats=_formats(check, doc),
        narrator=narrator,
        defaults=defaults,
        characters=_characters(check, doc, engine),
        overrides=_overrides(check, doc),
        pronounce=_pronounce(check, doc),
        pauses=_pauses(check, doc),
        skip=_skip(check, doc),
        exists=True,
        lines=check.lines,
        pinned=frozenset(check.pinned),
        narrator_set="narrator" in doc,
    )


def _piper(check: _Checker, doc: Any, path: Path) -> tuple[Path, ...]:
    """`piper: {voices: DIR}` (or a list of folders): each an existing folder, relative to voices.yaml's own.

    The folders are searched first for piper models from now on, here and in the worker processes.
    """
    node = check.mapping(doc.get("piper"), doc, "piper", "piper")
    for k in node:
        if k not in ENGINE_SETTINGS["piper"]:
            raise check.fail(node, k, f"piper.{shown_key(k)}", "unknown key (expected: voices)")
    value = node.get("voices")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    folders = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise check.fail(node, "voices", "piper.voices",
                             f"expected a folder or a list of folders, got {_kind(item)}")
        folder = (path.parent / Path(item).expanduser()).resolve()
        if not folder.is_dir():
            raise check.fail(node, "voices", "piper.voices", f"{shown(item)} is not a folder")
        folders.append(folder)
    from ..engines.piper import use_folders  # the engine module imports no piper code until it is used

    use_folders(folders)
    return tuple(folders)


def _bitrate(check: _Checker, doc: Any) -> int:
    bitrate = doc.get("bitrate", 64)
    if isinstance(bitrate, bool) or not isinstance(bitrate, int) or bitrate not in BITRATES:
        choices = ", ".join(map(str, BITRATES))
        raise check.fail(doc, "bitrate", "bitrate", f"{shown(bitrate)} is not an MP3 bitrate ({choices})")
    return int(bitrate)


def _narrator_and_defaults(check: _Checker, doc: Any, engine: str) -> tuple[Voice, dict[str, Voice]]:
    if "narrator" in doc:
        narrator = check.voice(doc["narrator"], doc, "narrator", "narrator", engine)
    else:
        # The built-in narrator and default voices are espeak ids: they stay on espeak until the
        # file names voices of the chosen engine (new characters are cast on `engine` itself).
        narrator = replace(DEFAULT_NARRATOR, engine="espeak")
    defaults = {"unknown": replace(DEFAULT_UNKNOWN, engine="espeak")}
    dnode = check.mapping(doc.get("defaults"), doc, "defaults", "defaults")
    for k in dnode:
        if k not in ("male", "female", "unknown"):
            raise check.fail(dnode, k, f"defaults.{shown_key(k)}",
                             "unknown key (expected one of: male, female, unknown)")
        defaults[k] = check.voice(dnode[k], dnode, k, f"defaults.{k}", engine)
    return narrator, defaults


def _characters(check: _Checker, doc: Any, engine: str) -> dict[str, CharacterVoice]:
    characters: dict[str, CharacterVoice] = {}
    cnode = check.mapping(doc.get("characters"), doc, "characters", "characters")
    for name in cnode:
        where = f"characters.{shown_key(name)}"
        if isinstance(name, bool) or not isinstance(name, (str, int)) or not str(name).strip():
            raise check.fail(cnode, name, where, "expected a character's name")
        entry = check.voice(cnode[name], cnode, name, f"characters.{name}", engine, extra=("aliases", "gender"))
        aliases = cnode[name].get("aliases", []) if isinstance(cnode[name], Mapping) else []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise check.fail(cnode[name], "aliases", f"{where}.aliases", "expected a list of names")
        characters[str(name)] = CharacterVoice(str(name), entry, tuple(str(a) for a in aliases),
                                               _gender(check, cnode[name], where))
    return characters


def _overrides(check: _Checker, doc: Any) -> tuple[Override, ...]:
    return tuple(_override(check, onode, item, i) for i, item, onode in _items(check, doc))


def _pronounce(check: _Checker, doc: Any) -> dict[str, str]:
    pnode = check.mapping(doc.get("pronounce"), doc, "pronounce", "pronounce")
    pronounce = {}
    for word, said in pnode.items():
        if not isinstance(said, str) or not str(word).strip():
            raise check.fail(pnode, word, f"pronounce.{shown_key(word)}", f"expected a string, got {shown(said)}")
        pronounce[str(word)] = str(said)
    return _with_spoken_forms(pronounce)


def _pauses(check: _Checker, doc: Any) -> Pauses:
    pauses = Pauses()
    panode = check.mapping(doc.get("pauses"), doc, "pauses", "pauses")
    for k, v in panode.items():
        if k not in PAUSE_KEYS:
            raise check.fail(panode, k, f"pauses.{shown_key(k)}",
                             f"unknown key (expected one of: {', '.join(PAUSE_KEYS)})")
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10000:
            raise check.fail(panode, k, f"pauses.{k}", f"expected milliseconds from 0 to 10000, got {shown(v)}")
        pauses = replace(pauses, **{k: int(v)})
    return pauses


def _skip(check: _Checker, doc: Any) -> tuple[str, ...]:
    skip = doc.get("skip", list(SKIPPABLE))
    if skip is None:
        skip = []
    if isinstance(skip, str):
        skip = [skip]
    if not isinstance(skip, list) or any(s not in SKIPPABLE for s in skip):
        bad = next((s for s in skip if s not in SKIPPABLE), None) if isinstance(skip, list) else None
        got = f"got {shown(bad)}" if bad is not None else f"got {_kind(skip)}"
        raise check.fail(doc, "skip", "skip", f"expected a list drawn from: {', '.join(SKIPPABLE)} ({got})")
    return tuple(str(s) for s in skip)


def _formats(check: _Checker, doc: Any) -> tuple[str, ...]:
    """`format: m4b` or `format: [mp3, m4b]`: the outputs besides the chapter MP3s, which are always written."""
    value = doc.get("format", "mp3")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or any(not isinstance(f, str) or f not in FORMATS for f in items):
        bad = next((f for f in items if f not in FORMATS), value) if isinstance(items, list) else value
        got = repr(bad)[:40] if isinstance(bad, str) else _kind(bad)
        raise check.fail(doc, "format", "format", f"expected mp3, m4b or a list of them (got {got})")
    return ("mp3",) + tuple(dict.fromkeys(f for f in items if f != "mp3"))


# --- writing -----------------------------------------------------------------------------------

def add_characters(config: Config, new: Mapping[str, Voice], aliases: Mapping[str, Sequence[str]]) -> Config:
    """Write the new speakers into voices.yaml, keeping the user's comments and order; returns the new config.

    A missing file is first created from the commented template (see `read_document`); the write is
    `write_document`'s: atomic, mode kept, symlink written through, a read-only file refused.
    """
    path = config.path
    check_writable(path, list(new))
    doc = read_document(path)
    chars = doc.get("characters")
    if not isinstance(chars, CommentedMap):
        chars = CommentedMap()
        doc["characters"] = chars
    for name, voice in new.items():
        if name == NARRATOR:  # the narrator cast on the file's engine (`cast`): where the template has it
            if "narrator" not in doc:
                at = next((i for i, k in enumerate(doc) if k in ("defaults", "characters")), len(doc))
                doc.insert(at, "narrator", _entry(voice, config.engine, []))
            continue
        chars[name] = _entry(voice, config.engine, [a for a in aliases.get(name, ()) if a != name])
    return write_document(path, doc)


def read_document(path: Path) -> CommentedMap:
    """voices.yaml as a round-trip document to change, for a later `write_document`.

    A missing file gives the commented template; an empty file or one of comments only gives the
    template below the user's own lines. A file whose top level is not a mapping is a ConfigError:
    it is never replaced by the template.
    """
    raw = read_text(path)
    doc = _parse(raw if raw is not None else TEMPLATE, path)
    if doc is None:
        doc = _parse(_kept_comments(raw or "") + TEMPLATE, path)
    if not isinstance(doc, CommentedMap):
        raise ConfigError(f"{path.name}: expected a mapping of settings at the top level, got {type(doc).__name__}")
    return doc


def write_document(path: Path, doc: CommentedMap) -> Config:
    """Write a round-trip document to voices.yaml; returns it validated, as `load_config` would.

    It is checked first (an invalid change writes nothing). The file is replaced atomically and keeps
    its mode, a symlink is written through to its target, a read-only file is refused, and a failed
    write (a full disk) is an OutputError that leaves the file as it was.
    """
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    text = buf.getvalue()
    config = _validate(_parse(text, path), path)
    check_writable(path)
    sweep_parts(write_target(path).parent)  # a killed writer's temp file beside voices.yaml
    try:
        write_atomic(path, text, sync=True)
    except OutputError as exc:
        raise OutputError(f"{exc} ({path.name} is unchanged)") from None
    return config


def _entry(voice: Voice, engine: str, aliases: Sequence[str]) -> CommentedMap:
    entry = CommentedMap()
    entry["voice"] = voice.voice
    entry["rate"] = voice.rate
    entry["pitch"] = voice.pitch
    for key in ("length_scale", "noise_scale"):
        if getattr(voice, key) is not None:
            entry[key] = getattr(voice, key)
    if voice.engine != engine:
        entry["engine"] = voice.engine
    if aliases:
        seq = CommentedSeq(aliases)
        seq.fa.set_flow_style()
        entry["aliases"] = seq
    return entry


def _kept_comments(raw: str) -> str:
    """The comment and blank lines of a file that holds no settings, to keep above the template."""
    lines = [line for line in raw.splitlines() if not line.strip() or line.lstrip().startswith("#")]
    kept = "\n".join(lines).strip("\n")
    return kept + "\n\n" if kept else ""


def check_writable(path: Path, names: Sequence[str] = ()) -> None:
    """Refuse to replace a voices.yaml its owner made read-only (renaming over it would succeed anyway).

    `names` are the speakers the write would add, for the message.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # absent (created from the template), or unreadable (the write reports it)
    if mode & 0o222 and os.access(path, os.W_OK):
        return
    if not names:
        raise OutputError(f"{path.name} is read-only: cannot change it (make it writable)")
    listed = ", ".join(shown_key(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    raise OutputError(f"{path.name} is read-only: cannot add {listed} to it "
                      "(make it writable, or add them under `characters:` yourself)")


__all__ = ["Config", "CharacterVoice", "Override", "Pauses", "load_config", "add_characters", "Gender",
           "read_document", "write_document", "check_writable"]
