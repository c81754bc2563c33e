"""Command line: parse options, call one library function, print the result."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ..errors import AudiobookError, Interrupted
from ..model import Chapter
from ..pipeline import (
    RenderOptions,
    default_cache_dir,
    read_books,
    render,
    script_chapters,
)
from ..publish.steps import PublishOptions
from ..voices.config import load_config
from .cache import cache_limit_opt
from .serve import publish_options


class _Errors(click.Group):
    """Turns every AudiobookError into one readable line and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Interrupted as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(130)
        except AudiobookError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Errors)
@click.version_option(package_name="audiobook")
def main() -> None:
    """Turn chapters of fiction into multi-voice, tagged MP3 audiobooks."""


_voices_opt = click.option("--voices", "voices", type=click.Path(path_type=Path), default=Path("voices.yaml"),
                           show_default=True, help="Voice cast file (created on first render).")
_author_opt = click.option("--author", help="Author name for the tags (default: from the text).")
_front_opt = click.option("--include-front-matter", is_flag=True,
                          help="Also read the summary, author's notes and other front matter aloud.")
_inputs = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))


def _duration(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


@main.command(name="render")
@_inputs
@_voices_opt
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder that receives <book>/<NN - chapter>.mp3.")
@_author_opt
@_front_opt
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help="Clip cache folder.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the clip cache.")
@cache_limit_opt
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@publish_options
def render_cmd(inputs: tuple[Path, ...], voices: Path, out_dir: Path, author: str | None, include_front_matter: bool,
               jobs: int | None, cache_dir: Path | None, no_cache: bool, cache_limit: int | None, quiet: bool,
               publish: PublishOptions) -> None:
    """Render chapter files (or folders of them) into tagged MP3s, one per chapter."""
    options = RenderOptions(voices=voices, out_dir=out_dir, author=author, cache_dir=cache_dir or default_cache_dir(),
                            use_cache=not no_cache, include_front_matter=include_front_matter,
                            cache_limit=cache_limit, publish=publish, **({"jobs": jobs} if jobs else {}))
    bar = None
    bar_stage = ""

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar, bar_stage
        if quiet or stage not in ("synthesize", "assemble") or total == 0:
            return
        if bar is not None and stage != bar_stage:
            bar.close()
            bar = None
        if bar is None:
            from tqdm import tqdm

            desc, unit = ("Synthesising", "clip") if stage == "synthesize" else ("Encoding", "chapter")
            bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)
            bar_stage = stage
        bar.n = done
        bar.refresh()

    try:
        report = render(list(inputs), options, progress)
    finally:
        if bar is not None:
            bar.close()
    for ch in report.chapters:
        click.echo(f"{ch.path}  ({_duration(ch.duration_ms)}, track {ch.track}/{ch.total})")
        for speaker, voice in ch.voices:
            click.echo(f"  {speaker}: {voice.voice} (rate {voice.rate}, pitch {voice.pitch})")
        _check_lines(ch.chapter)
    if report.new_speakers:
        click.echo(f"Added to {voices}: {', '.join(report.new_speakers)}")
    click.echo(f"{report.clips_synthesized} of {report.clips_total} clips synthesised, the rest from the cache.")


def _check_lines(chapter: Chapter) -> None:
    """Say when lines have no known speaker or contradict the tag beside them (never silently)."""
    if chapter.unknown_lines:
        click.echo(f"  {chapter.unknown_lines} line(s) by an unknown speaker, read in the neutral voice "
                   "(see `audiobook script --review`)")
    for seg in chapter.contradictions:
        click.echo(f"  Check: \u201c{' '.join(seg.text.split())[:60]}\u201d is given to {seg.speaker or 'nobody'}, "
                   "but the tag beside it names someone else")


@main.command(name="script")
@_inputs
@_voices_opt
@_author_opt
@_front_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--review", is_flag=True, help="List the least certain dialogue lines with overrides to paste.")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="Lines to list with --review.")
@click.option("--html", "html_page", is_flag=True, help="Write a colour-coded HTML script page (plays the render).")
@click.option("-o", "--output", "page", type=click.Path(path_type=Path), default=None,
              help="HTML page path (default: beside the rendered MP3s in --output-dir/<book>/).")
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Where `render` wrote the MP3s (the page's player uses them).")
def script_cmd(inputs: tuple[Path, ...], voices: Path, author: str | None, include_front_matter: bool,
               fmt: str, review: bool, limit: int, html_page: bool, page: Path | None, output_dir: Path) -> None:
    """Show the attributed script: who says what."""
    config = load_config(voices)
    if review or html_page:
        from ..attribution import review as rv
        from ..publish import scriptpage

        books = read_books(list(inputs), config, author=author, include_front_matter=include_front_matter)
        if review:
            click.echo(rv.format_review(rv.review_items(books, limit), voices.name))
        if html_page:
            path, played = scriptpage.write_script_page(books, page, out_dir=output_dir)
            click.echo(f"Wrote {path}" + (f" (player for {played} rendered chapter(s))" if played else
                                          f" (no render found in {output_dir}: no player)"))
        return
    # Printed chapter by chapter as each is parsed: a whole book's script is never held in memory.
    chapters = script_chapters(list(inputs), config, author=author, include_front_matter=include_front_matter)
    if fmt == "json":
        _echo_json_array(seg.as_json() for chapter in chapters for seg in chapter.segments)
        return
    for chapter in chapters:
        click.echo(f"== {chapter.title} ==")
        for seg in chapter.segments:
            text = " ".join(seg.text.split())
            if seg.kind == "narration":
                click.echo(f"  {text}")
            else:
                click.echo(f"{seg.speaker or '(unknown)'}: “{text}”")
        _check_lines(chapter)
        click.echo("")


def _echo_json_array(items: Iterable[object]) -> None:
    """Print a JSON array item by item, exactly as json.dumps(list(items), indent=1) would."""
    first = True
    for item in items:
        body = json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n ")
        click.echo(("[\n " if first else ",\n ") + body, nl=False)
        first = False
    click.echo("[]" if first else "\n]")


from .cache import cache_group  # noqa: E402  (registered here, defined in its own module)

main.add_command(cache_group)

from .cast import COMMANDS as _cast_commands  # noqa: E402  (voices, cast, preview)

for _command in _cast_commands:
    main.add_command(_command)

from .serve import serve_cmd  # noqa: E402  (podcast feed server)

main.add_command(serve_cmd)
