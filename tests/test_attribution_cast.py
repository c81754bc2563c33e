"""Who is a character and under which name (issue 12): places, peoples, name forms, families, scene participants.

Every text here is written for the test; every cast entry is asserted exactly.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.attribution.attribute import attribute
from audiobook.attribution.characters import build_cast
from audiobook.attribution.places import answers_with_a_name, peoples_and_places
from audiobook.attribution.scene import Participants, is_scene_break, scene_starts
from audiobook.model import Paragraph


def _paragraphs(text: str) -> list[Paragraph]:
    return [Paragraph(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]


def run(text: str) -> tuple[list[str | None], list[tuple[str, int]]]:
    """Speakers of the dialogue segments in order, and the cast as (name, lines)."""
    segs, chars = attribute(text, _paragraphs(text))
    return [s.speaker for s in segs if s.kind == "dialogue"], sorted((c.name, c.lines) for c in chars)


def entries(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The people of a narration-only text: (printed name, other forms), sorted."""
    cast = build_cast(text, [(0, len(text))], [])
    return sorted((cast.canonical(i), cast.aliases(i)) for i, e in enumerate(cast.entities) if e.likely_person)


def test_a_place_named_often_is_never_cast() -> None:
    text = ('Tobias Reed went to Carrowmore in the spring. He had lived in Carrowmore all his life, and the road '
            'to Carrowmore was long. Anne Varley walked with him through Carrowmore and past Hollin Road.\n\n'
            '"Carrowmore is cold," said Tobias.\n\n"It is," said Anne. "Colder than Hollin Road."\n\n'
            '"Shall we go into Carrowmore?"\n\n"Yes."')
    assert run(text) == (["Tobias", "Anne Varley", "Anne Varley", "Tobias", "Anne Varley"],
                         [("Anne Varley", 3), ("Tobias", 2)])


def test_a_one_word_answer_naming_a_place_calls_nobody() -> None:
    assert answers_with_a_name('"Going far?"', '"Carrowmore.', '"')
    assert answers_with_a_name("Where is Mother?", "Carrowmore.", "")
    assert not answers_with_a_name("Going far?", "Carrowmore!", "")  # a cry calls someone
    assert not answers_with_a_name("It is late.", "Carrowmore.", "")  # no question: a name called
    assert not answers_with_a_name("Going far?", "Carrowmore,", " I think, and then home.")
    text = ('Tobias Reed sat by the fire. Anne Varley sewed.\n\n"Where is Mother?" said Tobias.\n\n"Carrowmore."\n\n'
            '"Why?"\n\n"A party."\n\n"Is it a nice one?"\n\n"I hope so."')
    assert run(text) == (["Tobias", "Anne Varley", "Tobias", "Anne Varley", "Tobias", "Anne Varley"],
                         [("Anne Varley", 3), ("Tobias", 3)])


def test_a_place_and_its_people_are_no_characters() -> None:
    assert peoples_and_places(["Velandia", "Velandian", "Tobias", "Julia", "Julian", "Italy", "Italian"]) == {
        "Velandia", "Velandian", "Italy", "Italian"}
    text = ("The Velandians came over the hills. Everyone said Tobias Reed was a Velandian. He loved Velandia, and "
            "he spoke of Velandia often. A Velandian never forgets, said Tobias Reed, and he smiled.")
    assert entries(text) == [("Tobias Reed", ())]


def test_the_titled_surname_the_narration_uses_is_the_name() -> None:
    text = ("Tobias met Hugo Pell at the gate, and Hugo Pell bowed. "
            + "Mr. Pell sat down. Mr. Pell was tired, and Mr. Pell smiled. " * 4
            + "Mrs. Pell laughed. Miss Pell rose. Tobias walked home with Hugo Pell.")
    assert entries(text) == [("Miss Pell", ()), ("Mr. Pell", ("Hugo Pell",)), ("Mrs. Pell", ())]


def test_a_full_name_used_often_stays_the_name() -> None:
    text = "Tobias met Mr. Hugo Pell at the gate. Hugo Pell sat down. Mr. Pell was tired. Hugo Pell smiled, and Pell left."
    assert entries(text) == [("Hugo Pell", ("Mr. Hugo Pell", "Mr. Pell", "Pell"))]


