"""Hostile requests to `audiobook serve` (issue 16, items 3, 12, 13): always a status line, never an empty reply."""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from mutagen.id3 import ID3, TALB, TIT2, TPE1
from podcast_book import render_book

from audiobook.publish import serve
from audiobook.publish.feed import build_feed
from audiobook.publish.serve import BookServer, make_server, parse_range

BIG = "9" * 5000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered book, plus a chapter tagged with control characters the way renders before the fix did."""
    root = tmp_path_factory.mktemp("hostile-serve")
    book = render_book(root).chapters[0].path.parent
    poisoned = book / "03 - Poisoned.mp3"
    shutil.copyfile(book / "01 - Chapter 1 Lanterns.mp3", poisoned)
    tags = ID3(poisoned)
    tags.setall("TPE1", [TPE1(encoding=3, text="Ann\x0bSmith")])
    tags.setall("TALB", [TALB(encoding=3, text="The\x01Book")])
    tags.setall("TIT2", [TIT2(encoding=3, text="Poisoned\x1f")])
    tags.save(poisoned)
    (book / "blob.mp3").write_bytes(os.urandom(1 << 20))  # no MP3 at all: for the load test's ranges
    return book


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[BookServer]:
    srv = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(server: BookServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_3_a_folder_with_control_characters_in_old_tags_still_has_a_feed(server: BookServer, folder: Path) -> None:
    feed = feedparser.parse(build_feed(folder))
    assert not feed.bozo
    status, _, body = _get(server, "/feed.xml")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo and "Poisoned" in [e.title for e in feed.entries]
    assert _get(server, "/")[0] == 200


@pytest.mark.parametrize(("header", "status", "span"), [
    (f"bytes={BIG}-", 416, None),
    (f"bytes=0-{BIG}", 206, "all"),
    (f"bytes=-{BIG}", 206, "all"),
    (f"bytes={BIG}-{BIG}", 416, None),
    ("bytes=" + "0" * 5000 + "5-9", 206, (5, 9)),
])
def test_12_a_huge_range_header_is_answered(server: BookServer, folder: Path, header: str, status: int,
                                            span: object) -> None:
    data = (folder / "blob.mp3").read_bytes()
    got, headers, body = _get(server, "/blob.mp3", {"Range": header})
    assert got == status
    if status == 416:
        assert headers["content-range"] == f"bytes */{len(data)}"
    else:
        assert body == (data if span == "all" else data[5:10])


def test_12_parse_range_never_converts_thousands_of_digits() -> None:
    assert parse_range(f"bytes={BIG}-", 100) == "bad"
    assert parse_range(f"bytes=10-{BIG}", 100) == (10, 99)
    assert parse_range(f"bytes=-{BIG}", 100) == (0, 99)


@pytest.mark.parametrize("path", ["/" + "a" * 300 + ".mp3", "/" + "a" * 300 + "/b.mp3", "/" + "é" * 200,
                                  "/" + "/".join(["x" * 250] * 20)])
def test_12_a_name_too_long_for_the_file_system_is_404(server: BookServer, path: str) -> None:
    assert _get(server, quote(path))[0] == 404


def test_12_an_unexpected_failure_is_a_500_not_an_empty_reply(server: BookServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("something nobody foresaw \u2603")

    monkeypatch.setattr(serve, "build_feed", broken)
    status, _, body = _get(server, "/feed.xml")
    assert status == 500 and b"could not answer" in body


def test_13_two_hundred_concurrent_range_requests_are_all_answered_quickly(server: BookServer,
                                                                           folder: Path) -> None:
    data = (folder / "blob.mp3").read_bytes()
    n = 200
    start_together = threading.Barrier(n, timeout=20)

    def fetch(i: int) -> tuple[int, bytes, float]:
        first = (i * 4099) % (len(data) - 5000)
        host, port = server.server_address[:2]
        start_together.wait()
        started = time.monotonic()
        with socket.create_connection((str(host), port), timeout=10) as sock:
            sock.sendall(f"GET /blob.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes={first}-{first + 4095}\r\n"
                         "Connection: close\r\n\r\n".encode())
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        elapsed = time.monotonic() - started
        head, _, body = reply.partition(b"\r\n\r\n")
        status = int(head.split()[1]) if head else 0
        return status, body if body == data[first:first + 4096] else b"", elapsed

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(fetch, i) for i in range(n)]
        done, not_done = concurrent.futures.wait(futures, timeout=60)  # stops by itself, whatever happens
        assert not not_done, f"{len(not_done)} of {n} requests still waiting after 60 s"
    results = [f.result() for f in done]
    assert [r[0] for r in results] == [206] * n and all(r[1] for r in results)
    slowest = max(r[2] for r in results)
    assert slowest < 2.0, f"slowest of {n} concurrent range requests took {slowest:.2f} s"
