"""Interrupted renders (Ctrl-C, SIGKILL, a full disk) leave nothing half-written and resume from the cache."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bookgen import book, cache_clips, cached, planned_keys, valid_wav
from mutagen.mp3 import MP3

from audiobook.audio import outputs
from audiobook.audio.synth import get_engine
from audiobook.errors import OutputError
from audiobook.pipeline import RenderOptions, render

AUDIOBOOK = Path(sys.executable).parent / "audiobook"


def cli(*args: str | Path) -> list[str]:
    """The installed console script, as a user runs it."""
    if not AUDIOBOOK.exists():
        pytest.skip(f"{AUDIOBOOK} is not installed (pip install -e .)")
    return [sys.executable, str(AUDIOBOOK), *map(str, args)]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = [int(c) for c in (task / "children").read_text().split()]
                out.extend(kids)
                todo.extend(kids)
        except OSError:
            pass
    return out


def alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return "Z" not in state.split()[1]  # a zombie has finished


def output_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def long_book(tmp_path: Path) -> Path:
    """Long enough that synthesis lasts a while with two workers (~1200 short clips), quick to encode."""
    src = tmp_path / "long.txt"
    src.write_text(book(4, 300, seed=3), encoding="utf-8")
    return src


def _default_sigint() -> None:
    # A test run started in the background (`cmd &` in a script) inherits SIGINT ignored, and Python
    # then never raises KeyboardInterrupt; a user's terminal delivers Ctrl-C with the default action.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(src: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli("render", src, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out",
            "--cache-dir", tmp_path / "cache", "-j", "2", "-q"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)


def _resume(src: Path, tmp_path: Path) -> str:
    """Run the same command again: it must finish, synthesising only the clips the cache lacks."""
    keys = planned_keys([src], tmp_path / "voices.yaml")
    before = cached(keys, tmp_path / "cache")
    done = subprocess.run(cli("render", src, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out",
                              "--cache-dir", tmp_path / "cache", "-j", "2", "-q"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    m = re.search(r"^(\d+) of (\d+) clips synthesised", done.stdout, re.M)
    assert m, done.stdout
    assert int(m.group(1)) == len(keys) - len(before)
    assert cached(keys, tmp_path / "cache") == keys
    assert all(valid_wav(p) for p in cache_clips(tmp_path / "cache"))
    assert not list((tmp_path / "cache").rglob("*.tmp.wav"))
    names = output_files(tmp_path / "out")
    assert len([n for n in names if n.endswith(".mp3")]) == 4, names
    assert not [n for n in names if n.startswith(".") or n.endswith(".part")], names
    return done.stdout


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(long_book: Path, tmp_path: Path) -> None:
    proc = _start(long_book, tmp_path)
    try:
        wait_until(lambda: len(cache_clips(tmp_path / "cache")) >= 10, 120, "synthesis to begin")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "Error: interrupted: no partial MP3 was written; clips already synthesised are cached, "
        "run the same command again to resume")
    assert "Traceback" not in err
    assert [n for n in output_files(tmp_path / "out") if n.endswith((".mp3", ".part"))] == []
    clips = cache_clips(tmp_path / "cache")
    assert all(valid_wav(p) for p in clips)
    assert not list((tmp_path / "cache").rglob("*.tmp.wav"))  # what the terminated workers were writing is gone
    missing = planned_keys([long_book], tmp_path / "voices.yaml") - cached(
        planned_keys([long_book], tmp_path / "voices.yaml"), tmp_path / "cache")
    assert missing, "synthesis finished before the interrupt: make the test text longer"
    _resume(long_book, tmp_path)


def test_ctrl_c_while_workers_encode_leaves_only_complete_files(long_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _start(long_book, tmp_path)
    try:
        wait_until(lambda: any((tmp_path / "cache" / "fragments").rglob("*.mp3")), 120, "encoding to begin")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    names = output_files(out)
    assert not [n for n in names if n.endswith(".part")], names  # the workers' .part files are gone
    for p in out.rglob("*.mp3"):
        assert MP3(p).info.length > 60  # a finished chapter, complete
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith((".part", ".tmp.wav"))]
    _resume(long_book, tmp_path)


def test_sigkill_mid_render_then_the_next_run_resumes(long_book: Path, tmp_path: Path) -> None:
    proc = _start(long_book, tmp_path)
    try:
        wait_until(lambda: len(cache_clips(tmp_path / "cache")) >= 10, 120, "synthesis to begin")
        workers = descendants(proc.pid)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert workers, "the render should have started worker processes"
    # Orphaned workers notice and exit (they would otherwise wait for tasks forever).
    wait_until(lambda: not any(alive(p) for p in workers), 10, "the orphaned workers to exit")
    clips = cache_clips(tmp_path / "cache")
    assert all(valid_wav(p) for p in clips)  # write-then-rename: a killed writer never leaves a bad entry
    assert not [n for n in output_files(tmp_path / "out") if n.endswith(".mp3")]
    _resume(long_book, tmp_path)


def test_dead_writers_leftovers_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    src = tmp_path / "b.txt"
    src.write_text(book(1, 3), encoding="utf-8")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    cache = tmp_path / "cache"
    folder = tmp_path / "out" / "The Test Omnibus"
    folder.mkdir(parents=True)
    (cache / "ab").mkdir(parents=True)
    stale = [cache / "ab" / f".{'ab' * 32}.{gone.pid}.tmp.wav", folder / f".01 - Chapter 1.{gone.pid}.part"]
    live = [cache / "ab" / f".{'cd' * 32}.{os.getpid()}.tmp.wav", folder / f".02 - Chapter 2.{os.getpid()}.part"]
    for p in stale + live:
        p.write_bytes(b"RIFF half")
    render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out", cache_dir=cache, jobs=1))
    assert [p.exists() for p in stale] == [False, False]
    assert [p.exists() for p in live] == [True, True]  # another render, alive, is still writing those


def _full_disk_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = get_engine("espeak")
    real = engine.synthesize
    calls = []

    def synthesize(text: str, voice, path: Path) -> None:
        calls.append(text)
        if len(calls) <= 3:
            real(text, voice, path)
            return
        path.write_bytes(b"RIFF\x00\x00")  # the disk fills up halfway through a clip
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(engine, "synthesize", synthesize)


def test_full_disk_while_synthesising(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "b.txt"
    src.write_text(book(1, 8), encoding="utf-8")
    _full_disk_engine(monkeypatch)
    with pytest.raises(OutputError, match=r"^no space left on the disk holding the clip cache \(.*cache\); "
                                          r"free some space and run again: clips already made are kept$"):
        render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                    cache_dir=tmp_path / "cache", jobs=1))
    assert [n for n in output_files(tmp_path / "out") if n.endswith((".mp3", ".part"))] == []
    clips = cache_clips(tmp_path / "cache")
    assert len(clips) == 3 and all(valid_wav(p) for p in clips)
    assert not list((tmp_path / "cache").rglob("*.tmp.wav"))
    monkeypatch.undo()
    keys = planned_keys([src], tmp_path / "voices.yaml")
    assert len(cached(keys, tmp_path / "cache")) == 3
    report = render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                         cache_dir=tmp_path / "cache", jobs=1))
    assert report.clips_synthesized == len(keys) - 3


def test_full_disk_while_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "b.txt"
    src.write_text(book(2, 3), encoding="utf-8")
    real = outputs.write_mp3

    def write_mp3(dest: Path, timeline, fragments, **kw):
        if "02 - " in dest.name:
            dest.write_bytes(b"\xff\xfb half an MP3")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(dest, timeline, fragments, **kw)

    monkeypatch.setattr(outputs, "write_mp3", write_mp3)
    with pytest.raises(OutputError, match=r"^cannot write .*02 - Chapter 2\.mp3: No space left on device$"):
        render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                    cache_dir=tmp_path / "cache", jobs=1))
    # Chapter 1 may be done (it is then complete) or not started (longest first); never a .part.
    assert {n for n in output_files(tmp_path / "out") if n.endswith((".mp3", ".part"))} <= {"01 - Chapter 1.mp3"}


def _start_with(src: Path, tmp_path: Path, *extra: str, env: dict[str, str] | None = None,
                limit: int | None = None) -> subprocess.Popen[str]:
    """The render command with more options, an environment, and optionally a file size limit (RLIMIT_FSIZE)."""
    def setup() -> None:
        _default_sigint()
        if limit is not None:
            import resource

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), not kills
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.Popen(
        cli("render", src, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out",
            "--cache-dir", tmp_path / "cache", "-q", *extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=setup,
        env={**os.environ, **(env or {})})


INTERRUPTED = ("Error: interrupted: no partial MP3 was written; clips already synthesised are cached, "
               "run the same command again to resume\n")


@pytest.mark.parametrize("stage", ["synthesis", "encoding"])
def test_sigterm_stops_like_ctrl_c_and_leaves_no_temp_files(long_book: Path, tmp_path: Path, stage: str) -> None:
    """SIGTERM (a service manager, `kill`) while synthesising or encoding: the same clean stop as Ctrl-C."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = _start_with(long_book, tmp_path, "-j", "2", env={"TMPDIR": str(scratch)})
    try:
        if stage == "synthesis":
            wait_until(lambda: len(cache_clips(tmp_path / "cache")) >= 10, 120, "synthesis to begin")
        else:
            wait_until(lambda: any((tmp_path / "cache" / "fragments").rglob("*.mp3")), 120, "encoding to begin")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (130, INTERRUPTED)
    assert list(scratch.iterdir()) == []  # nothing in $TMPDIR (levelling writes no files; scratch is in the cache)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith((".part", ".tmp.wav"))]
    assert not [n for n in output_files(tmp_path / "out") if n.endswith(".part")]
    _resume(long_book, tmp_path)


