"""The learned speaker ranker's model: feature names, shipped weights, scoring, and the hooks bench/ uses.

A linear model scores every (quotation, candidate speaker) pair; the candidate with the highest score wins
(a conditional logit: softmax over the quotation's candidates). `bench/fit_ranker.py` fits the weights on
the annotated training novels and ships them as `ranker.json` beside this module; `bench/attribution.py
--loo` swaps in weights fitted without the held-out novel (`use`) and collects the features (`recording`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

#: The rules' reasons whose quotations the ranker may re-decide (also a feature: the rule pick's kind).
REASONS: tuple[str, ...] = ("pronoun", "actor", "description", "turn-taking", "continuation", "unknown")

#: One number per candidate, in this order (ranker.json lists them too, and must match).
FEATURES: tuple[str, ...] = (
    "rule_pick", "rule_conf",
    *(f"rule_pick:{r}" for r in REASONS),
    "prev1", "prev2", "prev3", "prev4", "next1", "next2",
    "prev1_no_narration", "prev2_no_narration",
    "turns_since_spoke", "never_spoke_in_run", "lines_in_run",
    "mention_before_in_para", "mention_after_in_para", "subject_before_in_para", "subject_after_in_para",
    "mention_prev_para", "subject_prev_para", "last_mention", "mention_next_para",
    "salience", "conversation",
    "pronoun_agrees", "pronoun_ungendered", "spoken_to", "named_in_quote", "addressed_by_prev", "named_in_prev",
    "line_share", "book_mentions", "tagged_elsewhere", "narrator", "descriptive", "not_person",
    "explicit_in_turn", "continues_prev_quote",
    "spoke_twice_before", "answers_question", "first_after_in_para", "only_person_in_para",
    "sure_back_alternates", "sure_back_breaks", "sure_ahead_alternates", "sure_ahead_breaks",
)


@dataclass(frozen=True)
class Sample:
    """One quotation the ranker considered: its offsets, the rules' reason, candidates and their features."""

    start: int
    end: int
    reason: str
    names: tuple[str, ...]  # candidate speakers as the script would name them
    rule: int  # index of the rules' pick among the candidates (-1: the rules found nobody)
    features: np.ndarray  # one row per candidate, FEATURES order


@dataclass(frozen=True)
class Weights:
    """A fitted ranker: one weight per feature."""

    weights: tuple[float, ...]

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The linear score of every candidate row."""
        return rows @ np.asarray(self.weights, dtype=np.float64)

    def choose(self, rows: np.ndarray, rule: int, margin: float) -> int:
        """The best candidate, unless the rules' pick (`rule`, -1: none) scores within `margin` of it."""
        scores = self.scores(rows)
        k = int(np.argmax(scores))
        return rule if rule >= 0 and scores[k] - scores[rule] < margin else k

    def to_json(self) -> str:
        """ranker.json: feature names beside their weights, so the file says what it means."""
        data = {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights]}
        return json.dumps(data, indent=1) + "\n"


SHIPPED = Path(__file__).with_name("ranker.json")


def parse(text: str) -> Weights | None:
    """Weights from ranker.json text; None if written for other features (the rules then decide alone)."""
    data = json.loads(text)
    if tuple(data.get("features", ())) != FEATURES:
        return None
    return Weights(tuple(float(w) for w in data["weights"]))


@cache
def shipped() -> Weights | None:
    """The weights fitted on every training novel (read once, on first use)."""
    if not SHIPPED.is_file():
        return None
    return parse(SHIPPED.read_text(encoding="utf-8"))


_override: list[Weights | None] = []  # innermost `use` last
_recorders: list[Callable[[Sample], None]] = []


def current() -> Weights | None:
    """The weights in force: the innermost `use`, else the shipped ones."""
    return _override[-1] if _override else shipped()


def recorder() -> Callable[[Sample], None] | None:
    """Where the features of every ranked quotation go while `recording` (bench only)."""
    return _recorders[-1] if _recorders else None


@contextmanager
def use(weights: Weights | None) -> Iterator[None]:
    """Other weights while the block runs (None: rules only), for leave-one-novel-out scoring."""
    _override.append(weights)
    try:
        yield
    finally:
        _override.pop()


@contextmanager
def recording(sink: Callable[[Sample], None]) -> Iterator[None]:
    """Hand every ranked quotation's features to `sink` while the block runs (for fitting)."""
    _recorders.append(sink)
    try:
        yield
    finally:
        _recorders.pop()
