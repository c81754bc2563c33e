"""The review page's web server: the standard library's ThreadingHTTPServer, on loopback, for one user.

Safety: it answers only requests whose Host (and Origin, when a browser sends one) is its own address, so a page
on another site, or a DNS name rebound to 127.0.0.1, can neither read it nor post edits; edits also need the
token written into the page. No request names a file: audio is looked up by chapter index among the MP3s
`find_rendered` found, and the only file ever written is voices.yaml.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import urllib.parse
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..errors import AudiobookError
from ..model import Voice
from ..publish.scriptpage import PageAudio
from ..publish.serve import parse_range
from ..voices.config import CharacterVoice
from .edits import EditError
from .page import review_page
from .rerender import Rerender
from .session import Review

#: Largest edit request accepted (an edit is a few short fields).
MAX_BODY = 64 * 1024


class ReviewServer(ThreadingHTTPServer):
    """Serves one Review; `token` must accompany every edit."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, review: Review, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.review = review
        self.token = secrets.token_urlsafe(24)
        self.rerender = Rerender(review.paths, review.voices, review.out_dir, author=review.author,
                                 include_front_matter=review.include_front_matter)

    def server_close(self) -> None:
        """Stop listening, and end a render the page started (nothing is left running)."""
        self.rerender.stop()
        super().server_close()

    @property
    def port(self) -> int:
        """The port listened on (the free one picked when 0 was asked for)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The page's address."""
        host = str(self.server_address[0])
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}/"

    def own_hosts(self) -> set[str]:
        """Host header values that name this server (the page's own origin, by address or as localhost)."""
        host = str(self.server_address[0])
        names = {host, "localhost", "127.0.0.1", "[::1]"} if host in ("127.0.0.1", "::1") else {host}
        return {f"{'[' + n + ']' if ':' in n and not n.startswith('[') else n}:{self.port}" for n in names}


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet: the command prints its own lines

    # ------------------------------------------------------------ checks

    def _foreign(self) -> str | None:
        """Why the request is not from the page's own origin, or None when it is."""
        hosts = self.server.own_hosts()
        if self.headers.get("Host", "") not in hosts:
            return "unknown Host"
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in hosts}:
            return "cross-origin request"
        return None

    def _send(self, status: int, body: bytes, mime: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: object) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"ok": False, "error": message})

    # ------------------------------------------------------------ routes

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        why = self._foreign()
        if why:
            self._error(HTTPStatus.FORBIDDEN, f"forbidden: {why}")
            return
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path == "/":
                self._page()
            elif url.path == "/api/script":
                self._json(HTTPStatus.OK, self.server.review.script())
            elif url.path == "/api/render":
                self._json(HTTPStatus.OK, self.server.rerender.status())
            elif url.path == "/api/issues":
                self._json(HTTPStatus.OK, self.server.review.issues())
            elif url.path == "/api/preview":
                self._preview(urllib.parse.parse_qs(url.query))
            elif url.path.startswith("/audio/"):
                self._audio(url.path[len("/audio/"):])
            else:
                self._error(HTTPStatus.NOT_FOUND, "not found")
        except AudiobookError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))

    def do_POST(self) -> None:  # noqa: N802
        why = self._foreign()
        if why:
            self._error(HTTPStatus.FORBIDDEN, f"forbidden: {why}")
            return
        path = urllib.parse.urlsplit(self.path).path
        if path not in ("/api/edit", "/api/render"):
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        if not secrets.compare_digest(self.headers.get("X-Review-Token", ""), self.server.token):
            self._error(HTTPStatus.FORBIDDEN, "forbidden: missing or wrong review token (reload the page)")
            return
        if path == "/api/render":
            self._discard_body()
            started = self.server.rerender.start()
            self._json(HTTPStatus.ACCEPTED if started else HTTPStatus.CONFLICT,
                       {"ok": started, **({} if started else {"error": "a render is already running"})})
            return
        request = self._body()
        if isinstance(request, str):
            self._error(HTTPStatus.BAD_REQUEST, request)
            return
        try:
            result = self.server.review.apply(request)
        except EditError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except AudiobookError as exc:  # a value voices.yaml would reject (rate out of range...): nothing written
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._json(HTTPStatus.OK, result.as_json())

    def _discard_body(self) -> None:
        """Read a body the route does not use, so the connection stays in step."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if 0 < length <= MAX_BODY:
            self.rfile.read(length)

    def _body(self) -> Any:
        """The request's JSON object, or a message saying why there is none."""
        if self.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            return "an edit must be sent as application/json"
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return "missing Content-Length"
        if not 0 < length <= MAX_BODY:
            return f"an edit must be 1 to {MAX_BODY} bytes"
        raw = self.rfile.read(length)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"malformed JSON: {exc}"

    def _page(self) -> None:
        review = self.server.review
        config, books = review.current()
        audio = {key: PageAudio(f"/audio/{key[0]}-{key[1]}.mp3", review.timings(books, key, found))
                 for key, found in review.audio().items()}
        page = review_page(books, config, audio, review.issues(), self.server.token)
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8",
                   {"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                               "style-src 'unsafe-inline'; img-src data:; media-src 'self'"})

    def _audio(self, name: str) -> None:
        """A rendered chapter by its page key `<book>-<chapter>.mp3`: never a path from the request."""
        stem, _, ext = name.partition(".")
        book, _, chapter = stem.partition("-")
        found = None
        if ext == "mp3" and book.isdigit() and chapter.isdigit():
            found = self.server.review.audio().get((int(book), int(chapter)))
        if found is None:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        self._file(found.mp3)

    def _file(self, path: Path) -> None:
        size = path.stat().st_size
        wanted = parse_range(self.headers.get("Range"), size)
        if wanted == "bad":
            self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", "audio/mpeg",
                       {"Content-Range": f"bytes */{size}"})
            return
        first, last = wanted if isinstance(wanted, tuple) else (0, size - 1)
        with open(path, "rb") as f:
            f.seek(first)
            data = f.read(last - first + 1)
        status = HTTPStatus.PARTIAL_CONTENT if isinstance(wanted, tuple) else HTTPStatus.OK
        extra = {"Accept-Ranges": "bytes"}
        if isinstance(wanted, tuple):
            extra["Content-Range"] = f"bytes {first}-{last}/{size}"
        self._send(status, data, "audio/mpeg", extra)

    def _preview(self, query: dict[str, list[str]]) -> None:
        """An MP3 of a sample line in a speaker's voice, with the voice/rate/pitch given (unsaved) if any."""
        from ..voices.preview import render_preview

        def one(key: str) -> str:
            return (query.get(key) or [""])[0].strip()

        if not secrets.compare_digest(one("token"), self.server.token):
            self._error(HTTPStatus.FORBIDDEN, "forbidden: missing or wrong review token (reload the page)")
            return
        name = one("name")
        if not name:
            self._error(HTTPStatus.BAD_REQUEST, "preview: missing name")
            return
        config, _ = self.server.review.current()
        config = _trying(config, name, one("voice"), one("rate"), one("pitch"))
        with tempfile.TemporaryDirectory(prefix="audiobook-review-") as scratch:
            dest = render_preview(config, name, Path(scratch) / "preview.mp3")
            self._send(HTTPStatus.OK, dest.read_bytes(), "audio/mpeg")


