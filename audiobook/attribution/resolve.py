"""Resolving pronouns and descriptions ("she said", "said the old man") to characters."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeGuard

from . import params, salience
from .characters import (
    Mention,
)
from .epithets import epithet
from .patterns import (
    _FEMALE_NOUNS,
    _FULL_STOP,
    _GENERIC_NOUNS,
    _MALE_NOUNS,
    _NEW_WORDS,
    _RELATIONS,
    _TITLE_NOUNS,
    NARR,
    _gender,
    _partners,
)
from .state import _Quote
from .tags import TagReader

#: Between a name and its noun in an apposition: "Mr. Plumtree, the parish undertaker", "X, who was the vicar".
_APPOS_AFTER = re.compile(r"\s*,?\s*(?:(?:who|that)\s+(?:was|is)\s+|(?:was|is|being)\s+)?(?:the|an?|his|her|their|"
                          r"our|this)\s+(?:[\w'\u2019-]+\s+){0,3}")
#: Parts and acts of the one speaking ("his voice", "her eyes"): a possessive of these means the possessor speaks.
_PLAIN_NOUNS = frozenset({"voice", "voices", "eyes", "face", "lips", "tone", "words", "answer", "reply", "views"})
#: The titles an elder relative goes by: "her mother" is Mrs. Pellow rather than Miss Pellow.
_ELDER_TITLES: dict[str, tuple[str, ...]] = {
    "mother": ("mrs", "lady"), "father": ("mr", "sir", "lord"), "aunt": ("mrs", "lady"), "uncle": ("mr", "sir", "lord"),
    "grandmother": ("mrs", "lady"), "grandfather": ("mr", "sir", "lord"), "mamma": ("mrs", "lady"),
    "papa": ("mr", "sir", "lord"),
}
#: ...and between the noun and the name: "the undertaker, Mr. Plumtree", "the lawyer (Mr. Penrose)".
_APPOS_BEFORE = re.compile(r"\s*[,(]?\s*")
#: Ranks a description may name ("the king", "the prince"): someone of another rank is someone else.
_RANKS = frozenset(_TITLE_NOUNS.values())
#: Where a tag's clause ends: a sentence's end, a semicolon or colon, a quotation mark, a paragraph's end.
_CLAUSE_END = re.compile(r"[.!?;:\n\"\u201c\u201d]")
#: A sentence opening with its subject "He"/"She" (after quote marks and a conjunction), by gender.
_PRONOUN_OPENS = {gender: re.compile(rf"[\s\"'\u201c\u2018]*(?:(?:And|But|Then|Now|So)\s+)?{word}\s")
                  for gender, word in (("male", "He"), ("female", "She"))}
#: Where the hand rules' pick sits in a candidate's features.
_HAND = salience.FEATURES.index("hand_pick")
_NEAREST_OF_GENDER = salience.FEATURES.index("nearest_of_gender")
_SUBJECT_OF_GENDER = salience.FEATURES.index("subject_of_gender")


@dataclass
class _Back:
    """What the narration before a "he"/"she" tag names: everyone within far_span paragraphs, the speech's own
    paragraph, the subjects nearest first, and the first 40 people with where each was last named."""

    far: set[int] = field(default_factory=set)
    here: set[int] = field(default_factory=set)
    subjects: list[int] = field(default_factory=list)
    last_seen: dict[int, int] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)


class Resolver(TagReader):
    """From a pronoun or description to a character: recency, gender, appositives, conversation partners."""

    offset: int = 0  # the chapter's offset in its file (for the samples bench/ records)
    _hand_conf: float = 0.0  # the hand rules' confidence in their pick for the last "he/she said" scored

    def _resolve_ref(self, q: _Quote, gender: str | None, pos: int, turn_ctx: dict[int, float],
                     title: str | None = None, skip: int | None = None) -> tuple[int | None, float]:
        """Pick the character a pronoun or description refers to: recency, gender, conversation (never `skip`)."""
        cands: dict[int, float] = {}
        w = params.RESOLVE
        for span in (w.near_span, w.far_span):
            # nobody fitting nearby: "he said" of a man last named a page ago (the narration says "he" since)
            recent = self._recent_mentions(pos, self._para_of(pos), span=span)
            head = self._chain_salience(recent, pos, gender) if gender else None
            cands = self._ref_candidates(q, gender, recent, turn_ctx, title, head)
            if skip is not None:
                cands.pop(skip, None)
            if cands:
                break
        if gender and w.pronoun_object:
            for k in self._pronoun_objects(pos, gender) & set(cands):
                cands[k] -= w.pronoun_object  # "He had seen Mr. Pellow": "he" is not Mr. Pellow
        if not cands:
            return None, 0.0
        ranked = sorted(cands.items(), key=lambda kv: -kv[1])
        best, top = ranked[0]
        margin = top - (ranked[1][1] if len(ranked) > 1 else 0.0)
        conf = 0.5 + 0.45 * (1 - math.exp(-margin / w.margin_scale))
        return best, conf * (1.0 if span == w.near_span else w.far_factor)

    def _resolve_pronoun(self, q: _Quote, gender: str, t_i: int) -> tuple[int | None, float]:
        """"he said"/"she said": the candidate of the fitted salience model (`salience`) with the best score."""
        w = params.RESOLVE
        rows = self._pronoun_rows(q, gender, t_i)
        sink = salience.recorder()
        if sink is not None:
            hand = next((k for k, r in rows.items() if r[_HAND]), None)
            names = list(rows)
            sink(salience.Sample(q.part.start + self.offset, q.part.end + self.offset,
                                 tuple(self.name_of(k) or "" for k in names), tuple(rows[k] for k in names),
                                 self.name_of(hand) or ""))
        if not rows:
            return None, 0.0
        newcomer = self._newcomer_acting(q, rows)
        if newcomer is not None:
            self.beat_ids.add(id(q))  # (the ranker, fitted without newcomers too, keeps it as it keeps beats)
            return newcomer, params.CONFIDENCE.desc_new
        scores = {k: salience.score(w.pronoun_weights, r) for k, r in rows.items()}
        ranked = sorted(((v, k) for k, v in scores.items()), reverse=True)
        pick = ranked[0][1]
        hand = next((k for k, r in rows.items() if r[_HAND]), None)
        if hand is not None and scores[pick] - scores[hand] < w.pronoun_margin:
            pick = hand  # the model overrules the hand rules only when clearly better
        if pick == hand:
            return pick, self._hand_conf  # the hand rules' pick keeps their confidence (a sure one votes gender)
        rest = [v for v, k in ranked if k != pick]
        margin = scores[pick] - (rest[0] if rest else scores[pick] - w.pronoun_alone)
        return pick, 0.5 + 0.45 * (1 - math.exp(-max(margin, 0.0) / w.pronoun_margin_scale))

    def _newcomer_acting(self, q: _Quote, rows: dict[int, tuple[float, ...]]) -> int | None:
        """Someone the narration just brought in, the last of the pronoun's gender to act by name before the tag
        ("A tall man stood there, reading. / 'Yo,' he said."): the he/she is theirs.

        The fitted weights never saw such people (nobody was brought in when they were fitted): they would give
        the tag to whoever talked before, named and tagged many times.
        """
        acting = [k for k, row in rows.items()
                  if k in self.brought_ids and row[_NEAREST_OF_GENDER] and row[_SUBJECT_OF_GENDER]]
        if not acting:
            return None
        j = bisect.bisect_left(self.mention_starts, q.tag_pos) - 1
        while j >= 0 and self.mention_para[j] >= q.para - 1:  # named here or in the paragraph before
            if self.narr_mentions[j].entity == acting[0]:
                return acting[0]
            j -= 1
        return None

    def _pronoun_rows(self, q: _Quote, gender: str, t_i: int) -> dict[int, tuple[float, ...]]:
        """Each candidate referent of a "he"/"she" tag and its features (`salience.FEATURES`, in order)."""
        w = params.RESOLVE
        pos = q.tag_pos
        para = self._para_of(pos)
        near = self._recent_mentions(pos, para, span=w.near_span)
        back = self._look_back(pos, para)
        ctx = self._turn_context(t_i)
        run = self.turns[t_i].run
        spoke: dict[int, int] = {}  # speakers of this conversation so far: turns back
        for j in range(t_i - 1, max(-1, t_i - 1 - w.run_turns), -1):
            if self.turns[j].run != run:
                break
            spk = self.turns[j].last
            if spk is not None and spk not in spoke:
                spoke[spk] = t_i - j
        head, count = self.chain_head(pos, gender)
        genders: dict[int, str | None] = {}

        def gender_of(k: int) -> str | None:
            """An entity's gender, read once for this tag (a sum over the cast's votes: no vote changes meanwhile)."""
            if k not in genders:
                genders[k] = self.cast.entities[k].gender
            return genders[k]

        objects = self._pronoun_objects(pos, gender, gender_of)

        def fits(k: int) -> bool:
            return k != NARR and self.cast.entities[k].is_person

        # the nearest people, and the two nearest of the pronoun's gender (lazily: gender is dear to compute)
        people = [k for k in back.order if fits(k)]
        gendered = list(islice((k for k in people if gender_of(k) == gender), 2))
        in_speech = self._named_inside(q.part.start, q.part.end)
        prev_q = self.turns[t_i - 1].quotes if t_i > 0 and self.turns[t_i - 1].run == run else []
        in_prev = {k for pq in prev_q for k in self._named_inside(pq.part.start, pq.part.end)}
        told = {k for pq in prev_q for k in pq.spoken_to}
        subject = next((k for k in back.subjects if k in back.last_seen and fits(k) and gender_of(k) == gender), None)
        hand, self._hand_conf = self._hand_pick(q, gender, pos, para, ctx, dict(near), (head, count), objects,
                                                gender_of)
        stop = _CLAUSE_END.search(self.text, pos + 1, pos + 120)
        end = stop.start() if stop else pos + 120
        clause = {self.narr_mentions[j].entity for j in range(bisect.bisect_left(self.mention_starts, pos),
                                                              bisect.bisect_left(self.mention_starts, end))}
        rows: dict[int, tuple[float, ...]] = {}
        for idx in back.far | set(near) | set(ctx) | set(spoke) | ({head} if head is not None else set()):
            if idx == NARR:
                continue
            ent = self.cast.entities[idx]
            g = gender_of(idx)
            if ent.excluded or (g and g != gender):
                continue
            if idx != head and not ent.likely_person and not (
                    near.get(idx, 0.0) >= w.person_salience and ent.place == 0
                    and (ent.hon or ent.votes or any(f in self.cast.mid for f in ent.forms))):
                continue
            rows[idx] = (
                near.get(idx, 0.0) / w.near_scale, float(idx in back.far and idx not in near),
                ctx.get(idx, 0.0) / w.context_scale,
                float(idx in spoke), float(not g and idx != head), float(idx == head),
                min(count, w.chain_cap) / w.chain_cap if idx == head else 0.0, float(idx in objects),
                float(idx in q.vocatives or idx in q.spoken_to), math.log1p(ent.mentions) / w.mentions_scale,
                float(ent.tagged > 0), float(spoke.get(idx) == 1), float(spoke.get(idx) == 2),
                float(idx in back.here), float(bool(gendered) and gendered[0] == idx),
                float(len(gendered) > 1 and gendered[1] == idx), float(bool(people) and people[0] == idx),
                (1.0 / (1.0 + max(0, pos - back.last_seen[idx]) / w.closeness_chars)
                 if idx in back.last_seen else 0.0),
                float(idx in in_speech and idx not in q.vocatives), float(idx in in_prev),
                float(idx in told), float(idx == subject), float(idx == hand), float(idx in clause))
        return rows

    def _hand_pick(self, q: _Quote, gender: str, pos: int, para: int, ctx: dict[int, float], near: dict[int, float],
                   chain: tuple[int | None, int], objects: set[int],
                   gender_of: Callable[[int], str | None]) -> tuple[int | None, float]:
        """The hand-weighted rules' referent (`_resolve_ref` for a he/she tag) from what `_pronoun_rows` has."""
        w = params.RESOLVE
        head, count = chain
        recent = near
        for span in (w.near_span, w.far_span):
            if span != w.near_span:
                recent = self._recent_mentions(pos, para, span=span)
            if head is not None:
                recent[head] = recent.get(head, 0.0) + w.chain_base + w.chain_step * min(count, w.chain_cap)
            cands = self._ref_candidates(q, gender, recent, ctx, None, head, gender_of)
            if cands:
                break
        for k in objects & set(cands) if w.pronoun_object else ():
            cands[k] -= w.pronoun_object
        if not cands:
            return None, 0.0
        ranked = sorted(cands.values(), reverse=True) + [0.0]
        conf = 0.5 + 0.45 * (1 - math.exp(-(ranked[0] - ranked[1]) / w.margin_scale))
        return max(cands.items(), key=lambda kv: kv[1])[0], conf * (1.0 if span == w.near_span else w.far_factor)

    def _look_back(self, pos: int, para: int) -> _Back:
        """One walk back through the narration's mentions before pos (bounded: linear in the chapter)."""
        back = _Back()
        k = bisect.bisect_left(self.mention_starts, pos)
        mentions, paras, far_span = self.narr_mentions, self.mention_para, params.RESOLVE.far_span  # (read once)
        for rank, j in enumerate(range(k - 1, -1, -1)):
            d = para - paras[j]
            if d > far_span or (rank >= 60 and len(back.order) >= 40):
                break
            m = mentions[j]
            if rank < 60:
                back.far.add(m.entity)  # (as far as `_recent_mentions` looks with far_span)
            if d == 0:
                back.here.add(m.entity)
            if m.subject:
                back.subjects.append(m.entity)
            if m.entity not in back.last_seen and len(back.order) < 40:
                back.last_seen[m.entity] = m.end
                back.order.append(m.entity)
        j = k
        while j < len(self.narr_mentions) and j < k + 20 and self.mention_para[j] == para:
            back.here.add(self.narr_mentions[j].entity)  # later in the speech's own paragraph
            j += 1
        back.far |= back.here
        return back

    def _named_inside(self, a: int, b: int) -> set[int]:
        """The people named inside text[a:b] (a speech)."""
        lo = bisect.bisect_left(self.all_mention_starts, a)
        hi = bisect.bisect_left(self.all_mention_starts, b)
        return {m.entity for m in self.cast.mentions[lo:hi] if m.in_quote}

    def _chain_salience(self, recent: dict[int, float], pos: int, gender: str) -> int | None:
        """The head of the narration's "he"/"she" chain gains salience for each sentence that carried it on."""
        head, count = self.chain_head(pos, gender)
        if head is not None:
            w = params.RESOLVE
            recent[head] = recent.get(head, 0.0) + w.chain_base + w.chain_step * min(count, w.chain_cap)
        return head

    def _pronoun_objects(self, pos: int, gender: str,
                         gender_of: Callable[[int], str | None] | None = None) -> set[int]:
        """People named after a subject "he"/"she" of their own sentence, in this paragraph or the one before.

        "He had seen Mr. Pellow at the gate.": whoever "he" is, it is not Mr. Pellow, and a "he said" just
        after means the same "he" (a name in the object of a sentence about someone else is no referent).
        """
        para = self._para_of(pos)
        opens = _PRONOUN_OPENS[gender]
        out: set[int] = set()
        read = gender_of or (lambda k: self.cast.entities[k].gender)
        j = bisect.bisect_left(self.mention_starts, pos) - 1
        while j >= 0 and para - self.mention_para[j] <= 1:
            m = self.narr_mentions[j]
            j -= 1
            if m.entity == NARR or read(m.entity) != gender:
                continue
            lo = self.paras[self.mention_para[j + 1]][0]
            ends = [x.end() for x in _FULL_STOP.finditer(self.text, lo, m.start)]
            start = ends[-1] if ends else lo
            if opens.match(self.text, start, m.start):
                out.add(m.entity)
        return out

    def _ref_candidates(self, q: _Quote, gender: str | None, recent: dict[int, float], turn_ctx: dict[int, float],
                        title: str | None, head: int | None = None,
                        gender_of: Callable[[int], str | None] | None = None) -> dict[int, float]:
        """Each possible referent's score (`head`: the pronoun chain's head, a person whatever the cast thinks;
        `gender_of`: the caller's memo of the cast's genders, if it keeps one)."""
        cands: dict[int, float] = {}
        w = params.RESOLVE
        for idx in set(recent) | set(turn_ctx):
            if idx == NARR:
                continue  # "he", "she" and descriptions never mean the first-person narrator
            ent = self.cast.entities[idx]
            if idx != head and not ent.likely_person and not (
                    recent.get(idx, 0.0) >= w.person_salience and ent.place == 0
                    and (ent.hon or ent.votes or any(f in self.cast.mid for f in ent.forms))):
                continue
            if ent is not None and ent.excluded:
                continue
            g = (gender_of(idx) if gender_of else ent.gender) if ent is not None else None
            score = recent.get(idx, 0.0) + turn_ctx.get(idx, 0.0)
            if gender:
                if g and g != gender:
                    continue
                if not g and idx != head:  # (the chain's "He ..." gave its head a gender)
                    score -= w.ungendered_in_talk if idx in turn_ctx else w.ungendered
            if title and ent is not None:
                hon = ent.hon or ""
                if hon == title or title in ent.name.lower():
                    score += w.title_match
            if idx in q.vocatives or idx in q.spoken_to:
                score -= w.addressed_penalty
            score += w.mentions_weight * math.log1p(ent.mentions if ent is not None else 5)
            if ent is not None and ent.tagged:
                score += w.w_tagged  # people who speak elsewhere in the book are likelier speakers
            cands[idx] = score
        return cands

    def _resolve_description(self, q: _Quote, ctx: dict[int, float], t_i: int) -> tuple[int | None, float]:
        """A description: a title ("the doctor"), "the other", a relation ("his wife") or a new character."""
        phrase = " ".join(q.tag_value.split())
        words = phrase.split()
        det = words[0].lower()
        core = re.split(r"\s(?:in|with|of)\s", phrase)[0].split()
        head = core[-1].lower()
        if head in ("voice", "voices") and (det in ("a", "an", "another") or set(core) & _NEW_WORDS):
            # someone new: the ranker's features cannot tell such a newcomer from a description of someone
            # known (`descriptive` marks both), so it keeps the line as it keeps beats
            self.beat_ids.add(id(q))
            return self._new_voice(q, t_i)
        gender = "male" if head in _MALE_NOUNS else "female" if head in _FEMALE_NOUNS else None
        if det in ("his", "her") and (len(core) == 1 or core[1].lower() in _PLAIN_NOUNS):
            gender = "male" if det == "his" else "female"  # "his voice shaking", "her eyes on him": his, hers
        if det in ("his", "her") and head in _RELATIONS and len(core) <= 3:
            idx = self._relative(q, det, head, ctx, t_i)
            if idx is not None:
                return idx, params.RESOLVE.relative_conf
        found = self._epithet_ref(q, core, q.tag_pos, ctx)
        if found is not None:
            return found  # "'You're late,' the blonde said": someone present, not a new speaker
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
            return self._definite_description(q, phrase, core, gender, t_i, ctx)
        if det in ("a", "an") and "other" not in core and q.tag_where == "after":
            # "said a burly fellow": someone the story has not introduced, never one it knows (and kept from the
            # ranker, as a new voice is)
            self.beat_ids.add(id(q))
            return self.cast.descriptive(phrase, _gender(gender)), params.CONFIDENCE.desc_new
        idx, conf = self._resolve_ref(q, gender, q.tag_pos, ctx)
        if idx is None:
            return None, 0.0
        return idx, conf * (0.9 if gender else 0.6)

    def _epithet_ref(self, q: _Quote, words: list[str], pos: int,
                     ctx: dict[int, float]) -> tuple[int, float] | None:
        """The named character present whom an epithet ("the blonde", "the taller boy") means, as for he/she."""
        is_epithet, gender = epithet(words)
        if not is_epithet:
            return None
        idx, conf = self._resolve_ref(q, gender, pos, ctx)
        if idx is None or idx == NARR or self.cast.entities[idx].descriptive:
            return None
        return idx, conf * params.CONFIDENCE.desc_referent

    def _definite_description(self, q: _Quote, phrase: str, core: list[str], gender: str | None, t_i: int,
                              ctx: dict[int, float]) -> tuple[int | None, float]:
        """"said the undertaker": whom the phrase was bound to, the role's apposition, the referent, or a new minor."""
        c = params.CONFIDENCE
        key = "desc:" + phrase.lower()
        prev = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run else None
        bound = self.cast.by_form.get(key)
        if bound is not None and not self._may_describe(q, bound, gender):
            bound = None  # "said the undertaker" to "Mr. Gribble": the one addressed is not the one described
        if bound is not None and bound != prev and not (bound in self.described_ids and self._named_here(q, gender)):
            return bound, c.desc_bound  # a description keeps meaning the same person within a chapter
        app = self._appositive(core, q.tag_pos)
        if app is not None and app != prev:
            self.cast.by_form[key] = app
            return app, c.desc_appositive
        # "It was Sabine. 'Shut the gate,' said the girl": the girl just named, not "the girl" of the narration
        described = bound if bound is not None and bound in self.described_ids else None
        idx, conf = self._resolve_ref(q, gender, q.tag_pos, ctx, skip=described)
        rank = _TITLE_NOUNS.get(core[-1].lower())
        if idx is not None and idx != NARR and rank and self.cast.entities[idx].hon in _RANKS - {rank}:
            idx = None  # "said the king" is not Prince Hollis: someone of another rank is someone else
        if idx is not None and self._focal(idx) and core[-1].lower() in _GENERIC_NOUNS | _MALE_NOUNS | _FEMALE_NOUNS:
            idx = None  # the chapter's central figure goes by name and "he"; "said the old gentleman" is someone else
        if idx not in ctx and core[-1].lower() not in _GENERIC_NOUNS | _MALE_NOUNS | _FEMALE_NOUNS:
            idx = None  # "said the surgeon" of the patient: a role noun is its own speaker, or one already talking
        if idx is not None and idx != prev and conf >= params.RESOLVE.desc_min:
            self.cast.by_form[key] = idx
            return idx, conf * c.desc_referent
        if bound is not None:
            return bound, c.desc_weak_bound
        return self.cast.descriptive(phrase, _gender(gender)), c.desc_new

    def _named_here(self, q: _Quote, gender: str | None) -> bool:
        """Whether a named person of this gender was just named (this paragraph or the one before)."""
        recent = self._recent_mentions(q.tag_pos, self._para_of(q.tag_pos), span=1)
        return any(k != NARR and not self.cast.entities[k].descriptive and self.cast.entities[k].is_person
                   and self.cast.entities[k].gender in (gender, None) for k in recent)

    def _exchange_of_two(self, q: _Quote, t_i: int, gender: str) -> int | None:
        """"she said" while a man and a woman talk: the woman, however recently the narration named others.

        Only when the last turns of this conversation were the two of them, one of each gender, and nobody
        else of that gender is named in the paragraph of the speech.
        """
        run = self.turns[t_i].run
        seen: list[int] = []
        for j in range(t_i - 1, max(-1, t_i - 1 - params.RESOLVE.pair_turns), -1):
            if self.turns[j].run != run:
                break
            spk = self.turns[j].last
            if spk is not None and spk not in seen:
                seen.append(spk)
        if len(seen) != 2 or NARR in seen:
            return None
        genders = [self.cast.entities[s].gender for s in seen]
        if gender not in genders or None in genders or genders[0] == genders[1]:
            return None
        who = seen[genders.index(gender)]
        if who in q.vocatives or who in q.spoken_to:
            return None
        here = self._recent_mentions(q.tag_pos, q.para, span=0)
        if any(k != who and k != NARR and self.cast.entities[k].gender == gender for k in here):
            return None  # someone else of that gender is in the scene just now
        return who

    def _focal(self, idx: int) -> bool:
        """Whether the narration names this character far more than anyone else in the chapter."""
        ranked = self.narr_count.most_common(2) + [(NARR, 0), (NARR, 0)]
        (top, n), (_, n2) = ranked[0], ranked[1]
        return idx == top and n >= params.RESOLVE.focal_ratio * max(n2, 1)

    def _relative(self, q: _Quote, det: str, head: str, ctx: dict[int, float], t_i: int) -> int | None:
        """"Mrs. Pargeter cried. 'Do come,' murmured her husband": the one of the family the cast knows (Mr. Pargeter).

        The possessor is whom "his"/"her" means here: the one who spoke just before when of that gender (a
        relative answers them: "'I won't,' said Ilse. 'You will,' her mother said."), else as for "he"/"she"
        (recency and the conversation); the relative shares the possessor's surname and has the relation's
        gender, and an elder ("mother", "father") is the one with a married title if several fit. None: None.
        """
        owner_g = "male" if det == "his" else "female"
        cands = self._ref_candidates(q, owner_g, self._recent_mentions(q.tag_pos, self._para_of(q.tag_pos)), ctx, None)
        prev = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run else None
        if prev is not None and prev in cands and self.cast.entities[prev].gender == owner_g:
            owner = prev
        elif cands:
            owner = max(cands.items(), key=lambda kv: kv[1])[0]
        else:
            return None
        last = (self.cast.entities[owner].last or "").lower()
        if not last:
            return None
        want = _RELATIONS[head]
        kin = [i for i, e in enumerate(self.cast.entities)
               if i != owner and not e.descriptive and e.is_person and (e.last or "").lower() == last
               and not (want and e.gender and e.gender != want) and i not in q.vocatives]
        elder = _ELDER_TITLES.get(head, ())
        return max(kin, key=lambda i: ((self.cast.entities[i].hon or "") in elder, self.cast.entities[i].mentions)) \
            if kin else None

    def _may_describe(self, q: _Quote, idx: int, gender: str | None) -> bool:
        """Whether a description may name this character here: not the one spoken to, not of the other sex."""
        if idx in q.vocatives or idx in q.spoken_to:
            return False
        g = self.cast.entities[idx].gender if idx != NARR else None
        return not (gender and g and g != gender)

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
        """The named character the narration calls by this noun ("Mr. Penrose, the lawyer", "the lawyer, Mr. Quill")."""
        head = core[-1].lower()
        if head in _GENERIC_NOUNS or len(head) < 3:
            return None
        if head in self._appositive_cache:  # one scan of the chapter per noun keeps this linear
            return self._appositive_cache[head]
        votes: dict[int, float] = {}
        noun = re.compile(rf"\b{re.escape(head)}s?\b", re.I)
        for m in noun.finditer(self.text):
            if self._inside_quote(m.start()):
                continue
            # names in the same sentence as the noun, nearest first
            lo_bound = max(0, m.start() - 300)
            # sentence ends, not the full stop of "Mr." ("Mr. Penrose was ... the typical lawyer's mouth")
            ends = [x.end() for x in _FULL_STOP.finditer(self.text, lo_bound, m.start())]
            s0 = max(ends[-1] if ends else -1, self.text.rfind("\n\n", lo_bound, m.start()), lo_bound)
            nxt = _FULL_STOP.search(self.text, m.end(), m.end() + 300)
            e0 = nxt.start() if nxt else m.end() + 300
            lo = bisect.bisect_left(self.mention_starts, s0)
            hi = bisect.bisect_left(self.mention_starts, e0)
            near = [(abs(self.narr_mentions[j].start - m.start()), self.narr_mentions[j].entity) for j in range(lo, hi)
                    if self.narr_mentions[j].entity != NARR and not self._coordinated(self.narr_mentions[j], m)]
            if near:
                _, ent = min(near)
                j0 = next(j for j in range(lo, hi) if self.narr_mentions[j].entity == ent)
                mj = self.narr_mentions[j0]
                between = self.text[mj.end:m.start()] if mj.end <= m.start() else self.text[m.end():mj.start]
                appos = (_APPOS_AFTER if mj.end <= m.start() else _APPOS_BEFORE).fullmatch(between)
                copula = re.match(r"\s+(?:was|is|had\s+been|seemed)\b", self.text[mj.end:m.start()])
                w = params.RESOLVE
                # "Mr. Plumtree, the parish undertaker" says it outright; "Mr. Penrose was a man ... with a
                # lawyer's mouth" nearly; a name merely near the noun ("tapping the undertaker") hardly
                votes[ent] = votes.get(ent, 0.0) + (w.appos_strong if appos else w.appos_copula if copula
                                                    else w.appos_near)
        for ent, n in self.book_roles.get(head, Counter()).items():
            if ent < len(self.cast.entities):
                votes[ent] = votes.get(ent, 0.0) + n * params.RESOLVE.appos_strong
        best: int | None = None
        if votes:
            ranked = sorted(votes.values(), reverse=True) + [0.0]
            top = max(votes, key=lambda k: votes[k])
            best = top if ranked[0] >= 2 and ranked[0] > 1.5 * ranked[1] else None
        self._appositive_cache[head] = best
        return best

    def _coordinated(self, mention: Mention, noun: re.Match[str]) -> bool:
        """"John and the lawyer", "the lawyer to whom Mrs. Penhallow": a name beside the noun but not its referent."""
        if re.match(r"['\u2019]s?\b", self.text[mention.end:mention.end + 2]):
            return True  # "Mrs. Penhallow's room", "my mother's lawyer": the possessor is someone else
        if mention.end <= noun.start():
            between = self.text[mention.end:noun.start()]
            return bool(re.fullmatch(r"(?:['\u2019]s\s+\w+\s+)?\s*(?:,\s*)?(?:and|or|nor|with|to|from|at|"
                                     r"by)\s+(?:the\s+|his\s+|her\s+)?"
                                     r"(?:\w+\s+)?", between))
        between = self.text[noun.end():mention.start]
        return bool(re.search(r"\b(?:and|or|nor|with|whom|to|at|by|from)\b", between))

    def _partner(self, j: int, spk: int | None) -> int | None:
        """The other person in the conversation around turn j."""
        turns = self.turns
        run = turns[j].run
        for q in turns[j].quotes:
            for v in q.vocatives + q.spoken_to:  # "whispering to Quennell": Quennell is the one who answers
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

    def _merge_descriptions(self) -> None:
        """"the girl" who answers Edda in the same slots as Sabine is Sabine: merge a description into the name.

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
                if d in self.brought_ids:
                    continue  # brought in beside the named ones ("A woman in a raincoat stood up"): someone else
                if len(cands) == 1 and seq.count(d) >= 2:
                    merge[d] = cands[0]
        for d, n in self._addressed_descriptions().items():
            merge.setdefault(d, n)
        if not merge:
            return
        for d, n in merge.items():
            self.cast.entities[n].also_called.update(self.cast.entities[d].forms)
        for q in self.quotes:
            if q.speaker in merge:
                q.speaker = merge[q.speaker]
                q.conf = max(q.conf, 0.75)  # measured: these merges are mostly right

    def _addressed_descriptions(self) -> dict[int, int]:
        """"What is it, Sabine?" - "Nothing," replied the girl: the described speaker is the one just addressed.

        Each reply of a described speaker to a turn that called someone by name votes for that name, and so does
        a name called in answer to it ("Hey, Mei."); a name the described speaker itself calls out votes
        against. The clear winner of enough votes is the one.
        """
        w = params.RESOLVE
        out: dict[int, int] = {}
        for d, box in self._name_votes().items():
            # two people brought in unnamed are two people: a name one of them took is not the other's
            taken = {out[b] for b in out if b in self.brought_ids} if d in self.brought_ids else set()
            ranked = [(n, v) for n, v in box.most_common() if n not in taken] + [(NARR, 0), (NARR, 0)]
            (n, top), (_, second) = ranked[0], ranked[1]
            # one naming is enough for someone the narration just brought in ("A girl ran up. 'You came!'")
            least = w.addressed_newcomer if d in self.brought_ids else w.addressed_min
            if top >= least and top >= w.addressed_ratio * max(second, 0):
                out[d] = n
        return out

    def _name_votes(self) -> dict[int, Counter[int]]:
        """Per described speaker (in order of first speech), the names called just before and just after it."""
        w = params.RESOLVE
        votes: dict[int, Counter[int]] = {}
        spoke: set[int | None] = set()  # who has spoken in the conversation so far
        for t_i, turn in enumerate(self.turns):
            prev = self.turns[t_i - 1] if t_i and self.turns[t_i - 1].run == turn.run else None
            nxt = self.turns[t_i + 1] if t_i + 1 < len(self.turns) and self.turns[t_i + 1].run == turn.run else None
            spoke = spoke if prev is not None else set()
            d = turn.first
            if prev is not None and self._described(d):
                box = votes.setdefault(d, Counter())
                for n in {v for q in prev.quotes for v in q.vocatives}:
                    if n != prev.last and self._could_be(d, n):
                        box[n] += 1
                for n in {v for q in turn.quotes for v in q.vocatives}:
                    box[n] -= 1
            d = turn.last
            if nxt is not None and self._described(d):
                # a name called in answer ("Hey, Mei.") is theirs if it is new here: no speaker yet, not narrated
                old = spoke | set(self._recent_mentions(self.paras[turn.paras[0]][0], turn.paras[0],
                                                        span=w.addressed_span))
                box = votes.setdefault(d, Counter())
                for n in {v for q in nxt.quotes for v in q.vocatives} - old:
                    if n != nxt.first and self._could_be(d, n):
                        box[n] += 1
            spoke.update(q.speaker for q in turn.quotes)
        return votes

    def _described(self, d: int | None) -> TypeGuard[int]:
        """Whether d is a speaker known only by a description."""
        return d is not None and d != NARR and self.cast.entities[d].descriptive

    def _could_be(self, d: int, n: int) -> bool:
        """Whether described speaker d may be named character n: a named person of no other gender."""
        if n == NARR:
            return False
        ed, en = self.cast.entities[d], self.cast.entities[n]
        return not en.descriptive and en.is_person and not (ed.gender and en.gender and ed.gender != en.gender)
