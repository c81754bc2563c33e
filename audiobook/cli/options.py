"""Options shared by several commands, each defined once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..audio.cache import LIMIT_ENV, parse_size
from ..model import Voice
from ..publish.feed import DEFAULT_BASE_URL
from ..publish.steps import FORMATS, PublishOptions

voices_opt = click.option("--voices", "voices", type=click.Path(path_type=Path), default=Path("voices.yaml"),
                           show_default=True, help="Voice cast file (created on first render).")
author_opt = click.option("--author", help="Author name for the tags (default: from the text).")
title_opt = click.option("--title", help="Book title for the tags, the folder and the feed (default: from the text).")
front_opt = click.option("--include-front-matter", is_flag=True,
                          help="Also read the summary, author's notes and other front matter aloud.")
# `script` shows the text rather than speaking it: the same options, described for what they do there.
script_author_opt = click.option("--author", help="Author name, when the text does not give one (shown on the "
                                                  "--html page; lines naming the author are not taken for speech).")
script_front_opt = click.option("--include-front-matter", is_flag=True,
                                help="Also show the summary, author's notes and other front matter in the script, "
                                     "as `render --include-front-matter` would read them.")
engine_opt = click.option(
    "--engine", default=None, metavar="NAME",
    help="Try the cast on another speech engine (espeak, piper...) without changing voices.yaml: voices without "
         "an `engine:` of their own whose id the engine lacks are cast again on it.")
inputs = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))



def describe_voice(voice: Voice) -> str:
    """'gmw/en-us (rate 170, pitch 45)', with the engine's own settings when set, for listings."""
    extra = "".join(f", {k} {getattr(voice, k):g}" for k in ("length_scale", "noise_scale")
                    if getattr(voice, k) is not None)
    return f"{voice.voice} (rate {voice.rate}, pitch {voice.pitch}{extra})"


def size_option(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """click callback: a size such as 2G or 500M, in bytes (a bad one is a ConfigError, like any other)."""
    if value is None:
        return None
    return parse_size(value, where=f"--{(param.name or 'size').replace('_', '-')}")


cache_limit_opt = click.option(
    "--cache-limit", callback=size_option, default=None, metavar="SIZE",
    help=f"Clip cache size limit, e.g. 500M or 4G (default: ${LIMIT_ENV}, else 2G).")


def publish_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add render's output options (--cover, --id3v2.3, --format, --base-url, --no-normalize, --year) to a command.

    The command receives them as one `publish: PublishOptions` argument.
    """
    @functools.wraps(command)
    def wrapper(*args: Any, cover: Path | None, id3v23: bool, formats: tuple[str, ...], m4b: bool,
                base_url: str | None, no_normalize: bool, year: str | None, **kwargs: Any) -> Any:
        chosen = tuple(formats) + (("m4b",) if m4b else ())
        # No --format/--m4b: the `format:` of voices.yaml decides (the render resolves an empty tuple so).
        kwargs["publish"] = PublishOptions(cover=cover, id3_version=3 if id3v23 else 4, normalize=not no_normalize,
                                           formats=("mp3",) + tuple(dict.fromkeys(f for f in chosen if f != "mp3"))
                                           if chosen else (), base_url=base_url, year=year)
        return command(*args, **kwargs)

    for option in reversed([
        click.option("--cover", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Cover image (JPEG/PNG...) for the tags and feed (default: one made from the title)."),
        click.option("--id3v2.3", "id3v23", is_flag=True, help="Write ID3v2.3 tags for old players (default v2.4)."),
        click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
                     help="Outputs (repeatable): mp3 (a file per chapter, always written) and m4b (also the whole book "
                          "as one .m4b audiobook). Overrides `format:` in voices.yaml: `--format mp3` writes no .m4b."),
        click.option("--m4b", is_flag=True, help="Also write the whole book as one .m4b (as --format m4b)."),
        click.option("--base-url", default=None,
                     help=f"URL the book folder will be served at, for feed.xml (default {DEFAULT_BASE_URL})."),
        click.option("--no-normalize", is_flag=True, help="Keep the voices' own levels (no -16 LUFS levelling)."),
        click.option("--year", default=None, help="Year of publication for the tags (e.g. 2024)."),
    ]):
        wrapper = option(wrapper)
    return wrapper
