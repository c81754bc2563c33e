"""voices.yaml: validation messages (file, line, key), round-trip writes, the template, skip and pronounce."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.attribution.book import read_book
from audiobook.cli import main
from audiobook.engines import check_voice
from audiobook.errors import ConfigError
from audiobook.model import Character, Voice
from audiobook.pipeline import plan
from audiobook.voices.config import SKIPPABLE, TEMPLATE, add_characters, load_config

ERRORS = [
    ("narrator:\n  voice: gmw/en-us\n  colour: red\n",
     "voices.yaml, line 3: narrator.colour: unknown key (expected one of: engine, length_scale, noise_scale, pitch, rate, voice, volume)"),
    ("narrator:\n  voice: gmw/en-us\n  pitch: 140\n", "voices.yaml, line 3: narrator.pitch: 140 is out of range (0-100)"),
    ("narrator:\n  voice: gmw/en-us\n  rate: 20\n", "voices.yaml, line 3: narrator.rate: 20 is out of range (80-450)"),
    ("narrator:\n  voice: gmw/en-us\n  volume: 1.5\n",
     "voices.yaml, line 3: narrator.volume: 1.5 is out of range (0.0-1.0)"),
    ("narrator:\n  voice: gmw/en-us\n  rate: fast\n",
     "voices.yaml, line 3: narrator.rate: expected a whole number, got 'fast'"),
    ("narrator:\n  voice: 12\n", "voices.yaml, line 2: narrator.voice: expected a string, got 12"),
    ("narrator:\n  voice: gmw/en-us\n  pitch: true\n",
     "voices.yaml, line 3: narrator.pitch: expected a whole number, got True"),
    ("narrator: loud\n", "voices.yaml, line 1: narrator: expected a mapping, got a string"),
    ("bitrate: 65\n", "voices.yaml, line 1: bitrate: 65 is not an MP3 bitrate "
                      "(32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)"),
    ("narator:\n  voice: gmw/en-us\n", "voices.yaml, line 1: narator: unknown key (expected one of: engine, bitrate, "
                                       "format, narrator, defaults, characters, overrides, pronounce, pauses, skip, "
                                       "not_characters, piper, kokoro)"),
    ("engine: festival\n", "voices.yaml, line 1: engine: unknown engine 'festival' (expected one of: espeak, kokoro, piper)"),
    ("engine: [espeak]\n", "voices.yaml, line 1: engine: expected a string, got ['espeak']"),
    ("characters:\n  Anna:\n    voice: gmw/en-us+f3\n    engine: festival\n",
     "voices.yaml, line 4: characters.Anna.engine: unknown engine 'festival' (expected one of: espeak, kokoro, piper)"),
    ("characters:\n  Anna:\n    rate: 150\n", "voices.yaml, line 2: characters.Anna: missing required key 'voice'"),
    ("characters:\n  Anna:\n    voice: gmw/en-us+f3\n    aliases: 3\n",
     "voices.yaml, line 4: characters.Anna.aliases: expected a list of names"),
    ("characters: [Anna, Ben]\n", "voices.yaml, line 1: characters: expected a mapping, got a list"),
    ("defaults:\n  child:\n    voice: gmw/en-us\n",
     "voices.yaml, line 2: defaults.child: unknown key (expected one of: male, female, unknown)"),
    ("pauses:\n  sentence: -5\n", "voices.yaml, line 2: pauses.sentence: expected milliseconds from 0 to 10000, got -5"),
    ("pauses:\n  breath: 100\n",
     "voices.yaml, line 2: pauses.breath: unknown key (expected one of: sentence, clause, paragraph, scene, title)"),
    ("skip: [summary, prologue]\n", "voices.yaml, line 1: skip: expected a list drawn from: summary, author's note, "
                                    "disclaimer, rating, front matter (got 'prologue')"),
    ("skip: 3\n", "voices.yaml, line 1: skip: expected a list drawn from: summary, author's note, "
                  "disclaimer, rating, front matter (got a number)"),
    ("pronounce:\n  Kagome: 7\n", "voices.yaml, line 2: pronounce.Kagome: expected a string, got 7"),
    ("overrides:\n  - line: Hello\n", "voices.yaml, line 2: overrides[0]: expected a mapping with the keys "
                                      "'line' and 'speaker' (and optionally nth, chapter, context)"),
    ("overrides: {line: Hello}\n", "voices.yaml, line 1: overrides: expected a list of {line, speaker}"),
    ("- just\n- a list\n", "voices.yaml: expected a mapping of settings at the top level, got CommentedSeq"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_every_validation_error_names_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == message


@pytest.fixture
def chapter(tmp_path: Path) -> Path:
    path = tmp_path / "ch.txt"
    path.write_text('Chapter One\n\n"Hello there," said Anna.\n\n"Hi," said Ben.\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), ERRORS[:4] + ERRORS[10:12])
def test_cli_reports_validation_errors_with_exit_1(tmp_path: Path, chapter: Path, text: str, message: str) -> None:
    (tmp_path / "voices.yaml").write_text(text, encoding="utf-8")
    for args in (["script", str(chapter)], ["cast", str(chapter)], ["preview", "Anna"]):
        result = CliRunner().invoke(main, [*args, "--voices", str(tmp_path / "voices.yaml")])
        assert (result.exit_code, result.output) == (1, f"Error: {message}\n"), args
    assert (tmp_path / "voices.yaml").read_text(encoding="utf-8") == text  # an invalid file is never rewritten


@pytest.mark.parametrize(("wrong", "suggested"), [
    ("gmw/en-us+f33", "gmw/en-us+f3"), ("gmw/en-uss", "gmw/en-us"), ("gmw/en-gb-x-pr+m3", "gmw/en-gb-x-rp+m3"),
])
def test_unknown_voice_ids_suggest_the_closest_real_ones(wrong: str, suggested: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_voice(Voice(wrong), "voices.yaml, line 6: characters.Ben.voice")
    message = str(err.value)
    assert message.startswith(f"voices.yaml, line 6: characters.Ben.voice: unknown voice id {wrong!r} for engine espeak; "
                              "did you mean ")
    assert suggested in message.split("did you mean ")[1].rstrip("?").split(", ")


def test_an_id_with_nothing_close_points_at_the_voices_command() -> None:
    with pytest.raises(ConfigError) as err:
        check_voice(Voice("zzzzqqqq"), "voices.yaml: narrator.voice")
    assert str(err.value) == ("voices.yaml: narrator.voice: unknown voice id 'zzzzqqqq' for engine espeak; "
                              "run `audiobook voices` to list them")


def test_voice_id_case_is_normalised_to_the_engines_spelling() -> None:
    assert check_voice(Voice("GMW/EN-US+F3"), "x").voice == "gmw/en-us+f3"


def test_the_template_explains_every_key_and_loads_as_the_defaults(tmp_path: Path) -> None:
    for key in ("engine:", "bitrate:", "narrator:", "defaults:", "pauses:", "skip:", "pronounce:", "overrides:",
                "characters:", "voice:", "rate:", "pitch:", "volume:", "aliases:"):
        assert key in TEMPLATE
    path = tmp_path / "voices.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    config = load_config(path)
    default = load_config(tmp_path / "absent.yaml")
    assert (config.engine, config.bitrate, config.narrator, config.pauses, config.skip) == (
        default.engine, default.bitrate, default.narrator, default.pauses, default.skip)
    assert config.skip == SKIPPABLE


USER_FILE = """\
# My cast. Keep this comment!
engine: espeak   # the built-in engine
bitrate: 96

