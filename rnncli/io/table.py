"""The table: header, records and line numbers in, a checked `Series` out (`build_series`).

`read_csv` and `read_long_csv` split a file into records; `build_series` turns them into a `Series`:
the time column parsed and checked (`rnncli.io.timecol`), the value columns chosen and parsed as
float64 (with hints for cells that look like numbers in another format), missing values refused or
filled (`fill`), the rows placed on their calendar (`freq`), then `resample` and `smooth`. Every
problem is a DataError (ConfigError for a bad option) of one line naming the file line and column.
pandas is imported inside the functions that use it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import CalendarGapError, ConfigError, DataError
from ..model import sizing
from .records import (
    MISSING,
    name_list,
    show,
)
from .series import Series
from .timecol import (
    calendar,
    calendar_times,
    choose_time_col,
    constant_step,
    infer_freq,
    parse_time,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["build_series"]


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
    if time_name is None and freq not in (None, "none"):
        raise ConfigError(f"`freq={freq!r}` needs a time column, but {source} has no time column; give it "
                          "with `time_col=NAME`, or omit `freq`")
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
                f"`smooth={smooth}` needs at least {smooth} rows but {source} has {len(frame)}; "
                "use a smaller `smooth`"
            )
        frame, observed, breaks = _smooth(frame, smooth, observed, breaks, source)

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
    for option, names in (("targets", targets), ("features", features)):
        for name in names:
            if name == time_name:
                raise ConfigError(
                    f"`{option}` {name!r} is the time column of {source}; "
                    f"choose another column, or use `time_col='none'` to read {name!r} as values"
                )
            if name not in columns:
                raise ConfigError(
                    f"unknown `{option}` {name!r} in {source}; available columns: {', '.join(header)}"
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
                "choose the one to forecast with `targets`"
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
     "',' looks like a thousands separator: read it with `thousands=','`"),
    (re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?"),
     "'.' and ',' look like a thousands separator and a decimal comma: read them with `thousands='.'` "
     "`decimal=','`"),
    (re.compile(r"[+-]?\d*,\d+"), "',' looks like a decimal comma: read it with `decimal=','`"),
    (re.compile(r"[+-]?\d{1,3}([ \u00a0\u202f']\d{3})+([.,]\d+)?"),
     "the spaces or apostrophes look like thousands separators: read them with `thousands=CHAR`"),
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
            f"column {name!r}); use `fill='ffill'|'interpolate'|'drop'`"
        )
    return _apply_fill(frame, fill, f"{source} with `fill='drop'`")


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
            fact = (f"{source}: {gaps} {rows} missing from {spacing} of column {time_name!r} (first "
                    f"{_format_stamp(index[absent[0]])}, after line {line_of[after]})")
            dst = bool(naive_clock and _skipped_by_dst(index, absent))
            raise CalendarGapError(
                f"{fact}; fill them with `fill='ffill'|'interpolate'|'zero'`, skip them with `fill='drop'`, "
                "declare another calendar with `freq=ALIAS`, or read the rows as a plain sequence with "
                "`freq='none'`" + (" (local times across a DST change: give their zone with `tz=NAME`)"
                                   if dst else ""), fact, dst)
        return frame, None, None
    values = np.full((n_calendar, frame.shape[1]), np.nan)
    values[positions] = frame.to_numpy(dtype=np.float64)
    full = pd.DataFrame(values, index=index, columns=frame.columns)
    observed = ~np.isnan(values)
    if fill != "drop":
        filled = _apply_fill(full, fill, "")
        if fill == "interpolate":
            _check_inside(filled, positions, line_of, source)
        return filled, observed, None
    kept = np.flatnonzero(observed.all(axis=1))
    if not len(kept):
        raise DataError(
            f"no rows are left in {source} with `fill='drop'`: every row has a missing value; "
            "use `fill='interpolate'`"
        )
    return full.iloc[kept], None, np.flatnonzero(np.diff(kept) > 1) + 1


_DST_ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Denver",
              "America/Los_Angeles", "America/Santiago", "Australia/Sydney", "Pacific/Auckland")


def _skipped_by_dst(index, absent: np.ndarray) -> bool:
    """Whether the first stretch of missing calendar rows of sub-daily data is exactly a stretch of local
    times that do not exist in a common zone (the hour skipped when clocks go forward)."""
    import pandas as pd

    if not isinstance(index, pd.DatetimeIndex) or index.tz is not None or len(index) < 2:
        return False
    if index[1] - index[0] >= pd.Timedelta(days=1):
        return False
    run = absent[: int(np.argmax(np.diff(np.append(absent, absent[-1] + 2)) > 1)) + 1]
    missing = index[run]
    for zone in _DST_ZONES:
        if missing.tz_localize(zone, nonexistent="NaT", ambiguous="NaT").isna().all():
            return True
    return False


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


def _smooth(frame: pd.DataFrame, smooth: int, observed: np.ndarray | None, breaks: np.ndarray | None,
            source: str) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """The trailing mean over `smooth` rows within each unbroken run of rows (`fill='drop'` leaves breaks):
    the first smooth - 1 rows of every run have no full window and are left out."""
    run = np.zeros(len(frame), dtype=np.int64)
    if breaks is not None:
        run[breaks] = 1
    run = np.cumsum(run)
    start = np.concatenate(([0], breaks if breaks is not None else []))[run].astype(np.int64)
    kept = np.flatnonzero(np.arange(len(frame)) - start >= smooth - 1)
    if not len(kept):
        raise DataError(f"`smooth={smooth}` needs {smooth} rows in a row, but no run of rows between the "
                        f"rows dropped by `fill='drop'` in {source} is that long; use a smaller `smooth`")
    frame = frame.rolling(smooth).mean().iloc[kept]
    if observed is not None:
        observed = observed[kept]
    if breaks is not None:
        breaks = np.flatnonzero(np.diff(kept) > 1) + 1
    return frame, observed, breaks


def _check_inside(frame: pd.DataFrame, positions: np.ndarray, line_of: np.ndarray, source: str) -> None:
    """DataError when `fill='interpolate'` left a missing value at the start or end (nothing to interpolate
    between), naming its line and column."""
    where = frame.isna().to_numpy()
    if not where.any():
        return
    i, j = divmod(int(np.argmax(where)), where.shape[1])
    end = "start" if i < len(frame) - 1 and not where[i + 1 :, j].all() else "end"
    if end == "end":
        i = len(frame) - 1 - int(np.argmax(where[::-1, j]))
    line = line_of[min(int(np.searchsorted(positions, i)), len(line_of) - 1)]
    raise DataError(
        f"{source} line {line}, column {frame.columns[j]!r}: the value is missing at the {end} of the data, "
        "and `fill='interpolate'` only fills between observed values; drop those rows, or use `fill='ffill'`"
    )


def _apply_fill(frame: pd.DataFrame, fill: str, what: str) -> pd.DataFrame:
    if fill == "ffill":
        return frame.ffill().bfill()
    if fill == "interpolate":
        return frame.interpolate(method="linear", limit_area="inside")
    if fill == "zero":
        return frame.fillna(0.0)
    frame = frame.dropna()
    if frame.empty:
        raise DataError(f"no rows are left in {what}: every row has a missing value; "
                        "use `fill='interpolate'`")
    return frame


def _resample(frame: pd.DataFrame, alias: str, time_name: str | None, fill: str, source: str) -> pd.DataFrame:
    import pandas as pd

    if time_name is None or not isinstance(frame.index, pd.DatetimeIndex):
        kind = "no time column" if time_name is None else f"integer time column {time_name!r}"
        raise ConfigError(f"`resample` needs a date/time column, but {source} has {kind}; omit `resample`")
    _check_resample_size(frame, alias, source)
    frame = frame.resample(alias).mean()
    empty = frame.isna().any(axis=1).to_numpy()
    if empty.any():
        if fill == "error":
            first = frame.index[int(np.argmax(empty))]
            raise DataError(
                f"resampling {source} to {alias!r} leaves {int(empty.sum())} empty periods (first at "
                f"{first.isoformat()}); use a coarser `resample` or `fill='ffill'|'interpolate'|'drop'`"
            )
        frame = _apply_fill(frame, fill, f"{source} after `resample={alias!r}`")
        if frame.isna().to_numpy().any():
            first = frame.index[int(np.argmax(frame.isna().any(axis=1).to_numpy()))]
            raise DataError(
                f"resampling {source} to {alias!r} leaves a missing value at the start or end (at "
                f"{first.isoformat()}), and `fill='interpolate'` only fills between observed values; drop "
                "those rows, or use `fill='ffill'`"
            )
    return frame


_RESAMPLE_COPIES = 6  # index, values, group codes, means, a fill, the float array read from it


def _check_resample_size(frame: pd.DataFrame, alias: str, source: str) -> None:
    """ConfigError, before resampling, when the periods from the first to the last time clearly cannot
    fit in memory (`resample='1s'` over years)."""
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
    sizing.check_fits(need, f"`resample={alias!r}` over {source} ({first.date()} to {last.date()}: "
                            f"{periods:,} periods)", "use a coarser `resample`")
