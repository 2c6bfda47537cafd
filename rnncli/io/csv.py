"""CSV in: read a file (or stdin) into a clean numeric table, with checks that name the line to fix.

This module and the two it builds on (`records`: bytes, text, records and read options; `timecol`: the
time column) read user data; `read_long_csv` reads a long CSV of many series. Everything after it sees a
`Series`: a float64 array of the used columns, their names, and the timestamps. Every problem found on
the way is a `DataError` (or a `ConfigError` for a bad option value) whose message is one line naming the
file, the line (1-based, the header is line 1), the column, the bad value, and what to do about it.

How a file is read:

1. bytes: from the path, or from stdin for "-" (each call reads stdin anew, except inside a
   `records.stdin_read_once` block; the Series' provenance holds the sha256 of the bytes read);
2. text: decoded with `encoding` ("utf-8" accepts a byte-order mark);
3. records: split by the `csv` module, which keeps each record's file line number (quoted newlines and
   blank lines included) so that later messages can point at the right line;
4. time column: detected or named, parsed to datetime64[ns] or int64, checked unique and ascending;
5. value columns: targets and features chosen, parsed as float64, checked finite;
6. missing values: an error, or filled (`fill`), then `resample`, then `smooth`.

pandas is imported inside the functions that use it, so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, DataError
from ..model import sizing
from .records import (
    FILL_METHODS,
    MISSING,
    STDIN_NAME,
    check_delimiter,
    check_encoding,
    check_fill,
    check_resample,
    check_separators,
    check_smooth,
    last_stdin,
    name_list,
    read_bytes,
    read_text,
    show,
    source_name,
    split_records,
)
from .timecol import (
    calendar,
    calendar_times,
    check_freq,
    check_tz,
    choose_time_col,
    constant_step,
    future_times,
    infer_freq,
    looks_like_data_row,
    parse_time,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FILL_METHODS",
    "STDIN_NAME",
    "LongTable",
    "Series",
    "future_times",
    "is_series",
    "read_csv",
    "read_header",
    "read_long_csv",
    "series_sha256",
    "sha256_of",
]


@dataclass
class Series:
    """A clean table ready for windowing.

    `values` has shape (n_rows, len(columns)), float64, no NaN or inf. `columns` are the features, then the
    targets that are not already features. `time` is datetime64[ns] (with `freq`, a pandas offset alias such
    as "MS", "D" or "YS-JAN", when the spacing is regular) or int64 (years or plain integers, with `step`,
    the constant difference, when there is one; `freq` is then None), or None without a time column.
    `freq` is the calendar the rows lie on (inferred, or declared with `freq=`), even when `fill="drop"`
    left rows out of it. `observed` (n_rows, len(columns)) bool is False where `fill` made a value up
    (None: every value was read). `breaks` holds the row indices i where rows i-1 and i are not
    neighbours on the calendar (rows were dropped between them); a window must not straddle one.
    `provenance` says where the values came from, as `Forecaster.fit` records it in the model:
    {"source": the file's name ("<stdin>" for -), "sha256": of the bytes read, "read": the read options,
    and for a series of a long CSV "id_col" and "series_id"}; None when not read from a file.
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
    observed: np.ndarray | None = None
    breaks: np.ndarray | None = None
    provenance: dict | None = None
    time_style: dict | None = None
    notes: list[str] | None = None


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
    freq: str | None = None,
    expect_freq: str | None = None,
    time_format: str | None = None,
    tz: str | None = None,
    no_header: bool = False,
    decimal: str = ".",
    thousands: str | None = None,
) -> Series:
    """Read a CSV file ("-" for stdin) into a `Series`.

    time_col: "auto" (the first column, if its name or its values look like time), "none" or None (no time
    column), or a column name. targets: the columns to forecast (default: the only numeric column).
    features: the columns the model reads (default: the targets). fill: what to do with missing values in
    used columns: "error", "ffill" (then bfill), "interpolate" (linear, then edge fill) or "drop" (rows).
    resample: a pandas offset alias ("MS", "W", "D", ...): the mean of each period (needs dates).
    smooth: N >= 1, a trailing moving average over N rows (the first N - 1 rows are dropped).
    freq: the calendar of the time column: None (inferred from the spacing), a pandas offset alias
    ("D", "B", "W-SAT", "MS", "15min"...), or "none" (the rows are a plain ordered sequence).
    Timestamps missing from the calendar are an error unless `fill` fills them ("ffill",
    "interpolate", "zero") or drops them ("drop": no window straddles the hole).
    expect_freq: the frequency a model was trained at; DATA at another frequency is a DataError.
    time_format: strptime codes of the time column ("%d/%m/%Y", "%Y%m%d"); default: ISO 8601,
    dd.mm.yyyy, slash dates (day first when a day exceeds 12), YYYYMMDD integers, or inferred.
    tz: an IANA zone for naive local times (sub-daily data then crosses DST changes hour by hour).
    Forecast times keep the data's style (`Series.time_style`, see `timecol.format_time`).
    no_header: the file has no header line; its columns are named time, col1, col2, ... (a first line
    that looks like data, a timestamp and numbers, is otherwise refused). A leading unnamed column
    holding 0..n-1 (a saved pandas index) is dropped, and said in `Series.notes`.
    decimal, thousands: the decimal mark and the thousands separator of the values (pandas' names):
    "1200,95" with decimal=",", "24,945" with thousands=",".
    Raises DataError for problems in the data and ConfigError for bad option values. The Series'
    `provenance` holds the sha256 of the bytes this call read and these options.
    """
    read = {"delimiter": delimiter, "encoding": encoding, "time_col": time_col, "fill": fill,
            "resample": resample, "smooth": smooth}
    delimiter = check_delimiter(delimiter)
    encoding = check_encoding(encoding)
    fill = check_fill(fill)
    resample = check_resample(resample)
    smooth = check_smooth(smooth)
    freq = check_freq(freq)
    tz = check_tz(tz)
    decimal, thousands = check_separators(decimal, thousands)
    read.update(freq=freq, time_format=time_format, tz=tz, no_header=bool(no_header), decimal=decimal,
                thousands=thousands)
    source = source_name(path_or_dash)

    raw = read_bytes(path_or_dash, source)
    text = read_text(path_or_dash, encoding, source, delimiter, raw)
    header, rows, lines = split_records(text, delimiter, source, bool(no_header))
    if not no_header and looks_like_data_row(header):
        raise DataError(
            f"{source} line 1: {show(delimiter.join(header))} looks like data (a time and numbers), not a "
            "header; add a header line such as date,value or use --no-header"
        )
    try:
        series = build_series(
            header,
            rows,
            lines,
            source,
            time_col=time_col,
            targets=targets,
            features=features,
            fill=fill,
            resample=resample,
            smooth=smooth,
            freq=freq,
            expect=expect_freq,
            time_format=time_format,
            tz=tz,
            decimal=decimal,
            thousands=thousands,
        )
    except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:  # a safety net for pandas/numpy
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{source}: cannot read the table: {reason}") from exc
    series.provenance = {"source": os.path.basename(source), "sha256": hashlib.sha256(raw).hexdigest(),
                         "read": {**read, "time_col": series.time_col or "none"}}
    return series


