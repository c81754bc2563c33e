"""The command line: every command is thin wiring over one library call, registered here in one list."""

from __future__ import annotations

from typing import Any

import click

from ..errors import AudiobookError, Interrupted
from .cache import cache_group
from .cast import cast_cmd, preview_cmd, voices_cmd
from .render import render_cmd
from .review import review_cmd
from .script import script_cmd
from .serve import serve_cmd


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



COMMANDS: tuple[click.Command, ...] = (
    render_cmd, script_cmd, voices_cmd, cast_cmd, preview_cmd, serve_cmd, cache_group, review_cmd,
)
for _command in COMMANDS:
    main.add_command(_command)

__all__ = ["main", "COMMANDS"]
