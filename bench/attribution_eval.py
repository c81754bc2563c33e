"""Leave-one-novel-out evaluation of speaker attribution through the real reading path, with cast quality.

Every novel is read as `audiobook script --format json NOVEL.txt` reads it (`pipeline.script_chapters`:
file -> reader -> chapters -> attribution), its dialogue segments become score.py predictions (the JSON
offsets are character offsets into the decoded file, which is what score.py wants), and the whole-book
cast is what `render`/`cast` would write (`pipeline.speakers`).
"""

from __future__ import annotations

import bisect
import collections
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.attribution import rankmodel  # noqa: E402
from audiobook.model import Chapter, Character  # noqa: E402
from audiobook.pipeline import script_chapters, speakers  # noqa: E402
from audiobook.voices.config import load_config  # noqa: E402

#: Novels never inspected while writing rules (issue 12): only their pooled scores are printed.
BLIND = frozenset({"NightAndDay", "SenseAndSensibility", "TheAwakening", "TheGambler", "TheInvisibleMan",
                   "ThePictureOfDorianGray"})


def load_scorer(root: Path) -> ModuleType:
    """The dataset's own score.py, imported (stdlib only)."""
    spec = importlib.util.spec_from_file_location("attribution_score", root / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {root}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def novels(root: Path) -> list[tuple[str, Path]]:
    """(novel id, text file) in manifest order."""
    data = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return [(c["chapter_id"], root / c["text_file"]) for c in data["chapters"]]


def read_novel(path: Path) -> list[Chapter]:
    """The novel's chapters exactly as `audiobook script` parses them (no voices.yaml: all defaults)."""
    config = load_config(path.parent / "no-such-voices.yaml")
    return list(script_chapters([path], config))


def predictions(chapters: Sequence[Chapter]) -> list[dict[str, object]]:
    """score.py records: every dialogue segment with its offsets into the file and its speaker."""
    return [{"start": s.start, "end": s.end, "speaker": s.speaker}
            for ch in chapters for s in ch.segments if s.kind == "dialogue"]


@dataclass
class CastReport:
    """How the whole-book cast a user would get compares with the annotated characters."""

    entries: int = 0
    phantoms: list[str] = field(default_factory=list)  # entries that are no character
    splits: dict[str, list[str]] = field(default_factory=dict)  # character -> its several entries


def cast_report(scorer: ModuleType, names: tuple[dict[str, set[str]], dict[str, set[str]]],
                cast: Sequence[Character]) -> CastReport:
    """Entries naming no character (by name or alias) and characters spread over several entries."""
    _, lenient = names
    rep = CastReport(entries=len(cast))
    owners: dict[str, list[str]] = collections.defaultdict(list)
    for c in cast:
        if c.name == "Narrator":
            continue
        forms = [scorer.norm_name(c.name)]
        hit = [g for g, al in lenient.items() if scorer.lenient_ok(forms[0], al)]
        if not hit:
            # an entry under a form the annotators did not list may still name a character by an alias
            for a in c.aliases:
                n = scorer.norm_name(a)
                hit = [g for g, al in lenient.items() if scorer.lenient_ok(n, al)]
                if len(hit) == 1:
                    break
        real = [g for g in hit if not g.startswith("_")]
        if not real:
            rep.phantoms.append(c.name)
        elif len(real) == 1:
            owners[real[0]].append(c.name)
    rep.splits = {g: v for g, v in owners.items() if len(v) > 1}
    return rep


@dataclass
class NovelResult:
    """One held-out novel: predictions, quotation-level outcomes and its cast report."""

    novel: str
    preds: list[dict[str, object]]
    cast: CastReport
    unknown_names: collections.Counter[str]  # predicted names that are no character's, by line count
    lines: int  # attributable gold quotations with a predicted speaker
    samples: list[rankmodel.Sample] = field(default_factory=list)  # the ranker's candidates and features


def evaluate(root: Path, fit: Callable[[list[str]], AbstractContextManager[Any]] | None = None,
             only: Sequence[str] = (), record: bool = False) -> Iterator[NovelResult]:
    """Leave one novel out: for each novel, `fit(other novels)` gives a context with those weights in force.

    `record`: keep the ranker's candidates and features of every novel (`NovelResult.samples`).
    """
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    ids = [cid for cid, _ in novels(root)]
    for cid, path in novels(root):
        if only and cid not in only:
            continue
        ctx = fit([x for x in ids if x != cid]) if fit else nullcontext()
        samples: list[rankmodel.Sample] = []
        with ctx, rankmodel.recording(samples.append) if record else nullcontext():
            parsed = read_novel(path)
        preds = predictions(parsed)
        nov = chapters[cid]["meta"]["novel"]
        strict, lenient = names[nov]
        rep = cast_report(scorer, names[nov], speakers(parsed))
        yield NovelResult(cid, preds, rep, _unknown_names(scorer, chapters[cid], lenient, preds), len(preds), samples)


def _unknown_names(scorer: ModuleType, chapter: dict[str, Any], lenient: dict[str, set[str]],
                   preds: list[dict[str, object]]) -> collections.Counter[str]:
    """Attributable gold quotations whose predicted name (quotation vote, as score.py) is no character's."""
    every = set().union(*lenient.values())
    spans = sorted((int(p["start"]), int(p["end"]), p["speaker"]) for p in preds)  # type: ignore[call-overload]
    starts = [s for s, _, _ in spans]
    out: collections.Counter[str] = collections.Counter()
    total = 0
    for q in chapter["gold"]["quotes"]:
        if not q["attributable"]:
            continue
        votes: collections.Counter[str] = collections.Counter()
        for sp in q["spans"]:
            k = bisect.bisect_right(starts, sp["end"]) - 1
            while k >= 0 and spans[k][1] > sp["start"]:
                s, e, who = spans[k]
                ov = min(e, sp["end"]) - max(s, sp["start"])
                if ov > 0:
                    votes[scorer.norm_name(who) if who else ""] += ov
                k -= 1
        top = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0] if votes else ""
        total += 1
        if top and not scorer.lenient_ok(top, every):
            out[top] += 1
    out["<total>"] = total
    return out


