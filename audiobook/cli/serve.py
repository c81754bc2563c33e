"""Command-line wiring for podcast output: `audiobook serve` and render's publishing options."""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..publish.feed import DEFAULT_BASE_URL, FEED_NAME
from ..publish.serve import find_book_folder, make_server
from ..publish.steps import FORMATS, PublishOptions


def _lan_address() -> str | None:
    # The address other machines reach us at: the source address of a route outwards (a UDP
    # "connect" sends nothing).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            return str(s.getsockname()[0])
        except OSError:
            return None


@click.command(name="serve")
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("output"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface, for a phone on the same network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--base-url", default=None, help="Public URL of the folder, for the feed's enclosures "
              "(default: the address the podcast app used).")
def serve_cmd(folder: Path, host: str, port: int, base_url: str | None) -> None:
    """Serve a rendered book folder over HTTP with its podcast feed (Ctrl-C stops)."""
    book = find_book_folder(folder)
    server = make_server(book, host, port, base_url)
    shown = base_url or server.url
    if host in ("0.0.0.0", "::") and not base_url:
        lan = _lan_address()
        if lan:
            shown = f"http://{lan}:{server.server_address[1]}/"
    click.echo(f"Serving {book}")
    click.echo(f"Subscribe in a podcast app: {shown.rstrip('/')}/{FEED_NAME}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


def publish_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add render's output options (--cover, --id3v2.3, --format, --base-url, --no-normalize, --year) to a command.

    The command receives them as one `publish: PublishOptions` argument.
    """
    @functools.wraps(command)
    def wrapper(*args: Any, cover: Path | None, id3v23: bool, formats: tuple[str, ...], base_url: str | None,
                no_normalize: bool, year: str | None, **kwargs: Any) -> Any:
        kwargs["publish"] = PublishOptions(cover=cover, id3_version=3 if id3v23 else 4, normalize=not no_normalize,
                                           formats=("mp3",) + tuple(f for f in formats if f != "mp3"),
                                           base_url=base_url, year=year)
        return command(*args, **kwargs)

    for option in reversed([
        click.option("--cover", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Cover image (JPEG/PNG...) for the tags and feed (default: one made from the title)."),
        click.option("--id3v2.3", "id3v23", is_flag=True, help="Write ID3v2.3 tags for old players (default v2.4)."),
        click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
                     help="Also write the whole book as one .m4b (chapter MP3s are always written)."),
        click.option("--base-url", default=None,
                     help=f"URL the book folder will be served at, for feed.xml (default {DEFAULT_BASE_URL})."),
        click.option("--no-normalize", is_flag=True, help="Keep the voices' own levels (no -16 LUFS levelling)."),
        click.option("--year", default=None, help="Year of publication for the tags (e.g. 2024)."),
    ]):
        wrapper = option(wrapper)
    return wrapper
