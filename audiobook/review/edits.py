"""The review page's changes to voices.yaml: read, change, validate, write atomically, under render's lock.

Every change goes through `editing`: the file is re-read under `fsutil.file_lock` (the lock render holds while it
adds new speakers), changed in its round-trip form (comments and order kept), checked by the same validation
as `load_config`, and only then replaced atomically. A change that would leave the file invalid writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..engines import check_voice
from ..errors import ConfigError
from ..fsutil import file_lock
from ..model import NARRATOR, Character, Gender, Override, Voice
from ..voices.autocast import cast
from ..voices.config import Config, load_config, read_document, write_document


class EditError(ConfigError):
    """A review edit that cannot be made (unknown character, name taken...): nothing was written."""


@contextlib.contextmanager
def editing(path: Path) -> Iterator[CommentedMap]:
    """voices.yaml as a round-trip document to change in the block; written when the block ends without error."""
    with file_lock(path):
        # The same guarded round trip as render's (size and alias limits, pipes refused, a file that is
        # not a mapping an error, read-only refused, checked before it is written).
        doc = read_document(path)
        yield doc
        write_document(path, doc)


def _block_seq(doc: CommentedMap, key: str, flow: bool = False) -> CommentedSeq:
    """doc[key] as a list to append to (`[]` from the template becomes a block list unless `flow`)."""
    seq = doc.get(key)
    if not isinstance(seq, CommentedSeq) or (not seq and not flow):
        fresh = CommentedSeq(list(seq) if isinstance(seq, list) else [])
        if flow:
            fresh.fa.set_flow_style()
        else:
            fresh.fa.set_block_style()
        if key in doc:
            doc[key] = fresh
        else:
            doc.insert(len(doc), key, fresh)
        seq = fresh
    return seq


def _characters(doc: CommentedMap) -> CommentedMap:
    chars = doc.get("characters")
    if not isinstance(chars, CommentedMap):
        chars = CommentedMap()
        doc["characters"] = chars
    return chars


def _key_of(chars: CommentedMap, name: str) -> str | None:
    """The characters key for a name or alias (case-insensitive), as voices.yaml spells it."""
    folded = name.casefold()
    for key, entry in chars.items():
        aliases = entry.get("aliases", []) if isinstance(entry, dict) else []
        aliases = [aliases] if isinstance(aliases, str) else aliases
        if str(key).casefold() == folded or folded in (str(a).casefold() for a in aliases):
            return str(key)
    return None


def _voice_entry(voice: Voice, config: Config) -> CommentedMap:
    entry = CommentedMap()
    entry["voice"] = voice.voice
    entry["rate"] = voice.rate
    entry["pitch"] = voice.pitch
    if voice.engine != config.engine:
        entry["engine"] = voice.engine
    return entry


def ensure_character(doc: CommentedMap, config: Config, name: str, gender: Gender | None = None) -> str:
    """The characters key for `name`, adding an entry with a newly cast voice (as render would) if it has none."""
    chars = _characters(doc)
    key = _key_of(chars, name)
    if key is not None:
        return key
    voice = cast(config, [Character(name, gender)]).get(name) or config.default_for(gender)
    chars[name] = _voice_entry(voice, config)
    return name


def _add_aliases(entry: CommentedMap, names: Sequence[str]) -> None:
    old = entry.get("aliases", [])
    old = [old] if isinstance(old, str) else list(old or [])
    new = list(dict.fromkeys([*old, *(n for n in names if n.casefold() not in (o.casefold() for o in old))]))
    seq = CommentedSeq(new)
    seq.fa.set_flow_style()
    entry["aliases"] = seq


def _respeak(doc: CommentedMap, old: str, new: str) -> None:
    """Overrides that gave lines to `old` give them to `new`."""
    for item in doc.get("overrides") or []:
        if isinstance(item, dict) and str(item.get("speaker", "")).casefold() == old.casefold():
            item["speaker"] = new


# ---------------------------------------------------------------- the edits

def set_speaker(doc: CommentedMap, override: Override) -> None:
    """Add an override (or change the speaker of the entry that picks the same line the same way)."""
    seq = _block_seq(doc, "overrides")
    for item in seq:
        if isinstance(item, dict) and (item.get("line"), item.get("nth"), item.get("chapter"),
                                       item.get("context")) == (override.line, override.nth, override.chapter,
                                                                override.context):
            item["speaker"] = override.speaker
            return
    entry = CommentedMap()
    entry["line"] = override.line
    for key in ("nth", "chapter", "context"):
        if getattr(override, key) is not None:
            entry[key] = getattr(override, key)
    entry["speaker"] = override.speaker
    seq.append(entry)


def merge(doc: CommentedMap, config: Config, source: str, target: str) -> str:
    """`source` becomes an alias of `target` (its entry goes, its aliases and overrides follow); returns target."""
    if source.casefold() == target.casefold():
        raise EditError(f"cannot merge {source!r} into itself")
    chars = _characters(doc)
    key = ensure_character(doc, config, target)
    if _key_of(chars, source) == key:
        raise EditError(f"{source!r} is already a name of {key}")
    old = _key_of(chars, source)
    names = [source]
    if old is not None:
        gone = chars.pop(old)
        aliases = gone.get("aliases", []) if isinstance(gone, dict) else []
        names += [old, *([aliases] if isinstance(aliases, str) else list(aliases or []))]
    _add_aliases(chars[key], [n for n in dict.fromkeys(names) if n.casefold() != key.casefold()])
    _respeak(doc, source, key)
    return key


def rename(doc: CommentedMap, config: Config, old: str, new: str) -> str:
    """Call a character `new` (their old name stays an alias, so the parser's lines follow); returns new."""
    new = new.strip()
    if not new:
        raise EditError("the new name is empty")
    chars = _characters(doc)
    taken = _key_of(chars, new)
    key = ensure_character(doc, config, old)
    if taken is not None and taken != key:
        raise EditError(f"{new!r} is already a character ({taken}): merge the two instead")
    position = list(chars).index(key)
    entry = chars.pop(key)
    chars.insert(position, new, entry)
    _add_aliases(entry, [n for n in dict.fromkeys([key, old]) if n != new])
    _respeak(doc, old, new)
    _respeak(doc, key, new)
    return new


def not_a_character(doc: CommentedMap, name: str) -> str:
    """List `name` under not_characters (the parser gives its lines to its next choice) and drop its entry."""
    chars = _characters(doc)
    key = _key_of(chars, name)
    if key is not None and key.casefold() == name.casefold():
        chars.pop(key)
    seq = _block_seq(doc, "not_characters", flow=True)
    if name.casefold() not in (str(n).casefold() for n in seq):
        seq.append(name)
    return f"{name} is not a character"


def set_gender(doc: CommentedMap, config: Config, name: str, gender: Gender) -> Voice:
    """Record a character's gender and give them a voice of that gender (cast as render would); returns it."""
    chars = _characters(doc)
    key = ensure_character(doc, config, name, gender)
    others = replace(config, characters={k: v for k, v in config.characters.items() if k != key})
    voice = cast(others, [Character(key, gender)]).get(key) or config.default_for(gender)
    entry = chars[key]
    entry["gender"] = gender
    for k, v in (("voice", voice.voice), ("rate", voice.rate), ("pitch", voice.pitch)):
        entry[k] = v
    return voice


def set_voice(doc: CommentedMap, config: Config, name: str, voice: str | None, rate: int | None,
              pitch: int | None) -> str:
    """Change the voice id, rate and/or pitch of a character (or the narrator); returns the key changed."""
    if name.casefold() == NARRATOR.casefold():
        entry = doc.get("narrator")
        if not isinstance(entry, CommentedMap):
            entry = _voice_entry(config.narrator, config)
            doc["narrator"] = entry
        where = "narrator"
    else:
        key = ensure_character(doc, config, name)
        entry = _characters(doc)[key]
        where = f"characters.{key}"
    if voice is not None:
        engine = str(entry.get("engine", config.engine))
        entry["voice"] = check_voice(Voice(voice, engine=engine), f"{config.path.name}: {where}.voice").voice
    if rate is not None:
        entry["rate"] = rate
    if pitch is not None:
        entry["pitch"] = pitch
    return where


def reload(path: Path) -> Config:
    """voices.yaml as it is now on disk."""
    return load_config(path)


def fields(request: Any, **types: type | tuple[type, ...]) -> dict[str, Any]:
    """The named fields of an edit request, each of its type (a bool is not a number); EditError otherwise."""
    if not isinstance(request, dict):
        raise EditError("an edit is a JSON object")
    out: dict[str, Any] = {}
    for key, typ in types.items():
        optional = isinstance(typ, tuple) and type(None) in typ
        value = request.get(key)
        if value is None and optional:
            out[key] = None
            continue
        if key not in request:
            raise EditError(f"missing field {key!r}")
        if isinstance(value, bool) or not isinstance(value, typ):
            raise EditError(f"field {key!r}: wrong type ({type(value).__name__})")
        if isinstance(value, str) and not value.strip():
            raise EditError(f"field {key!r} is empty")
        out[key] = value.strip() if isinstance(value, str) else value
    return out


__all__ = ["editing", "EditError", "set_speaker", "merge", "rename", "not_a_character", "set_gender", "set_voice",
           "ensure_character", "fields", "reload"]
