"""Helpers shared by the attribution tests: speakers of a small text, and bench/fit_ranker.py as a module."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from audiobook.attribution.attribute import attribute
from audiobook.attribution.scene import is_scene_break
from audiobook.model import Character, Paragraph

BENCH = Path(__file__).resolve().parents[1] / "bench"


def run(text: str) -> tuple[list[str | None], dict[str, Character]]:
    """Speakers of the dialogue segments in order, and the cast by name."""
    paras = [Paragraph(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]
    segs, chars = attribute(text, paras)
    return [s.speaker for s in segs if s.kind == "dialogue"], {c.name: c for c in chars}


def paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated paragraphs numbered by scene as the reader numbers them: a scene-break line ("* * *")
    is no paragraph, and the paragraphs after it are the next scene."""
    out: list[Paragraph] = []
    scene = 0
    for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text):
        if is_scene_break(m.group()):
            scene += 1
        else:
            out.append(Paragraph(m.start(), m.end(), scene))
    return out


def fit_ranker() -> ModuleType:
    """bench/fit_ranker.py loaded as the module `fit_ranker` (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("fit_ranker", BENCH / "fit_ranker.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fit_ranker"] = mod
    spec.loader.exec_module(mod)
    return mod
