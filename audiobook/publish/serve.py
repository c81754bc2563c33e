"""A small HTTP server for one book folder, so a phone on the same network can subscribe to it.

It serves the folder's files read-only with byte ranges (podcast apps and players seek with them)
and the right MIME types, and `feed.xml` built fresh for each request with enclosure URLs under the
configured base URL (else the address the client used). Nothing outside the folder is reachable:
`..` (plain or percent-encoded), absolute paths, hidden files and symlinks leading out are refused.
"""

from __future__ import annotations

import email.utils
import html
import logging
import mimetypes
import os
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..errors import InputError, OutputError
from .feed import FEED_NAME, build_feed, episodes

log = logging.getLogger("audiobook.serve")

MIME = {
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
_CHUNK = 64 * 1024
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Forbidden(Exception):
    """A request path that points outside the served folder."""


def resolve_request(folder: Path, target: str) -> Path:
    """The file a request target names inside `folder`; Forbidden if it would leave it.

    The path is percent-decoded once and split on '/' (and '\\'); any '.' or '..' part, a NUL, a
    drive letter or a hidden name is refused before touching the disk, and the resolved path
    (symlinks followed) must still lie inside the folder.
    """
    raw = urlsplit(target).path
    if not raw.startswith("/"):
        raise Forbidden(target)
    decoded = unquote(raw, errors="strict")
    if "\x00" in decoded:
        raise Forbidden(target)
    parts = [p for p in re.split(r"[/\\]+", decoded) if p]
    for part in parts:
        if part in (".", "..") or part.startswith(".") or re.match(r"^[A-Za-z]:", part):
            raise Forbidden(target)
    root = folder.resolve()
    path = root.joinpath(*parts)
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise Forbidden(target)
    return resolved


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(first, last) inclusive for a single `bytes=` range; None without one; 'bad' if unsatisfiable."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None  # a syntax we do not handle (several ranges...): the whole file, as RFC 9110 allows
    first, last = m.group(1), m.group(2)
    if first == "":  # the last N bytes
        n = _number(last)
        if n == 0 or size == 0:
            return "bad"
        return max(0, size - n), size - 1
    start = _number(first)
    end = min(_number(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "bad"
    return start, end


def _number(digits: str) -> int:
    """A byte position from the header; any beyond 10**18 (past every file) without converting thousands of digits."""
    stripped = digits.lstrip("0") or "0"
    return int(stripped) if len(stripped) <= 18 else 10**18


class BookServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one book folder."""

    daemon_threads = True
    # Connections the kernel queues before we accept them: the default 5 made a podcast app's
    # burst of parallel range requests wait for TCP retransmits (seconds); the kernel caps it anyway.
    request_queue_size = 1024

    def __init__(self, folder: Path, address: tuple[str, int], base_url: str | None = None) -> None:
        self.folder = folder.resolve()
        self.base_url = base_url
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The server's own address as a URL (the base URL when none was configured)."""
        host, port = self.server_address[:2]
        host = str(host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: BookServer
    server_version = "audiobook"
    timeout = 60  # seconds a silent connection is kept: a stalled client does not hold a thread forever
    _responded = False

    def send_response(self, code: int, message: str | None = None) -> None:
        self._responded = True
        super().send_response(code, message)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _base_url(self) -> str:
        if self.server.base_url:
            return self.server.base_url
        host = self.headers.get("Host", "")
        return f"http://{host}/" if _HOST.match(host) else self.server.url

    def _send_bytes(self, data: bytes, mime: str, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _serve(self, body: bool) -> None:
        """Answer one request; whatever goes wrong, the client gets a status line, never an empty reply."""
        self._responded = False
        try:
            self._route(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client left
        except Exception as exc:  # noqa: BLE001  (one bad request must not cost the client its answer)
            log.error("%s %s: %s: %s", self.address_string(), self.path[:200], type(exc).__name__, str(exc)[:200])
            if not self._responded:
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "the server could not answer this request")

    def _route(self, body: bool) -> None:
        try:
            path = resolve_request(self.server.folder, self.path)
        except OSError:  # a name too long for the file system, a loop of links...: nothing there to serve
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        except (Forbidden, UnicodeDecodeError):
            self.send_error(HTTPStatus.FORBIDDEN, "outside the book folder")
            return
        if path == self.server.folder:
            self._send_bytes(self._index(), MIME[".html"], body)
            return
        if path == self.server.folder / FEED_NAME:
            try:
                self._send_bytes(build_feed(self.server.folder, self._base_url()), MIME[".xml"], body)
            except OutputError as exc:  # the reason goes in the page: a status line must be Latin-1
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "cannot build the feed", str(exc)[:500])
            return
        try:
            found = path.is_file()
        except OSError:  # ENAMETOOLONG and friends: is_file() passes only some of them over
            found = False
        if not found:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send_file(path, body)

    def _send_file(self, path: Path, body: bool) -> None:
        mime = MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            f = open(path, "rb")  # noqa: SIM115  (held by the `with f:` below once it opened)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        with f:
            st = os.fstat(f.fileno())
            size = st.st_size
            wanted = parse_range(self.headers.get("Range"), size)
            if wanted == "bad":
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if wanted is None:
                first, last = 0, size - 1
                self.send_response(HTTPStatus.OK)
            else:
                assert isinstance(wanted, tuple)
                first, last = wanted
                self.send_response(HTTPStatus.PARTIAL_CONTENT)
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            length = max(0, last - first + 1)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
            self.end_headers()
            if not body:
                return
            f.seek(first)
            left = length
            while left > 0:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the player moved on (seeking closes connections): nothing to report
                left -= len(chunk)

    def _index(self) -> bytes:
        base = self._base_url()
        items = "".join(f'<li><a href="{quote(e.path.name)}">{html.escape(e.title)}</a></li>'
                        for e in episodes(self.server.folder))
        feed = base.rstrip("/") + "/" + FEED_NAME
        return (f"<!doctype html><meta charset=utf-8><title>{html.escape(self.server.folder.name)}</title>"
                f"<h1>{html.escape(self.server.folder.name)}</h1>"
                f'<p>Podcast feed: <a href="{html.escape(feed)}">{html.escape(feed)}</a></p>'
                f"<ol>{items}</ol>").encode()


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000, base_url: str | None = None) -> BookServer:
    """An HTTP server for the book in `folder` (not yet serving: call `serve_forever`); port 0 picks a free one."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder to serve")
    if base_url is not None and not re.match(r"^https?://", base_url):
        raise InputError(f"--base-url {base_url!r}: must start with http:// or https://")
    try:
        return BookServer(folder, (host, port), base_url)
    except OSError as exc:
        raise OutputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def find_book_folder(path: Path) -> Path:
    """`path` if it holds chapter MP3s, else its only subfolder that does (`output` -> `output/<book>`)."""
    if not path.is_dir():
        raise InputError(f"{path}: no such folder")
    if any(p.suffix == ".mp3" for p in path.iterdir()):
        return path
    books = sorted(p for p in path.iterdir() if p.is_dir() and any(q.suffix == ".mp3" for q in p.iterdir()))
    if len(books) == 1:
        return books[0]
    if not books:
        raise InputError(f"{path}: no rendered chapters here (run `audiobook render` first)")
    names = ", ".join(p.name for p in books)
    raise InputError(f"{path} holds several books ({names}): name the one to serve")
