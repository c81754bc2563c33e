#!/usr/bin/env python3
"""Fit the learned speaker ranker (a conditional logit over each quotation's candidates) and ship its weights.

    python bench/fit_ranker.py TRAIN_DIR [--jobs 2] [--write]     fit on every novel; --write ships ranker.json
    python bench/fit_ranker.py TRAIN_DIR --dev [--cache F]        leave-one-novel-out, quotation by quotation

The first pass's features are collected once per novel through the real reading path with the rules alone
deciding (the shipped params.json setting), labelled with the gold speaker (score.py's lenient name matching),
and fitted by Newton's method from zero weights in a fixed order: weights shared by every quotation, plus what
each kind of rule decision (`rankmodel.REASONS`) adds to them, as a pronoun tag's candidates weigh the
features otherwise than an untagged line's (one model over features crossed with the reason; leave-one-novel-
out it picks 0.5% more of the first pass's lines right than shared weights alone). The second pass's features
are collected per novel with the first pass fitted on the OTHER novels in force (cross-fitting: training sees
the first pass's mistakes as a new novel will), and fitted the same way: re-running reproduces ranker.json bit
for bit. `--dev` scores each novel's candidates with weights fitted on the other novels and prints, per kind
of rule decision, how often the rules and the ranker pick the gold speaker (the six blind novels only pooled);
`bench/attribution.py --loo` is the end-to-end figure.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import os
import pickle
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread (as bench/attribution.py: set before numpy)

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution_eval import BLIND, NovelResult, evaluate, load_scorer, novels  # noqa: E402
from fit_attribution import GRID, _params  # noqa: E402

from audiobook.attribution import params, rankmodel  # noqa: E402
from audiobook.attribution.rankmodel import FEATURES, REASONS, Sample, Weights  # noqa: E402
from audiobook.attribution.runs import RunWeights, Step, decode, turn_step  # noqa: E402

L2 = 3e-4  # ridge penalty per quotation: keeps weights of rare features small
ITERATIONS = 30  # Newton steps (converged well before)


@dataclass(frozen=True)
class Labelled:
    """A sample with the gold: which candidates name the gold speaker, and the quotation's gold type."""

    sample: Sample
    positives: tuple[bool, ...]
    quote_type: str


def label(scorer: Any, chapter: dict[str, Any], lenient: dict[str, set[str]],
          samples: Sequence[Sample]) -> list[Labelled]:
    """Each sample matched to the attributable gold quotation it overlaps most (unmatched samples dropped)."""
    spans = sorted((sp["start"], sp["end"], q) for q in chapter["gold"]["quotes"] for sp in q["spans"]
                   if q["attributable"])
    starts = [s for s, _, _ in spans]
    out = []
    for smp in samples:
        k = bisect.bisect_left(starts, smp.end)
        best: tuple[int, Any] | None = None
        for s, e, q in spans[max(0, k - 8):k]:
            ov = min(e, smp.end) - max(s, smp.start)
            if ov > 0 and (best is None or ov > best[0]):
                best = (ov, q)
        if best is None:
            continue
        gold = lenient[best[1]["speaker"]]
        pos = tuple(scorer.lenient_ok(scorer.norm_name(n), gold) for n in smp.names)
        out.append(Labelled(smp, pos, best[1]["quote_type"]))
    return out


def collect(root: Path, jobs: int, setting: int | None = None) -> dict[str, list[Labelled]]:
    """Every novel's labelled samples, the rules alone deciding (novels read in parallel processes).

    `setting`: a GRID setting of bench/fit_attribution.py in force (None: the shipped params.json).
    """
    ids = [cid for cid, _ in novels(root)]
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        parts = list(pool.map(_collect_one, [root] * len(ids), ids, [setting] * len(ids)))
    return dict(zip(ids, parts))


def _collect_one(root: Path, cid: str, setting: int | None) -> list[Labelled]:
    cast, resolve = _params(GRID[setting]) if setting is not None else (None, None)
    with params.use(cast, resolve), rankmodel.use(None):
        (result,) = evaluate(root, only=[cid], record=True)
    return label_result(root, cid, result.samples)


