"""The learned ranker pass: candidates and features for every quotation the rules decided from context.

After the rules, every quotation whose speaker came from context (a pronoun or description tag, an actor,
turn-taking, a continuation, or nobody) gets a candidate set (recent and coming speakers of its
conversation, people the narration around it mentions, the one addressed just before or just after, the
rules' pick) and a feature vector per candidate (`rankmodel.FEATURES`). The fitted linear model
(`rankmodel.current()`) then picks the best-scoring candidate for the kinds of decision it was measured to do
better than the rules (`RankerParams.decides`). The first pass's features read the rules' decisions of the
other quotations, the second pass's (its own weights) read the first pass's; within a pass no line reads that
pass's own decisions, and each pass is fitted on features computed exactly so (bench/fit_ranker.py).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from . import params, rankmodel
from .address import addressed_genders
from .beats import first_actor, last_actor
from .idiolect import Profiles, Speech, words
from .patterns import NARR
from .runs import RunWeights, Step, decode, turn_step
from .state import _Quote, _Turn
from .turns import TurnTaker

_SURE = ("explicit", "self-introduction")
_Sure = tuple[int | None, int | None, int]  # a tagged speaker, the other one tagged beyond, the first's distance
_NO_REASON = (0.0,) * len(rankmodel.REASONS)


@dataclass
class _Walk:
    """What the walk through the chapter's turns knows so far (rule decisions only)."""

    lines: Counter[int] = field(default_factory=Counter)  # lines per speaker in the chapter so far
    run_lines: Counter[int] = field(default_factory=Counter)  # ...in the current conversation
    last_turn: dict[int, int] = field(default_factory=dict)  # turn index each speaker last spoke, this run
    run: int = -1
    scene_lines: Counter[int] = field(default_factory=Counter)  # lines per speaker in the scene so far
    scene: int = -1

    def enter(self, run: int, scene: int) -> None:
        """A turn of conversation `run` in `scene`: the counts restart where either changes."""
        if run != self.run:
            self.run, self.run_lines, self.last_turn = run, Counter(), {}
        if scene != self.scene:
            self.scene, self.scene_lines = scene, Counter()


@dataclass
class _Around:
    """One quotation's surroundings, computed once for all its candidates."""

    prev: list[int | None]  # who spoke last in each of the 4 turns before (None: nobody, or another conversation)
    nxt: list[int | None]  # who spoke first in each of the 2 turns after
    narrated: bool  # the turn has narration besides its quotes
    here: dict[int, tuple[int, int, int, int]]  # this paragraph's mentions: first/last start, first/last subject
    before: dict[int, bool]  # mentioned in the 2 paragraphs before: as a subject?
    last_mention: int | None  # the last narration mention before the quote (within 2 paragraphs)
    ahead: set[int]  # mentioned in the next paragraph
    named_here: set[int]  # named inside this quotation
    named_prev: set[int]  # named inside the previous turn's quotations
    addressed_prev: set[int]  # called by name in the previous turn (not its speaker)
    sure: set[int]  # speakers of this turn's explicitly tagged quotations
    pronoun: str | None  # "male"/"female" for a he/she tag
    sure_back: tuple[int | None, int | None, int] = (None, None, 0)  # nearest explicitly tagged speaker before,
    # the one tagged before them, and the first one's distance in turns
    sure_ahead: tuple[int | None, int | None, int] = (None, None, 0)  # the same, after
    asked: bool = False  # the turn before ends on a question
    first_after: int | None = None  # the first narration mention after the quote, in its paragraph
    addressed_next: frozenset[int] = frozenset()  # called by name in the next turn (not its speaker): who spoke
    # the genders called "sir"/"madam"... by this speech, the turn before and the turn after in the conversation
    address: tuple[frozenset[str], frozenset[str], frozenset[str]] = (frozenset(), frozenset(), frozenset())
    # what the features of every candidate read, looked up once for the quotation (`_rank_features`):
    parity: dict[int, bool] = field(default_factory=dict)  # the turn's `_parity`
    conversation: _Conversation | None = None  # the turn's `_conversation`
    last_confs: tuple[float, float] = (0.0, 0.0)  # how sure the last speakers of the 2 turns before are
    continues: int | None = None  # the speaker of the quotation this one carries on, if it does
    reasons: tuple[float, ...] = _NO_REASON  # the rules' reason for this quotation, one-hot (rankmodel.REASONS)


