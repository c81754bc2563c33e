"""Find the dialogue in a chapter and say who speaks each line, in passes from most to least certain.

Passes: explicit tags (a name beside the quote with a speech verb, in any order), vocatives (the person
addressed is not the speaker), pronoun and description tags (resolved by recency, gender and the
conversation), paragraph actors (whose action opens or closes the paragraph), quotes continuing across
paragraphs, and turn-taking (alternation between the last two speakers) for untagged runs.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..model import NARRATOR, Character, Gender, Paragraph, Segment
from . import params
from .characters import (
    HARD_STOP,
    HONORIFICS,
    STOP,
    Cast,
    Mention,
    build_cast,
    split_name,
    survey_book,
)
from .names import LOWER, NAME_WORD, UPPER
from .quotes import Part, detect_convention, split_paragraph
from .speechverbs import LEMMA, SPEECH_NOUNS, VERB

# ---------------------------------------------------------------- patterns for tags

_CAP = NAME_WORD
_HON = "|".join(sorted((re.escape(h.capitalize()) for h in HONORIFICS), key=len, reverse=True))
_NAMEP = rf"(?:(?:{_HON})\.?\s+)?{_CAP}(?:\s+{_CAP}){{0,2}}"
_PRON = r"(?:he|she|I|He|She|they|They|we|We)"
_DET = r"(?:the|The|a|A|an|An|his|His|her|Her|my|My|their|Their|our|Our|this|This|that|That|your|Your)"
_FN = (r"(?:(?:in|of|with|at|on|to|and|or|the|a|an|as|by|for|from|into|who|that|which|but|not|was|had|is|his|her|its|"
       r"their|my|your|our|him|them|me|us)\b"
       r"|(?:without|after|before|again|upon|once|still|then|now|too|very|so|only|just|when|while|instead)\b"
       rf"|[{LOWER}-]+ly\b)")  # "the old lady energetically": the adverb is not part of the description
_DESC = (rf"{_DET}\s+(?:(?!{_FN})[{LOWER}-]+\s+){{0,2}}(?:(?!{_FN})[{LOWER}-]+|[{UPPER}][{LOWER}-]+)"
         rf"(?:\s+(?:in|with|of)\s+(?:the\s+)?(?:(?!{_FN})[{LOWER}'\u2019-]+\s+){{0,2}}[{LOWER}-]+(?=\s*[,.;:!?]|"
         rf"\s*$))?")
_SUBJ = rf"(?P<subj>{_NAMEP}|{_PRON}|{_DESC})"
_ADV = (rf"(?:[{LOWER}]+ly|had|has|was|then|now|again|also|only|once|presently|quickly|at\s+once|at\s+last|"
        rf"at\s+length|in\s+turn|still|even|just|softly|aloud|back)")
_LEAD = r"^[\s,\u2014\u2013\-\u2026]*"
_ASIDE = r"(?:,[^,.;:!?\"]{1,60},)?"  # "the Colonel, with a catch in his voice, cried"

# "said poor Mary", "said the kindly Mrs. Hale": words between the verb and a name describe the speaker
AFTER_V_ADJ_NAME = re.compile(rf"{_LEAD}{VERB}\s+(?:the\s+)?(?:(?!(?:to|at|of|in|into|with|for|from|by|on|and|or|but|"
                              rf"nothing|something|that|who|as|then)\b)"
                              rf"[{LOWER}-]+\s+){{1,2}}"
                              rf"(?P<subj>{_NAMEP})(?=\s*[,.;:!?\u2014]|\s*$)")
# "Anne said", "the old man slowly replied", "he had asked"
AFTER_SV = re.compile(rf"{_LEAD}{_SUBJ}{_ASIDE}\s+(?:{_ADV}\s+){{0,3}}{VERB}")
# "said Anne", "cried the old man", "said he", "went on Marilla"
AFTER_VS = re.compile(rf"{_LEAD}(?:{_ADV}\s+)?{VERB}(?:\s+(?:out|up|back|again|aloud|"
                      rf"{_ADV}))?\s+{_SUBJ}(?![\w'\u2019])")
# "were the wondrous words from Anne's lips", "came Anne's reply", "was Anne's answer"
AFTER_POSS = re.compile(
    rf"{_LEAD}(?:(?:came|come|comes|was|were|is|are|said|sounded|rang|followed)\s+)?(?:[{LOWER}]+\s+){{0,5}}?"
    rf"(?:(?:from|of|in)\s+)?(?P<subj>{_NAMEP}|his|her|my)['\u2019]?s?\s+(?:[{LOWER}]+\s+){{0,2}}(?:{SPEECH_NOUNS})\b")
# "It was Poirot who spoke."
AFTER_CLEFT = re.compile(rf"^\s*(?:It|it)\s+was\s+{_SUBJ}\s+who\s+(?:had\s+)?{VERB}")
# "Anne nodded", "she smiled" : a subject then any past-tense verb (an actor, not a speech tag)
AFTER_ACTOR = re.compile(rf"{_LEAD}{_SUBJ}\s+(?:{_ADV}\s+){{0,2}}(?P<verb>[{LOWER}]+ed|[{LOWER}]+s|took|gave|made|"
                         rf"came|went|looked|turned|stood|sat|ran|put|held|shook|threw|saw|felt|knew|got|let)\b")
# before the quote: "Anne said:", "she said to Marilla,", "said Anne:"
BEFORE_SV = re.compile(rf"(?:^|[,;]\s*|\b(?:and|then|but|when|as|so|until|till|which|whom|while|where)\s+|"
                       rf"(?<![\w'\u2019])(?=(?:he|she|"
                       rf"I)\s)){_SUBJ}{_ASIDE}\s+(?:{_ADV}\s+){{0,3}}{VERB}(?P<tail>[^.!?\"\u201c\u201d]{{0,100}})$")
BEFORE_VS = re.compile(rf"(?:^|[,;]\s*|\b(?:and|then|but)\s+){VERB}\s+{_SUBJ}\s*[,:\u2014\-]*\s*$")
# the subject opening a sentence of narration: "Then Anne turned", "She looked"
SENT_SUBJ = re.compile(rf"^[\s\u2014\u2013\-]*(?:(?:Then|But|And|Now|So|At\s+last|Suddenly|Presently|"
                       rf"All\s+of\s+a\s+sudden)\s*,?\s+)?{_SUBJ}{_ASIDE}\s+(?:{_ADV}\s+){{0,2}}[{LOWER}]+")
_HAS_VERB = re.compile(rf"\b{VERB}")

_TO_NAME = re.compile(rf"\bto\s+(?P<v>{_NAMEP})")
_VOC_START = re.compile(rf"^\W*(?:(?:Oh|O|Ah|Well|Yes|No|Now|Dear|My\s+dear|Why|Look\s+here|Good\s+morning|"
                        rf"Good\s+night|Good-bye|Hello|Thank\s+you),?\s+)?(?P<v>{_NAMEP})\s*[,!?.]")
# "I'm Tobias Reed", "My name is Anne", "Call me Ishmael": the speaker names themself
_INTRO = re.compile(rf"(?:^|[.!?,;]\s+|\b(?:and|but|well|oh|yes|no)\s*,?\s+)(?:I\s+am|I'm|I\u2019m|[Mm]y\s+name\s+is|"
                    rf"[Mm]y\s+name's|"
                    rf"[Mm]y\s+name\u2019s|[Nn]ame's|[Nn]ame\u2019s|[Cc]all\s+me|"
                    rf"[Tt]his\s+is)\s+(?P<v>{_NAMEP})(?=\s*(?:[,.!?;\u2014]|$|--|\s+(?:and|of|from|here)\b))")
# "Tobias Reed. I run the ferry": a full name as its own sentence, then the speaker talking of themself
_NAME_SENTENCE = re.compile(rf"^\W*(?P<v>{_NAMEP})\s*\.\s+(?:I|I'm|I've|I'll|My|I\u2019m)\b")
# a question about who someone is or what they are called, which the next speech answers
_WHO_Q = re.compile(r"\b(?:[Ww]ho|[Ww]hat(?:'s|\s+is)\s+your\s+name|your\s+name)\b[^.!]*\?")
_VOC_IN = re.compile(rf"[,;]\s*(?:my\s+dear\s+|dear\s+|my\s+|old\s+)?(?P<v>{_NAMEP})\s*(?:[,.!?;\u2014]|$)")

#: A sentence end that a tag leading into speech does not cross (";" may: "moved the lamp; and said,").
_FULL_STOP = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bMs)(?<!\bSt)(?<!\bMme)[.!?](?=[\s\"'\u201d\u2019]|$)")
_SENT_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bMs)(?<!\bSt)(?<!\bMme)[.!?;](?=[\s\"'\u201d\u2019]|$)")
_WORD_RE = re.compile(r"[^\W_]+")

_MALE_NOUNS = set("""man men gentleman boy lad fellow father husband brother son uncle king lord sir master
grandfather nephew priest monk gentlemen youth groom bridegroom squire jew beadle""".split())
_FEMALE_NOUNS = set("""woman women lady girl lass mother wife sister daughter aunt queen maid maiden widow
grandmother niece nun bride mistress matron dame housekeeper""".split())
#: Nouns too common to pick out one character by themselves.
_GENERIC_NOUNS = set("""man woman men women boy girl lady gentleman fellow child person other one creature people
youth stranger figure voice latter former friend visitor companion""".split())
# a sentence whose subject is a newcomer's voice: "A voice called from below", "Then a second voice rang out"
_VOICE_SUBJ = re.compile(rf"^(?:(?:Then|But|And|Now|Suddenly|Presently)\s*,?\s+)?(?P<subj>(?:[Aa]n?|[Aa]nother|"
                         rf"[Tt]he\s+(?:second|third|new|strange|other))"
                         rf"\s+(?:[{LOWER}-]+\s+){{0,2}}?voices?)\s+(?:[{LOWER}]+ly\s+)?[{LOWER}]+ed\b")
# a finite verb right after a name: the name is its clause's subject ("and Poirot stood aside")
_CLAUSE_VERB = re.compile(rf"\s+(?:[{LOWER}]+ly\s+)?(?:[{LOWER}]{{2,}}ed|was|had|stood|sat|took|came|went|made|gave|"
                          rf"turned|looked|held|put|ran|said|spoke|began|saw|felt|knew|got|let|kept|rose|drew|threw|"
                          rf"shook|struck|broke|caught|left|bent|laid|set)\b")
# an answer without words: the turn passes back to the one who spoke
_GESTURE = re.compile(r"\b(?:(?:shook|shake|shaking)\s+(?:my|his|her)\s+head|nodded|shrugged|said\s+nothing|"
                      r"was\s+silent|"
                      r"made\s+no\s+(?:reply|answer)|did\s+not\s+(?:answer|reply)|didn't\s+(?:answer|reply))\b")
_GESTURE_BY = re.compile(rf"(?m)(?:^|(?<=[.!?;]\s))(?P<subj>{_NAMEP}|He|She|I)\s+(?:[{LOWER}]+ly\s+)?"
                         rf"(?:(?:[{LOWER}]+\s+){{0,3}}?(?:shook|shake)\s+(?:my|his|her)\s+head|nodded|shrugged|"
                         rf"said\s+nothing|was\s+silent|"
                         rf"made\s+no\s+(?:reply|answer)|did\s+not\s+(?:answer|reply))\b")
_VERB_RE = re.compile(VERB)
# "the child", "the little girl" in the narration (adults so called are mostly named nearby: "the old gentleman")
_DESC_MENTION = re.compile(rf"\b[Tt]he\s+((?:[{LOWER}-]+\s+){{0,2}}?)(child|girl|boy|stranger|youth|lad|"
                           rf"lass)\b(?![\w'\u2019-])")
_ORDINAL_WORDS = {"other", "second", "third", "first", "last", "former", "latter", "next", "same", "another", "whole",
                  "very", "only", "young", "elder", "younger", "eldest", "youngest"}
#: Speech verbs that carry on the speech of whoever spoke last.
_CONTINUE_VERBS = {"add", "continue", "resume", "go", "pursue", "proceed", "repeat", "persist"}
#: Words that make a voice a newcomer's ("a second voice", "a new voice").
_NEW_WORDS = {"second", "third", "new", "strange", "unknown", "another", "fresh", "different", "other"}
_TITLE_NOUNS = {"doctor": "dr", "inspector": "inspector", "captain": "captain", "colonel": "colonel",
                "professor": "professor", "major": "major", "general": "general", "sergeant": "sergeant",
                "judge": "judge", "nurse": "nurse", "reverend": "rev", "marquis": "marquis"}

_I_RE = re.compile(r"\b(?:I|me|my|myself)\b")
NARR = -1  # internal speaker id of a first-person narrator


@dataclass
class _Quote:
    part: Part
    para: int
    text: str
    continued: bool = False  # continues a quote left open at the end of the previous paragraph
    tag_kind: str = ""  # "name", "narrator", "pronoun", "description", "actor"
    tag_value: str = ""
    tag_where: str = ""  # "after" / "before"
    tag_pos: int = 0
    speaker: int | None = None
    conf: float = 0.0
    reason: str = "unknown"
    vocatives: list[int] = field(default_factory=list)
    self_named: int | None = None  # the speaker introduced themself by this name
    spoken_to: list[int] = field(default_factory=list)  # named as the one spoken to in the tag


@dataclass
class _Turn:
    paras: list[int]
    quotes: list[_Quote]
    run: int = 0

    @property
    def first(self) -> int | None:
        return next((q.speaker for q in self.quotes if q.speaker is not None), None)

    @property
    def last(self) -> int | None:
        return next((q.speaker for q in reversed(self.quotes) if q.speaker is not None), None)


# ---------------------------------------------------------------- public API


def dialogue_parts(text: str, paragraphs: Sequence[Paragraph],
                   offset: int = 0) -> tuple[list[tuple[int, int, int]], list[list[Part]]]:
    """The chapter's paragraphs (local spans) and each one cut into narration and dialogue parts."""
    paras = _clean_paragraphs(text, paragraphs, offset)
    convention = detect_convention("\n\n".join(text[s:e] for s, e, _ in paras) if paras else "")
    parts_by_para: list[list[Part]] = []
    for s, e, _ in paras:
        prev = parts_by_para[-1] if parts_by_para else []
        open_before = bool(prev) and prev[-1].kind == "dialogue" and not prev[-1].closed
        parts_by_para.append(split_paragraph(text, s, e, convention, open_before=open_before))
    return paras, parts_by_para


