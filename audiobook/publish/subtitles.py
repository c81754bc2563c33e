"""Sidecar subtitles beside each chapter MP3: WebVTT (speaker as a `<v>` voice tag) and SubRip.

One cue per sentence (the spoken chapter title first, at 0), timed by the chapter's timeline (the
clips' real lengths), so a player or the script page follows the audio exactly; a cue is a
sentence long, so longer than ~8 s only where one sentence is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import OutputError
from ..fsutil import atomic_output
from ..model import NARRATOR, Cue
from .tags import speaker_label


def _stamp(ms: int, sep: str) -> str:
    ms = max(0, ms)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(cue: Cue) -> str:
    # A cue's text must not contain a blank line (it would end the cue) nor "-->".
    return " ".join((cue.text or cue.segment.text).split()).replace("-->", "->")


def _timed(cues: Sequence[Cue]) -> list[Cue]:
    return [c for c in cues if c.end_ms > c.start_ms and _text(c)]


def vtt(cues: Sequence[Cue]) -> str:
    """A WebVTT document: a cue per sentence (or segment), `<v Name>` naming who speaks (the narrator too)."""
    out = ["WEBVTT", ""]
    for n, cue in enumerate(_timed(cues), 1):
        who = speaker_label(cue.segment) or NARRATOR
        # In a voice tag's annotation, '>' would end the tag; & and < must be escaped too.
        out += [str(n), f"{_stamp(cue.start_ms, '.')} --> {_stamp(cue.end_ms, '.')}",
                f"<v {_escape(who)}>{_escape(_text(cue))}", ""]
    return "\n".join(out)


def srt(cues: Sequence[Cue]) -> str:
    """A SubRip document: a cue per sentence (or segment), dialogue prefixed with the speaker's name."""
    out = []
    for n, cue in enumerate(_timed(cues), 1):
        who = speaker_label(cue.segment)
        text = _text(cue)
        out += [str(n), f"{_stamp(cue.start_ms, ',')} --> {_stamp(cue.end_ms, ',')}",
                f"{who}: {text}" if who and who != NARRATOR else text, ""]
    return "\n".join(out)


def write_subtitles(audio: Path, cues: Sequence[Cue]) -> tuple[Path, Path]:
    """Write `<audio stem>.vtt` and `.srt` beside the audio file, each atomically; returns both paths."""
    written = []
    for suffix, text in ((".vtt", vtt(cues)), (".srt", srt(cues))):
        dest = audio.with_suffix(suffix)
        try:
            if dest.is_file() and dest.read_text(encoding="utf-8") == text:
                written.append(dest)  # unchanged: keep the file (and its time) as it is
                continue
            with atomic_output(dest) as tmp:
                tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
        written.append(dest)
    return written[0], written[1]
