"""The engines' helper-process client: replies, the helper's own errors, a helper that dies (restarted once)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from audiobook.engines.helper import HelperProcess
from audiobook.errors import EngineError

ECHO = "import json, sys\nfor line in sys.stdin:\n    print(json.dumps(json.loads(line)['reply']), flush=True)\n"


def _helper(script: str, starts: Path | None = None) -> HelperProcess:
    def argv() -> list[str]:
        if starts is not None:
            starts.write_text(starts.read_text() + "x" if starts.exists() else "x")
        return [sys.executable, "-c", script]
    return HelperProcess("demo", argv)


def test_a_reply_without_error_returns_and_the_helper_is_reused(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    helper = _helper(ECHO, starts)
    try:
        helper.request({"reply": {"ok": True}})
        helper.request({"reply": {}})
    finally:
        helper.close()
    assert starts.read_text() == "x"


def test_the_helpers_own_error_is_the_message() -> None:
    helper = _helper(ECHO)
    try:
        with pytest.raises(EngineError) as err:
            helper.request({"reply": {"error": "unknown voice 'zz'"}})
    finally:
        helper.close()
    assert str(err.value) == "demo: unknown voice 'zz'"


def test_a_helper_that_dies_is_restarted_once_then_reported(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    helper = _helper("import sys; sys.exit(3)", starts)
    with pytest.raises(EngineError) as err:
        helper.request({"reply": {}})
    assert str(err.value) == "demo: the synthesis helper process stopped"
    assert starts.read_text() == "xx"
