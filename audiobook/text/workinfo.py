"""What a download's info page says about the work: labelled fields ("Fandom:", "Status:"...) into a WorkInfo.

AO3's preface (Rating, Archive Warnings, Fandoms, Relationships, Characters, Additional Tags, Language,
Series, Stats) and FanFicFare's title page (Category, Genre, Characters, Relationships, Status, Published,
Updated, Rating, Warnings, Chapters, Words, Publisher, Summary) name the same things differently: one table.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from audiobook.model import WorkInfo

#: Field label (lower case, without a trailing colon or plural s) -> WorkInfo field. Heuristics as data.
FIELDS = {
    "fandom": "fandoms", "category": "fandoms", "categorie": "fandoms",
    "relationship": "relationships", "pairing": "relationships", "ship": "relationships",
    "character": "characters",
    "rating": "rating", "rated": "rating",
    "archive warning": "warnings", "warning": "warnings",
    "additional tag": "tags", "genre": "tags", "freeform": "tags", "tag": "tags",
    "language": "language",
    "series": "series",
    "status": "status",
    "published": "published",
    "updated": "updated", "completed": "updated",
    "word": "words", "word count": "words",
    "chapter": "chapters",
    "publisher": "site", "site": "site",
    "story url": "url", "url": "url",
    "author": "authors",
}
#: Labels an info page has that say nothing a listener needs (kept as front matter, not metadata).
IGNORED = frozenset({"packaged", "collection", "stat", "summary", "description", "notes", "title", "story id",
                     "author url", "file format", "file extension", "downloader version", "extra tag", "review",
                     "fav", "follow", "id", "kudo", "bookmark", "hit", "comment"})

_LIST_FIELDS = frozenset(f.name for f in dataclasses.fields(WorkInfo) if f.type == "tuple[str, ...]")
# AO3's Stats line: "Published: 2021-03-01 Updated: 2021-04-01 Words: 12,345 Chapters: 3/5".
_STAT = re.compile(r"(Published|Updated|Completed|Words|Chapters):\s*(\S+)")


def field_for(label: str) -> str | None:
    """The WorkInfo field a label fills ("Fandoms:" -> "fandoms"), or None."""
    key = re.sub(r"\s+", " ", label.strip().rstrip(":").strip().lower())
    if key in FIELDS:
        return FIELDS[key]
    return FIELDS.get(key[:-1]) if key.endswith("s") else None


def known_label(label: str) -> bool:
    """Whether an info page's label is one this module knows (a field, or one to ignore)."""
    key = re.sub(r"\s+", " ", label.strip().rstrip(":").strip().lower())
    return field_for(key) is not None or key in IGNORED or key.rstrip("s") in IGNORED


def _words(value: str) -> int | None:
    digits = re.sub(r"[,.\s\u00a0]", "", value)
    return int(digits) if digits.isdigit() else None


def work_info(pairs: Iterable[tuple[str, Sequence[str]]], **known: object) -> WorkInfo:
    """A WorkInfo from (label, values) pairs as an info page lists them; `known` fields set directly."""
    values: dict[str, list[str]] = {}
    for label, items in pairs:
        if label.strip().rstrip(":").strip().lower() in ("stats", "stat"):
            for name, value in _STAT.findall(" ".join(items)):
                values.setdefault(field_for(name) or "", []).append(value)
            continue
        name = field_for(label)
        if name:
            values.setdefault(name, []).extend(v.strip() for v in items if v.strip())
    out: dict[str, object] = {}
    for name, got in values.items():
        if not name or not got:
            continue
        if name in _LIST_FIELDS:
            out[name] = tuple(dict.fromkeys(got))
        elif name == "words":
            out[name] = _words(got[0])
        else:
            out[name] = ", ".join(got)
    out.update({k: v for k, v in known.items() if v})
    return WorkInfo(**out)  # type: ignore[arg-type]


def split_values(value: str) -> list[str]:
    """A field's values as text gives them: "Harry P., Hermione G." -> two values."""
    return [v.strip() for v in re.split(r",\s+|;\s+", value) if v.strip()]


def info_lines(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(label, values) of each "Label: value" line whose label an info page uses; other lines are left out."""
    pairs = []
    for line in lines:
        m = re.match(r"^\s*([A-Z][\w '/-]{0,30}?):\s*(.*)$", line)
        if m and known_label(m.group(1)):
            pairs.append((m.group(1), split_values(m.group(2))))
    return pairs
