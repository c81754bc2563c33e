"""The learned speaker ranker's model: feature names, shipped weights, scoring, and the hooks bench/ uses.

A linear model scores every (quotation, candidate speaker) pair; the candidate with the highest score wins
(a conditional logit: softmax over the quotation's candidates). Its weights are shared by every quotation plus
what the kind of rule decision the quotation had (`REASONS`) adds to them. It runs twice (stacking): the second pass has
its own weights and reads the first pass's decisions of the neighbouring lines where the first read the
rules', so one misread line in an untagged exchange misleads its neighbours less often; the second pass's
lines are then decoded jointly per conversation (`runs.py`: per-line `local` weights plus transition
weights). `bench/fit_ranker.py` fits the weights on the annotated training novels and ships them as
`ranker.json` beside this module; `bench/attribution.py --loo` swaps in weights fitted without the held-out
novel (`use`) and collects the features (`recording`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from .runs import RunWeights

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
    "spoke_twice_before", "answers_question", "prev1_conf", "prev2_conf", "first_after_in_para",
    "only_person_in_para",
    "sure_back_alternates", "sure_back_breaks", "sure_ahead_alternates", "sure_ahead_breaks",
    "addressed_by_next", "alternates_both_ways", "between_one_speaker",
    "in_scene", "spoke_in_scene", "called_in_run", "named_in_run", "stranger",
    "beat_before_agrees", "beat_before_excludes", "beat_after_agrees", "beat_after_excludes",
    "parity_fits", "parity_breaks", "talker", "outsider",
    "address_own_gender", "addressed_gender_before", "addressed_gender_after",
    "idiolect",
)


#: The features that read the neighbouring lines' decisions: the joint decoding's per-line model (`Model.local`)
#: is fitted without them, its transition weights (`runs.RunWeights`) scoring the path's own neighbours instead.
PATH_FEATURES: tuple[str, ...] = (
    "prev1", "prev2", "prev3", "prev4", "next1", "next2", "prev1_no_narration", "prev2_no_narration",
    "spoke_twice_before", "answers_question", "alternates_both_ways", "between_one_speaker", "prev1_conf", "prev2_conf",
)


@dataclass(frozen=True)
class Sample:
    """One quotation the ranker considered: its offsets, the rules' reason, candidates and their features."""

    start: int
    end: int
    reason: str
    names: tuple[str, ...]  # candidate speakers as the script would name them
    rule: int  # index of the current pick among the candidates (-1: nobody): the rules', or the first pass's
    features: np.ndarray  # one row per candidate, FEATURES order
    stage: int = 1  # which pass computed it: 1 reads the rules' decisions, 2 the first pass's; 0: a turn record
    # (every turn of a chapter, for fitting the joint decoding: `names` its last speaker, `rule` 1 if an anchor)
    chapter: int = 0  # the chapter's offset in its file
    run: int = -1  # the conversation (within the chapter) and the turn the quotation is in
    turn: int = -1
    narrated: bool = False  # the turn has narration besides its speech
    called: tuple[str, ...] = ()  # whom the turn calls by name


def pick(scores: np.ndarray, rule: int, margin: float) -> int:
    """The best-scoring candidate, unless the rules' pick (`rule`, -1: none) scores within `margin` of it."""
    k = int(np.argmax(scores))
    return rule if rule >= 0 and scores[k] - scores[rule] < margin else k


