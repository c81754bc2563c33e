"""The Xing "Info" frame with a LAME tag that starts every MP3 we write: exact length, CBR, delay and padding.

Players and podcast apps take a file's duration and seek positions from this frame; without it they
estimate from the bitrate. It is the first MP3 frame of the file, a frame of silence to a decoder that
does not know it, holding (the layout LAME writes, described in LAME's `VbrTag.c` and the "Mp3 Info
Tag rev 1" specification): the number of audio frames and bytes, a seek table, then the LAME
extension with the encoder delay and padding that a gapless decoder trims, and two CRC-16s.
"""

from __future__ import annotations

import struct

import numpy as np

#: MPEG-2 layer III bitrates (kbit/s) by header index.
_BITRATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_SIDE_INFO = 9  # bytes of side information in an MPEG-2 mono frame: where the tag starts after the header
ENCODER_DELAY = 576  # what LAME declares; decoders add their own 529
_XING_BYTES = 4 + 4 + 4 + 4 + 100 + 4
_LAME_BYTES = 36
_TAG_END = 4 + _SIDE_INFO + _XING_BYTES + _LAME_BYTES


def frame_size(header: bytes) -> int:
    """Bytes in the MPEG-2 layer III frame that starts with this 4-byte header (22.05 kHz)."""
    kbps = _BITRATES[header[2] >> 4]
    return 72_000 * kbps // 22_050 + ((header[2] >> 1) & 1)


def count_frames(data: bytes) -> int:
    """How many MP3 frames `data` holds, checking that it is whole frames and nothing else."""
    n = at = 0
    while at < len(data):
        if data[at] != 0xFF or (data[at + 1] & 0xF6) != 0xF2:
            raise ValueError(f"no MPEG-2 layer III frame at byte {at}")
        at += frame_size(data[at:at + 4])
        n += 1
    if at != len(data):
        raise ValueError("the data ends inside a frame")
    return n


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE: list[list[int]] = []
#: _SHIFTS[k]: (low, high) tables giving the register after 2**k zero bytes, from its low and high byte.
_SHIFTS: list[tuple[list[int], list[int]]] = []


def _table() -> list[int]:
    if not _TABLE:
        _TABLE.append(_crc_table())
    return _TABLE[0]


def _shift(crc: int, zeros: int) -> int:
    """The register after `zeros` zero bytes: the CRC is linear, so by tables for each power of two."""
    if not _SHIFTS:
        _SHIFTS.append(_one_zero_byte())
        for _ in range(40):
            low, high = _SHIFTS[-1]

            def twice(x: int, low: list[int] = low, high: list[int] = high) -> int:
                x = low[x & 0xFF] ^ high[x >> 8]
                return low[x & 0xFF] ^ high[x >> 8]

            _SHIFTS.append(([twice(b) for b in range(256)], [twice(b << 8) for b in range(256)]))
    k = 0
    while zeros:
        if zeros & 1:
            low, high = _SHIFTS[k]
            crc = low[crc & 0xFF] ^ high[crc >> 8]
        zeros >>= 1
        k += 1
    return crc


def _one_zero_byte() -> tuple[list[int], list[int]]:
    table = _table()

    def step(x: int) -> int:
        return table[x & 0xFF] ^ (x >> 8)

    return [step(b) for b in range(256)], [step(b << 8) for b in range(256)]


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16 (polynomial 0x8005, reflected, initial 0: what LAME's tag uses) of `data`, continuing from `crc`.

    Fast for megabytes: the CRC is linear, so the data is cut into equal chunks whose registers are
    computed side by side with numpy, then combined chunk after chunk.
    """
    n = len(data)
    chunk = max(16, int(n ** 0.5))
    whole = n // chunk * chunk
    table = _table()
    if whole:
        np_table = np.array(table, dtype=np.uint32)
        chunks = np.ascontiguousarray(np.frombuffer(data, dtype=np.uint8, count=whole).reshape(-1, chunk).T)
        crcs = np.zeros(chunks.shape[1], dtype=np.uint32)
        for column in chunks:  # every chunk's register, side by side, from zero
            crcs = np_table[(crcs ^ column) & 0xFF] ^ (crcs >> 8)
        for c in crcs.tolist():
            crc = _shift(crc, chunk) ^ c
    for b in data[whole:]:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def crc16_combine(first: int, second: int, second_length: int) -> int:
    """The CRC of A + B from the CRC of A, the CRC of B (from 0) and B's length."""
    return _shift(first, second_length) ^ second


class Crc16:
    """A running CRC-16 fed in pieces, summed a few megabytes at a time (numpy's per-call cost is then nothing)."""

    BATCH = 128 << 10

    def __init__(self) -> None:
        self._crc = 0
        self._pending: list[bytes] = []
        self._size = 0

    def update(self, data: bytes) -> None:
        """Feed more bytes."""
        self._pending.append(data)
        self._size += len(data)
        if self._size >= self.BATCH:
            self._flush()

    @property
    def value(self) -> int:
        """The CRC of everything fed so far."""
        self._flush()
        return self._crc

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending, self._size = [], 0
            self._crc = crc16(data, self._crc)


def info_frame(first_header: bytes, frames: int, audio_bytes: int, music_crc: int, padding: int,
               delay: int = ENCODER_DELAY, encoder: str = "LAME3.100") -> bytes:
    """The Info frame for a CBR stream of `frames` frames and `audio_bytes` bytes that starts with `first_header`.

    `padding` is the samples a gapless decoder drops at the end (LAME's convention: the decoder's 529
    included), `delay` those it drops at the start (its own 529 added by the decoder).
    """
    header = bytearray(first_header[:4])
    header[2] &= ~0x02  # no padding slot
    size = frame_size(bytes(header))
    if size < _TAG_END:  # a low bitrate's frame is too small for the tag: the frame is written at 64 kbit/s
        header[2] = (header[2] & 0x0F) | (_BITRATES.index(64) << 4)
        size = frame_size(bytes(header))
    total = size + audio_bytes
    toc = bytes(min(255, i * 256 // 100) for i in range(100))  # CBR: positions are proportional
    xing = b"Info" + struct.pack(">IIII", 0x0F, frames, total, 0)[:12] + toc + struct.pack(">I", 0)
    kbps = _BITRATES[first_header[2] >> 4]
    lame = bytearray(encoder.encode("ascii")[:9].ljust(9, b" "))
    lame += bytes([0x01])  # tag revision 0, VBR method 1: constant bitrate
    lame += bytes([0])  # lowpass / 100 Hz: not recorded
    lame += bytes(8)  # ReplayGain: peak and two gains, none
    lame += bytes([0])  # encoding flags and ATH type
    lame += bytes([min(255, kbps)])  # the CBR bitrate
    lame += bytes([delay >> 4, ((delay & 0x0F) << 4) | (padding >> 8), padding & 0xFF])
    lame += bytes([0])  # misc: noise shaping, stereo mode, unwise settings, source rate 32-48 kHz... all 0
    lame += bytes([0])  # MP3 gain
    lame += bytes(2)  # preset and surround
    lame += struct.pack(">I", total)  # music length: the Info frame and all audio frames
    lame += struct.pack(">H", music_crc)
    frame = bytes(header) + bytes(_SIDE_INFO) + xing + bytes(lame)
    frame += struct.pack(">H", crc16(frame))  # CRC of the first 190 bytes of the frame
    return frame + bytes(size - len(frame))
