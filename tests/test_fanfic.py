"""Fan fiction as readers download it: AO3 HTML and EPUB, FanFicFare EPUB/HTML/TXT, saved pages, PDF.

Every file is built here from the layouts the sites and tools document (tests/fanfic.py), never copied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fanfic import Chap, Work, ao3_epub, ao3_html

from audiobook.cli import main
from audiobook.model import WorkInfo
from audiobook.text.document import Document
from audiobook.text.reader import open_document

LAMP = Chap("Chapter 1: The Lamp",
            ["The lamp was lit at dusk, as it always was.", "\u201cIs it cold up there?\u201d asked Mara.",
             "\u201cAlways,\u201d said Pell. \u201cBring the blue coat.\u201d"],
            summary="Mara arrives at the lighthouse.", notes="Sorry for the delay!",
            end_notes="The next chapter is nearly done.")
STAIRS = Chap("Chapter 2: Stairs", ["Morning came grey and slow over the water.", "* * *",
                                    "Noor climbed the stairs two at a time."])
WORK = Work("The Lighthouse Keepers", ["quill_and_ink", "Second Hand"], [LAMP, STAIRS])
INFO = WorkInfo(authors=("quill_and_ink", "Second Hand"), fandoms=("Lanterns of the North (Video Game)",),
                relationships=("Mara/Pell",), characters=("Mara", "Pell", "Noor"), rating="Teen And Up Audiences",
                warnings=("No Archive Warnings Apply",), tags=("Slow Burn", "Fluff"), language="English",
                published="2024-01-02", words=43, chapters="2/2", site="Archive of Our Own",
                url="https://archiveofourown.org/works/000000")


def _story(doc: Document) -> list[tuple[str, list[tuple[int, str]], list[str]]]:
    """(title, [(scene, paragraph)], [skipped labels]) of every chapter."""
    return [(ch.title, [(p.scene, doc.text[p.start:p.end]) for p in ch.paragraphs], [s.label for s in ch.skipped])
            for ch in doc.layout.chapters]


@pytest.fixture(params=["html", "epub", "epub-no-classes"])
def ao3_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """WORK as an AO3 download in each format."""
    if request.param == "html":
        path = tmp_path / "work.html"
        path.write_text(ao3_html(WORK), encoding="utf-8")
    else:
        path = tmp_path / "work.epub"
        ao3_epub(WORK, path, classes=request.param == "epub")
    return path


def test_ao3_download_chapters_notes_and_metadata(ao3_file: Path) -> None:
    doc = open_document(ao3_file)
    lay = doc.layout
    assert (lay.title, lay.author, lay.summary) == ("The Lighthouse Keepers", "quill_and_ink, Second Hand",
                                                    "Two keepers, one lighthouse, and a winter that will not end.")
    assert lay.info == INFO
    assert _story(doc) == [
        ("Chapter 1: The Lamp", [(0, p) for p in LAMP.paragraphs], ["summary", "author's note", "author's note"]),
        ("Chapter 2: Stairs", [(0, STAIRS.paragraphs[0]), (1, STAIRS.paragraphs[2])], []),
    ]
    assert [ch.summary for ch in lay.chapters] == ["Mara arrives at the lighthouse.", None]
    assert [ch.number for ch in lay.chapters] == [1, 2]
    spoken = " ".join(doc.text[p.start:p.end] for ch in lay.chapters for p in ch.paragraphs)
    for note in ("Sorry for the delay", "nearly done", "Thanks to my beta", "Kudos", "Posted originally", "Rating",
                 "Summary", "See the end", "drop by the Archive"):
        assert note not in spoken


def test_ao3_include_front_matter_reads_the_notes(ao3_file: Path) -> None:
    doc = open_document(ao3_file, include_front_matter=True)
    first, second = ([doc.text[p.start:p.end] for p in ch.paragraphs] for ch in doc.layout.chapters)
    # Preface notes before the first chapter, the chapter's notes around its text, end notes after the last.
    assert first[:2] == ["The Lighthouse Keepers\nPosted originally on the Archive of Our Own at "
                         "https://archiveofourown.org/works/000000.", "Rating: Teen And Up Audiences"]
    assert first[-9:] == ["Chapter Summary", "Mara arrives at the lighthouse.", "Chapter Notes", "Sorry for the delay!",
                          *LAMP.paragraphs, "Chapter End Notes", "The next chapter is nearly done."][-9:]
    assert second[-3:] == ["End Notes", "Kudos and comments keep me writing!",
                           "Please drop by the Archive and comment to let the creator know if you enjoyed their work!"]
    assert "The Lighthouse Keepers" not in first[1:]  # the title and byline are announced, never read as text
    assert not any(p.startswith("by quill") for p in first)


def test_ao3_skip_list_governs_the_notes(tmp_path: Path) -> None:
    from audiobook.text.sections import reading

    path = tmp_path / "work.html"
    path.write_text(ao3_html(WORK), encoding="utf-8")
    # Everything skipped but the author's notes: the chapter notes are read, the summaries are not.
    doc = open_document(path, read=reading(("summary", "disclaimer", "rating", "front matter")))
    first = [doc.text[p.start:p.end] for p in doc.layout.chapters[0].paragraphs]
    assert "Sorry for the delay!" in first and "Thanks to my beta, who is a saint." in first
    assert "Mara arrives at the lighthouse." not in first and "Rating: Teen And Up Audiences" not in first


def test_ao3_one_chapter_work_is_titled_by_the_work(tmp_path: Path) -> None:
    work = Work("Salt", ["brine"], [Chap("Chapter 1", ["The sea kept its own counsel.", "\u201cWell?\u201d said Ada."])],
                notes=None, end_notes=None)
    for path in (tmp_path / "salt.html", tmp_path / "salt.epub"):
        if path.suffix == ".html":
            path.write_text(ao3_html(work), encoding="utf-8")
        else:
            ao3_epub(work, path)
        doc = open_document(path)
        assert _story(doc) == [("Salt", [(0, p) for p in work.chapters[0].paragraphs], [])], path.suffix
        assert doc.layout.info is not None and doc.layout.info.chapters == "1/1"


def test_script_of_an_ao3_work(ao3_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["script", "--format", "json", str(ao3_file), "--voices", "none/voices.yaml"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [(s["speaker"], s["text"]) for s in json.loads(result.stdout) if s["kind"] == "dialogue"]
    assert lines == [("Mara", "Is it cold up there?"), ("Pell", "Always,"), ("Pell", "Bring the blue coat.")]


def test_ao3_work_renders_one_tagged_mp3_per_chapter_with_its_metadata_in_the_feed(tmp_path: Path) -> None:
    import feedparser
    from mutagen.id3 import ID3

    from audiobook.attribution.book import read_book
    from audiobook.pipeline import RenderOptions, render
    from audiobook.publish.feed import build_feed
    from audiobook.publish.scriptpage import build_page

    src = tmp_path / "work.html"
    src.write_text(ao3_html(WORK), encoding="utf-8")
    report = render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                         cache_dir=tmp_path / "cache", jobs=2))
    assert [r.path.name for r in report.chapters] == ["01 - Chapter 1 The Lamp.mp3", "02 - Chapter 2 Stairs.mp3"]
    description = ("Two keepers, one lighthouse, and a winter that will not end.\n\n"
                   "Fandom: Lanterns of the North (Video Game). Relationship: Mara/Pell. "
                   "Rating: Teen And Up Audiences. Warning: No Archive Warnings Apply.")
    tags = [ID3(r.path) for r in report.chapters]
    assert [(str(t["TIT2"]), str(t["TALB"]), str(t["TPE1"])) for t in tags] == [
        ("Chapter 1: The Lamp", "The Lighthouse Keepers", "quill_and_ink, Second Hand"),
        ("Chapter 2: Stairs", "The Lighthouse Keepers", "quill_and_ink, Second Hand")]
    assert [str(t["COMM::eng"]) for t in tags] == [description, description]
    assert str(tags[0]["COMM:chapter summary:eng"]) == "Mara arrives at the lighthouse."
    assert "COMM:chapter summary:eng" not in tags[1]
    feed = feedparser.parse(build_feed(report.chapters[0].path.parent))
    assert feed.feed.title == "The Lighthouse Keepers"
    assert feed.feed.description == description
    assert [(e.title, e.description) for e in feed.entries] == [
        ("Chapter 1: The Lamp", "Mara arrives at the lighthouse."), ("Chapter 2: Stairs", description)]
    page = build_page([read_book(src)])
    assert "Fandom: Lanterns of the North (Video Game)." in page
    assert '<p class="chapter-summary">Mara arrives at the lighthouse.</p>' in page


# ----------------------------------------------------------------------------------------------
# FanFicFare output and saved fanfiction.net pages

FFF_INFO = WorkInfo(authors=("quill_and_ink", "Second Hand"), fandoms=("Lanterns of the North",),
                    relationships=("Mara/Pell",), characters=("Mara", "Pell"), rating="T", tags=("Romance", "Drama"),
                    language="English", status="Completed", published="2023-05-01", updated="2023-06-11",
                    words=1234, chapters="2", site="www.fanfiction.net")
PLAIN_CHAPTERS = [
    ("Chapter 1: The Lamp", [(0, p) for p in LAMP.paragraphs], []),
    ("Chapter 2: Stairs", [(0, STAIRS.paragraphs[0]), (1, STAIRS.paragraphs[2])], []),
]


@pytest.mark.parametrize("suffix", [".epub", ".html", ".txt"])
def test_fanficfare_title_page_is_metadata_never_a_chapter(tmp_path: Path, suffix: str) -> None:
    from fanfic import fff_epub, fff_html, fff_txt

    path = tmp_path / f"story{suffix}"
    if suffix == ".epub":
        fff_epub(WORK, path)
    else:
        path.write_text(fff_html(WORK) if suffix == ".html" else fff_txt(WORK), encoding="utf-8")
    doc = open_document(path)
    lay = doc.layout
    assert (lay.title, lay.author, lay.summary) == ("The Lighthouse Keepers", "quill_and_ink, Second Hand",
                                                    "Two keepers and one lighthouse.")
    assert lay.info == FFF_INFO
    assert _story(doc) == PLAIN_CHAPTERS
    spoken = " ".join(doc.text[p.start:p.end] for ch in lay.chapters for p in ch.paragraphs)
    for word in ("Category", "Packaged", "Publisher", "Table of Contents", "TABLE OF CONTENTS", "End file"):
        assert word not in spoken


def test_fanficfare_txt_wrapped_narrowly_keeps_its_paragraphs(tmp_path: Path) -> None:
    from fanfic import fff_txt

    path = tmp_path / "story.txt"
    path.write_text(fff_txt(WORK, width=20), encoding="utf-8")
    doc = open_document(path)
    assert [[" ".join(doc.text[p.start:p.end].split()) for p in ch.paragraphs] for ch in doc.layout.chapters] == [
        LAMP.paragraphs, [STAIRS.paragraphs[0], STAIRS.paragraphs[2]]]


def test_saved_fanfiction_net_page_reads_only_the_story_text(tmp_path: Path) -> None:
    from fanfic import ffnet_page

    path = tmp_path / "page.html"
    path.write_text(ffnet_page(WORK, chapter=2), encoding="utf-8")
    doc = open_document(path)
    lay = doc.layout
    assert (lay.title, lay.author, lay.summary) == ("The Lighthouse Keepers", "quill_and_ink", WORK.summary)
    assert _story(doc) == [PLAIN_CHAPTERS[1]]
    assert lay.chapters[0].number == 2
    assert "Review" not in doc.text and "Follow/Fav" not in doc.text and "Next" not in doc.text
    assert lay.info == WorkInfo(authors=("quill_and_ink",), fandoms=("Lanterns of the North",),
                                relationships=("Mara/Pell",), characters=("Mara", "Pell", "Noor"), rating="T",
                                tags=("Romance", "Drama"), language="English", status="Completed",
                                published="5/1/2023", updated="6/11/2023", words=1234, chapters="2",
                                site="FanFiction.net")


def test_drm_locked_epub_is_refused(tmp_path: Path) -> None:
    import zipfile

    from audiobook.errors import InputError

    path = tmp_path / "locked.epub"
    ao3_epub(WORK, path)
    with zipfile.ZipFile(path, "a") as z:  # as an Adobe ADEPT book lists its encrypted documents
        z.writestr("META-INF/encryption.xml",
                   '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                   'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                   '<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                   '<enc:CipherData><enc:CipherReference URI="EPUB/chapter.xhtml"/></enc:CipherData>'
                   "</enc:EncryptedData></encryption>")
        z.writestr("META-INF/rights.xml", "<adept:rights xmlns:adept='http://ns.adobe.com/adept'/>")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: the EPUB is locked by DRM (its text is encrypted): only a DRM-free copy can be read"


def test_font_obfuscation_is_not_drm(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "fonts.epub"
    ao3_epub(WORK, path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("META-INF/encryption.xml",
                   '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                   'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                   '<enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>'
                   '<enc:CipherData><enc:CipherReference URI="EPUB/font.otf"/></enc:CipherData>'
                   "</enc:EncryptedData></encryption>")
    assert [ch.title for ch in open_document(path).layout.chapters] == ["Chapter 1: The Lamp", "Chapter 2: Stairs"]


def test_html_page_with_no_story_text(tmp_path: Path) -> None:
    from audiobook.errors import InputError

    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>Nothing</title><script>var a = 1;</script></head><body><nav><a href='/'>"
                    "Home</a></nav><form><button>Log in</button></form></body></html>", encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: no story text in the page"


# ----------------------------------------------------------------------------------------------
# PDF


def test_ao3_pdf_reads_like_its_html(tmp_path: Path) -> None:
    from fanfic import ao3_pdf

    path = tmp_path / "work.pdf"
    ao3_pdf(WORK, path)
    doc = open_document(path)
    lay = doc.layout
    assert (lay.title, lay.author, lay.summary, lay.info) == (
        "The Lighthouse Keepers", "quill_and_ink, Second Hand", WORK.summary, INFO)
    assert _story(doc) == [
        ("Chapter 1: The Lamp", [(0, p) for p in LAMP.paragraphs], ["summary", "author's note", "author's note"]),
        ("Chapter 2: Stairs", [(0, STAIRS.paragraphs[0]), (1, STAIRS.paragraphs[2])], []),
    ]
    assert [ch.summary for ch in lay.chapters] == ["Mara arrives at the lighthouse.", None]


LONG = ("The lighthouse stood on its rock like an exclamation mark that nobody had asked for, and the keepers "
        "grumbled about its extraordinarily inconvenient staircase every single morning of the interminable winter.")


def test_pdf_book_pages_rebuild_paragraphs(tmp_path: Path) -> None:
    from fanfic import book_pdf

    paragraphs = [LONG, "\u201cIs it cold up there?\u201d asked Mara.", LONG.replace("lighthouse", "lamp-room"), "Short.",
                  LONG.upper()[:60] + " and then it went on in ordinary letters again, for a while, to the end."]
    path = tmp_path / "book.pdf"
    book_pdf("The Lighthouse Keepers", [("Chapter One: Stairs", paragraphs * 3),
                                        ("Chapter Two: The Lamp", paragraphs[:2])], path)
    doc = open_document(path)
    # Three pages or more: the running header and the page numbers are gone, hyphenated words are whole.
    assert [(ch.title, [doc.text[p.start:p.end] for p in ch.paragraphs]) for ch in doc.layout.chapters] == [
        ("Chapter One: Stairs", paragraphs * 3), ("Chapter Two: The Lamp", paragraphs[:2])]
    assert doc.layout.title == "The Lighthouse Keepers"


def test_encrypted_pdf_is_a_clear_error(tmp_path: Path) -> None:
    from fanfic import book_pdf

    from audiobook.errors import InputError

    path = tmp_path / "locked.pdf"
    book_pdf("Locked", [("Chapter 1", [LONG])], path, password="secret")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: the PDF is encrypted (it needs a password): save an unlocked copy first"


def test_scanned_pdf_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fanfic import scanned_pdf

    path = tmp_path / "scan.pdf"
    scanned_pdf(path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["script", "scan.pdf", "--voices", "none/voices.yaml"])
    assert (result.exit_code, result.output) == (
        1, "Error: scan.pdf: no text layer: this PDF is scanned pages (run it through OCR first)\n")


def test_not_a_pdf(tmp_path: Path) -> None:
    from audiobook.errors import InputError

    path = tmp_path / "fake.pdf"
    path.write_text("Chapter 1\n\nHello.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: not a PDF (it does not start with %PDF-)"


# ----------------------------------------------------------------------------------------------
# The user's chapter as every format: the same dialogue, the same speakers


def _dialogue(path: Path, tmp_path: Path) -> list[tuple[str | None, str]]:
    result = CliRunner().invoke(main, ["script", "--format", "json", str(path), "--voices",
                                       str(tmp_path / "none" / "voices.yaml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [(s["speaker"], " ".join(s["text"].split())) for s in json.loads(result.stdout) if s["kind"] == "dialogue"]


def test_the_users_chapter_as_ao3_html_epub_and_pdf_speaks_the_same(user_chapter: Path, tmp_path: Path) -> None:
    from fanfic import ao3_pdf, book_pdf

    plain = open_document(user_chapter)
    [chapter] = plain.layout.chapters
    paragraphs = [" ".join(plain.text[p.start:p.end].split()) for p in chapter.paragraphs]
    assert plain.layout.title
    work = Work(plain.layout.title, ["the author"], [Chap(chapter.title, paragraphs)], summary=plain.layout.summary,
                notes=None, end_notes=None)
    expected = _dialogue(user_chapter, tmp_path)
    assert len(expected) > 10
    files = {"html": tmp_path / "ao3.html", "epub": tmp_path / "ao3.epub", "pdf": tmp_path / "ao3.pdf",
             "book": tmp_path / "book.pdf"}
    files["html"].write_text(ao3_html(work), encoding="utf-8")
    ao3_epub(work, files["epub"])
    ao3_pdf(work, files["pdf"])
    book_pdf(plain.layout.title, [(chapter.title, paragraphs)], files["book"],
             front=(f"Summary: {plain.layout.summary}",))
    for name, path in files.items():
        assert _dialogue(path, tmp_path) == expected, name


def test_damaged_pdf_is_one_error_line_and_nothing_else(tmp_path: Path) -> None:
    import subprocess
    import sys

    from fanfic import book_pdf

    good = tmp_path / "good.pdf"
    book_pdf("Torn", [("Chapter 1", [LONG] * 4)], good)
    data = bytearray(good.read_bytes())
    start = data.index(b"stream") + 20
    data[start:start + 200] = b"\x00" * 200  # a page's content stream torn
    (tmp_path / "torn.pdf").write_bytes(bytes(data[: len(data) * 2 // 3]))
    done = subprocess.run([sys.executable, "-c", "from audiobook.cli import main; main()", "script", "torn.pdf",
                           "--voices", "none.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("Error: torn.pdf: ") and done.stderr.count("\n") == 1, done.stderr