def survey(chapters: Callable[[], Iterable[tuple[str, Sequence[Paragraph], int]]],
           exclude: Sequence[str] = ()) -> Cast:
    """The whole book's cast, from every chapter's (text, paragraphs, offset); `chapters()` is read twice."""
    def spans() -> Iterator[tuple[str, list[tuple[int, int]], list[tuple[int, int]]]]:
        for text, paragraphs, offset in chapters():
            _, parts = dialogue_parts(text, paragraphs, offset)
            flat = [p for plist in parts for p in plist]
            yield (text, [(p.start, p.end) for p in flat if p.kind == "narration"],
                   [(p.start, p.end) for p in flat if p.kind == "dialogue"])
    return survey_book(spans, exclude)


def attribute(text: str, paragraphs: Sequence[Paragraph], *, offset: int = 0,
              known: Sequence[Character] = (), exclude: Sequence[str] = (),
              book: Cast | None = None) -> tuple[tuple[Segment, ...], tuple[Character, ...]]:
    """Split paragraphs into narration and dialogue segments and attribute each dialogue segment a speaker.

    `book`: the whole book's cast (`survey`), so every chapter names the same people the same way.
    """
    paras, parts_by_para = dialogue_parts(text, paragraphs, offset)
    chapter = _Chapter(text, paras, parts_by_para, known, exclude, book)
    chapter.run()
    return chapter.segments(offset), chapter.characters()


def contradictions(text: str, segments: Sequence[Segment], *, offset: int = 0) -> list[Segment]:
    """Dialogue segments whose speaker contradicts an explicit tag right beside them (should be empty)."""
    out = []
    for seg in segments:
        if seg.kind != "dialogue" or seg.speaker is None:
            continue
        s, e = seg.start - offset, seg.end - offset
        if not (0 <= s <= e <= len(text)):
            continue
        named = _explicit_name_beside(text, s, e)
        if named is None:
            continue
        if named == "I":
            if seg.speaker != NARRATOR:
                out.append(seg)
            continue
        if not _names_agree(named, seg.speaker):
            out.append(seg)
    return out


# ---------------------------------------------------------------- the chapter model


def _clean_paragraphs(text: str, paragraphs: Sequence[Paragraph], offset: int) -> list[tuple[int, int, int]]:
    """Local, in-bounds, ordered paragraph spans: never trust offsets blindly (attribute never raises)."""
    out = []
    last = 0
    for p in paragraphs:
        s, e = max(p.start - offset, 0), min(p.end - offset, len(text))
        s = max(s, last)
        if e <= s:
            continue
        out.append((s, e, p.scene))
        last = e
    return out