def cross_fit(by_novel: dict[str, list[Labelled]]) -> dict[str, Weights]:
    """Per novel, first-pass weights fitted on the other novels."""
    return {n: fit([d for m, ds in by_novel.items() if m != n for d in ds]) for n in by_novel}


@dataclass(frozen=True)
class Second:
    """Every novel's second-pass material: labelled samples, the runs' turn records, first-pass results."""

    labelled: dict[str, list[Labelled]]
    results: list[NovelResult]  # each novel with its cross-fitted first pass alone (what the second starts from)
    context: dict[str, list[Sample]]  # per novel: every second-pass sample and turn record (joint decoding)


def collect_second(root: Path, jobs: int, firsts: dict[str, Weights], setting: int | None = None) -> Second:
    """Every novel's labelled second-pass samples, with `firsts[novel]` deciding the first pass; each novel's
    result with that first pass alone; and its turn records."""
    ids = list(firsts)
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        out = list(pool.map(_second_one, [root] * len(ids), ids, [setting] * len(ids), [firsts[n] for n in ids]))
    return Second({n: lab for n, (lab, _, _) in zip(ids, out)}, [res for _, res, _ in out],
                  {n: ctx for n, (_, _, ctx) in zip(ids, out)})


def _second_one(root: Path, cid: str, setting: int | None, first: Weights
                ) -> tuple[list[Labelled], NovelResult, list[Sample]]:
    cast, resolve = _params(GRID[setting]) if setting is not None else (None, None)
    with params.use(cast, resolve), rankmodel.use(rankmodel.Model(first)):
        (result,) = evaluate(root, only=[cid], record=True)
    second = [smp for smp in result.samples if smp.stage == 2]
    context = [smp for smp in result.samples if smp.stage in (0, 2)]
    return label_result(root, cid, second), replace(result, samples=[]), context


def run_ranked(root: Path, jobs: int, todo: Sequence[tuple[str, int, rankmodel.Model]]) -> list[NovelResult]:
    """Each (novel, GRID setting, ranker model): the novel read through the real path with both in force."""
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        return list(pool.map(_ranked_one, [root] * len(todo), *zip(*todo)))


def _ranked_one(root: Path, cid: str, setting: int, model: rankmodel.Model) -> NovelResult:
    cast, resolve = _params(GRID[setting])
    with params.use(cast, resolve), rankmodel.use(model):
        (result,) = evaluate(root, only=[cid])
    return result


def label_result(root: Path, cid: str, samples: Sequence[Sample]) -> list[Labelled]:
    """Labels for one novel's samples."""
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    _, lenient = names[chapters[cid]["meta"]["novel"]]
    return label(scorer, chapters[cid], lenient, samples)


WIDTH = len(FEATURES) * (1 + len(REASONS))  # the shared weights, then one block per kind of rule decision


def _crossed(sample: Sample) -> np.ndarray:
    """A sample's rows, then a copy in its reason's block and zeros in the other reasons' (the fitted weights:
    shared ones, and what each reason adds to them)."""
    x = sample.features
    k = REASONS.index(sample.reason) if sample.reason in REASONS else -1
    return np.concatenate([x] + [x if i == k else np.zeros_like(x) for i in range(len(REASONS))], axis=1)


