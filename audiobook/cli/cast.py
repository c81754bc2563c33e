"""CLI commands for casting: `voices`, `cast`, `preview` (wiring only; the work is in castsheet/preview)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ..voices.castsheet import cast_sheet, measured_catalogue, voice_catalogue, write_cast
from ..voices.config import load_config
from .options import describe_voice, engine_opt, voices_opt


@click.command(name="voices")
@click.option("--engine", default="espeak", show_default=True, help="Speech engine (espeak, piper or kokoro).")
@click.option("--lang", default=None, help="Language prefix, e.g. en or en-gb.")
@click.option("--gender", type=click.Choice(["male", "female"]), default=None, help="Only variants of this gender.")
@click.option("--voices", "voices", type=click.Path(path_type=Path), default=Path("voices.yaml"), show_default=True,
              help="Voice cast file whose `piper: voices:` folder to list too.")
def voices_cmd(engine: str, lang: str | None, gender: str | None, voices: Path) -> None:
    """List the voices the engine offers."""
    load_config(voices)  # its `piper: {voices: DIR}` folder is searched too
    cat = voice_catalogue(engine, lang=lang, gender=gender)  # type: ignore[arg-type]
    if engine != "espeak":  # neural voices: measured (once, cached) for their pitch and the gender it suggests
        rows = [(v.id, v.name, g or "?", f"{f0:.0f} Hz") for v, g, f0 in measured_catalogue(cat)
                if gender is None or g in (None, gender)]
        widths = [max((len(r[i]) for r in rows), default=0) for i in range(3)]
        for row in rows:
            click.echo("  ".join(x.ljust(w) for x, w in zip(row, widths)) + "  " + row[3])
        if not rows:
            click.echo(f"No {engine} voices" + (f" for language {lang}" if lang else ""))
        return
    if not gender:
        width = max((len(v.id) for v in cat.voices), default=0)
        for v in cat.voices:
            click.echo(f"{v.id:<{width}}  {v.name}")
        if not cat.voices:
            click.echo(f"No {engine} voices" + (f" for language {lang}" if lang else ""))
    example = next((v.id for v in cat.voices if v.id == "gmw/en-us"), cat.voices[0].id if cat.voices else "gmw/en-us")
    for key, names in cat.variants.items():
        click.echo(f"\n{key} variants (add +NAME to a voice id, e.g. {example}+{names[0]}):")
        click.echo("  " + " ".join(names))


@click.command(name="cast")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@voices_opt
@click.option("--author", help="Author name (never cast as a speaker).")
@click.option("--write", is_flag=True, help="Add the new speakers to voices.yaml.")
@engine_opt
def cast_cmd(inputs: tuple[Path, ...], voices: Path, author: str | None, write: bool, engine: str | None) -> None:
    """Show every speaker (lines, words, gender, voice); --write adds new ones to voices.yaml."""
    config, rows = cast_sheet(list(inputs), voices, author=author, engine=engine)
    header = ("speaker", "lines", "words", "gender", "voice")
    table = [(r.name + (" (new)" if r.new else ""), str(r.lines), str(r.words),
              (r.gender or "?") + (f", {r.age}" if r.age else "")
              + (f" ({r.gender_evidence})" if r.gender_evidence else ""),
              describe_voice(r.voice) + (f" [{r.voice.engine}]" if r.voice.engine != config.engine else ""))
             for r in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *table)]
    for row in [header, *table]:
        click.echo("  ".join(x.ljust(w) if i in (0, 3, 4) else x.rjust(w) for i, (x, w) in enumerate(zip(row, widths)))
                   .rstrip())
    click.echo(f"narrator: {describe_voice(config.narrator)}"
               + (f" [{config.narrator.engine}]" if config.narrator.engine != config.engine else ""))
    if write:
        added = write_cast(config, rows)
        click.echo(f"Added to {voices}: {', '.join(added)}" if added else f"{voices} already casts everyone.")
    elif any(r.new for r in rows):
        click.echo(f"Run with --write to add the new speakers to {voices}.")


@click.command(name="preview")
@click.argument("name")
@voices_opt
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Write the sample MP3 here (and do not play it).")
@click.option("--text", default=None, help="The line to say (default: a sample line).")
@engine_opt
def preview_cmd(name: str, voices: Path, output: Path | None, text: str | None, engine: str | None) -> None:
    """Say a sample line in NAME's voice (a character, 'narrator', or a defaults key)."""
    from ..voices.preview import NothingPlayed, no_player_message, play_any, render_preview
    from ..voices.switch import on_engine

    config = on_engine(load_config(voices), engine)
    if output is not None:
        click.echo(f"Wrote {render_preview(config, name, output, text=text)}")
        return
    with tempfile.TemporaryDirectory(prefix="audiobook-preview-") as scratch:
        dest = render_preview(config, name, Path(scratch) / "preview.mp3", text=text)
        used, tried = play_any(dest)
        if used is not None:
            click.echo(f"Played {name}'s sample with {used}.")
            return
        kept = Path(f"preview-{name}.mp3".replace("/", "_"))
        kept.write_bytes(dest.read_bytes())
    raise NothingPlayed(no_player_message(tried, kept))

