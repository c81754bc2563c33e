"""Fuzz (issue 16): arbitrary bytes as a chapter file, arbitrary YAML documents as voices.yaml.

Whatever the input: exit 0, or exit 1 with one `Error: ...` line; never a traceback, never a hang
(each example runs under a time limit), and never a changed voices.yaml when the answer is an error.
Bounded so that the suite stays quick: a few dozen examples each, a few seconds in all.
"""

from __future__ import annotations

import io
import os

import pytest
from hostile import cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from audiobook.voices.config import TOP_KEYS, VOICE_KEYS, load_config

CHAPTER = 'Chapter One\n\n"Hello there," said Anna.\n\n"Hi," said Ben.\n'
# Fixed examples in the suite (derandomize); AUDIOBOOK_FUZZ=N explores N fresh random ones instead.
_EXPLORE = int(os.environ.get("AUDIOBOOK_FUZZ", "0"))
FUZZ = settings(max_examples=_EXPLORE or 40, deadline=None, derandomize=not _EXPLORE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SECONDS = 20  # per example: a hang fails instead of blocking the suite


def _assert_clean_answer(exit_code: int, output: str) -> None:
    """Exit 0, or exit 1 whose last line is one `Error: ...` message (no traceback)."""
    assert exit_code in (0, 1), output
    assert "Traceback" not in output
    if exit_code == 1:
        assert output.splitlines()[-1].startswith("Error: "), output


# --- chapters -----------------------------------------------------------------------------------

_STORY_BITS = st.sampled_from([
    "Chapter One\n\n", "Chapter 2: The Road\n\n", '"Hello," said Anna. ', "\u201cHi,\u201d Ben said. ", "\n\n",
    "* * *\n\n", "by Ann Smith\n", "Summary: a story.\n", "A/N: thanks!\n", "<p>", "</p>", "<i>", "<br>",
    "# Title\n", "I said, ", "'Quote' ", "\u2014", "\r\n", "\t", "\x0b", "\x00", "\ufeff", "\u200b", "😀",
    "Zoë", "\u202e", "O'Brien", "'", '"', "\u2019", "Mr. ", "...", "!?", " ",
])
_TEXT = st.lists(st.one_of(_STORY_BITS, st.text(max_size=20)), max_size=40).map("".join)
_CHAPTER_BYTES = st.one_of(
    st.binary(max_size=400),
    _TEXT.map(lambda t: t.encode("utf-8")),
    st.tuples(_TEXT, st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-8-sig"])).map(
        lambda te: te[0].encode(te[1], errors="replace")),
    st.tuples(_TEXT, st.binary(min_size=1, max_size=3)).map(lambda tb: tb[0].encode() + tb[1] + tb[0].encode()),
)


@FUZZ
@given(data=_CHAPTER_BYTES, suffix=st.sampled_from([".txt", ".md", ".html", ".htm"]))
def test_any_bytes_as_a_chapter(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz-chapter")
    src = folder / f"chapter{suffix}"
    src.write_bytes(data)
    result = cli("script", src, "--voices", folder / "voices.yaml", seconds=SECONDS)
    event(f"exit {result.exit_code}")
    _assert_clean_answer(result.exit_code, result.output)


# --- voices.yaml ----------------------------------------------------------------------------------

_KEYS = st.sampled_from([*TOP_KEYS, *VOICE_KEYS, "aliases", "Anna", "Ben", "male", "female", "unknown",
                         "sentence", "line", "speaker", "summary"]) | st.text(max_size=8)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                     st.text(max_size=20), st.sampled_from(["gmw/en-us", "gmw/en-us+f3", "espeak", "piper", "64",
                                                             "summary", "en_US-joe-medium"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner,
                                                                                             max_size=4), max_leaves=12)
_VOICE = st.fixed_dictionaries({"voice": st.sampled_from(["gmw/en-us", "gmw/en-us+f3", "gmw/en+m3"]) | _SCALARS},
                                optional={k: _SCALARS | st.integers(0, 500) for k in ("rate", "pitch", "volume")})
_SHAPED = st.fixed_dictionaries({}, optional={
    "bitrate": st.sampled_from([32, 64, 128]) | _SCALARS,
    "narrator": _VOICE | _VALUES,
    "characters": st.dictionaries(st.sampled_from(["Anna", "Ben", "Cleo"]) | st.text(max_size=10), _VOICE, max_size=3),
    "pronounce": st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10) | _SCALARS, max_size=3),
    "pauses": st.dictionaries(st.sampled_from(["sentence", "clause", "title"]), st.integers(-5, 20000), max_size=2),
    "skip": st.lists(st.sampled_from(["summary", "rating", "front matter", "prologue"]), max_size=3),
    "overrides": st.lists(st.fixed_dictionaries({"line": st.text(max_size=10), "speaker": st.text(max_size=10)}),
                          max_size=2),
})
_DOCS = st.dictionaries(_KEYS, _VALUES, max_size=6) | _SHAPED
_YAML_NOISE = st.lists(st.sampled_from(list(":-[]{}&*!|>#'\"%@`,?\n \t") + ["&a ", "*a", "<<: ", "!!str ",
                                                                            "!!binary ", "---\n", "...\n"]),
                       max_size=30).map("".join)


def _dump(doc: object) -> str:
    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(doc, buf)
    return buf.getvalue()


_VOICES = st.one_of(
    _DOCS.map(_dump),
    st.tuples(_DOCS.map(_dump), _YAML_NOISE, st.integers(0, 400)).map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:]),
    st.text(max_size=200),
)


@FUZZ
@given(text=_VOICES)
def test_any_yaml_as_voices_yaml(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz-voices")
    chapter = folder / "ch.txt"
    chapter.write_text(CHAPTER, encoding="utf-8")
    voices = folder / "voices.yaml"
    voices.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    before = voices.read_bytes()
    result = cli("cast", chapter, "--voices", voices, "--write", seconds=SECONDS)
    event(f"exit {result.exit_code}")
    _assert_clean_answer(result.exit_code, result.output)
    if result.exit_code:
        assert voices.read_bytes() == before, "voices.yaml changed although the answer was an error"
        assert sorted(p.name for p in folder.iterdir()) == ["ch.txt", "voices.yaml"]  # no temp file left
    else:
        config = load_config(voices)  # what was written is valid, and casts everyone
        assert config.lookup("Anna") is not None and config.lookup("Ben") is not None
