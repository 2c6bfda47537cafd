"""CSV in: read a file (or stdin) into a clean numeric table, with checks that name the line to fix.

This is the only module that reads user data. Everything after it sees a `Series`: a float64 array of the
used columns, their names, and the timestamps. Every problem found on the way is a `DataError` (or a
`ConfigError` for a bad option value) whose message is one line naming the file, the line (1-based, the
header is line 1), the column, the bad value, and what to do about it.

How a file is read:

1. bytes: from the path, or from stdin for "-" (read once; `sha256_of("-")` hashes the same bytes);
2. text: decoded with `encoding` ("utf-8" accepts a byte-order mark);
3. records: split by the `csv` module, which keeps each record's file line number (quoted newlines and
   blank lines included) so that later messages can point at the right line;
4. time column: detected or named, parsed to datetime64[ns] or int64, checked unique and ascending;
5. value columns: targets and features chosen, parsed as float64, checked finite;
6. missing values: an error, or filled (`fill`), then `resample`, then `smooth`.

pandas is imported inside the functions that use it, so importing this module stays cheap.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError, DataError
from .offsets import future_dates

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FILL_METHODS", "Series", "future_times", "read_csv", "read_header", "sha256_of"]

FILL_METHODS = ("error", "ffill", "interpolate", "drop")

STDIN_NAME = "<stdin>"

# A first column whose name has one of these words as its first or last word is the time column.
_TIME_WORDS = frozenset(
    "date time datetime timestamp month year day week period ds quarter hour "
    "dates times datetimes timestamps months years days weeks periods quarters hours".split()
)
# Cells (compared stripped and lower-cased) that mean "no value".
_MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "<na>"})
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}")
_SHOW_CHARS = 40


@dataclass
class Series:
    """A clean table ready for windowing.

    `values` has shape (n_rows, len(columns)), float64, no NaN or inf. `columns` are the features, then the
    targets that are not already features. `time` is datetime64[ns] (with `freq`, a pandas offset alias such
    as "MS", "D" or "YS-JAN", when the spacing is regular) or int64 (years or plain integers, with `step`,
    the constant difference, when there is one; `freq` is then None), or None without a time column.
    """

    values: np.ndarray
    columns: list[str]
    features: list[str]
    targets: list[str]
    time: np.ndarray | None
    time_col: str | None
    freq: str | None
    step: int | None
    source: str


# --- public API ---------------------------------------------------------------------------------------


def read_csv(
    path_or_dash: str | Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    time_col: str | None = "auto",
    targets: str | Iterable[str] = (),
    features: str | Iterable[str] = (),
    fill: str = "error",
    resample: str | None = None,
    smooth: int | None = None,
) -> Series:
    """Read a CSV file ("-" for stdin) into a `Series`.

    time_col: "auto" (the first column, if its name or its values look like time), "none" or None (no time
    column), or a column name. targets: the columns to forecast (default: the only numeric column).
    features: the columns the model reads (default: the targets). fill: what to do with missing values in
    used columns: "error", "ffill" (then bfill), "interpolate" (linear, then edge fill) or "drop" (rows).
    resample: a pandas offset alias ("MS", "W", "D", ...): the mean of each period (needs dates).
    smooth: N >= 1, a trailing moving average over N rows (the first N - 1 rows are dropped).
    Raises DataError for problems in the data and ConfigError for bad option values.
    """
    delimiter = _check_delimiter(delimiter)
    encoding = _check_encoding(encoding)
    fill = _check_fill(fill)
    resample = _check_resample(resample)
    smooth = _check_smooth(smooth)
    source = _source_name(path_or_dash)

    text = _decode(_read_bytes(path_or_dash, source), encoding, source)
    header, rows, lines = _split_records(text, delimiter, source)
    try:
        return _build_series(
            header,
            rows,
            lines,
            source,
            time_col=time_col,
            targets=_names(targets),
            features=_names(features),
            fill=fill,
            resample=resample,
            smooth=smooth,
        )
    except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:  # a safety net for pandas/numpy
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{source}: cannot read the table: {reason}") from exc


def read_header(path_or_dash: str | Path, *, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV file ("-" for stdin), read and checked as `read_csv` reads them."""
    source = _source_name(path_or_dash)
    text = _decode(_read_bytes(path_or_dash, source), _check_encoding(encoding), source)
    return _split_records(text, _check_delimiter(delimiter), source)[0]


