"""Bytes to text: which codec a file is in, decoding it, and the one-line errors for bytes that are not text.

A BOM (or NUL-interleaved bytes) names the encoding; otherwise a file is UTF-8, else Windows-1252 if its
bytes look like text. Decoded text has CRLF and CR line endings normalised to "\\n" and stray C1 controls
mapped to the Windows-1252 characters they stand for (one character for one, so offsets hold).
"""

from __future__ import annotations

import codecs
import re
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

# C1 control characters in decoded text are Windows-1252 punctuation that was mis-converted on its way
# to UTF-8 ("\x93" for a curly quote): map them back (one character for one, so offsets hold).
_C1 = re.compile("[\x80-\x9f]")
_C1_TABLE = {c: bytes([c]).decode("cp1252", errors="replace").replace("\ufffd", " ") for c in range(0x80, 0xA0)}


def normalise_newlines(text: str) -> str:
    """CRLF and CR become LF."""
    # str.replace returns the very same object when there is nothing to replace: no copy for LF files.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def fix_c1(text: str) -> str:
    """Stray C1 controls become the Windows-1252 characters they stand for."""
    return text.translate(_C1_TABLE) if _C1.search(text) else text


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


def _decode_raw(data: bytes, name: str) -> tuple[str, str, int]:
    """Decode file bytes to text: BOM, else strict UTF-8, else Windows-1252 if the bytes look like text.

    Returns (text with its original line endings, codec, BOM length in bytes). Raises InputError
    (naming the file and byte offset) for binary data or bytes that are neither UTF-8 nor Windows-1252.
    """
    text = ""
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
    else:
        body = data[:-1] if data.endswith(b"\x1a") else data
        b = BINARY_BYTE.search(body)
        if b:
            raise binary_byte(name, b.group()[0], b.start())
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Not UTF-8: Windows-1252 (a superset of Latin-1's printable characters) is the one
            # other encoding text editors commonly write. Its five undefined bytes mean "not text".
            try:
                text = body.decode("cp1252")
                codec = "cp1252"
            except UnicodeDecodeError as exc2:
                raise neither(name, body[exc2.start], exc2.start, exc.start) from None
    return text, codec, bom_len


def decode(data: bytes, name: str) -> str:
    """Decode file bytes to text: BOM, else strict UTF-8, else Windows-1252 if the bytes look like text.

    Line endings are normalised to "\\n" and stray C1 controls (Windows-1252 punctuation mis-converted to
    UTF-8) mapped back. Raises InputError (naming the file and byte offset) for binary
    data or bytes that are neither UTF-8 nor Windows-1252.
    """
    return fix_c1(normalise_newlines(_decode_raw(data, name)[0]))


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


def open_input(path: Path) -> BinaryIO:
    """The file opened for reading, or an InputError saying in one line why it cannot be."""
    name = display_name(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a file")
    try:
        return path.open("rb")
    except PermissionError:
        raise InputError(f"{name}: cannot read the file (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None


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
