"""speakable(): what a human reader would say."""

from __future__ import annotations

import pytest

from audiobook.speech import speakable


@pytest.mark.parametrize(
    ("source", "spoken"),
    [
        ("He had almost lost her…", "He had almost lost her."),
        ("He was meant to protect her—that should have come first.",
         "He was meant to protect her, that should have come first."),
        ('"Will she be…?" he whispered', "Will she be? he whispered"),
        ("Mr. Higurashi whispered.", "Mister Higurashi whispered."),
        ("Mrs. Brown and Dr. Watson met Mr Elliot.", "Missus Brown and Doctor Watson met Mister Elliot."),
        ("He lived at 221 Baker St. near St. Paul's.",
         "He lived at two hundred twenty-one Baker Street near Saint Paul's."),
        ("perhaps 4-5 chapters", "perhaps four to five chapters"),
        ("large ones (5,000+)?", "large ones, five thousand plus?"),
        ("It cost $5.99 at 3:45 p.m. on the 21st.",
         "It cost five dollars and ninety-nine cents at three forty-five PM on the twenty-first."),
        ("In 1995 and 2005.", "In nineteen ninety-five and two thousand five."),
        ("WHAT ARE YOU DOING?", "What Are You Doing?"),
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