narrator:        # calm
  voice: gmw/en-gb-x-rp
  rate: 160
  pitch: 40

pronounce:
  Kagome: Kah-go-meh   # rhymes with 'may'

characters:
  # the hero
  Zed:
    voice: gmw/en-us+m1
    rate: 180
    pitch: 50
    aliases: [Z]       # short form
  Amy: {voice: gmw/en-us+f2, rate: 170, pitch: 55}
"""


def test_adding_speakers_keeps_comments_order_and_formatting(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    config = load_config(path)
    new = add_characters(config, {"Bob": Voice("gmw/en-us+m3", 175, 50), "Cleo": Voice("gmw/en+f3", 175, 60)},
                         {"Bob": ("Bob", "Bobby")})
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE)  # every byte the user wrote is still there, in place
    assert text[len(USER_FILE):] == (
        "  Bob:\n    voice: gmw/en-us+m3\n    rate: 175\n    pitch: 50\n    aliases: [Bobby]\n"
        "  Cleo:\n    voice: gmw/en+f3\n    rate: 175\n    pitch: 60\n"
    )
    assert list(new.characters) == ["Zed", "Amy", "Bob", "Cleo"]
    assert new.lookup("bobby").name == "Bob" and new.lookup("z").name == "Zed"
    assert new.narrator == Voice("gmw/en-gb-x-rp", 160, 40) and new.bitrate == 96


def test_a_character_on_another_engine_records_it(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    config = load_config(path)
    add_characters(config, {"Robo": Voice("en_US-joe-medium", 175, 50, engine="piper")}, {})
    text = path.read_text(encoding="utf-8")
    assert "  Robo:\n    voice: en_US-joe-medium\n    rate: 175\n    pitch: 50\n    engine: piper\n" in text
    assert load_config(path).characters["Robo"].voice.engine == "piper"


def test_the_first_write_uses_the_commented_template(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    add_characters(load_config(path), {"Anna": Voice("gmw/en-us+f3")}, {})
    text = path.read_text(encoding="utf-8")
    assert text.startswith(TEMPLATE.replace("characters: {}\n", ""))
    assert text.endswith("characters:\n  Anna:\n    voice: gmw/en-us+f3\n    rate: 175\n    pitch: 50\n")


names = st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(st.lists(names, min_size=1, max_size=4, unique_by=str.casefold))
def test_round_trip_property_any_names_survive_and_earlier_text_is_untouched(tmp_path_factory, batch) -> None:
    path = tmp_path_factory.mktemp("rt") / "voices.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    batch = [n for n in batch if n.casefold() not in ("zed", "amy", "z")]
    config = add_characters(load_config(path), {n: Voice("gmw/en-us+m3") for n in batch}, {})
    assert path.read_text(encoding="utf-8").startswith(USER_FILE)
    assert list(config.characters) == ["Zed", "Amy", *batch]


def test_cast_write_keeps_comments(tmp_path: Path, chapter: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    result = CliRunner().invoke(main, ["cast", str(chapter), "--voices", str(path), "--write"])
    assert result.exit_code == 0, result.output
    assert "Added to" in result.output and "Anna" in result.output and "Ben" in result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE)
    assert set(load_config(path).characters) == {"Zed", "Amy", "Anna", "Ben"}
    again = CliRunner().invoke(main, ["cast", str(chapter), "--voices", str(path), "--write"])
    assert "already casts everyone" in again.output and path.read_text(encoding="utf-8") == text


def test_pronounce_reaches_every_segment_and_the_title(tmp_path: Path) -> None:
    src = tmp_path / "ch.txt"
    src.write_text('Chapter One: Kagome\n\nKagome ran. Kagomes were not words.\n\n"Kagome!" said Ben.\n',
                   encoding="utf-8")
    path = tmp_path / "voices.yaml"
    path.write_text("pronounce:\n  kagome: Kah-go-meh\n", encoding="utf-8")
    config = load_config(path)
    book = read_book(src, config.skip)
    spoken = " | ".join(j.text for j in plan(book.chapters[0], config).jobs())
    assert spoken.count("Kah-go-meh") == 3
    assert "Kagomes" in spoken  # whole words only
    assert "Kagome " not in spoken and "Kagome!" not in spoken


def test_pronounce_keys_with_abbreviations_and_digits_still_match(tmp_path: Path) -> None:
    src = tmp_path / "ch.txt"
    src.write_text('Chapter One\n\nMr. Higurashi waved at R2-D2.\n\n"Hi, Mr. Higurashi," said Ben.\n',
                   encoding="utf-8")
    path = tmp_path / "voices.yaml"
    path.write_text("pronounce:\n  Mr. Higurashi: Missus Hee-goo-rah-shee\n  R2-D2: Artoo Deetoo\n",
                    encoding="utf-8")
    config = load_config(path)
    segments = plan(read_book(src, config.skip).chapters[0], config).segment_jobs()
    spoken = " | ".join(j.text for seg in segments for j in seg)
    assert spoken.count("Missus Hee-goo-rah-shee") == 2 and "Artoo Deetoo" in spoken
    assert "Mister" not in spoken


FANFIC = """Summary: A boy and a well.

