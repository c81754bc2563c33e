"""Joint decoding of a conversation: the speakers of a run of turns chosen together, not line by line.

Each turn of a conversation is a step: the turns the ranker re-decides have a few candidates with a score
each (the ranker's log-probabilities); every other turn (a tagged line, a line the rules or the first pass
settled) is an anchor with its one speaker. A second-order Viterbi then picks the path of speakers with the
best total of those scores plus a few transition weights (`RunWeights`, fitted by bench/fit_ranker.py and
shipped in ranker.json): the same speaker twice running (rare unless narration sits between), A-B-A
alternation, and the one the previous turn called by name answering. One misread line then costs its own
score without flipping the parity of the rest of the exchange.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields

Speaker = Hashable | None


@dataclass(frozen=True)
class RunWeights:
    """The transition weights of joint decoding (all zero: every line keeps its own best score)."""

    repeat: float = 0.0  # the speaker of the turn just before speaks again, no narration between
    repeat_narrated: float = 0.0  # ...with narration in this turn (an action beat, then more words)
    alternate: float = 0.0  # the speaker of two turns before speaks again (A-B-A), not also the one before
    vocative: float = 0.0  # the turn before called this speaker by name

    def to_dict(self) -> dict[str, float]:
        """The weights by name (ranker.json's "runs")."""
        return {f.name: round(float(getattr(self, f.name)), 6) for f in fields(self)}

    @staticmethod
    def from_dict(data: dict[str, float]) -> RunWeights:
        """Weights from ranker.json's "runs" (unknown keys refused by the constructor)."""
        return RunWeights(**{k: float(v) for k, v in data.items()})

    @property
    def active(self) -> bool:
        """Whether decoding jointly can differ from deciding each line alone."""
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Step:
    """One turn of a run: its candidate speakers and their scores (an anchor has one candidate)."""

    cands: tuple[Speaker, ...]
    scores: tuple[float, ...]
    narrated: bool = False  # the turn has narration besides its speech
    called: frozenset[Hashable] = frozenset()  # whom the turn calls by name


def _pair(w: RunWeights, prev: Step, step: Step, p: Speaker, c: Speaker) -> float:
    """Transition score from speaker p (the turn before) to c (this turn)."""
    s = 0.0
    if c is not None and c == p:
        s += w.repeat_narrated if step.narrated else w.repeat
    if c is not None and c in prev.called and c != p:
        s += w.vocative
    return s


def decode(steps: Sequence[Step], w: RunWeights) -> list[int]:
    """The index of each step's candidate on the best-scoring path (ties: the earlier candidate)."""
    n = len(steps)
    if n == 0:
        return []
    # best[j][k]: the best path score with step i-1 at candidate j and step i at candidate k
    best: list[list[float]] = [list(steps[0].scores)]
    backs: list[list[list[int]]] = []
    for i in range(1, n):
        prev, step = steps[i - 1], steps[i]
        older = steps[i - 2].cands if i >= 2 else (None,)
        new: list[list[float]] = []
        back: list[list[int]] = []
        for k, p in enumerate(prev.cands):
            row: list[float] = []
            brow: list[int] = []
            for c, u in zip(step.cands, step.scores):
                alt = w.alternate if c is not None and c != p else 0.0
                top, arg = -1e300, 0
                for h, o in enumerate(older):
                    v = best[h][k] + (alt if o == c else 0.0)
                    if v > top:
                        top, arg = v, h
                row.append(top + u + _pair(w, prev, step, p, c))
                brow.append(arg)
            new.append(row)
            back.append(brow)
        best, backs = new, [*backs, back]
    # the best final pair, then back through the pointers
    k, last = max(((k, c) for k in range(len(best)) for c in range(len(best[k]))),
                  key=lambda kc: (best[kc[0]][kc[1]], -kc[0], -kc[1]))
    path = [last, k] if n > 1 else [last]
    for i in range(n - 1, 1, -1):
        h = backs[i - 1][path[-1]][path[-2]]
        path.append(h)
    return path[::-1]


def turn_step(quotes: Sequence[tuple[Sequence[Speaker], Sequence[float], int]], margin: float, beam: int,
              floor: float, narrated: bool, called: frozenset[Hashable]) -> Step:
    """A re-decided turn's step from its quotations' (candidates, ranker scores, current pick index): each
    candidate scores the sum of its log-probabilities over the quotations (`floor` where it is none of a
    quotation's candidates), the current pick `margin` more (as the line-by-line choice favours it), and only
    the `beam` best candidates are kept (few states: the decoding stays cheap)."""
    total: dict[Speaker, float] = {}
    for cands, _, _ in quotes:
        for c in cands:
            total.setdefault(c, 0.0)
    for cands, scores, pick in quotes:
        top = max(scores)
        norm = top + math.log(sum(math.exp(s - top) for s in scores))
        own = {c: s - norm + (margin if i == pick else 0.0) for i, (c, s) in enumerate(zip(cands, scores))}
        for c in total:
            total[c] += own.get(c, floor)
    kept = sorted(total.items(), key=lambda cs: -cs[1])[:max(1, beam)]
    return Step(tuple(c for c, _ in kept), tuple(s for _, s in kept), narrated, called)
