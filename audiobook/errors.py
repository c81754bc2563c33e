"""The one error hierarchy: every failure a user can cause is an AudiobookError."""

from __future__ import annotations


class AudiobookError(Exception):
    """Base of every error the CLI turns into one readable message."""


class InputError(AudiobookError, ValueError):
    """A chapter file is missing, unreadable, undecodable, empty or not text."""


class ConfigError(AudiobookError, ValueError):
    """voices.yaml (or another setting) is malformed or names something that does not exist."""


class EngineError(AudiobookError, RuntimeError):
    """The speech engine is missing or failed."""


class SynthesisError(EngineError):
    """A clip could not be synthesised even after retrying and splitting."""


class OutputError(AudiobookError, OSError):
    """An output file could not be written."""


class Interrupted(AudiobookError):
    """The render was interrupted (Ctrl-C); nothing partial was left behind."""
