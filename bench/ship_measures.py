"""Measure the pip-shipped Kokoro pack's voices, and the blends casting offers of them, into the package.

Usage:  python bench/ship_measures.py [--check]

Writes audiobook/voices/measured.json: each voice id casting may give on the pip-shipped model and voice pack
(voices/measure.py's `neural_voices("kokoro")`: the pack's voices, the pair blends and the blends in CLARITY)
with its median F0 and timbre, measured here exactly as a first cast would measure them (each says
voices/measure.py's SAMPLE once), keyed by the model's and the voice pack's sha256, the measuring version and
the sample. A cast on those files then measures nothing. Prints how long the measuring took: the time a first
Kokoro cast took before the file existed. `--check` measures again and reports the largest differences from
the file instead of writing it (onnxruntime may differ in the last digits between machines).
Needs the `kokoro` extra; the user's own files ($AUDIOBOOK_KOKORO_MODEL/VOICES) are not used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = ap.parse_args()
    for name in ("AUDIOBOOK_KOKORO_MODEL", "AUDIOBOOK_KOKORO_VOICES", "AUDIOBOOK_KOKORO_FILES"):
        os.environ.pop(name, None)
    from audiobook.engines import get_engine, kokoro
    from audiobook.model import Voice
    from audiobook.voices import measure as m

    if not kokoro.available():
        sys.exit("the kokoro extra is not installed: pip install 'audiobook[kokoro]'")
    with tempfile.TemporaryDirectory(prefix="ship-measures-") as tmp:
        os.environ["AUDIOBOOK_CACHE_DIR"] = tmp  # nothing cached: every voice is measured now
        engine = get_engine("kokoro")
        model, voices = engine.identity()  # type: ignore[attr-defined]
        start = time.perf_counter()
        real = m.measure
        m.measure = lambda voice, cache=None, **_: real(voice, cache, use_shipped=False)  # type: ignore[assignment]
        ids, measured = m.neural_voices("kokoro")
        m.measure = real  # type: ignore[assignment]
        took = time.perf_counter() - start
    table = {
        "about": "Measured by python bench/ship_measures.py: median F0 (Hz) and mean mel-cepstrum of SAMPLE",
        "engine": "kokoro", "model": model, "voices": voices, "measure_version": m.MEASURE_VERSION,
        "sample": m.SAMPLE,
        "measured": {n.id: {"f0": n.f0, "timbre": list(n.timbre)} for n in sorted(measured, key=lambda n: n.id)},
    }
    print(f"measured {len(measured)} voices and blends ({len(ids)} offered) in {took:.1f} s")
    if args.check:
        old = json.loads(m.SHIPPED.read_text(encoding="utf-8"))["measured"]
        worst_f0 = max(abs(old[k]["f0"] - v["f0"]) for k, v in table["measured"].items())  # type: ignore[attr-defined]
        worst_t = max(max(abs(a - b) for a, b in zip(old[k]["timbre"], v["timbre"]))
                      for k, v in table["measured"].items())  # type: ignore[attr-defined]
        print(f"largest differences from {m.SHIPPED.name}: F0 {worst_f0:.2f} Hz, timbre {worst_t:.3f}")
        return
    m.SHIPPED.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    assert all(m.shipped(Voice(i, engine="kokoro"), engine) is not None for i in ids)
    print(f"wrote {m.SHIPPED.relative_to(REPO)}")


if __name__ == "__main__":
    main()