class _Chapter:
    """State of one attribution run over a chapter."""

    def __init__(self, text: str, paras: list[tuple[int, int, int]], parts: list[list[Part]],
                 known: Sequence[Character], exclude: Sequence[str], book: Cast | None = None) -> None:
        self.text = text
        self.paras = paras
        self.parts = parts
        self.quotes: list[_Quote] = []
        self.by_para: list[list[_Quote]] = [[] for _ in paras]
        for i, plist in enumerate(parts):
            for part in plist:
                if part.kind == "dialogue":
                    q = _Quote(part, i, text[part.start:part.end])
                    self.quotes.append(q)
                    self.by_para[i].append(q)
        # quotes left open at a paragraph's end continue into the next paragraph's opening quote
        for i in range(1, len(parts)):
            prev, cur = parts[i - 1], parts[i]
            if prev and cur and prev[-1].kind == "dialogue" and not prev[-1].closed and cur[0].kind == "dialogue":
                self.by_para[i][0].continued = True
        narration = [(p.start, p.end) for plist in parts for p in plist if p.kind == "narration"]
        speech = [(q.part.start, q.part.end) for q in self.quotes]
        self.cast: Cast = build_cast(text, narration, speech, known, exclude, book)
        self.first_person = self._first_person(narration)
        self.narration_words = {w for s, e in narration for w in re.findall(rf"[{UPPER}][{LOWER}]+", text[s:e])}
        self.narr_mentions = [m for m in self.cast.mentions if not m.in_quote]
        if self.first_person:
            # "I" in the narration is a mention of the narrator, who takes part in conversations
            mine = [Mention(x.start(), x.end(), NARR, False, True)
                    for s, e in narration for x in _I_RE.finditer(text, s, e)]
            self.narr_mentions = sorted(self.narr_mentions + mine, key=lambda m: m.start)
        self.described_ids: set[int] = set()
        described = self._described_people(narration)
        if described:
            self.narr_mentions = sorted(self.narr_mentions + described, key=lambda m: m.start)
        self.mention_para = [self._para_of(m.start) for m in self.narr_mentions]
        self.mention_starts = [m.start for m in self.narr_mentions]
        self.quote_starts = [q.part.start for q in self.quotes]
        self.quote_of = {id(q.part): q for q in self.quotes}
        self.quote_index = {id(q): k for k, q in enumerate(self.quotes)}
        self.all_mention_starts = [m.start for m in self.cast.mentions]
        self._appositive_cache: dict[str, int | None] = {}
        self.narr_count = Counter(m.entity for m in self.narr_mentions)
        self.excluded_names = [x for x in exclude if x.strip()]

    # -------------------------------------------------------- helpers

    def _described_people(self, narration: list[tuple[int, int]]) -> list[Mention]:
        """Characters the narration keeps calling by a description ("the child"): one character each, with mentions.

        A protagonist who is never named in a chapter ("the child" ... "she" ... "the child") is still one
        person: her descriptions count as mentions, so "she said" finds her rather than a woman named pages ago.
        """
        found: dict[str, list[tuple[int, int, bool]]] = {}
        for s, e in narration:
            for m in _DESC_MENTION.finditer(self.text, s, e):
                adjs = set(m.group(1).split())
                if adjs & _ORDINAL_WORDS:
                    continue  # "the other old gentleman" is someone else
                subject = bool(_CLAUSE_VERB.match(self.text, m.end()))
                found.setdefault(m.group(2).lower(), []).append((m.start(), m.end(), subject))
        out: list[Mention] = []
        for head, spots in found.items():
            if len(spots) < 4:
                continue  # a description used once or twice is an extra, not a character
            gender = "male" if head in _MALE_NOUNS else "female" if head in _FEMALE_NOUNS else None
            if gender is None:
                votes: Counter[str] = Counter()
                for _a, b, _ in spots:
                    tail = self.text[b:b + 80].split(".")[0]
                    for w in re.findall(r"\b(?:she|her|he|his|him)\b", tail):
                        votes["female" if w in ("she", "her") else "male"] += 1
                if votes and votes.most_common(1)[0][1] >= 2 * (sum(votes.values()) - votes.most_common(1)[0][1]):
                    gender = votes.most_common(1)[0][0]
            idx = self.cast.descriptive("the " + head, gender)  # type: ignore[arg-type]
            self.described_ids.add(idx)
            self.cast.entities[idx].tagged = 0  # described, not yet heard
            self.cast.entities[idx].forms["the " + head] = len(spots)
            out += [Mention(a, b, idx, False, subj) for a, b, subj in spots]
        return out

    def _para_of(self, pos: int) -> int:
        lo, hi = 0, len(self.paras) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.paras[mid][0] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _first_person(self, narration: list[tuple[int, int]]) -> bool:
        words = 0
        firsts = 0
        for s, e in narration:
            chunk = self.text[s:e]
            words += len(_WORD_RE.findall(chunk))
            firsts += len(re.findall(r"\b(?:I|me|my|myself)\b", chunk))
        return words > 0 and firsts / words > 0.008

    def _person(self, idx: int) -> bool:
        """Whether a speaker id can speak: the narrator (first person) or a likely character."""
        if idx == NARR:
            return self.first_person
        return self.cast.entities[idx].likely_person

    def resolve_name(self, form: str, create: bool = True) -> int | None:
        """Entity for a name as written in a tag; tags create characters that were never seen before."""
        hon, names = split_name(form)
        if not names or any(n in HARD_STOP for n in names):
            return None
        idx = self.cast.lookup(form, create=create)
        if idx is not None:
            ent = self.cast.entities[idx]
            ent.tagged += 1
            if not ent.forms:
                ent.forms[form] += 1
        return idx

    # -------------------------------------------------------- pass 1: tags

    def find_tags(self) -> None:
        used: set[int] = set()  # narration parts already serving as the tag of the quote before them
        for i, plist in enumerate(self.parts):
            for k, part in enumerate(plist):
                if part.kind != "dialogue":
                    continue
                q = self.quote_of[id(part)]
                after = plist[k + 1] if k + 1 < len(plist) and plist[k + 1].kind == "narration" else None
                before = plist[k - 1] if k > 0 and plist[k - 1].kind == "narration" else None
                if before is None and k == 0 and i > 0 and self.parts[i - 1] \
                        and self.parts[i - 1][-1].kind == "narration" and not q.continued:
                    # "Mr. Limbkins said:" closing the paragraph before the speech
                    before = self.parts[i - 1][-1]
                cands = []
                if after is not None and self._touches(part.end, after.start):
                    found = self._tag_after(after)
                    if found:
                        cands.append((0 if not found[0].startswith("actor") else 2, found, after))
                if before is not None and id(before) not in used and (
                        before.end <= self.paras[i][0] or self._touches(before.end, part.start)):
                    found = self._tag_before(before, same_para=before.end > self.paras[i][0])
                    if found:
                        cands.append((1 if not found[0].startswith("actor") else 3, found, before))
                if cands:
                    _, found, src = min(cands, key=lambda c: c[0])
                    if src is after:
                        used.add(id(after))
                    q.tag_kind, q.tag_value, q.tag_where, q.tag_pos = found
                    # "he said to Gregory": Gregory is spoken to, not speaking
                    tail = self.text[found[3]:min(src.end, found[3] + 120)]
                    for m in _TO_NAME.finditer(tail):
                        idx = self.cast.lookup(m.group("v"))
                        if idx is not None:
                            q.spoken_to.append(idx)
                self._vocatives(q)

    def _touches(self, a: int, b: int) -> bool:
        """Whether only marks, spaces and light punctuation separate two parts."""
        return b - a < 12 and not re.search(r"[.!?]\s*\n\s*\n", self.text[a:b])

    def _fragment(self, s: int, e: int, first: bool, stops: re.Pattern[str] | None = None) -> tuple[str, int, bool]:
        """The first (or last) sentence of narration text[s:e], where it starts, and whether it ended."""
        chunk = self.text[s:e]
        if first:
            m = _SENT_END.search(chunk)
            return (chunk[:m.start() + 1] if m else chunk), s, bool(m)
        body = chunk.rstrip()
        ends = [m for m in (stops or _SENT_END).finditer(body) if m.end() < len(body)]
        cut = ends[-1].end() if ends else 0
        closed = bool(re.search(r"[.!?;]\W*$", body))
        return chunk[cut:], s + cut, closed

    def _classify(self, subj: str) -> tuple[str, str] | None:
        s = " ".join(subj.split())
        low = s.lower()
        if low == "i":
            return ("narrator", "I")
        if low in ("he", "she"):
            return ("pronoun", low)
        if low in ("they", "we"):
            return None
        words = s.split()
        if words[0].lower() in _DETS:
            last = words[-1] if not re.search(r"\s(?:in|with|"
                                              r"of)\s", s) else re.split(r"\s(?:in|with|of)\s", s)[0].split()[-1]
            if last[:1].isupper():
                if last.lower() in HONORIFICS or last.lower() in _TITLE_NOUNS:
                    return ("title", last.lower())
                if last not in HARD_STOP:
                    return ("name", last)  # "the gloomy Ratcliffe", "the President"
                return None
            while len(words) > 2 and re.fullmatch(r"[a-z]+ing", words[-1]):
                words = words[:-1]  # "the child pressing": the participle begins what the child does
            return ("description", " ".join(words).lower())
        hon, names = split_name(s)
        if names and all(n not in HARD_STOP for n in names):
            if not hon and len(names) == 1 and re.search(r"(?:ing|ed|ly)$", names[0]) \
                    and self.cast.lookup(s) is None:
                return None  # "Finding she had done right, ..." opens with a participle, not a name
            return ("name", s)
        return None

    def _tag_after(self, part: Part) -> tuple[str, str, str, int] | None:
        frag, base, _ = self._fragment(part.start, part.end, True)
        for rx, kind in ((AFTER_V_ADJ_NAME, "verb"), (AFTER_VS, "verb"), (AFTER_SV, "verb"), (AFTER_POSS, "poss"),
                         (AFTER_CLEFT, "verb"), (AFTER_ACTOR, "actor")):
            m = rx.match(frag)
            if not m:
                continue
            c = self._classify(m.group("subj"))
            if c is None:
                if kind == "poss" and m.group("subj").lower() in ("his", "her", "my"):
                    low = m.group("subj").lower()
                    c = ("narrator", "I") if low == "my" else ("pronoun", "he" if low == "his" else "she")
                else:
                    continue
            if kind == "actor" and c[0] in ("description", "title"):
                continue
            tag_kind = c[0] if kind != "actor" else "actor:" + c[0]
            return (tag_kind, c[1], "after", base + m.start("subj"))
        return None

    def _speech_verb_before(self, part: Part, body: str, base: int, closed: bool) -> tuple[str, str, str, int] | None:
        """A speech verb with its subject in the narration leading into a quote ("and she answered frankly:")."""
        for rx in (BEFORE_VS, BEFORE_SV):
            m = rx.search(body)
            if not m:
                continue
            # "I asked her if she were ill, and she answered frankly:": the clause nearest the speech speaks
            for _ in range(8):
                m2 = rx.search(body, m.start() + 1)
                if m2 is None:
                    break
                m = m2
            tail = m.group("tail") if rx is BEFORE_SV else ""
            if rx is BEFORE_SV and (re.search(r"[.!?]", tail) or (closed and len(tail.split()) > 3)):
                continue  # "Anne said nothing about it." is no tag for the speech after it
            c = self._classify(m.group("subj"))
            if rx is BEFORE_SV:
                # "I thought of the storm, but held my peace, whilst Cynthia hoped,": Cynthia leads in
                later = self._later_subject(base + m.end("subj"), part.end)
                if later and later[3] > base + m.end("subj") + 1:
                    return later
            if c is None:
                continue
            return (c[0], c[1], "before", base + m.start("subj"))
        return None

    def _tag_before(self, part: Part, same_para: bool = True) -> tuple[str, str, str, int] | None:
        frag, base, closed = self._fragment(part.start, part.end, False, _FULL_STOP)
        if not frag.strip():
            return None
        lead = len(frag) - len(frag.lstrip())
        frag, base = frag[lead:], base + lead
        body = re.sub(r"[.!?;]\W*$", "", frag.rstrip()) if closed else frag
        v = _VOICE_SUBJ.match(frag)
        if v and same_para:
            # "A second voice carried across the harbour, rough and cheerful." then the speech
            return ("description", v.group("subj"), "before", base + v.start("subj"))
        found = self._speech_verb_before(part, body, base, closed)
        if found is not None:
            return found
        m = SENT_SUBJ.match(frag)
        if m and re.search(r"[,:\u2014-]\s*$", frag) and _HAS_VERB.search(frag, m.end("subj")):
            # "Mr. Brownlow moved the lamp ...; and said, with a little impatience,"
            # (the sentence's subject: measured better than the clause nearest the verb)
            c = self._classify(m.group("subj"))
            later = self._later_subject(base + m.end("subj"), part.end)
            if later:
                return later
            if c and c[0] not in ("description",):
                return (c[0], c[1], "before", base + m.start("subj"))
        if m and re.search(r"[,:\u2014-]\s*$" if same_para else r"(?::|--|\u2014)\s*$", frag):
            c = self._classify(m.group("subj"))
            later = self._later_subject(base + m.end("subj"), part.end)
            if later:
                return ("actor:" + later[0], later[1], later[2], later[3])
            if c and c[0] not in ("description", "title"):
                return ("actor:" + c[0], c[1], "before", base + m.start("subj"))
        return None

    def _continuing(self, q: _Quote, t_i: int, gender: str) -> int | None:
        """The previous speaker, when a pronoun tag's verb says the speech goes on ("he added", "she went on")."""
        lo = q.tag_pos - 30 if q.tag_where == "after" else q.tag_pos
        v = _VERB_RE.search(self.text, max(0, lo), q.tag_pos + 60)
        if v is None or LEMMA.get(v.group().split()[0].lower()) not in _CONTINUE_VERBS:
            return None
        prev = None
        k = self.quote_index[id(q)]
        if k > 0 and self.quotes[k - 1].speaker is not None and self.quotes[k - 1].para >= q.para - 2:
            prev = self.quotes[k - 1].speaker
        elif t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run:
            prev = self.turns[t_i - 1].last
        if prev is None or prev == NARR or prev in q.vocatives or prev in q.spoken_to:
            return None
        g = self.cast.entities[prev].gender
        return prev if g is None or g == gender else None

    def _later_subject(self, a: int, b: int) -> tuple[str, str, str, int] | None:
        """A named subject of a later clause in text[a:b] ("..., whilst Cynthia ... hoped,"): the one leading in."""
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        for k in range(hi - 1, lo - 1, -1):
            mm = self.narr_mentions[k]
            subject = mm.subject or (mm.entity != NARR and _CLAUSE_VERB.match(self.text, mm.end))
            if not subject or not re.search(r"(?:[,;]\s*|\s(?=(?:whilst|while|and|but)\s))(?:(?:whilst|while|as|and|"
                                            r"but|when)\s+)?$",
                                                self.text[max(a, mm.start - 12):mm.start]):
                continue
            if re.search(r"\bwho\b|\bwhom\b|[:;]", self.text[mm.end:b].rstrip(" \t\r\n:,;\u2014-")):
                return None  # "Mrs. Mann sighed: ...the beadle, who ... said," leads elsewhere
            if mm.entity == NARR:
                return ("narrator", "I", "before", mm.start)
            if self.cast.entities[mm.entity].is_person:
                return ("name", " ".join(self.text[mm.start:mm.end].split()), "before", mm.start)
        return None

    def _self_introduction(self, q: _Quote, prev: _Quote | None) -> str | None:
        """The name a speaker gives as their own: "I'm Tobias Reed", or a bare full name answering "Who are you?"."""
        m = _INTRO.search(q.text)
        if m:
            return m.group("v")
        m = _NAME_SENTENCE.match(q.text)
        if m and (len(split_name(m.group("v"))[1]) >= 2 or (prev is not None and _WHO_Q.search(prev.text))):
            return m.group("v")
        return None

    def _vocatives(self, q: _Quote) -> None:
        t = q.text
        found = []
        k = self.quote_index[id(q)]
        prev = self.quotes[k - 1] if k > 0 else None
        intro = self._self_introduction(q, prev)
        if intro is not None:
            _, names = split_name(intro)
            if names and not any(n in HARD_STOP for n in names):
                q.self_named = self.resolve_name(intro)
                if q.self_named is not None:
                    self.cast.entities[q.self_named].also_called.add(" ".join(intro.split()))
                return  # a name given as one's own is not somebody addressed
        m = _VOC_START.match(t)
        if m:
            rest = t[m.end():]
            answer = prev is not None and prev.para < q.para and _WHO_Q.search(prev.text) \
                and not _WORD_RE.search(rest)
            if not answer:  # "Who's the lamplighter?" - "Mara." names someone; it calls nobody
                found.append(m.group("v"))
        found += [m.group("v") for m in _VOC_IN.finditer(t)]
        for form in found:
            hon, names = split_name(form)
            if not names or any(n in STOP for n in names) or (len(names) == 1 and names[0].lower() in HONORIFICS):
                continue
            # a name called out in speech is a person's, if the narration knows the name too
            idx = None
            if not hon and len(names) == 1 and names[0] not in self.narration_words:
                idx = self._nickname(names[0])  # "Toby", never in the narration, is Tobias
            if idx is None:
                idx = self.cast.lookup(form, create=all(n in self.narration_words for n in names))
            if idx is not None and idx not in q.vocatives:
                ent = self.cast.entities[idx]
                ent.addressed += 1
                if not ent.forms:
                    ent.forms[form] += 1
                q.vocatives.append(idx)

    def _nickname(self, name: str) -> int | None:
        """The one character whose first name this short form abbreviates ("Toby" for Tobias, "Fred" for Frederick)."""
        if len(name) < 3:
            return None
        low = name.lower()
        stem = low[:-1] if low.endswith(("y", "ie", "o")) and len(low) > 3 else low
        stem = stem[:-1] if stem.endswith("i") else stem
        hits = set()
        for i, e in enumerate(self.cast.entities):
            first = (e.first or (e.name if not e.hon and " " not in e.name else "")).lower()
            if e.descriptive or not first or first == low or len(first) <= len(low) - 1:
                continue
            if first.startswith(stem[:max(3, len(stem))]) and e.is_person:
                hits.add(i)
        if len(hits) == 1:
            idx = hits.pop()
            self.cast.by_form.setdefault(name.lower(), idx)
            self.cast.entities[idx].also_called.add(name)
            return idx
        return None

    # -------------------------------------------------------- resolution of mentions

    def _recent_mentions(self, pos: int, para: int, span: int = 6) -> dict[int, float]:
        """Salience of each entity from narration mentions near pos (same paragraph counts most)."""
        weights = params.RESOLVE
        scores: dict[int, float] = {}
        k = bisect.bisect_left(self.mention_starts, pos)
        j = k - 1
        rank = 0
        while j >= 0 and rank < 60:  # enough context; bounded so huge paragraphs stay linear
            m = self.narr_mentions[j]
            d = para - self.mention_para[j]
            if d > span:
                break
            w = weights.recency[min(d, len(weights.recency) - 1)] + (weights.w_last if rank == 0 else 0.0)
            w += weights.w_subject if m.subject else 0.0
            if w > scores.get(m.entity, 0.0):
                scores[m.entity] = w
            rank += 1
            j -= 1
        # mentions later in the same paragraph describe the same scene (often the speaker's own action)
        j = k
        while j < len(self.narr_mentions) and j < k + 20 and self.mention_para[j] == para:
            m = self.narr_mentions[j]
            w = weights.later_same_para + (weights.later_subject if m.subject else 0.0)
            if w > scores.get(m.entity, 0.0):
                scores[m.entity] = w
            j += 1
        return scores

    def _resolve_ref(self, q: _Quote, gender: str | None, pos: int, turn_ctx: dict[int, float],
                     title: str | None = None) -> tuple[int | None, float]:
        """Pick the character a pronoun or description refers to: recency, gender, conversation."""
        cands: dict[int, float] = {}
        for span in (6, 24):
            # nobody fitting nearby: "he said" of a man last named a page ago (the narration says "he" since)
            recent = self._recent_mentions(pos, self._para_of(pos), span=span)
            cands = self._ref_candidates(q, gender, recent, turn_ctx, title)
            if cands:
                break
        if not cands:
            return None, 0.0
        ranked = sorted(cands.items(), key=lambda kv: -kv[1])
        best, top = ranked[0]
        margin = top - (ranked[1][1] if len(ranked) > 1 else 0.0)
        conf = 0.5 + 0.45 * (1 - math.exp(-margin / 1.5))
        return best, conf * (1.0 if span == 6 else 0.75)

    def _ref_candidates(self, q: _Quote, gender: str | None, recent: dict[int, float], turn_ctx: dict[int, float],
                        title: str | None) -> dict[int, float]:
        cands: dict[int, float] = {}
        for idx in set(recent) | set(turn_ctx):
            if idx == NARR:
                continue  # "he", "she" and descriptions never mean the first-person narrator
            ent = self.cast.entities[idx]
            if not ent.likely_person and not (recent.get(idx, 0.0) >= 2.5 and ent.place == 0
                                              and (ent.hon or ent.votes or any(f in self.cast.mid for f in ent.forms))):
                continue
            if ent is not None and ent.excluded:
                continue
            g = ent.gender if ent is not None else None
            score = recent.get(idx, 0.0) + turn_ctx.get(idx, 0.0)
            if gender:
                if g and g != gender:
                    continue
                if not g:
                    score -= params.RESOLVE.ungendered_in_talk if idx in turn_ctx else params.RESOLVE.ungendered
            if title and ent is not None:
                hon = ent.hon or ""
                if hon == title or title in ent.name.lower():
                    score += 3.0
            if idx in q.vocatives or idx in q.spoken_to:
                score -= 8.0
            score += 0.15 * math.log1p(ent.mentions if ent is not None else 5)
            if ent is not None and ent.tagged:
                score += params.RESOLVE.w_tagged  # people who speak elsewhere in the book are likelier speakers
            cands[idx] = score
        return cands

    # -------------------------------------------------------- the passes

    def passes(self) -> tuple[Callable[[], None], ...]:
        """The attribution passes, in the order they run: most certain first, each leaves what it cannot decide."""
        return (
            self.find_tags,  # speech tags and vocatives beside every quote
            self._build_turns,  # paragraphs of dialogue grouped into turns and conversations
            self._pass_explicit,  # "said Anne", "I said": a name in the tag
            self._pass_self_introduction,  # "I'm Tobias Reed."
            self._pass_tags,  # pronoun, description and actor tags, with the conversation so far
            self._pass_paragraph_actor,  # whose action opens or closes an untagged paragraph
            self._pass_preceding_actor,  # whom the narration just before an untagged speech is about
            self._turn_taking,  # alternation within a conversation for the rest
            self._pass_spread,  # untagged quotes of a paragraph take its decided speaker
            self._merge_descriptions,  # "the girl" answering in Nancy's slots is Nancy
        )

    def run(self) -> None:
        """Run every pass in order."""
        for step in self.passes():
            step()

    def _build_turns(self) -> None:
        self.turns = self._turns()

    def _pass_explicit(self) -> None:
        """Explicit names and "I said" (most certain), in any order around the quote."""
        c = params.CONFIDENCE
        for q in self.quotes:
            if q.tag_kind == "name":
                idx = self.resolve_name(q.tag_value)
                if idx is not None:
                    self._set(q, idx, c.explicit, "explicit")
            elif q.tag_kind == "narrator":
                self._set(q, NARR, c.explicit_narrator, "explicit")

    def _pass_self_introduction(self) -> None:
        """Speakers who say who they are ("I'm Tobias Reed.")."""
        for q in self.quotes:
            if q.speaker is None and q.self_named is not None:
                self._set(q, q.self_named, params.CONFIDENCE.self_introduction, "self-introduction")

    def _pass_tags(self) -> None:
        """Pronouns, descriptions and actors, in reading order with the conversation so far."""
        for t_i, turn in enumerate(self.turns):
            for q in turn.quotes:
                if q.speaker is None and q.tag_kind:
                    self._resolve_tag(q, t_i)
            self._spread_in_paragraph(turn)

    def _resolve_tag(self, q: _Quote, t_i: int) -> None:
        """One quote's non-explicit tag: an actor, "I", "he"/"she", a title or a description."""
        c = params.CONFIDENCE
        kind = q.tag_kind
        base = kind.split(":")[-1]
        actor = kind.startswith("actor:")
        if base == "name":
            # an actor tag ("Tears came into his eyes.") makes no new character: only known people act
            idx = self.cast.lookup(q.tag_value) if actor else self.resolve_name(q.tag_value)
            if idx is not None and actor and not self.cast.entities[idx].is_person:
                idx = None
            if idx is not None:
                self._set(q, idx, c.actor_after if q.tag_where == "after" else c.actor_before, "actor")
        elif base == "narrator":
            if self.first_person:
                self._set(q, NARR, c.narrator_actor if actor else c.narrator_tag, "actor" if actor else "explicit")
        elif base == "pronoun":
            self._resolve_pronoun_tag(q, t_i, actor)
        elif base == "title":
            idx = self.cast.titled(q.tag_value)
            if idx is None:
                idx = self.resolve_name(q.tag_value.capitalize())
            if idx is not None:
                self._set(q, idx, c.title, "explicit")
        elif base == "description":
            idx, conf = self._resolve_description(q, self._turn_context(t_i), t_i)
            if idx is not None:
                # descriptions are right less than half the time on novels: say so
                self._set(q, idx, conf * c.description_factor, "description")

    def _resolve_pronoun_tag(self, q: _Quote, t_i: int, actor: bool) -> None:
        """"he said", "she smiled": the last speaker if the verb carries on, else the referent."""
        c = params.CONFIDENCE
        g = "male" if q.tag_value == "he" else "female"
        same = self._continuing(q, t_i, g) if not actor else None
        if same is not None:
            # "Then after a pause he added": adding, going on, resuming is the last speaker's act
            self._set(q, same, c.continuing, "pronoun")
            return
        idx, conf = self._resolve_ref(q, g, q.tag_pos, self._turn_context(t_i))
        if idx is not None:
            self._set(q, idx, conf * (c.actor_factor if actor else 1.0), "actor" if actor else "pronoun")
            ent = self.cast.entities[idx]
            if not actor and conf >= c.sure_pronoun and ent.gender is None:
                # "she cried" that could only be Mara tells the next "she" whom it may mean
                ent.votes[g] += params.RESOLVE.pronoun_vote

    def _pass_paragraph_actor(self) -> None:
        """Paragraph actors for paragraphs without any tag."""
        for t_i, turn in enumerate(self.turns):
            if any(q.speaker is not None for q in turn.quotes):
                continue
            idx, conf = self._paragraph_actor(turn, t_i)
            if idx is not None:
                for q in turn.quotes:
                    self._set(q, idx, conf, "actor")

    def _pass_preceding_actor(self) -> None:
        """The person a narration paragraph just before an untagged speech is about."""
        for t_i, turn in enumerate(self.turns):
            if any(q.speaker is not None for q in turn.quotes):
                continue
            idx, conf = self._preceding_actor(turn, t_i)
            if idx is not None:
                for q in turn.quotes:
                    self._set(q, idx, conf, "actor")

    def _pass_spread(self) -> None:
        for turn in self.turns:
            self._spread_in_paragraph(turn)

    def _merge_descriptions(self) -> None:
        """"the girl" who answers Rose in the same slots as Nancy is Nancy: merge a description into the name.

        Within one conversation, a described speaker and a named one who never reply to each other but both
        reply to the same third person are taken to be one character.
        """
        by_run: dict[int, list[int | None]] = {}
        for t in self.turns:
            by_run.setdefault(t.run, []).append(t.first)
        merge: dict[int, int] = {}
        named_for_sure = {q.speaker for q in self.quotes if q.reason in ("explicit", "self-introduction")}
        for seq in by_run.values():
            people = {x for x in seq if x is not None and x != NARR}
            described = [d for d in people if self.cast.entities[d].descriptive]
            named = [n for n in people if not self.cast.entities[n].descriptive]
            for d in described:
                cands = []
                for n in named:
                    adjacent = any({a, b} == {d, n} for a, b in zip(seq, seq[1:]))
                    partners_d = _partners(seq, d)
                    partners_n = _partners(seq, n)
                    gd, gn = self.cast.entities[d].gender, self.cast.entities[n].gender
                    if not adjacent and (partners_d & partners_n) - {None} and (not gd or not gn or gd == gn):
                        cands.append(n)
                # a description the narration keeps using ("the child") joins a name only if that name is
                # heard for sure somewhere (tagged by name), not if all its lines are guesses
                if d in self.described_ids and len(cands) == 1 and cands[0] not in named_for_sure:
                    continue
                if len(cands) == 1 and seq.count(d) >= 2:
                    merge[d] = cands[0]
        if not merge:
            return
        for d, n in merge.items():
            self.cast.entities[n].also_called.update(self.cast.entities[d].forms)
        for q in self.quotes:
            if q.speaker in merge:
                q.speaker = merge[q.speaker]
                q.conf = max(q.conf, 0.75)  # measured: these merges are mostly right

    def _set(self, q: _Quote, idx: int, conf: float, reason: str) -> None:
        q.speaker, q.conf, q.reason = idx, max(0.05, min(conf, 0.99)), reason

    def _spread_in_paragraph(self, turn: _Turn) -> None:
        """Untagged quotes in a paragraph (or continued ones) take the nearest tagged quote's speaker."""
        qs = turn.quotes
        # nearest decided quote before each one, else the nearest after (one pass each way: linear)
        source: list[_Quote | None] = [None] * len(qs)
        last: _Quote | None = None
        for i, q in enumerate(qs):
            if q.speaker is not None:
                last = q
            else:
                source[i] = last
        nxt: _Quote | None = None
        for i in range(len(qs) - 1, -1, -1):
            q = qs[i]
            if q.speaker is not None:
                nxt = q
            elif source[i] is None:
                source[i] = nxt
        for q, src in zip(qs, source):
            if q.speaker is None and src is not None and src.speaker not in q.vocatives:
                reason = "continuation" if src.reason not in ("turn-taking", "unknown") else src.reason
                self._set(q, src.speaker, src.conf * 0.95, reason)  # type: ignore[arg-type]

    def _turns(self) -> list[_Turn]:
        """Dialogue paragraphs grouped into turns (continued quotes join the previous turn) and runs."""
        turns: list[_Turn] = []
        run = 0
        last_para = -10
        for i, qs in enumerate(self.by_para):
            if not qs:
                continue
            if qs[0].continued and turns and turns[-1].paras[-1] == i - 1:
                turns[-1].paras.append(i)
                turns[-1].quotes.extend(qs)
                last_para = i
                continue
            if turns:
                gap_words = sum(len(_WORD_RE.findall(self.text[s:e])) for s, e, _ in self.paras[last_para + 1:i])
                # Quote-free narration inside the paragraph also loosens the conversation.
                if i - last_para > 2 or gap_words > 70 or self.paras[i][2] != self.paras[last_para][2]:
                    run += 1
            turns.append(_Turn([i], list(qs), run))
            last_para = i
        return turns

    def _turn_context(self, t_i: int) -> dict[int, float]:
        """Who is in the current conversation: recent speakers, with alternation built in."""
        ctx: dict[int, float] = {}
        run = self.turns[t_i].run
        seen = 0
        for j in range(t_i - 1, -1, -1):
            tj = self.turns[j]
            if tj.run != run:
                break
            spk = tj.last
            seen += 1
            if spk is None:
                if seen > 4:
                    break
                continue
            d = t_i - j
            weights = params.RESOLVE
            bonus = weights.ctx_even if d % 2 == 0 else weights.ctx_odd
            if d == 1:
                bonus = weights.ctx_prev
            if spk not in ctx:
                ctx[spk] = bonus + weights.ctx_base
            if seen > 4:
                break
        # the people the previous turn addressed are expected to answer
        if t_i > 0 and self.turns[t_i - 1].run == run:
            for q in self.turns[t_i - 1].quotes:
                for v in q.vocatives:
                    ctx[v] = ctx.get(v, 0.0) + 2.0
        if NARR in ctx and not self.first_person:
            del ctx[NARR]
        return ctx

    def _resolve_description(self, q: _Quote, ctx: dict[int, float], t_i: int) -> tuple[int | None, float]:
        """A description: a title ("the doctor"), "the other", a relation ("his wife") or a new character."""
        phrase = " ".join(q.tag_value.split())
        words = phrase.split()
        det = words[0].lower()
        core = re.split(r"\s(?:in|with|of)\s", phrase)[0].split()
        head = core[-1].lower()
        if head in ("voice", "voices") and (det in ("a", "an", "another") or set(core) & _NEW_WORDS):
            return self._new_voice(q, t_i)
        gender = "male" if head in _MALE_NOUNS else "female" if head in _FEMALE_NOUNS else None
        title = _TITLE_NOUNS.get(head)
        if title:
            idx = self.cast.titled(title)
            if idx is not None:
                return idx, 0.8
        if "other" in core or "latter" in core or "former" in core:
            prev = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run else None
            if prev is not None:
                if "former" in core:
                    idx = self._partner(t_i - 1, prev)
                    return idx, 0.5
                idx = self._partner(t_i - 1, prev)
                if idx is not None:
                    return idx, 0.7
        if det == "the" and "other" not in core:
            key = "desc:" + phrase.lower()
            prev = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run else None
            bound = self.cast.by_form.get(key)
            if bound is not None and bound != prev:
                return bound, 0.75  # a description keeps meaning the same person within a chapter
            app = self._appositive(core, q.tag_pos)
            if app is not None and app != prev:
                self.cast.by_form[key] = app
                return app, 0.7
            idx, conf = self._resolve_ref(q, gender, q.tag_pos, ctx)
            if idx is not None and idx != prev and conf >= params.RESOLVE.desc_min:
                self.cast.by_form[key] = idx
                return idx, conf * 0.8
            if bound is not None:
                return bound, 0.5
            return self.cast.descriptive(phrase, _gender(gender)), 0.55
        idx, conf = self._resolve_ref(q, gender, q.tag_pos, ctx)
        if idx is None:
            return None, 0.0
        return idx, conf * (0.9 if gender else 0.6)

    def _new_voice(self, q: _Quote, t_i: int) -> tuple[int | None, float]:
        """"said a voice", "a second voice called": someone not yet in the conversation, nor the one who hears it.

        The speaker is usually named soon after (or just before): the nearest character mentioned within a few
        paragraphs who is neither a speaker of this conversation so far, nor addressed, nor the narration's
        focus just before. Nobody else qualifying, the speaker stays unknown rather than borrowing a voice.
        """
        run = self.turns[t_i].run
        taken = {t.last for t in self.turns[:t_i] if t.run == run} | set(q.vocatives) | {None, NARR}
        p = q.para
        before = self._recent_mentions(self.paras[p][0], p, span=2)
        if before:
            taken.add(max(before.items(), key=lambda kv: kv[1])[0])  # the one hearing the voice
        best: tuple[float, int] | None = None
        lo = bisect.bisect_left(self.all_mention_starts, self.paras[max(0, p - 2)][0])
        hi = bisect.bisect_left(self.all_mention_starts, self.paras[min(len(self.paras) - 1, p + 4)][1])
        cands = [(m.start, m.entity) for m in self.cast.mentions[lo:hi]]
        for o in self.quotes[self.quote_index[id(q)] + 1:]:
            if o.para > p + 4:
                break  # bounded look-ahead keeps this linear
            if o.self_named is not None:
                cands.append((o.part.start, o.self_named))
        for pos, ent in cands:
            if ent in taken or not (ent == NARR or self.cast.entities[ent].is_person):
                continue
            d = self._para_of(pos) - p
            score = abs(d) + (0.5 if d < 0 else 0.0)  # named just after: most often the newcomer
            if best is None or score < best[0]:
                best = (score, ent)
        if best is None:
            return None, 0.0
        return best[1], 0.45

    def _appositive(self, core: list[str], pos: int) -> int | None:
        """The named character the narration calls by this noun ("Mr. Wells, the lawyer", "the lawyer, Mr. Wells")."""
        head = core[-1].lower()
        if head in _GENERIC_NOUNS or len(head) < 3:
            return None
        if head in self._appositive_cache:  # one scan of the chapter per noun keeps this linear
            return self._appositive_cache[head]
        votes: Counter[int] = Counter()
        noun = re.compile(rf"\b{re.escape(head)}s?\b", re.I)
        for m in noun.finditer(self.text):
            if self._inside_quote(m.start()):
                continue
            # names in the same sentence as the noun, nearest first
            lo_bound = max(0, m.start() - 300)
            # sentence ends, not the full stop of "Mr." ("Mr. Wells was ... the typical lawyer's mouth")
            ends = [x.end() for x in _FULL_STOP.finditer(self.text, lo_bound, m.start())]
            s0 = max(ends[-1] if ends else -1, self.text.rfind("\n\n", lo_bound, m.start()), lo_bound)
            nxt = _FULL_STOP.search(self.text, m.end(), m.end() + 300)
            e0 = nxt.start() if nxt else m.end() + 300
            lo = bisect.bisect_left(self.mention_starts, s0)
            hi = bisect.bisect_left(self.mention_starts, e0)
            near = [(abs(self.narr_mentions[j].start - m.start()), self.narr_mentions[j].entity) for j in range(lo, hi)
                    if self.narr_mentions[j].entity != NARR and not self._coordinated(self.narr_mentions[j], m)]
            if near:
                dist, ent = min(near)
                j0 = next(j for j in range(lo, hi) if self.narr_mentions[j].entity == ent)
                copula = re.match(r"\s+(?:was|is|had\s+been|seemed)\b", self.text[self.narr_mentions[j0].end:m.start()])
                votes[ent] += 2 if dist < 25 or copula else 1  # "Mr. Wells was a man ... with a lawyer's mouth"
        best: int | None = None
        if votes:
            (top, n), *rest = votes.most_common(2) + [(None, 0)]
            best = top if n >= 2 and n > 1.5 * rest[0][1] else None
        self._appositive_cache[head] = best
        return best

    def _coordinated(self, mention: Mention, noun: re.Match[str]) -> bool:
        """"John and the lawyer", "the lawyer to whom Mrs. Inglethorp": a name beside the noun but not its referent."""
        if re.match(r"['\u2019]s?\b", self.text[mention.end:mention.end + 2]):
            return True  # "Mrs. Inglethorp's room", "my mother's lawyer": the possessor is someone else
        if mention.end <= noun.start():
            between = self.text[mention.end:noun.start()]
            return bool(re.fullmatch(r"(?:['\u2019]s\s+\w+\s+)?\s*(?:,\s*)?(?:and|or|nor|with|to|from|at|"
                                     r"by)\s+(?:the\s+|his\s+|her\s+)?"
                                     r"(?:\w+\s+)?", between))
        between = self.text[noun.end():mention.start]
        return bool(re.search(r"\b(?:and|or|nor|with|whom|to|at|by|from)\b", between))

    def _inside_quote(self, pos: int) -> bool:
        k = bisect.bisect_right(self.quote_starts, pos) - 1
        return k >= 0 and self.quotes[k].part.end > pos

    def _paragraph_actor(self, turn: _Turn, t_i: int) -> tuple[int | None, float]:
        """The character whose action opens or closes the paragraph's narration."""
        for pi in turn.paras:
            plist = self.parts[pi]
            for k, part in enumerate(plist):
                if part.kind != "narration":
                    continue
                # narration before the first quote: its last sentence leads into the speech
                lead_in = k + 1 < len(plist) and plist[k + 1].kind == "dialogue" and k == 0
                frag, base, _ = self._fragment(part.start, part.end, not lead_in)
                lead = len(frag) - len(frag.lstrip())
                frag, base = frag[lead:], base + lead
                m = SENT_SUBJ.match(frag)
                if not m:
                    continue
                c = self._classify(m.group("subj"))
                if lead_in:
                    # "Cynthia was coming in, and Poirot stood aside to let her pass. "Excuse me..."": the later
                    # clause's subject is the one who speaks
                    later = self._later_subject(base + m.end("subj"), part.end)
                    if later:
                        c = (later[0], later[1])
                if c is None:
                    continue
                q = turn.quotes[0]
                if c[0] == "name":
                    # a capitalised word acting is a person only if the chapter already knows it as one ("Tears came")
                    idx = self.cast.lookup(c[1])
                    if idx is not None and self.cast.entities[idx].is_person and idx not in q.vocatives:
                        self.cast.entities[idx].tagged += 1  # an actor who speaks: a likely speaker from now on
                        return idx, 0.7
                elif c[0] == "narrator" and self.first_person:
                    return NARR, 0.65
                elif c[0] == "pronoun":
                    g = "male" if c[1] == "he" else "female"
                    idx, conf = self._resolve_ref(q, g, base + m.start("subj"), self._turn_context(t_i))
                    if idx is not None:
                        return idx, conf * 0.8
                return None, 0.0
        return None, 0.0

    def _answered_by_gesture(self, turn: _Turn, part: Part, prev_spk: int | None) -> bool:
        """"Poirot nodded absently." after my question: he answered without words, so I speak again."""
        g = _GESTURE_BY.search(self.text, part.start, part.end)
        if not (g and prev_spk is not None and prev_spk not in turn.quotes[0].vocatives):
            return False
        who = self._classify(g.group("subj"))
        gi = None
        if who and who[0] == "name":
            gi = self.cast.lookup(who[1])
        elif who and who[0] == "narrator":
            gi = NARR
        elif who and who[0] == "pronoun":
            gi = -2  # someone else than the speaker, most often
        # a nod then the nodder's own words is the usual order; the asker speaks again only when the narration
        # ends on the asker ("Poirot nodded absently. ... my curiosity was aroused.")
        last, _, _ = self._fragment(part.start, part.end, False)
        asker_last = bool(_I_RE.search(last)) if prev_spk == NARR else self._mentioned_between(
            prev_spk, part.end - len(last), part.end)
        return gi is not None and gi != prev_spk and (gi == NARR or asker_last)

    def _preceding_actor(self, turn: _Turn, t_i: int) -> tuple[int | None, float]:
        """"Poirot raised his hand." then an untagged speech: Poirot speaks it."""
        pi = turn.paras[0]
        if pi == 0 or self.by_para[pi - 1] or not self.parts[pi - 1]:
            return None, 0.0
        if self.paras[pi - 1][2] != self.paras[pi][2]:
            return None, 0.0
        part = self.parts[pi - 1][-1]
        prev_spk = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == turn.run else None
        if self._answered_by_gesture(turn, part, prev_spk):
            return prev_spk, params.CONFIDENCE.gesture_answer
        frag, base, _ = self._fragment(part.start, part.end, False)
        frag_lead = len(frag) - len(frag.lstrip())
        frag, base = frag[frag_lead:], base + frag_lead
        m = SENT_SUBJ.match(frag)
        if not m:
            return None, 0.0
        c = self._classify(m.group("subj"))
        later = self._later_subject(base + m.end("subj"), part.end)
        if later:
            c = (later[0], later[1])  # "Cynthia was coming in, and Poirot stood aside to let her pass."
        if c is None:
            return None, 0.0
        q = turn.quotes[0]
        idx: int | None = None
        conf = 0.7
        if c[0] == "name":
            idx = self.cast.lookup(c[1])
            if idx is not None and not self.cast.entities[idx].is_person:
                idx = None
        elif c[0] == "narrator" and self.first_person:
            idx = NARR
        elif c[0] == "pronoun":
            g = "male" if c[1] == "he" else "female"
            idx, rc = self._resolve_ref(q, g, base + m.start("subj"), self._turn_context(t_i))
            conf = 0.5 * rc + 0.2
        if idx is None or not self._person(idx) or idx in q.vocatives:
            return None, 0.0
        if idx == NARR:
            # "I shook my head." answers without words: the one who asked speaks again
            prev_spk = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == turn.run else None
            if prev_spk is not None and prev_spk != NARR and _GESTURE.search(frag) and prev_spk not in q.vocatives:
                return prev_spk, 0.6
            return None, 0.0
        return idx, conf

    def _turn_taking(self) -> None:
        """Untagged turns alternate with their neighbours: A, B, A, B within one conversation."""
        known = [t.first for t in self.turns]
        for t_i, turn in enumerate(self.turns):
            if turn.first is not None:
                continue
            best = self._nearest_known(t_i, known)
            spk, conf = self._alternation(t_i, best)
            if spk is None:
                spk, conf = self._fallback(turn, t_i)
            spk, conf = self._agree_with_pronoun(turn, spk, conf, best)
            if spk is not None:
                for q in turn.quotes:
                    if q.speaker is None:
                        self._set(q, spk, conf, "turn-taking")
                known[t_i] = spk

    def _nearest_known(self, t_i: int, known: list[int | None]) -> tuple[int, int] | None:
        """The nearest turn of the same conversation with a known speaker: (its index, distance)."""
        turns, run = self.turns, self.turns[t_i].run
        for d in range(1, 12):
            for j in (t_i - d, t_i + d):
                if 0 <= j < len(turns) and turns[j].run == run and known[j] is not None:
                    return j, d
        return None

    def _alternation(self, t_i: int, best: tuple[int, int] | None) -> tuple[int | None, float]:
        """Whom the conversation gives this turn: the one just addressed, else by alternation from `best`."""
        c = params.CONFIDENCE
        turns, turn = self.turns, self.turns[t_i]
        q0 = turn.quotes[0]
        prev = turns[t_i - 1] if t_i > 0 and turns[t_i - 1].run == turn.run else None
        addressed = [v for q in (prev.quotes if prev else []) for v in q.vocatives
                     if v != (prev.last if prev else None)]
        if addressed and addressed[-1] not in q0.vocatives:
            return addressed[-1], c.addressed_answers
        if best is None:
            return None, c.turn_base
        j, d = best
        anchor = turns[j].last if j < t_i else turns[j].first
        spk = anchor if d % 2 == 0 else self._partner(j, anchor)
        conf = c.alternation * (c.alternation_decay ** (d - 1))
        if spk is not None and spk in q0.vocatives:
            spk = self._partner(j, spk) if d % 2 == 0 else anchor
            conf *= c.vocative_clash
        return spk, conf

    def _agree_with_pronoun(self, turn: _Turn, spk: int | None, conf: float,
                            best: tuple[int, int] | None) -> tuple[int | None, float]:
        """An unresolved "she said" never goes to a man (nor "he said" to a woman): the partner, or nobody."""
        said = next((q.tag_value for q in turn.quotes if q.tag_kind.endswith("pronoun")), None)
        if spk is None or not said or spk == NARR:
            return spk, conf
        g = self.cast.entities[spk].gender
        if not g or g == ("male" if said == "he" else "female"):
            return spk, conf
        alt = self._partner(best[0], spk) if best is not None else None
        alt_g = self.cast.entities[alt].gender if alt is not None and alt != NARR else None
        if alt is not None and alt != NARR and alt_g != g:
            return alt, conf * params.CONFIDENCE.gender_fix
        return None, params.CONFIDENCE.unknown

    def _partner(self, j: int, spk: int | None) -> int | None:
        """The other person in the conversation around turn j."""
        turns = self.turns
        run = turns[j].run
        for q in turns[j].quotes:
            for v in q.vocatives + q.spoken_to:  # "whispering to Poirot": Poirot is the one who answers
                if v != spk:
                    return v
        # someone the narration of this turn (or the paragraph before it) is about: "greeted me eagerly"
        p0 = turns[j].paras[0]
        end = self.paras[turns[j].paras[-1]][1]
        near = self._recent_mentions(end, turns[j].paras[-1], span=1)
        local = {k: v for k, v in near.items() if k != spk and self._person(k)
                 and self._mentioned_between(k, self.paras[max(0, p0 - 1)][0], end)}
        if local:
            return max(local.items(), key=lambda kv: kv[1])[0]
        for d in range(1, 12):
            for k in (j - d, j + d):
                if 0 <= k < len(turns) and turns[k].run == run:
                    s = turns[k].first
                    if s is not None and s != spk:
                        return s
        # nobody else has spoken: the most salient other person in the narration just before
        pos = self.paras[turns[j].paras[0]][0]
        recent = self._recent_mentions(pos, turns[j].paras[0], span=8)
        ranked = sorted((kv for kv in recent.items() if kv[0] != spk and self._person(kv[0])),
                        key=lambda kv: -kv[1])
        if ranked:
            return ranked[0][0]
        if self.first_person and spk != NARR:
            return NARR
        return None

    def _mentioned_between(self, idx: int, a: int, b: int) -> bool:
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        return any(self.narr_mentions[k].entity == idx for k in range(lo, hi))

    def _fallback(self, turn: _Turn, t_i: int) -> tuple[int | None, float]:
        pos = self.paras[turn.paras[0]][0]
        recent = self._recent_mentions(pos, turn.paras[0], span=4)
        q0 = turn.quotes[0]
        ranked = sorted((kv for kv in recent.items() if self._person(kv[0])
                         and kv[0] not in q0.vocatives), key=lambda kv: -kv[1])
        if ranked:
            return ranked[0][0], 0.25
        if self.first_person:
            return NARR, 0.2
        return None, 0.1

    # -------------------------------------------------------- output

    def name_of(self, idx: int | None) -> str | None:
        if idx is None:
            return None
        if idx == NARR:
            return NARRATOR
        return self.cast.canonical(idx)

    def segments(self, offset: int) -> tuple[Segment, ...]:
        out = []
        qmap = {id(q.part): q for q in self.quotes}
        for i, plist in enumerate(self.parts):
            scene = self.paras[i][2]
            for part in plist:
                seg_text = self.text[part.start:part.end]
                if part.kind == "narration":
                    out.append(Segment("narration", seg_text, part.start + offset, part.end + offset, None, i, scene))
                else:
                    q = qmap[id(part)]
                    out.append(Segment("dialogue", seg_text, part.start + offset, part.end + offset,
                                       self.name_of(q.speaker), i, scene,
                                       round(q.conf, 3) if q.speaker is not None else 0.0,
                                       q.reason if q.speaker is not None else "unknown"))
        return tuple(out)

    def characters(self) -> tuple[Character, ...]:
        lines: Counter[int] = Counter()
        words: Counter[int] = Counter()
        for q in self.quotes:
            if q.speaker is None:
                continue
            lines[q.speaker] += 1
            words[q.speaker] += len(_WORD_RE.findall(q.text))
        # "he said" lines resolved to a character tell its gender when nothing else did
        tagged_as: dict[int, Counter[str]] = {}
        for q in self.quotes:
            if q.speaker is not None and q.tag_kind.split(":")[-1] == "pronoun" and q.reason in ("pronoun", "actor"):
                tagged_as.setdefault(q.speaker, Counter())["male" if q.tag_value == "he" else "female"] += 1
        out = []
        for idx, n in lines.most_common():
            if idx == NARR:
                out.append(Character(NARRATOR, None, (), n, words[idx]))
            else:
                ent = self.cast.entities[idx]
                gender, evidence = ent.gender, ent.gender_evidence
                if gender is None and idx in tagged_as:
                    gender = tagged_as[idx].most_common(1)[0][0]  # type: ignore[assignment]
                    evidence = f"speech tags ({'he' if gender == 'male' else 'she'} said)"
                out.append(Character(self.cast.canonical(idx), gender, self.cast.aliases(idx), n, words[idx],
                                     evidence))
        return tuple(out)


