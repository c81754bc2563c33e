"""voices.yaml's `kokoro: {model: FILE, voices: FILE}`: a Kokoro model and voice pack of the user's own."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .yamlfile import shown, shown_key

KOKORO_KEYS = ("model", "voices")


def kokoro_files(check: Any, doc: Any, path: Path) -> tuple[Path | None, Path | None]:
    """The `kokoro:` files (None where not given), relative to voices.yaml's folder, each checked for what it is.

    `check` is config's validator (its `fail` names the file, line and key). The files are spoken with
    from now on, here and in the worker processes; a file without the key goes back to the pip-shipped ones.
    """
    from ..engines import kokorofiles  # imports no kokoro-onnx code: onnxruntime only to check a model

    node = doc.get("kokoro")
    if node is not None and not isinstance(node, Mapping):
        raise check.fail(doc, "kokoro", "kokoro", f"expected a mapping with model: and voices:, got {shown(node)}")
    node = node or {}
    for k in node:
        if k not in KOKORO_KEYS:
            raise check.fail(node, k, f"kokoro.{shown_key(k)}",
                             f"unknown key (expected one of: {', '.join(KOKORO_KEYS)})")
    found: dict[str, Path] = {}
    for key in KOKORO_KEYS:
        value = node.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise check.fail(node, key, f"kokoro.{key}", f"expected a file, got {shown(value)}")
        file = (path.parent / Path(value).expanduser()).resolve()
        problem = kokorofiles.model_problem(file) if key == "model" else kokorofiles.voices_problem(file)
        if problem:
            raise check.fail(node, key, f"kokoro.{key}", problem)
        found[key] = file
    kokorofiles.use_files(found.get("model"), found.get("voices"))
    return found.get("model"), found.get("voices")


__all__ = ["kokoro_files", "KOKORO_KEYS"]
