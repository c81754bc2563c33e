"""speakable(): what a human reader would say."""

from __future__ import annotations

import re

import pytest

from audiobook.audio.speech import speakable


@pytest.mark.parametrize(
    ("source", "spoken"),
    [
        ("He had almost lost her…", "He had almost lost her."),
        ("He was meant to protect her—that should have come first.",
         "He was meant to protect her, that should have come first."),
        ('"Will she be…?" he whispered', "Will she be? he whispered"),
        ("Mr. Higurashi whispered.", "Mister Higurashi whispered."),
        ("Mrs. Brown and Dr. Watson met Mr Ellery.", "Missus Brown and Doctor Watson met Mister Ellery."),
        ("He lived at 221 Baker St. near St. Paul's.",
         "He lived at two hundred twenty-one Baker Street near Saint Paul's."),
        ("perhaps 4-5 chapters", "perhaps four to five chapters"),
        ("large ones (5,000+)?", "large ones, five thousand plus?"),
        ("It cost $5.99 at 3:45 p.m. on the 21st.",
         "It cost five dollars and ninety-nine cents at three forty-five PM on the twenty-first."),
        ("In 1995 and 2005.", "In nineteen ninety-five and two thousand five."),
        ("WHAT ARE YOU DOING?", "What are you doing?"),
        ('"Get OUT of my HOUSE!" she said.', "Get out of my house! she said."),
        ("The FBI and NASA and I were OK.", "The FBI and NASA and I were OK."),
        ("*I can't,* she thought. _Really_ <b>bold</b>", "I can't, she thought. Really bold"),
        ("See https://example.com/a?b=1 now :) xD <3", "See now"),
        ("He said -- wait -- no.", "He said, wait, no."),
        ("one\n  two\n\nthree", "one two three"),
    ],
)
def test_speakable(source: str, spoken: str) -> None:
    assert speakable(source) == spoken


def test_lexicon_is_case_insensitive_and_word_bounded() -> None:
    lex = {"Inuyasha": "Ee-noo-yah-sha"}
    assert speakable("Inuyasha's sword, INUYASHA! Inuyashas", lex) == (
        "Ee-noo-yah-sha's sword, Ee-noo-yah-sha! Inuyashas"
    )


@pytest.mark.parametrize(
    ("source", "spoken"),
    [
        ("Chapter VIII", "Chapter eight"),
        ("ABEL Rowe drove.", "Abel Rowe drove."),
        ("It was the 1990s, about 50% of us.", "It was the nineteen nineties, about fifty percent of us."),
        ("The time was 10:00, not 9:05 or 7am.", "The time was ten o'clock, not nine oh five or seven AM."),
        ("He paid £3.50 and €1 and $2 million.",
         "He paid three pounds and fifty pence and one euro and two million dollars."),
        ("No. 7 and #1 and the 2nd and 103rd", "number seven and number one and the second and one hundred third"),
        ("It was 3.14 and 007.", "It was three point one four and zero zero seven."),
        ("apples, pears, etc. Then more.", "apples, pears, et cetera. Then more."),
        ("She loved him &lt;3 &amp; more", "She loved him and more"),
        ("Fine. 😀 ^_^ -_- T_T o_O \\o/", "Fine."),
        ("Hollis   it's a nightmare", "Hollis it's a nightmare"),
        ("'Hello,' said the dogs' owner.", "Hello, said the dogs' owner."),
        ("Read [the notes](http://x.org/n) and www.example.com too.", "Read the notes and too."),
        ("I… I don't know.", "I, I don't know."),
        ("Wait—", "Wait."),
        ("…and then", "and then"),
        ("Mulholland Dr. in the rain", "Mulholland Drive in the rain"),
        ("Then Dr. Watson came, said Dr. Lee.", "Then Doctor Watson came, said Doctor Lee."),
        ("GET OUT NOW", "Get out now"),
        ("He said NO. NO WAY.", "He said no. No way."),
        ("The NHS and the BBC.", "The NHS and the BBC."),
        ("The CIA, the TV and I", "The CIA, the TV and I"),
        ('"…thanks to you…" she said', "thanks to you, she said"),
        ("What?! No!!!", "What?! No!!!"),
        ("He said (quietly).", "He said, quietly."),
        ("He left... .", "He left."),
        ("a 3D film", "a three D film"),
        ("Dear Sir,\n\nI write", "Dear Sir, I write"),
    ],
)
def test_speakable_more(source: str, spoken: str) -> None:
    assert speakable(source) == spoken