def future_times(series: Series | tuple, n: int) -> np.ndarray | None:
    """The `n` timestamps after the last one, continuing the frequency (or the integer step).

    `series` is a `Series` or a tuple (time, freq, step). Returns datetime64[ns] or int64 of length n, or
    None when there is no time column or no regular spacing to continue.
    """
    if isinstance(series, Series):
        time, freq, step = series.time, series.freq, series.step
    else:
        time, freq, step = series
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(f"the number of future steps must be an integer >= 0, got {n!r}")
    if time is None or len(time) == 0:
        return None
    time = np.asarray(time)
    if np.issubdtype(time.dtype, np.datetime64):
        if not freq:
            return None
        dates = future_dates(time[-1], freq, int(n))  # without importing pandas, where it can
        if dates is not None:
            return dates
        import pandas as pd

        last = pd.Timestamp(time[-1])
        return pd.date_range(last, periods=int(n) + 1, freq=freq)[1:].as_unit("ns").to_numpy()
    if np.issubdtype(time.dtype, np.integer) and step:
        return (int(time[-1]) + int(step) * np.arange(1, int(n) + 1)).astype(np.int64)
    return None


def sha256_of(path_or_bytes: str | Path | bytes | bytearray | memoryview) -> str:
    """The hex SHA-256 of the raw input bytes: of `bytes` as given, of a file, or of stdin for "-"."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return hashlib.sha256(path_or_bytes).hexdigest()
    return hashlib.sha256(_read_bytes(path_or_bytes, _source_name(path_or_bytes))).hexdigest()


# --- option checks (before any reading) ---------------------------------------------------------------


def _check_delimiter(delimiter: str) -> str:
    if delimiter in ("tab", "\\t"):
        return "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        raise ConfigError(f"invalid --delimiter {delimiter!r}; use one character such as ',' ';' or tab")
    return delimiter


def _check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ConfigError(f"unknown --encoding {encoding!r}; use e.g. utf-8 or latin-1") from None
    return "utf-8-sig" if name == "utf-8" else encoding


def _check_fill(fill: str) -> str:
    if fill not in FILL_METHODS:
        raise ConfigError(f"invalid --fill {fill!r}; use one of {', '.join(FILL_METHODS)}")
    return fill


def _check_resample(alias: str | None) -> str | None:
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


def _check_smooth(smooth: int | None) -> int | None:
    if smooth is None:
        return None
    if isinstance(smooth, bool) or not isinstance(smooth, (int, np.integer)) or smooth < 1:
        raise ConfigError(f"invalid --smooth {smooth!r}; use a whole number of rows >= 1")
    return int(smooth)


def _names(names: str | Iterable[str] | None) -> list[str]:
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


# --- bytes, text, records -----------------------------------------------------------------------------

_stdin_cache: tuple[object, bytes] | None = None


def _source_name(path_or_dash: str | Path) -> str:
    return STDIN_NAME if str(path_or_dash) == "-" else str(path_or_dash)


def _read_stdin() -> bytes:
    """All of stdin's bytes, read once per stdin object and reused (so read_csv and sha256_of agree)."""
    global _stdin_cache
    stream = sys.stdin
    if _stdin_cache is None or _stdin_cache[0] is not stream:
        buffer = getattr(stream, "buffer", None)
        if stream is None or buffer is None:
            raise DataError(
                "cannot read the data from stdin: no standard input; pass a file name instead of -"
            )
        _stdin_cache = (stream, buffer.read())
    return _stdin_cache[1]


def _read_bytes(path_or_dash: str | Path, source: str) -> bytes:
    if str(path_or_dash) == "-":
        return _read_stdin()
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


def _decode(data: bytes, encoding: str, source: str) -> str:
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


def _split_records(text: str, delimiter: str, source: str) -> tuple[list[str], list[list[str]], list[int]]:
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
                    f"{source} line {line}: the header {_show(fields[0])} is one column; the file looks "
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


def _show(value: str) -> str:
    """A cell for a message: quoted, escaped (so the message stays one line) and cut if long."""
    return repr(value if len(value) <= _SHOW_CHARS else value[: _SHOW_CHARS - 3] + "...")


# --- the table ----------------------------------------------------------------------------------------


@dataclass
class _Column:
    """One value column: its raw cells and what they parse to."""

    name: str
    raw: np.ndarray  # object array of stripped strings
    missing: np.ndarray  # bool
    numbers: np.ndarray  # float64, NaN where missing or not a number
    bad: np.ndarray  # bool: present but not a number

    @property
    def numeric(self) -> bool:
        """Numeric-looking: at least half of the present cells are numbers (a typo does not make it text)."""
        present = int((~self.missing).sum())
        parsed = present - int(self.bad.sum())
        return parsed > 0 and 2 * parsed >= present


