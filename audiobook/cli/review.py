"""`audiobook review`: a local web page to fix who says what; every change is written to voices.yaml."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from ..review.server import make_server
from ..review.session import Review
from .options import author_opt, front_opt, inputs, voices_opt


@click.command(name="review")
@inputs
@voices_opt
@author_opt
@front_opt
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Where `render` wrote the MP3s (the page plays them).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening a browser.")
def review_cmd(inputs: tuple[Path, ...], voices: Path, author: str | None, include_front_matter: bool,
               output_dir: Path, port: int, no_browser: bool) -> None:
    """Fix the cast in a web page: reassign lines, merge, rename, re-voice (Ctrl-C stops)."""
    review = Review(list(inputs), voices, output_dir, author=author, include_front_matter=include_front_matter)
    review.current()  # parse once now: a bad input or voices.yaml is an error here, not in the browser
    server = make_server(review, port)
    click.echo(f"Reviewing {', '.join(map(str, inputs))}; changes go to {voices}")
    click.echo(f"Open {server.url}  (Ctrl-C stops)")
    if not no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()