@dataclass(frozen=True)
class Weights:
    """A fitted ranker: one weight per feature, plus per kind of rule decision (`REASONS`) what it adds to them
    (a pronoun tag's candidates weigh the features otherwise than a turn-taking line's)."""

    weights: tuple[float, ...]
    by_reason: tuple[tuple[float, ...], ...] = ()  # one row per REASONS entry (empty: the shared weights alone)

    @cached_property
    def vectors(self) -> dict[str | None, np.ndarray]:
        """The weight vector for each reason (None and reasons outside REASONS: the shared weights), made once."""
        base = np.asarray(self.weights, dtype=np.float64)
        out: dict[str | None, np.ndarray] = {None: base}
        for reason, extra in zip(REASONS, self.by_reason):
            out[reason] = base + np.asarray(extra, dtype=np.float64)
        return out

    def scores(self, rows: np.ndarray, reason: str | None = None) -> np.ndarray:
        """The linear score of every candidate row of a quotation the rules decided for `reason`."""
        vectors = self.vectors
        scores: np.ndarray = rows @ vectors.get(reason, vectors[None])
        return scores

    def choose(self, rows: np.ndarray, rule: int, margin: float, reason: str | None = None) -> int:
        """The best candidate, unless the rules' pick (`rule`, -1: none) scores within `margin` of it."""
        return pick(self.scores(rows, reason), rule, margin)

    def to_dict(self) -> list[float] | dict[str, list[float]]:
        """The weights as ranker.json stores them: a plain list, or the shared list beside one per reason."""
        shared = [round(w, 6) for w in self.weights]
        if not self.by_reason:
            return shared
        return {"shared": shared, **{r: [round(w, 6) for w in row] for r, row in zip(REASONS, self.by_reason)}}

    @staticmethod
    def from_dict(data: list[float] | dict[str, list[float]]) -> Weights:
        """Weights from `to_dict`'s form."""
        if isinstance(data, list):
            return Weights(tuple(float(w) for w in data))
        return Weights(tuple(float(w) for w in data["shared"]),
                       tuple(tuple(float(w) for w in data[r]) for r in REASONS))

    def to_json(self) -> str:
        """ranker.json for a one-pass model of these weights."""
        return Model(self).to_json()


@dataclass(frozen=True)
class Model:
    """The fitted ranker: the first pass's weights and the second pass's (None: the first pass alone)."""

    first: Weights
    second: Weights | None = None
    runs: RunWeights | None = None  # the second pass's lines decoded jointly per conversation with these...
    local: Weights | None = None  # ...and these per-line weights (fitted without PATH_FEATURES)

    def to_json(self) -> str:
        """ranker.json: feature names beside both passes' weights (and the joint decoding's)."""
        data: dict[str, object] = {"features": list(FEATURES), "weights": self.first.to_dict()}
        if self.second is not None:
            data["second"] = self.second.to_dict()
        if self.runs is not None and self.local is not None:
            data["runs"] = self.runs.to_dict()
            data["local"] = self.local.to_dict()
        return json.dumps(data, indent=1) + "\n"


SHIPPED = Path(__file__).with_name("ranker.json")


def parse(text: str) -> Model | None:
    """The model from ranker.json text; None if written for other features (the rules then decide alone)."""
    data = json.loads(text)
    if tuple(data.get("features", ())) != FEATURES:
        return None
    second = data.get("second")
    runs, local = data.get("runs"), data.get("local")
    joint = runs is not None and local is not None
    return Model(Weights.from_dict(data["weights"]),
                 Weights.from_dict(second) if second is not None else None,
                 RunWeights.from_dict(runs) if joint else None,
                 Weights.from_dict(local) if joint else None)


@cache
def shipped() -> Model | None:
    """The weights fitted on every training novel (read once, on first use)."""
    if not SHIPPED.is_file():
        return None
    return parse(SHIPPED.read_text(encoding="utf-8"))


_override: list[Model | None] = []  # innermost `use` last
_recorders: list[Callable[[Sample], None]] = []


def current() -> Model | None:
    """The weights in force: the innermost `use`, else the shipped ones."""
    return _override[-1] if _override else shipped()


def recorder() -> Callable[[Sample], None] | None:
    """Where the features of every ranked quotation go while `recording` (bench only)."""
    return _recorders[-1] if _recorders else None


@contextmanager
def use(weights: Model | Weights | None) -> Iterator[None]:
    """Another model while the block runs (None: rules only; bare weights: the first pass alone), for
    leave-one-novel-out scoring."""
    _override.append(Model(weights) if isinstance(weights, Weights) else weights)
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
