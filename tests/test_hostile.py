"""Hostile inputs (issue 16): every defect the probes found, reproduced, each a clear error or a right answer.

Numbers in the test names are the issue's. Serve's hostile requests are in test_hostile_serve.py,
the fuzz tests in test_fuzz.py.
"""

from __future__ import annotations

import errno
import io
import os
import resource
import stat
import subprocess
import sys
import time
import warnings
import zlib
from pathlib import Path

import feedparser
import pytest
from hostile import cli, parts, time_limit
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from mutagen.id3 import ID3

from audiobook import fsutil
from audiobook.cleantext import clean_block, clean_line
from audiobook.errors import ConfigError, InputError, OutputError
from audiobook.model import NARRATOR, Chapter, Character, Segment, Voice
from audiobook.pipeline import check_config_voices, plan
from audiobook.publish.cover import prepare_cover
from audiobook.voices.autocast import cast
from audiobook.voices.castsheet import cast_sheet, write_cast
from audiobook.voices.config import (
    CharacterVoice,
    Config,
    add_characters,
    load_config,
    read_document,
    write_document,
)
from audiobook.voices.yamlfile import check_depth

CHAPTER = 'Chapter One\n\n"Hello there," said Anna.\n\n"Hi," said Ben.\n'
CAST = "characters:\n  Anna:\n    voice: gmw/en-us+f3\n  Ben:\n    voice: gmw/en-us+m3\n"


@pytest.fixture
def chapter(tmp_path: Path) -> Path:
    path = tmp_path / "ch.txt"
    path.write_text(CHAPTER, encoding="utf-8")
    return path


def _render(tmp_path: Path, *args: str | Path) -> tuple[int, str]:
    result = cli("render", "-q", "-j", "1", "--cache-dir", tmp_path / "cache", *args, seconds=120)
    return result.exit_code, result.output


# --- 3: control characters in metadata ----------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "block"), [
    ("Ann\x0bSmith", "Ann Smith", "AnnSmith"),
    ("A\x01B", "A B", "AB"),
    ("  Tab\there\r\nnext  ", "Tab here next", "Tab\there\nnext"),
    ("bad \udcff bytes", "bad bytes", "bad  bytes"),
    ("non\ufffechar\U0010ffff", "non char", "nonchar"),
    ("\x00\x1f\x7f\x9f", None, None),
    ("Zoë’s café 李", "Zoë’s café 李", "Zoë’s café 李"),
])
def test_3_clean_text(text: str, line: str | None, block: str | None) -> None:
    assert (clean_line(text), clean_block(text)) == (line, block)


@given(st.text())
def test_3_cleaned_text_is_valid_xml_and_utf8(text: str) -> None:
    for cleaned in (clean_line(text), clean_block(text)):
        if cleaned is not None:
            cleaned.encode("utf-8")
            etree.Element("x").text = cleaned  # lxml refuses anything XML 1.0 cannot hold
    assert "\n" not in (clean_line(text) or "")


def test_3_a_control_character_in_the_author_never_reaches_tags_feed_or_names(tmp_path: Path) -> None:
    src = tmp_path / "p1.txt"
    src.write_bytes(b'The Poison Book\nby Ann\x0bSmith\n\nChapter One\n\n"Hello," said Bob.\n')
    out = tmp_path / "out"
    for _ in range(2):  # the second render into the same folder must work too
        code, output = _render(tmp_path, src, "--voices", tmp_path / "voices.yaml", "-o", out)
        assert code == 0, output
    folder = out / "The Poison Book"
    tags = ID3(folder / "01 - Chapter One.mp3")
    assert (str(tags["TPE1"]), str(tags["TALB"])) == ("Ann Smith", "The Poison Book")
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.author == "Ann Smith" and feed.feed.title == "The Poison Book"


def test_3_a_control_character_in_author_option_is_cleaned(tmp_path: Path, chapter: Path) -> None:
    code, output = _render(tmp_path, chapter, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out",
                           "--author", "A\x01B\x1b[31m")
    assert code == 0, output
    tags = ID3(tmp_path / "out" / "ch" / "01 - Chapter One.mp3")
    assert str(tags["TPE1"]) == "A B [31m"
    assert not feedparser.parse((tmp_path / "out" / "ch" / "feed.xml").read_bytes()).bozo


