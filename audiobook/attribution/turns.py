"""Turn-taking: who speaks the untagged lines of a conversation."""

from __future__ import annotations

from . import params
from .patterns import (
    _GESTURE,
    _GESTURE_BY,
    _I_RE,
    NARR,
    SENT_SUBJ,
)
from .quotes import Part
from .resolve import Resolver
from .state import _Quote, _Turn


class TurnTaker(Resolver):
    """Untagged lines: paragraph actors, gestures, alternation between the two people talking."""

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
                    # "Odile came through the door, and Quennell stepped back for her. "Excuse me..."": the later
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
                    if idx is not None and self._acts_as_person(idx) and idx not in q.vocatives:
                        self.cast.entities[idx].tagged += 1  # an actor who speaks: a likely speaker from now on
                        return idx, params.CONFIDENCE.paragraph_actor
                elif c[0] == "narrator" and self.first_person:
                    return NARR, params.CONFIDENCE.paragraph_narrator
                elif c[0] == "description":
                    idx, rel = self._described_actor(q, c[1], base + m.start("subj"), base + m.end("subj"), t_i)
                    if idx is not None and idx not in q.vocatives:
                        return idx, params.CONFIDENCE.paragraph_actor * rel
                elif c[0] == "pronoun":
                    g = "male" if c[1] == "he" else "female"
                    idx, conf = self._resolve_ref(q, g, base + m.start("subj"), self._turn_context(t_i))
                    if idx is not None:
                        return idx, conf * params.CONFIDENCE.paragraph_pronoun
                return None, 0.0
        return None, 0.0

    def _described_actor(self, q: _Quote, desc: str, a: int, b: int, t_i: int) -> tuple[int | None, float]:
        """Whom a described subject at [a, b) means, and how sure: someone the narration brought in ("The girl
        grinned": sure), the one present an epithet points at ("The older boy shrugged": as for "he"), or the
        one a speech tag called so ("said the king")."""
        idx = self._brought_at(a, b)
        if idx is not None:
            return idx, 1.0
        found = self._epithet_ref(q, desc.split(), a, self._turn_context(t_i))
        if found is not None:
            return found
        # "'Rise,' said the king. ... The king leaned forward.": the one a tag already called so
        idx = self.cast.by_form.get("desc:" + " ".join(desc.lower().split()))
        return (idx, params.CONFIDENCE.desc_bound) if idx is not None else (None, 0.0)

    def _acts_as_person(self, idx: int) -> bool:
        """Whether the subject of a beat right before a speech is somebody ("Ewan looked up. 'You are late.'").

        A known person is; so is any other name that acts here, unless the book knows it as a place, a thing,
        a role or an ordinary word ("Nothing happened." is no one).
        """
        ent = self.cast.entities[idx]
        if ent.is_person:
            return True
        if ent.descriptive or ent.excluded or ent.thing or ent.place or ent.role_or_place:
            return False
        words = self.cast.words
        return not (words is not None and any(words.common(w, 1) for w in ent.name.split()))

    def _answered_by_gesture(self, turn: _Turn, part: Part, prev_spk: int | None) -> bool:
        """"Quennell nodded vaguely." after my question: he answered without words, so I speak again."""
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
        # ends on the asker ("Quennell nodded vaguely. ... my curiosity grew.")
        last, _, _ = self._fragment(part.start, part.end, False)
        asker_last = bool(_I_RE.search(last)) if prev_spk == NARR else self._mentioned_between(
            prev_spk, part.end - len(last), part.end)
        return gi is not None and gi != prev_spk and (gi == NARR or asker_last)

    def _preceding_actor(self, turn: _Turn, t_i: int) -> tuple[int | None, float]:
        """"Quennell lifted a hand." then an untagged speech: Quennell speaks it."""
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
            c = (later[0], later[1])  # "Odile came through the door, and Quennell stepped back for her."
        if c is None:
            return None, 0.0
        q = turn.quotes[0]
        idx: int | None = None
        conf = params.CONFIDENCE.preceding_actor
        if c[0] == "name":
            idx = self.cast.lookup(c[1])
            if idx is not None and not self.cast.entities[idx].is_person:
                idx = None
        elif c[0] == "narrator" and self.first_person:
            idx = NARR
        elif c[0] == "description":
            idx, rel = self._described_actor(q, c[1], base + m.start("subj"), base + m.end("subj"), t_i)
            conf *= rel
        elif c[0] == "pronoun":
            g = "male" if c[1] == "he" else "female"
            idx, rc = self._resolve_ref(q, g, base + m.start("subj"), self._turn_context(t_i))
            conf = params.CONFIDENCE.preceding_pronoun_scale * rc + params.CONFIDENCE.preceding_pronoun_base
        if idx is None or not self._person(idx) or idx in q.vocatives:
            return None, 0.0
        if idx == NARR:
            # "I shook my head." answers without words: the one who asked speaks again
            prev_spk = self.turns[t_i - 1].last if t_i > 0 and self.turns[t_i - 1].run == turn.run else None
            if prev_spk is not None and prev_spk != NARR and _GESTURE.search(frag) and prev_spk not in q.vocatives:
                return prev_spk, params.CONFIDENCE.narrator_gesture
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
        for d in range(1, params.TURNS.nearest_window + 1):
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

    def _fallback(self, turn: _Turn, t_i: int) -> tuple[int | None, float]:
        pos = self.paras[turn.paras[0]][0]
        recent = self._recent_mentions(pos, turn.paras[0], span=params.TURNS.fallback_span)
        q0 = turn.quotes[0]
        ranked = sorted((kv for kv in recent.items() if self._person(kv[0])
                         and kv[0] not in q0.vocatives), key=lambda kv: -kv[1])
        if ranked:
            return ranked[0][0], params.CONFIDENCE.fallback_mention
        if self.first_person:
            return NARR, params.CONFIDENCE.fallback_narrator
        return None, params.CONFIDENCE.unknown

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
                self._set(q, src.speaker, src.conf * params.CONFIDENCE.spread, reason)  # type: ignore[arg-type]