def test_a_killed_no_cache_render_leaves_scratch_that_the_next_render_sweeps(tmp_path: Path) -> None:
    src = tmp_path / "b.txt"
    src.write_text(book(4, 200, seed=5), encoding="utf-8")
    proc = _start_with(src, tmp_path, "--no-cache", "-j", "2")
    scratch = tmp_path / "cache" / "scratch"
    try:
        wait_until(lambda: any(scratch.rglob("*.wav")), 120, "synthesis to begin")
        proc.kill()
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert list(scratch.iterdir())  # SIGKILL: nothing could clean up...
    small = tmp_path / "small.txt"
    small.write_text(book(1, 2), encoding="utf-8")
    done = subprocess.run(cli("render", small, "--voices", tmp_path / "voices.yaml", "-o", tmp_path / "out2",
                              "--cache-dir", tmp_path / "cache", "--no-cache", "-q"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert list(scratch.iterdir()) == []  # ...the next render removed the dead render's folder


def test_ctrl_c_during_in_process_synthesis_prints_only_the_message(long_book: Path, tmp_path: Path) -> None:
    """With -j 1 espeak speaks in the render's own process: Ctrl-C must not land in its ctypes callback."""
    for attempt in range(3):  # the signal lands at a random point of a clip; try it a few times
        proc = _start_with(long_book, tmp_path, "-j", "1")
        try:
            need = 5 + 20 * attempt
            wait_until(lambda n=need: len(cache_clips(tmp_path / "cache")) >= n, 120, "synthesis to begin")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert (proc.returncode, err) == (130, INTERRUPTED)
        assert "Audio saved" not in out and out == ""


def test_a_full_disk_while_synthesising_is_one_message_without_tracebacks(tmp_path: Path) -> None:
    """The disk refuses the engine's WAV: one clear error, no "Exception ignored ... RuntimeError" from espeak.

    A real full disk needs a small filesystem (a tmpfs mount needs privileges a test should not take).
    RLIMIT_FSIZE makes the kernel refuse, inside the engine's own write, every write past a size, as a
    full disk refuses any write: the same failure in the same place (pyttsx3's callback in espeak's
    thread), with EFBIG where a full disk gives ENOSPC (whose wording `test_full_disk_while_synthesising`
    checks with an engine that fails so).
    """
    src = tmp_path / "b.txt"
    src.write_text("Chapter 1\n\n" + " ".join(["A rather long sentence that makes a clip of a good size, surely."] * 4)
                   + "\n", encoding="utf-8")
    (tmp_path / "voices.yaml").write_text("bitrate: 64\n", encoding="utf-8")
    proc = _start_with(src, tmp_path, "-j", "1", limit=150_000)  # a clip of 4 long sentences is larger
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert re.fullmatch(r"Error: cannot write the clip \S+\.wav: File too large\n", err), err
    assert "Traceback" not in err and "Exception ignored" not in err and "Audio saved" not in out
