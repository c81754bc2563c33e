"""Quote detection: conventions, apostrophes, marks, and the no-word-dropped properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.attribution.attribute import attribute
from audiobook.attribution.quotes import detect_convention, split_paragraph
from audiobook.model import Paragraph

WORD = re.compile(r"[^\W_]+")


def paras_of(text: str, offset: int = 0) -> list[Paragraph]:
    return [Paragraph(m.start() + offset, m.end() + offset) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]


def spoken(text: str, convention: str | None = None) -> list[str]:
    conv = convention or detect_convention(text)
    return [text[p.start:p.end] for p in split_paragraph(text, 0, len(text), conv) if p.kind == "dialogue"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Hello," he said.', ["Hello,"]),
        ("\u201cHello,\u201d he said. \u201cCome in.\u201d", ["Hello,", "Come in."]),
        ('"What happened to her?"murmured Souta softly.', ["What happened to her?"]),
        ('"She\'ll be fine," X whispered, "thanks to you\u2026"', ["She'll be fine,", "thanks to you\u2026"]),
        ('"He said \'go home\' to me," she said.', ["He said 'go home' to me,"]),  # nested: one segment
        ('He looked at Inuyasha\'s hands and the dogs\' bowls. "Wait," he said.', ["Wait,"]),
        ('"This never ends', ["This never ends"]),  # unbalanced: runs to the paragraph's end
        ("No dialogue at all here, just 'em and 'til and the dogs' tails.", []),
    ],
)
def test_double_quote_spans(text: str, expected: list[str]) -> None:
    assert spoken(text, "double") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'Hello,' he said. 'Come in.'", ["Hello,", "Come in."]),
        ("'I saw Inuyasha's sword,' she said.", ["I saw Inuyasha's sword,"]),
        ("'We'll take 'em home 'til dawn,' said Tom.", ["We'll take 'em home 'til dawn,"]),
        ("'The dogs' bowls are empty,' said Tom.", ["The dogs' bowls are empty,"]),
        ("'He told me \"never\" twice,' said Tom.", ['He told me "never" twice,']),
        ("\u2018It\u2019s late,\u2019 she said.", ["It\u2019s late,"]),
    ],
)
def test_british_single_quotes(text: str, expected: list[str]) -> None:
    assert spoken(text, "single") == expected


@pytest.mark.parametrize(
    ("text", "convention", "expected"),
    [
        ("\u00abBonjour,\u00bb dit-il. \u00abEntrez.\u00bb", "guillemets", ["Bonjour,", "Entrez."]),
        ("\u00bbGuten Tag,\u00ab sagte er. \u00bbKommen Sie.\u00ab", "reversed", ["Guten Tag,", "Kommen Sie."]),
        ("\u2014 Yes, \u2014 he said. \u2014 Let us go.", "dash", ["Yes,", "Let us go."]),
        ("\u2014Yes \u2014said Ana\u2014. We go now.", "dash", ["Yes", ". We go now."]),
        ("He walked in\u2014slowly\u2014and sat.", "dash", []),  # a dash inside narration is no dialogue
    ],
)
def test_other_conventions(text: str, convention: str, expected: list[str]) -> None:
    assert [s.strip(" .") or s for s in spoken(text, convention)] == [s.strip(" .") or s for s in expected]


@pytest.mark.parametrize(
    ("text", "convention"),
    [
        ('"Hi," he said.\n\n"Bye," she said. It was the dog\'s bone.', "double"),
        ("'Hi,' he said.\n\n'Bye,' she said.\n\n'Well, I never!' said Tom.", "single"),
        ("\u00abOui,\u00bb dit-il.\n\n\u00abNon.\u00bb", "guillemets"),
        ("\u00bbJa,\u00ab sagte er.\n\n\u00bbNein.\u00ab", "reversed"),
        ("\u2014 Yes, \u2014 he said.\n\n\u2014 No.\n\n\u2014 Maybe, \u2014 said Ann.", "dash"),
    ],
)
def test_convention_detection(text: str, convention: str) -> None:
    assert detect_convention(text) == convention


def test_open_quote_marks_paragraph_continuation() -> None:
    text = '"The first part of a long speech,\n\n"and its end," said Ann.'
    parts = [split_paragraph(text, p.start, p.end, "double") for p in paras_of(text)]
    assert parts[0][-1].kind == "dialogue" and not parts[0][-1].closed
    assert parts[1][0].kind == "dialogue" and parts[1][0].closed


# ---------------------------------------------------------------- properties over generated text

_piece = st.sampled_from(['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u2014", "--",
                          " ", ", ", ". ", "\n", "\n\n", "?", "!", "\u2026", "Anne", "said", "he", "Mr.", "Darcy",
                          "Inuyasha's", "'em", "dogs'", "'til", "the", "old", "man", "I", "cried", "she"])
_text = st.lists(st.one_of(_piece, st.text(max_size=6)), max_size=60).map("".join)


def _check_segments(text: str, offset: int) -> None:
    paras = paras_of(text, offset)
    segs, chars = attribute(text, paras, offset=offset)
    # offsets slice back into the text
    for s in segs:
        assert text[s.start - offset:s.end - offset] == s.text
        assert s.start < s.end
        if s.kind == "dialogue":
            assert 0.0 <= s.confidence <= 1.0 and s.reason
        else:
            assert s.speaker is None
    # every word of every paragraph is in exactly one segment, in reading order
    want = [w for p in paras for w in WORD.findall(text[p.start - offset:p.end - offset])]
    got = [w for s in segs for w in WORD.findall(s.text)]
    assert got == want
    # segments do not overlap and go forward
    for a, b in zip(segs, segs[1:]):
        assert a.end <= b.start
    assert all(c.lines > 0 for c in chars)


@settings(max_examples=150, deadline=None)
@given(_text)
def test_property_no_word_dropped(text: str) -> None:
    _check_segments(text, 0)


@settings(max_examples=60, deadline=None)
@given(_text, st.integers(min_value=1, max_value=10_000))
def test_property_with_offset(text: str, offset: int) -> None:
    _check_segments(text, offset)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.lists(st.tuples(st.integers(-50, 300), st.integers(-50, 300)), max_size=6),
       st.integers(-20, 20))
def test_property_never_raises_on_bad_paragraphs(text: str, spans: list[tuple[int, int]], offset: int) -> None:
    paras = [Paragraph(a, b) for a, b in spans]
    segs, _ = attribute(text, paras, offset=offset, known=(), exclude=("Anne",))
    for s in segs:
        assert text[s.start - offset:s.end - offset] == s.text


def test_paragraph_broken_inside_a_quote() -> None:
    # the speech resumes without an opening mark; its closing mark ends it, then a tag follows
    text = '"To London, ma\'am," said Gribble, "by coach.\n\nAnd I very much question," added Gribble, "whether it works."'
    paras = paras_of(text)
    first = split_paragraph(text, paras[0].start, paras[0].end, "double")
    second = split_paragraph(text, paras[1].start, paras[1].end, "double", open_before=not first[-1].closed)
    assert [text[p.start:p.end] for p in second if p.kind == "dialogue"] == ["And I very much question,",
                                                                             "whether it works."]
    # without the open quote before, the same paragraph keeps its narration
    alone = split_paragraph(text, paras[1].start, paras[1].end, "double")
    assert text[alone[0].start:alone[0].end].startswith("And I very much question,")
    assert alone[0].kind == "narration"