def test_the_most_used_first_name_keeps_its_own_family() -> None:
    # "Miss Ada Vell" (a maiden name) implies no husband called "Ada Vell" taking the bare "Ada"
    text = ("Miss Ada Vell was a girl then. Ada Corran sat down, and Ada Corran sighed. Ada laughed. Ada smiled. "
            "Ada left. Ada came back. Ada sang. Miss Vell waved.")
    assert entries(text) == [("Ada Corran", ("Ada",)), ("Miss Ada Vell", ("Miss Vell",))]


def test_short_and_titled_forms_join_the_full_name() -> None:
    # "Bill" is the one written "Bill Sykes", though first named "Mr. William Sykes"; "Mrs. Lynn" is
    # "Mrs. Rachel Lynn", her own first name (no husband's) between title and surname
    text = ("Tobias met Mr. William Sykes at the inn. Bill Sykes drank, and Bill Sykes swore. Bill laughed. "
            "Bill shouted. Bill left. Mrs. Rachel Lynn nodded. Mrs. Lynn sighed, and Mrs. Lynn rose.")
    assert entries(text) == [("Bill", ("Bill Sykes", "Mr. William Sykes")), ("Mrs. Rachel Lynn", ("Mrs. Lynn",))]


def test_a_family_by_its_plural_is_no_character() -> None:
    text = ("Mr. Maddox came in. Peter Maddox sat down, and the Maddoxes laughed. The Maddoxes were loud. "
            "Tobias frowned at Bill Sykes, and Bill Sykes shrugged. Bill Sykes left. Mr. Syke was a baker.")
    assert entries(text) == [("Bill Sykes", ()), ("Mr. Syke", ()), ("Peter Maddox", ("Mr. Maddox",)), ("Tobias", ())]


def test_a_letter_lost_in_the_encoding_does_not_cut_a_name() -> None:
    text = "At noon Peter Reed smiled. Ren?e Marn laughed, and Ren?e Marn danced. Peter smiled. Ren?e Marn sat down."
    assert entries(text) == [("Peter Reed", ("Peter",)), ("Ren?e Marn", ())]


def test_participants_of_a_scene_start_after_its_break() -> None:
    text = ("By the fire sat Peter Reed and Anne Varley.\n\n\"Cold,\" said Peter.\n\n* * *\n\n"
            "Mr. Quill opened the shop. Nell Brody came in from Carrowmore.\n\n\"Good day,\" said Nell.")
    paras = [(p.start, p.end) for p in _paragraphs(text)]
    cast = build_cast(text, [(0, len(text))], [])
    scenes = Participants(text, paras, cast, cast.mentions)
    assert scene_starts(text, paras) == [0, text.index("* * *") + 5]

    def names(pos: int, extra: list[tuple[int, int]] | None = None) -> list[str]:
        return sorted(cast.canonical(i) for i in scenes.at(pos, extra or []))
    assert names(text.index('"Cold')) == ["Anne Varley", "Peter Reed"]
    assert names(text.index('"Good')) == ["Mr. Quill", "Nell Brody"]  # the fire-side pair left; no place
    late = text.index('"Good')
    peter = cast.lookup("Peter Reed")
    assert peter is not None
    assert names(late, [(late - 1, peter)]) == ["Mr. Quill", "Nell Brody", "Peter Reed"]
    assert names(late, [(5, peter)]) == ["Mr. Quill", "Nell Brody"]  # spoke in the scene before


def test_scene_breaks_are_ornaments_only() -> None:
    for brk in ("* * *", "#", "~~~", "-o-", "oOo", "* * * * *", "\u2014\u2014\u2014"):
        assert is_scene_break(brk), brk
    for story in ("Oh.", "No.", "O", "\"...\"", "Tobias sat down.", ""):
        assert not is_scene_break(story), story


_PLACE_PREPS = ("in", "at", "into", "near", "through", "across", "towards")
_WORDS = st.text(alphabet="aeioulnrstkmv", min_size=3, max_size=8).map(lambda w: "Qu" + w)


@settings(max_examples=40, deadline=None)
@given(place=_WORDS, preps=st.lists(st.sampled_from(_PLACE_PREPS), min_size=1, max_size=6))
def test_a_word_only_ever_after_a_place_preposition_is_never_cast(place: str, preps: list[str]) -> None:
    text = " ".join(f"Tobias Reed walked {p} {place} with Anne Varley, and he smiled." for p in preps)
    text += '\n\n"Cold," said Tobias.\n\n"Very," said Anne.'
    _, cast = run(text)
    assert place not in {name for name, _ in cast}
    built = build_cast(text, [(0, len(text))], [])
    idx = built.lookup(place)
    assert idx is None or not built.entities[idx].likely_person