Rated: T

The Well
Chapter One: Down

A/N: Thanks for reading the last one!

* * *

He fell down the well.

"Hello?" said Tom.

A/N: Please review.
"""


@pytest.mark.parametrize(("skip", "heard", "not_heard"), [
    (list(SKIPPABLE), [], ["A boy and a well", "Thanks for reading", "Please review", "Rated"]),
    (["summary", "rating", "front matter"], ["Thanks for reading", "Please review"], ["A boy and a well", "Rated"]),
    (["author's note", "rating"], ["A boy and a well"], ["Thanks for reading", "Please review", "Rated"]),
    ([], ["A boy and a well", "Thanks for reading", "Please review", "Rated"], []),
])
def test_skip_decides_which_labelled_sections_are_read(tmp_path: Path, skip, heard, not_heard) -> None:
    src = tmp_path / "ch.txt"
    src.write_text(FANFIC, encoding="utf-8")
    book = read_book(src, skip)
    text = " ".join(seg.text for ch in book.chapters for seg in ch.segments)
    assert "He fell down the well." in text and "Hello?" in text
    for phrase in heard:
        assert phrase in text, phrase
    for phrase in not_heard:
        assert phrase not in text, phrase
    assert [ch.title for ch in book.chapters] == ["Chapter One: Down"]


def test_skip_from_voices_yaml_reaches_the_render_pipeline(tmp_path: Path) -> None:
    from audiobook.pipeline import read_books

    src = tmp_path / "ch.txt"
    src.write_text(FANFIC, encoding="utf-8")
    path = tmp_path / "voices.yaml"
    path.write_text("skip: [summary, rating, front matter]\n", encoding="utf-8")
    (book,) = read_books([src], load_config(path))
    text = " ".join(seg.text for ch in book.chapters for seg in ch.segments)
    assert "Thanks for reading" in text and "A boy and a well" not in text


def test_defaults_by_gender(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text("defaults:\n  female:\n    voice: gmw/en-us+f2\n  unknown:\n    voice: gmw/en-us+m2\n",
                    encoding="utf-8")
    config = load_config(path)
    assert config.voice_for("Nobody", "female").voice == "gmw/en-us+f2"
    assert config.voice_for("Nobody", "male").voice == "gmw/en-us+m2"
    assert config.voice_for(None).voice == "gmw/en-us+m2"


def test_cast_never_reuses_a_users_voice_and_keeps_existing_entries(tmp_path: Path) -> None:
    from audiobook.voices.autocast import cast

    path = tmp_path / "voices.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    config = load_config(path)
    new = cast(config, [Character("Zed", "male", lines=9), Character("Kim", "female", lines=3),
                        Character("Lou", "male", lines=2)])
    assert set(new) == {"Kim", "Lou"}
    used = [config.narrator, *(c.voice for c in config.characters.values())]
    assert all(v not in used for v in new.values())