@dataclass(frozen=True)
class _Conversation:
    """What one turn's conversation and scene say about who takes part (no decision read: both passes)."""

    called: frozenset[int]  # called by name in another turn of the conversation
    scene_top: tuple[int, ...]  # the people the scene's narration named most recently before the turn
    scene: frozenset[int]  # everyone the scene's narration named before the turn (the cast's doubts aside)
    named: frozenset[int]  # named in the narration among the conversation's paragraphs
    before: str | None = None  # the gender of the he/she acting last in the narration just before the turn...
    after: str | None = None  # ...and first in its paragraph's narration after its first speech


class Ranker(TurnTaker):
    """The learned candidate ranker, run after every rule pass."""

    offset: int = 0  # the chapter's offset in its file (for the samples bench/ records)

    def _pass_ranker(self) -> None:
        """Re-decide context-resolved quotations with the fitted model, where it beats the rules: a first pass
        reading the rules' decisions of the other lines, then a second reading the first pass's."""
        model = rankmodel.current()
        sink = rankmodel.recorder()
        if model is None and sink is None:
            return
        self._rank_index()
        # the rules' own kinds of decision: which lines the ranker may re-decide, and a feature, in both passes
        self._rule_reason = {id(q): q.reason for q in self.quotes}
        self._rank_round(model.first if model is not None else None, sink, 1)
        if model is not None and (model.second is not None or sink is not None):
            self._firsts = [t.first for t in self.turns]
            self._lasts = [t.last for t in self.turns]
            self._last_confs = [_last_conf(t) for t in self.turns]
            joint = (model.runs, model.local) if model.runs is not None and model.local is not None else None
            self._rank_round(model.second, sink, 2, joint)
        self.cast.speech.merge(self._speech, self.cast.shared)

    def _rank_round(self, weights: rankmodel.Weights | None, sink: Callable[[rankmodel.Sample], None] | None,
                    stage: int, joint: tuple[RunWeights, rankmodel.Weights] | None = None) -> None:
        """One pass: every rankable quotation's candidates and features from the decisions so far, recorded
        for `sink` and, with `weights`, re-decided (all at once at the end, so no line reads this pass's own)."""
        walk = _Walk()
        todo: list[tuple[_Quote, int, list[int], np.ndarray]] = []
        seen: set[int] = set()  # the quotations ranked
        decides = params.RANKER.decides if stage == 1 else params.RANKER.second_decides
        margin = params.RANKER.margin if stage == 1 else params.RANKER.second_margin
        # the first pass records every kind (bench/fit_ranker.py --dev compares them); the second only its own
        ranked = rankmodel.REASONS if sink is not None and stage == 1 else decides
        for t_i, turn in enumerate(self.turns):
            walk.enter(turn.run, self.paras[turn.paras[0]][2])
            mine = [q for q in turn.quotes if self._rule_reason[id(q)] in ranked]
            if mine:  # (the turn's context only where a line is ranked: most turns are explicitly tagged)
                salience = self._turn_salience(t_i)
                conversation = self._turn_context(t_i)
                shared = self._turn_around(t_i)
            for q in mine:
                reason = self._rule_reason[id(q)]
                around = self._quote_around(q, shared)
                cands = self._rank_candidates(q, t_i, around)
                if not cands:
                    continue
                total = sum(walk.lines.values())
                rows = _matrix([self._rank_features(q, t_i, c, walk, total, around, salience, conversation)
                                for c in cands])
                if sink is not None:
                    sink(rankmodel.Sample(q.part.start + self.offset, q.part.end + self.offset, reason,
                                          tuple(self.name_of(c) or "" for c in cands),
                                          cands.index(q.speaker) if q.speaker in cands else -1, rows, stage,
                                          self.offset, turn.run, t_i, shared.narrated, self._called(turn)))
                seen.add(id(q))
                if weights is not None and reason in decides and not (
                        params.RANKER.beats_kept and id(q) in self.beat_ids):
                    todo.append((q, t_i, cands, rows))
            for q in turn.quotes:
                if q.speaker is not None:
                    walk.lines[q.speaker] += 1
                    walk.scene_lines[q.speaker] += 1
            first = self._firsts[t_i]
            if first is not None:
                walk.run_lines[first] += 1
                walk.last_turn[first] = t_i
        if stage == 2 and sink is not None:
            self._record_turns(sink, seen)
        # joint decoding: the conversation's path from the per-line local scores and the transition weights
        together = self._decode_runs(todo, joint[1], joint[0], margin) if joint is not None else {}
        for q, _, cands, rows in todo:
            assert weights is not None
            rule = cands.index(q.speaker) if q.speaker in cands else -1
            k = together.get(id(q), -1)
            reason = self._rule_reason[id(q)]
            scores = weights.scores(rows, reason) if k < 0 else None
            if scores is not None:
                k = rankmodel.pick(scores, rule, margin)
            if cands[k] != q.speaker:
                # its softmax share among the candidates, times how often the right one is a candidate at all
                if scores is None:
                    scores = weights.scores(rows, reason)
                share = float(1.0 / np.exp(scores - scores[k]).sum())
                self._set(q, cands[k], share * params.RANKER.confidence, "ranker")

    def _called(self, turn: _Turn) -> tuple[str, ...]:
        """Whom the turn calls by name (as the script names them)."""
        return tuple(sorted({self.name_of(v) or "" for q in turn.quotes for v in q.vocatives}))

    def _record_turns(self, sink: Callable[[rankmodel.Sample], None], ranked: set[int]) -> None:
        """One record per turn for fitting the joint decoding: its last speaker, and whether it is an anchor
        (a quotation with a speaker the second pass does not re-decide)."""
        for t_i, turn in enumerate(self.turns):
            anchor = any(id(q) not in ranked and q.speaker is not None for q in turn.quotes)
            sink(rankmodel.Sample(turn.quotes[0].part.start + self.offset, turn.quotes[-1].part.end + self.offset,
                                  "turn", (self.name_of(self._lasts[t_i]) or "" if self._lasts[t_i] is not None
                                           else "",), int(anchor), np.zeros((1, 0)), 0, self.offset, turn.run, t_i,
                                  any(p.kind == "narration" for pi in turn.paras for p in self.parts[pi]),
                                  self._called(turn)))

    def _decode_runs(self, todo: list[tuple[_Quote, int, list[int], np.ndarray]], weights: rankmodel.Weights,
                     runs: RunWeights, margin: float) -> dict[int, int]:
        """The re-decided lines' picks (index among their candidates) from decoding each conversation jointly:
        re-decided turns are steps with candidates, every other turn an anchor at its speaker."""
        by_turn: dict[int, list[tuple[_Quote, list[int], np.ndarray]]] = {}
        for q, t_i, cands, rows in todo:
            by_turn.setdefault(t_i, []).append((q, cands, rows))
        ranked = {id(q) for q, _, _, _ in todo}
        rp = params.RANKER
        out: dict[int, int] = {}
        for run in _runs_of(self.turns, set(by_turn)):
            steps = []
            anchors = []
            for t_i in run:
                turn = self.turns[t_i]
                called = frozenset(v for q in turn.quotes for v in q.vocatives)
                narrated = self._narrated(t_i)
                anchors.append(t_i not in by_turn or any(id(q) not in ranked and q.speaker is not None
                                                         for q in turn.quotes))
                if not anchors[-1]:
                    steps.append(turn_step([(cands, weights.scores(rows, self._rule_reason[id(q)]).tolist(),
                                             cands.index(q.speaker) if q.speaker in cands else -1)
                                            for q, cands, rows in by_turn[t_i]], margin, rp.beam, rp.floor,
                                           narrated, called))
                else:
                    steps.append(Step((self._lasts[t_i],), (0.0,), narrated, called))
            for t_i, step, anchor, k in zip(run, steps, anchors, decode(steps, runs)):
                for q, cands, _ in [] if anchor else by_turn[t_i]:
                    c = step.cands[k]
                    if isinstance(c, int) and c in cands:  # (else: the line is decided alone)
                        out[id(q)] = cands.index(c)
        return out

    def _rank_index(self) -> None:
        """Per paragraph: narration mentions (start, entity, subject); mentions inside quotes, in order."""
        self._narr_by_para: dict[int, list[tuple[int, int, bool]]] = {}
        for m, p in zip(self.narr_mentions, self.mention_para):
            self._narr_by_para.setdefault(p, []).append((m.start, m.entity, m.subject))
        self._para_summary: dict[int, dict[int, tuple[int, int, int, int]]] = {}
        big = len(self.text) + 1
        for p, ms in self._narr_by_para.items():
            summary: dict[int, tuple[int, int, int, int]] = {}
            for start, e, subj in ms:
                f, last, fs, ls = summary.get(e, (big, -1, big, -1))
                summary[e] = (min(f, start), max(last, start), min(fs, start) if subj else fs,
                              max(ls, start) if subj else ls)
            self._para_summary[p] = summary
        self._firsts = [t.first for t in self.turns]
        self._runs = [t.run for t in self.turns]
        self._salience: dict[int, dict[int, float]] = {}
        self._turn_static: dict[int, tuple[bool, set[int], set[int], tuple[_Sure, _Sure], bool]] = {}
        self._hot: dict[int, tuple[float, ...]] = {}
        self._big = len(self.text) + 1
        self._sure = [next((q.speaker for q in t.quotes if q.reason in _SURE), None) for t in self.turns]
        self._lasts = [t.last for t in self.turns]
        self._last_confs = [_last_conf(t) for t in self.turns]
        self._genders: dict[int, str | None] = {}
        self._persons: dict[int, bool] = {}
        self._quoted: list[tuple[int, int]] = sorted((m.start, m.entity) for m in self.cast.mentions if m.in_quote)
        self._quoted_starts = [s for s, _ in self._quoted]
        self._conv: dict[int, _Conversation] = {}
        self._conversation_index()
        # per turn, who takes part by the surest evidence (no decision read): its explicitly tagged speakers
        # (True) and the people its quotations call by name (False)
        self._anchors: list[dict[int, bool]] = []
        for t in self.turns:
            marks = {v: False for q in t.quotes for v in q.vocatives}
            marks.update({q.speaker: True for q in t.quotes if q.reason in _SURE and q.speaker is not None})
            self._anchors.append(marks)
        self._parities: dict[int, dict[int, bool]] = {}
        self._addressed: dict[int, frozenset[str]] = {}
        self._quote_addressed: dict[int, frozenset[str]] = {}
        # the words of each speaker's explicitly tagged lines (no decision read: the same in both passes), here
        # and in the book's chapters before (the book's people's go on to the next chapter when the pass ends)
        self._speech = Speech()
        for q in self.quotes:
            if q.reason in _SURE and q.speaker is not None:
                self._speech.add(q.speaker, words(q.text))
        self._profiles = Profiles(self.cast.speech, self._speech, params.RANKER.idiolect_prior)
        self._idiolect: dict[tuple[int, int], float] = {}
        # each quotation's words and their `Profiles.shares`, read once for all its candidates
        self._words: dict[int, tuple[list[str], list[tuple[str, float]]]] = {}

    def _conversation_index(self) -> None:
        """Per turn: whom its scene's narration named before it (entity: the paragraph last named in); per
        conversation: whom its turns call by name, and whom the narration among its paragraphs names."""
        self._scene_seen: list[dict[int, int]] = []
        seen: dict[int, int] = {}
        scene = -1
        k = 0
        ms, mp = self.narr_mentions, self.mention_para
        self._run_called: dict[int, Counter[int]] = {}
        self._run_span: dict[int, tuple[int, int]] = {}
        for turn in self.turns:
            p0 = turn.paras[0]
            while k < len(ms) and mp[k] < p0:
                if self.paras[mp[k]][2] != scene:
                    scene, seen = self.paras[mp[k]][2], {}
                seen[ms[k].entity] = mp[k]
                k += 1
            if self.paras[p0][2] != scene:
                scene, seen = self.paras[p0][2], {}
            self._scene_seen.append(dict(seen))
            called = self._run_called.get(turn.run)
            if called is None:
                called = self._run_called[turn.run] = Counter()
            vocatives = [v for q in turn.quotes for v in q.vocatives]
            if vocatives:  # (most turns call nobody)
                called.update(vocatives)
            lo, _ = self._run_span.get(turn.run, (p0, p0))
            self._run_span[turn.run] = (lo, turn.paras[-1])
        self._run_named: dict[int, frozenset[int]] = {}
        for run, (lo, hi) in self._run_span.items():
            a, b = bisect.bisect_left(mp, lo), bisect.bisect_right(mp, hi)
            self._run_named[run] = frozenset(m.entity for m in ms[a:b])

    def _conversation(self, t_i: int) -> _Conversation:
        """Turn t_i's conversation and scene (computed once per turn: the same in both passes)."""
        conv = self._conv.get(t_i)
        if conv is None:
            turn = self.turns[t_i]
            vocatives = [v for q in turn.quotes for v in q.vocatives]
            own: dict[int, int] = Counter(vocatives) if vocatives else {}
            called = frozenset(v for v, n in self._run_called[turn.run].items() if n > own.get(v, 0))
            seen = self._scene_seen[t_i]
            people = sorted((e for e in seen if self._person_of(e)), key=lambda e: -seen[e])
            conv = self._conv[t_i] = _Conversation(called, tuple(people[:params.RANKER.scene_candidates]),
                                                   frozenset(seen), self._run_named[turn.run], *self._beats(turn))
        return conv

    def _beats(self, turn: _Turn) -> tuple[str | None, str | None]:
        """The he/she acting last just before the turn's first speech (in its paragraph, else in a narration
        paragraph right before it in the scene) and first after it in its paragraph: their genders."""
        pi = turn.paras[0]
        parts = self.parts[pi]
        k = next((i for i, part in enumerate(parts) if part.kind == "dialogue"), len(parts))
        before: str | None = None
        if k > 0:
            before = last_actor(self.text, parts[0].start, parts[k - 1].end, self._named_subjects(pi))
        elif pi > 0 and not self.by_para[pi - 1] and self.parts[pi - 1] and self.paras[pi - 1][2] == self.paras[pi][2]:
            before = last_actor(self.text, self.paras[pi - 1][0], self.paras[pi - 1][1], self._named_subjects(pi - 1))
        after = next((part for part in parts[k + 1:] if part.kind == "narration"), None)
        return before, first_actor(self.text, after.start, after.end, self._named_subjects(pi)) if after else None

    def _named_subjects(self, pi: int) -> list[int]:
        """Where paragraph pi's narration names someone as a sentence's subject."""
        return [start for start, _, subject in self._narr_by_para.get(pi, ()) if subject]

    def _gender_of(self, c: int) -> str | None:
        """The candidate's gender (computed once per pass: it is a sum over the cast's votes)."""
        if c not in self._genders:
            self._genders[c] = None if c == NARR else self.cast.entities[c].gender
        return self._genders[c]

    def _person_of(self, c: int) -> bool:
        if c not in self._persons:
            self._persons[c] = self._person(c)
        return self._persons[c]

    def _quoted_in(self, a: int, b: int) -> set[int]:
        """Entities named inside quotations between offsets a and b."""
        lo = bisect.bisect_left(self._quoted_starts, a)
        hi = bisect.bisect_left(self._quoted_starts, b)
        return {e for _, e in self._quoted[lo:hi]}

    def _same_run(self, t_i: int, j: int) -> _Turn | None:
        """Turn j if it is in turn t_i's conversation."""
        runs = self._runs
        if 0 <= j < len(runs) and runs[j] == runs[t_i]:
            return self.turns[j]
        return None

    def _turn_around(self, t_i: int) -> _Around:
        """What every quotation of turn t_i shares (its quote-specific fields left empty)."""
        static = self._turn_static.get(t_i)
        if static is None:  # what reads no decision but the explicit tags: the same in both passes
            turn = self.turns[t_i]
            before = self._same_run(t_i, t_i - 1)
            prev_quotes = before.quotes if before is not None else []
            named_prev = self._quoted_in(self.paras[before.paras[0]][0], self.paras[before.paras[-1]][1]) \
                if before is not None else set()
            asked = bool(prev_quotes) and prev_quotes[-1].text.rstrip().rstrip("'\"\u201d\u2019").endswith("?")
            static = self._turn_static[t_i] = (
                self._narrated(t_i), named_prev,
                {o.speaker for o in turn.quotes if o.reason in _SURE and o.speaker is not None},
                (self._sure_pair(t_i, -1), self._sure_pair(t_i, 1)), asked)
        narrated, named_prev, sure, (sure_back, sure_ahead), asked = static
        before = self._same_run(t_i, t_i - 1)
        addressed = {v for pq in before.quotes for v in pq.vocatives} - {self._lasts[t_i - 1]} \
            if before is not None else set()
        prev = [self._lasts[t_i - d] if self._same_run(t_i, t_i - d) else None for d in range(1, 5)]
        nxt = [self._firsts[t_i + d] if self._same_run(t_i, t_i + d) else None for d in range(1, 3)]
        after = self._same_run(t_i, t_i + 1)
        answer = frozenset(v for nq in after.quotes for v in nq.vocatives) - {self._firsts[t_i + 1]} \
            if after is not None else frozenset()
        address: tuple[frozenset[str], frozenset[str], frozenset[str]] = (
            frozenset(), self._address(t_i - 1) if before is not None else frozenset(),
            self._address(t_i + 1) if after is not None else frozenset())
        return _Around(prev, nxt, narrated, {}, {}, None, set(), set(), named_prev, addressed, sure, None,
                       sure_back, sure_ahead, asked, None, answer, address, parity=self._parity(t_i),
                       conversation=self._conversation(t_i),
                       last_confs=(self._last_confs[t_i - 1] if t_i >= 1 else 0.0,
                                   self._last_confs[t_i - 2] if t_i >= 2 else 0.0))

    def _turn_salience(self, t_i: int) -> dict[int, float]:
        """Narration mentions before turn t_i (computed once: the same in both passes)."""
        salience = self._salience.get(t_i)
        if salience is None:
            p0 = self.turns[t_i].paras[0]
            salience = self._salience[t_i] = self._recent_mentions(self.paras[p0][0], p0)
        return salience

    def _narrated(self, t_i: int) -> bool:
        """Whether turn t_i's paragraphs hold narration besides its speech."""
        turn = self.turns[t_i]
        return any(p.kind == "narration" for pi in turn.paras for p in self.parts[pi])

    def _quote_around(self, q: _Quote, shared: _Around) -> _Around:
        """One quotation's surroundings (the turn's shared part plus its own)."""
        before: dict[int, bool] = {}
        for p in (q.para - 2, q.para - 1):
            for e, (_, _, fs, _) in self._para_summary.get(p, {}).items():
                before[e] = before.get(e, False) or fs < self._big
        k = bisect.bisect_left(self.mention_starts, q.part.start) - 1
        last = self.narr_mentions[k].entity if k >= 0 and self.mention_para[k] >= q.para - 2 else None
        pronoun = q.tag_kind.split(":")[-1] == "pronoun"
        j = bisect.bisect_left(self.mention_starts, q.part.end)
        after = self.narr_mentions[j].entity if j < len(self.narr_mentions) and self.mention_para[j] == q.para else None
        qi = self.quote_index[id(q)]
        hot = self._hot.get(id(q))
        if hot is None:
            hot = self._hot[id(q)] = tuple(float(self._rule_reason[id(q)] == r) for r in rankmodel.REASONS)
        return _Around(shared.prev, shared.nxt, shared.narrated, self._para_summary.get(q.para, {}), before, last,
                       set(self._para_summary.get(q.para + 1, {})), self._quoted_in(q.part.start, q.part.end),
                       shared.named_prev, shared.addressed_prev, shared.sure,
                       ("male" if q.tag_value == "he" else "female") if pronoun else None, shared.sure_back,
                       shared.sure_ahead, shared.asked, after, shared.addressed_next,
                       (self._quote_address(q), *shared.address[1:]), shared.parity, shared.conversation,
                       shared.last_confs, self.quotes[qi - 1].speaker if q.continued and qi > 0 else None, hot)

    def _sure_pair(self, t_i: int, step: int) -> tuple[int | None, int | None, int]:
        """The nearest explicitly tagged speaker in the conversation (step -1: before, 1: after), the one
        tagged next beyond them who is someone else, and the first one's distance in turns."""
        first: int | None = None
        dist = 0
        for d in range(1, params.RANKER.sure_window + 1):
            j = t_i + step * d
            if self._same_run(t_i, j) is None:
                break
            spk = self._sure[j]
            if spk is None:
                continue
            if first is None:
                first, dist = spk, d
            elif spk != first:
                return first, spk, dist
        return first, None, dist

    def _rank_candidates(self, q: _Quote, t_i: int, around: _Around) -> list[int]:
        """The people who might speak q, in a fixed order (first seen first).

        Never someone this very quotation addresses by name, nor, for "he/she said", someone known to be of
        the other gender (the rules hold to both; the few exceptions are annotation noise or gender errors).
        """
        rp = params.RANKER
        out: dict[int, None] = {}
        if q.speaker is not None:
            out[q.speaker] = None
        for d in range(1, rp.turns_back + 1):
            spk = self._lasts[t_i - d] if self._same_run(t_i, t_i - d) else None
            if spk is not None:
                out[spk] = None
        for d in range(1, rp.turns_ahead + 1):
            spk = self._firsts[t_i + d] if self._same_run(t_i, t_i + d) else None
            if spk is not None:
                out[spk] = None
        for v in around.addressed_prev | around.addressed_next:
            out[v] = None
        conv = self._conversation(t_i)
        for v in (*conv.called, *conv.scene_top):
            out[v] = None
        for p in range(q.para - rp.paras_back, q.para + rp.paras_ahead + 1):
            for e in self._para_summary.get(p, {}):
                if self._person_of(e):
                    out[e] = None
        return [c for c in out if self._may_speak(c, q, around.pronoun)]

    def _may_speak(self, c: int, q: _Quote, pronoun: str | None) -> bool:
        """Whether c is a possible speaker of q at all."""
        if c == NARR:
            return self.first_person and pronoun is None
        ent = self.cast.entities[c]
        if ent.excluded or c in q.vocatives:
            return False
        return pronoun is None or self._gender_of(c) in (None, pronoun)

    def _rank_features(self, q: _Quote, t_i: int, c: int, walk: _Walk, total: int, around: _Around,
                       salience: dict[int, float], conversation: dict[int, float]) -> tuple[float, ...]:
        """The candidate's feature row, in rankmodel.FEATURES order (a yes/no feature as a bool: `_matrix` reads it
        as 1.0 or 0.0 in C, where float() on each of some forty a row cost a tenth of the ranker's time)."""
        rp = params.RANKER
        pick = c == q.speaker
        prev_is = [spk == c for spk in around.prev]
        next_is = [spk == c for spk in around.nxt]
        last = walk.last_turn.get(c)
        big = self._big
        first, final, first_subj, final_subj = around.here.get(c, (big, -1, big, -1))
        ent = None if c == NARR else self.cast.entities[c]
        g = self._gender_of(c)
        return (
            pick, q.conf if pick else 0.0,
            *(around.reasons if pick else _NO_REASON),
            *prev_is, *next_is,
            prev_is[0] and not around.narrated, prev_is[1] and not around.narrated,
            1.0 / (t_i - last) if last is not None else 0.0, last is None,
            math.log1p(min(walk.run_lines.get(c, 0), rp.max_lines)) / math.log1p(rp.max_lines),
            first < q.part.start, final >= q.part.end, first_subj < q.part.start, final_subj >= q.part.end,
            c in around.before, around.before.get(c, False), around.last_mention == c, c in around.ahead,
            salience.get(c, 0.0) / rp.salience_scale, conversation.get(c, 0.0) / rp.conversation_scale,
            around.pronoun is not None and ent is not None and g == around.pronoun,
            around.pronoun is not None and ent is not None and g is None,
            c in q.spoken_to,
            c in around.named_here and c not in q.vocatives,
            c in around.addressed_prev,
            c in around.named_prev,
            walk.lines.get(c, 0) / total if total else 0.0,
            math.log1p(ent.mentions) / rp.mentions_scale if ent is not None else 0.0,
            ent is not None and ent.tagged > 0, c == NARR,
            ent is not None and ent.descriptive, not self._person_of(c),
            c in around.sure,
            around.continues == c,
            prev_is[0] and prev_is[1], around.asked and prev_is[1] and not prev_is[0],
            around.last_confs[0] if prev_is[0] else 0.0, around.last_confs[1] if prev_is[1] else 0.0,
            around.first_after == c, len(around.here) == 1 and c in around.here,
            *_alternation(c, around.sure_back), *_alternation(c, around.sure_ahead),
            c in around.addressed_next, prev_is[1] and next_is[1], prev_is[0] and next_is[0],
            *self._scene_features(c, g, around, walk),
            *_parity_features(c, around.parity),
            *self._address_features(g, around),
            self._idiolect_of(q, c),
        )

    def _idiolect_of(self, q: _Quote, c: int) -> float:
        """How much q sounds like c's tagged lines (`idiolect.Profiles`), read once for both passes."""
        key = (id(q), c)
        got = self._idiolect.get(key)
        if got is None:
            read = self._words.get(id(q))
            if read is None:
                ws = words(q.text)
                read = self._words[id(q)] = (ws, self._profiles.shares(ws))
            got = self._idiolect[key] = self._profiles.score(c, *read)
        return got

    def _address_features(self, g: str | None, around: _Around) -> tuple[float, float, float]:
        """address_own_gender (this speech calls someone of the candidate's gender g "sir"/"madam"...: most often
        not them), and addressed_gender_before/after (the turn before/after in the conversation does: they
        answer/were asked)."""
        if g is None:
            return 0.0, 0.0, 0.0
        own, before, after = around.address
        return g in own, g in before, g in after

    def _address(self, t_i: int) -> frozenset[str]:
        """The genders turn t_i's speech addresses by a form of address ("sir", "mother"), read once."""
        got = self._addressed.get(t_i)
        if got is None:
            got = self._addressed[t_i] = frozenset().union(*(self._quote_address(q) for q in self.turns[t_i].quotes))
        return got

    def _quote_address(self, q: _Quote) -> frozenset[str]:
        """The genders one quotation addresses, read once (every candidate of every pass asks)."""
        got = self._quote_addressed.get(id(q))
        if got is None:
            got = self._quote_addressed[id(q)] = addressed_genders(q.text)
        return got

    def _parity(self, t_i: int) -> dict[int, bool]:
        """The people the conversation's surest evidence puts in it around turn t_i (within `sure_window`
        turns), each with whether their nearest evidence fits their speaking this turn in an A-B-A-B exchange:
        tagged speaking an even number of turns away, or called by name an odd number (the one called answers)."""
        out = self._parities.get(t_i)
        if out is None:
            out = self._parities[t_i] = {}
            runs, run, anchors = self._runs, self._runs[t_i], self._anchors
            lo, hi = max(0, t_i - params.RANKER.sure_window), min(len(runs) - 1, t_i + params.RANKER.sure_window)
            for d in range(1, params.RANKER.sure_window + 1):
                for j in (t_i - d, t_i + d):
                    if lo <= j <= hi and anchors[j] and runs[j] == run:
                        for e, spoke in anchors[j].items():
                            if e not in out:
                                out[e] = spoke == (d % 2 == 0)
        return out

    def _scene_features(self, c: int, g: str | None, around: _Around, walk: _Walk) -> tuple[float, ...]:
        """in_scene, spoke_in_scene, called_in_run, named_in_run, stranger (none of those), and whether the
        he/she acting before (after) the speech agrees with the candidate's gender g or excludes it."""
        conv = around.conversation
        assert conv is not None
        in_scene, called, named = c in conv.scene, c in conv.called, c in conv.named
        spoke = walk.scene_lines.get(c, 0)
        return (in_scene,
                math.log1p(min(spoke, params.RANKER.max_lines)) / math.log1p(params.RANKER.max_lines),
                called, named, not (in_scene or called or named or spoke),
                g is not None and g == conv.before, g is not None and conv.before not in (None, g),
                g is not None and g == conv.after, g is not None and conv.after not in (None, g))