def _trying(config: Any, name: str, voice: str, rate: str, pitch: str) -> Any:
    """The config with `name`'s voice as the page's (unsaved) fields set it, for a preview."""
    def number(text: str, key: str) -> int | None:
        if not text:
            return None
        if not text.lstrip("-").isdigit():
            raise EditError(f"preview: {key} must be a whole number, got {text!r}")
        return int(text)

    r, p = number(rate, "rate"), number(pitch, "pitch")
    entry = config.lookup(name)
    base: Voice = (config.narrator if name.casefold() == "narrator"
                   else entry.voice if entry else config.default_for(None))
    tried = replace(base, voice=voice or base.voice, rate=base.rate if r is None else r,
                    pitch=base.pitch if p is None else p)
    if not 80 <= tried.rate <= 450 or not 0 <= tried.pitch <= 100:
        raise EditError("preview: rate must be 80-450 and pitch 0-100")
    if name.casefold() == "narrator":
        return replace(config, narrator=tried)
    chars = dict(config.characters)
    key = entry.name if entry else name
    chars[key] = CharacterVoice(key, tried, entry.aliases if entry else ())
    return replace(config, characters=chars)


def make_server(review: Review, port: int = 0, host: str = "127.0.0.1") -> ReviewServer:
    """A review server on `host` (loopback by default) and `port` (0: a free one)."""
    return ReviewServer(review, host, port)


__all__ = ["ReviewServer", "make_server", "MAX_BODY"]
