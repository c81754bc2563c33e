"""Gendered forms of address inside speech: "Yes, sir." is said to a man, "Mother, sit down." to a woman.

A name called out is a vocative the tags pass resolves to a character; a form of address ("sir", "madam",
"mother", "my boy") names nobody but still tells the gender of the one spoken to. In an exchange between a
man and a woman that says who speaks: not the one of the gender addressed, and the line after it is that
one's answer. The ranker reads both as features (`address_own_gender`, `addressed_gender_before`,
`addressed_gender_after`).
"""

from __future__ import annotations

import re

#: Forms of address by the gender of the one spoken to (generic English words and titles, lower case).
ADDRESS_GENDER: dict[str, str] = {
    **dict.fromkeys(("sir", "sirrah", "my lord", "your lordship", "papa", "pa", "father", "daddy", "dad",
                     "sonny", "boy", "my boy", "dear boy", "old boy", "man", "my son", "young man", "my lad", "lad",
                     "brother", "uncle", "mister", "monsieur", "signor", "señor", "my good man",
                     "old man", "old chap", "old fellow", "my dear fellow", "grandpa", "grandfather"), "male"),
    **dict.fromkeys(("madam", "madame", "ma'am", "mum", "mamma", "mama", "mother", "mummy", "mumsy",
                     "my lady", "your ladyship", "miss", "girl", "my girl", "woman", "dear girl", "my daughter",
                     "young lady", "lass", "sister", "aunt", "auntie", "aunty", "mademoiselle",
                     "signora", "señora", "grandma", "grandmother", "my dear girl"), "female"),
}

_WORDS = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in ADDRESS_GENDER), key=len, reverse=True))
#: A form of address set off as a vocative: at the start of the speech or after a comma, a stop or a dash, and
#: followed by a comma, a stop or the speech's end ("Yes, sir.", "Mother, sit down.", "Come, my boy!").
_ADDRESS = re.compile(r"(?:^|(?<=[,.!?;:\u2014-]))\s*(?:(?:oh|o|poor|dear|my\s+dear)\s+)?(" + _WORDS
                      + r")\s*(?=[,.!?;:\u2014-]|$)", re.IGNORECASE)
#: A form's last word before a stop or the speech's end, in lower case: a speech with none (most) is passed over
#: with one search instead of `_ADDRESS`, which is tried at every character.
_LAST_WORDS = sorted({re.escape(w.split()[-1]) for w in ADDRESS_GENDER}, key=len, reverse=True)
_FORM_END = re.compile("(?:" + "|".join(_LAST_WORDS) + r")\s*(?:[,.!?;:\u2014-]|$)")


def addressed_genders(speech: str) -> frozenset[str]:
    """The genders ("male", "female") the speech addresses by a form of address, if any."""
    text = speech.strip().strip("'\"\u201c\u201d\u2018\u2019").strip()
    if not _FORM_END.search(text.lower()):
        return frozenset()
    return frozenset(ADDRESS_GENDER[" ".join(m.group(1).lower().split())] for m in _ADDRESS.finditer(text))
