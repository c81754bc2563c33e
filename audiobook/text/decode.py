"""Bytes to text: which codec a file is in, decoding it, and the one-line errors for bytes that are not text.

A BOM (or NUL-interleaved bytes) names the encoding; otherwise a file is UTF-8, else Windows-1252 if its
bytes look like text. A file that is UTF-8 but for a few bytes is read as UTF-8, those bytes as the
Windows-1252 characters they stand for, with a warning naming each (see `MIXED`): never as mojibake.
Decoded text has CRLF and CR line endings normalised to "\\n" and stray C1 controls mapped to the
Windows-1252 characters they stand for (one character for one, so offsets hold).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from audiobook.errors import InputError

# Bytes that never occur in text: C0 controls other than tab, newline, vertical tab, form feed and
# carriage return, plus DEL. (0x1A, the DOS end-of-file mark, is allowed only as the last byte.)
BINARY_BYTE = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
BINARY_CHAR = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Codecs with one byte per character (a character's byte length need not be computed).
SINGLE_BYTE = ("cp1252", "latin-1", "iso8859-1", "ascii")


@dataclass(frozen=True)
class Mixed:
    """When a file that is not valid UTF-8 is still read as UTF-8 (heuristics as data)."""

    # The share of its non-ASCII characters that must decode as UTF-8. A Windows-1252 file has next to
    # none (only an accented capital followed by a curly quote or a dash happens to be UTF-8); a UTF-8
    # file with a few stray bytes, or a pasted Windows paragraph, nearly all.
    utf8_share: float = 0.1
    named: int = 10  # bad bytes the warning names with their offsets; the rest are counted


MIXED = Mixed()

# Decoding UTF-8 with "surrogateescape" turns each byte that is not UTF-8 into one lone surrogate
# (U+DC80-U+DCFF) and encodes back to the very same byte, so byte offsets can still be computed from
# the decoded text. Lead bytes of multi-byte UTF-8 characters (counted to tell UTF-8 from Windows-1252).
ESCAPED = "surrogateescape"
_UTF8_LEADS = bytes(range(0xC2, 0xF5))
_ESCAPE = re.compile("[\udc80-\udcff]")

# C1 control characters in decoded text are Windows-1252 punctuation that was mis-converted on its way
# to UTF-8 ("\x93" for a curly quote): map them back (one character for one, so offsets hold). An escaped
# byte that was not UTF-8 becomes the Windows-1252 character it stands for (U+FFFD if none).
_STRAY = re.compile("[\x80-\x9f\udc80-\udcff]")
_STRAY_TABLE = {c: bytes([c]).decode("cp1252", errors="replace").replace("\ufffd", " ") for c in range(0x80, 0xA0)}
_STRAY_TABLE.update({0xDC00 + b: bytes([b]).decode("cp1252", errors="replace") for b in range(0x80, 0x100)})


def normalise_newlines(text: str) -> str:
    """CRLF and CR become LF."""
    # str.replace returns the very same object when there is nothing to replace: no copy for LF files.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def fix_stray(text: str) -> str:
    """Stray C1 controls, and escaped bytes that were not UTF-8, become the Windows-1252 characters they stand for."""
    return text.translate(_STRAY_TABLE) if _STRAY.search(text) else text


def display_name(path: Path) -> str:
    """How a file is named in messages."""
    return str(path)


# ----------------------------------------------------------------------------------------------
# The errors


def binary_byte(name: str, byte: int, offset: int) -> InputError:
    return InputError(f"{name}: not a text file (binary byte 0x{byte:02x} at offset {offset})")


def binary_char(name: str, char: int, offset: int) -> InputError:
    return InputError(f"{name}: not a text file (binary character 0x{char:02x} at offset {offset})")


def not_valid(name: str, codec: str, byte: int, offset: int) -> InputError:
    return InputError(f"{name}: not valid {codec.upper()} (byte 0x{byte:02x} at offset {offset})")


def neither(name: str, byte: int, offset: int, first_non_utf8: int) -> InputError:
    return InputError(f"{name}: not a text file (byte 0x{byte:02x} at offset {offset} is neither UTF-8 "
                      f"nor Windows-1252; first non-UTF-8 byte at offset {first_non_utf8})")


# ----------------------------------------------------------------------------------------------
# Decoding


def detect(head: bytes) -> tuple[str, int]:
    """(codec, BOM length) the first bytes name: a BOM, or NUL-interleaved UTF-16; else ("utf-8", 0)."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    return _bomless_utf16(head) or "utf-8", 0