# --- 4: YAML alias bomb; values in messages are bounded --------------------------------------------

def _bomb(levels: int = 9) -> str:
    inner = "[lol,lol,lol,lol,lol,lol,lol,lol,lol]"
    for i in range(1, levels):
        inner = f"&a{i} {inner}" if i == 1 else inner
        inner = f"[{inner}{(',*a' + str(i)) * 8}]"
        if i + 1 < levels:
            inner = f"&a{i + 1} {inner}"
    return inner


@pytest.mark.parametrize(("template", "key"), [
    ("bitrate: {}\n", "bitrate"),
    ("narrator:\n  voice: gmw/en-us\n  pitch: {}\n", "narrator"),
    ("pronounce:\n  Anna: {}\n", "pronounce"),
    ("narrator:\n  voice: {}\n", "narrator"),
])
def test_4_an_alias_bomb_is_refused_at_once(tmp_path: Path, chapter: Path, template: str, key: str) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text(template.format(_bomb()), encoding="utf-8")
    assert len(voices.read_bytes()) < 400
    for command in ("script", "render"):
        result = cli(command, chapter, "--voices", voices, seconds=10)
        assert (result.exit_code, result.output) == (
            1, f"Error: voices.yaml, line 1: {key}: aliases (*name) expand to more than 10000 values; "
               "write the values out instead\n")


