"""A short two-chapter book with two speakers and a scene break, rendered with real speech, for the
podcast-output tests (tags, loudness, subtitles, feed, serve, m4b), and readers that are not ours."""

from __future__ import annotations

import subprocess
from pathlib import Path

from audiobook.audio.assemble import ffmpeg_exe
from audiobook.pipeline import RenderOptions, RenderReport, render
from audiobook.publish.steps import PublishOptions

TEXT = """The Glass Orchard
by Iris Vale

Summary: Two friends walk through an orchard of glass trees.

Chapter 1: Lanterns

Souta walked into the orchard at dusk. The trees were made of glass, and they rang softly in the wind.

"What happened to her?" Souta asked.

"She left before the frost came," said Hana. "Nobody stopped her."

* * *

Morning came slowly over the hills. The glass leaves caught the light.

"We should go," Hana said.

Chapter 2: The Road

The road was quiet. Souta counted the stones as they walked.

"Are we nearly there?" Souta asked.

"Nearly," said Hana.
"""


def render_book(root: Path, text: str | None = TEXT, **publish: object) -> RenderReport:
    """Render TEXT under `root` (voices, cache and output all inside it); text=None: glass.txt as it is."""
    src = root / "glass.txt"
    if text is not None:
        src.write_text(text, encoding="utf-8")
    return render([src], RenderOptions(voices=root / "voices.yaml", out_dir=root / "output",
                                       cache_dir=root / "cache", publish=PublishOptions(**publish)))  # type: ignore[arg-type]


def ffmetadata(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The file's tags and chapters as ffmpeg (not mutagen) reads them: (global tags, [chapter dicts])."""
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                         capture_output=True, text=True, check=True).stdout
    # Escaped newlines (multi-line values such as lyrics) are joined back before splitting lines.
    lines = out.replace("\\\n", "\n\x00").split("\n")
    sections: list[dict[str, str]] = [{}]
    last = None
    for line in lines:
        if line.startswith("\x00") and last is not None:
            sections[-1][last] += "\n" + line[1:]
            continue
        if line.startswith("[CHAPTER]"):
            sections.append({})
        elif "=" in line and not line.startswith(";"):
            last, value = line.split("=", 1)
            sections[-1][last] = value
    return sections[0], sections[1:]


def ffmpeg_streams(path: Path) -> str:
    """ffmpeg's description of the file's streams (its stderr for `-i`)."""
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