# ----------------------------------------------------------------------------------------------
# Properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from audiobook.audio.speech import _ABBREVIATIONS, number_words, ordinal_words  # noqa: E402

_TOKENS = st.one_of(
    st.from_regex(r"[A-Za-z]{3,9}", fullmatch=True),
    st.from_regex(r"[A-Z]{2,7}", fullmatch=True),
    st.sampled_from([
        "Mr.", "Mrs", "Dr.", "St.", "etc.", "I", "OK", "$5", "£2.50", "3:45", "10pm", "4-5", "1,000",
        "21st", "1990s", "50%", "…", "...", "—", "--", " - ", "*", "_", "**bold**", "_it_", ":)", "xD",
        "<3", "😀", "(", ")", ",", ".", "!", "?", "\"", "'", "’", "\n", "\n\n", "  ", "&", "/", "#", "+",
        "Chapter", "XIV", "e.g.", "i.e.", "p.m.", "-", "’s",
    ]),
)


@st.composite
def _sources(draw) -> str:
    tokens = draw(st.lists(_TOKENS, max_size=40))
    seps = draw(st.lists(st.sampled_from([" ", "", "\n"]), min_size=len(tokens), max_size=len(tokens)))
    return "".join(t + s for t, s in zip(tokens, seps))


_EXEMPT = {k.lower() for k in _ABBREVIATIONS} | {"pm", "am"}


@settings(max_examples=400, deadline=None)
@given(_sources())
def test_speakable_keeps_every_word(source: str) -> None:
    spoken = speakable(source, None).lower()
    for word in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])", source):
        if word.lower() in _EXEMPT or re.fullmatch(r"[IVXLCDM]+", word):
            continue  # abbreviations are expanded; roman numerals after "Chapter" become numbers
        assert word.lower() in spoken, (word, source, spoken)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_speakable_never_raises(source: str) -> None:
    out = speakable(source, {"abc": "ay bee see", "": "x", "a.b": "ab"})
    assert out == out.strip() and "  " not in out and "\n" not in out


@given(st.integers(0, 10**15 - 1))
def test_number_words_are_words(n: int) -> None:
    assert re.fullmatch(r"[a-z]+(?:[ -][a-z]+)*", number_words(n))
    assert re.fullmatch(r"[a-z]+(?:[ -][a-z]+)*", ordinal_words(n))


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (13, "thirteen"), (40, "forty"), (99, "ninety-nine"), (101, "one hundred one"),
     (1000, "one thousand"), (2024, "two thousand twenty-four"), (1_000_001, "one million one")],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize(("n", "words"), [(1, "first"), (2, "second"), (12, "twelfth"), (20, "twentieth"),
                                          (21, "twenty-first"), (100, "one hundredth")])
def test_ordinal_words(n: int, words: str) -> None:
    assert ordinal_words(n) == words


@pytest.mark.parametrize(("source", "spoken"), [
    ("AAA &LTA BBB", "AAA and LTA BBB"),  # a legacy entity name without ";" is text, not "<A" (a tag)
    ("Tom &amp; Jerry", "Tom and Jerry"),
    ("caf&#233; &lt;3", "café"),
])
def test_only_closed_entities_are_decoded(source: str, spoken: str) -> None:
    assert speakable(source) == spoken
