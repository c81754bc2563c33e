#!/usr/bin/env python3
"""Break attribution errors on the open training novels into kinds, with counts and examples.

    python bench/attribution_errors.py TRAIN_DIR [--novel NAME ...] [--type explicit] [--examples 5]
    python bench/attribution_errors.py TRAIN_DIR --summary      (counts only, every open novel)

Each novel is read exactly as `audiobook script --format json` reads it (the shipped params.json), and every
attributable gold quotation is scored as score.py scores it (the name with the most overlapping characters).
A wrong quotation gets one kind:

- ``missed``       no dialogue segment over it, or no speaker given;
- ``tag-misread``  the segment's reason is an explicit tag, but the name is another character's;
- ``tag-missed``   an explicit gold quotation resolved some other way (the tag was not read) to another character;
- ``name-form``    the name is no character's, yet shares a word with the gold speaker's names (canonicalisation);
- ``phantom``      the name is no character's and shares nothing with the gold speaker's names;
- ``other-char``   (anaphoric / implicit) another character.

The six BLIND novels are refused: their text, errors and casts are never shown (only bench/attribution.py's
aggregate scores may touch them).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attribution_eval import BLIND, load_scorer, novels, read_novel  # noqa: E402

from audiobook.model import Chapter, Segment  # noqa: E402
from audiobook.pipeline import speakers  # noqa: E402


def _voted(segs: list[Segment], starts: list[int], spans: list[dict[str, int]],
           norm: Any) -> tuple[str, Segment | None]:
    """score.py's quotation vote: the predicted name with most overlapping characters, and its biggest segment."""
    votes: collections.Counter[str] = collections.Counter()
    best: tuple[int, Segment | None] = (0, None)
    for sp in spans:
        k = bisect.bisect_right(starts, sp["end"]) - 1
        while k >= 0 and segs[k].end > sp["start"]:
            s = segs[k]
            ov = min(s.end, sp["end"]) - max(s.start, sp["start"])
            if ov > 0:
                votes[norm(s.speaker) if s.speaker else ""] += ov
                if ov > best[0]:
                    best = (ov, s)
            k -= 1
    top = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0] if votes else ""
    return top, best[1]


def classify(q: dict[str, Any], top: str, seg: Segment | None, lenient: dict[str, set[str]],
             scorer: Any) -> str | None:
    """The kind of error of one attributable quotation (None when right)."""
    if scorer.lenient_ok(top, lenient[q["speaker"]]):
        return None
    if not top or seg is None:
        return "missed"
    owners = [g for g, al in lenient.items() if scorer.lenient_ok(top, al)]
    if not owners:
        gold_words = {w for a in lenient[q["speaker"]] for w in a.split()} - set(scorer.HONORIFICS) - {"the"}
        return "name-form" if set(top.split()) & gold_words else "phantom"
    if q["quote_type"] != "explicit":
        return "other-char"
    return "tag-misread" if seg.reason == "explicit" else "tag-missed"


def analyse(parsed: list[Chapter], novel: str, scorer: Any, chapters: dict[str, Any],
            names: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str, Segment | None]]:
    """(type, kind, gold quotation, predicted name, segment) for every attributable quotation."""
    segs = sorted((s for ch in parsed for s in ch.segments if s.kind == "dialogue"), key=lambda s: s.start)
    starts = [s.start for s in segs]
    _, lenient = names[chapters[novel]["meta"]["novel"]]
    out = []
    for q in chapters[novel]["gold"]["quotes"]:
        if not q["attributable"]:
            continue
        top, seg = _voted(segs, starts, q["spans"], scorer.norm_name)
        kind = classify(q, top, seg, lenient, scorer)
        out.append((q["quote_type"], kind or "right", q, top, seg))
    return out


