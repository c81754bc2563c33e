#!/usr/bin/env python3
"""How often the ranker's candidates hold the gold speaker, and where the gold speaker is when they do not.

    python bench/candidate_recall.py TRAIN_DIR [--novel NAME ...] [--type implicit]

Each open novel is read as `audiobook script --format json` reads it (shipped params.json and ranker.json);
every quotation the ranker ranks is matched to its gold quotation, and for those of the chosen type whose
gold speaker is none of the candidates the gold person is looked for, in this order, in: the candidates the
gender or vocative filter removed, the scene's narration before the turn, the speakers decided earlier in
the scene, the explicitly tagged speakers of the conversation (any distance), the names inside its speech,
the whole cast; else nowhere. The six BLIND novels are refused (only bench/attribution.py scores them).
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

from audiobook.attribution import ranker  # noqa: E402
from audiobook.attribution.patterns import NARR  # noqa: E402

#: Where a missing gold speaker may be, in the order looked for.
PLACES = ("filtered", "scene_narration", "spoke_in_scene", "tagged_in_run", "named_in_run_speech",
          "in_cast", "nowhere")

_seen: dict[tuple[int, int], dict[str, Any]] = {}


def _hook() -> None:
    """Wrap the ranker's candidate choice to note, per ranked quotation, the sets a miss is looked for in."""
    original = ranker.Ranker._rank_candidates

    def wrapped(self: ranker.Ranker, q: Any, t_i: int, around: Any) -> list[int]:
        cands = original(self, q, t_i, around)
        key = (q.part.start + self.offset, q.part.end + self.offset)
        if key in _seen:
            return cands
        turn = self.turns[t_i]
        conv = self._conversation(t_i)
        scene = self.paras[turn.paras[0]][2]
        run_turns = [t for t in self.turns if t.run == turn.run]
        spoke = {o.speaker for o in self.quotes[:self.quote_index[id(q)]]
                 if o.speaker is not None and self.paras[o.para][2] == scene}
        tagged = {o.speaker for t in run_turns for o in t.quotes if o.reason in ranker._SURE and o.speaker is not None}
        lo, hi = self.paras[run_turns[0].paras[0]][0], self.paras[run_turns[-1].paras[-1]][1]
        named = self._quoted_in(lo, hi)
        unfiltered = set()
        for d in range(1, 7):
            for j in (t_i - d, t_i + d):
                if self._same_run(t_i, j) is not None and self.turns[j].last is not None:
                    unfiltered.add(self.turns[j].last)
        unfiltered |= set(around.here) | set(around.before)
        name = self.name_of
        _seen[key] = {
            "cands": [name(c) or "" for c in cands],
            "filtered": [name(c) or "" for c in unfiltered - set(cands)
                         if c == NARR or not self.cast.entities[c].excluded],
            "scene_narration": [name(c) or "" for c in conv.scene],
            "spoke_in_scene": [name(c) or "" for c in spoke],
            "tagged_in_run": [name(c) or "" for c in tagged],
            "named_in_run_speech": [name(c) or "" for c in named],
            "in_cast": [name(i) or "" for i in range(len(self.cast.entities))],
            "nowhere": [],
            "reason": q.reason,
        }
        return cands

    ranker.Ranker._rank_candidates = wrapped  # type: ignore[method-assign]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", type=Path)
    ap.add_argument("--novel", nargs="*", default=())
    ap.add_argument("--type", default="implicit", help="gold quotation type (or 'all')")
    a = ap.parse_args()
    if set(a.novel) & BLIND:
        print("refused: blind novels are scored by bench/attribution.py only", file=sys.stderr)
        return 2
    _hook()
    scorer = load_scorer(a.train)
    chapters, names = scorer.load_bench(str(a.train))
    chosen = list(a.novel) or [n for n, _ in novels(a.train) if n not in BLIND]
    total: collections.Counter[str] = collections.Counter()
    for novel in chosen:
        _seen.clear()
        read_novel(dict(novels(a.train))[novel])
        _, lenient = names[chapters[novel]["meta"]["novel"]]
        keys = sorted(_seen)
        starts = [s for s, _ in keys]
        counts: collections.Counter[str] = collections.Counter()
        for q in chapters[novel]["gold"]["quotes"]:
            if not q["attributable"] or (a.type != "all" and q["quote_type"] != a.type):
                continue
            sp = q["spans"][0]
            k = bisect.bisect_right(starts, sp["end"]) - 1
            info = _seen.get(keys[k]) if k >= 0 and keys[k][1] > sp["start"] else None
            if info is None:
                counts["not ranked"] += 1
                continue
            gold = lenient[q["speaker"]]

            def ok(ns: list[str], gold: set[str] = gold) -> bool:
                return any(scorer.lenient_ok(scorer.norm_name(n), gold) for n in ns if n)
            counts["ranked"] += 1
            if ok(info["cands"]):
                counts["gold a candidate"] += 1
                continue
            where = next(p for p in PLACES if p == "nowhere" or ok(info[p]))
            counts["miss:" + where] += 1
            counts[f"miss-reason:{info['reason']}"] += 1
        total.update(counts)
        print(f"{novel}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    ranked = max(1, total["ranked"])
    print(f"\nall: ranked {total['ranked']} (not ranked {total['not ranked']}), gold a candidate "
          f"{total['gold a candidate']} ({100.0 * total['gold a candidate'] / ranked:.1f}%)")
    for p in PLACES:
        print(f"  gold missing, found in {p:22s} {total['miss:' + p]:6d}")
    for k, v in sorted(total.items()):
        if k.startswith("miss-reason:"):
            print(f"  missing, rule reason {k[12:]:14s} {v:6d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