@dataclass
class BadBytes:
    """Bytes that are not UTF-8, tallied while a file is decoded as UTF-8 with escapes (see `ESCAPED`)."""

    listed: list[tuple[int, int]] = field(default_factory=list)  # (file offset, byte) of the first few
    count: int = 0
    leads: int = 0  # lead bytes of multi-byte UTF-8 characters, bad ones included

    def add_bytes(self, data: bytes) -> None:
        """Count the lead bytes in a stretch of the file."""
        self.leads += len(data) - len(data.translate(None, _UTF8_LEADS))

    def add_text(self, text: str, offset: int) -> None:
        """Tally the escaped bytes in decoded text whose first byte is at file `offset`."""
        if not _ESCAPE.search(text):
            return
        for m in _ESCAPE.finditer(text):
            byte = ord(m.group()) - 0xDC00
            self.count += 1
            self.leads -= 0xC2 <= byte < 0xF5
            if len(self.listed) < MIXED.named:
                self.listed.append((offset + len(text[:m.start()].encode("utf-8", ESCAPED)), byte))

    def utf8(self) -> bool:
        """Whether the file is UTF-8 with a few bad bytes, rather than Windows-1252 (see `Mixed`)."""
        return self.count == 0 or self.leads >= MIXED.utf8_share * (self.leads + self.count)

    def warning(self, name: str) -> str:
        """What to tell the user about the bad bytes of a file read as UTF-8."""
        if self.count == 1:
            (offset, byte), = self.listed
            char = bytes([byte]).decode("cp1252", errors="replace")
            return (f"{name}: byte 0x{byte:02x} at offset {offset} is not UTF-8: read as the Windows-1252 "
                    f"character {char!r}, the rest of the file as UTF-8")
        where = ", ".join(f"0x{b:02x} at offset {o}" for o, b in self.listed)
        if self.count > len(self.listed):
            where += f" and {self.count - len(self.listed)} more"
        return (f"{name}: {self.count} bytes are not UTF-8 ({where}): read as Windows-1252 characters, "
                "the rest of the file as UTF-8")


def _decode_raw(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Decode file bytes to text: BOM, else UTF-8 (with a few bad bytes), else Windows-1252 if the bytes look like text.

    Returns (text with its original line endings and escaped bad bytes, warnings). Raises InputError
    (naming the file and byte offset) for binary data or bytes that are neither UTF-8 nor Windows-1252.
    """
    codec, bom_len = detect(data)
    if bom_len or codec != "utf-8":
        # A BOM (or NUL-interleaved bytes) names the encoding: decode strictly, then look for controls.
        try:
            text = data[bom_len:].decode(codec)
        except UnicodeDecodeError as exc:
            raise not_valid(name, codec, data[bom_len + exc.start], bom_len + exc.start) from None
        c = BINARY_CHAR.search(text)
        if c:
            raise binary_char(name, ord(c.group()), bom_len + len(text[:c.start()].encode(codec)))
        return text, ()
    body = data[:-1] if data.endswith(b"\x1a") else data
    b = BINARY_BYTE.search(body)
    if b:
        raise binary_byte(name, b.group()[0], b.start())
    try:
        return body.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = body.decode("utf-8", ESCAPED)
    bad = BadBytes()
    bad.add_bytes(body)
    bad.add_text(text, 0)
    if bad.utf8():
        return text, (bad.warning(name),)
    # Not UTF-8: Windows-1252 (a superset of Latin-1's printable characters) is the one
    # other encoding text editors commonly write. Its five undefined bytes mean "not text".
    try:
        return body.decode("cp1252"), ()
    except UnicodeDecodeError as exc2:
        raise neither(name, body[exc2.start], exc2.start, first_bad) from None


def decode_warned(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """`decode`, with the warnings about bytes that were not UTF-8 (see `BadBytes.warning`)."""
    text, warnings = _decode_raw(data, name)
    return fix_stray(normalise_newlines(text)), warnings


def decode(data: bytes, name: str) -> str:
    """Decode file bytes to text: BOM, else UTF-8 (a few bad bytes read as Windows-1252), else Windows-1252.

    Line endings are normalised to "\\n" and stray C1 controls (Windows-1252 punctuation mis-converted to
    UTF-8) mapped back. Raises InputError (naming the file and byte offset) for binary
    data or bytes that are neither UTF-8 nor Windows-1252.
    """
    return decode_warned(data, name)[0]


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes are plainly BOM-less UTF-16 (every other byte NUL)."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


# ----------------------------------------------------------------------------------------------
# Opening files


_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def open_input(path: Path) -> BinaryIO:
    """The file opened for reading, or an InputError saying in one line why it cannot be.

    Only a regular file is opened: a named pipe or a device would block or never end. The file is
    opened without blocking, then checked, so nothing can swap a pipe in between.
    """
    name = display_name(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise InputError(f"{name}: cannot read the file (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = next((f"is {kind}, not a file" for test, kind in _NOT_REGULAR if test(mode)), "not a regular file")
        raise InputError(f"{name}: {what}")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an InputError saying in one line why they cannot be read."""
    with open_input(path) as f:
        try:
            data = f.read()
        except OSError as exc:
            raise InputError(f"{display_name(path)}: cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{display_name(path)}: the file is empty")
    return data