def _arrays(data: Sequence[Labelled]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked (crossed) rows, each row's group start offsets, and the positive mask (informative groups only)."""
    rows: list[np.ndarray] = []
    pos: list[bool] = []
    offsets: list[int] = []
    size = 0
    for d in data:
        n = sum(d.positives)
        if n == 0 or n == len(d.positives):
            continue  # nothing to learn: the gold speaker is no candidate, or every candidate is them
        offsets.append(size)
        rows.append(_crossed(d.sample))
        size += len(d.positives)
        pos.extend(d.positives)
    x = np.concatenate(rows).astype(np.float64) if rows else np.zeros((0, WIDTH))
    return x, np.asarray(offsets, dtype=np.int64), np.asarray(pos, dtype=bool)


def _objective(w: np.ndarray, x: np.ndarray, offsets: np.ndarray, pos: np.ndarray,
               hessian: bool) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Mean negative log-likelihood of the positives (softmax within each group), its gradient and Hessian."""
    g = len(offsets)
    ids = np.repeat(np.arange(g), np.diff(np.append(offsets, len(x))))
    s = x @ w
    top = np.maximum.reduceat(s, offsets)
    e = np.exp(s - top[ids])
    ep = np.where(pos, e, 0.0)
    za, zp = np.add.reduceat(e, offsets), np.add.reduceat(ep, offsets)
    loss = float(np.mean(np.log(za) - np.log(zp))) + L2 * float(w @ w)
    pa, pp = e / za[ids], ep / zp[ids]
    grad = x.T @ (pa - pp) / g + 2 * L2 * w
    if not hessian:
        return loss, grad, None
    ma = np.add.reduceat(pa[:, None] * x, offsets)
    mp = np.add.reduceat(pp[:, None] * x, offsets)
    h = ((x.T * pa) @ x - ma.T @ ma - (x.T * pp) @ x + mp.T @ mp) / g + 2 * L2 * np.eye(len(w))
    return loss, grad, h


def fit(data: Sequence[Labelled]) -> Weights:
    """Weights fitted on `data` by damped Newton steps from zero (deterministic)."""
    x, offsets, pos = _arrays(data)
    w = np.zeros(WIDTH)
    if len(offsets) == 0:
        return _weights(w)
    loss, grad, h = _objective(w, x, offsets, pos, True)
    for _ in range(ITERATIONS):
        assert h is not None
        # Newton direction on the (possibly indefinite, several-positives) Hessian, damped to stay a descent
        lam = 1e-6
        while True:
            try:
                step = np.linalg.solve(h + lam * np.eye(len(w)), grad)
                if step @ grad > 0:
                    break
            except np.linalg.LinAlgError:
                pass
            lam *= 10
        t = 1.0
        while t > 1e-4:
            new = w - t * step
            nloss, _, _ = _objective(new, x, offsets, pos, False)
            if nloss <= loss - 1e-4 * t * (step @ grad):
                break
            t /= 2
        if t <= 1e-4:
            break
        w = new
        loss, grad, h = _objective(w, x, offsets, pos, True)
        if float(np.abs(grad).max()) < 1e-7:
            break
    return _weights(w)


def _weights(w: np.ndarray) -> Weights:
    """The fitted vector cut into the shared weights and each reason's additions."""
    n = len(FEATURES)
    blocks = [tuple(round(float(v), 6) for v in w[i * n:(i + 1) * n]) for i in range(1 + len(REASONS))]
    return Weights(blocks[0], tuple(blocks[1:]))


MARGINS = (0.0, 0.25, 0.5, 1.0)  # margins --dev tries

#: The joint decoding's transition weights tried (each against the second pass deciding line by line). Since the
#: per-kind weights the best alternation and vocative weights lay on the old grid's edge (1.5, 1.0: held out -10
#: lines of 6,867 second-pass lines); with this grid they lie inside it (1.5, 1.5: +4, blind six +15, offline; +1 and
#: +14 in the leave-one-novel-out run the README reports).
RUN_GRID: tuple[RunWeights, ...] = tuple(
    RunWeights(r, rn, alt, voc) for r in (0.0, -0.5, -1.0) for rn in (0.0, -0.5)
    for alt in (1.0, 1.5, 2.0) for voc in (0.5, 1.0, 1.5, 2.5))


def fit_local(data: Sequence[Labelled]) -> Weights:
    """The joint decoding's per-line weights: fitted as `fit`, the features reading neighbours' decisions
    (rankmodel.PATH_FEATURES) zeroed, so their weights stay zero."""
    cols = [FEATURES.index(f) for f in rankmodel.PATH_FEATURES]
    out = []
    for d in data:
        x = d.sample.features.copy()
        x[:, cols] = 0.0
        out.append(Labelled(replace(d.sample, features=x), d.positives, d.quote_type))
    return fit(out)


def run_counts(second: Second, jobs: int) -> dict[str, list[int]]:
    """Per novel: its labelled second-pass lines picked right line by line (first) and decoded jointly under
    each RUN_GRID setting, both passes' weights fitted on the other novels (cross-fitting)."""
    ids = list(second.labelled)
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        out = list(pool.map(_novel_counts, [second.context[n] for n in ids],
                            [second.labelled[n] for n in ids],
                            [[d for m, ds in second.labelled.items() if m != n for d in ds] for n in ids]))
    return dict(zip(ids, out))


def _novel_counts(context: Sequence[Sample], labelled: Sequence[Labelled], others: Sequence[Labelled]) -> list[int]:
    second, local = fit(others), fit_local(others)
    return (novel_run_counts(context, labelled, second, second, [RunWeights()])
            + novel_run_counts(context, labelled, second, local, RUN_GRID))


def novel_run_counts(context: Sequence[Sample], labelled: Sequence[Labelled], weights: Weights, local: Weights,
                     grid: Sequence[RunWeights] = RUN_GRID) -> list[int]:
    """One novel's labelled second-pass lines picked right under each joint-decoding setting of `grid`, the
    steps scored by `local`, lines the decoding leaves decided by `weights` alone."""
    rp = params.RANKER
    turns: dict[tuple[int, int], list[Sample]] = collections.defaultdict(list)
    order: dict[tuple[int, int], list[Sample]] = collections.defaultdict(list)
    for smp in context:
        if smp.stage == 0:
            order[(smp.chapter, smp.run)].append(smp)
        else:
            turns[(smp.chapter, smp.turn)].append(smp)
    runs: list[tuple[list[Step], list[list[Sample] | None]]] = []
    for key in sorted(order):
        recs = sorted(order[key], key=lambda r: r.turn)
        if not any((r.chapter, r.turn) in turns for r in recs):
            continue
        steps: list[Step] = []
        lines: list[list[Sample] | None] = []
        for r in recs:
            mine = turns.get((r.chapter, r.turn), [])
            called = frozenset(r.called)
            if r.rule or not mine:
                steps.append(Step((r.names[0] or None,), (0.0,), r.narrated, called))
                lines.append(None)
            else:
                scored = [(smp.names, local.scores(smp.features, smp.reason).tolist(), smp.rule) for smp in mine]
                steps.append(turn_step(scored, rp.second_margin, rp.beam, rp.floor, r.narrated, called))
                lines.append(mine)
        runs.append((steps, lines))
    gold = {(d.sample.start, d.sample.end): d for d in labelled}
    alone = {key: d.positives[weights.choose(d.sample.features, d.sample.rule, rp.second_margin, d.sample.reason)]
             for key, d in gold.items()}
    out = []
    for w in grid:
        picked = dict(alone)
        if w.active:
            for steps, lines in runs:
                for step, mine, k in zip(steps, lines, decode(steps, w)):
                    for smp in mine or []:
                        d = gold.get((smp.start, smp.end))
                        if d is not None and step.cands[k] in smp.names:
                            picked[(smp.start, smp.end)] = d.positives[smp.names.index(str(step.cands[k]))]
        out.append(sum(picked.values()))
    return out


def best_runs(counts: dict[str, list[int]], exclude: str | None = None) -> RunWeights | None:
    """The RUN_GRID setting with the most lines right over the novels (but `exclude`), None if deciding line by
    line does as well; ties: the earlier."""
    totals = [sum(c[i] for n, c in counts.items() if n != exclude) for i in range(len(RUN_GRID) + 1)]
    k = max(range(len(totals)), key=lambda i: (totals[i], -i))
    return RUN_GRID[k - 1] if k else None


def _index(runs: RunWeights | None) -> int:
    return 0 if runs is None else RUN_GRID.index(runs) + 1


def run_report(counts: dict[str, list[int]]) -> str:
    """Held-out gain of joint decoding: each novel under the setting chosen on the other novels."""
    alone = sum(c[0] for c in counts.values())
    held = sum(c[_index(best_runs(counts, n))] for n, c in counts.items())
    blind = [n for n in counts if n in BLIND]
    b_alone = sum(counts[n][0] for n in blind)
    b_held = sum(counts[n][_index(best_runs(counts, n))] for n in blind)
    return (f"joint decoding, second-pass lines right: line by line {alone}, jointly (setting chosen on the other "
            f"novels) {held} ({held - alone:+d}); blind six {b_alone} -> {b_held} ({b_held - b_alone:+d}); "
            f"fitted on all: {best_runs(counts)}")


def shipped_model(first: Sequence[Labelled], second: Sequence[Labelled], runs: RunWeights | None
                  ) -> rankmodel.Model:
    """The model fitted on all of `first` and `second` (the local weights only with joint decoding)."""
    return rankmodel.Model(fit(first), fit(second), runs, fit_local(second) if runs is not None else None)


def picks(weights: Weights, data: Sequence[Labelled]) -> list[tuple[Labelled, bool, list[bool]]]:
    """(sample, rules right, ranker right at each of MARGINS) for every sample."""
    out = []
    for d in data:
        rule_ok = d.sample.rule >= 0 and d.positives[d.sample.rule]
        ks = [weights.choose(d.sample.features, d.sample.rule, m, d.sample.reason) for m in MARGINS]
        out.append((d, rule_ok, [d.positives[k] for k in ks]))
    return out


def dev_report(by_novel: dict[str, list[Labelled]], title: str = "") -> None:
    """Leave-one-novel-out, quotation by quotation: rules (or the first pass) vs ranker per kind of decision."""
    rows: dict[str, list[tuple[Labelled, bool, list[bool]]]] = {}
    for n in by_novel:
        w = fit([d for m, ds in by_novel.items() if m != n for d in ds])
        rows[n] = picks(w, by_novel[n])
    for group_title, group in (("open 13", [n for n in rows if n not in BLIND]), ("blind 6", sorted(BLIND)),
                               ("all 19", list(rows))):
        tally: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0] + [0] * len(MARGINS))
        for n in group:
            for d, r_ok, k_ok in rows.get(n, []):
                for key in (d.sample.reason, "type:" + d.quote_type, "ALL"):
                    t = tally[key]
                    t[0] += 1
                    t[1] += any(d.positives)
                    t[2] += r_ok
                    for i, ok in enumerate(k_ok):
                        t[3 + i] += ok
        print(f"\n{title}{group_title}: samples, gold among candidates %, current pick right %, ranker right % at "
              "margins " + ", ".join(str(m) for m in MARGINS))
        for key in sorted(tally):
            t = tally[key]
            print(f"  {key:22s} {t[0]:6d} " + " ".join(f"{100 * v / t[0]:6.1f}" for v in t[1:]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--write", action="store_true", help=f"write {rankmodel.SHIPPED}")
    ap.add_argument("--dev", action="store_true", help="leave-one-novel-out per quotation, rules vs ranker")
    ap.add_argument("--cache", type=Path, help="keep the collected samples in this pickle (dev loops)")
    a = ap.parse_args()
    if a.cache is not None and a.cache.is_file():
        by_novel, second = pickle.loads(a.cache.read_bytes())
    else:
        by_novel = collect(a.train, a.jobs)
        second = collect_second(a.train, a.jobs, cross_fit(by_novel))
        if a.cache is not None:
            a.cache.write_bytes(pickle.dumps((by_novel, second)))
    if a.dev:
        dev_report(by_novel, "first pass, ")
        dev_report(second.labelled, "second pass (first pass fitted on the other novels), ")
        return 0
    counts = run_counts(second, a.jobs)
    runs = best_runs(counts)
    print(run_report(counts))
    model = shipped_model([d for ds in by_novel.values() for d in ds],
                          [d for ds in second.labelled.values() for d in ds], runs)
    assert model.second is not None
    for name, v, v2 in sorted(zip(FEATURES, model.first.weights, model.second.weights), key=lambda kv: -abs(kv[1])):
        print(f"  {name:26s} {v:+.3f} {v2:+.3f}")
    if a.write:
        rankmodel.SHIPPED.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {rankmodel.SHIPPED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
