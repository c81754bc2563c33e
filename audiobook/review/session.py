"""One review session: the book as voices.yaml now makes it, the edits the page asks for, and what they moved."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..attribution.book import describe_issue, override_issues, read_book
from ..attribution.review import override_for
from ..errors import InputError
from ..model import NARRATOR, Book, Chapter, Segment
from ..publish.scriptpage import ChapterAudio, find_rendered, parse_vtt, timings_from_vtt
from ..text.reader import expand_inputs
from ..voices.config import Config, load_config
from . import edits
from .edits import EditError

#: The edits the page can ask for, each with its fields and their types.
OPS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "speaker": {"chapter": int, "segment": int, "text": str, "speaker": str},
    "merge": {"source": str, "target": str},
    "rename": {"old": str, "new": str},
    "not_character": {"name": str},
    "gender": {"name": str, "gender": str},
    "voice": {"name": str, "voice": (str, type(None)), "rate": (int, type(None)), "pitch": (int, type(None))},
}


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the lines whose speaker changed, and a sentence for the page."""

    moved: int
    message: str
    changes: tuple[tuple[str, str, int], ...]  # (from, to, lines), most lines first

    def as_json(self) -> dict[str, Any]:
        """The page's view of the result."""
        return {"ok": True, "moved": self.moved, "message": self.message,
                "changes": [{"from": a, "to": b, "lines": n} for a, b, n in self.changes]}


def _name(speaker: str | None) -> str:
    return speaker or "unknown speaker"


def moved_lines(before: Sequence[Book], after: Sequence[Book]) -> tuple[tuple[str, str, int], ...]:
    """(old speaker, new speaker, lines) for every dialogue line whose speaker changed between two parses."""
    counts: dict[tuple[str, str], int] = {}
    for b0, b1 in zip(before, after):
        for c0, c1 in zip(b0.chapters, b1.chapters):
            by_span = {(s.start, s.end): s.speaker for s in c1.segments if s.kind == "dialogue"}
            for seg in c0.segments:
                span = (seg.start, seg.end)
                if seg.kind == "dialogue" and span in by_span and by_span[span] != seg.speaker:
                    key = (_name(seg.speaker), _name(by_span[span]))
                    counts[key] = counts.get(key, 0) + 1
    return tuple(sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda t: (-t[2], t[0], t[1])))