def read_header(path_or_dash: str | Path, *, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV file ("-" for stdin), read and checked as `read_csv` reads them."""
    source = source_name(path_or_dash)
    delimiter = check_delimiter(delimiter)
    text = read_text(path_or_dash, check_encoding(encoding), source, delimiter)
    return split_records(text, delimiter, source)[0]


def sha256_of(path_or_bytes: str | Path | bytes | bytearray | memoryview) -> str:
    """The hex SHA-256 of the raw input bytes: of `bytes` as given, of a file, or for "-" of the bytes the
    last read of stdin got (stdin is read when nothing read it yet). A Series' `provenance` has it too."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return hashlib.sha256(path_or_bytes).hexdigest()
    if str(path_or_bytes) == "-" and last_stdin() is not None:
        return hashlib.sha256(last_stdin()).hexdigest()
    return hashlib.sha256(read_bytes(path_or_bytes, source_name(path_or_bytes))).hexdigest()


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


def _parse_column(name: str, raw: np.ndarray, decimal: str = ".", thousands: str | None = None) -> _Column:
    import pandas as pd

    missing = np.array([cell.lower() in MISSING for cell in raw], dtype=bool)
    cells = pd.Series(raw, dtype=object)
    if thousands:
        cells = cells.str.replace(thousands, "", regex=False)
    if decimal != ".":
        cells = cells.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(
        dtype=np.float64, copy=True
    )
    bad = np.isnan(numbers) & ~missing
    numbers[missing] = np.nan
    return _Column(name, raw, missing, numbers, bad)


def build_series(
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
    freq: str | None = None,
    expect: str | None = None,
    time_format: str | None = None,
    tz: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
) -> Series:
    import pandas as pd

    cells = np.array(rows, dtype=object).reshape(len(rows), len(header))
    line_of = np.asarray(lines, dtype=np.int64)
    targets, features = name_list(targets, header), name_list(features, header)
    notes = []
    if _is_saved_index(header, cells, time_col):
        notes.append(f"{source}: the first column {header[0]!r} holds the row numbers 0..{len(cells) - 1} "
                     "(a saved pandas index); it is left out")
        header, cells = header[1:], cells[:, 1:]

    time_name, auto = choose_time_col(time_col, header, cells, source)
    time = style = None
    if time_name is not None:
        time, style = parse_time(cells[:, header.index(time_name)], line_of, time_name, auto, source,
                                 time_format, tz, lambda: _id_like(header, cells, time_name))

    columns = {name: _parse_column(name, cells[:, i], decimal, thousands)
               for i, name in enumerate(header) if name != time_name}
    targets, features = _choose_columns(targets, features, columns, header, time_name, line_of, source)
    used = features + [name for name in targets if name not in features]
    _check_values([columns[name] for name in used], line_of, source)

    frame = pd.DataFrame({name: columns[name].numbers for name in used})
    alias = step = positions = None
    if time is not None:
        frame.index = pd.DatetimeIndex(time) if np.issubdtype(time.dtype, np.datetime64) else pd.Index(time)
        if resample is None:
            raw_time = cells[:, header.index(time_name)]
            alias, step, positions = calendar(time, freq, raw_time, line_of, time_name, source, expect)
    naive_clock = bool(style and style["clock"] and not style["offset"] and not style["tz"])
    frame, observed, breaks = _fill_calendar(frame, fill, positions, alias, step, line_of, time_name, source,
                                             naive_clock)
    if resample is not None:
        frame = _resample(frame, resample, time_name, fill, source)
        observed = breaks = None
    if smooth is not None and smooth > 1:
        if len(frame) < smooth:
            raise DataError(
                f"--smooth {smooth} needs at least {smooth} rows but {source} has {len(frame)}; "
                "use a smaller --smooth"
            )
        frame = frame.rolling(smooth).mean().iloc[smooth - 1 :]
        if observed is not None:
            observed = observed[smooth - 1 :]
        if breaks is not None:
            breaks = breaks[breaks > smooth - 1] - (smooth - 1)

    time_out = None
    if time is not None:
        if isinstance(frame.index, pd.DatetimeIndex):
            time_out = frame.index.as_unit("ns").to_numpy()
            if resample is not None:
                freq = infer_freq(frame.index)
            elif freq != "none":
                freq = alias
        else:
            time_out = frame.index.to_numpy(dtype=np.int64)
            if resample is not None:
                step = constant_step(time_out)
    if freq == "none":
        freq = step = None
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
        observed=None if observed is None or observed.all() else observed,
        breaks=None if breaks is None or not len(breaks) else breaks,
        time_style=style if time is not None else None,
        notes=notes or None,
    )


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
            hint = _number_hint(texts[0].raw[i])
            raise DataError(
                f"{source} has no numeric column to forecast: column {texts[0].name!r} holds text such as "
                f"{show(texts[0].raw[i])} (line {line_of[i]}); "
                + (hint or "add a column of numbers")
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
                    f"{source} line {line_of[i]}, column {name!r}: {show(column.raw[i])} is text, "
                    f"so {name!r} cannot be a {role}; choose numeric columns (numeric: {choices})"
                )
    return targets, features or list(targets)


