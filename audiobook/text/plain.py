"""Plain text, streamed: the file is read in chunks, twice (shape, then units), never whole.

The first pass decides the codec (UTF-8, else Windows-1252, unless a BOM names one) and measures the text's
`Shape`; the second lexes it into units, keeping compact arrays; the outline is made from those, and each
chapter is laid out (and its text read back from the file) only when it is asked for.
"""

from __future__ import annotations

import bisect
import codecs
import os
import re
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, overload

from audiobook.errors import InputError
from audiobook.model import ChapterLayout, Layout

from .decode import (
    BINARY_BYTE,
    BINARY_CHAR,
    ESCAPED,
    SINGLE_BYTE,
    BadBytes,
    binary_byte,
    binary_char,
    decode,
    detect,
    display_name,
    fix_stray,
    neither,
    normalise_newlines,
    not_valid,
    open_input,
    read_bytes,
)
from .document import Document
from .structure import Lexer, Outline, SectionFilter, Shape, ShapeScan, Unit, is_plain, lay_out_chapter, outline

_CHUNK = 1 << 18  # 256 KB of bytes (up to 1 MB decoded) in memory at a time
_EOL = re.compile(r"\r\n|\r|\n")


class _Plain:
    """How a plain-text file is decoded: its codec, BOM length and how many bytes of it are text."""

    def __init__(self, path: Path) -> None:
        name = display_name(path)
        with open_input(path) as f:
            try:
                st = os.fstat(f.fileno())
                head = f.read(4096)
                f.seek(max(0, st.st_size - 1))
                last = f.read(1)
            except OSError as exc:
                raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
        if st.st_size == 0:
            raise InputError(f"{name}: the file is empty")
        self.path, self.name = path, name
        self.stamp = (st.st_size, st.st_mtime_ns)
        self.codec, self.bom = detect(head)
        # A BOM (or NUL-interleaved bytes) names the encoding; otherwise UTF-8, else Windows-1252,
        # decided by a first pass. The DOS end-of-file mark (0x1A) may end a file that has neither.
        self.named = self.bom > 0 or self.codec != "utf-8"
        self.size = st.st_size - (1 if not self.named and last == b"\x1a" else 0)
        self.single = codecs.lookup(self.codec).name in SINGLE_BYTE
        # UTF-8 is decoded with escapes: a few bytes that are not UTF-8 do not make the file Windows-1252.
        self.errors = "strict" if self.named else ESCAPED
        self.tally: BadBytes | None = None  # bad bytes, counted on the first pass
        self.warnings: tuple[str, ...] = ()
        self.first_non_utf8 = -1  # set when the first pass finds the file is not UTF-8

    def lines(self) -> Iterator[tuple[int, int, str]]:
        """(text offset, byte offset, raw line) of every line, decoded chunk by chunk (see `decode`).

        Offsets index the newline-normalised text; the raw line is as decoded (before stray characters are
        mapped), so its encoded length is its length in the file. Raises InputError as `decode` does.
        """
        codec, errors, single, tally = self.codec, self.errors, self.single, self.tally
        nl_bytes = len("\n".encode(codec))
        decoder = codecs.getincrementaldecoder(codec)(errors)
        control: tuple[int, int] | None = None  # (byte offset, char) of the first control character
        text_pos, byte_pos = 0, self.bom
        buf = ""
        for pos, chunk in self._chunks():
            final = not chunk
            if tally is not None:
                tally.add_bytes(chunk)
            pending = len(decoder.getstate()[0])
            try:
                buf += decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                raise _BadBytes(pos - pending + exc.start, exc.object[exc.start]) from None
            cut = len(buf) if final else (len(buf) - 1 if buf.endswith("\r") else len(buf))
            start = 0
            for m in _EOL.finditer(buf, 0, cut):
                raw = buf[start:m.start()]
                if self.named and control is None:
                    control = self._control(raw, byte_pos)
                if tally is not None:
                    tally.add_text(raw, byte_pos)
                yield text_pos, byte_pos, raw
                text_pos += len(raw) + 1
                byte_pos += (len(raw) if single else len(raw.encode(codec, errors))) + nl_bytes * len(m.group())
                start = m.end()
            buf = buf[start:]
        if self.named and control is None:
            control = self._control(buf, byte_pos)
        if control is not None:
            raise binary_char(self.name, control[1], control[0])
        if tally is not None:
            tally.add_text(buf, byte_pos)
        yield text_pos, byte_pos, buf

    def _chunks(self) -> Iterator[tuple[int, bytes]]:
        """(file offset, bytes) of the text in chunks, then (size, b"") at the end; binary bytes refused."""
        with self._open() as f:
            f.seek(self.bom)
            pos = self.bom
            while True:
                chunk = f.read(min(_CHUNK, self.size - pos)) if pos < self.size else b""
                if not self.named:
                    b = BINARY_BYTE.search(chunk)
                    if b:
                        raise binary_byte(self.name, b.group()[0], pos + b.start())
                yield pos, chunk
                if not chunk:
                    return
                pos += len(chunk)

    def _control(self, raw: str, byte_pos: int) -> tuple[int, int] | None:
        """(byte offset, character) of the first control character in a decoded line, if any."""
        c = BINARY_CHAR.search(raw)
        return (byte_pos + len(raw[:c.start()].encode(self.codec)), ord(c.group())) if c else None

    def checked_lines(self) -> Iterator[tuple[int, int, str]]:
        """`lines` on the first pass, which decides between UTF-8 (bad bytes warned) and Windows-1252."""
        self.tally = BadBytes() if self.errors == ESCAPED else None
        try:
            yield from self.lines()
        except _BadBytes as bad:
            if self.named:
                raise not_valid(self.name, self.codec, bad.byte, bad.offset) from None
            raise neither(self.name, bad.byte, bad.offset, self.first_non_utf8) from None
        tally, self.tally = self.tally, None
        if tally is None or tally.count == 0:
            return
        if tally.utf8():
            self.warnings = (tally.warning(self.name),)
            return
        # Not UTF-8: Windows-1252 (a superset of Latin-1's printable characters) is the one other
        # encoding text editors commonly write. Its five undefined bytes mean "not text".
        self.first_non_utf8 = tally.listed[0][0]
        self.codec, self.errors, self.single = "cp1252", "strict", True
        raise _Restart

    def _open(self) -> BinaryIO:
        try:
            st = self.path.stat()
            if (st.st_size, st.st_mtime_ns) != self.stamp:
                raise InputError(f"{self.name}: the file changed while it was being read")
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(f"{self.name}: cannot read the file ({exc.strerror or exc})") from None

    def read(self, b0: int, b1: int, length: int) -> str:
        """The normalised text of bytes [b0, b1), which must be `length` characters long."""
        text = fix_stray(normalise_newlines(self.raw(b0, b1)))
        if len(text) != length:
            raise InputError(f"{self.name}: the file changed while it was being read")
        return text

    def raw(self, b0: int, b1: int) -> str:
        """Bytes [b0, b1) decoded, line endings as they are (b0 and b1 must fall between characters)."""
        with self._open() as f:
            f.seek(b0)
            data = f.read(b1 - b0)
        try:
            text: str = data.decode(self.codec, self.errors)
            return text
        except UnicodeDecodeError:
            raise InputError(f"{self.name}: the file changed while it was being read") from None

    def byte_len(self, s: str) -> int:
        return len(s) if self.single else len(s.encode(self.codec, self.errors))


