"""`audiobook review`'s server over real HTTP: edits land in voices.yaml, bad requests change nothing, and it is
reachable only from its own page."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from audiobook.cli import main
from audiobook.review.server import ReviewServer, make_server
from audiobook.review.session import Review
from audiobook.voices.config import load_config

STORY = """\
Chapter 1: The Harbour

"You're late again," Anna said, folding her arms.

"The ferry was slow," said Ben. "It always is on Sundays."

"Sundays," Anna said. "You always blame Sundays."

Ben laughed. "Because Sundays deserve it."

"Hurry up, both of you!" called Mister Gull from the pier.

"We are coming," said Ben.

"Honestly," Anna said, "I think the gull is the only one who is on time."

"Liar," said Old Harbour, and the wind carried the word away.

"Did you hear that?" Ben asked.

"Only the wind," said Anna.
"""

VOICES = """\
# My cast. This comment must survive every edit.
narrator:
  voice: gmw/en-us
  rate: 170
  pitch: 45
characters:
  Anna:
    voice: gmw/en-us+f3   # her voice: keep this comment too
    rate: 180
    pitch: 60
  Ben:
    voice: gmw/en-gb-x-rp+m3
    rate: 170
    pitch: 40
"""


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "book"
    folder.mkdir()
    src = folder / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = folder / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    return src, voices


@pytest.fixture
def server(book: tuple[Path, Path]) -> Iterator[ReviewServer]:
    src, voices = book
    srv = make_server(Review([src], voices, src.parent / "output"))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def call(srv: ReviewServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp
    finally:
        conn.close()


def edit(srv: ReviewServer, request: Any, **extra: str) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", "X-Review-Token": srv.token, **extra}
    status, body, _ = call(srv, "POST", "/api/edit", json.dumps(request).encode(), headers)
    return status, json.loads(body)


def dialogue(srv: ReviewServer) -> list[dict[str, Any]]:
    status, body, _ = call(srv, "GET", "/api/script")
    assert status == 200
    return [s for s in json.loads(body) if s["kind"] == "dialogue"]


def script_json(src: Path, voices: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["script", "--format", "json", "--voices", str(voices), str(src)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def segment_index(srv: ReviewServer, text: str) -> tuple[int, int, str]:
    _, books = srv.review.current()
    for ci, chapter in enumerate(c for b in books for c in b.chapters):
        for si, seg in enumerate(chapter.segments):
            if seg.kind == "dialogue" and seg.text.startswith(text):
                return ci, si, seg.text
    raise AssertionError(text)


def test_binds_loopback_on_a_free_port(server: ReviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1" and server.port > 0
    status, body, resp = call(server, "GET", "/")
    assert status == 200 and resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert server.token in body.decode() and 'id="review"' in body.decode()


def test_reassign_a_line_writes_an_override_and_script_agrees(server: ReviewServer, book: tuple[Path, Path]) -> None:
    src, voices = book
    ci, si, text = segment_index(server, "Did you hear")
    status, result = edit(server, {"op": "speaker", "chapter": ci, "segment": si, "text": text, "speaker": "Mister Gull"})
    assert status == 200, result
    assert result["moved"] == 1 and result["changes"] == [{"from": "Ben", "to": "Mister Gull", "lines": 1}]
    assert result["message"] == "line given to Mister Gull: 1 line moved (Ben → Mister Gull: 1)."
    on_disk = voices.read_text(encoding="utf-8")
    assert "This comment must survive" in on_disk and "keep this comment too" in on_disk
    assert load_config(voices).overrides[-1].speaker == "Mister Gull"
    assert script_json(src, voices) == json.loads(call(server, "GET", "/api/script")[1])
    # Narration: the line is read by the narrator.
    status, result = edit(server, {"op": "speaker", "chapter": ci, "segment": si, "text": text, "speaker": "Narrator"})
    assert status == 200 and result["changes"] == [{"from": "Mister Gull", "to": "Narrator", "lines": 1}]
    assert len(load_config(voices).overrides) == 1  # the same line's entry was changed, not duplicated


def test_merge_rename_phantom_gender_and_voice(server: ReviewServer, book: tuple[Path, Path]) -> None:
    src, voices = book
    status, result = edit(server, {"op": "merge", "source": "Mister Gull", "target": "Ben"})
    assert status == 200 and result["moved"] == 1, result
    config = load_config(voices)
    assert "Mister Gull" in config.characters["Ben"].aliases and "Mister Gull" not in config.characters
    assert {s["speaker"] for s in dialogue(server)} == {"Anna", "Ben", "Old Harbour"}

    status, result = edit(server, {"op": "rename", "old": "Ben", "new": "Benedict"})
    assert status == 200 and result["moved"] == 6, result
    config = load_config(voices)
    assert list(config.characters) == ["Anna", "Benedict"]  # same place in the file
    assert {"Ben", "Mister Gull"} <= set(config.characters["Benedict"].aliases)

    status, result = edit(server, {"op": "not_character", "name": "Old Harbour"})
    assert status == 200 and result["changes"] == [{"from": "Old Harbour", "to": "Narrator", "lines": 1}]
    assert load_config(voices).not_characters == ("Old Harbour",)

    status, result = edit(server, {"op": "gender", "name": "Anna", "gender": "female"})
    assert status == 200 and result["moved"] == 0
    assert load_config(voices).characters["Anna"].gender == "female"

    status, result = edit(server, {"op": "voice", "name": "Anna", "voice": "gmw/en-gb-x-rp+f2", "rate": 200,
                                   "pitch": None})
    assert status == 200, result
    anna = load_config(voices).characters["Anna"]
    assert (anna.voice.voice, anna.voice.rate) == ("gmw/en-gb-x-rp+f2", 200)
    on_disk = voices.read_text(encoding="utf-8")
    assert "This comment must survive" in on_disk
    assert script_json(src, voices) == json.loads(call(server, "GET", "/api/script")[1])


@pytest.mark.parametrize(("request_", "message"), [
    ({"op": "explode"}, "unknown edit: expected 'op' to be one of speaker, merge, rename, not_character, gender, "
                        "voice"),
    ([1, 2], "unknown edit: expected 'op' to be one of speaker, merge, rename, not_character, gender, voice"),
    ({"op": "merge", "source": "Anna"}, "missing field 'target'"),
    ({"op": "merge", "source": "Anna", "target": 3}, "field 'target': wrong type (int)"),
    ({"op": "rename", "old": "Anna", "new": "  "}, "field 'new' is empty"),
    ({"op": "rename", "old": "Anna", "new": "Ben"}, "'Ben' is already a character (Ben): merge the two instead"),
    ({"op": "merge", "source": "Anna", "target": "anna"}, "cannot merge 'Anna' into itself"),
    ({"op": "speaker", "chapter": 0, "segment": 999, "text": "x", "speaker": "Ann"},
     "no line 999 in chapter 0: reload the page"),
    ({"op": "speaker", "chapter": 0, "segment": 1, "text": "Something else", "speaker": "Ann"},
     "that line has changed since the page was loaded: reload the page"),
    ({"op": "gender", "name": "Anna", "gender": "other"}, "gender must be male or female, not 'other'"),
    ({"op": "voice", "name": "Anna", "voice": None, "rate": 999, "pitch": None},
     "voices.yaml, line 9: characters.Anna.rate: 999 is out of range (80-450)"),
    ({"op": "voice", "name": "Anna", "voice": None, "rate": True, "pitch": None}, "field 'rate': wrong type (bool)"),
    ({"op": "voice", "name": "Anna", "voice": None, "rate": None, "pitch": None},
     "nothing to change: give voice, rate or pitch"),
])
def test_a_malformed_edit_is_a_400_with_a_message_and_changes_nothing(server: ReviewServer, book: tuple[Path, Path],
                                                                       request_: Any, message: str) -> None:
    _, voices = book
    before = voices.read_bytes()
    status, result = edit(server, request_)
    assert (status, result) == (400, {"ok": False, "error": message})
    assert voices.read_bytes() == before


@pytest.mark.parametrize(("body", "headers", "message"), [
    (b"{not json", {"Content-Type": "application/json"}, "malformed JSON: Expecting property name enclosed in "
                                                          "double quotes: line 1 column 2 (char 1)"),
    (b'{"op": "merge"}', {"Content-Type": "text/plain"}, "an edit must be sent as application/json"),
    (b"\xff\xfe", {"Content-Type": "application/json"}, "malformed JSON: 'utf-8' codec can't decode byte 0xff "
                                                        "in position 0: invalid start byte"),
])
def test_an_unreadable_body_is_a_400(server: ReviewServer, book: tuple[Path, Path], body: bytes,
                                     headers: dict[str, str], message: str) -> None:
    before = book[1].read_bytes()
    status, raw, _ = call(server, "POST", "/api/edit", body, {**headers, "X-Review-Token": server.token})
    assert (status, json.loads(raw)) == (400, {"ok": False, "error": message})
    assert book[1].read_bytes() == before


@pytest.mark.parametrize(("method", "headers", "message"), [
    ("POST", {"Origin": "http://evil.example"}, "forbidden: cross-origin request"),
    ("POST", {"Host": "evil.example"}, "forbidden: unknown Host"),  # DNS rebinding: right address, wrong name
    ("POST", {"X-Review-Token": "guess"}, "forbidden: missing or wrong review token (reload the page)"),
    ("GET", {"Host": "evil.example"}, "forbidden: unknown Host"),
    ("GET", {"Origin": "http://127.0.0.1:1"}, "forbidden: cross-origin request"),  # another local port
])
def test_requests_from_another_origin_are_refused(server: ReviewServer, book: tuple[Path, Path], method: str,
                                                  headers: dict[str, str], message: str) -> None:
    before = book[1].read_bytes()
    body = json.dumps({"op": "merge", "source": "Anna", "target": "Ben"}).encode()
    full = {"Content-Type": "application/json", "X-Review-Token": server.token, **headers}
    status, raw, _ = call(server, method, "/api/edit" if method == "POST" else "/api/script",
                          body if method == "POST" else None, full)
    assert (status, json.loads(raw)) == (403, {"ok": False, "error": message})
    assert book[1].read_bytes() == before
    # The page's own origin, by address or as localhost, is accepted.
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        assert call(server, "GET", "/api/script", None, {"Host": host, "Origin": f"http://{host}"})[0] == 200


@pytest.mark.parametrize("path", [
    "/audio/../voices.yaml", "/audio/0-0.mp3/../../harbour.txt", "/audio/%2e%2e/%2e%2e/secret.txt",
    "/../secret.txt", "/audio/0-0.txt", "/audio/-1-0.mp3", "/audio/0-0.mp3", "/harbour.txt", "//etc/passwd",
    "/api/../../secret.txt",
])
def test_no_request_reads_a_file_by_its_path(server: ReviewServer, book: tuple[Path, Path], path: str) -> None:
    secret = book[0].parent.parent / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    status, body, _ = call(server, "GET", path)
    assert status == 404 and b"SECRET" not in body and b"Anna" not in body


def test_the_only_file_an_edit_writes_is_voices_yaml(server: ReviewServer, book: tuple[Path, Path]) -> None:
    src, voices = book
    root = src.parent.parent
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    name = "../../escape"
    status, _ = edit(server, {"op": "rename", "old": "Anna", "new": name})
    assert status == 200
    after = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    assert set(after) == set(before)  # no file made anywhere: a name is only ever a YAML string
    assert [p for p in after if after[p] != before[p]] == [voices]
    assert name in load_config(voices).characters


def test_cli_review_refuses_a_bad_voices_yaml_before_serving(tmp_path: Path) -> None:
    src = tmp_path / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    (tmp_path / "voices.yaml").write_text("bitrate: 65\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["review", "--no-browser", "--voices", str(tmp_path / "voices.yaml"), str(src)])
    assert result.exit_code == 1
    assert result.output.strip().endswith("Error: voices.yaml, line 1: bitrate: 65 is not an MP3 bitrate "
                                          "(32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)")


def test_a_whole_book_by_chapter_and_a_repeated_line_in_the_second(tmp_path: Path) -> None:
    """Fixing "Did you hear that?" in chapter 2 writes chapter: (chapter 1 has the same line) and moves only it."""
    src = tmp_path / "book.txt"
    src.write_text(STORY + '\nChapter 2: The Mill\n\n"Did you hear that?" Anna asked.\n\n"No," said Ben.\n',
                   encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    review = Review([src], voices, tmp_path / "output")
    srv = make_server(review)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        page = call(srv, "GET", "/")[1].decode()
        assert '<option value="ch0">Chapter 1: The Harbour</option><option value="ch1">Chapter 2: The Mill' in page
        chapter = review.chapters()[1]
        si, seg = next((i, s) for i, s in enumerate(chapter.segments) if s.text.startswith("Did you hear"))
        status, result = edit(srv, {"op": "speaker", "chapter": 1, "segment": si, "text": seg.text,
                                    "speaker": "Ben"})
        assert status == 200 and result["changes"] == [{"from": "Anna", "to": "Ben", "lines": 1}], result
        (override,) = load_config(voices).overrides
        assert (override.line, override.nth, override.chapter) == ("Did you hear that", 1, "Chapter 2: The Mill")
        assert [s.speaker for s in review.chapters()[0].segments if s.text.startswith("Did you hear")] == ["Ben"]
        assert review.issues() == []
    finally:
        srv.shutdown()
        srv.server_close()
