"""Command-line wiring for podcast output: `audiobook serve` and render's publishing options."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from ..publish.feed import FEED_NAME
from ..publish.serve import find_book_folder, make_server


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
