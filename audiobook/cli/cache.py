"""`audiobook cache info|clear`: the command-line face of audiobook.cache."""

from __future__ import annotations

from pathlib import Path

import click

from ..audio.cache import LIMIT_ENV, cache_info, clear_cache, human_size
from ..pipeline import default_cache_dir

_dir_opt = click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
                        help="Clip cache folder (default: the user's cache folder).")


@click.group(name="cache")
def cache_group() -> None:
    """Inspect or empty the clip cache (synthesised sentences reused by later renders)."""


@cache_group.command(name="info")
@_dir_opt
def info_cmd(cache_dir: Path | None) -> None:
    """Where the cache is, how many clips it holds and its size limit."""
    info = cache_info(cache_dir or default_cache_dir())
    click.echo(f"Cache folder: {info.root}")
    click.echo(f"Clips: {info.clips} ({human_size(info.bytes)})")
    click.echo(f"Size limit: {human_size(info.limit)} (set {LIMIT_ENV}, e.g. {LIMIT_ENV}=500M; "
               "least recently used clips are removed after a render)")
    click.echo(f"Rendered chapters remembered: {info.renders}")
    if info.temp_files:
        click.echo(f"Half-written clips: {info.temp_files} (removed by the next render once their writer has gone)")


@cache_group.command(name="clear")
@_dir_opt
def clear_cmd(cache_dir: Path | None) -> None:
    """Delete every cached clip (the next render synthesises everything again)."""
    root = cache_dir or default_cache_dir()
    removed, freed = clear_cache(root)
    click.echo(f"Removed {removed} clips ({human_size(freed)}) from {root}.")
