"""How much an untagged speech sounds like each candidate: the words of the lines the book tags to them.

Characters talk in their own words ("old chap", "upon my soul", "ain't", a catchphrase). Every explicitly
tagged line adds its words to its speaker's profile (this chapter's, and the book's earlier chapters' for the
book's people); an untagged line then scores each candidate by the log-likelihood ratio of its words under
the candidate's profile (smoothed towards all tagged speech) against all tagged speech: 0 for a candidate
with no tagged lines, positive where the words are theirs. The ranker reads it as a feature (`idiolect`),
divided by the square root of the line's length so that a long line does not swamp the other features.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z]+(?:['\u2019][a-z]+)?")


def words(text: str) -> list[str]:
    """The lower-case words of a speech."""
    return _WORD.findall(text.lower())


@dataclass
class Speech:
    """Word counts of tagged speech: per speaker, and of all of it."""

    by: dict[int, Counter[str]] = field(default_factory=dict)
    sizes: Counter[int] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    n: int = 0

    def add(self, who: int, ws: list[str]) -> None:
        """One tagged line's words, spoken by `who`."""
        counts = self.by.get(who)
        if counts is None:
            counts = self.by[who] = Counter()
        counts.update(ws)
        self.sizes[who] += len(ws)
        self.total.update(ws)
        self.n += len(ws)

    def merge(self, other: Speech, keep: int) -> None:
        """Another's counts of the speakers numbered below `keep` (a chapter's, for the book's people)."""
        for who, counts in other.by.items():
            if who < keep:
                self.by.setdefault(who, Counter()).update(counts)
                self.sizes[who] += other.sizes[who]
                self.total.update(counts)
                self.n += other.sizes[who]


class Profiles:
    """The speech profiles one chapter scores against: the book's earlier chapters' plus its own."""

    def __init__(self, before: Speech, here: Speech, prior: float) -> None:
        self.before, self.here = before, here
        self.prior = prior  # the profile's pseudo-count of words drawn from all tagged speech (Dirichlet smoothing)

    def shares(self, ws: list[str]) -> list[tuple[str, float]]:
        """The speech's words some tagged line has, each with its share of all tagged speech (the same for every
        speaker: a quotation reads them once for all its candidates)."""
        # (Counter.get: a Counter's [] calls its Python __missing__ for every word it lacks)
        before, here = self.before.total, self.here.total
        n = self.before.n + self.here.n
        out = []
        for w in ws:
            seen = before.get(w, 0) + here.get(w, 0)
            if seen:  # (a word no tagged line has tells nothing)
                out.append((w, seen / n))
        return out

    def score(self, who: int, ws: list[str], shares: list[tuple[str, float]] | None = None) -> float:
        """The speech's words' log-likelihood ratio under `who`'s profile against all, over sqrt(len) (`shares`:
        the words' `shares`, if the caller has them)."""
        a, b = self.before.by.get(who), self.here.by.get(who)
        if (a is None and b is None) or not ws:
            return 0.0
        size = self.before.sizes.get(who, 0) + self.here.sizes.get(who, 0)
        mu = self.prior
        out = 0.0
        for w, bg in shares if shares is not None else self.shares(ws):
            mine = (a.get(w, 0) if a is not None else 0) + (b.get(w, 0) if b is not None else 0)
            out += math.log((mine + mu * bg) / (size + mu) / bg)
        return out / math.sqrt(len(ws))
