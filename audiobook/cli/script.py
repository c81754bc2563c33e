"""`audiobook script`: who says what, as text, JSON, a review list or an HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import click

from ..model import Chapter
from ..pipeline import read_books, script_chapters
from ..voices.config import load_config
from .options import inputs, script_author_opt, script_front_opt, voices_opt
from .render import check_lines, report_overrides, report_warnings


@click.command(name="script")
@inputs
@voices_opt
@script_author_opt
@script_front_opt
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
        for chapter in (c for b in books for c in b.chapters):
            report_warnings(chapter)
        if review:
            click.echo(rv.format_review(rv.review_items(books, limit), voices.name))
        if html_page:
            path, played = scriptpage.write_script_page(books, page, out_dir=output_dir)
            click.echo(f"Wrote {path}" + (f" (player for {played} rendered chapter(s))" if played else
                                          f" (no render found in {output_dir}: no player)"))
        report_overrides(config, (c for b in books for c in b.chapters))
        return
    # Printed chapter by chapter as each is parsed: a whole book's script is never held in memory.
    seen: list[Chapter] = []  # only their override counts are used; the segments go when printed
    chapters = _noting(script_chapters(list(inputs), config, author=author,
                                       include_front_matter=include_front_matter), seen)
    if fmt == "json":
        _echo_json_array(seg.as_json() for chapter in chapters for seg in chapter.segments)
        report_overrides(config, seen)
        return
    for chapter in chapters:
        click.echo(f"== {chapter.title} ==")
        for seg in chapter.segments:
            text = " ".join(seg.text.split())
            if seg.kind == "narration":
                click.echo(f"  {text}")
            else:
                click.echo(f"{seg.speaker or '(unknown)'}: “{text}”")
        check_lines(chapter)
        click.echo("")
    report_overrides(config, seen)


def _noting(chapters: Iterable[Chapter], seen: list[Chapter]) -> Iterator[Chapter]:
    """Pass chapters through (saying their warnings), keeping a segment-free copy of each in `seen`."""
    for chapter in chapters:
        report_warnings(chapter)
        seen.append(replace(chapter, segments=(), characters=(), contradictions=()))
        yield chapter


def _echo_json_array(items: Iterable[object]) -> None:
    """Print a JSON array item by item, exactly as json.dumps(list(items), indent=1) would."""
    first = True
    for item in items:
        body = json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n ")
        click.echo(("[\n " if first else ",\n ") + body, nl=False)
        first = False
    click.echo("[]" if first else "\n]")
