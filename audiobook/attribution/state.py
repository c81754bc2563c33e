"""One chapter under attribution: its quotes, turns, cast and mentions (the layer every pass reads)."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..model import NARRATOR, Character
from . import params
from .characters import (
    Cast,
    Mention,
    build_cast,
    split_name,
    tag_name_ok,
)
from .names import LOWER, UPPER
from .newcomers import newcomers
from .patterns import (
    _CLAUSE_VERB,
    _DESC_MENTION,
    _FEMALE_NOUNS,
    _GENERIC_NOUNS,
    _I_RE,
    _MALE_NOUNS,
    _ORDINAL_WORDS,
    _TITLE_NOUNS,
    _WORD_RE,
    NARR,
)
from .quotes import Part

_ROLE_TAIL = r"(?P<noun>[a-z]{3,})(?=\s*[,.;:!?)]|\s+(?:of|who|whom|in|at|from|and|with)\b)"
#: "Mr. Plumtree, the parish undertaker", "Mr. Penrose, who was the coroner": a role set after a name...
_ROLE_AFTER = re.compile(r",\s*(?:(?:who|that)\s+(?:was|is)\s+)?(?:the|an?|his|her|their|our)\s+(?:[a-z'\u2019-]+\s+)"
                         rf"{{0,2}}?{_ROLE_TAIL}")
#: ...or before it: "the undertaker, Mr. Plumtree", "the vicar (Mr. Hale)".
_ROLE_BEFORE = re.compile(r"\b[Tt]he\s+(?:[a-z'\u2019-]+\s+){0,2}?(?P<noun>[a-z]{3,})\s*[,(]\s*$")

#: What may stand between a sentence's start and its subject: "“X ...", "And then X ...", "But X ...".
_SENTENCE_START = re.compile(r"(?:^|[.!?;:][\"'\u201d\u2019]?\s+|\n\s*)[\"'\u201c\u2018]?"
                             r"(?:(?:And|But|Then|Now|So|Yet|Here|There|Presently|At\s+last|At\s+once)[,]?\s+)?"
                             r"(?:then\s+|now\s+)?$")
#: A subject "He"/"She" going on with the chain ("He sat down."). (It and _FIRST_PERSON open with their letters
#: and take the word's opening boundary as a look-behind after the first, as cast._HE does: the engine scans for them.)
_SUBJECT_PRONOUN = re.compile(r"(H(?<!\wH)e|S(?<!\wS)he)\s+(?=[a-z])")
#: A capitalised word, the first-person words, and a sentence end closing a paragraph.
_CAPITALISED = re.compile(rf"[{UPPER}]{LOWER}+")
_FIRST_PERSON = re.compile(r"(?:I(?<!\wI)|m(?<!\wm)(?:e|y|yself))\b")  # I, me, my, myself
_PARAGRAPH_END = re.compile(r"[.!?]\s*\n\s*\n")


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
        for q in self.quotes:  # (a loop: read for every turn, many times a pass)
            if q.speaker is not None:
                return q.speaker
        return None

    @property
    def last(self) -> int | None:
        for q in reversed(self.quotes):
            if q.speaker is not None:
                return q.speaker
        return None


class ChapterState:
    """State of one attribution run over a chapter, and the lookups every pass shares."""

    def __init__(self, text: str, paras: list[tuple[int, int, int]], parts: list[list[Part]],
                 known: Sequence[Character], exclude: Sequence[str], book: Cast | None = None) -> None:
        self.text = text
        self.paras = paras
        self._para_starts = [s for s, _, _ in paras]  # (increasing: `_para_of` bisects them)
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
        self.narration_words = {w for s, e in narration for w in _CAPITALISED.findall(text, s, e)}
        self.narr_mentions = [m for m in self.cast.mentions if not m.in_quote]
        if self.first_person:
            # "I" in the narration is a mention of the narrator, who takes part in conversations
            mine = [Mention(x.start(), x.end(), NARR, False, True)
                    for s, e in narration for x in _I_RE.finditer(text, s, e)]
            self.narr_mentions = sorted(self.narr_mentions + mine, key=lambda m: m.start)
        self.described_ids: set[int] = set()
        self.brought_ids: set[int] = set()  # unnamed people the narration brought in ("A woman ... stood up")
        described = self._described_people(narration)
        if described:
            self.narr_mentions = sorted(self.narr_mentions + described, key=lambda m: m.start)
        self.book_roles = {k: Counter(v) for k, v in self.cast.roles.items()}  # earlier chapters' appositions
        self._collect_roles()
        brought = self._brought_in(narration, {m.start for m in described})
        if brought:
            self.narr_mentions = sorted(self.narr_mentions + brought, key=lambda m: m.start)
        self.mention_para = [self._para_of(m.start) for m in self.narr_mentions]
        self._narration = narration
        self._chains: dict[str, tuple[list[int], list[int], list[int]]] | None = None
        self.mention_starts = [m.start for m in self.narr_mentions]
        self.quote_starts = [q.part.start for q in self.quotes]
        self.quote_of = {id(q.part): q for q in self.quotes}
        self.quote_index = {id(q): k for k, q in enumerate(self.quotes)}
        self.all_mention_starts = [m.start for m in self.cast.mentions]
        self._appositive_cache: dict[str, int | None] = {}
        self.narr_count = Counter(m.entity for m in self.narr_mentions)
        self.excluded_names = [x for x in exclude if x.strip()]
        self.turns: list[_Turn] = []  # the conversation's turns, built by the first pass
        # quotes whose own paragraph's beat names the speaker ("Souta shrugs. '...'"), or whose he/she is someone
        # just brought in: the ranker keeps their speakers
        self.beat_ids: set[int] = set()

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

    def chain_head(self, pos: int, gender: str) -> tuple[int | None, int]:
        """The head of the "he"/"she" chain at pos: the last person of that gender the narration made a sentence's
        subject by name (within `chain_span` paragraphs), and how many sentences since went on with "He"/"She".

        "Tom came in. He sat down. He looked at Ned. 'Well?' he said.": the chain's head is Tom, not Ned.
        """
        if self._chains is None:
            self._chains = self._build_chains()
        heads, who, pronouns = self._chains[gender]
        k = bisect.bisect_right(heads, pos) - 1
        if k < 0 or self._para_of(pos) - self._para_of(heads[k]) > params.RESOLVE.chain_span:
            return None, 0
        return who[k], bisect.bisect_left(pronouns, pos) - bisect.bisect_right(pronouns, heads[k])

    def _build_chains(self) -> dict[str, tuple[list[int], list[int], list[int]]]:
        """Per gender: the named sentence subjects (offsets, entities) and the offsets of subject "He"/"She".

        A subject of unknown gender heads the chain of the first "He"/"She" after it (before the next named
        subject): "Gideon came in. He sat down." puts Gideon at the head of the "he" chain.
        """
        events: list[tuple[int, int, str | None]] = []  # (offset, entity or -1 for a pronoun, gender)
        for m, p in zip(self.narr_mentions, self.mention_para):
            if m.entity == NARR or not m.subject:
                continue
            if not _SENTENCE_START.search(self.text, max(self.paras[p][0] - 1, m.start - 24, 0), m.start):
                continue
            ent = self.cast.entities[m.entity]
            # a sentence's subject carried on by "He ..." is someone, even if named just once
            if not (ent.excluded or ent.thing or ent.role_or_place or ent.place):
                events.append((m.start, m.entity, ent.gender))
        for s, e in self._narration:
            for x in _SUBJECT_PRONOUN.finditer(self.text, s, e):
                events.append((x.start(), -1, "male" if x.group(1) == "He" else "female"))
        out: dict[str, tuple[list[int], list[int], list[int]]] = {g: ([], [], []) for g in ("male", "female")}
        pending: tuple[int, int] | None = None
        for pos, who, g in sorted(events):
            if who >= 0:
                pending = None if g else (pos, who)
                if g in out:
                    out[g][0].append(pos)
                    out[g][1].append(who)
                continue
            assert g is not None
            if pending is not None:
                out[g][0].append(pending[0])
                out[g][1].append(pending[1])
                pending = None
            out[g][2].append(pos)
        return out

    def _brought_in(self, narration: list[tuple[int, int]], taken: set[int]) -> list[Mention]:
        """Unnamed people the narration brings in ("A woman in a raincoat stood up"), one character per phrase."""
        def scene_of(pos: int) -> int:
            return self.paras[self._para_of(pos)][2]
        out: list[Mention] = []
        # a role the book gave someone ("Mr. Pell, the landlord") or a title a name bears ("Prince Hollis"): theirs
        hons = {e.hon for e in self.cast.entities if e.hon and not e.descriptive}
        known = frozenset(self.cast.roles) | hons | {noun for noun, t in _TITLE_NOUNS.items() if t in hons}
        for n in newcomers(self.text, narration, scene_of, known):
            if n.start in taken:
                continue  # already one of the chapter's described people
            new = "desc:" + n.phrase not in self.cast.by_form
            idx = self.cast.descriptive(n.phrase, n.gender)
            ent = self.cast.entities[idx]
            if new:
                ent.tagged = 0  # brought in, not yet heard
            else:
                ent.forms[n.phrase] += 1
            ent.acts += 1
            self.cast.by_form.setdefault("desc:" + n.plain, idx)  # "said the woman" of "a tall woman"
            self.brought_ids.add(idx)
            out.append(Mention(n.start, n.end, idx, False, n.subject))
        return out

    def _brought_at(self, a: int, b: int) -> int | None:
        """The unnamed person brought in whose mention starts within [a, b) ("The girl" of "The girl grinned")."""
        j = bisect.bisect_left(self.mention_starts, a)
        if j < len(self.narr_mentions) and self.narr_mentions[j].start < b:
            idx = self.narr_mentions[j].entity
            return idx if idx in self.brought_ids else None
        return None

    def _collect_roles(self) -> None:
        """Role nouns set beside a name in this chapter ("Mr. Plumtree, the undertaker"), for the chapters after."""
        for m in self.narr_mentions:
            if m.entity == NARR or m.entity >= self.cast.shared or self.cast.entities[m.entity].descriptive:
                continue
            found = _ROLE_AFTER.match(self.text, m.end)
            lo = max(0, m.start - 60)
            # (_ROLE_BEFORE ends on a comma or a bracket right before the name: looked for only there)
            if found is None and self.text[lo:m.start].rstrip().endswith((",", "(")):
                found = _ROLE_BEFORE.search(self.text, lo, m.start)
            if found is None:
                continue
            noun = found.group("noun").lower()
            if noun in _GENERIC_NOUNS or len(noun) < 3:
                continue
            self.cast.roles.setdefault(noun, Counter())[m.entity] += 1

    def _para_of(self, pos: int) -> int:
        """The paragraph pos is in: the last one starting at or before it (the first if none does)."""
        return max(bisect.bisect_right(self._para_starts, pos) - 1, 0)

    def _first_person(self, narration: list[tuple[int, int]]) -> bool:
        # (the narration parts read as one text, a space between each two: no word runs across a space)
        chunks = " ".join(self.text[s:e] for s, e in narration)
        words = len(_WORD_RE.findall(chunks))
        firsts = len(_FIRST_PERSON.findall(chunks))
        return words > 0 and firsts / words > params.CAST.first_person_share

    def _person(self, idx: int) -> bool:
        """Whether a speaker id can speak: the narrator (first person) or a likely character."""
        if idx == NARR:
            return self.first_person
        return self.cast.entities[idx].likely_person

    def resolve_name(self, form: str, create: bool = True) -> int | None:
        """Entity for a name as written in a tag; tags create characters that were never seen before."""
        hon, names = split_name(form)
        if not tag_name_ok(hon, names):
            return None
        idx = self.cast.lookup(form, create=create)
        if idx is not None:
            ent = self.cast.entities[idx]
            ent.tagged += 1
            if not ent.forms:
                ent.forms[form] += 1
        return idx

    def name_of(self, idx: int | None) -> str | None:
        if idx is None:
            return None
        if idx == NARR:
            return NARRATOR
        return self.cast.canonical(idx)

    def _set(self, q: _Quote, idx: int, conf: float, reason: str) -> None:
        q.speaker, q.conf, q.reason = idx, max(0.05, min(conf, 0.99)), reason

    def _touches(self, a: int, b: int) -> bool:
        """Whether only marks, spaces and light punctuation separate two parts."""
        return b - a < 12 and not _PARAGRAPH_END.search(self.text, a, b)

    def _inside_quote(self, pos: int) -> bool:
        k = bisect.bisect_right(self.quote_starts, pos) - 1
        return k >= 0 and self.quotes[k].part.end > pos

    def _mentioned_between(self, idx: int, a: int, b: int) -> bool:
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        return any(self.narr_mentions[k].entity == idx for k in range(lo, hi))

    def _recent_mentions(self, pos: int, para: int, span: int = 6) -> dict[int, float]:
        """Salience of each entity from narration mentions near pos (same paragraph counts most)."""
        weights = params.RESOLVE
        scores: dict[int, float] = {}
        k = bisect.bisect_left(self.mention_starts, pos)
        j = k - 1
        rank = 0
        mentions, paras, recency = self.narr_mentions, self.mention_para, weights.recency  # (read once, not per step)
        far, subject = len(recency) - 1, weights.w_subject
        while j >= 0 and rank < 60:  # enough context; bounded so huge paragraphs stay linear
            m = mentions[j]
            d = para - paras[j]
            if d > span:
                break
            w = recency[min(d, far)] + (weights.w_last if rank == 0 else 0.0)
            w += subject if m.subject else 0.0
            if w > scores.get(m.entity, 0.0):
                scores[m.entity] = w
            rank += 1
            j -= 1
        # mentions later in the same paragraph describe the same scene (often the speaker's own action)
        j = k
        while j < len(mentions) and j < k + 20 and paras[j] == para:
            m = mentions[j]
            w = weights.later_same_para + (weights.later_subject if m.subject else 0.0)
            if w > scores.get(m.entity, 0.0):
                scores[m.entity] = w
            j += 1
        return scores

    def _turn_context(self, t_i: int) -> dict[int, float]:
        """Who is in the current conversation: recent speakers, with alternation built in."""
        ctx: dict[int, float] = {}
        weights = params.RESOLVE
        run = self.turns[t_i].run
        seen = 0
        for j in range(t_i - 1, -1, -1):
            tj = self.turns[j]
            if tj.run != run:
                break
            spk = tj.last
            seen += 1
            if spk is None:
                if seen > weights.ctx_turns:
                    break
                continue
            d = t_i - j
            bonus = weights.ctx_even if d % 2 == 0 else weights.ctx_odd
            if d == 1:
                bonus = weights.ctx_prev
            if spk not in ctx:
                ctx[spk] = bonus + weights.ctx_base
            if seen > weights.ctx_turns:
                break
        # the people the previous turn addressed are expected to answer
        if t_i > 0 and self.turns[t_i - 1].run == run:
            for q in self.turns[t_i - 1].quotes:
                for v in q.vocatives:
                    ctx[v] = ctx.get(v, 0.0) + weights.ctx_called
        if NARR in ctx and not self.first_person:
            del ctx[NARR]
        return ctx

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
