#!/usr/bin/env python3
"""Run speaker attribution over a folder laid out like attribution-dev and write score.py predictions.

    python bench/attribution.py DATASET_DIR [-o predictions.json] [--no-score] [--calibration]
    python bench/attribution.py --loo attribution-train [-o predictions.json] [--cast-report]
    python bench/attribution.py --speed [DATASET_DIR] [--words 100000]

--loo reads every novel exactly as `audiobook script --format json NOVEL.txt` does (file -> reader ->
chapters -> attribution, in process: the same `script_chapters` the CLI calls), with weights fitted on
the other novels of the folder (leave one novel out), and prints the pooled score plus cast quality.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# one BLAS thread: the ranker's fits are small matrices, and threads spinning on a shared machine cost ~6x
# the CPU (and --jobs already runs novels in parallel); set before numpy is first imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audiobook.attribution.attribute import attribute, contradictions  # noqa: E402
from audiobook.model import NARRATOR, Character, Paragraph, Segment  # noqa: E402

_PARA = re.compile(r"\S(?:.|\n(?![ \t]*\n))*")


def paragraphs(text: str, offset: int = 0) -> list[Paragraph]:
    """Blank-line separated paragraphs (stand-in until structure.py's splitter is used)."""
    return [Paragraph(m.start() + offset, m.end() + offset) for m in _PARA.finditer(text)]


def chapter_files(root: Path) -> list[tuple[str, Path]]:
    """(chapter id, text file) for every chapter: manifest.json order if present, else chapters/*.txt."""
    manifest = root / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return [(c["chapter_id"], root / c["text_file"]) for c in data["chapters"]]
    return [(p.stem, p) for p in sorted((root / "chapters").glob("*.txt"))]


def _merge(known: dict[str, Character], chars: tuple[Character, ...]) -> None:
    """Fold one chapter's cast into the book-level cast (names, aliases, gender, counts)."""
    for c in chars:
        if c.name in known:
            k = known[c.name]
            known[c.name] = Character(k.name, k.gender or c.gender, tuple(sorted(set(k.aliases) | set(c.aliases))),
                                      k.lines + c.lines, k.words + c.words)
        else:
            known[c.name] = c


def run(root: Path, book: bool = False) -> tuple[dict[str, list[dict[str, object]]], dict[str, list[Segment]], int]:
    """Attribute every chapter; return predictions, segments per chapter and the contradiction count.

    With book=True, chapters of the same novel (manifest "novel") share a character model through `known`.
    """
    preds: dict[str, list[dict[str, object]]] = {}
    segs_by: dict[str, list[Segment]] = {}
    bad = 0
    novels = _novels(root)
    casts: dict[str, dict[str, Character]] = {}
    for cid, path in chapter_files(root):
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        cast = casts.setdefault(novels.get(cid, cid), {})
        segs, chars = attribute(text, paragraphs(text), known=tuple(cast.values()) if book else ())
        _merge(cast, chars)
        bad += len(contradictions(text, segs))
        segs_by[cid] = list(segs)
        preds[cid] = [{"start": s.start, "end": s.end, "speaker": s.speaker} for s in segs if s.kind == "dialogue"]
    return preds, segs_by, bad


def _novels(root: Path) -> dict[str, str]:
    manifest = root / "manifest.json"
    if not manifest.is_file():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {c["chapter_id"]: c.get("novel", c["chapter_id"]) for c in data["chapters"]}


def calibration(root: Path, segs_by: dict[str, list[Segment]]) -> str:
    """Accuracy of the lowest-confidence 10% of attributed gold spans vs the rest (needs gold/ + characters/)."""
    rows = []
    none = 0
    for cid, segs in segs_by.items():
        gold_file = root / "gold" / f"{cid}.json"
        if not gold_file.is_file():
            continue
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        chars = json.loads((root / "characters" / f"{gold['novel']}.json").read_text(encoding="utf-8"))["characters"]
        names = {}
        for c in chars:
            forms = {_norm(x) for x in [c["name"], *c["aliases"], *c.get("extra_aliases", [])]}
            names[c["name"]] = forms | {x[4:] for x in forms if x.startswith("the ")}  # as score.py does
        dia = [s for s in segs if s.kind == "dialogue"]
        for q in gold["quotes"]:
            if not q["attributable"]:
                continue
            for sp in q["spans"]:
                best = max(dia, key=lambda s: min(s.end, sp["end"]) - max(s.start, sp["start"]), default=None)
                if best is None or min(best.end, sp["end"]) <= max(best.start, sp["start"]):
                    continue
                ok = best.speaker is not None and _norm(best.speaker) in names.get(q["speaker"], set())
                rows.append((best.confidence, ok, best.speaker in (None, NARRATOR)))
                none += best.speaker is None
    if not rows:
        return "calibration: no gold annotations found"
    rows.sort(key=lambda r: r[0])
    share = 100.0 * sum(1 for r in rows if r[2]) / len(rows)
    wrong = 100.0 * sum(1 for r in rows if r[2] and not r[1]) / len(rows)
    k = max(1, len(rows) // 10)
    low, rest = rows[:k], rows[k:]
    acc = lambda rs: 100.0 * sum(ok for _, ok, _ in rs) / max(1, len(rs))  # noqa: E731
    return (f"calibration: lowest-confidence 10% ({len(low)} spans, conf <= {low[-1][0]:.2f}) accuracy "
            f"{acc(low):.1f}% vs rest ({len(rest)} spans) {acc(rest):.1f}%; "
            f"gold spans given Narrator or no speaker: {share:.1f}% (wrongly: {wrong:.1f}%; "
            f"no speaker at all: {100.0 * none / len(rows):.1f}%)")


def _norm(s: str) -> str:
    s = s.lower()
    s = re.sub(r"[.,;:!?\"()\[\]{}]", " ", s)
    return " ".join(s.split())


def speed(root: Path | None, words: int) -> None:
    """Time attribution of a ~words-long text against a plain regex tokenisation of the same text."""
    pieces: list[str] = []
    if root is not None and (root / "chapters").is_dir():
        pieces = [p.read_text(encoding="utf-8") for _, p in chapter_files(root)]
    if not pieces:
        pieces = [_synthetic()]
    buf: list[str] = []
    n = 0
    while n < words:
        for p in pieces:
            buf.append(p)
            n += len(p.split())
            if n >= words:
                break
    text = "\n\n".join(buf)
    nwords = len(text.split())
    paras = paragraphs(text)
    t0 = time.perf_counter()
    toks = re.findall(r"\w+|[^\w\s]", text)
    base = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    segs, chars = attribute(text, paras)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{nwords} words, {len(paras)} paragraphs, {sum(s.kind == 'dialogue' for s in segs)} dialogue segments, "
          f"{len(chars)} speakers")
    print(f"attribution: {took:.2f} s wall, {cpu:.2f} s CPU ({nwords / cpu:,.0f} words per CPU second); "
          "regex tokenisation baseline "
          f"({len(toks)} tokens): {base:.3f} s; ratio {took / base:.1f}x")


def _synthetic() -> str:
    names = ["Anna", "Boris", "Clara", "Dmitri"]
    out = []
    for i in range(400):
        a, b = names[i % 4], names[(i + 1) % 4]
        out.append(f'"Where were you on the night of the {i}th?" {a} asked, looking at {b}.')
        out.append(f'"At home," said {b}. "I was reading, as I always do."')
        out.append(f"{a} turned away and walked to the window, where the rain had not stopped since morning.")
        out.append('"You are lying," she said quietly.')
    return "\n\n".join(out)


def loo(a: argparse.Namespace) -> None:
    """Leave one novel out: the params setting and both ranker passes fitted on the other novels."""
    from attribution_eval import pooled, pooled_line, report
    from fit_attribution import GRID, best, correct_counts, fitted_json, loo_choice, run_grid
    from fit_ranker import (
        BLIND,
        best_runs,
        collect,
        collect_second,
        cross_fit,
        fit,
        fit_local,
        run_counts,
        run_ranked,
        run_report,
        shipped_model,
    )

    from audiobook.attribution.rankmodel import Model

    t0 = time.perf_counter()
    grid = run_grid(a.loo, a.jobs)  # every candidate setting over every novel, rules alone, through script_chapters
    counts = [correct_counts(a.loo, g) for g in grid]
    choice = loo_choice(counts)  # each novel: the setting fitted on the 18 others
    chosen = best(counts, list(counts[0]))
    # the first pass's features under each setting in use, the rules alone deciding; per novel, first-pass
    # weights fitted on the other novels; the second pass's features of every novel with its own cross-fitted
    # first pass deciding; then per novel, second-pass weights fitted on the other novels' second-pass features
    settings = sorted(set(choice.values()) | {chosen})
    labelled = {s: collect(a.loo, a.jobs, s) for s in settings}
    firsts = {s: cross_fit(labelled[s]) for s in settings}
    seconds = {s: collect_second(a.loo, a.jobs, firsts[s], s) for s in settings}
    todo = [n for n in choice if not a.only or n in a.only]
    # the joint decoding's transition weights: per novel, the RUN_GRID setting with the most second-pass lines
    # right on the other novels (each decoded with a second pass fitted without it)
    run_counts_by = {s: run_counts(seconds[s], a.jobs) for s in sorted({choice[n] for n in todo})}
    for s, counts_s in run_counts_by.items():
        print(f"setting {s}: " + run_report(counts_s))
    models = {}
    for n in todo:
        others = [d for m, ds in seconds[choice[n]].labelled.items() if m != n for d in ds]
        runs = best_runs(run_counts_by[choice[n]], n)
        models[n] = Model(firsts[choice[n]][n], fit(others), runs, fit_local(others) if runs is not None else None)
    results = run_ranked(a.loo, a.jobs, [(n, choice[n], models[n]) for n in todo])
    rules = [next(r for r in grid[choice[n]] if r.novel == n) for n in todo]
    one_pass = [next(r for r in seconds[choice[n]].results if r.novel == n) for n in todo]
    print("leave one novel out: setting fitted on the other novels, per novel: "
          + ", ".join(f"{n}={choice[n]}" for n in choice) + f" (GRID in bench/fit_attribution.py: {len(GRID)}); "
          "ranker weights (both passes) fitted on the other novels too")
    report(a.loo, results, a.output, a.detail, blind=sorted(BLIND), baseline=rules)
    print(pooled_line("first ranker pass alone, all novels", pooled(a.loo, one_pass)))
    print(pooled_line(f"first ranker pass alone, the {len(BLIND)} blind novels",
                      pooled(a.loo, one_pass, sorted(BLIND))))
    for i, c in enumerate(counts):
        ok, n = sum(v[0] for v in c.values()), sum(v[1] for v in c.values())
        print(f"setting {i} {GRID[i]} on all novels, rules alone: {100.0 * ok / n:.1f}% (a training figure)")
    print(f"fitted on all novels (what ships): setting {chosen}, ranker fitted on all novels' features under it")
    if a.write_params:
        from audiobook.attribution import params, rankmodel

        params.FITTED.write_text(fitted_json(chosen), encoding="utf-8")
        model = shipped_model([d for ds in labelled[chosen].values() for d in ds],
                              [d for ds in seconds[chosen].labelled.values() for d in ds],
                              best_runs(run_counts_by.get(chosen) or run_counts(seconds[chosen], a.jobs)))
        rankmodel.SHIPPED.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {params.FITTED} and {rankmodel.SHIPPED}")
    print(f"\n{len(results)} novels in {time.perf_counter() - t0:.0f} s; predictions in {a.output}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("/tmp/attribution-predictions.json"))
    ap.add_argument("--no-score", action="store_true", help="do not run DATASET_DIR/score.py")
    ap.add_argument("--speed", action="store_true", help="time a ~100k-word text instead")
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--loo", type=Path, metavar="TRAIN_DIR",
                    help="leave one novel out over TRAIN_DIR through the real reading path, with cast quality")
    ap.add_argument("--only", nargs="*", default=(), help="with --loo: report only these novels (fitted on the rest)")
    ap.add_argument("--jobs", type=int, default=1, help="with --loo: candidate settings run in parallel processes")
    ap.add_argument("--write-params", action="store_true",
                    help="with --loo: also write what is fitted on all novels (params.json, ranker.json)")
    ap.add_argument("--detail", action="store_true", help="with --loo: score.py's novel x type rows too")
    ap.add_argument("--book", action="store_true",
                    help="carry each novel's characters from chapter to chapter (known=...)")
    a = ap.parse_args()
    if a.speed:
        speed(a.dataset, a.words)
        return 0
    if a.loo is not None:
        loo(a)
        return 0
    if a.dataset is None:
        ap.error("DATASET_DIR is required (or --speed)")
    preds, segs_by, bad = run(a.dataset, book=a.book)
    a.output.write_text(json.dumps(preds, ensure_ascii=False, indent=0), encoding="utf-8")
    total = sum(1 for segs in segs_by.values() for s in segs if s.kind == "dialogue")
    unknown = sum(1 for segs in segs_by.values() for s in segs if s.kind == "dialogue" and s.speaker is None)
    print(f"wrote {a.output}: {len(preds)} chapters, {total} dialogue segments ({unknown} unknown speaker); "
          f"contradictions: {bad}")
    print(calibration(a.dataset, segs_by))
    score = a.dataset / "score.py"
    cmd = [sys.executable, str(score), str(a.output)]
    if score.is_file() and not a.no_score:
        sys.stdout.flush()
        subprocess.run(cmd, check=False)
    else:
        print("score with: " + " ".join(cmd))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