def _parse_column(name: str, raw: np.ndarray) -> _Column:
    import pandas as pd

    missing = np.array([cell.lower() in _MISSING for cell in raw], dtype=bool)
    numbers = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, copy=True
    )
    bad = np.isnan(numbers) & ~missing
    numbers[missing] = np.nan
    return _Column(name, raw, missing, numbers, bad)


def _build_series(
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    source: str,
    *,
    time_col: str | None,
    targets: list[str],
    features: list[str],
    fill: str,
    resample: str | None,
    smooth: int | None,
) -> Series:
    import pandas as pd

    cells = np.array(rows, dtype=object).reshape(len(rows), len(header))
    line_of = np.asarray(lines, dtype=np.int64)

    time_name, auto = _choose_time_col(time_col, header, cells, source)
    time = None
    if time_name is not None:
        time = _parse_time(cells[:, header.index(time_name)], line_of, time_name, auto, source)

    columns = {name: _parse_column(name, cells[:, i]) for i, name in enumerate(header) if name != time_name}
    targets, features = _choose_columns(targets, features, columns, header, time_name, line_of, source)
    used = features + [name for name in targets if name not in features]
    _check_values([columns[name] for name in used], line_of, source)

    frame = pd.DataFrame({name: columns[name].numbers for name in used})
    if time is not None:
        frame.index = pd.DatetimeIndex(time) if np.issubdtype(time.dtype, np.datetime64) else pd.Index(time)
    frame = _fill_missing(frame, fill, line_of, source)
    if resample is not None:
        frame = _resample(frame, resample, time_name, fill, source)
    if smooth is not None and smooth > 1:
        if len(frame) < smooth:
            raise DataError(
                f"--smooth {smooth} needs at least {smooth} rows but {source} has {len(frame)}; "
                "use a smaller --smooth"
            )
        frame = frame.rolling(smooth).mean().iloc[smooth - 1 :]

    time_out = freq = step = None
    if time is not None:
        if isinstance(frame.index, pd.DatetimeIndex):
            time_out = frame.index.as_unit("ns").to_numpy()
            freq = _infer_freq(frame.index)
        else:
            time_out = frame.index.to_numpy(dtype=np.int64)
            step = _constant_step(time_out)
    return Series(
        values=np.ascontiguousarray(frame.to_numpy(dtype=np.float64)),
        columns=used,
        features=features,
        targets=targets,
        time=time_out,
        time_col=time_name,
        freq=freq,
        step=step,
        source=source,
    )


# --- time column --------------------------------------------------------------------------------------


def _looks_like_time_name(name: str) -> bool:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()  # orderDate -> order_date
    words = [word for word in re.split(r"[^a-z0-9]+", spaced) if word]
    return bool(words) and (words[0] in _TIME_WORDS or words[-1] in _TIME_WORDS)


def _present(raw: np.ndarray) -> np.ndarray:
    return np.array([cell.lower() not in _MISSING for cell in raw], dtype=bool)


def _looks_like_years(raw: np.ndarray) -> bool:
    if not all(_INTEGER.fullmatch(cell) for cell in raw):
        return False
    years = np.array([int(cell) for cell in raw])
    return bool(((years >= 1000) & (years <= 2999)).all() and (np.diff(years) > 0).all())


def _looks_like_iso_dates(raw: np.ndarray) -> bool:
    import pandas as pd

    if not all(_ISO_DATE.match(cell) for cell in raw):
        return False
    parsed = pd.to_datetime(pd.Series(raw, dtype=object), format="ISO8601", errors="coerce", utc=True)
    return not parsed.isna().any()


def _choose_time_col(
    time_col: str | None, header: list[str], cells: np.ndarray, source: str
) -> tuple[str | None, bool]:
    """The time column's name (or None) and whether it was detected rather than named."""
    if time_col is None or str(time_col).lower() == "none":
        return None, False
    if time_col != "auto":
        if time_col not in header:
            raise ConfigError(
                f"unknown --time-col {time_col!r} in {source}; available columns: {', '.join(header)}"
            )
        return time_col, False
    first, raw = header[0], cells[:, 0]
    if _looks_like_time_name(first):
        return first, True
    present = raw[_present(raw)]
    if (
        len(header) > 1
        and len(present) == len(raw)
        and (_looks_like_years(raw) or _looks_like_iso_dates(raw))
    ):
        return first, True
    return None, False


