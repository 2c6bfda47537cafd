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

FILL_METHODS = ("error", "ffill", "interpolate", "zero", "drop")


STDIN_NAME = "<stdin>"


# Cells (compared stripped and lower-cased) that mean "no value".
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "<na>"})


_SHOW_CHARS = 40


def check_delimiter(delimiter: str) -> str:
    if delimiter in ("tab", "\\t"):
        return "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        raise ConfigError(f"invalid `delimiter` {delimiter!r}; use one character such as ',' ';' or tab")
    return delimiter


def check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ConfigError(f"unknown `encoding` {encoding!r}; use e.g. utf-8 or latin-1") from None
    return "utf-8-sig" if name == "utf-8" else encoding


def check_separators(decimal: str, thousands: str | None) -> tuple[str, str | None]:
    """The decimal mark and thousands separator, checked: one character each, not a digit, and apart from
    each other (ConfigError naming the argument). Either may be the delimiter in quoted fields ("24,945")."""
    decimal = "." if decimal is None else decimal
    for name, char in (("decimal", decimal), ("thousands", thousands)):
        if char is not None and (not isinstance(char, str) or len(char) != 1 or char in "\r\n\"0123456789"):
            raise ConfigError(f"invalid `{name}` {char!r}; use one character such as ',' or '.'")
    if thousands == decimal:
        raise ConfigError(f"`thousands` and `decimal` are both {decimal!r}; they must differ")
    return decimal, thousands


def check_fill(fill: str) -> str:
    if fill not in FILL_METHODS:
        raise ConfigError(f"invalid `fill` {fill!r}; use one of {', '.join(FILL_METHODS)}")
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
            f"invalid `resample` {alias!r}{better}; use a pandas offset alias such as D, W, MS, QS, YS or h"
        ) from None
    return alias


def check_smooth(smooth: int | None) -> int | None:
    if smooth is None:
        return None
    if isinstance(smooth, bool) or not isinstance(smooth, (int, np.integer)) or smooth < 1:
        raise ConfigError(f"invalid `smooth` {smooth!r}; use a whole number of rows >= 1")
    return int(smooth)


def name_list(names: str | Iterable[str] | None, header: Iterable[str] = ()) -> list[str]:
    """Option values as a list of unique names: a name of `header` as it is (names may hold commas),
    anything else split on commas ("a,b" is accepted as two names)."""
    if not names:
        return []
    if isinstance(names, str):
        names = [names]
    header = set(header)
    out: list[str] = []
    for name in names:
        for part in [name] if name in header else str(name).split(","):
            if part.strip() and part.strip() not in out:
                out.append(part if part in header else part.strip())
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
    if path.is_char_device() or path.is_block_device():  # /dev/zero would be read for ever
        raise DataError(f"{source} is a device, not a CSV file; pass the path of a .csv file "
                        "(or - for stdin)")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"No such file: {source}") from None
    except PermissionError:
        raise DataError(f"Cannot read {source}: permission denied") from None
    except OSError as exc:
        raise DataError(f"Cannot read {source}: {exc.strerror or exc}") from None


# How DATA is read, by its file name's ending: compressed CSV (the standard library decompresses it),
# or a table format read by pandas through an optional extra (the package it needs, the extra's name).
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip")
TABLE_FORMATS = {".parquet": ("Parquet", "pyarrow", "parquet"), ".pq": ("Parquet", "pyarrow", "parquet"),
                 ".xlsx": ("Excel", "openpyxl", "excel"), ".xlsm": ("Excel", "openpyxl", "excel")}

# The first bytes of binary formats a DATA file may really be: (magic, what it is, what to do).
_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed", "name it *.csv.gz (rnncli decompresses by the extension) or gunzip it"),
    (b"BZh", "bzip2-compressed", "name it *.csv.bz2 or bunzip2 it"),
    (b"\xfd7zXZ\x00", "xz-compressed", "name it *.csv.xz or unxz it"),
    (b"PAR1", "a Parquet file", "name it *.parquet (needs the 'parquet' extra)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or other OLE2 file", "save it as .xlsx or .csv"),
    (b"PK\x03\x04", "a zip archive", "name it *.csv.zip (one CSV inside), or *.xlsx if it is a workbook"),
    (b"SQLite format 3\x00", "an SQLite database", "export a table as CSV"),
    (b"\x89HDF", "an HDF5 file", "export it as CSV"),
    (b"\x93NUMPY", "a NumPy .npy file", "export it as CSV"),
    (b"%PDF", "a PDF document", "export its table as CSV"),
)


def binary_format(data: bytes, zlib: bool = False) -> tuple[str, str] | None:
    """(what the bytes are, what to do) when they start like a known binary format, else None.

    zlib: also recognise a zlib stream (joblib's compression), whose two-byte header text can begin with.
    """
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            if magic == b"PK\x03\x04" and (b"xl/" in data[:4096] or b"[Content_Types].xml" in data[:4096]):
                return "an Excel workbook (.xlsx)", "name it *.xlsx (needs the 'excel' extra)"
            return what, fix
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a Python pickle (a model file?)", "pass a CSV file as DATA and the model file as MODEL"
    if zlib and len(data) > 1 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        return "zlib-compressed (a joblib model file?)", "pass a CSV file as DATA and the model file as MODEL"
    return None


