"""The clip cache: sizes, LRU eviction, clearing, temp sweeps, and re-renders that synthesise only what changed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import pytest
from bookgen import book, cache_clips, valid_wav
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from audiobook.audio import cache
from audiobook.audio.cache import (
    CacheInUse,
    cache_info,
    cache_limit,
    clear_cache,
    evict,
    parse_size,
    sweep_temp,
)
from audiobook.audio.synth import ClipStore, clip_key, get_engine, wav_frames
from audiobook.cli import main
from audiobook.errors import ConfigError
from audiobook.pipeline import RenderOptions, plan, render
from audiobook.voices.config import load_config


def fake_clip(path: Path, frames: int = 1000, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\x01\x00" * frames)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def key(i: int) -> str:
    return f"{i:02x}" + "0" * 62


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(("text", "size"), [
    ("2G", 2 * 1024**3), ("500M", 500 * 1024**2), ("1.5GB", int(1.5 * 1024**3)), ("64 KiB", 65536),
    ("123", 123), ("1t", 1024**4),
])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1G", "2X", "1.2.3M"])
def test_bad_sizes_name_the_setting(text: str) -> None:
    with pytest.raises(ConfigError, match=f"AUDIOBOOK_CACHE_LIMIT: {text!r} is not a size"):
        parse_size(text)


def test_bad_cache_limit_option_is_one_readable_error(tmp_path: Path) -> None:
    # The option's error goes through the one AudiobookError path: exit 1, one line, no usage text.
    src = tmp_path / "ch.txt"
    src.write_text("Hello.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", "--cache-limit", "lots", str(src)])
    assert result.exit_code == 1
    assert result.output == "Error: --cache-limit: 'lots' is not a size (examples: 2G, 500M, 1048576)\n"


@given(st.integers(min_value=0, max_value=2**50))
def test_plain_byte_counts_round_trip(n: int) -> None:
    assert parse_size(str(n)) == n


def test_limit_from_env_else_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIOBOOK_CACHE_LIMIT", raising=False)
    assert cache_limit() == 2 * 1024**3
    monkeypatch.setenv("AUDIOBOOK_CACHE_LIMIT", "10M")
    assert cache_limit() == 10 * 1024**2
    assert cache_limit(5) == 5


def test_store_rejects_truncated_clips_and_touches_hits(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    path = fake_clip(store.path(key(1)), frames=5000, mtime=1_000_000)
    clip = store.get(key(1), 22050)
    assert clip is not None and clip.frames == 5000
    assert path.stat().st_mtime > time.time() - 60  # a hit is a use: it moves to the back of the LRU queue
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # what a killed writer without rename would leave
    assert wav_frames(path) == 0
    assert store.get(key(1), 22050) is None


def test_eviction_removes_least_recently_used_first(tmp_path: Path) -> None:
    now = time.time()
    paths = [fake_clip(ClipStore(tmp_path).path(key(i)), frames=10_000, mtime=now - 1000 + i) for i in range(10)]
    size = paths[0].stat().st_size
    ClipStore(tmp_path).get(key(0), 22050)  # the oldest is used again: now the newest
    removed, freed = evict(tmp_path, limit=size * 6 + 10)
    assert (removed, freed) == (4, 4 * size)
    assert [p.exists() for p in paths] == [True, False, False, False, False, True, True, True, True, True]
    assert cache_info(tmp_path).bytes <= size * 6 + 10
    assert evict(tmp_path, limit=size * 6 + 10) == (0, 0)


def test_eviction_waits_for_no_render_and_clear_refuses_while_one_runs(tmp_path: Path) -> None:
    fake_clip(ClipStore(tmp_path).path(key(1)))
    with cache.using_cache(tmp_path):  # a render in progress (a shared lock, as another process would hold)
        assert evict(tmp_path, limit=0) == (0, 0)
        with pytest.raises(CacheInUse, match="is in use by a render"):
            clear_cache(tmp_path)
    assert evict(tmp_path, limit=0) == (1, fake_clip_size())
    assert cache_info(tmp_path).clips == 0


def fake_clip_size() -> int:
    return 44 + 1000 * 2


def test_sweep_removes_only_dead_writers_temp_files(tmp_path: Path) -> None:
    dead, live = dead_pid(), os.getpid()
    folder = tmp_path / "ab"
    stale = [fake_clip(folder / f".{key(0xab)}.{dead}.tmp.wav"), fake_clip(folder / f".{key(0xab)}.{dead}.part0.tmp.wav")]
    mine = fake_clip(folder / f".{key(0xab)}.{live}.tmp.wav")
    clip = fake_clip(folder / f"{key(0xab)}.wav")
    assert cache_info(tmp_path).temp_files == 3
    assert sweep_temp(tmp_path) == 2
    assert not any(p.exists() for p in stale)
    assert mine.exists() and clip.exists()


def test_cache_commands(tmp_path: Path) -> None:
    for i in range(3):
        fake_clip(ClipStore(tmp_path).path(key(i)))
    runner = CliRunner()
    info = runner.invoke(main, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert info.exit_code == 0, info.output
    assert f"Cache folder: {tmp_path}" in info.output
    assert "Clips: 3 (6.0 kB)" in info.output
    assert "Size limit: 2.0 GB" in info.output
    with cache.using_cache(tmp_path):
        busy = runner.invoke(main, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert busy.exit_code == 1
    assert busy.output == f"Error: the clip cache {tmp_path} is in use by a render; try again when it has finished\n"
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0
    assert cleared.output == f"Removed 3 clips (6.0 kB) from {tmp_path}.\n"
    assert cache_clips(tmp_path) == []


def test_default_cache_folder_is_used_by_the_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "c"))
    fake_clip(ClipStore(tmp_path / "c").path(key(5)))
    out = CliRunner().invoke(main, ["cache", "info"]).output
    assert f"Cache folder: {tmp_path / 'c'}" in out and "Clips: 1 " in out


# --- with real speech --------------------------------------------------------------------------

def _render(src: Path, root: Path, **kw: object):
    return render([src], RenderOptions(voices=root / "voices.yaml", out_dir=root / "out", cache_dir=root / "cache",
                                       jobs=1, **kw))  # type: ignore[arg-type]


def test_rerenders_synthesise_only_what_changed(tmp_path: Path) -> None:
    src = tmp_path / "book.txt"
    src.write_text(book(2, 10, speakers=("Anna", "Boris", "Clara")), encoding="utf-8")
    first = _render(src, tmp_path)
    clips = cache_clips(tmp_path / "cache")
    assert first.clips_synthesized == len(clips) > 20  # repeated text ("said Anna.") once
    assert all(valid_wav(p) for p in clips)
    stamps = {ch.path: ch.path.stat().st_mtime_ns for ch in first.chapters}

    again = _render(src, tmp_path)
    assert again.clips_synthesized == 0
    assert {ch.path: ch.path.stat().st_mtime_ns for ch in again.chapters} == stamps  # files kept, not re-encoded
    assert [c.cues for c in again.chapters] == [c.cues for c in first.chapters]
    assert [c.duration_ms for c in again.chapters] == [c.duration_ms for c in first.chapters]

    # Give Boris another voice: exactly his lines are synthesised again.
    voices = tmp_path / "voices.yaml"
    yaml = YAML()
    doc = yaml.load(voices.read_text(encoding="utf-8"))
    doc["characters"]["Boris"]["pitch"] = (doc["characters"]["Boris"]["pitch"] + 20) % 100
    with open(voices, "w", encoding="utf-8") as f:
        yaml.dump(doc, f)
    config = load_config(voices)
    version = get_engine("espeak").version()
    boris = {clip_key(job, version)
             for ch in first.chapters for segs in [plan(ch.chapter, config).segment_jobs()]
             for seg, jobs in zip(ch.chapter.segments, segs) if seg.speaker == "Boris" for job in jobs}
    changed = _render(src, tmp_path)
    assert changed.clips_synthesized == len(boris) == 2  # one line in each chapter
    # Both chapters hold a line of Boris: both are written again, with his new clips.
    assert all(ch.path.stat().st_mtime_ns != stamps[ch.path] for ch in changed.chapters)


def test_a_touched_output_file_is_written_again(tmp_path: Path) -> None:
    src = tmp_path / "book.txt"
    src.write_text(book(2, 6), encoding="utf-8")
    first = _render(src, tmp_path)
    one = first.chapters[0].path
    one.write_bytes(b"not an mp3")  # edited or damaged by someone else: never trusted
    again = _render(src, tmp_path)
    assert again.clips_synthesized == 0
    assert one.read_bytes()[:3] == b"ID3"
    assert again.chapters[0].duration_ms == first.chapters[0].duration_ms


def test_no_cache_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "book.txt"
    src.write_text(book(1, 4), encoding="utf-8")
    report = _render(src, tmp_path, use_cache=False)
    assert report.clips_synthesized == report.clips_total == 9
    # The render worked in a scratch folder under the cache (swept if it had been killed), now gone.
    info = cache_info(tmp_path / "cache")
    assert (info.clips, info.fragments, info.renders, info.bytes) == (0, 0, 0, 0)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != ".lock"]
    assert _render(src, tmp_path, use_cache=False).clips_synthesized == report.clips_synthesized


def test_render_evicts_over_the_limit(tmp_path: Path) -> None:
    src = tmp_path / "book.txt"
    src.write_text(book(1, 6), encoding="utf-8")
    report = _render(src, tmp_path)
    mine = cache_clips(tmp_path / "cache")
    size = sum(p.stat().st_size for p in mine)
    old = [fake_clip(ClipStore(tmp_path / "cache").path(key(i)), frames=50_000, mtime=1_000_000 + i) for i in range(4)]
    _render(src, tmp_path, cache_limit=size + 1000)
    assert not any(p.exists() for p in old)  # clips nobody used lately go first
    assert sorted(cache_clips(tmp_path / "cache")) == sorted(mine)  # this render's own clips were used: they stay
    assert len(mine) == report.clips_synthesized
    assert cache_info(tmp_path / "cache").bytes <= size + 1000


def test_eviction_forgets_chapter_files_that_are_gone(tmp_path: Path) -> None:
    src = tmp_path / "book.txt"
    src.write_text(book(2, 3), encoding="utf-8")
    report = _render(src, tmp_path)
    assert cache_info(tmp_path / "cache").renders == 2
    report.chapters[0].path.unlink()
    evict(tmp_path / "cache")
    assert cache_info(tmp_path / "cache").renders == 1
    again = _render(src, tmp_path)  # the deleted chapter is written again, from cached clips
    assert again.clips_synthesized == 0 and again.chapters[0].path.exists()
    assert cache_info(tmp_path / "cache").renders == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=40_000))
def test_eviction_keeps_the_most_recently_used_clips_that_fit(sizes: list[int], limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = [fake_clip(ClipStore(root).path(key(i)), frames=n, mtime=1_000_000 + i) for i, n in enumerate(sizes)]
        total = sum(p.stat().st_size for p in paths)
        removed, freed = evict(root, limit=limit)
        kept = [p.exists() for p in paths]
        assert cache_info(root).bytes == total - freed <= limit
        # What goes is always the oldest run, and no more than needed: keeping the last one removed
        # would have been over the limit.
        assert kept == sorted(kept)
        assert removed == kept.count(False)
        if removed:
            assert total - freed + (44 + 2 * sizes[removed - 1]) > limit


def test_a_damaged_entry_is_replaced_and_a_valid_one_kept(tmp_path: Path) -> None:
    from audiobook.audio.synth import install_clip

    dest = fake_clip(tmp_path / "ab" / f"{key(0xab)}.wav", frames=300)
    theirs = dest.read_bytes()
    mine = fake_clip(tmp_path / "ab" / ".mine.1.tmp.wav", frames=500)
    assert install_clip(mine, dest) == 300  # another writer got there first: theirs stays, mine goes
    assert dest.read_bytes() == theirs and not mine.exists()
    dest.write_bytes(theirs[:100])  # damaged by something else
    mine = fake_clip(tmp_path / "ab" / ".mine.1.tmp.wav", frames=500)
    assert install_clip(mine, dest) == 500
    assert wav_frames(dest) == 500 and not mine.exists()
