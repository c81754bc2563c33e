"""Pronoun, description and explicit tags that resolve to the right person (issue 12), each kind pinned by a
small text written for the test."""

from __future__ import annotations

import pytest
from attrhelp import run

PRONOUNS = [
    pytest.param('Gideon crossed the yard and stopped at the well. He had seen Mr. Pellow at the gate.\n\n'
                 '"The water is low," he said.\n\n"It will rain," said Maren.',
                 ["Gideon", "Maren"], id="referent-is-the-subject-before-not-the-last-name"),
    pytest.param('Maren sat with Gideon in the kitchen.\n\n"Will you stay?" said Maren.\n\n"For a while," said Gideon.'
                 '\n\nShe rose and went to the window. She looked out for a long time at the road.\n\n'
                 'The kettle began to sing on the stove.\n\n"It is getting dark," she said.',
                 ["Maren", "Gideon", "Maren"], id="pronoun-chain-over-paragraphs"),
    pytest.param('Maren and Gideon walked home along the river.\n\n"Tired?" said Gideon.\n\n"A little," said Maren.\n\n'
                 '"Not far now," he said.\n\n"Good," she said.',
                 ["Gideon", "Maren", "Gideon", "Maren"], id="two-participants-by-gender"),
    pytest.param('Gideon Marsh came up the lane at dusk and stopped by the gate.\n\n'
                 'He leaned on the post. He could hear the river below the orchard.\n\n'
                 'He thought of the letter in his pocket and of what Tobias Wren had written in it.\n\n'
                 '"So it has come to this," he said.',
                 ["Gideon Marsh"], id="chain-of-he-over-three-paragraphs-keeps-its-head"),
    pytest.param('Maren and Gideon sat by the fire. Maren smiled, and she put down her sewing. Gideon nodded, and he '
                 'filled his pipe.\n\n"Will you go?" said Maren.\n\n"Tomorrow," said Gideon.\n\n'
                 '"Alone?" said Maren. She glanced at the portrait of old Mr. Pellow above the mantel.\n\n'
                 '"Yes, alone," he said.',
                 ["Maren", "Gideon", "Maren", "Gideon"], id="he-is-the-conversation-partner-not-the-man-mentioned"),
]