def read_text(path_or_dash: str | Path, encoding: str, source: str, delimiter: str = ",",
              data: bytes | None = None) -> str:
    """DATA's text as CSV: decompressed (.gz, .bz2, .xz, .zip) and decoded, or a Parquet / Excel file
    read by pandas and written out as CSV with `delimiter` (its 'line' numbers are then the header's
    line 1 and one line per row). `data`: the file's bytes, when they are read already.

    Raises DataError for a file that cannot be read or decompressed, or that is binary (naming its real
    format), and for a missing extra (naming it and its install command).
    """
    raw = read_bytes(path_or_dash, source) if data is None else data
    suffix = Path(str(path_or_dash)).suffix.lower() if str(path_or_dash) != "-" else ""
    if suffix in TABLE_FORMATS:
        return _table_as_csv(raw, suffix, source, delimiter)
    if suffix in COMPRESSIONS:
        raw = _decompress(raw, suffix, source)
    found = binary_format(raw[:4096])
    if found:
        raise DataError(f"{source} is not a text (CSV) file: it is {found[0]}; {found[1]}")
    return decode(raw, encoding, source)


def _decompress(raw: bytes, suffix: str, source: str) -> bytes:
    import bz2
    import gzip
    import lzma
    import zipfile

    try:
        if suffix == ".gz":
            return gzip.decompress(raw)
        if suffix == ".bz2":
            return bz2.decompress(raw)
        if suffix == ".xz":
            return lzma.decompress(raw)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise DataError(f"{source} holds {len(names)} files ({', '.join(names[:5]) or 'none'}); "
                                "a .zip DATA file must hold exactly one CSV file")
            return archive.read(names[0])
    except (OSError, EOFError, ValueError, lzma.LZMAError, zipfile.BadZipFile) as exc:
        kind = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zip": "zip"}[suffix]
        found = binary_format(raw)
        really = f"; it looks like {found[0]}: {found[1]}" if found else \
            f"; if it is plain text, rename it without {suffix}"
        raise DataError(f"{source} is not valid {kind} data ({exc}){really}") from None


def _table_as_csv(raw: bytes, suffix: str, source: str, delimiter: str) -> str:
    import importlib

    from ..errors import install_hint

    name, package, extra = TABLE_FORMATS[suffix]
    try:
        importlib.import_module(package)
    except ImportError:
        article = "an" if name[0] in "AEIOU" else "a"
        raise DataError(f"{source} is {article} {name} file, and reading it needs the '{extra}' extra "
                        f"({package}): {install_hint(extra)}; or save it as CSV") from None
    import pandas as pd

    try:
        if name == "Parquet":
            frame = pd.read_parquet(io.BytesIO(raw))
            index = not isinstance(frame.index, pd.RangeIndex)  # a time index written by pandas is a column
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl's style and data-validation warnings
                frame = pd.read_excel(io.BytesIO(raw), sheet_name=0)
            index = False
    except Exception as exc:  # the readers raise many types; one message names the file
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{source}: cannot read it as {name}: {reason}") from None
    return frame.to_csv(index=index, sep=delimiter, lineterminator="\n")


def decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        found = binary_format(data[:4096], zlib=True)
        if found:
            raise DataError(f"{source} is not a text (CSV) file: it is {found[0]}; {found[1]}") from None
        line = data[: exc.start].count(b"\n") + 1
        shown = "UTF-8" if encoding == "utf-8-sig" else encoding
        byte = data[exc.start : exc.start + 1].hex()
        raise DataError(
            f"{source} line {line}: byte 0x{byte} at offset {exc.start} is not valid {shown}; "
            "use `encoding='latin-1'` (or the file's encoding), or save the file as UTF-8"
        ) from None


def split_records(text: str, delimiter: str, source: str,
                  no_header: bool = False) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the data rows (stripped fields, padded to the header's width) and their file lines.

    no_header: the first line is data too; the columns are named time, col1, col2, ...
    """
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
            if header is None and no_header:
                header, header_line = ["time"] + [f"col{i}" for i in range(1, len(fields))], 0
            elif header is None:
                header, header_line, named = _check_header(fields, start, delimiter, source), start, fields
                continue
            if not rows and not no_header:
                _check_title(named, header_line, fields, start, source)
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
                    f"{_delimiter_name(other)}-delimited: use `delimiter` {option}"
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


def _check_title(named: list[str], line: int, fields: list[str], next_line: int, source: str) -> None:
    """A header line with one field (or one and empty ones) above a record of several fields is a title
    line (an export's "Sales 2023;;;", a "# comment"), not the column names: say so rather than misread
    every column."""
    if named[0] and not any(named[1:]) and sum(1 for field in fields if field) > 1:
        raise DataError(
            f"{source} line {line} looks like a title, not a header: it names one column "
            f"({show(named[0])}) but line {next_line} has {len(fields)} fields; "
            "delete the lines above the column names"
        )


def show(value: str) -> str:
    """A cell for a message: quoted, escaped (so the message stays one line) and cut if long."""
    return repr(value if len(value) <= _SHOW_CHARS else value[: _SHOW_CHARS - 3] + "...")

