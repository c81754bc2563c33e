"""The cast of a chapter: name mentions, merged aliases and gender, built from the text alone.

Finding names and building the cast; the cast model itself is in `cast.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..model import Character, Gender
from . import params
from .cast import (
    _ABBREV,
    _COMPLEMENT,
    _COURTESY,
    _GESTURE_VERB,
    _HE,
    _PLACE_NOUNS,
    _PLACE_PREP,
    _PRONOUN_GENDER,
    _SENTENCE_END,
    _SHE,
    _SUBJ_PRON,
    _SUBJ_PRON_ASCII,
    _SUBJECT_VERB,
    _UNMARRIED,
    DEMONYMS,
    DETERMINERS,
    HARD_STOP,
    HONORIFICS,
    MID_TITLE,
    NAME_RE,
    STOP,
    Cast,
    Mention,
    _key,
    normal_form,
    run_key,
    split_name,
    tag_name_ok,
)
from .firstnames import first_name_gender
from .names import LOWER, NAME_START, WordCounts
from .places import peoples_and_places
from .speechverbs import VERB

NameMatch = tuple["re.Match[str]", bool, int]
_NAME_START = re.compile(NAME_START)
_TOKEN = re.compile(r"\S+")


def name_matches(text: str, spans: Iterable[tuple[int, int, bool]]) -> list[NameMatch]:
    """Every capitalised run (with any title) inside the spans (start, end, in_quote)."""
    return [(m, in_quote, s) for s, e, in_quote in spans for m in _name_runs(text, s, e)]


def _name_runs(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """`NAME_RE.finditer(text, start, end)`, tried only where a capital (or caseless letter) stands.

    Every name opens with one, and the regex engine finds a single class fast, while the name pattern
    itself (a look-behind, then a title or a word) is tried at every character by `finditer`.
    """
    pos = start
    match = NAME_RE.match
    for c in _NAME_START.finditer(text, start, end):
        p = c.start()
        if p >= pos:
            m = match(text, p, end)
            if m is not None:
                yield m
                pos = m.end()


def count_runs(matches: Iterable[NameMatch], words: WordCounts) -> None:
    """Count every capitalised run as written (before any cleaning)."""
    for m, _, _ in matches:
        key = run_key(m.group("name").split())
        words.runs[key] += 1
        if (m.group("hon") or "").rstrip(".").lower() in _COURTESY:
            words.titled[key] += 1


def clean_run(toks: list[str], words: WordCounts | None) -> int:
    """How many leading words of a capitalised run are not part of the name.

    "Poor Fairweather", "Soon Miriam", "Darling Greta": a word the book mostly writes in lower case is
    an ordinary word glued to the name. "Harvest Festival Lionel": a rare run ending in a name the book
    uses on its own all the time, whose first words never stand alone, is two things side by side.
    """
    if words is None:
        return 0
    i = 0
    while len(toks) - i > 1 and toks[i].lower() not in HONORIFICS and words.common(toks[i], params.CAST.min_lower):
        i += 1
    n = words.runs[run_key(toks[i:])]
    if len(toks) - i >= 2 and n <= params.CAST.rare_run:
        for k in range(i + 1, len(toks)):
            suffix, prefix = words.runs[run_key(toks[k:])], words.runs[run_key(toks[i:k])]
            if suffix < params.CAST.split_ratio * max(1, n):
                continue
            if prefix < 2:
                return k
            # "with Greta Hugo always came first": two names the book uses alone, rarely together, the
            # second never a surname under "Mr."/"Mrs." (as "Tallis" in "Ralph Tallis" is)
            if prefix >= params.CAST.split_ratio * max(1, n) and words.titled[run_key(toks[k:])] < 2:
                return k
    return i


def find_names(text: str, spans: Iterable[tuple[int, int, bool]], words: WordCounts | None = None,
               matches: Sequence[NameMatch] | None = None) -> list[tuple[int, int, str, bool, bool]]:
    """Name-like mentions in text within spans (start, end, in_quote): (start, end, form, in_quote, initial)."""
    out = []
    for m, in_quote, s in (matches if matches is not None else name_matches(text, spans)):
        hon = m.group("hon")
        base = m.start("name")
        toks = list(_TOKEN.finditer(m.group("name")))
        i, j = 0, len(toks)
        while i < j and toks[i].group() in STOP:
            i += 1
        while j > i and toks[j - 1].group() in STOP:
            j -= 1
        if i == j:
            continue
        if hon and hon.endswith(".") and hon[:-1].lower() not in _ABBREV:
            hon = None  # "the General. Having...": a full stop after a rank ends a sentence
        if i < j - 1:
            drop = clean_run([t.group() for t in toks[i:j]], words)
            i += drop
        if i:
            hon = None  # "But Anne": the title belonged to nothing
        start = m.start() if hon else base + toks[i].start()
        end = base + toks[j - 1].end()
        form = normal_form(hon.rstrip(".").lower() if hon else None, [t.group() for t in toks[i:j]])
        initial = bool(_INITIAL.search(text, max(s, start - 6), start)) \
            or not text[s:start].strip(" \t\n\"'\u201c\u2018")
        if not hon and j - i == 1 and _ADJECTIVAL.search(text, max(s, start - 25), start) \
                and _LOWER_NOUN.match(text, end):
            continue  # "a very poor Italian scholar", "some Egyptian sphinx": an adjective, not a person
        if not hon and j - i == 1 and toks[i].group().lower() in DEMONYMS:
            continue  # "the Englishman": a nationality, not a name
        if j - i == 1 and words is not None and words.common(toks[i].group(), params.CAST.min_lower):
            continue  # "Soon", "Poor": an ordinary word at a sentence start
        out.append((start, end, form, in_quote, initial))
    return out


_BLANK_LINE = re.compile(r"\n\s*\n")
_SPEECH = re.compile(r"[\"\u201c][^\"\u201d]*[\"\u201d]?")
_HE_SHE = re.compile(r"\s*(He|She)\b")
#: A speech tag's he/she after a speech (blanked out) that follows a sentence end: "... smiled. '...,' he said".
_TAG_PRONOUN = re.compile(rf"\s*(he|she)\s+(?:{LOWER}+ly\s+)?{VERB}")
_HE_SHE_ANY = re.compile(r"\b([Hh]e|[Ss]he)\b")
#: Between a name and a pronoun: someone else of the pronoun's gender it more likely means (an object pronoun,
#: "his aunt"), so the pronoun says nothing of the name's gender.
_OBJECT_AFTER = (r"(?=\s*(?:[,.;:!?]|(?:and|but|or|to|that|whether|if|when|while|as|with|for|in|on|at|by|from|into|"
                 r"up|down|out|away|back|again|so|then|once)\b))")  # "her" as an object, not "her coat"
_PERSON_DET = r"(?:his|her|the|a|an|their|my)\s+(?:(?:old|young|little)\s+)?"
_OTHER_REFERENT: dict[str, re.Pattern[str]] = {
    "male": re.compile(rf"\b(?:him|himself|{_PERSON_DET}(?:man|gentleman|boy|lad|fellow|father|husband|brother|"
                       r"son|uncle|nephew|grandfather))\b"),
    "female": re.compile(rf"\b(?:herself|her{_OBJECT_AFTER}|{_PERSON_DET}(?:woman|lady|girl|mother|wife|sister|"
                         r"daughter|aunt|niece|grandmother|maid))\b"),
}
#: After a name: a verb (with an aside or an adverb first), so the name is the sentence's subject.
_FOLLOWED_BY_VERB = re.compile(rf"(?:,[^,]{{0,25}},)?\s+(?:{LOWER}+ly\s+)?{LOWER}+")
_ADJECTIVAL = re.compile(r"\b(?:[Aa]n?|[Ss]ome|[Aa]ny|[Ee]very|[Nn]o)\s+(?:[a-z]+\s+){0,2}$")
_LOWER_NOUN = re.compile(r"[ \t]+[a-z]")
_INITIAL = re.compile(r"[.!?\u2026:;][\"'\u201d\u2019]?\s+[\"'\u201c\u2018]?$")


def gender_votes(text: str, mentions: Sequence[Mention], cast: Cast,
                 narration: Sequence[tuple[int, int]] = ()) -> None:
    """Vote a gender for each entity from a subject pronoun that follows its mention closely.

    No vote when the pronoun more likely means someone else: a subject of its gender earlier in the name's
    sentence, or between the two an object pronoun or a person-noun of its gender ("asked her whether she").

    A pronoun the narration uses all the time (the viewpoint character's "she") is weak evidence about
    whoever happens to be named near it, so votes are weighted by how rare their pronoun is.
    """
    # (the narration read as one text, a space between its parts: each part opens after a quote mark, a space
    # or its paragraph's start, so no pronoun's word boundary changes, and two searches do instead of two a part)
    told = " ".join(text[s:e] for s, e in narration)
    he, she = len(_HE.findall(told)), len(_SHE.findall(told))
    weight = {"male": min(1.0, ((she + 5) / (he + 5)) ** 0.5), "female": min(1.0, ((he + 5) / (she + 5)) ** 0.5)}
    narr = [m for m in mentions if not m.in_quote]
    owns: dict[int, Counter[str]] = {}  # "Mara dropped her bag": weaker votes, kept for the names with no other
    for k, m in enumerate(narr):
        window = text[m.end:min(len(text), m.end + params.CAST.vote_window)]
        brk = _BLANK_LINE.search(window)
        if brk:
            window = window[:brk.start()]  # a pronoun in the next paragraph may be anyone's
        # speech inside the window says nothing about the narration's subject (blanked only where a quote opens)
        if '"' in window or "\u201c" in window:
            window = _SPEECH.sub(lambda x: " " * len(x.group()), window)
        end = _SENTENCE_END.search(window)
        nxt = narr[k + 1].start - m.end if k + 1 < len(narr) else len(window)
        same = window[:min(end.start() if end else len(window), nxt)]
        p = next((x for x in _subject_pronouns(same) if not _COMPLEMENT.search(same, 0, x.start())), None)
        if not p and end and m.subject:
            # "Greta looked up at Mr. Quill. She smiled." : the next sentence's opening pronoun is the subject's
            later_subject = any(o.subject and o.start < m.end + end.start() for o in narr[k + 1:k + 4])
            if not later_subject:
                p = _HE_SHE.match(window, end.end())
                if not p and _GESTURE_VERB.match(text, m.end):
                    # ...or, after a gesture, the he/she tagging a speech right after ("Bram smiled. '...,' he
                    # said"), if nobody else is named on the way
                    p = _TAG_PRONOUN.match(window, end.end(), nxt)
        if not p and m.subject:
            g_own = _own_possessive(same)
            if g_own is not None:
                owns.setdefault(m.entity, Counter())[g_own] += weight[g_own] * params.CAST.possessive_vote
            continue
        if p:
            g = _PRONOUN_GENDER[p.group(1).lower()]
            if not m.subject and _same_pronoun_before(text, m.start, g):
                continue  # "She smiled at Bram, and she left": the second "she" is the first, not Bram
            if _OTHER_REFERENT[g].search(window, 0, p.start()):
                continue  # "Bram asked her whether she...", "Bram met his aunt when she...": her, his aunt
            cast.entities[m.entity].votes[g] += weight[g]
    for idx, own_votes in owns.items():
        votes = cast.entities[idx].votes
        if votes["male"] + votes["female"] == 0:  # only where no "he"/"she" said anything
            votes.update(own_votes)


def _subject_pronouns(same: str) -> Iterator[re.Match[str]]:
    """`_SUBJ_PRON.finditer(same)`: in its faster lower-case form where the text is ASCII (there lower() keeps every
    offset, and case-blind matching is matching the lower case)."""
    return _SUBJ_PRON_ASCII.finditer(same.lower()) if same.isascii() else _SUBJ_PRON.finditer(same)


#: A possessive after a subject's verb (or a second verb): "Mara dropped her bag", "Bea sighed and grabbed her
#: coat", "Bea came out, drying her hands" (hers, most often).
_PARTICLES = r"(?:\s+(?:up|down|out|off|on|in|back|at|from|to|into|over))*"
_POSSESSIVE = re.compile(rf"^\s+(?:[a-z]+ly\s+)?[a-z]+{_PARTICLES}(?:(?:,\s+|\s+and\s+)[a-z]+{_PARTICLES})?\s+"
                         rf"(his|her)(?!{_OBJECT_AFTER})\s+[a-z]")  # not "watched her with": her, an object


def _own_possessive(after: str) -> Gender | None:
    """The gender of a his/her right after a subject's verb ("dropped her bag"), unless it likely is another's."""
    own = _POSSESSIVE.search(after, 0, params.CAST.possessive_reach)
    if own is None:
        return None
    g = _PRONOUN_GENDER[own.group(1).lower()]
    return None if _OTHER_REFERENT[g].search(after, 0, own.start()) else g


def _same_pronoun_before(text: str, start: int, gender: Gender) -> bool:
    """Whether the sentence before a name already has a subject "he"/"she" of this gender (in its narration)."""
    before = text[max(0, start - params.CAST.vote_window):start]
    brk = list(_BLANK_LINE.finditer(before))
    ends = list(_SENTENCE_END.finditer(before, brk[-1].end() if brk else 0))
    clause = _SPEECH.sub(" ", before[ends[-1].end() if ends else brk[-1].end() if brk else 0:])
    return any(_PRONOUN_GENDER[x.group(1).lower()] == gender for x in _HE_SHE_ANY.finditer(clause))


def _implied_husbands(cast: Cast) -> None:
    """"Mrs. Charles Ashdown" implies a man, Charles Ashdown, who may be the chapter's bare "Charles".

    Two men sharing a first name: the author spells out the full name of the one the story knows less
    ("Charles Pellow") and says just "Charles" for the familiar one, so the bare name goes to the bearer
    whose full name the chapter uses least.
    """
    for i, wife in enumerate(list(cast.entities)):
        if HONORIFICS.get(wife.hon or "") != "female" or not wife.first or not wife.last:
            continue
        bare = cast.by_form.get(_key(wife.first))
        if bare is None or bare == i:
            continue
        other = cast.entities[bare]
        if other.last is None or other.last == wife.last or other.hon or HONORIFICS.get(other.hon or "") == "female":
            continue  # the bare name is no other man's full-named entity: nothing to choose between
        full = sum(n for f, n in other.forms.items() if len(split_name(f)[1]) >= 2)
        plain = other.forms.get(wife.first, 0)
        if not (full and plain >= 3 * full):
            continue
        own = sum(n for f, n in wife.forms.items() if wife.first in split_name(f)[1])
        if (wife.hon in _UNMARRIED or first_name_gender(wife.first) == "female") and own < full:
            continue  # "Miss Ada Vell" (her maiden name) thrice beside "Ada Corran" five times: "Ada" is Ada Corran
        husband = cast._new(None, [wife.first, wife.last])
        h = cast.entities[husband]
        h.known_gender = "male"
        h.forms[normal_form(None, [wife.first, wife.last])] = 1
        h.forms[wife.first] = other.forms.pop(wife.first)
        cast.by_form[_key(wife.first)] = husband


def build_cast(text: str, narration: Sequence[tuple[int, int]], speech: Sequence[tuple[int, int]],
               known: Sequence[Character] = (), exclude: Sequence[str] = (), book: Cast | None = None) -> Cast:
    """Find the characters named in a chapter and every place they are mentioned.

    With `book` (the cast `survey_book` made of the whole book), the chapter starts from a copy of it: the
    same people under the same names in every chapter; only the mentions are this chapter's.
    """
    spans = [(s, e, False) for s, e in narration] + [(s, e, True) for s, e in speech]
    if book is not None:
        cast = book.copy()
        raw = find_names(text, spans, cast.words)
        _mentions(cast, text, raw, count=False)
        return cast
    words = WordCounts()
    words.add(text)
    matches = name_matches(text, spans)
    count_runs(matches, words)
    cast = Cast(known, exclude)
    cast.words = words
    raw = find_names(text, spans, words, matches)
    _add_forms(cast, text, raw)
    _mentions(cast, text, raw, count=True)
    gender_votes(text, cast.mentions, cast, narration)
    return cast


def _add_forms(cast: Cast, text: str, raw: Sequence[tuple[int, int, str, bool, bool]]) -> None:
    """Create (and merge) the entities for the name forms found in the text."""
    # A word seen only at sentence starts is probably not a name ("Contraptions"), unless titled.
    mid = {form for _, _, form, _, initial in raw if not initial}
    # A sentence-initial word followed by a past-tense verb acts as a subject: "Greta looked up."
    for _start, end, form, in_quote, initial in raw:
        if initial and form not in mid and _acts_as_name(text, end, form, in_quote, cast.words):
            mid.add(form)
    _merge_forms(cast, Counter(form for _, _, form, _, _ in raw), mid)


def _acts_as_name(text: str, end: int, form: str, in_quote: bool, words: WordCounts | None) -> bool:
    """A sentence-initial word that is still a name: the subject of a verb ("Greta looked up."), or a common
    given name in the narration that the book does not use as an ordinary word ("Anna and Peter sat down.")."""
    if not re.search(r"(?:ly|ing|ed)$", form) and _SUBJECT_VERB.match(text, end):
        return True
    return not in_quote and " " not in form and first_name_gender(form) is not None \
        and not (words is not None and words.common(form, 1))


def _merge_forms(cast: Cast, counts: Counter[str], mid: set[str]) -> None:
    """Entities for name forms, longest and titled forms first so short forms find their full name."""
    cast.mid = mid  # forms written mid-sentence: names, unlike "Tears came into his eyes."
    mid_tokens = {t for f in mid for t in split_name(f)[1]}
    forms = Counter({f: n for f, n in counts.items()
                     if f in mid or split_name(f)[0] or all(t in mid_tokens for t in split_name(f)[1])})
    order = sorted(forms, key=lambda f: (-len(split_name(f)[1]), -bool(split_name(f)[0]), -forms[f], f))
    for form in order:
        hon, names = split_name(form)
        if len(names) > 3:
            continue
        idx = cast.lookup(form, create=True)
        if idx is not None:
            cast.entities[idx].forms[form] += forms[form]
    _implied_husbands(cast)
    _mark_things(cast)


_ES_PLURAL = re.compile(r"(?:x|z|ch|sh|ss)es$")  # "the Maddoxes", "the Birches": a plural of the surname


def _mark_things(cast: Cast) -> None:
    """Families ("the Ashdowns", "Miss Pruetts": a plural of the book's surname), places named by a
    place noun ("Birchfield Cottage", "Hollins End"), a place beside its people ("Velandia", "Velandian")
    are no characters, whatever else they do."""
    names = {t for e in cast.entities for t in (e.first, e.last) if t}
    peoples = peoples_and_places(e.name for e in cast.entities if not e.hon and not e.descriptive)
    for e in cast.entities:
        if e.descriptive or e.fixed_name:
            continue
        hon, toks = split_name(e.name)
        last = toks[-1] if toks else ""
        plural = last[:-2] if _ES_PLURAL.search(last) else last[:-1] if last.endswith("s") else ""
        family = len(last) > 3 and plural in names and not (e.first and e.last)  # "Bill Sykes": no "Mr. Syke"s
        place = len(toks) >= 2 and not hon and last.lower() in _PLACE_NOUNS and first_name_gender(toks[0]) is None
        e.thing = family or place or (e.name in peoples and not e.tagged)


#: A word before a name that makes it no sentence's subject, whatever verb follows ("in Bath stood", "to Anne said").
_NO_SUBJECT_AFTER = _PLACE_PREP | {"to", "of", "with", "by", "for", "and", "at"}


def _mentions(cast: Cast, text: str, raw: Sequence[tuple[int, int, str, bool, bool]], count: bool) -> None:
    """The chapter's mentions of known entities; with count, also their place-like uses."""
    mentions = []
    for start, end, form, in_quote, _initial in sorted(raw):
        idx = cast.by_form.get(_key(form))
        if idx is None:
            continue
        prev = text[max(0, start - 12):start].split()
        if count and prev and prev[-1].lower() in _PLACE_PREP:
            cast.entities[idx].place += 1
        elif count and prev and prev[-1].lower() == "to":
            cast.entities[idx].place += 0.5  # "went to Bath" (but also "said to Anne")
        if count and prev and prev[-1] in DETERMINERS:
            cast.entities[idx].det += 1
        after = text[end:end + 30]
        if count and not in_quote and _GESTURE_VERB.match(after):
            cast.entities[idx].acts += 1
        subject = not in_quote and bool(_FOLLOWED_BY_VERB.match(after)) \
            and not (prev and prev[-1].lower() in _NO_SUBJECT_AFTER)
        mentions.append(Mention(start, end, idx, in_quote, subject))
    cast.mentions = mentions


ChapterSpans = tuple[str, Sequence[tuple[int, int]], Sequence[tuple[int, int]]]


def survey_book(chapters: Callable[[], Iterable[ChapterSpans]], exclude: Sequence[str] = ()) -> Cast:
    """One cast for a whole book: every chapter's names cleaned, merged and voted on together.

    `chapters()` yields (text, narration spans, speech spans) per chapter and is called twice (word counts
    first, then names), so a streamed book is never held whole.
    """
    words = WordCounts()
    for text, narration, speech in chapters():
        words.add(text)
        count_runs(name_matches(text, [(s, e, False) for s, e in narration] + [(s, e, True) for s, e in speech]),
                   words)
    cast = Cast((), exclude)
    cast.words = words
    counts: Counter[str] = Counter()
    mid: set[str] = set()
    for text, narration, speech in chapters():
        spans = [(s, e, False) for s, e in narration] + [(s, e, True) for s, e in speech]
        raw = find_names(text, spans, words)
        counts.update(form for _, _, form, _, _ in raw)
        mid |= {form for _, _, form, _, initial in raw if not initial}
        for _start, end, form, in_quote, initial in raw:
            if initial and form not in mid and _acts_as_name(text, end, form, in_quote, words):
                mid.add(form)
    _merge_forms(cast, counts, mid)
    for text, narration, speech in chapters():
        spans = [(s, e, False) for s, e in narration] + [(s, e, True) for s, e in speech]
        _mentions(cast, text, find_names(text, spans, words), count=True)
        gender_votes(text, cast.mentions, cast, narration)
    cast.mentions = []
    return cast


__all__ = ["DEMONYMS", "HARD_STOP", "HONORIFICS", "MID_TITLE", "STOP", "Cast", "Mention", "build_cast", "split_name",
           "survey_book", "tag_name_ok"]
