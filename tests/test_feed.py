"""The podcast feed, read by feedparser: every chapter file with enclosure, duration, number, stable GUID."""

from __future__ import annotations

import shutil

import feedparser
import pytest
from mutagen.id3 import ID3, TIT2, TRCK
from mutagen.mp3 import MP3
from podcast_book import render_book

from audiobook.publish.feed import FEED_NAME, build_feed, guid, url_for


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("feed")
    return root, render_book(root, base_url="http://books.example:9000/glass/")


def _parse(data: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feedparser_finds_every_episode_with_enclosure_and_duration(book) -> None:
    _, report = book
    folder = report.chapters[0].path.parent
    feed = _parse((folder / FEED_NAME).read_bytes())
    assert feed.version == "rss20"
    assert feed.feed.title == "The Glass Orchard"
    assert feed.feed.author_detail.name == "Iris Vale" or feed.feed.get("itunes_author") == "Iris Vale"
    assert feed.feed.image.href == "http://books.example:9000/glass/cover.jpg"
    assert feed.feed.itunes_type == "serial"
    assert len(feed.entries) == len(report.chapters) == 2
    for entry, chapter in zip(feed.entries, report.chapters):
        assert entry.title == chapter.chapter.title
        (enclosure,) = entry.enclosures
        assert enclosure.href == url_for("http://books.example:9000/glass/", chapter.path.name)
        assert "%20" in enclosure.href  # file names with spaces are percent-encoded
        assert int(enclosure.length) == chapter.path.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert int(entry.itunes_episode) == chapter.track
        h, m, s = map(int, entry.itunes_duration.split(":"))
        assert abs(h * 3600 + m * 60 + s - MP3(chapter.path).info.length) <= 1
        assert entry.id == guid("The Glass Orchard", chapter.path)
    # Apps that sort by date still see the chapters in order.
    assert feed.entries[0].published_parsed < feed.entries[1].published_parsed


def test_guids_do_not_depend_on_the_url(book) -> None:
    _, report = book
    folder = report.chapters[0].path.parent
    a = _parse(build_feed(folder, "http://127.0.0.1:8000/"))
    b = _parse(build_feed(folder, "https://elsewhere.example/x/"))
    assert [e.id for e in a.entries] == [e.id for e in b.entries]
    assert [e.enclosures[0].href for e in a.entries] != [e.enclosures[0].href for e in b.entries]


def test_feed_lists_every_chapter_file_in_the_folder_and_rerenders_keep_guids(book) -> None:
    root, report = book
    folder = report.chapters[0].path.parent
    before = _parse((folder / FEED_NAME).read_bytes())
    # A chapter rendered earlier by another run (here: a copy tagged as track 3) stays in the feed.
    extra = folder / "03 - Chapter 3 Later.mp3"
    shutil.copy(report.chapters[1].path, extra)
    tags = ID3(extra)
    tags.add(TIT2(encoding=3, text="Chapter 3: Later"))
    tags.add(TRCK(encoding=3, text="3/3"))
    tags.save()
    render_book(root, base_url="http://books.example:9000/glass/")
    after = _parse((folder / FEED_NAME).read_bytes())
    assert [e.title for e in after.entries] == ["Chapter 1: Lanterns", "Chapter 2: The Road", "Chapter 3: Later"]
    assert [e.id for e in after.entries[:2]] == [e.id for e in before.entries]
    assert [int(e.itunes_episode) for e in after.entries] == [1, 2, 3]
    extra.unlink()


def test_hidden_temp_files_and_stray_files_are_not_episodes(book) -> None:
    _, report = book
    folder = report.chapters[0].path.parent
    temp = folder / ".01 - Chapter 1 Lanterns.123.part.mp3"
    temp.write_bytes(b"half")
    stray = folder / "notes.mp3"  # not audio at all
    stray.write_text("hello")
    try:
        assert len(_parse(build_feed(folder)).entries) == len(report.chapters)
    finally:
        temp.unlink()
        stray.unlink()


def test_dates_are_the_render_times_kept_in_the_files_not_their_modification_times(tmp_path) -> None:
    import os
    import time
    from email.utils import parsedate_to_datetime

    root = tmp_path / "r"
    root.mkdir()
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"  # the render's "now" (2023-11-14 22:13:20 UTC)
    try:
        report = render_book(root)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    folder = report.chapters[0].path.parent

    def dates(where) -> list[int]:
        feed = _parse(build_feed(where))
        return [int(parsedate_to_datetime(e.published).timestamp()) for e in feed.entries]

    assert dates(folder) == [1700000000, 1700000060]  # in track order, a minute apart
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)  # copied folder: new modification times...
    for p in copy.glob("*.mp3"):
        os.utime(p, (time.time() + 86400, time.time() + 86400))
    assert dates(copy) == [1700000000, 1700000060]  # ...the same dates
    again = render_book(root)  # nothing changed: the chapters are kept, their dates too
    assert [c.path.stat().st_mtime_ns for c in again.chapters] == [c.path.stat().st_mtime_ns for c in report.chapters]
    assert dates(folder) == [1700000000, 1700000060]
    (root / "output" / "The Glass Orchard" / "02 - Chapter 2 The Road.mp3").touch()  # touched: written again,
    render_book(root)  # the same content: its date stays
    assert dates(folder) == [1700000000, 1700000060]
    from podcast_book import TEXT

    render_book(root, text=TEXT.replace("counted the stones", "counted the pebbles"))  # chapter 2 changed
    first, second = dates(folder)
    assert first == 1700000000 and second > time.time() - 600  # re-dated: when it was rendered again