@pytest.mark.parametrize(("text", "speakers"), PRONOUNS)
def test_pronoun_tags(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


# The fitted salience model (salience.py): each text turns on one of its features.
SALIENCE = [
    pytest.param('Bram and Hollis sat on the steps of the inn.\n\n"Is the coach late?" said Hollis.\n\n'
                 '"An hour at least," said Bram.\n\nA carter went by with a load of turnips and Pollard, the landlord, '
                 'came out to watch him. The carter waved his whip.\n\n"Then we have time for supper," he said.',
                 ["Hollis", "Bram", "Hollis"], id="conversation-partner-not-the-man-named-more-recently"),
    pytest.param('Lorcan Fenwick sat by the window with Bram, and the two of them watched the rain.\n\n'
                 '"It will not stop tonight," said Bram.\n\n"No," said Lorcan.\n\n'
                 'The maid brought their supper and went out again. Bram pushed his plate away and stood up.\n\n'
                 '"I am not hungry," he said.',
                 ["Bram", "Lorcan Fenwick", "Bram"], id="the-man-just-made-the-subject"),
    pytest.param('Bram and Hollis stood at the gate while the light went.\n\n"Have you seen Lorcan Fenwick?" said '
                 'Hollis.\n\n"Not since the fair," said Bram.\n\nHollis frowned at the road.\n\n'
                 '"Lorcan Fenwick owes me a horse," he said.',
                 ["Hollis", "Bram", "Hollis"], id="a-man-talked-about-in-the-speech-is-not-its-speaker"),
]


@pytest.mark.parametrize(("text", "speakers"), SALIENCE)
def test_pronoun_salience(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


def test_salience_weights_match_features() -> None:
    """One fitted weight per feature, and the score is their weighted sum."""
    from audiobook.attribution import params, salience

    assert len(params.RESOLVE.pronoun_weights) == len(salience.FEATURES)
    row = tuple(float(i == 2) for i in range(len(salience.FEATURES)))
    assert salience.score(params.RESOLVE.pronoun_weights, row) == params.RESOLVE.pronoun_weights[2]


DESCRIPTIONS = [
    pytest.param('Maren was alone in the shop. She swept the floor, and then Maren opened the door. Tobias Wren, a '
                 'young man of twenty, stood outside. He held his cap in his hands.\n\n'
                 '"Is the doctor in?" said the young man.\n\n"He is out," said Maren.',
                 ["Tobias Wren", "Maren"], id="the-young-man-is-the-young-man-just-named"),
    pytest.param('Maren waited at the station. An old gentleman came down the platform.\n\n'
                 '"Is this the train for the coast?" said the old gentleman.\n\n"It is," said Maren.\n\n'
                 '"Thank you," said the old gentleman.\n\n"Not at all," said Maren.\n\n'
                 '"A fine day," remarked the old gentleman.',
                 ["the old gentleman", "Maren", "the old gentleman", "Maren", "the old gentleman"],
                 id="a-description-repeated-over-a-scene-is-one-speaker"),
    pytest.param('Gideon lay in the bed by the window, and Gideon did not move. Gideon was very pale.\n\n'
                 '"He must rest," said the surgeon.\n\n"For how long?" said Maren.\n\n'
                 '"A week," said the surgeon.',
                 ["the surgeon", "Maren", "the surgeon"], id="a-role-noun-names-its-own-speaker"),
    pytest.param('Maren waited at the bridge, and she shaded her eyes. Presently Tobias Wren, a young man in a grey '
                 'coat, came across the fields towards her. Tobias stopped, and he raised his hat.\n\n'
                 '"You are late," said Maren.\n\n"The road was flooded," said the young man.'
                 '\n\n"Then come in and dry yourself," said Maren.',
                 ["Maren", "Tobias Wren", "Maren"], id="the-young-man-of-the-scene-named-before"),
    pytest.param('Mrs. Odile Pellow came into the parlour with her daughter Maren Pellow. Maren sighed, and she kept '
                 'her eyes on the floor.\n\n'
                 '"Sit down, child," said Mrs. Pellow.\n\n"I would rather stand," said Maren.\n\n'
                 '"As you wish," her mother said.',
                 ["Mrs. Odile Pellow", "Maren", "Mrs. Odile Pellow"], id="her-mother-is-the-mother-in-the-cast"),
]


@pytest.mark.parametrize(("text", "speakers"), DESCRIPTIONS)
def test_description_tags(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


EXPLICIT = [
    pytest.param('Maren and Gideon sat at the table.\n\n"Pass the bread," said Maren. Gideon added, "And the salt."',
                 ["Maren", "Gideon"], id="a-later-sentence-of-a-used-tag-leads-into-the-next-quote"),
    pytest.param('Maren and Gideon sat at the table.\n\n"Pass the bread," said Maren, smiling, "and the salt."',
                 ["Maren", "Maren"], id="one-sentence-tag-serves-both-halves"),
]


@pytest.mark.parametrize(("text", "speakers"), EXPLICIT)
def test_explicit_tag_shapes(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


# A pronoun after a name votes for the name's gender only when it can mean that name (characters.gender_votes).
GENDER_VOTES = [
    pytest.param('Pell came down to the gate, and he opened it. She smiled at Pell, and she walked on. Later she '
                 'waved to Pell, and she went in.\n\n"Good night," said Pell.', id="the-same-pronoun-earlier-in-the-sentence"),
    pytest.param('Pell came down to the gate, and he opened it. Pell asked her whether she might stay. Pell told her '
                 'that she could have the loft.\n\n"Sit by the fire," said Pell.', id="an-object-pronoun-in-between"),
    pytest.param('Pell came down to the gate, and he opened it. Pell met his aunt when she came in. Pell kissed the '
                 'old woman as she sat down.\n\n"Good night," said Pell.', id="a-woman-named-in-between"),
]


@pytest.mark.parametrize("text", GENDER_VOTES)
def test_gender_votes_skip_pronouns_meaning_someone_else(text: str) -> None:
    _, cast = run(text)
    assert cast["Pell"].gender == "male"
