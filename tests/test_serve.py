"""`audiobook serve`: a real HTTP server on a free loopback port; ranges, MIME types, nothing outside the folder."""

from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from podcast_book import render_book

from audiobook.errors import InputError
from audiobook.publish.serve import (
    BookServer,
    Forbidden,
    find_book_folder,
    make_server,
    parse_range,
    resolve_request,
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("serve")
    report = render_book(root)
    folder = report.chapters[0].path.parent
    (root / "output" / "secret.txt").write_text("TOP SECRET")  # beside the book folder
    (folder / "escape.txt").symlink_to(root / "output" / "secret.txt")
    (folder / "inside-link.jpg").symlink_to(folder / "cover.jpg")  # a link that stays inside is fine
    return root, report, folder


@pytest.fixture(scope="module")
def server(book) -> Iterator[BookServer]:
    _, _, folder = book
    srv = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(server: BookServer, path: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)  # the path goes out exactly as written
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_phone_subscribes_and_downloads_an_episode_with_a_range(server: BookServer, book) -> None:
    _, report, _ = book
    status, headers, body = _get(server, "/feed.xml")
    assert status == 200 and headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo and len(feed.entries) == len(report.chapters)
    enclosure = feed.entries[0].enclosures[0]
    url = urlsplit(enclosure.href)
    assert url.netloc == f"127.0.0.1:{server.server_address[1]}"  # the address the client used
    data = report.chapters[0].path.read_bytes()
    status, headers, body = _get(server, url.path, {"Range": "bytes=1000-1999"})
    assert status == 206
    assert body == data[1000:2000]
    assert headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert headers["content-type"] == "audio/mpeg" and headers["accept-ranges"] == "bytes"
    status, headers, body = _get(server, url.path)
    assert status == 200 and body == data and int(headers["content-length"]) == len(data)


@pytest.mark.parametrize("header,expected", [
    ("bytes=0-0", (0, 0)), ("bytes=-100", "tail"), ("bytes=500-", "rest"), ("bytes=0-99999999", "all"),
])
def test_ranges(server: BookServer, book, header: str, expected) -> None:
    _, report, _ = book
    data = report.chapters[1].path.read_bytes()
    status, _, body = _get(server, "/" + quote(report.chapters[1].path.name), {"Range": header})
    assert status == 206
    want = {"tail": data[-100:], "rest": data[500:], "all": data}.get(expected) if isinstance(expected, str) \
        else data[expected[0]:expected[1] + 1]
    assert body == want


def test_unsatisfiable_range_is_416(server: BookServer, book) -> None:
    _, report, _ = book
    size = report.chapters[1].path.stat().st_size
    status, headers, _ = _get(server, "/" + quote(report.chapters[1].path.name), {"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("name,mime", [
    ("cover.jpg", "image/jpeg"), ("01 - Chapter 1 Lanterns.vtt", "text/vtt"),
    ("01 - Chapter 1 Lanterns.srt", "application/x-subrip"), ("inside-link.jpg", "image/jpeg"),
])
def test_mime_types(server: BookServer, name: str, mime: str) -> None:
    status, headers, _ = _get(server, "/" + quote(name), method="HEAD")
    assert status == 200 and headers["content-type"].split(";")[0] == mime


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/a/../../secret.txt",
    "/%2e%2e%5csecret.txt", "/escape.txt", "/%2Fetc%2Fpasswd", "/./cover.jpg", "/%252e%252e/secret.txt",
    "/.hidden", "/C:%5Cwindows", "/%00cover.jpg", "/%ff%fe",
])
def test_nothing_outside_the_folder(server: BookServer, path: str) -> None:
    status, _, body = _get(server, path)
    assert status in (403, 404), path
    assert b"TOP SECRET" not in body


def test_absolute_paths_stay_inside(server: BookServer) -> None:
    for path in ("//etc/passwd", "/" + quote(os.path.abspath("/etc/passwd"), safe="")):
        status, _, body = _get(server, path)
        assert status in (403, 404) and b"root:" not in body


def test_index_links_the_feed(server: BookServer) -> None:
    status, headers, body = _get(server, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"feed.xml" in body and b"Chapter 1: Lanterns" in body


def test_configured_base_url_is_used_in_the_feed(book) -> None:
    _, _, folder = book
    srv = make_server(folder, "127.0.0.1", 0, base_url="https://example.org/book/")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        _, _, body = _get(srv, "/feed.xml")
        assert feedparser.parse(body).entries[0].enclosures[0].href.startswith("https://example.org/book/01%20-")
    finally:
        srv.shutdown()
        srv.server_close()


@given(st.lists(st.sampled_from(list("./\\%2eEfF5cC0a:") + ["%2e", "%2f", "%5c", "..", "%2E%2E"]),
                max_size=20).map("".join))
def test_resolved_paths_never_leave_the_folder(text: str) -> None:
    folder = Path("/srv/book")
    try:
        path = resolve_request(folder, "/" + text)
    except (Forbidden, UnicodeDecodeError):
        return
    assert path == folder or folder in path.parents


@pytest.mark.parametrize("header,size,expected", [
    (None, 10, None), ("bytes=2-4", 10, (2, 4)), ("bytes=-3", 10, (7, 9)), ("bytes=8-", 10, (8, 9)),
    ("bytes=10-", 10, "bad"), ("bytes=5-2", 10, "bad"), ("bytes=-0", 10, "bad"), ("bytes=0-1,4-5", 10, None),
    ("items=0-1", 10, None), ("bytes=-20", 10, (0, 9)),
])
def test_parse_range(header, size, expected) -> None:
    assert parse_range(header, size) == expected


def test_find_book_folder(book, tmp_path: Path) -> None:
    root, _, folder = book
    assert find_book_folder(root / "output") == folder
    assert find_book_folder(folder) == folder
    with pytest.raises(InputError, match="no rendered chapters"):
        find_book_folder(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        make_server(tmp_path / "missing")
