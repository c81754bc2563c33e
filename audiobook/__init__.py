"""audiobook: chapters of fiction in, multi-voice tagged MP3s out.

The library API (the command line is a thin layer over it)::

    from audiobook import render, RenderOptions, AudiobookError

    report = render([Path("chapter1.txt")], RenderOptions(out_dir=Path("output")))

Names are imported on first use, so `import audiobook.model` (as worker processes do) does not load
the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .attribution.book import read_book
    from .errors import AudiobookError
    from .model import Book, Chapter, Character, Segment
    from .pipeline import RenderOptions, RenderReport, render
    from .publish.steps import PublishOptions

_WHERE = {
    "render": "pipeline", "RenderOptions": "pipeline", "RenderReport": "pipeline",
    "PublishOptions": "publish.steps", "read_book": "attribution.book", "AudiobookError": "errors",
    "Book": "model", "Chapter": "model", "Character": "model", "Segment": "model",
}

__all__ = ["AudiobookError", "Book", "Chapter", "Character", "PublishOptions", "RenderOptions", "RenderReport",
           "Segment", "read_book", "render"]


def __getattr__(name: str) -> Any:
    """Import a public name from the module that defines it, on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'audiobook' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