class _BadBytes(Exception):
    """Bytes the codec cannot decode, at a file offset."""

    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(offset, byte)
        self.offset, self.byte = offset, byte


class _Restart(Exception):
    """The first pass found the file is not UTF-8: start again as Windows-1252."""




class _UnitIndex(Sequence[Unit]):
    """Every unit of a streamed file in compact arrays (13 bytes a paragraph), held while the outline is built.

    The text of the units `outline` looks at (those not plain) is kept; any other span is read back
    from the file when asked for (see `_FileText`), its byte offsets found from a checkpoint (the
    byte offset of every 64th unit's line) by decoding forward.
    """

    _EVERY = 64

    def __init__(self, plain: _Plain) -> None:
        code = "q" if plain.size >= 2**31 - 1 else "i"
        self._plain = plain
        self.starts, self.ends, self.leads = array(code), array(code), array(code)
        self.flags = bytearray()  # 1: scene break, 2: plain
        self.kept: dict[int, str] = {}
        self._cp_text, self._cp_byte = array("q", [0]), array("q", [plain.bom])

    def add(self, unit: Unit, text: str, line_byte: int, first_line_heading: bool) -> None:
        """Record a unit; `line_byte` is the byte offset of its first line."""
        if len(self.starts) % self._EVERY == 0 and unit.start - unit.lead > self._cp_text[-1]:
            self._cp_text.append(unit.start - unit.lead)
            self._cp_byte.append(line_byte)
        self.starts.append(unit.start)
        self.ends.append(unit.end)
        self.leads.append(unit.lead)
        plain = not unit.scene and is_plain(text, first_line_heading)
        self.flags.append(unit.scene | (plain << 1))
        if not plain:
            self.kept[unit.start] = text

    def finish(self, text_end: int, byte_end: int) -> None:
        """Record where the text ends (the last checkpoint)."""
        self._cp_text.append(text_end)
        self._cp_byte.append(byte_end)

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, i: int) -> Unit: ...

    @overload
    def __getitem__(self, i: slice) -> list[Unit]: ...

    def __getitem__(self, i: int | slice) -> Unit | list[Unit]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        f = self.flags[i]
        return Unit(self.starts[i], self.ends[i], bool(f & 1), bool(f & 2), self.leads[i])

    def byte_at(self, offset: int) -> int:
        """The byte offset in the file of a text offset."""
        k = bisect.bisect_right(self._cp_text, offset) - 1
        base_text, base_byte = self._cp_text[k], self._cp_byte[k]
        if offset == base_text:
            return base_byte
        end_byte = self._cp_byte[k + 1] if k + 1 < len(self._cp_byte) else self._plain.size
        raw = self._plain.raw(base_byte, end_byte)
        # Normalised text counts a CRLF as one character: find the raw index of the offset.
        i = done = 0
        want = offset - base_text
        while True:
            j = raw.find("\r\n", i)
            if j < 0 or done + (j - i) >= want:
                return base_byte + self._plain.byte_len(raw[:i + want - done])
            done += j - i + 1
            i = j + 2


