"""voices.yaml as a file: read it safely, parse it round-trip, and show its values in bounded messages.

Everything here guards against a hostile or broken file: a pipe or folder in its place, a huge file,
a "billion laughs" of nested aliases, a parser that fails with an exception of its own, and values
too long to put in an error message whole.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import ConfigError

#: Limits on what a voices.yaml may be: a thousand-character cast is ~100 KB, so these are generous.
LIMITS = {
    "bytes": 1_000_000,  # the file's size; the round-trip parser takes ~10 s a megabyte
    "alias_values": 10_000,  # values that aliases (*name) may add when expanded
    "shown": 60,  # characters of a value shown in an error message
    "shown_key": 40,  # characters of a key or name shown in an error message
    "problem": 200,  # characters of a parser's own message shown
    "depth": 100,  # open [ and { a document may nest; a real voices.yaml nests 2 or 3
}


def shown(value: Any, limit: int = LIMITS["shown"]) -> str:
    """`repr(value)` for a message, at most `limit` characters, never expanding a huge or nested value."""
    out: list[str] = []
    _show(value, out, limit + 1, 0)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def shown_key(key: Any) -> str:
    """A key or name as a message shows it: `str(key)` with control characters escaped, cut to LIMITS['shown_key']."""
    limit = LIMITS["shown_key"]
    text = printable(key[: limit + 1]) if isinstance(key, str) else shown(key, limit + 1)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def printable(text: str) -> str:
    """`text` with every character that is not printable (a line break, a control) escaped as repr would."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _show(value: Any, out: list[str], budget: int, depth: int) -> int:
    """Append a repr of `value` to `out` using at most about `budget` characters; returns what is left."""
    if budget <= 0:
        return 0
    if isinstance(value, str):
        piece = str.__repr__(str(value[:budget]))
    elif isinstance(value, bool) or value is None:
        piece = repr(value)
    elif isinstance(value, int):
        piece = repr(int(value)) if value.bit_length() < 1000 else "a number of over 300 digits"
    elif isinstance(value, float):
        piece = repr(float(value))
    elif isinstance(value, bytes):
        piece = repr(bytes(value[:budget]))
    elif isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _show_container(value, out, budget, depth)
    else:
        piece = f"<{type(value).__name__}>"  # never the repr of an object we know nothing about
    out.append(piece)
    return budget - len(piece)


def _show_container(value: Any, out: list[str], budget: int, depth: int) -> int:
    opening, closing = ("{", "}") if isinstance(value, (Mapping, set, frozenset)) else \
        ("(", ")") if isinstance(value, tuple) else ("[", "]")
    out.append(opening)
    budget -= 1
    if depth >= 3:
        out.append("...")
        budget -= 3
    else:
        items = value.items() if isinstance(value, Mapping) else ((None, v) for v in value)
        for i, (k, v) in enumerate(items):
            if budget <= 0:
                break
            if i:
                out.append(", ")
                budget -= 2
            if isinstance(value, Mapping):
                budget = _show(k, out, budget, depth + 1)
                out.append(": ")
                budget -= 2
            budget = _show(v, out, budget, depth + 1)
    out.append(closing)
    return budget - 1