# ---------------------------------------------------------------- contradictions


def _explicit_name_beside(text: str, s: int, e: int) -> str | None:
    """The name in an explicit speech tag right after (or right before) text[s:e], if any."""
    tail = text[e:e + 200]
    m = re.match(r"[\"'\u201d\u2019\u00bb\u00ab\u2014\u2013\-]?", tail)
    tail = tail[m.end():] if m else tail
    brk = re.search(r"\n[ \t]*\n", tail)
    if brk:
        tail = tail[:brk.start()]  # a tag never reaches into the next paragraph
    cut = _SENT_END.search(tail)
    frag = tail[:cut.start() + 1] if cut else tail
    for rx in (AFTER_VS, AFTER_SV):
        m = rx.match(frag)
        if m:
            subj = " ".join(m.group("subj").split())
            if subj == "I":
                return "I"
            hon, names = split_name(subj)
            if subj[0].isupper() and names and all(n not in STOP for n in names) \
                    and subj.split()[0].lower() not in _DETS | {"he", "she", "they", "we"}:
                return subj
            return None
    return None


def _gender(g: str | None) -> Gender | None:
    """A gender word checked for the type system ("male"/"female" or nothing)."""
    return "male" if g == "male" else "female" if g == "female" else None


def _partners(seq: list[int | None], x: int) -> set[int | None]:
    """Who answers x or is answered by x in a conversation's sequence of speakers."""
    pairs = list(zip(seq, seq[1:]))
    return {b for a, b in pairs if a == x} | {a for a, b in pairs if b == x}


_DETS = {d.lower() for d in "the a an his her my their our this that your".split()}


def _names_agree(tag: str, speaker: str) -> bool:
    """Whether a name in a tag can denote the speaker ("Darcy" and "Mr. Darcy" agree)."""
    _, a = split_name(tag)
    _, b = split_name(speaker)
    return bool({x.lower() for x in a} & {x.lower() for x in b})
