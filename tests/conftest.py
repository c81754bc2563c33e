"""Shared fixtures: every test writes only inside its tmp_path, the clip cache included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout; AUDIOBOOK_SHARED points elsewhere (a worktree that is not beside it).
SHARED = Path(os.environ.get("AUDIOBOOK_SHARED") or REPO.parent / "shared")
SAMPLE = REPO / "samples" / "the-lamplighters-daughter.txt"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep the clip cache (and anything under XDG_CACHE_HOME) inside the test's temp folders.
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path_factory.mktemp("clip-cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    # A render's cache folder for engines (kokoro's model), set by the render itself: none before each test,
    # none left after it (set, then removed: the monkeypatch restores its absence at teardown).
    monkeypatch.setenv("AUDIOBOOK_ENGINE_CACHE", "")
    monkeypatch.delenv("AUDIOBOOK_ENGINE_CACHE")


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the repo; skipped visibly on a fresh clone that does not have it."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it exists only beside the developers' checkout and in CI)")
    return SHARED


@pytest.fixture
def user_chapter(shared_dir: Path, tmp_path: Path) -> Path:
    """The user's example chapter, copied into tmp_path."""
    src = shared_dir / "samples" / "chapter1.txt"
    if not src.is_file():
        pytest.skip(f"{src} is absent")
    dest = tmp_path / "chapter1.txt"
    dest.write_bytes(src.read_bytes())
    return dest
