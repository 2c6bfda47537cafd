"""From a CSV's bytes to its records: reading a file or stdin, decoding, splitting, checking read options.

Every problem is a one-line `DataError` naming the file and line (or a `ConfigError` naming the option).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError

FILL_METHODS = ("error", "ffill", "interpolate", "drop")


STDIN_NAME = "<stdin>"


# Cells (compared stripped and lower-cased) that mean "no value".
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "<na>"})


_SHOW_CHARS = 40


def check_delimiter(delimiter: str) -> str:
    if delimiter in ("tab", "\\t"):
        return "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        raise ConfigError(f"invalid --delimiter {delimiter!r}; use one character such as ',' ';' or tab")
    return delimiter


def check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ConfigError(f"unknown --encoding {encoding!r}; use e.g. utf-8 or latin-1") from None
    return "utf-8-sig" if name == "utf-8" else encoding


def check_fill(fill: str) -> str:
    if fill not in FILL_METHODS:
        raise ConfigError(f"invalid --fill {fill!r}; use one of {', '.join(FILL_METHODS)}")
    return fill


def check_resample(alias: str | None) -> str | None:
    if alias is None:
        return None
    from pandas.tseries.frequencies import to_offset

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to_offset(alias)
    except (ValueError, TypeError) as exc:
        hint = re.search(r"use '(\w+)' instead|Did you mean (\w+)\?", str(exc))
        better = f" (did you mean '{hint.group(1) or hint.group(2)}'?)" if hint else ""
        raise ConfigError(
            f"invalid --resample {alias!r}{better}; use a pandas offset alias such as D, W, MS, QS, YS or h"
        ) from None
    return alias


def check_smooth(smooth: int | None) -> int | None:
    if smooth is None:
        return None
    if isinstance(smooth, bool) or not isinstance(smooth, (int, np.integer)) or smooth < 1:
        raise ConfigError(f"invalid --smooth {smooth!r}; use a whole number of rows >= 1")
    return int(smooth)


def name_list(names: str | Iterable[str] | None) -> list[str]:
    """Option values as a list of unique names ("a,b" is accepted as two names)."""
    if not names:
        return []
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for name in names:
        for part in str(name).split(","):
            if part.strip() and part.strip() not in out:
                out.append(part.strip())
    return out


# stdin: "bytes" while a `stdin_read_once` block is open and stdin was read in it; "last": the last read's
_stdin: dict = {"depth": 0, "bytes": None, "last": None}


def source_name(path_or_dash: str | Path) -> str:
    return STDIN_NAME if str(path_or_dash) == "-" else str(path_or_dash)


@contextlib.contextmanager
def stdin_read_once():
    """Inside the block, every read of "-" gets the bytes stdin gave at the first (so a file's header can
    be read again after the table); outside any block, every read reads stdin anew. Blocks nest."""
    _stdin["depth"] += 1
    try:
        yield
    finally:
        _stdin["depth"] -= 1
        if not _stdin["depth"]:
            _stdin["bytes"] = None


def read_stdin() -> bytes:
    """What stdin holds now (all of it), or the block's bytes inside a `stdin_read_once` block."""
    if _stdin["depth"] and _stdin["bytes"] is not None:
        return _stdin["bytes"]
    stream = sys.stdin
    buffer = getattr(stream, "buffer", None)
    if stream is None or buffer is None:
        raise DataError("cannot read the data from stdin: no standard input; pass a file name instead of -")
    data = buffer.read()
    _stdin["last"] = data
    if _stdin["depth"]:
        _stdin["bytes"] = data
    return data


def last_stdin() -> bytes | None:
    """The bytes the last read of stdin got (None before any): what `sha256_of("-")` hashes."""
    return _stdin["last"]


def read_bytes(path_or_dash: str | Path, source: str) -> bytes:
    if str(path_or_dash) == "-":
        return read_stdin()
    path = Path(path_or_dash)
    if path.is_dir():
        raise DataError(f"{source} is a directory, not a CSV file; pass the path of a .csv file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"No such file: {source}") from None
    except PermissionError:
        raise DataError(f"Cannot read {source}: permission denied") from None
    except OSError as exc:
        raise DataError(f"Cannot read {source}: {exc.strerror or exc}") from None


def decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        shown = "UTF-8" if encoding == "utf-8-sig" else encoding
        byte = data[exc.start : exc.start + 1].hex()
        raise DataError(
            f"{source} line {line}: byte 0x{byte} at offset {exc.start} is not valid {shown}; "
            "use --encoding latin-1 (or the file's encoding), or save the file as UTF-8"
        ) from None


def split_records(text: str, delimiter: str, source: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the data rows (stripped fields, padded to the header's width) and their file lines."""
    if not text.strip():
        raise DataError(f"{source} is empty; expected a header line and at least one data row")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            fields = [field.strip() for field in record]
            if not any(fields):  # a blank line, or only delimiters
                continue
            if header is None:
                header, header_line = _check_header(fields, start, delimiter, source), start
                continue
            if len(fields) > len(header):
                raise DataError(
                    f"{source} line {start} has {len(fields)} fields but the header has {len(header)}; "
                    f"remove the extra {_delimiter_name(delimiter)} or quote values that contain one"
                )
            rows.append(fields + [""] * (len(header) - len(fields)))
            lines.append(start)
    except csv.Error as exc:
        raise DataError(
            f"{source} line {reader.line_num}: cannot split the line into fields: {exc}"
        ) from None
    assert header is not None  # the text is not blank, so there was a first record
    if not rows:
        raise DataError(f"{source} has a header (line {header_line}) but no data rows")
    return header, rows, lines


def _delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def _check_header(fields: list[str], line: int, delimiter: str, source: str) -> list[str]:
    if len(fields) == 1 and delimiter == ",":
        for other, option in ((";", "';'"), ("\t", "tab"), ("|", "'|'")):
            if other in fields[0]:
                raise DataError(
                    f"{source} line {line}: the header {show(fields[0])} is one column; the file looks "
                    f"{_delimiter_name(other)}-delimited: use --delimiter {option}"
                )
    header = [name or f"Unnamed: {i}" for i, name in enumerate(fields)]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(
                f"{source} line {line}: column name {name!r} appears twice in the header; rename one"
            )
        seen.add(name)
    return header


def show(value: str) -> str:
    """A cell for a message: quoted, escaped (so the message stays one line) and cut if long."""
    return repr(value if len(value) <= _SHOW_CHARS else value[: _SHOW_CHARS - 3] + "...")

