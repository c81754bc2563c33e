"""voices.yaml's `skip:` applied to the structure layer: which labelled sections are read aloud."""

from __future__ import annotations

from collections.abc import Collection

from ..model import Section
from .structure import NEVER_READ, SectionFilter, read_everything

#: The `skip:` entries of voices.yaml: kinds of section outside the story, none read aloud by default.
SKIPPABLE = ("summary", "author's note", "disclaimer", "rating", "front matter")

#: Structure labels (structure.py) and the `skip:` entry that governs each; anything else
#: outside the story (notes such as "Warnings:", a table of contents, a licence) is "front matter".
LABEL_KEYS = {"summary": "summary", "author's note": "author's note", "disclaimer": "disclaimer", "rating": "rating"}


def skip_key(label: str) -> str:
    """The `skip:` entry that decides whether a section with this structure label is read."""
    return LABEL_KEYS.get(label, "front matter")


def reading(skip: Collection[str], *, include_front_matter: bool = False) -> SectionFilter | None:
    """The section filter for a `skip:` list: None when it skips everything skippable (the default)."""
    if include_front_matter or not skip:
        return read_everything
    if set(skip) >= set(SKIPPABLE):
        return None
    skipped = frozenset(skip)

    def read(section: Section, inside_chapter: bool) -> bool:
        return section.label not in NEVER_READ and skip_key(section.label) not in skipped

    return read


__all__ = ["reading", "skip_key", "LABEL_KEYS", "SKIPPABLE"]