def _parity_features(c: int, marks: dict[int, bool]) -> tuple[float, float, float, float]:
    """parity_fits, parity_breaks (c's nearest sure evidence, see `Ranker._parity`), talker (c has some), and
    outsider (two or more people have some, c none: a third person named beside an exchange of two)."""
    fits = marks.get(c)
    return fits is True, fits is False, fits is not None, fits is None and len(marks) >= 2


def _matrix(rows: list[tuple[float, ...]]) -> np.ndarray:
    """The candidates' feature rows as one float array (read straight off the numbers: `np.asarray` first
    inspects every element of the nested sequence for its type and shape, which cost more than the scoring)."""
    return np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * len(rows[0])) \
        .reshape(len(rows), -1)


def _runs_of(turns: list[_Turn], wanted: set[int]) -> list[list[int]]:
    """The turn indices of each conversation holding a re-decided turn, in order."""
    runs: dict[int, list[int]] = {}
    for t_i, turn in enumerate(turns):
        runs.setdefault(turn.run, []).append(t_i)
    return [ts for ts in runs.values() if wanted.intersection(ts)]


def _last_conf(turn: _Turn) -> float:
    """How sure the decision of the turn's last speaker is (0: none)."""
    for q in reversed(turn.quotes):
        if q.speaker is not None:
            return q.conf
    return 0.0


def _alternation(c: int, sure: tuple[int | None, int | None, int]) -> tuple[float, float]:
    """Whether c speaking fits A-B-A-B from the nearest tagged speakers (A at distance d, B beyond), or breaks it."""
    a, b, d = sure
    if a is None:
        return 0.0, 0.0
    fits = c == a if d % 2 == 0 else c == b
    breaks = c == a if d % 2 == 1 else c == b
    return fits, breaks
