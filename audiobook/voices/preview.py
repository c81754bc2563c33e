"""`audiobook preview NAME`: a sample line in one speaker's voice, as an MP3, played if a player exists."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..audio.assemble import Spoken, encode, ffmpeg_exe
from ..audio.speech import speakable
from ..audio.synth import ClipStore, chunk_text, synthesize
from ..engines import check_voice, use_cache
from ..errors import ConfigError
from ..model import NARRATOR, ClipJob, Segment, Voice
from .config import Config

#: Command lines that play an audio file and exit, in order of preference.
PLAYERS = (("ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"), ("paplay",), ("aplay", "-q"), ("afplay",))


def sample_text(name: str) -> str:
    """The line a speaker says in a preview."""
    if name == NARRATOR:
        return "It was late in the evening when the last ferry left the harbour, and nobody on board said a word."
    return f"My name is {name}. This is how I sound in your audiobook: do you like it?"


def voice_of(config: Config, name: str) -> tuple[str, Voice]:
    """The voice a name stands for: the narrator, a character (or alias), or a `defaults` key."""
    if name.casefold() in ("narrator", NARRATOR.casefold()):
        return NARRATOR, config.narrator
    entry = config.lookup(name)
    if entry is not None:
        return entry.name, entry.voice
    if name in config.defaults:
        return name, config.defaults[name]
    known = ", ".join(["narrator", *config.characters, *config.defaults])
    raise ConfigError(f"{config.path.name}: no voice for {name!r} (known: {known})")


def render_preview(config: Config, name: str, dest: Path, *, text: str | None = None,
                   cache_dir: Path | None = None) -> Path:
    """Write an MP3 of `text` (default: a sample line) in `name`'s voice to `dest`; returns dest."""
    if cache_dir is None:
        return _preview(config, name, dest, text)
    with use_cache(cache_dir):  # engines' files (kokoro's model) go there too
        return _preview(config, name, dest, text, cache_dir)


def _preview(config: Config, name: str, dest: Path, text: str | None, cache_dir: Path | None = None) -> Path:
    """render_preview, with the engines' cache folder already chosen."""
    speaker, voice = voice_of(config, name)
    key = "narrator" if speaker == NARRATOR else (f"characters.{speaker}" if speaker in config.characters
                                                  else f"defaults.{speaker}")
    voice = check_voice(voice, config.where(f"{key}.voice"))
    line = text or sample_text(speaker)
    jobs = [ClipJob(t, voice) for t in chunk_text(speakable(line, config.pronounce))]
    with tempfile.TemporaryDirectory(prefix="audiobook-preview-") as scratch:
        store = ClipStore(cache_dir or Path(scratch))
        clips, _ = synthesize(jobs, store, workers=1)
        seg = Segment("dialogue", line, 0, len(line), speaker)
        dest.parent.mkdir(parents=True, exist_ok=True)
        encode([Spoken(seg, tuple(clips))], dest, pauses=config.pauses, bitrate=config.bitrate)
    return dest


def find_players() -> list[tuple[str, ...]]:
    """Every audio player found on PATH (ffplay, paplay, aplay, afplay), in order, as command prefixes."""
    found = []
    for cmd in PLAYERS:
        exe = shutil.which(cmd[0])
        if exe:
            found.append((exe, *cmd[1:]))
    return found


def find_player() -> tuple[str, ...] | None:
    """The first audio player found on PATH, as a command prefix."""
    players = find_players()
    return players[0] if players else None


def play(path: Path, player: tuple[str, ...] | None = None) -> bool:
    """Play an audio file with `player` (default: the first found); False when there is none or it fails.

    aplay and paplay read WAV only: for them the MP3 is first decoded to a temporary WAV with ffmpeg.
    """
    player = player or find_player()
    if player is None:
        return False
    name = Path(player[0]).name
    with tempfile.TemporaryDirectory(prefix="audiobook-play-") as scratch:
        target = path
        if name in ("aplay", "paplay"):
            target = Path(scratch) / "preview.wav"
            done = subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(path), str(target)],
                                  capture_output=True)
            if done.returncode != 0:
                return False
        try:
            return subprocess.run([*player, str(target)], capture_output=True).returncode == 0
        except OSError:
            return False


def play_any(path: Path, players: list[tuple[str, ...]] | None = None) -> tuple[str | None, tuple[str, ...]]:
    """Try each player until one plays the file: (the one that did or None, the names of those tried)."""
    tried: list[str] = []
    for player in find_players() if players is None else players:
        tried.append(Path(player[0]).name)
        if play(path, player):
            return tried[-1], tuple(tried)
    return None, tuple(tried)


class NothingPlayed(ConfigError):
    """No audio player could play the preview (none installed, or no sound device): the file was kept."""


def no_player_message(tried: tuple[str, ...], kept: Path) -> str:
    """What `preview` says when nothing could play the sample."""
    if not tried:
        return (f"no audio player found ({', '.join(p[0] for p in PLAYERS)}): the sample is saved as {kept}; "
                "play it yourself, or use -o FILE")
    return f"no audio player could play the sample (tried {', '.join(tried)}): it is saved as {kept}"


__all__ = ["render_preview", "voice_of", "sample_text", "find_player", "find_players", "play", "play_any",
           "NothingPlayed", "no_player_message"]
