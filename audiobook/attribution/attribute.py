"""Find the dialogue in a chapter and say who speaks each line, in passes from most to least certain.

Passes: explicit tags (a name beside the quote with a speech verb, in any order), vocatives (the person
addressed is not the speaker), pronoun and description tags (resolved by recency, gender and the
conversation), paragraph actors (whose action opens or closes the paragraph), quotes continuing across
paragraphs, and turn-taking (alternation between the last two speakers) for untagged runs.

The layers: `state` (the chapter, its quotes, turns and mentions) < `tags` (speech tags) < `resolve`
(pronouns and descriptions) < `turns` (untagged lines) < `_Chapter` here (the passes, in order).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from ..model import NARRATOR, Character, Paragraph, Segment
from . import params, salience
from .characters import (
    Cast,
    survey_book,
)
from .patterns import (
    _WORD_RE,
    NARR,
    _explicit_name_beside,
    _names_agree,
)
from .quotes import Part, detect_convention, split_paragraph
from .ranker import Ranker
from .state import _Quote


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
    with _collector_paused():
        return _attribute(text, paragraphs, offset, known, exclude, book)


def _attribute(text: str, paragraphs: Sequence[Paragraph], offset: int, known: Sequence[Character],
               exclude: Sequence[str], book: Cast | None) -> tuple[tuple[Segment, ...], tuple[Character, ...]]:
    """`attribute`'s work (its chapter state freed on return, before the collector is back on)."""
    paras, parts_by_para = dialogue_parts(text, paragraphs, offset)
    chapter = _Chapter(text, paras, parts_by_para, known, exclude, book)
    chapter.offset = offset
    chapter.run()
    return chapter.segments(offset), chapter.characters()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a chapter is attributed, back as it was after.

    A chapter's state (its parts, quotes, mentions, turns) is hundreds of thousands of objects that all live
    until the end, and they make no cycles worth collecting; with the collector on, the heap's growth sets off
    full collections that walk all of them again and again (about 8% of attribution time on a 100k-word text).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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


class _Chapter(Ranker):
    """One attribution run over a chapter: the passes, in order, and their results."""

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
            self._merge_descriptions,  # "the girl" answering in Tamsin's slots is Tamsin
            self._pass_ranker,  # the learned ranker re-decides the context-resolved lines it does better
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
        pair = self._exchange_of_two(q, t_i, g) if not actor else None
        idx: int | None
        if pair is not None:
            idx, conf = pair, params.RESOLVE.pair_conf
        elif not actor and (params.RESOLVE.pronoun_weights or salience.recorder() is not None):
            idx, conf = self._resolve_pronoun(q, g, t_i)
            if not params.RESOLVE.pronoun_weights:  # recording the hand-weighted rules' run
                idx, conf = self._resolve_ref(q, g, q.tag_pos, self._turn_context(t_i))
        else:
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
                    self.beat_ids.add(id(q))

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

    def segments(self, offset: int) -> tuple[Segment, ...]:
        out = []
        qmap = {id(q.part): q for q in self.quotes}
        names = {s: self.name_of(s) for s in {q.speaker for q in self.quotes}}  # (a canonical name costs)
        for i, plist in enumerate(self.parts):
            scene = self.paras[i][2]
            for part in plist:
                seg_text = self.text[part.start:part.end]
                if part.kind == "narration":
                    out.append(Segment("narration", seg_text, part.start + offset, part.end + offset, None, i, scene))
                else:
                    q = qmap[id(part)]
                    out.append(Segment("dialogue", seg_text, part.start + offset, part.end + offset,
                                       names[q.speaker], i, scene,
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