_NUMBER_HINTS = (
    (re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"),
     "',' looks like a thousands separator: read it with --thousands ,"),
    (re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?"),
     "'.' and ',' look like a thousands separator and a decimal comma: read them with --thousands . "
     "--decimal ,"),
    (re.compile(r"[+-]?\d*,\d+"), "',' looks like a decimal comma: read it with --decimal ,"),
    (re.compile(r"[+-]?\d{1,3}([ \u00a0\u202f']\d{3})+([.,]\d+)?"),
     "the spaces or apostrophes look like thousands separators: read them with --thousands CHAR"),
)
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|JPY)\b")


def _number_hint(cell: str) -> str | None:
    """What to do about a value that is a number written with separators or a currency sign, or None."""
    sign = _CURRENCY.search(cell)
    if sign:
        bare = _CURRENCY.sub("", cell).strip()
        if re.fullmatch(r"[+-]?[\d.,\s']+", bare):
            return f"remove the currency sign {sign.group(0)!r} from the column (rnncli reads plain numbers)"
    for pattern, hint in _NUMBER_HINTS:
        if pattern.fullmatch(cell):
            return hint
    return None


def _check_values(used: Sequence[_Column], line_of: np.ndarray, source: str) -> None:
    """No text and no inf in used columns, and no column without any value."""
    for problem in ("bad", "infinite"):
        masks = [column.bad if problem == "bad" else np.isinf(column.numbers) for column in used]
        where = np.column_stack(masks)
        if where.any():
            i, j = divmod(int(np.argmax(where)), where.shape[1])  # row-major: the first line with one
            cell = show(used[j].raw[i])
            if problem == "bad" and _number_hint(used[j].raw[i]):
                what = f"{cell} is not a number as written; {_number_hint(used[j].raw[i])}"
            elif problem == "bad":
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


