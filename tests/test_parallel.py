"""Workers, concurrency and per-clip overhead: output independent of --jobs, concurrent renders, streaming memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
import wave
from pathlib import Path

import pytest
from bookgen import book
from mutagen.mp3 import MP3

from audiobook import workers as workers_mod
from audiobook.audio.assemble import Spoken, encode
from audiobook.audio.outputs import ChapterJob, write_chapters
from audiobook.audio.synth import clip_key, get_engine, wav_frames
from audiobook.audio.timeline import build_timeline
from audiobook.engines import synchronous
from audiobook.fsutil import file_lock
from audiobook.model import Clip, ClipJob, Pauses, Segment, Voice
from audiobook.pipeline import RenderOptions, plan, render
from audiobook.publish.tags import TrackTags
from audiobook.voices.config import load_config

AUDIOBOOK = Path(sys.executable).parent / "audiobook"


@pytest.fixture
def always_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the worker processes even for a small test book (the defaults keep small jobs in-process)."""
    monkeypatch.setattr(workers_mod, "MIN_CLIPS_FOR_POOL", 0)
    monkeypatch.setattr(workers_mod, "MIN_AUDIO_S_FOR_POOL", 0.0)


def _render(src: Path, root: Path, out: str, cache: str, jobs: int):
    return render([src], RenderOptions(voices=root / "voices.yaml", out_dir=root / out, cache_dir=root / cache,
                                       jobs=jobs))