class _FileText:
    """The text of a streamed file as `structure.outline` reads it: kept unit texts, other spans read back."""

    def __init__(self, plain: _Plain, index: _UnitIndex) -> None:
        self._plain, self._index = plain, index

    def __getitem__(self, span: slice) -> str:
        a, b = span.start, span.stop
        if b <= a:
            return ""
        idx = self._index
        kept = idx.kept.get(a)
        if kept is not None and b - a <= len(kept):
            return kept[:b - a]
        return self._plain.read(idx.byte_at(a), idx.byte_at(b), b - a)

    def count(self, sub: str, start: int, end: int) -> int:
        return self[start:end].count(sub)


def _index_units(plain: _Plain, shape: Shape) -> _UnitIndex:
    """The second pass: lex the streamed lines into units."""
    index = _UnitIndex(plain)
    lexer = Lexer(shape)
    offset = byte = 0
    raw = ""
    for offset, byte, raw in plain.lines():
        for unit, text, (_, line_byte), _, heading in lexer.feed(offset, fix_stray(raw), (offset, byte)):
            index.add(unit, text, line_byte, heading)
    for unit, text, (_, line_byte), _, heading in lexer.close():
        index.add(unit, text, line_byte, heading)
    index.finish(offset + len(raw), byte + plain.byte_len(raw))
    return index


def open_plain(path: Path, read: SectionFilter | None, default_title: str) -> Document:
    """Open a plain-text file without ever holding all of it: two streamed passes, then chapters on demand."""
    plain = _Plain(path)
    while True:
        try:
            scan = ShapeScan()
            nonblank = False
            for _, _, raw in plain.checked_lines():
                line = fix_stray(raw)
                scan.add(line)
                nonblank = nonblank or bool(line.strip())
            break
        except _Restart:
            continue
    if not nonblank:
        raise InputError(f"{plain.name}: the file is empty")
    shape = scan.shape()
    index = _index_units(plain, shape)
    book = outline(_FileText(plain, index), index, shape, read=read, default_title=default_title)
    spans = {x for ch in book.chapters for x in (ch.start, ch.end) + (ch.body or ())}
    byte_offsets = {x: index.byte_at(x) for x in spans}
    del index  # the per-paragraph index is not needed once the outline is made
    return Document(path, Layout(chapters=_Chapters(book, plain, byte_offsets), title=book.title,
                                 author=book.author, summary=book.summary, front=book.front,
                                 warnings=plain.warnings),
                    source=_Source(plain, byte_offsets))


class _Source:
    """Where a plain-text document's chapters lie in the file, so they can be re-read on demand."""

    def __init__(self, plain: _Plain, byte_offsets: dict[int, int]) -> None:
        self._plain = plain
        self._bytes = byte_offsets  # text offset of every chapter start/end -> byte offset in the file

    def whole(self) -> str:
        return decode(read_bytes(self._plain.path), self._plain.name)

    def span(self, start: int, end: int) -> str:
        b0, b1 = self._bytes.get(start), self._bytes.get(end)
        if b0 is None or b1 is None:  # a span the layout did not produce: decode everything
            return self.whole()[start:end]
        return self._plain.read(b0, b1, end - start)


class _Chapters(Sequence[ChapterLayout]):
    """A streamed file's chapters, each laid out from the file when asked for (nothing is kept)."""

    def __init__(self, book: Outline, plain: _Plain, byte_offsets: dict[int, int]) -> None:
        self._book, self._plain, self._bytes = book, plain, byte_offsets

    def __len__(self) -> int:
        return len(self._book.chapters)

    @overload
    def __getitem__(self, i: int) -> ChapterLayout: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[ChapterLayout, ...]: ...

    def __getitem__(self, i: int | slice) -> ChapterLayout | tuple[ChapterLayout, ...]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        plan = self._book.chapters[i]
        body = ""
        if plan.body is not None:
            b0, b1 = plan.body
            body = self._plain.read(self._bytes[b0], self._bytes[b1], b1 - b0)
        return lay_out_chapter(self._book, plan, body)

    def __repr__(self) -> str:
        return f"<{len(self)} chapters of {self._plain.name}, laid out when read>"


# ----------------------------------------------------------------------------------------------
