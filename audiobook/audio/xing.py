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


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[byte] = crc
    return table


_TABLE: list[np.ndarray] = []
_CHUNK = 1024


def _table() -> np.ndarray:
    if not _TABLE:
        _TABLE.append(_crc_table())
    return _TABLE[0]


def _advance(crc: int, zeros: int) -> int:
    """The register after `zeros` zero bytes (a short loop: used once per chunk)."""
    table = _table()
    for _ in range(zeros):
        crc = int(table[crc & 0xFF]) ^ (crc >> 8)
    return crc


class Crc16:
    """CRC-16 (polynomial 0x8005, reflected, as LAME's tag uses), fed in pieces of any size.

    Whole megabytes are summed quickly: the CRC is linear, so the data is cut into equal chunks whose
    CRCs are computed side by side with numpy, then combined chunk after chunk.
    """

    def __init__(self) -> None:
        self.value = 0
        self._shift: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _shifter(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        # The register after n zero bytes is linear in the register: two 256-entry tables (low, high byte).
        if n not in self._shift:
            low = np.array([_advance(b, n) for b in range(256)], dtype=np.uint32)
            high = np.array([_advance(b << 8, n) for b in range(256)], dtype=np.uint32)
            self._shift[n] = (low, high)
        return self._shift[n]

    def _shift_by(self, crc: int, n: int) -> int:
        low, high = self._shifter(n)
        return int(low[crc & 0xFF] ^ high[crc >> 8])

    def update(self, data: bytes) -> None:
        """Feed more bytes."""
        whole = len(data) // _CHUNK * _CHUNK
        if whole:
            table = _table()
            chunks = np.frombuffer(data[:whole], dtype=np.uint8).reshape(-1, _CHUNK)
            crcs = np.zeros(len(chunks), dtype=np.uint32)
            for col in range(_CHUNK):  # every chunk's register, side by side, from zero
                crcs = table[(crcs ^ chunks[:, col]) & 0xFF] ^ (crcs >> 8)
            crc = self.value
            for c in crcs.tolist():
                crc = self._shift_by(crc, _CHUNK) ^ c
            self.value = crc
        table = _table()
        crc = self.value
        for b in data[whole:]:
            crc = int(table[(crc ^ b) & 0xFF]) ^ (crc >> 8)
        self.value = crc


def crc16(data: bytes) -> int:
    """The CRC-16 of `data` in one call."""
    c = Crc16()
    c.update(data)
    return c.value


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
