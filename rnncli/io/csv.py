"""CSV in: read a file (or stdin) into a clean numeric table, with checks that name the line to fix.

This module and the ones it builds on (`records`: bytes, text, records and read options; `timecol`: the
time column; `table`: records to a checked `Series`, defined in `series`) read user data; `read_long_csv`
(in `longcsv`) reads a long CSV of many series. Everything after it sees a `Series`: a float64 array of
the used columns, their names, and the timestamps. Every problem found on the way is a `DataError` (or a
`ConfigError` for a bad option value) whose message is one line naming the file, the line (1-based, the
header is line 1), the column, the bad value, and what to do about it.

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
import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import CalendarGapError, DataError
from .longcsv import LongTable, read_long_csv
from .records import (
    FILL_METHODS,
    STDIN_NAME,
    check_delimiter,
    check_encoding,
    check_fill,
    check_resample,
    check_separators,
    check_smooth,
    read_bytes,
    read_text,
    show,
    source_name,
    split_records,
)
from .series import Series, is_series, series_sha256, sha256_of
from .table import build_series
from .timecol import (
    check_freq,
    check_tz,
    future_times,
    looks_like_data_row,
)

__all__ = [
    "FILL_METHODS",
    "STDIN_NAME",
    "LongTable",
    "Series",
    "future_times",
    "is_series",
    "read_csv",
    "read_frame",
    "read_header",
    "read_long_csv",
    "series_sha256",
    "sha256_of",
]


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
    used columns: "error", "ffill" (then bfill), "interpolate" (linear, between observed values only:
    a missing value at the start or end is a DataError) or "drop" (rows).
    resample: a pandas offset alias ("MS", "W", "D", ...): the mean of each period (needs dates).
    smooth: N >= 1, a trailing moving average over N rows (the first N - 1 rows are dropped; with "drop",
    the first N - 1 rows of every unbroken run).
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
    series = _series_from_text(
        text, source, delimiter=delimiter, no_header=bool(no_header), time_col=time_col, targets=targets,
        features=features, fill=fill, resample=resample, smooth=smooth, freq=freq, expect_freq=expect_freq,
        time_format=time_format, tz=tz, decimal=decimal, thousands=thousands)
    series.provenance = {"source": os.path.basename(source), "sha256": hashlib.sha256(raw).hexdigest(),
                         "read": {**read, "time_col": series.time_col or "none"}}
    return series


def read_frame(
    frame,
    *,
    time_col: str | None = "auto",
    targets: str | Iterable[str] = (),
    features: str | Iterable[str] = (),
    fill: str = "error",
    resample: str | None = None,
    smooth: int | None = None,
    freq: str | None = None,
    expect_freq: str | None = None,
    tz: str | None = None,
) -> Series:
    """Read a pandas DataFrame into a `Series` with every check `read_csv` makes.

    The frame's index is its time axis when it holds times (a DatetimeIndex, tz-aware or not, a
    PeriodIndex, labels such as "1949-01", or numbers in a named index such as years); row numbers (a
    RangeIndex, or an unnamed numeric index left by filtering or sorting) are left out. A time column may
    also be a column (found as `read_csv` finds it, or named by `time_col`). The calendar is then
    checked as for a file: timestamps missing from the inferred (or `freq`) calendar are a
    DataError unless `fill` fills or drops them, so no window bridges a gap, and forecasts carry the
    times that follow the data's end. The other arguments are `read_csv`'s.

    The frame is written as CSV text by pandas (`DataFrame.to_csv`: floats exactly, NaN as an
    empty field) and read back by `read_csv`'s parser, so messages name a line of that text: line
    1 is the header, line k + 2 the frame's row k (0-based, as `df.iloc[k]`). The provenance
    source is "DataFrame" and its sha256 is the hash of that text.
    Raises DataError for problems in the data and ConfigError for bad option values or an object
    that is not a DataFrame.
    """
    import pandas as pd

    from ..errors import ConfigError

    if not isinstance(frame, pd.DataFrame):
        kind = type(frame).__name__
        hint = " (a pandas Series: pass series.to_frame())" if isinstance(frame, pd.Series) else ""
        raise ConfigError(f"read_frame takes a pandas DataFrame, got {kind}{hint}")
    read = {"delimiter": ",", "encoding": "utf-8", "time_col": time_col, "fill": fill, "resample": resample,
            "smooth": smooth}
    fill, resample, smooth = check_fill(fill), check_resample(resample), check_smooth(smooth)
    freq, tz = check_freq(freq), check_tz(tz)
    read.update(freq=freq, time_format=None, tz=tz, no_header=False, decimal=".", thousands=None)
    if isinstance(frame.index, pd.MultiIndex):
        raise ConfigError(f"read_frame reads one series, but the frame's index is a MultiIndex "
                          f"({frame.index.nlevels} levels); select one series (df.xs(key, level=0)) or make "
                          "the levels columns (df.reset_index())")
    if isinstance(frame.columns, pd.MultiIndex):
        raise ConfigError(f"read_frame needs flat column names, but the frame's columns are a MultiIndex "
                          f"({frame.columns.nlevels} levels); flatten them "
                          "(df.columns = ['_'.join(map(str, c)) for c in df.columns])")
    if isinstance(frame.index, pd.PeriodIndex) and frame.index.freqstr.startswith("W"):
        frame = frame.set_axis(frame.index.to_timestamp(), axis=0)  # "2000-01-03/2000-01-09" is no time
    # row numbers are no time axis: a RangeIndex, or an unnamed numeric index (rows left by filtering,
    # sorting); a named one (years, set_index("year")) is a time column
    numbers = frame.index.dtype.kind in "biuf" and frame.index.name is None
    with_index = not (isinstance(frame.index, pd.RangeIndex) or numbers)
    label = None
    if with_index and frame.index.name is None:
        taken = set(map(str, frame.columns))
        label = next(name for name in ("time", "index", *("_" * k + "time" for k in range(1, len(taken) + 2)))
                     if name not in taken)
    text = frame.to_csv(index=with_index, index_label=label, lineterminator="\n")
    source = "DataFrame"
    try:
        series = _series_from_text(
            text, source, delimiter=",", no_header=False, time_col=time_col, targets=targets,
            features=features, fill=fill, resample=resample, smooth=smooth, freq=freq,
            expect_freq=expect_freq, time_format=None, tz=tz, decimal=".", thousands=None)
    except DataError as e:  # say which row of the frame a line of its CSV text is
        line = re.search(r"\bline (\d+)", str(e))
        if line is None or int(line[1]) < 2:
            raise
        row = f" (line {line[1]} is df.iloc[{int(line[1]) - 2}])"
        if isinstance(e, CalendarGapError):
            raise CalendarGapError(f"{e}{row}", e.fact + row, e.dst) from None
        raise type(e)(f"{e}{row}") from None
    series.provenance = {"source": source, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                         "read": {**read, "time_col": series.time_col or "none"}}
    return series


def _series_from_text(text: str, source: str, *, delimiter: str, no_header: bool, time_col, targets,
                      features, fill: str, resample, smooth, freq, expect_freq, time_format, tz, decimal,
                      thousands) -> Series:
    """The records of CSV `text` through the time column, value and calendar checks (`build_series`)."""
    header, rows, lines = split_records(text, delimiter, source, no_header)
    if not no_header and looks_like_data_row(header):
        raise DataError(
            f"{source} line 1: {show(delimiter.join(header))} looks like data (a time and numbers), not a "
            "header; add a header line such as date,value or use `no_header=True`"
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
    return series


def read_header(path_or_dash: str | Path, *, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV file ("-" for stdin), read and checked as `read_csv` reads them."""
    source = source_name(path_or_dash)
    delimiter = check_delimiter(delimiter)
    text = read_text(path_or_dash, check_encoding(encoding), source, delimiter)
    return split_records(text, delimiter, source)[0]
