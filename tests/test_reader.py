"""open_document / expand_inputs: bytes, encodings, formats and the errors users can cause."""

from __future__ import annotations

import codecs
import importlib.util
import os
import re
import zipfile
from pathlib import Path

import pytest

from audiobook.errors import InputError
from audiobook.model import ChapterLayout
from audiobook.text.reader import Document, decode, expand_inputs, open_document

INPUTS = Path(__file__).resolve().parent / "inputs"

# HTML and EPUB need beautifulsoup4 (+ lxml) and ebooklib; without them those tests skip visibly.
needs_bs4 = pytest.mark.skipif(importlib.util.find_spec("bs4") is None, reason="beautifulsoup4 is not installed")
needs_ebooklib = pytest.mark.skipif(
    importlib.util.find_spec("ebooklib") is None or importlib.util.find_spec("bs4") is None,
    reason="ebooklib/beautifulsoup4 are not installed",
)


def _collapse(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _chapter(doc: Document, ch: ChapterLayout) -> tuple:
    """A chapter as (title, number, heading, [(scene, paragraph)], [skipped labels]) read via Document.read."""
    body = doc.read(ch)
    paras = [(p.scene, _collapse(body[p.start - ch.start:p.end - ch.start])) for p in ch.paragraphs]
    heading = _collapse(doc.text[ch.heading.start:ch.heading.end]) if ch.heading else None
    return ch.title, ch.number, heading, paras, [s.label for s in ch.skipped]


# name -> (title, author, summary, front labels, chapters)
EXPECTED: dict[str, tuple] = {
    "hard_wrapped.txt": (None, None, None, [], [
        ("Chapter IV: The Lighthouse Keeper", 4, "CHAPTER IV. The Lighthouse Keeper", [
            (0, "The keeper of the northern light had not spoken to another living soul for the better "
                "part of three winters, and he had come to prefer it that way. The gulls were company "
                "enough, and the sea said everything twice."),
            (0, '"You will catch your death out there," his sister had written, in the last letter that '
                "reached the rock before the ice closed the harbour."),
            (0, "He had folded the letter into eighths and used it to level the table."),
            (0, "When the boat came at last in April, it brought a stranger with a carpet-bag and a great "
                "deal of opinion about the weather, the lamp, the price of oil, and the keeper's beard."),
        ], []),
    ]),
    "one_per_line.txt": (None, None, None, [], [
        ("Chapter 3: The Orchard", 3, "Chapter 3: The Orchard", [
            (0, '"Are you coming?" Mira called from the gate.'),
            (0, '"In a minute," said Tobias, who had no intention of coming at all.'),
            (0, "She waited, tapping her boot against the post, then gave up and went alone."),
            (0, "The orchard was quiet. Somewhere a wasp was drunk on a fallen plum."),
            (0, '"Tobias!"'),
            (0, "Nothing."),
        ], []),
    ]),
    "indented.txt": (None, None, None, [], [
        ("Chapter 7", 7, "Chapter 7", [
            (0, "The rain had not stopped for nine days, and the river had risen to the second step of the mill."),
            (0, '"We should move the flour," said Wen, looking at the water.'),
            (0, "Her father did not answer. He was counting sacks under his breath, and his lips moved like "
                "a man at prayer, and he did not look up until the counting was done."),
            (0, '"Tomorrow," he said at last.'),
        ], []),
    ]),
    "book.txt": ("The Salt Road", "Perpetua Hale", None, ["title", "byline"], [
        ("Part One, Chapter 1: The Well", 1, "PART ONE Chapter 1: The Well", [
            (0, "The well at the crossroads had been dry for a hundred years."),
            (0, "Nobody drew from it, but everybody looked in."),
        ], []),
        ("Chapter 2: The Merchant", 2, "Chapter 2 The Merchant", [
            (0, "A merchant came down the salt road with four mules."),
            (1, "He left with three."),
        ], []),
        ("Part Two, Chapter III: The Reckoning", 3, "PART TWO CHAPTER III. THE RECKONING", [
            (0, "It was a year before anyone asked about the fourth mule."),
        ], []),
        ("Chapter Four", 4, "Chapter Four", [
            (0, "The answer, when it came, was not what the village expected."),
        ], []),
        ("Epilogue", None, "Epilogue", [(0, "The well is still dry.")], []),
    ]),
    "gutenberg.txt": ("The Copper Kettle", "Lorcan Fenwick", None,
                      ["gutenberg", "front matter", "contents", "gutenberg"], [
        ("Chapter I: The Kettle Arrives", 1, "CHAPTER I. The Kettle Arrives", [
            (0, "The kettle came in a crate marked FRAGILE, which the carter had ignored with great thoroughness."),
            (0, '"It\'s dented," said Mrs. Pell.'),
        ], []),
        ("Chapter II: The Kettle Sings", 2, "CHAPTER II. The Kettle Sings", [
            (0, "On the first cold morning it sang, and the cat left the kitchen for good."),
        ], []),
        ("Chapter III: The Kettle Departs", 3, "CHAPTER III. The Kettle Departs", [
            (0, "It was given, at last, to the church bazaar, where it fetched ninepence."),
        ], []),
    ]),
    "front_matter.txt": (
        "The Rising", None, "Two rival bakers, one oven, and a village fete that cannot end well.",
        ["summary", "disclaimer", "rating", "author's note", "title"], [
            ("Chapter One: Flour", 1, "Chapter One: Flour", [
                (0, "Agnes had been up since four, and the bread knew it."),
                (0, '"You\'re in my kitchen," said Horace.'),
            ], ["author's note"]),
        ]),
    "scene_breaks.txt": (None, None, None, [], [
        ("Chapter 9: Breaks", 9, "Chapter 9: Breaks",
         [(n, w + ".") for n, w in enumerate("One Two Three Four Five Six Seven Eight Nine".split())], []),
    ]),
    "story.md": ("The Glass Garden", None, None, ["title"], [
        ("Chapter 1: Seeds", 1, "Chapter 1: Seeds", [
            (0, "The first seed came in a letter, folded into a square of wax paper ."),
            (0, '"Plant it," the letter said, "and do not water it."'),
            (1, "She planted it anyway."),
        ], []),
        ("Chapter 2: Shoots", 2, "Chapter 2: Shoots", [
            (0, "By morning there was a glass stem as thin as a needle."),
        ], []),
    ]),
    "no_heading.txt": (None, None, None, [], [
        ("no_heading", 1, None, [
            (0, "The kettle was singing again."),
            (0, "Nobody had filled it. Nobody had lit the stove."),
        ], []),
    ]),
}


def test_every_input_file_has_an_expectation() -> None:
    assert sorted(p.name for p in INPUTS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_input_segmentation(name: str) -> None:
    title, author, summary, front, chapters = EXPECTED[name]
    doc = open_document(INPUTS / name)
    lay = doc.layout
    assert (lay.title, lay.author, lay.summary) == (title, author, summary)
    assert [s.label for s in lay.front] == front
    assert [_chapter(doc, ch) for ch in lay.chapters] == chapters


def test_markdown_offsets_are_offsets_into_the_file_text() -> None:
    doc = open_document(INPUTS / "story.md")
    raw = (INPUTS / "story.md").read_text(encoding="utf-8")
    assert len(doc.text) == len(raw)
    # Markup became spaces; every other character stays where it was in the file.
    assert all(c == r for c, r in zip(doc.text, raw) if not c.isspace())
    assert [i for i, c in enumerate(doc.text) if c == "\n"] == [i for i, c in enumerate(raw) if c == "\n"]
    assert "*" not in doc.text and "#" not in doc.text and "https" not in doc.text


def test_include_front_matter_reads_notes_and_summary() -> None:
    doc = open_document(INPUTS / "front_matter.txt", include_front_matter=True)
    [ch] = doc.layout.chapters
    paras = [_collapse(doc.text[p.start:p.end]) for p in ch.paragraphs]
    assert paras[0].startswith("Summary: Two rival bakers")
    assert "Also huge thanks to my beta reader." in paras
    assert paras[-1] == "Next chapter: the fete."
    assert ch.skipped == ()
    assert [s.label for s in doc.layout.front] == ["title"]
    assert doc.read(ch).startswith("Summary:")


def test_include_front_matter_moves_licence_to_the_last_chapter() -> None:
    doc = open_document(INPUTS / "gutenberg.txt", include_front_matter=True)
    first, *_, last = doc.layout.chapters
    assert doc.text[first.paragraphs[0].start:].startswith("The Project Gutenberg eBook")
    assert doc.text[last.paragraphs[-1].start:last.paragraphs[-1].end] == "THE FULL PROJECT GUTENBERG LICENSE"


# ----------------------------------------------------------------------------------------------
# Encodings and line endings

STORY = 'Chapter 1: Café\n\n“Où est René?” asked Zoë — twice.\n\nShe waited… «nothing».\n'


@pytest.mark.parametrize(
    ("label", "encode"),
    [
        ("utf-8", lambda s: s.encode("utf-8")),
        ("utf-8 with BOM", lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")),
        ("utf-16 LE with BOM", lambda s: s.encode("utf-16")),
        ("utf-16 BE with BOM", lambda s: b"\xfe\xff" + s.encode("utf-16-be")),
        ("utf-32 with BOM", lambda s: s.encode("utf-32")),
        ("cp1252", lambda s: s.encode("cp1252")),
        ("utf-8 CRLF", lambda s: s.replace("\n", "\r\n").encode("utf-8")),
        ("cp1252 CR", lambda s: s.replace("\n", "\r").encode("cp1252")),
        ("utf-16 CRLF", lambda s: s.replace("\n", "\r\n").encode("utf-16")),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, label: str, encode) -> None:
    path = tmp_path / "chapter.txt"
    path.write_bytes(encode(STORY))
    doc = open_document(path)
    assert doc.text == STORY, label
    [ch] = doc.layout.chapters
    assert ch.title == "Chapter 1: Café"
    assert [doc.text[p.start:p.end] for p in ch.paragraphs] == [
        "“Où est René?” asked Zoë — twice.", "She waited… «nothing»."]


BOOK = ("Title Line\n\nChapter 1: Café\n\n“Où est René?” asked Zoë.\n\nChapter 2: Noël\n\n"
        "Ça va — 𝒜 star ✨ here.\n\nA/N: merci!\n")


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "cp1252"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_read_gives_each_chapter_from_the_file(tmp_path: Path, codec: str, newline: str) -> None:
    book = BOOK if codec != "cp1252" else BOOK.replace("𝒜 star ✨", "a star *")
    path = tmp_path / "book.txt"
    path.write_bytes(book.replace("\n", newline).encode(codec))
    doc = open_document(path)
    assert doc.text == book
    assert [ch.title for ch in doc.layout.chapters] == ["Chapter 1: Café", "Chapter 2: Noël"]
    for ch in doc.layout.chapters:
        assert doc.read(ch) == book[ch.start:ch.end]
    assert doc.read(doc.layout.chapters[1]).startswith("Chapter 2: Noël\n\nÇa va")


def test_file_changed_after_opening(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    doc = open_document(path)
    path.write_text(BOOK.replace("Café", "Cafe"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        doc.read(doc.layout.chapters[1])
    assert str(err.value) == f"{path}: the file changed while it was being read"


def test_cp1252_curly_quotes_bytes() -> None:
    assert decode(b"\x93Hello,\x94 she said \x97 softly.", "x.txt") == "“Hello,” she said — softly."


def test_latin1_text() -> None:
    assert decode("Déjà vu, señor.".encode("latin-1"), "x.txt") == "Déjà vu, señor."


def test_bytes_neither_utf8_nor_cp1252(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        decode(b"caf\xe9 \x81", "odd.txt")
    assert str(err.value) == ("odd.txt: not a text file (byte 0x81 at offset 5 is neither UTF-8 nor "
                              "Windows-1252; first non-UTF-8 byte at offset 3)")


# ----------------------------------------------------------------------------------------------
# HTML and EPUB

PAGE = """<!DOCTYPE html><html><head><title>The Night Ferry Chapter 2, a fandom fanfic | FanFiction</title>
<script>var x = "not story";</script><style>p{color:red}</style></head>
<body><div id="top"><a href="/">Home</a> | <a href="/login">Login</a></div>
<div id="profile_top"><b class="xcontrast_txt">The Night Ferry</b> By: <a href="/u/1">Quill</a>
<div>Rated: T - English - Words: 900</div></div>
<div id="storytext" class="storytext">
<p>A/N: Thanks for all the reviews!</p>
<p><strong>Chapter 2: Fog</strong></p>
<p>The ferry left at midnight, and the fog came with it, rolling over the rail like milk.</p>
<p>"Do you see the lights?" asked Noor.<br>"No," said Pell. "Not yet."</p>
<hr>
<p>By morning they had <em>arrived</em>, though nobody could say where &amp; when.</p>
</div>
<div id="footer">Copyright FanFiction 2024</div>
</body></html>"""


@needs_bs4
def test_html_page(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = open_document(path)
    assert (doc.layout.title, doc.layout.author) == ("The Night Ferry", "Quill")
    assert [s.label for s in doc.layout.front] == ["author's note"]
    [ch] = doc.layout.chapters
    assert _chapter(doc, ch) == ("Chapter 2: Fog", 2, "Chapter 2: Fog", [
        (0, "The ferry left at midnight, and the fog came with it, rolling over the rail like milk."),
        (0, '"Do you see the lights?" asked Noor.'),
        (0, '"No," said Pell. "Not yet."'),
        (1, "By morning they had arrived, though nobody could say where & when."),
    ], [])
    assert "not story" not in doc.text and "Copyright" not in doc.text and "Login" not in doc.text


@needs_bs4
def test_html_without_story_container_uses_h_tags(tmp_path: Path) -> None:
    path = tmp_path / "plain.htm"
    path.write_text("<html><body><h1>Glass</h1><h2>The First Pane</h2><p>It cracked.</p>"
                    "<h2>The Second Pane</h2><p>It held.</p></body></html>", encoding="utf-8")
    doc = open_document(path)
    assert doc.layout.title == "Glass"
    assert [_chapter(doc, ch)[:4] for ch in doc.layout.chapters] == [
        ("The First Pane", None, "The First Pane", [(0, "It cracked.")]),
        ("The Second Pane", None, "The Second Pane", [(0, "It held.")]),
    ]


def _write_epub(path: Path) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("paper-moon")
    book.set_title("The Paper Moon")
    book.set_language("en")
    book.add_author("Iris Quenby")
    cover = epub.EpubHtml(title="Cover", file_name="cover.xhtml", lang="en")
    cover.content = '<html><body><img src="moon.png"/></body></html>'
    one = epub.EpubHtml(title="One", file_name="c1.xhtml", lang="en")
    one.content = ("<html><body><h1>Chapter One: Paper</h1><p>The moon was made of paper.</p>"
                   "<p>\u201cFold it,\u201d said Ada.</p></body></html>")
    two = epub.EpubHtml(title="Two", file_name="c2.xhtml", lang="en")
    two.content = "<html><body><h2>Chapter Two</h2><p>She folded it twice.</p><hr/><p>It flew.</p></body></html>"
    titlepage = epub.EpubHtml(title="Title", file_name="title.xhtml", lang="en")
    titlepage.content = "<html><body><h1>The Paper Moon</h1><p>by Iris Quenby</p></body></html>"
    contents = epub.EpubHtml(title="Contents", file_name="toc.xhtml", lang="en")
    contents.content = "<html><body><h2>Contents</h2><p>Chapter One: Paper</p><p>Chapter Two</p></body></html>"
    untitled = epub.EpubHtml(title="Three", file_name="c3.xhtml", lang="en")
    untitled.content = "<html><body><p>A/N: last one!</p><p>And it never came down.</p></body></html>"
    for item in (cover, titlepage, contents, one, two, untitled):
        book.add_item(item)
    book.toc = (one, two, untitled)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", cover, titlepage, contents, one, two, untitled]
    epub.write_epub(str(path), book)


@needs_ebooklib
def test_epub_one_chapter_per_spine_document_with_text(tmp_path: Path) -> None:
    path = tmp_path / "moon.epub"
    _write_epub(path)
    doc = open_document(path)
    assert (doc.layout.title, doc.layout.author) == ("The Paper Moon", "Iris Quenby")
    assert [_chapter(doc, ch) for ch in doc.layout.chapters] == [
        ("Chapter One: Paper", 1, "Chapter One: Paper",
         [(0, "The moon was made of paper."), (0, "\u201cFold it,\u201d said Ada.")], []),
        ("Chapter Two", 2, "Chapter Two", [(0, "She folded it twice."), (1, "It flew.")], []),
        ("Chapter 3", 3, None, [(0, "And it never came down.")], ["author's note"]),
    ]
    assert [s.label for s in doc.layout.front] == ["title page", "contents"]


@needs_ebooklib
def test_broken_epub(tmp_path: Path) -> None:
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value).startswith(f"{path}: not a readable EPUB (")
    assert "\n" not in str(err.value)


# ----------------------------------------------------------------------------------------------
# Errors users can cause: exact one-line messages


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: no such file"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: the file is empty"


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(b"\xef\xbb\xbf \r\n\r\n\t\n")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: the file is empty"


def test_only_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Summary: A story I have not written yet.\n\nA/N: Coming soon!\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: no story text (only front matter)"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "chapter.bin"
    path.write_bytes(b"This is a line of text\x00\x01\x02")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: not a text file (binary byte 0x00 at offset 22)"


def test_binary_control_character_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes("ab\x01".encode("utf-16"))
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: not a text file (binary character 0x01 at offset 6)"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    path = tmp_path / f"locked{suffix}"
    path.write_text("Some text.", encoding="utf-8")
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: simulate the permission error the OS would give
        def deny(self: Path, *args: object, **kwargs: object):
            raise PermissionError(13, "Permission denied", str(self))
        real_open = os.open

        def deny_os(file: object, *args: object, **kwargs: object) -> int:
            if Path(str(file)) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(Path, "read_bytes", deny)
        monkeypatch.setattr(Path, "open", deny)
        monkeypatch.setattr(os, "open", deny_os)
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: cannot read the file (permission denied)"


def test_directory_where_a_file_is_expected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        open_document(tmp_path)
    assert str(err.value) == f"{tmp_path}: is a directory, not a file"


def test_directory_with_no_text_files(tmp_path: Path) -> None:
    (tmp_path / "cover.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(InputError) as err:
        expand_inputs([tmp_path])
    assert str(err.value) == f"{tmp_path}: the directory has no text files (.txt .md .html .htm .epub .pdf)"


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        expand_inputs([tmp_path])
    assert str(err.value) == f"{tmp_path}: the directory is empty"


def test_natural_order(tmp_path: Path) -> None:
    for name in ("ch10.txt", "ch2.txt", "ch1.md", "notes.odt", "Ch3.HTML", "ch4.pdf"):
        (tmp_path / name).write_text("Some text.", encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    other = tmp_path / "other.txt"
    assert [p.name for p in expand_inputs([tmp_path])] == ["ch1.md", "ch2.txt", "Ch3.HTML", "ch4.pdf", "ch10.txt"]
    assert expand_inputs([other]) == [other]  # files pass through as given


def test_user_chapter_opens(user_chapter: Path) -> None:
    doc = open_document(user_chapter)
    [ch] = doc.layout.chapters
    assert doc.layout.title == "His Heartbreak for Hers"
    assert ch.title == "Chapter One: His Decision"
    text = doc.read(ch)
    first = ch.paragraphs[0]
    assert text[first.start - ch.start:first.end - ch.start] == "He had almost lost her…"


def test_binary_html(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(b"<html>\x89PNG\x00\x00")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: not a text file (binary byte 0x00 at offset 10)"


@needs_bs4
def test_html_in_windows_1252_with_meta_charset(tmp_path: Path) -> None:
    path = tmp_path / "old.htm"
    path.write_bytes(b'<html><head><meta charset="windows-1252"><title>Old</title></head><body>'
                     b"<p>\x93Hi,\x94 she said.</p></body></html>")
    doc = open_document(path)
    [ch] = doc.layout.chapters
    assert [doc.text[p.start:p.end] for p in ch.paragraphs] == ["\u201cHi,\u201d she said."]
    assert doc.layout.title == "Old"


@needs_bs4
def test_html_paragraphs_made_of_br(tmp_path: Path) -> None:
    path = tmp_path / "old.html"
    path.write_text("<html><body><div>First line of the story.<br><br>Second one,<br>still second."
                    "<br/><br/>Third.</div></body></html>", encoding="utf-8")
    doc = open_document(path)
    [ch] = doc.layout.chapters
    assert [doc.text[p.start:p.end] for p in ch.paragraphs] == [
        "First line of the story.", "Second one,\nstill second.", "Third."]


@needs_bs4
def test_ao3_like_page(tmp_path: Path) -> None:
    path = tmp_path / "work.html"
    path.write_text(
        '<html><head><title>Lanterns - Chapter 1 - Someone - Fandom [Archive of Our Own]</title></head><body>'
        '<h2 class="title heading">Lanterns</h2><a rel="author" href="/users/someone">someone</a>'
        '<div id="chapters"><div class="chapter"><div class="chapter preface group">'
        '<h3 class="title">Chapter 1: Paper</h3>'
        '<div class="notes module"><h3 class="heading">Notes:</h3><p>My first work here.</p></div></div>'
        '<div class="userstuff module"><h3 class="landmark heading">Chapter Text</h3>'
        "<p>The lanterns went up one by one, and the river took their light downstream for miles.</p>"
        "<p>Nobody counted them.</p></div></div>"
        '<div class="chapter"><div class="chapter preface group"><h3 class="title">Chapter 2: Ash</h3></div>'
        '<div class="userstuff module"><h3 class="landmark heading">Chapter Text</h3>'
        "<p>In the morning only the frames were left, floating in the reeds like small ribs.</p></div></div>"
        "</div></body></html>",
        encoding="utf-8",
    )
    doc = open_document(path)
    assert (doc.layout.title, doc.layout.author) == ("Lanterns", "someone")
    got = [_chapter(doc, ch) for ch in doc.layout.chapters]
    assert got == [
        ("Chapter 1: Paper", 1, "Chapter 1: Paper", [
            (0, "The lanterns went up one by one, and the river took their light downstream for miles."),
            (0, "Nobody counted them.")], ["author's note"]),
        ("Chapter 2: Ash", 2, "Chapter 2: Ash", [
            (0, "In the morning only the frames were left, floating in the reeds like small ribs.")], []),
    ]


def test_parse_memory_bench_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    bench = Path(__file__).resolve().parents[1] / "bench" / "parse_memory.py"
    out = subprocess.run([sys.executable, str(bench), "--sizes", "0.3,0.6", "--dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = re.findall(r"^ +(\d+\.\d)MB +(\d+) +(\d+) .* (\d+\.\d\d)x .* (\d+\.\d\d)x", out, re.MULTILINE)
    assert [(size, chapters) for size, chapters, *_ in rows] == [("0.3", "5"), ("0.6", "10")]
    assert all(int(segments) > 0 for _, _, segments, *_ in rows)
    assert re.search(r"peak growth per MB of book \(0 -> 1 MB\): open -?\d+\.\d{3} MB/MB, script", out)


def test_mis_converted_windows_1252_punctuation_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mojibake.txt"
    path.write_bytes("\x93Hi,\x94 she said \x97 twice.\n\nChapter 2\n\nAgain\x85\n".encode())
    doc = open_document(path)
    assert doc.text == "“Hi,” she said — twice.\n\nChapter 2\n\nAgain…\n"
    assert doc.read(doc.layout.chapters[-1]) == "Chapter 2\n\nAgain…"


def test_markdown_headings_that_do_not_say_chapter(tmp_path: Path) -> None:
    path = tmp_path / "tale.md"
    path.write_text("# Salt\n\n## The Well\n\nIt was *dry*.\n\n## The Rain\n\nIt came.\n", encoding="utf-8")
    doc = open_document(path)
    assert doc.layout.title == "Salt"
    assert [_chapter(doc, ch) for ch in doc.layout.chapters] == [
        ("The Well", None, "The Well", [(0, "It was dry .")], []),
        ("The Rain", None, "The Rain", [(0, "It came.")], []),
    ]


def test_missing_html_package_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>Hi.</p>", encoding="utf-8")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bs4" else real(name, *a))
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == (f"{path}: reading .html files needs the 'beautifulsoup4' package "
                              "(pip install beautifulsoup4)")


@pytest.mark.parametrize("data, message", [
    # A BOM names the encoding: bytes it cannot decode are reported in its name.
    (codecs.BOM_UTF16_LE + "Hi".encode("utf-16-le") + b"\x00\xdc" + b"x\x00", "not valid UTF-16-LE (byte 0x00 at offset 6)"),
    # Neither UTF-8 (0x93 alone) nor Windows-1252 (0x81 is undefined there).
    (b"Story \x93text\x94 and \x81 more.\n", "not a text file (byte 0x81 at offset 17 is neither UTF-8 nor "
                                               "Windows-1252; first non-UTF-8 byte at offset 6)"),
    # A binary byte after the first non-UTF-8 byte is still the reason given.
    (b"Story \x93text\x94" + b"x" * 5000 + b"\x00\x81", "not a text file (binary byte 0x00 at offset 5012)"),
])
@pytest.mark.parametrize("chunk", [5, 1 << 18])
def test_undecodable_plain_text_names_the_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes,
                                               message: str, chunk: int) -> None:
    from audiobook.text import plain

    monkeypatch.setattr(plain, "_CHUNK", chunk)  # the streamed reader gives the same offsets at any chunk size
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: {message}"
