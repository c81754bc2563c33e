"""`audiobook render`: chapter files in, tagged MP3s out, with a progress bar and a summary."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..attribution.book import describe_issue, override_issues
from ..model import Chapter
from ..pipeline import RenderOptions, default_cache_dir, render
from ..publish.steps import PublishOptions
from ..voices.config import Config, load_config
from .options import (
    author_opt,
    cache_limit_opt,
    describe_voice,
    engine_opt,
    front_opt,
    inputs,
    publish_options,
    title_opt,
    voices_opt,
)

#: Said when neither the text nor --author names an author (the files then have no artist tags).
NO_AUTHOR = ("Warning: the text names no author, so the files have no artist, album artist or author tags; "
             "set one with --author \"NAME\"")


def _duration(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


@click.command(name="render")
@inputs
@voices_opt
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder that receives <book>/<NN - chapter>.mp3.")
@author_opt
@title_opt
@front_opt
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help="Clip cache folder.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the clip cache.")
@cache_limit_opt
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@engine_opt
@publish_options
def render_cmd(inputs: tuple[Path, ...], voices: Path, out_dir: Path, author: str | None, title: str | None,
               include_front_matter: bool, jobs: int | None, cache_dir: Path | None, no_cache: bool,
               cache_limit: int | None, quiet: bool, engine: str | None, publish: PublishOptions) -> None:
    """Render chapter files (or folders of them) into tagged MP3s, one per chapter."""
    options = RenderOptions(voices=voices, out_dir=out_dir, author=author, title=title, engine=engine,
                            cache_dir=cache_dir or default_cache_dir(), use_cache=not no_cache,
                            include_front_matter=include_front_matter, cache_limit=cache_limit, publish=publish)
    if jobs:
        options = replace(options, jobs=jobs)
    bar: Any = None  # a tqdm bar, made on the first progress report
    bar_stage = ""

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar, bar_stage
        if quiet or stage not in ("synthesize", "encode") or total == 0:
            return
        if bar is not None and stage != bar_stage:
            bar.close()
            bar = None
        if bar is None:
            from tqdm import tqdm

            desc, unit = ("Synthesising", "clip") if stage == "synthesize" else ("Encoding", "part")
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
            click.echo(f"  {speaker}: {describe_voice(voice)}")
        report_warnings(ch.chapter)
        check_lines(ch.chapter)
    report_overrides(load_config(voices), [r.chapter for r in report.chapters])
    if report.m4b is not None:
        click.echo(f"{report.m4b[0]}  ({_duration(report.m4b[1])}, the whole book, {len(report.chapters)} chapters)")
    if report.author is None:
        click.echo(NO_AUTHOR, err=True)
    if report.new_speakers:
        click.echo(f"Added to {voices}: {', '.join(report.new_speakers)}")
    click.echo(f"{report.clips_synthesized} of {report.clips_total} clips synthesised, the rest from the cache.")


def check_lines(chapter: Chapter) -> None:
    """Say when lines have no known speaker or contradict the tag beside them (never silently)."""
    if chapter.unknown_lines:
        click.echo(f"  {chapter.unknown_lines} line(s) by an unknown speaker, read in the neutral voice "
                   "(see `audiobook script --review`)")
    for seg in chapter.contradictions:
        click.echo(f"  Check: \u201c{' '.join(seg.text.split())[:60]}\u201d is given to {seg.speaker or 'nobody'}, "
                   "but the tag beside it names someone else")


def report_warnings(chapter: Chapter) -> None:
    """What reading the input noticed (bytes that were not UTF-8...), on stderr (JSON output stays JSON)."""
    for warning in chapter.warnings:
        click.echo(f"Warning: {warning}", err=True)


def report_overrides(config: Config, chapters: Iterable[Chapter]) -> None:
    """Name each override that changed no line or several (on stderr: `script --format json` stays JSON)."""
    for issue in override_issues(config.overrides, (c.override_hits for c in chapters)):
        click.echo(f"Check: {config.where(f'overrides[{issue.index}]')}: {describe_issue(issue)}", err=True)
