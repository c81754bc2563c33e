#!/usr/bin/env python3
"""Fit attribution's parameters on the training novels; ship the choice as audiobook/attribution/params.json.

    python bench/fit_attribution.py TRAIN_DIR [--jobs 2] [--write]

The fit chooses, among the candidate settings in GRID (deterministic order), the earliest one within
TOLERANCE of the most quotations right over the novels it is given. Every setting is run once over every novel
through the real reading path (`script_chapters`), so leave-one-novel-out costs no more than a plain fit:
the held-out novel is scored with the setting that is best on the other novels (`loo_choice`).
Re-running with --write reproduces params.json exactly (no randomness, fixed order).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution_eval import NovelResult, evaluate, load_scorer  # noqa: E402

from audiobook.attribution import params, rankmodel  # noqa: E402

#: Candidate settings: overrides of the hand-set defaults, per group ("cast", "resolve").
GRID: list[dict[str, dict[str, Any]]] = [
    {},
    {"resolve": {"ctx_even": 1.5, "ctx_prev": -1.5}},
    {"resolve": {"ctx_even": 0.5, "ctx_prev": -0.5}},
    {"resolve": {"w_tagged": 1.5}},
    {"cast": {"first_name_share": 1.5}},
    {"cast": {"first_name_share": 6.0}},
]


def _params(setting: dict[str, dict[str, Any]]) -> tuple[params.CastParams, params.ResolveParams]:
    """The defaults (not the shipped fit) with one setting's overrides."""
    cast = replace(params.CastParams(), **setting.get("cast", {}))
    resolve = replace(params.ResolveParams(), **setting.get("resolve", {}))
    return cast, resolve


def run_setting(root: Path, index: int) -> list[NovelResult]:
    """Every novel read with GRID[index] in force."""
    cast, resolve = _params(GRID[index])
    with params.use(cast, resolve), rankmodel.use(None):  # the rules alone: the ranker is fitted after
        return list(evaluate(root))


def run_grid(root: Path, jobs: int) -> list[list[NovelResult]]:
    """Results of every setting (in GRID order), settings run in parallel processes."""
    if jobs <= 1:
        return [run_setting(root, i) for i in range(len(GRID))]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(run_setting, [root] * len(GRID), range(len(GRID))))


def correct_counts(root: Path, results: list[NovelResult]) -> dict[str, tuple[int, int]]:
    """Per novel: (attributable quotations right, attributable quotations), as score.py counts them."""
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    out = {}
    for r in results:
        one = {r.novel: chapters[r.novel]}
        parsed = {r.novel: [dict(p, start=p["start"], end=p["end"]) for p in r.preds]}
        res = scorer.score(one, names, parsed, True)["ALL"]
        n = res["attributable_quotes"]
        out[r.novel] = (round((res["quote_acc_lenient"] or 0.0) * n), n)
    return out


#: A setting displaces an earlier one (the defaults first) only if it gets more than this share of the
#: quotations more right: a few lines in 25,000 is noise, not a better setting.
TOLERANCE = 0.001


def best(counts: list[dict[str, tuple[int, int]]], novels: list[str]) -> int:
    """The earliest setting within `TOLERANCE` of the most quotations right over `novels`."""
    totals = [sum(c[n][0] for n in novels) for c in counts]
    quotations = sum(counts[0][n][1] for n in novels)
    top = max(totals)
    return next(i for i, t in enumerate(totals) if t >= top - TOLERANCE * quotations)


def loo_choice(counts: list[dict[str, tuple[int, int]]]) -> dict[str, int]:
    """For every novel, the setting fitted on all the other novels."""
    novels = list(counts[0])
    return {n: best(counts, [m for m in novels if m != n]) for n in novels}


def fitted_json(index: int) -> str:
    """params.json for one setting: every parameter, defaults included, so the file says it all."""
    cast, resolve = _params(GRID[index])
    return json.dumps({"setting": index, "cast": asdict(cast), "resolve": asdict(resolve)}, indent=1) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--write", action="store_true", help=f"write {params.FITTED}")
    a = ap.parse_args()
    grid = run_grid(a.train, a.jobs)
    counts = [correct_counts(a.train, g) for g in grid]
    for i, c in enumerate(counts):
        ok, n = sum(v[0] for v in c.values()), sum(v[1] for v in c.values())
        print(f"setting {i} {GRID[i]}: {ok}/{n} = {100.0 * ok / n:.1f}% (training figure)")
    chosen = best(counts, list(counts[0]))
    print(f"fitted on all novels: setting {chosen}")
    if a.write:
        params.FITTED.write_text(fitted_json(chosen), encoding="utf-8")
        print(f"wrote {params.FITTED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