def test_output_is_identical_whatever_the_number_of_jobs_or_cache(tmp_path: Path, always_parallel: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the render time in the tags: the same for both
    src = tmp_path / "b.txt"
    src.write_text(book(3, 12, speakers=("Anna", "Boris")), encoding="utf-8")
    cold = _render(src, tmp_path, "out2", "cache", jobs=2)  # synthesised and encoded in worker processes
    assert cold.clips_synthesized > 0
    warm = _render(src, tmp_path, "out1", "cache", jobs=1)  # everything in this process, from the cache
    assert warm.clips_synthesized == 0
    assert len(cold.chapters) == len(warm.chapters) == 3
    for a, b in zip(cold.chapters, warm.chapters):
        assert a.path != b.path
        assert a.path.read_bytes() == b.path.read_bytes()
        assert [(c.start_ms, c.end_ms) for c in a.cues] == [(c.start_ms, c.end_ms) for c in b.cues]
    # Encoded fragments gone from the cache (clips kept): encoded again, the same bytes.
    import shutil

    shutil.rmtree(tmp_path / "cache" / "fragments")
    again = _render(src, tmp_path, "out3", "cache", jobs=2)
    assert again.fragments_encoded > 0
    assert [c.path.read_bytes() for c in again.chapters] == [c.path.read_bytes() for c in cold.chapters]


def test_cold_renders_agree_on_timings_whatever_the_number_of_jobs(tmp_path: Path, always_parallel: None) -> None:
    src = tmp_path / "b.txt"
    src.write_text(book(2, 10, speakers=("Anna", "Boris")), encoding="utf-8")
    # Voices without an espeak variant: variants add random breath noise, whose length varies
    # far more than the plain voices' (which this comparison of two syntheses needs to be small).
    (tmp_path / "voices.yaml").write_text(
        "characters:\n  Anna:\n    voice: gmw/en-gb-x-rp\n  Boris:\n    voice: gmw/en-us\n    pitch: 30\n",
        encoding="utf-8")
    one = _render(src, tmp_path, "out1", "cache1", jobs=1)
    two = _render(src, tmp_path, "out2", "cache2", jobs=2)
    assert two.clips_synthesized == one.clips_synthesized > 0
    config = load_config(tmp_path / "voices.yaml")
    version = get_engine("espeak").version()

    def frames(cache: str, job: ClipJob) -> int:
        key = clip_key(job, version)
        return wav_frames(tmp_path / cache / key[:2] / f"{key}.wav")

    for a, b in zip(one.chapters, two.chapters):
        assert [c.segment for c in a.cues] == [c.segment for c in b.cues]
        planned = plan(a.chapter, config)
        # espeak's variants add random breath noise: a clip's length varies a little run to run
        # (up to ~50 ms), whoever synthesises it. The timings of each render must be exactly the layout
        # of the clips that render made (the assembly itself is the same, whatever the workers), and
        # each clip about as long in both.
        for cache, chapter in (("cache1", a), ("cache2", b)):
            def clip(job: ClipJob, cache: str = cache) -> Clip:
                key = clip_key(job, version)
                return Clip(tmp_path / cache / key[:2] / f"{key}.wav", frames(cache, job), 22050)

            spoken = [Spoken(seg, tuple(clip(j) for j in jobs))
                      for seg, jobs in zip(chapter.chapter.segments, planned.segment_jobs())]
            timeline = build_timeline(spoken, config.pauses, [clip(j) for j in planned.title], chapter.chapter.title)
            assert (timeline.cues, timeline.duration_ms) == (chapter.cues, chapter.duration_ms)
        for job in planned.jobs():
            fa, fb = frames("cache1", job), frames("cache2", job)
            # espeak's first utterance in a fresh process can come out ~150-210 ms shorter (seen
            # with plain voices too): the bound is absolute, not relative.
            assert abs(fa - fb) <= max(0.08 * fa, 0.3 * 22050), job


def test_file_lock_serialises_read_modify_write_across_processes(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    code = (
        "import sys; from pathlib import Path; from audiobook.fsutil import file_lock\n"
        "p = Path(sys.argv[1])\n"
        "for _ in range(200):\n"
        "    with file_lock(p):\n"
        "        n = int(p.read_text()); p.write_text(str(n + 1))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(counter)]) for _ in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    assert counter.read_text() == "600"
    with file_lock(counter):  # and it is free again
        pass


def test_concurrent_renders_all_finish_with_correct_output(tmp_path: Path) -> None:
    if not AUDIOBOOK.exists():
        pytest.skip(f"{AUDIOBOOK} is not installed (pip install -e .)")
    one, other = tmp_path / "one.txt", tmp_path / "other.txt"
    one.write_text(book(2, 6, speakers=("Anna", "Boris"), seed=5), encoding="utf-8")
    other.write_text(book(2, 6, speakers=("Clara", "Dmitri"), seed=6).replace("Test Omnibus", "Other Omnibus"),
                     encoding="utf-8")
    common = ["--voices", tmp_path / "voices.yaml", "--cache-dir", tmp_path / "cache", "-j", "1", "-q"]
    runs = [(one, "out"), (one, "out"), (other, "out")]  # the same book twice into the same folder, and another
    procs = [subprocess.Popen([sys.executable, str(AUDIOBOOK), "render", str(src), "-o", str(tmp_path / out),
                               *map(str, common)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for src, out in runs]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    config = load_config(tmp_path / "voices.yaml")
    for name in ("Anna", "Boris", "Clara", "Dmitri"):  # nobody's cast was clobbered
        assert config.lookup(name) is not None, name
    everything = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert not [p.name for p in everything if p.name.startswith(".") or p.suffix == ".part"]  # no temp files left
    files = sorted(p for p in everything if p.suffix == ".mp3")
    assert [f"{p.parent.name}/{p.name}" for p in files] == [
        "The Other Omnibus/01 - Chapter 1.mp3", "The Other Omnibus/02 - Chapter 2.mp3",
        "The Test Omnibus/01 - Chapter 1.mp3", "The Test Omnibus/02 - Chapter 2.mp3",
    ]
    for p in files:
        assert MP3(p).info.length > 5


def _silence_clip(path: Path, seconds: float) -> Clip:
    frames = int(seconds * 22050)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\x00\x00" * frames)
    return Clip(path, frames, 22050)


def test_chapter_encoding_streams_clip_by_clip(tmp_path: Path) -> None:
    """Peak memory while encoding stays near one clip's size, whatever the chapter's length."""
    clips = [_silence_clip(tmp_path / f"c{i}.wav", 3.0) for i in range(4)]  # 130 kB of PCM each

    def peak(n_segments: int, whole: bool) -> tuple[int, int]:
        spoken = tuple(Spoken(Segment("narration", "x", i, i + 1, paragraph=i), (clips[i % 4],) * 2)
                       for i in range(n_segments))
        dest = tmp_path / f"ch{n_segments}.mp3"
        job = ChapterJob(dest, build_timeline(spoken, Pauses()), 64, TrackTags("t", "a", None, 1, 1))
        tracemalloc.start()
        try:
            if whole:  # encode fragments into the cache, splice, tag, rename
                with workers_mod.Workers(1) as pool:
                    write_chapters([job], workers=pool, root=tmp_path / f"cache{n_segments}")
            else:
                encode(spoken, dest, pauses=Pauses(), bitrate=64)
            return tracemalloc.get_traced_memory()[1], dest.stat().st_size
        finally:
            tracemalloc.stop()

    peak(1, True)  # first use: imports and caches are not what we measure
    (short, _), (long, _) = peak(5, False), peak(50, False)  # 30 s and 5 min of audio (13 MB of PCM)
    assert long < 1_000_000, (short, long)
    assert long < short * 1.5, (short, long)
    # Tagging (mutagen) holds the compressed file at most, a tenth of the PCM at 64 kbit/s.
    tagged, size = peak(50, True)
    assert tagged < size + 1_000_000, (tagged, size)


def test_synchronous_espeak_writes_what_pyttsx3s_own_loop_writes(tmp_path: Path) -> None:
    engine = get_engine("espeak")
    driver = engine._tts.proxy._driver  # type: ignore[attr-defined]
    assert type(driver).__name__ == "SyncEspeakDriver"
    assert synchronous.install(engine._tts) is True  # idempotent  # type: ignore[attr-defined]
    long = ("the harbour lamps went out one by one, and the ferry, late again, "
            "crept past the breakwater while the keeper counted the bells and waited for the last boat home")
    texts = [long, "Go.", long[:90], "Yes, yes.", long]
    # pyttsx3 as it comes: espeak started asynchronously, its own loop given all the time it needs, at its
    # default rate (200), so that espeak's own race between voice and rate cannot touch the reference
    ref_code = (
        "import json, sys, time; from pathlib import Path\n"
        "from audiobook.engines.espeak import _load_library; _load_library()\n"
        "import pyttsx3; from audiobook.audio.synth import wav_frames\n"
        "e = pyttsx3.init('espeak'); e.setProperty('voice', 'gmw/en-us'); out = []\n"
        "for i, t in enumerate(json.loads(sys.argv[1])):\n"
        "    p = Path(sys.argv[2]) / f'ref{i}.wav'\n"
        "    e.save_to_file(t, str(p)); e.runAndWait(); time.sleep(0.5)\n"
        "    out.append(wav_frames(p))\n"
        "print(json.dumps(out))\n"
    )
    ours = (
        "import json, sys; from pathlib import Path\n"
        "from audiobook.engines import get_engine; from audiobook.model import Voice\n"
        "from audiobook.audio.synth import wav_frames\n"
        "e = get_engine('espeak'); out = []\n"
        "for i, t in enumerate(json.loads(sys.argv[1])):\n"
        "    p = Path(sys.argv[2]) / f'ours{i}.wav'\n"
        "    e.synthesize(t, Voice('gmw/en-us', rate=200, pitch=50, volume=1.0), p); out.append(wav_frames(p))\n"
        "print(json.dumps(out))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code, json.dumps(texts), str(tmp_path)], capture_output=True,
                           text=True, check=True, timeout=120) for code in (ref_code, ours)]
    expected, got = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert got == expected
    assert min(expected) > 0
    for i in range(len(texts)):  # the same samples, not only the same length
        assert (tmp_path / f"ours{i}.wav").read_bytes() == (tmp_path / f"ref{i}.wav").read_bytes()


def test_the_whole_clip_is_spoken_before_synth_returns(tmp_path: Path, monkeypatch) -> None:
    """espeak runs synchronously: nothing is left to arrive later from a thread of its own (see engines/synchronous.py)."""
    engine = get_engine("espeak")
    from pyttsx3.drivers import _espeak  # importable once the engine has pointed it at espeak-ng

    driver = engine._tts.proxy._driver  # type: ignore[attr-defined]
    real_synth = _espeak.Synth
    spoken: list[int] = []

    def synth(*args: object, **kwargs: object) -> int:
        rc = int(real_synth(*args, **kwargs))
        spoken.append(len(driver._data_buffer) // 2)  # 16-bit samples gathered by the time Synth returns
        return rc

    monkeypatch.setattr(_espeak, "Synth", synth)
    engine.synthesize("The keeper counted the lamps along the pier.", Voice("gmw/en-us"), tmp_path / "a.wav")
    assert spoken and spoken[0] == wav_frames(tmp_path / "a.wav") > 0


def test_fast_loop_has_no_per_clip_sleep(tmp_path: Path) -> None:
    engine = get_engine("espeak")
    voice = Voice("gmw/en-us")
    best = float("inf")
    for _ in range(3):  # best of three: other processes share the machine
        t0 = time.perf_counter()
        for i in range(20):
            engine.synthesize("Go.", voice, tmp_path / f"{i}.wav")
        best = min(best, time.perf_counter() - t0)
    assert all(wav_frames(tmp_path / f"{i}.wav") > 0 for i in range(20))
    assert best < 20 * 0.010  # pyttsx3's own loop sleeps 10 ms per utterance: it cannot pass this




def test_two_threads_speaking_at_once_take_turns(tmp_path: Path) -> None:
    """The review page serves each preview in a thread of its own; espeak, one per process and run in the
    caller's thread, corrupted its state and crashed the process ("double free or corruption") when two spoke."""
    code = (
        "import sys, threading; from pathlib import Path\n"
        "from audiobook.engines import get_engine; from audiobook.model import Voice\n"
        "from audiobook.audio.synth import wav_frames\n"
        "d = Path(sys.argv[1]); text = 'The keeper counted the lamps along the pier, one by one, until the last.'\n"
        "voices = {1: Voice('gmw/en-us'), 2: Voice('gmw/en-us+f3', rate=150)}\n"
        "def one(k, i):\n"
        "    p = d / f'{k}-{i}.wav'; get_engine('espeak').synthesize(text, voices[k], p); return wav_frames(p)\n"
        "ref = {k: one(k, 'ref') for k in voices}\n"
        "bad = []\n"
        "def run(k):\n"
        "    bad.extend((k, i) for i in range(15) if abs(one(k, i) - ref[k]) > ref[k] * 0.01)\n"
        "threads = [threading.Thread(target=run, args=(k,)) for k in voices]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print('bad', len(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().splitlines()[-1] == "bad 0"