class Review:
    """The inputs, voices.yaml and the render folder of one `audiobook review` (thread-safe)."""

    def __init__(self, inputs: Sequence[Path], voices: Path, out_dir: Path, *, author: str | None = None,
                 include_front_matter: bool = False) -> None:
        self.paths = expand_inputs(list(inputs))
        self.voices = voices
        self.out_dir = out_dir
        self.author = author
        self.include_front_matter = include_front_matter
        self._lock = threading.Lock()
        self._cache: tuple[bytes | None, Config, list[Book]] | None = None

    def _state(self) -> tuple[bytes | None, Config, list[Book]]:
        """Config and parse for voices.yaml as it is on disk (re-parsed only when the file changed)."""
        try:
            raw: bytes | None = self.voices.read_bytes()
        except FileNotFoundError:
            raw = None
        if self._cache is not None and self._cache[0] == raw:
            return self._cache
        config = load_config(self.voices)
        books = [read_book(p, config.skip, include_front_matter=self.include_front_matter, author=self.author,
                           overrides=config.overrides, aliases=config.aliases(), exclude=config.not_characters)
                 for p in self.paths]
        if not any(b.chapters for b in books):
            raise InputError("nothing to review: the input has no chapters")
        self._cache = (raw, config, books)
        return self._cache

    def current(self) -> tuple[Config, list[Book]]:
        """The config and books as voices.yaml now makes them."""
        with self._lock:
            _, config, books = self._state()
            return config, books

    def chapters(self) -> list[Chapter]:
        """Every chapter of every input, in page order."""
        return [c for b in self.current()[1] for c in b.chapters]

    def audio(self) -> dict[tuple[int, int], ChapterAudio]:
        """The rendered MP3 (and subtitles) of each chapter found in the render folder."""
        return find_rendered(self.current()[1], self.out_dir)

    def timings(self, books: Sequence[Book], key: tuple[int, int],
                found: ChapterAudio) -> dict[int, tuple[float, float]]:
        """Each segment's time in a chapter's render, from its subtitles (none without them)."""
        if found.vtt is None:
            return {}
        try:
            text = found.vtt.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return {}
        return timings_from_vtt(books[key[0]].chapters[key[1]], parse_vtt(text, found.vtt.name))

    def issues(self) -> list[str]:
        """Overrides that match no line or several, as the CLI words them."""
        config, books = self.current()
        found = override_issues(config.overrides, (c.override_hits for b in books for c in b.chapters))
        return [f"{config.where(f'overrides[{i.index}]')}: {describe_issue(i)}" for i in found]

    def script(self) -> list[dict[str, object]]:
        """What `audiobook script --format json` prints for the same inputs and voices.yaml."""
        return [s.as_json() for c in self.chapters() for s in c.segments]

    # ------------------------------------------------------------ edits

    def apply(self, request: Any) -> EditResult:
        """Make one edit the page asked for; EditError (nothing written) when the request is malformed."""
        if not isinstance(request, dict) or not isinstance(request.get("op"), str) or request["op"] not in OPS:
            raise EditError(f"unknown edit: expected 'op' to be one of {', '.join(OPS)}")
        args = edits.fields(request, **OPS[request["op"]])
        with self._lock:
            _, config, before = self._state()
            what = self._edit(request["op"], args, config, before)
            _, _, after = self._state()
        changes = moved_lines(before, after)
        moved = sum(n for _, _, n in changes)
        detail = "; ".join(f"{a} → {b}: {n}" for a, b, n in changes)
        lines = f"{moved} line{'s' if moved != 1 else ''} moved" + (f" ({detail})" if detail else "")
        return EditResult(moved, f"{what}: {lines}.", changes)

    def _edit(self, op: str, args: Mapping[str, Any], config: Config, books: Sequence[Book]) -> str:
        actions: dict[str, Callable[[Any], str]] = {
            "speaker": lambda doc: self._speaker(doc, args, books),
            "merge": lambda doc: f"{args['source']} is now a name of "
                                 f"{edits.merge(doc, config, args['source'], args['target'])}",
            "rename": lambda doc: f"{args['old']} renamed {edits.rename(doc, config, args['old'], args['new'])}",
            "not_character": lambda doc: edits.not_a_character(doc, args["name"]),
            "gender": lambda doc: self._gender(doc, config, args),
            "voice": lambda doc: self._voice(doc, config, args),
        }
        with edits.editing(self.voices) as doc:
            return actions[op](doc)

    def _speaker(self, doc: Any, args: Mapping[str, Any], books: Sequence[Book]) -> str:
        chapters = [(b, c) for b in books for c in b.chapters]
        ci, si = args["chapter"], args["segment"]
        if not 0 <= ci < len(chapters) or not 0 <= si < len(chapters[ci][1].segments):
            raise EditError(f"no line {si} in chapter {ci}: reload the page")
        chapter = chapters[ci][1]
        line: Segment = chapter.segments[si]
        if line.kind != "dialogue" or " ".join(line.text.split()) != " ".join(args["text"].split()):
            raise EditError("that line has changed since the page was loaded: reload the page")
        speaker = NARRATOR if args["speaker"].casefold() in ("narration", NARRATOR.casefold()) else args["speaker"]
        edits.set_speaker(doc, override_for(line, chapter, books, speaker))
        return f"line given to {speaker}" if speaker != NARRATOR else "line read as narration"

    def _gender(self, doc: Any, config: Config, args: Mapping[str, Any]) -> str:
        if args["gender"] not in ("male", "female"):
            raise EditError(f"gender must be male or female, not {args['gender']!r}")
        voice = edits.set_gender(doc, config, args["name"], args["gender"])
        return f"{args['name']} is {args['gender']}, voice {voice.voice}"

    def _voice(self, doc: Any, config: Config, args: Mapping[str, Any]) -> str:
        if all(args[k] is None for k in ("voice", "rate", "pitch")):
            raise EditError("nothing to change: give voice, rate or pitch")
        where = edits.set_voice(doc, config, args["name"], args["voice"], args["rate"], args["pitch"])
        return f"{where} changed"


__all__ = ["Review", "EditResult", "EditError", "moved_lines", "OPS"]