def print_cast(parsed: list[Chapter], lenient: dict[str, set[str]], scorer: Any) -> None:
    """The whole-book cast a user would get: lines, name, the gold character it names (or NO-CHAR), aliases."""
    for c in sorted(speakers(parsed), key=lambda c: -c.lines):
        n = scorer.norm_name(c.name)
        hit = [g for g, al in lenient.items() if scorer.lenient_ok(n, al)]
        if not hit:
            by_alias = {g for a in c.aliases for g, al in lenient.items() if scorer.lenient_ok(scorer.norm_name(a), al)}
            hit = [f"~{h}" for h in sorted(by_alias)] or ["NO-CHAR"]
        print(f"  {c.lines:5d} {c.name!r:32s} {c.gender or '-':6s} -> {'|'.join(hit)}   aka {list(c.aliases)[:8]}")


def _context(text: str, q: dict[str, Any], width: int = 90) -> str:
    s, e = q["spans"][0]["start"], q["spans"][-1]["end"]
    snip = text[max(0, s - 30):min(len(text), e + width)] if e - s < 160 else \
        text[max(0, s - 30):s + 60] + " [...] " + text[e - 40:e + width]
    return " ".join(snip.split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", type=Path)
    ap.add_argument("--novel", nargs="*", default=(), help="open novels to analyse (default: all thirteen)")
    ap.add_argument("--type", default="explicit", help="quotation type whose examples to print (or 'all')")
    ap.add_argument("--kind", default="", help="only print examples of this kind")
    ap.add_argument("--examples", type=int, default=4, help="examples per kind and novel")
    ap.add_argument("--summary", action="store_true", help="counts only")
    ap.add_argument("--cast", action="store_true", help="print the whole-book cast, each entry with its character")
    a = ap.parse_args()
    blind = sorted(set(a.novel) & BLIND)
    if blind:
        print(f"refused: {', '.join(blind)} {'is' if len(blind) == 1 else 'are'} BLIND (score them with "
              "bench/attribution.py only)", file=sys.stderr)
        return 2
    scorer = load_scorer(a.train)
    chapters, names = scorer.load_bench(str(a.train))
    chosen = list(a.novel) or [n for n, _ in novels(a.train) if n not in BLIND]
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    unknown: collections.Counter[str] = collections.Counter()
    for novel in chosen:
        parsed = read_novel(dict(novels(a.train))[novel])
        rows = analyse(parsed, novel, scorer, chapters, names)
        if a.cast:
            print_cast(parsed, names[chapters[novel]["meta"]["novel"]][1], scorer)
        counts = collections.Counter((t, k) for t, k, _, _, _ in rows)
        total.update(counts)
        unknown.update(top for _, k, _, top, _ in rows if k in ("phantom", "name-form"))
        right = sum(v for (t, k), v in counts.items() if k == "right")
        print(f"\n== {novel}: {right}/{len(rows)} right ({100.0 * right / max(1, len(rows)):.1f}%)  "
              + "  ".join(f"{t[:4]}:{k}={v}" for (t, k), v in sorted(counts.items()) if k != "right"))
        if a.summary:
            continue
        text = chapters[novel]["text"]
        shown: collections.Counter[str] = collections.Counter()
        for t, k, q, top, seg in rows:
            if k == "right" or (a.type != "all" and t != a.type) or (a.kind and k != a.kind):
                continue
            if shown[k] >= a.examples:
                continue
            shown[k] += 1
            why = f"{seg.reason} {seg.confidence:.2f}" if seg else "-"
            print(f"  [{k}] gold={q['speaker']!r} got={top!r} ({why}) ref={q['referring_expression']!r}\n"
                  f"      {_context(text, q)}")
    print("\n== all chosen novels, by type and kind")
    for t in ("explicit", "anaphoric", "implicit"):
        n = sum(v for (tt, _), v in total.items() if tt == t)
        ok = total[(t, "right")]
        kinds = sorted(((k, v) for (tt, k), v in total.items() if tt == t and k != "right"), key=lambda kv: -kv[1])
        print(f"{t:10s} {ok}/{n} = {100.0 * ok / max(1, n):.1f}%  " + ", ".join(f"{k} {v}" for k, v in kinds))
    n = sum(total.values())
    ok = sum(v for (_, k), v in total.items() if k == "right")
    print(f"{'all':10s} {ok}/{n} = {100.0 * ok / max(1, n):.1f}%")
    print("no-character names (phantom + name-form), most frequent: "
          + ", ".join(f"{k} ({v})" for k, v in unknown.most_common(20)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