def pooled(root: Path, results: Sequence[NovelResult], only: Sequence[str] = ()) -> dict[str, Any]:
    """score.py's results over these novels' predictions (all of them, or those in `only`)."""
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    preds = {r.novel: [dict(p) for p in r.preds] for r in results if not only or r.novel in only}
    res: dict[str, Any] = scorer.score(chapters, names, preds, True)
    return res


def pooled_line(title: str, res: dict[str, Any]) -> str:
    """One line: pooled quotation accuracy (lenient) overall and per type."""
    def pct(key: str) -> str:
        v = res.get(key, {}).get("quote_acc_lenient")
        return "-" if v is None else f"{100.0 * v:.1f}"
    return (f"{title}: qaccL {pct('ALL')} (explicit {pct('type:explicit')}, anaphoric {pct('type:anaphoric')}, "
            f"implicit {pct('type:implicit')}; {res.get('ALL', {}).get('attributable_quotes', 0)} quotations)")


def report(root: Path, results: list[NovelResult], out: Path, detail: bool = False, blind: Sequence[str] = (),
           baseline: Sequence[NovelResult] = ()) -> None:
    """Score the pooled predictions with score.py and print the cast-quality figures.

    `blind`: novels also pooled on their own line; `baseline`: the same novels read by the rules alone.
    """
    scorer = load_scorer(root)
    chapters, names = scorer.load_bench(str(root))
    preds = {r.novel: r.preds for r in results}
    out.write_text(json.dumps(preds, ensure_ascii=False), encoding="utf-8")
    parsed, problems = scorer.read_preds(str(out), chapters)
    res = scorer.score(chapters, names, parsed, True)
    scorer.print_table(res, detail)
    print()
    print(pooled_line("pooled, all novels", res))
    if blind:
        print(pooled_line(f"pooled, the {len(blind)} blind novels", pooled(root, results, blind)))
    if baseline:
        print(pooled_line("rules alone (no ranker), all novels", pooled(root, baseline)))
        if blind:
            print(pooled_line(f"rules alone, the {len(blind)} blind novels", pooled(root, baseline, blind)))
    unknown: collections.Counter[str] = collections.Counter()
    shown: collections.Counter[str] = collections.Counter()  # the blind novels' names are never shown
    for r in results:
        unknown.update(r.unknown_names)
        if r.novel not in BLIND:
            shown.update(r.unknown_names)
    total = unknown.pop("<total>")
    shown.pop("<total>", None)
    bad = sum(unknown.values())
    print(f"\ncast quality: {bad} of {total} attributable quotations ({100.0 * bad / max(1, total):.1f}%) go to a name "
          "that is no character's name or alias (score.py normalisation)")
    print("  most frequent such names (open novels only): "
          + ", ".join(f"{n} ({c})" for n, c in shown.most_common(20)))
    print(f"\n{'novel':34s} {'entries':>7s} {'no-char':>7s} {'split':>5s}  examples")
    tot = [0, 0, 0]
    for r in results:
        c = r.cast
        ex = c.phantoms[:4] + [" / ".join(v) for v in list(c.splits.values())[:3]]
        if r.novel in BLIND:
            ex = ["(blind: counts only)"]
        print(f"{r.novel:34s} {c.entries:7d} {len(c.phantoms):7d} {len(c.splits):5d}  {'; '.join(ex)}")
        tot[0] += c.entries
        tot[1] += len(c.phantoms)
        tot[2] += len(c.splits)
    print(f"{'ALL':34s} {tot[0]:7d} {tot[1]:7d} {tot[2]:5d}")