def _parse_time(raw: np.ndarray, line_of: np.ndarray, name: str, auto: bool, source: str) -> np.ndarray:
    """int64 (all cells are integers) or datetime64[ns]; checked present, unique and ascending."""
    import pandas as pd

    not_time = f" (or --time-col none if {name!r} is not a time column)" if auto else ""
    absent = ~_present(raw)
    if absent.any():
        i = int(np.argmax(absent))
        raise DataError(
            f"{source} line {line_of[i]}: missing timestamp in column {name!r}; "
            f"fill it in or delete the row{not_time}"
        )
    if all(_INTEGER.fullmatch(cell) for cell in raw):
        try:
            time = np.array([int(cell) for cell in raw], dtype=np.int64)
        except OverflowError:
            i = next(i for i, cell in enumerate(raw) if abs(int(cell)) > np.iinfo(np.int64).max)
            raise DataError(
                f"{source} line {line_of[i]}, column {name!r}: {_show(raw[i])} is too large for a "
                f"timestamp{not_time}"
            ) from None
    else:
        cells = pd.Series(raw, dtype=object)
        parsed = pd.to_datetime(cells, format="ISO8601", errors="coerce", utc=True)
        if parsed.isna().any():  # not all ISO 8601: let pandas infer one format from the first cell
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(cells, errors="coerce", utc=True)
        if parsed.isna().any():
            i = int(np.argmax(parsed.isna().to_numpy()))
            raise DataError(
                f"{source} line {line_of[i]}, column {name!r}: cannot read {_show(raw[i])} as a date or "
                f"time; use ISO dates like 2012-01-31 or 1949-01{not_time}"
            )
        try:
            time = pd.DatetimeIndex(parsed).tz_convert(None).as_unit("ns").to_numpy()
        except (ValueError, OverflowError):  # pandas' OutOfBoundsDatetime is a ValueError
            raise DataError(
                f"{source}, column {name!r}: dates must lie between 1677 and 2262; "
                f"use integer years instead{not_time}"
            ) from None
    _check_order(time, raw, line_of, name, auto, source)
    return time


def _check_order(
    time: np.ndarray, raw: np.ndarray, line_of: np.ndarray, name: str, auto: bool, source: str
) -> None:
    import pandas as pd

    duplicated = pd.Index(time).duplicated()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        first = int(np.argmax(time == time[i]))
        not_time = f", or --time-col none if {name!r} is not a time column" if auto else ""
        raise DataError(
            f"{source} line {line_of[i]}: duplicate timestamp {_show(raw[i])} in column {name!r} "
            f"(first at line {line_of[first]}); remove or aggregate the repeated rows{not_time}"
        )
    backwards = np.flatnonzero(time[1:] < time[:-1])
    if len(backwards):
        i = int(backwards[0]) + 1
        raise DataError(
            f"{source} line {line_of[i]}: timestamp {_show(raw[i])} in column {name!r} comes before "
            f"{_show(raw[i - 1])} on line {line_of[i - 1]}; sort the rows by {name!r}, oldest first"
        )


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    """pd.infer_freq as an offset alias string, or None (irregular, or fewer than 3 timestamps)."""
    import pandas as pd

    if len(index) < 3:
        return None
    try:  # pandas >= 3.1 warns unless asked for the future behaviour (an offset object)
        pd.get_option("future.infer_freq_returns_offset")
        context = pd.option_context("future.infer_freq_returns_offset", True)
    except (KeyError, AttributeError):  # pandas' OptionError: an older pandas, which returns a string
        context = warnings.catch_warnings()
    with context:
        try:
            freq = pd.infer_freq(index)
        except (ValueError, TypeError):
            return None
    return None if freq is None else getattr(freq, "freqstr", str(freq))


def _constant_step(time: np.ndarray) -> int | None:
    steps = np.unique(np.diff(time))
    return int(steps[0]) if len(steps) == 1 else None


# --- value columns ------------------------------------------------------------------------------------