def read_text(path: Path) -> str | None:
    """The UTF-8 text of the file at `path`, None if there is none; ConfigError for anything but a small file.

    The file is opened without blocking and checked on the open descriptor, so a named pipe, a
    device or a folder in its place is refused instead of read (a pipe would block forever).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise ConfigError(f"{path.name}: is a folder, not a file") from None
        raise ConfigError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{path.name}: is a folder, not a file")
        raise ConfigError(f"{path.name}: is {_kind_of_file(st.st_mode)}, not a regular file")
    with os.fdopen(fd, "rb") as f:
        if st.st_size > LIMITS["bytes"]:
            raise ConfigError(f"{path.name}: {st.st_size:,} bytes is too large for a voices file "
                              f"(the limit is {LIMITS['bytes']:,} bytes)")
        try:
            data = f.read(LIMITS["bytes"] + 1)
        except OSError as exc:
            raise ConfigError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    if len(data) > LIMITS["bytes"]:  # it grew while we read it
        raise ConfigError(f"{path.name}: too large for a voices file (the limit is {LIMITS['bytes']:,} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path.name}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def _kind_of_file(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def round_trip_yaml() -> YAML:
    """The ruamel round-trip loader/dumper that keeps comments, quotes and order."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def _problem(text: str) -> str:
    text = " ".join(text.split())
    limit = LIMITS["problem"]
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def parse(raw: str, path: Path) -> Any:
    """The document in `raw`, round-trip; ConfigError naming the line for malformed YAML or an alias bomb."""
    check_depth(raw, path)
    try:
        doc = round_trip_yaml().load(raw)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{path.name}{where}: malformed YAML: {_problem(problem)}") from None
    except YAMLError as exc:
        raise ConfigError(f"{path.name}: malformed YAML: {_problem(str(exc))}") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: malformed YAML: nested too deeply") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's own limit on reading a number's digits
            raise ConfigError(f"{path.name}: malformed YAML: a number with more than 4300 digits") from None
        raise ConfigError(f"{path.name}: malformed YAML: {_problem(str(exc) or type(exc).__name__)}") from None
    except Exception as exc:  # noqa: BLE001  ruamel raises bare ValueError, IndexError... on hostile values
        raise ConfigError(f"{path.name}: malformed YAML: {_problem(str(exc) or type(exc).__name__)}") from None
    check_aliases(doc, path)
    return doc


_FLOW_RE = re.compile(r"""[\[\]{}\n#]|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")


def check_depth(raw: str, path: Path) -> None:
    """Refuse brackets nested deeper than LIMITS['depth'] at once, naming the line.

    ruamel recurses once per level: thousands of `[` take it seconds before it gives up, so count first.
    Quoted strings and comments are skipped; a bracket inside a plain scalar counts, which can only make a
    file with over a hundred unbalanced ones fail early.
    """
    depth, line, comment = 0, 1, False
    for m in _FLOW_RE.finditer(raw):
        token = m.group()
        if token == "\n":
            line, comment = line + 1, False
        elif comment:
            continue
        elif token == "#":
            comment = True
        elif token in "[{":
            depth += 1
            if depth > LIMITS["depth"]:
                raise ConfigError(f"{path.name}, line {line}: malformed YAML: nested too deeply "
                                  f"(over {LIMITS['depth']} levels of [ and {{)")
        elif token in "]}":
            depth = max(depth - 1, 0)
        else:
            line += token.count("\n")


def check_aliases(doc: Any, path: Path) -> None:
    """Refuse a document whose aliases (*name) would expand to more than LIMITS['alias_values'] values.

    ruamel shares one object for every use of an anchor, so a few hundred bytes of nested aliases
    stand for billions of values: anything that walks or prints them would never finish.
    """
    sizes: dict[int, int] = {}
    extra = [0]
    items = doc.items() if isinstance(doc, Mapping) else [(None, doc)]
    for key, value in items:
        _expanded(value, sizes, set(), extra)
        if extra[0] > LIMITS["alias_values"]:
            where = f"{path.name}, line {_line_of(doc, key)}: {shown_key(key)}" if key is not None else path.name
            raise ConfigError(f"{where}: aliases (*name) expand to more than {LIMITS['alias_values']} values; "
                              "write the values out instead")


def _line_of(node: Any, key: Any) -> int | str:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return "?"


def _expanded(node: Any, sizes: dict[int, int], active: set[int], extra: list[int]) -> int:
    """How many values `node` stands for when every alias is expanded; adds each re-use to extra[0]."""
    if not isinstance(node, (Mapping, list, tuple, set)):
        return 1
    key = id(node)
    if key in sizes:  # a second use of the same object: an alias
        extra[0] += sizes[key]
        return sizes[key]
    if key in active:  # an alias inside its own anchor: infinite when expanded
        extra[0] += LIMITS["alias_values"] + 1
        return 1
    if extra[0] > LIMITS["alias_values"]:
        return 1
    active.add(key)
    children = [x for kv in node.items() for x in kv] if isinstance(node, Mapping) else list(node)
    total = 1 + sum(_expanded(child, sizes, active, extra) for child in children)
    active.discard(key)
    sizes[key] = total
    return total


__all__ = ["LIMITS", "shown", "shown_key", "printable", "read_text", "parse", "check_aliases", "round_trip_yaml"]
