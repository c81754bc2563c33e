#!/usr/bin/env python3
"""Fit the salience model of "he said"/"she said" (`audiobook/attribution/salience.py`) on the open training novels.

    python bench/fit_pronouns.py TRAIN_DIR [--jobs 2]

Every open novel (never a BLIND one) is read as `audiobook script` reads it, with the hand-weighted rules
deciding, while each pronoun tag's candidates and features are recorded; a candidate is right when its name is
one of the gold speaker's. A conditional logit (softmax over each tag's candidates, L2-penalised) is fitted on
them. It prints the held-out accuracy (each open novel scored by weights fitted on the other twelve) against
the hand rules' on the same tags, then the weights fitted on all thirteen: `RESOLVE.pronoun_weights` in
`audiobook/attribution/params.py` is that line.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution_eval import BLIND, load_scorer, novels, read_novel  # noqa: E402

from audiobook.attribution import params, salience  # noqa: E402

Tag = tuple[np.ndarray, int, int]  # feature rows, the gold candidate (-1: none), the hand rules' pick (-1: none)


def record(root: Path, novel: str) -> list[Tag]:
    """One open novel's pronoun tags, read with the hand rules deciding, each matched to its gold quotation."""
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    samples: list[salience.Sample] = []
    with params.use(resolve=replace(params.RESOLVE, pronoun_weights=())), salience.recording(samples.append):
        read_novel(dict(novels(root))[novel])
    _, lenient = names[chapters[novel]["meta"]["novel"]]
    gold = sorted((sp["start"], sp["end"], q["speaker"]) for q in chapters[novel]["gold"]["quotes"]
                  if q["attributable"] for sp in q["spans"])
    starts = [g[0] for g in gold]
    out: list[Tag] = []
    for s in samples:
        k = bisect.bisect_right(starts, s.end) - 1
        speaker = None
        while k >= 0 and gold[k][1] > s.start:
            speaker = gold[k][2]
            break
        if speaker is None or not s.names:
            continue
        ok = [scorer.lenient_ok(scorer.norm_name(n), lenient[speaker]) for n in s.names]
        label = ok.index(True) if any(ok) else -1
        legacy = s.names.index(s.legacy) if s.legacy in s.names else -1
        out.append((np.asarray(s.rows, dtype=np.float64), label, legacy))
    return out


def fit(tags: list[Tag], l2: float = 0.01, steps: int = 600) -> np.ndarray:
    """Conditional logit weights over the tags whose gold speaker is a candidate (gradient ascent, Adam)."""
    usable = [(x, y) for x, y, _ in tags if y >= 0 and len(x) > 1]
    w = np.zeros(len(salience.FEATURES))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        grad = -l2 * w * len(usable)
        for x, y in usable:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            grad += x[y] - p @ x
        grad /= len(usable)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w += 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w


MARGINS = (0.0, 0.2, 0.5, 1.0)  # the least lead over the hand rules' pick that lets the model overrule it


def accuracy(tags: list[Tag], w: np.ndarray | None, margin: float = 0.0) -> int:
    """Tags whose pick is the gold speaker: the model's with weights w (where it leads the hand rules' pick by
    `margin`), else the hand rules'."""
    right = 0
    for x, y, legacy in tags:
        pick = legacy
        if w is not None:
            s = x @ w
            best = int(np.argmax(s))
            if legacy < 0 or s[best] - s[legacy] >= margin:
                pick = best
        right += int(y >= 0 and pick == y)
    return right


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    chosen = [n for n, _ in novels(a.train) if n not in BLIND]
    with ProcessPoolExecutor(a.jobs) as pool:
        by_novel: dict[str, Any] = dict(zip(chosen, pool.map(record, [a.train] * len(chosen), chosen)))
    total_model = total_rules = total = 0
    by_margin = dict.fromkeys(MARGINS, 0)
    for novel in chosen:
        rest = [t for n in chosen if n != novel for t in by_novel[n]]
        held = by_novel[novel]
        w = fit(rest)
        model, rules = accuracy(held, w, params.RESOLVE.pronoun_margin), accuracy(held, None)
        for m in MARGINS:
            by_margin[m] += accuracy(held, w, m)
        total_model, total_rules, total = total_model + model, total_rules + rules, total + len(held)
        print(f"{novel:32s} {len(held):5d} tags  rules {100.0 * rules / max(1, len(held)):5.1f}  "
              f"model (held out) {100.0 * model / max(1, len(held)):5.1f}")
    reach = sum(int(y >= 0) for n in chosen for _, y, _ in by_novel[n])
    print(f"{'pooled':32s} {total:5d} tags  gold among the candidates {100.0 * reach / max(1, total):5.1f}")
    print(f"{'pooled':32s} {total:5d} tags  rules {100.0 * total_rules / max(1, total):5.1f}  "
          f"model (held out) {100.0 * total_model / max(1, total):5.1f}")
    print("held out, by the least lead over the hand rules' pick: " + ", ".join(
        f"{m}: {100.0 * v / max(1, total):.1f}" for m, v in by_margin.items()))
    w = fit([t for n in chosen for t in by_novel[n]])
    print("pronoun_weights = (" + ", ".join(f"{x:.2f}" for x in w) + ")")
    for name, x in zip(salience.FEATURES, w):
        print(f"  {name:20s} {x:+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