def _fill_calendar(
    frame: pd.DataFrame,
    fill: str,
    positions: np.ndarray | None,
    alias: str | None,
    step: int | None,
    line_of: np.ndarray,
    time_name: str | None,
    source: str,
    naive_clock: bool = False,
) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Missing values and missing calendar rows, handled by `fill`: (frame, observed, breaks).

    "error" refuses both (naming the count, the first one and the flags); "ffill", "interpolate" and
    "zero" put the rows on the full calendar and fill the holes (`observed` is False there); "drop"
    keeps the rows with all values and returns the `breaks` between rows that are not neighbours.
    Without a calendar (`positions` None) the rows are a plain sequence.
    """
    import pandas as pd

    if fill == "error":
        frame = _fill_missing(frame, fill, line_of, source)
    n_calendar = len(frame) if positions is None else int(positions[-1]) + 1
    if positions is None:
        positions, index = np.arange(len(frame)), frame.index
    else:
        times = calendar_times(frame.index.to_numpy(), alias, step, n_calendar)
        index = pd.DatetimeIndex(times) if np.issubdtype(times.dtype, np.datetime64) else pd.Index(times)
    gaps = n_calendar - len(positions)
    if fill == "error":
        if gaps:
            absent = np.setdiff1d(np.arange(n_calendar), positions)
            after = int(np.searchsorted(positions, absent[0])) - 1
            spacing = f"the {alias} calendar" if alias else f"the steps of {step}"
            rows = "timestamp is" if gaps == 1 else "timestamps are"
            raise DataError(
                f"{source}: {gaps} {rows} missing from {spacing} of column {time_name!r} (first "
                f"{_format_stamp(index[absent[0]])}, after line {line_of[after]}); fill them with --fill "
                "ffill|interpolate|zero, skip them with --fill drop, declare another calendar with "
                "--freq ALIAS, or read the rows as a plain sequence with --freq none"
                + (" (local times across a DST change: give their zone with --tz NAME)"
                   if naive_clock else "")
            )
        return frame, None, None
    values = np.full((n_calendar, frame.shape[1]), np.nan)
    values[positions] = frame.to_numpy(dtype=np.float64)
    full = pd.DataFrame(values, index=index, columns=frame.columns)
    observed = ~np.isnan(values)
    if fill != "drop":
        return _apply_fill(full, fill, ""), observed, None
    kept = np.flatnonzero(observed.all(axis=1))
    if not len(kept):
        raise DataError(
            f"no rows are left in {source} with --fill drop: every row has a missing value; "
            "use --fill interpolate"
        )
    return full.iloc[kept], None, np.flatnonzero(np.diff(kept) > 1) + 1


_ID_NAME = re.compile(r"(?:^|[_\s-])(id|key|series|sensor|store|shop|symbol|ticker|station|item|sku|"
                      r"product|region|country|city|site|unique_id)$", re.IGNORECASE)


def _id_like(header: list[str], cells: np.ndarray, time_name: str) -> str | None:
    """The first column other than the time that looks like a series id: an id-like name, or text values
    that repeat (a few distinct labels)."""
    for j, name in enumerate(header):
        if name == time_name:
            continue
        labels = set(cells[:, j])
        if 1 < len(labels) < len(cells) and (
            _ID_NAME.search(name) or not _parse_column(name, cells[:, j]).numeric
        ):
            return name
    return None


def _is_saved_index(header: list[str], cells: np.ndarray, time_col) -> bool:
    """A leading unnamed (or "index") column holding 0, 1, ..., n-1, with other columns after it."""
    if len(header) < 2 or time_col == header[0]:
        return False
    if not (header[0].startswith("Unnamed: 0") or header[0].lower() == "index"):
        return False
    return list(cells[:, 0]) == [str(i) for i in range(len(cells))]


def _format_stamp(t) -> str:
    """A calendar time for a message: an int, a date, or a date and time."""
    if not isinstance(t, np.datetime64) and not hasattr(t, "isoformat"):
        return str(t)
    text = str(np.datetime64(t, "s"))
    return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")


def _apply_fill(frame: pd.DataFrame, fill: str, what: str) -> pd.DataFrame:
    if fill == "ffill":
        return frame.ffill().bfill()
    if fill == "interpolate":
        return frame.interpolate(method="linear").ffill().bfill()
    if fill == "zero":
        return frame.fillna(0.0)
    frame = frame.dropna()
    if frame.empty:
        raise DataError(f"no rows are left in {what}: every row has a missing value; use --fill interpolate")
    return frame


def _resample(frame: pd.DataFrame, alias: str, time_name: str | None, fill: str, source: str) -> pd.DataFrame:
    import pandas as pd

    if time_name is None or not isinstance(frame.index, pd.DatetimeIndex):
        kind = "no time column" if time_name is None else f"integer time column {time_name!r}"
        raise ConfigError(f"--resample needs a date/time column, but {source} has {kind}; omit --resample")
    _check_resample_size(frame, alias, source)
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


_RESAMPLE_COPIES = 6  # index, values, group codes, means, a fill, the float array read from it


def _check_resample_size(frame: pd.DataFrame, alias: str, source: str) -> None:
    """ConfigError, before resampling, when the periods from the first to the last time clearly cannot
    fit in memory (--resample 1s over years)."""
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    if len(frame.index) < 2:
        return
    first, last = frame.index.min(), frame.index.max()
    offset = to_offset(alias)
    try:
        period = ((first + 2 * offset) - (first + offset)).value  # one whole period, in ns
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        return
    periods = (last.value - first.value) // max(1, period) + 2
    need = periods * (frame.shape[1] + 1) * 8 * _RESAMPLE_COPIES
    sizing.check_fits(need, f"--resample {alias} over {source} ({first.date()} to {last.date()}: "
                            f"{periods:,} periods)", "use a coarser --resample")


# --- a long table: many series told apart by an id column -------------------------------------------


@dataclass
class LongTable:
    """The series of a long CSV, split by its id column.

    `series` maps each id (the cell's text, in order of first appearance) to the `Series` that
    `read_csv` would make of that id's rows alone, or to the `DataError` it would raise: one bad
    series does not stop the others, and `train_many` reports it as failed.
    """

    series: dict
    id_col: str
    time_col: str | None
    source: str
    sha256: str


def read_long_csv(path_or_dash, id_col: str, *, delimiter: str = ",", encoding: str = "utf-8",
                  time_col: str | None = "auto", targets=(), features=(), fill: str = "error",
                  resample: str | None = None, smooth: int | None = None,
                  freq: str | None = None, time_format: str | None = None,
                  tz: str | None = None, no_header: bool = False, decimal: str = ".",
                  thousands: str | None = None, expect_freq: str | None = None) -> LongTable:
    """Read a long CSV ("-" for stdin) with one row per (id, time) into one `Series` per id.

    The file is read and split once; each id's rows then go through `read_csv`'s own checks, so its
    messages name the file line to fix (the source reads "long.csv [store=7]"). The time column is
    chosen once, on the first id's rows, so every series reads the same column. Options are
    `read_csv`'s. Raises ConfigError for an unknown column and DataError for a file that cannot be
    split (unreadable, no rows, an empty id); a problem inside one series is stored as its value.
    """
    given_delimiter, given_encoding = delimiter, encoding
    delimiter = check_delimiter(delimiter)
    encoding = check_encoding(encoding)
    fill, resample, smooth = check_fill(fill), check_resample(resample), check_smooth(smooth)
    freq, tz = check_freq(freq), check_tz(tz)
    decimal, thousands = check_separators(decimal, thousands)
    source = source_name(path_or_dash)
    raw = read_bytes(path_or_dash, source)
    header, rows, lines = split_records(read_text(path_or_dash, encoding, source, delimiter, raw), delimiter,
                                        source, bool(no_header))
    targets, features = name_list(targets, header), name_list(features, header)
    if id_col not in header:
        raise ConfigError(f"unknown --id-col {id_col!r} in {source}; available columns: {', '.join(header)}")
    for option, names in (("--time-col", [time_col]), ("--target", targets), ("--features", features)):
        if id_col in names:
            raise ConfigError(f"{option} {id_col!r} is the id column (--id-col); choose another column")
    k = header.index(id_col)
    header = header[:k] + header[k + 1:]
    if not header:
        raise DataError(f"{source} has only the id column {id_col!r}; add a column of values")
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if not row[k]:
            raise DataError(f"{source} line {lines[i]}: empty value in the id column {id_col!r}; "
                            "fill it in or delete the row")
        groups.setdefault(row[k], []).append(i)
    cells = [row[:k] + row[k + 1:] for row in rows]

    first = next(iter(groups.values()))
    chosen, _ = choose_time_col(time_col, header, np.array([cells[i] for i in first], dtype=object),
                                     source)
    series: dict = {}
    read = {"delimiter": given_delimiter, "encoding": given_encoding, "time_col": chosen or "none",
            "fill": fill, "resample": resample, "smooth": smooth, "freq": freq, "time_format": time_format,
            "tz": tz, "no_header": bool(no_header), "decimal": decimal, "thousands": thousands}
    digest = sha256_of(raw)
    for key, where in groups.items():
        name = f"{source} [{id_col}={key}]"
        try:
            series[key] = build_series(
                header, [cells[i] for i in where], [lines[i] for i in where], name, time_col=chosen,
                targets=targets, features=features, fill=fill, resample=resample, smooth=smooth,
                freq=freq, time_format=time_format, tz=tz, decimal=decimal, thousands=thousands,
                expect=expect_freq)
            series[key].provenance = {"source": os.path.basename(source), "sha256": digest, "read": read,
                                      "id_col": id_col, "series_id": str(key)}
        except DataError as e:
            series[key] = e
        except (ValueError, TypeError, OverflowError, ArithmeticError) as e:  # read_csv's safety net
            reason = (str(e).splitlines() or [type(e).__name__])[0]
            series[key] = DataError(f"{name}: cannot read the table: {reason}")
    return LongTable(series, id_col, chosen, source, digest)


def series_sha256(data) -> str:
    """The hex SHA-256 of what a model is trained on: a Series' values, columns and time, or an array."""
    h = hashlib.sha256()
    if is_series(data):
        meta = {"columns": list(data.columns), "features": list(data.features), "targets": list(data.targets),
                "time_col": data.time_col, "freq": data.freq, "step": data.step}
        h.update(json.dumps(meta, sort_keys=True).encode())
        h.update(np.ascontiguousarray(data.values, dtype=np.float64).tobytes())
        if data.time is not None:
            h.update(np.ascontiguousarray(data.time).view(np.int64).tobytes())
    else:
        values = np.ascontiguousarray(np.asarray(data, dtype=np.float64))
        h.update(repr(values.shape).encode())
        h.update(values.tobytes())
    return h.hexdigest()


def is_series(data) -> bool:
    """True for a `Series` (or anything with its values, columns, features and targets)."""
    return all(hasattr(data, a) for a in ("values", "columns", "features", "targets"))