def test_4_a_few_aliases_are_fine(tmp_path: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("narrator: &n\n  voice: gmw/en-us\n  rate: 170\ncharacters:\n  Anna: *n\n  Ben:\n"
                      "    <<: *n\n    rate: 180\n", encoding="utf-8")
    config = load_config(voices)
    assert config.characters["Anna"].voice == config.narrator and config.characters["Ben"].voice.rate == 180


@pytest.mark.parametrize(("text", "message"), [
    ("bitrate: " + "x" * 100_000 + "\n",
     "voices.yaml, line 1: bitrate: '" + "x" * 58 + "\u2026 is not an MP3 bitrate "
     "(32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)"),
    ("bitrate: 1" + "0" * 5000 + "\n", "voices.yaml: malformed YAML: a number with more than 4300 digits"),
    ("bitrate: 1" + "0" * 4000 + "\n", "voices.yaml, line 1: bitrate: a number of over 300 digits is not an MP3 "
                                        "bitrate (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)"),
    ("narrator:\n  voice: gmw/en-us\n  pitch: [" + ",".join(["1"] * 10_000) + "]\n",
     "voices.yaml, line 3: narrator.pitch: expected a whole number, got [" + "1, " * 19 + "1\u2026"),
    ("characters:\n  " + "N" * 1000 + ":\n    voice: 5\n",
     "voices.yaml, line 3: characters." + "N" * 108 + "\u2026: expected a string, got 5"),
    ("Q" * 1000 + ": 1\n", "voices.yaml, line 1: " + "Q" * 39 + "\u2026: unknown key (expected one of: engine, "
                             "bitrate, format, narrator, defaults, characters, overrides, pronounce, pauses, skip, not_characters, piper, kokoro)"),
    ("a: *" + "u" * 50_000 + "\n", "voices.yaml, line 1, column 4: malformed YAML: found undefined alias '"
                                   + "u" * 176 + "\u2026"),
    ("[" * 5000 + "]" * 5000 + "\n", "voices.yaml, line 1: malformed YAML: nested too deeply (over 100 levels of "
                                    "[ and {)"),
    ("narrator:\n  voice: gmw/en-us\n  x: " + "{a: " * 101 + "}" * 101 + "\n",
     "voices.yaml, line 3: malformed YAML: nested too deeply (over 100 levels of [ and {)"),
    ("narrator: !!binary AAA\n", "voices.yaml, line 1, column 11: malformed YAML: failed to decode base64 data: "
                                 "Incorrect padding"),
    ("narrator: !!timestamp 2024-13-45\n", "voices.yaml: malformed YAML: month must be in 1..12"),
    ("narrator: !!python/object:os.system x\n", "voices.yaml, line 1: narrator: expected a mapping, got <TaggedScalar>"),
])
def test_4_values_shown_in_messages_are_bounded(tmp_path: Path, chapter: Path, text: str, message: str) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text(text, encoding="utf-8")
    result = cli("script", chapter, "--voices", voices, seconds=30)
    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert len(message) < 400


# --- 5, 8, 9: rewriting voices.yaml -------------------------------------------------------------------

def _cast_write(chapter: Path, voices: Path) -> tuple[int, str]:
    """`cast --write`: its exit code and last line (the table comes first)."""
    result = cli("cast", chapter, "--voices", voices, "--write")
    return result.exit_code, result.output.splitlines(keepends=True)[-1]


@pytest.mark.parametrize("mode", [0o664, 0o600, 0o640, 0o755])
def test_5_rewriting_keeps_the_mode(tmp_path: Path, chapter: Path, mode: int) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# my cast\nbitrate: 64\n", encoding="utf-8")
    voices.chmod(mode)
    assert _cast_write(chapter, voices)[0] == 0
    assert stat.S_IMODE(voices.stat().st_mode) == mode
    assert "Anna:" in voices.read_text(encoding="utf-8")


def test_5_a_symlinked_voices_yaml_is_written_through(tmp_path: Path, chapter: Path) -> None:
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "cast.yaml"
    target.write_text("# shared cast\n", encoding="utf-8")
    link = tmp_path / "voices.yaml"
    link.symlink_to(target)
    assert _cast_write(chapter, link)[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "Anna:" in target.read_text(encoding="utf-8")
    assert parts(tmp_path) == parts(tmp_path / "shared") == []


def test_5_a_read_only_voices_yaml_is_refused_and_nothing_changes(tmp_path: Path, chapter: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# mine, read-only on purpose\nbitrate: 64\n", encoding="utf-8")
    voices.chmod(0o444)
    before = voices.read_bytes()
    message = ("Error: voices.yaml is read-only: cannot add Anna, Ben to it "
               "(make it writable, or add them under `characters:` yourself)\n")
    assert _cast_write(chapter, voices) == (1, message)
    assert _render(tmp_path, chapter, "--voices", voices, "-o", tmp_path / "out") == (1, message)
    assert voices.read_bytes() == before and stat.S_IMODE(voices.stat().st_mode) == 0o444
    assert not (tmp_path / "out").exists() and parts(tmp_path) == []


def test_8_a_full_disk_while_writing_voices_yaml_is_a_message(tmp_path: Path, chapter: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# my cast\nbitrate: 64\n", encoding="utf-8")
    before = voices.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fsutil.os, "fsync", full)
    assert _cast_write(chapter, voices) == (
        1, f"Error: cannot write {voices}: No space left on device (voices.yaml is unchanged)\n")
    assert voices.read_bytes() == before and parts(tmp_path) == []


def test_8_a_real_write_error_from_the_kernel_leaves_voices_yaml_intact(tmp_path: Path, chapter: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# my cast\nbitrate: 64\n", encoding="utf-8")
    before = voices.read_bytes()
    limit = len(before) + 40  # the rewritten file needs more: the kernel refuses the write (EFBIG)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-c", "from audiobook.cli import main; main()", "cast", str(chapter), "--voices", str(voices),
                           "--write"], capture_output=True, text=True, timeout=120, preexec_fn=small_files,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"Error: cannot write {voices}: File too large (voices.yaml is unchanged)\n"
    assert voices.read_bytes() == before and parts(tmp_path) == []


def test_8_a_killed_writers_temp_file_beside_voices_yaml_is_swept(tmp_path: Path, chapter: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    litter = tmp_path / f".voices.{int(dead.stdout)}.deadbeef.part"
    litter.write_text("half a voices.yaml", encoding="utf-8")
    assert _cast_write(chapter, tmp_path / "voices.yaml")[0] == 0
    assert parts(tmp_path) == []


def _as_nobody(folder: Path) -> str:
    """In a child process that cannot write `folder`: lock, load and (not) rewrite its voices.yaml."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened through the pipe, never return into pytest
        report = "ok"
        try:
            os.chdir(folder)  # relative paths from here: no need to pass the 0700 pytest folders above
            if os.geteuid() == 0:  # root writes anywhere: become the folder's owner, "nobody"
                os.setgid(65534)
                os.setuid(65534)
            voices = Path("voices.yaml")
            with fsutil.file_lock(voices):
                config = load_config(voices)
            assert set(config.characters) == {"Anna", "Ben"}
            assert write_cast(config, []) == []  # nothing new: nothing written, no error
            try:
                add_characters(config, {"Zed": Voice("gmw/en-us+m1")}, {})
                report = "a write into a read-only folder succeeded"
            except OutputError as exc:
                if str(exc) != "cannot write to .: Permission denied (voices.yaml is unchanged)":
                    report = f"unexpected message: {exc}"
        except BaseException as exc:  # noqa: BLE001  (any failure is the report)
            report = f"{type(exc).__name__}: {exc}"
        os.write(write_fd, report.encode())
        os._exit(0)
    os.close(write_fd)
    os.waitpid(pid, 0)
    with os.fdopen(read_fd, "rb") as f:
        return f.read().decode()


def test_9_voices_yaml_in_a_read_only_folder_works_when_nothing_needs_writing(tmp_path: Path,
                                                                             chapter: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "voices.yaml").write_text(CAST, encoding="utf-8")
    if os.geteuid() == 0:  # the child runs as nobody, who owns both (a writable file in a read-only folder)
        os.chown(folder, 65534, 65534)
        os.chown(folder / "voices.yaml", 65534, 65534)
    folder.chmod(0o555)
    try:
        listing = sorted(os.listdir(folder))
        assert _as_nobody(folder) == "ok"
        code, output = _render(tmp_path, chapter, "--voices", folder / "voices.yaml", "-o", tmp_path / "out")
        assert code == 0, output
        assert sorted(os.listdir(folder)) == listing  # no lock file, no temp file
    finally:
        folder.chmod(0o755)


def test_19_voices_yaml_that_is_not_a_file_is_refused(tmp_path: Path, chapter: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    (tmp_path / "dir.yaml").mkdir()
    cases = ((fifo, "is a named pipe (FIFO), not a regular file"), (tmp_path / "dir.yaml", "is a folder, not a file"))
    for path, kind in cases:
        for command in ("script", "cast", "render"):
            result = cli(command, chapter, "--voices", path, seconds=10)
            assert (result.exit_code, result.output) == (1, f"Error: {path.name}: {kind}\n"), command


# --- 11: cover decompression bomb --------------------------------------------------------------

def _png_bomb(path: Path, side: int) -> Path:
    """A 1-bit PNG of side×side black pixels: a few hundred KB that decode to side² bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    row = b"\x00" * (1 + (side + 7) // 8)
    z = zlib.compressobj(9)
    body = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [30_000, 10_000])  # past Pillow's own bomb limit, and in its warning band
def test_11_a_cover_decompression_bomb_is_a_clear_error(tmp_path: Path, side: int) -> None:
    bomb = _png_bomb(tmp_path / "bomb.png", side)
    assert bomb.stat().st_size < 1_000_000
    with warnings.catch_warnings(), time_limit(10), pytest.raises(InputError) as err:
        warnings.simplefilter("error")  # no DecompressionBombWarning printed either
        prepare_cover(bomb)
    assert str(err.value) == (f"cover {bomb}: the image is too large to read safely (over 50 million pixels); "
                              "scale it down first")


def test_11_render_with_a_bomb_cover_stops_with_the_message_and_writes_nothing(tmp_path: Path, chapter: Path) -> None:
    bomb = _png_bomb(tmp_path / "bomb.png", 30_000)
    code, output = _render(tmp_path, chapter, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out",
                           "--cover", bomb)
    assert (code, output) == (1, f"Error: cover {bomb}: the image is too large to read safely (over 50 million "
                                 "pixels); scale it down first\n")
    assert not (tmp_path / "out" / "ch").exists() or not any((tmp_path / "out" / "ch").glob("*.mp3"))


def test_11_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "big.jpg"
    Image.new("L", (9000, 6000), 128).save(path, quality=50)  # 54 million pixels
    with Image.open(io.BytesIO(prepare_cover(path))) as img:
        assert img.size == (3000, 3000)  # read at half scale (4500×3000), letterboxed


def test_19_a_cover_that_is_a_pipe_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "cover.png"
    os.mkfifo(fifo)
    with time_limit(5), pytest.raises(InputError) as err:
        prepare_cover(fifo)
    assert str(err.value) == f"cover {fifo}: not a regular file"


# --- 15: a character called Narrator ------------------------------------------------------------

NARRATOR_TEXT = 'Chapter One\n\n"Hello," said Narrator.\n\n"Hi," said Bob.\n\nI looked up. "Who are you?" I asked.\n'


def _narrator_setup(tmp_path: Path, voices_text: str | None) -> tuple[Path, Path]:
    src = tmp_path / "n.txt"
    src.write_text(NARRATOR_TEXT, encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    if voices_text is not None:
        voices.write_text(voices_text, encoding="utf-8")
    return src, voices


def _dialogue_voice(src: Path, voices: Path, speaker: str) -> Voice:
    from audiobook.attribution.book import read_book

    config = load_config(voices)
    chapter = read_book(src).chapters[0]
    per_segment = plan(chapter, config).segment_jobs()
    return next(jobs[0].voice for seg, jobs in zip(chapter.segments, per_segment)
                if seg.kind == "dialogue" and seg.speaker == speaker)


def test_15_narrator_speaks_in_the_narrators_voice_in_cast_and_render(tmp_path: Path) -> None:
    src, voices = _narrator_setup(tmp_path, None)
    config, rows = cast_sheet([src], voices)
    row = next(r for r in rows if r.name == NARRATOR)
    assert (row.voice, row.new) == (config.narrator, False)
    assert NARRATOR not in cast(config, [Character(NARRATOR, None, (), 2, 4)])
    assert _dialogue_voice(src, voices, NARRATOR) == config.narrator
    result = cli("cast", src, "--voices", voices, "--write")
    assert result.exit_code == 0 and "Added to" in result.output
    assert "Narrator:" not in voices.read_text(encoding="utf-8")  # nothing to add: they have a voice


def test_15_an_explicit_narrator_character_is_used_by_cast_and_render(tmp_path: Path) -> None:
    src, voices = _narrator_setup(tmp_path, "characters:\n  Narrator:\n    voice: gmw/en-us+f3\n    pitch: 70\n")
    config, rows = cast_sheet([src], voices)
    own = Voice("gmw/en-us+f3", pitch=70)
    row = next(r for r in rows if r.name == NARRATOR)
    assert (row.voice, row.new) == (own, False)
    assert _dialogue_voice(src, voices, NARRATOR) == own
    assert config.voice_for(NARRATOR) == own and config.narrator != own  # narration keeps the narrator
    seg = Segment("narration", "I looked up.", 0, 12)
    chapter_plan = plan(Chapter("T", (seg,)), config)
    assert chapter_plan.segment_jobs()[0][0].voice == config.narrator
    result = cli("cast", src, "--voices", voices)
    line = next(x for x in result.output.splitlines() if x.startswith("Narrator"))
    assert "(new)" not in line and line.endswith("gmw/en-us+f3 (rate 175, pitch 70)")


# --- 16: a voices.yaml of comments only ------------------------------------------------------------

def test_16_a_comment_only_voices_yaml_keeps_the_users_comment(tmp_path: Path, chapter: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# Cast for my story -- keep Anna's voice soft!\n#   (notes to self)\n", encoding="utf-8")
    assert _cast_write(chapter, voices)[0] == 0
    text = voices.read_text(encoding="utf-8")
    assert text.startswith("# Cast for my story -- keep Anna's voice soft!\n#   (notes to self)\n\n# audiobook voice cast")
    assert set(load_config(voices).characters) == {"Anna", "Ben"}


def test_5_16_the_round_trip_api_keeps_comments_and_refuses_what_it_must(tmp_path: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("# only a note\n", encoding="utf-8")
    doc = read_document(voices)
    doc["bitrate"] = 96
    config = write_document(voices, doc)
    assert config.bitrate == 96 and voices.read_text(encoding="utf-8").startswith("# only a note\n\n# audiobook")
    doc["bitrate"] = 65  # invalid: nothing written
    with pytest.raises(ConfigError):
        write_document(voices, doc)
    assert load_config(voices).bitrate == 96
    voices.chmod(0o444)
    with pytest.raises(OutputError) as err:
        write_document(voices, read_document(voices))
    assert str(err.value) == "voices.yaml is read-only: cannot change it (make it writable)"
    voices.chmod(0o644)
    voices.write_text("- a list\n- not settings\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        read_document(voices)  # never silently replaced by the template
    assert str(err.value) == "voices.yaml: expected a mapping of settings at the top level, got CommentedSeq"


# --- 17: a chapter title of four-byte characters ---------------------------------------------------

def test_17_a_title_of_four_byte_characters_makes_a_file_name_that_fits(tmp_path: Path) -> None:
    title = "Chapter One: " + "".join(chr(0x13000 + i) for i in range(70))
    src = tmp_path / "long.txt"
    src.write_text(f'{title}\n\n"Hello," said Bob.\n', encoding="utf-8")
    code, output = _render(tmp_path, src, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out")
    assert code == 0, output
    mp3s = list((tmp_path / "out" / "long").glob("*.mp3"))
    assert len(mp3s) == 1 and len(mp3s[0].name.encode()) <= 255
    assert mp3s[0].name.startswith("01 - Chapter One " + chr(0x13000))
    assert str(ID3(mp3s[0])["TIT2"]) == title  # the tag keeps the whole title


# --- 18: a huge voices.yaml ----------------------------------------------------------------------

def test_18_a_voices_yaml_over_the_size_limit_is_refused(tmp_path: Path, chapter: Path) -> None:
    voices = tmp_path / "voices.yaml"
    entry = "  Person{:06d}:\n    voice: gmw/en-us+m3\n    rate: 170\n"
    voices.write_text("characters:\n" + "".join(entry.format(i) for i in range(30_000)), encoding="utf-8")
    size = voices.stat().st_size
    result = cli("script", chapter, "--voices", voices, seconds=10)
    assert (result.exit_code, result.output) == (
        1, f"Error: voices.yaml: {size:,} bytes is too large for a voices file (the limit is 1,000,000 bytes)\n")


def test_18_a_big_cast_is_checked_looked_up_and_extended_in_linear_time(tmp_path: Path) -> None:
    n = 20_000
    voices = [Voice(f"gmw/en-us+{'mf'[i % 2]}{i % 3 + 1}", rate=150 + i % 100, pitch=i % 101) for i in range(n)]
    config = Config(path=tmp_path / "voices.yaml", characters={
        f"P{i}": CharacterVoice(f"P{i}", v, (f"Alias{i}",)) for i, v in enumerate(voices)})
    new = [Character(f"New{i}", "female" if i % 2 else "male", (), 1, 1) for i in range(50)]
    started = time.monotonic()
    with time_limit(60):  # quadratic: minutes; linear: a second or two on a busy machine
        check_config_voices(config)
        assert all(config.lookup(f"alias{i}") is config.characters[f"P{i}"] for i in range(n))
        assert len(cast(config, new)) == 50
    assert time.monotonic() - started < 30


def test_18_voice_ids_are_listed_once_for_a_whole_cast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.engines import get_engine

    engine = get_engine("espeak")
    calls = []
    real = type(engine).voices
    monkeypatch.setattr(type(engine), "voices", lambda self: calls.append(1) or real(self))
    import audiobook.engines as engines

    monkeypatch.setattr(engines, "_IDS", {})
    config = Config(path=tmp_path / "v.yaml", characters={
        f"P{i}": CharacterVoice(f"P{i}", Voice("gmw/en-us+m3")) for i in range(500)})
    check_config_voices(config)
    assert len(calls) == 1


@pytest.mark.parametrize("text", [
    "# " + "[" * 300 + "\n",
    "narrator:\n  voice: '" + "[" * 300 + "'\n",
    'narrator:\n  voice: "' + "{" * 150 + '\\"' + "[" * 150 + '"\n',
    "x: " + "[" * 100 + "]" * 100 + "\n" + "y: " + "[" * 100 + "]" * 100 + "\n",
])
def test_4_brackets_in_quotes_comments_or_within_the_limit_are_not_nesting(text: str) -> None:
    check_depth(text, Path("voices.yaml"))  # no ConfigError