def _choose_columns(
    targets: list[str],
    features: list[str],
    columns: dict[str, _Column],
    header: list[str],
    time_name: str | None,
    line_of: np.ndarray,
    source: str,
) -> tuple[list[str], list[str]]:
    """The target and feature names, checked to exist, not to be the time column, and not to be text."""
    for option, names in (("--target", targets), ("--features", features)):
        for name in names:
            if name == time_name:
                raise ConfigError(
                    f"{option} {name!r} is the time column of {source}; "
                    f"choose another column, or use --time-col none to read {name!r} as values"
                )
            if name not in columns:
                raise ConfigError(
                    f"unknown {option} {name!r} in {source}; available columns: {', '.join(header)}"
                )
    numeric = [name for name, column in columns.items() if column.numeric]
    if not targets:
        if len(numeric) == 1:
            targets = numeric
        elif not numeric:
            texts = [column for column in columns.values() if column.bad.any()]
            if not texts:
                others = ", ".join(columns) or "none"
                raise DataError(
                    f"{source} has no numeric column to forecast (columns besides the time: {others})"
                )
            i = int(np.argmax(texts[0].bad))
            raise DataError(
                f"{source} has no numeric column to forecast: column {texts[0].name!r} holds text such as "
                f"{_show(texts[0].raw[i])} (line {line_of[i]}); add a column of numbers"
            )
        else:
            raise DataError(
                f"{source} has {len(numeric)} numeric columns ({', '.join(numeric)}); "
                "choose the one to forecast with --target"
            )
    for role, names in (("target", targets), ("feature", features)):
        for name in names:
            column = columns[name]
            if not column.numeric and (~column.missing).any():
                i = int(np.argmax(column.bad))
                choices = ", ".join(numeric) or "none"
                raise DataError(
                    f"{source} line {line_of[i]}, column {name!r}: {_show(column.raw[i])} is text, "
                    f"so {name!r} cannot be a {role}; choose numeric columns (numeric: {choices})"
                )
    return targets, features or list(targets)


def _check_values(used: Sequence[_Column], line_of: np.ndarray, source: str) -> None:
    """No text and no inf in used columns, and no column without any value."""
    for problem in ("bad", "infinite"):
        masks = [column.bad if problem == "bad" else np.isinf(column.numbers) for column in used]
        where = np.column_stack(masks)
        if where.any():
            i, j = divmod(int(np.argmax(where)), where.shape[1])  # row-major: the first line with one
            cell = _show(used[j].raw[i])
            if problem == "bad":
                what = f"{cell} is not a number; correct it, or empty the cell to mark it missing"
            else:
                what = f"{cell} is not a finite number; replace it, or empty the cell to mark it missing"
            raise DataError(f"{source} line {line_of[i]}, column {used[j].name!r}: {what}")
    for column in used:
        if column.missing.all():
            raise DataError(f"{source}: column {column.name!r} has no values; choose another column")


def _first_missing(frame: pd.DataFrame) -> tuple[int, str]:
    where = frame.isna().to_numpy()
    i, j = divmod(int(np.argmax(where)), where.shape[1])
    return i, frame.columns[j]


def _fill_missing(frame: pd.DataFrame, fill: str, line_of: np.ndarray, source: str) -> pd.DataFrame:
    count = int(frame.isna().to_numpy().sum())
    if count == 0:
        return frame
    if fill == "error":
        i, name = _first_missing(frame)
        values = "value" if count == 1 else "values"
        raise DataError(
            f"{source} has {count} missing {values} in used columns (first at line {line_of[i]}, "
            f"column {name!r}); use --fill ffill|interpolate|drop"
        )
    return _apply_fill(frame, fill, f"{source} with --fill drop")


def _apply_fill(frame: pd.DataFrame, fill: str, what: str) -> pd.DataFrame:
    if fill == "ffill":
        return frame.ffill().bfill()
    if fill == "interpolate":
        return frame.interpolate(method="linear").ffill().bfill()
    frame = frame.dropna()
    if frame.empty:
        raise DataError(f"no rows are left in {what}: every row has a missing value; use --fill interpolate")
    return frame


def _resample(frame: pd.DataFrame, alias: str, time_name: str | None, fill: str, source: str) -> pd.DataFrame:
    import pandas as pd

    if time_name is None or not isinstance(frame.index, pd.DatetimeIndex):
        kind = "no time column" if time_name is None else f"integer time column {time_name!r}"
        raise ConfigError(f"--resample needs a date/time column, but {source} has {kind}; omit --resample")
    frame = frame.resample(alias).mean()
    empty = frame.isna().any(axis=1).to_numpy()
    if empty.any():
        if fill == "error":
            first = frame.index[int(np.argmax(empty))]
            raise DataError(
                f"resampling {source} to {alias!r} leaves {int(empty.sum())} empty periods (first at "
                f"{first.isoformat()}); use a coarser --resample or --fill ffill|interpolate|drop"
            )
        frame = _apply_fill(frame, fill, f"{source} after --resample {alias}")
    return frame
