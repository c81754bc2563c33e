"""Find quoted speech inside paragraphs: pick the text's dialogue convention, then split each paragraph."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Convention = Literal["double", "single", "guillemets", "reversed", "dash"]
PartKind = Literal["narration", "dialogue"]

#: Words that begin with an apostrophe but are not an opening single quote ('em, 'til...).
ELISIONS = frozenset(
    """em til tis twas twere twill twould cause cos coz bout round n nother cept fore neath nough
    scuse specially spose sposed un uns im er ere e ave ad is ow ome old alf appen ope eard ear
    tain taint gainst mongst midst twixt kay course owt nowt""".split()
)

_DASH_START = re.compile(r"\s*(?:[\u2014\u2013\u2015]|--)")
# A dash that separates speech from narration: whitespace or punctuation on at least one side.
_DASH_TOKEN = re.compile(r"(?:[\u2014\u2013\u2015]|--+)")
_ALNUM = re.compile(r"[^\W_]")
_DOUBLE_MARK = re.compile("[\"\u201c\u201d\u201e]")  # a double quotation mark, straight or curly


@dataclass(frozen=True)
class Part:
    """A piece of one paragraph: [start, end) offsets into the chapter text (marks excluded)."""

    kind: PartKind
    start: int
    end: int
    closed: bool = True  # dialogue only: its closing mark was found inside the paragraph


def detect_convention(text: str) -> Convention:
    """Guess how this text marks dialogue, so one convention is used for the whole text."""
    double = len(re.findall("[\"\u201c\u201d\u201e]", text))
    opens = 0
    # an opening mark at the start or after a space, bracket or dash (the mark first, so it is searched for alone)
    for m in re.finditer(r"['\u2018](?<![^\s(\[\u2014\u2013-]['\u2018])([^\W\d_]+)", text):
        if m.group(1).lower() not in ELISIONS:
            opens += 1
    closes = len(re.findall(r"[,.!?\u2026\u2014-]['\u2019](?=\s|$)", text))
    single = 2 * min(opens, closes)
    guil = len(re.findall("[\u00ab\u00bb]", text))
    dash = 2 * len(re.findall(r"(?m)^[ \t]*(?:[\u2014\u2013\u2015]|--)[ \t]*\S", text))
    best = max(("double", double), ("single", single), ("guillemets", guil), ("dash", dash),
               key=lambda kv: kv[1])
    if best[1] == 0:
        return "double"
    if best[0] == "guillemets":
        fwd = len(re.findall(r"(?:^|(?<=\s))\u00ab", text)) + len(re.findall(r"\u00bb(?=\s|$|[,.!?;:])", text))
        rev = len(re.findall(r"(?:^|(?<=\s))\u00bb", text)) + len(re.findall(r"\u00ab(?=\s|$|[,.!?;:])", text))
        return "reversed" if rev > fwd else "guillemets"
    return best[0]  # type: ignore[return-value]


def split_paragraph(text: str, start: int, end: int, convention: Convention, *,
                    open_before: bool = False) -> list[Part]:
    """Cut text[start:end] into narration and dialogue parts (offsets into text), marks left out.

    open_before: the previous paragraph ended inside a quote; if this one begins without an opening mark
    but soon shows a closing one, its first words are the end of that speech (a paragraph broken mid-quote).
    """
    para = text[start:end]
    if convention == "dash":
        spans = _dash_spans(para)
    elif convention == "single":
        spans = _single_spans(para)
    elif convention == "guillemets":
        spans = _pair_spans(para, "\u00ab", "\u00bb")
    elif convention == "reversed":
        spans = _pair_spans(para, "\u00bb", "\u00ab")
    else:
        spans = _double_spans(para, open_before)
    parts: list[Part] = []
    cursor = 0
    for qs, qe, mark_s, mark_e, closed in spans:
        _add(parts, para, start, "narration", cursor, mark_s, True)
        _add(parts, para, start, "dialogue", qs, qe, closed)
        cursor = mark_e
    _add(parts, para, start, "narration", cursor, len(para), True)
    return parts


def _add(parts: list[Part], para: str, base: int, kind: PartKind, s: int, e: int, closed: bool) -> None:
    """Append the stripped piece para[s:e] if it holds a word (pure punctuation is not speech)."""
    piece = para[s:e]
    if not _ALNUM.search(piece):
        return
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    parts.append(Part(kind, base + s + lead, base + s + trail, closed))


# Each span: (content start, content end, opening-mark start, closing-mark end, closed?)
Span = tuple[int, int, int, int, bool]


def _double_spans(p: str, open_before: bool = False) -> list[Span]:
    spans: list[Span] = []
    open_at = -1
    first = _DOUBLE_MARK.search(p)
    if open_before and first and first.start() > 0 and p[0] not in "\"\u201c\u201e":
        i = first.start()
        closing = p[i] == "\u201d" or (p[i] == '"' and not p[i - 1].isspace()
                                         and (i + 1 == len(p) or not p[i + 1].isalnum()))
        if closing:
            spans.append((0, i, 0, i + 1, True))
            p_from = i + 1
        else:
            p_from = 0
    else:
        p_from = 0
    for m in _DOUBLE_MARK.finditer(p, p_from):
        i, ch = m.start(), m.group()
        if open_at < 0:
            if ch == "\u201d":
                continue  # a stray closing mark outside a quote is left in the narration
            open_at = i
        elif ch in "\u201c\u201e":
            # a new opening mark while a quote is open: the earlier one was never closed
            spans.append((open_at + 1, i, open_at, i, False))
            open_at = i
        else:
            spans.append((open_at + 1, i, open_at, i + 1, True))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at + 1, len(p), open_at, len(p), False))
    return spans


def _pair_spans(p: str, opener: str, closer: str) -> list[Span]:
    spans: list[Span] = []
    open_at = -1
    for m in re.finditer(f"[{opener}{closer}]", p):
        i, ch = m.start(), m.group()
        if open_at < 0:
            if ch == opener:
                open_at = i
        elif ch == closer:
            spans.append((open_at + 1, i, open_at, i + 1, True))
            open_at = -1
        else:
            spans.append((open_at + 1, i, open_at, i, False))
            open_at = i
    if open_at >= 0:
        spans.append((open_at + 1, len(p), open_at, len(p), False))
    return spans


def _is_open_single(p: str, i: int, at_start: bool) -> bool:
    if p[i] not in "'\u2018":
        return False
    if i + 1 >= len(p) or p[i + 1].isspace():
        return False
    if i > 0 and not (p[i - 1].isspace() or p[i - 1] in "([{\"\u201c\u2014\u2013-"):
        return False
    if at_start:
        return True
    word = re.match(r"[^\W\d_]+", p[i + 1:])
    return not (word and word.group().lower() in ELISIONS)


def _is_close_single(p: str, i: int) -> bool:
    if p[i] not in "'\u2019":
        return False
    if i == 0 or p[i - 1].isspace():
        return False
    return i + 1 >= len(p) or not _ALNUM.match(p[i + 1])


def _weak_close(p: str, i: int) -> bool:
    """A closing candidate that may be an apostrophe (dogs' bones, goin' home)."""
    prev = p[i - 1]
    if not prev.isalpha():
        return False
    return prev in "sS" or p[max(0, i - 2):i] == "in"


def _single_spans(p: str) -> list[Span]:
    spans: list[Span] = []
    marks = [m.start() for m in re.finditer("['\u2018\u2019]", p)]
    k = 0
    first = len(p) - len(p.lstrip())
    while k < len(marks):
        i = marks[k]
        if not _is_open_single(p, i, i == first):
            k += 1
            continue
        chosen = None
        weak: list[int] = []
        for k2 in range(k + 1, len(marks)):
            j = marks[k2]
            if weak and _is_open_single(p, j, False):
                break  # a fresh opening after a possible close: take that close
            if _is_close_single(p, j):
                if _weak_close(p, j):
                    weak.append(k2)
                else:
                    chosen = k2
                    break
        if chosen is None and weak:
            chosen = weak[-1]
        if chosen is None:
            spans.append((i + 1, len(p), i, len(p), False))
            break
        j = marks[chosen]
        spans.append((i + 1, j, i, j + 1, True))
        k = chosen + 1
    return spans


def _dash_spans(p: str) -> list[Span]:
    m = _DASH_START.match(p)
    if not m:
        return []
    spans: list[Span] = []
    speech_from = m.end()
    mark_from = m.start() + (len(m.group()) - len(m.group().lstrip()))
    speaking = True
    for d in _DASH_TOKEN.finditer(p, m.end()):
        i, j = d.start(), d.end()
        before = p[i - 1] if i > 0 else " "
        after = p[j] if j < len(p) else " "
        if before.isalnum() and after.isalnum():
            continue  # a dash inside a word or a tight aside, not a speech boundary
        if speaking:
            spans.append((speech_from, i, mark_from, j, True))
        else:
            speech_from, mark_from = j, i
        speaking = not speaking
    if speaking:
        spans.append((speech_from, len(p), mark_from, len(p), True))
    return spans
