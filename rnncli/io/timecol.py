"""The time column of a CSV: which column it is, its parsed values, its frequency, and the times after it.

Times are datetime64[ns] (with a pandas offset alias as frequency when the spacing is regular) or int64
(years or plain integers, with their constant step). pandas is imported inside the functions.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, DataError
from .records import MISSING, show

if TYPE_CHECKING:
    import pandas as pd

# A first column whose name has one of these words as its first or last word is the time column.
_TIME_WORDS = frozenset(
    "date time datetime timestamp month year day week period ds quarter hour "
    "dates times datetimes timestamps months years days weeks periods quarters hours".split()
)


_INTEGER = re.compile(r"[+-]?\d+")


_ISO_DATE = re.compile(r"\d{4}-\d{1,2}")


def _looks_like_time_name(name: str) -> bool:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()  # orderDate -> order_date
    words = [word for word in re.split(r"[^a-z0-9]+", spaced) if word]
    return bool(words) and (words[0] in _TIME_WORDS or words[-1] in _TIME_WORDS)


def _present(raw: np.ndarray) -> np.ndarray:
    return np.array([cell.lower() not in MISSING for cell in raw], dtype=bool)


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


def choose_time_col(
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


def parse_time(raw: np.ndarray, line_of: np.ndarray, name: str, auto: bool, source: str) -> np.ndarray:
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
                f"{source} line {line_of[i]}, column {name!r}: {show(raw[i])} is too large for a "
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
                f"{source} line {line_of[i]}, column {name!r}: cannot read {show(raw[i])} as a date or "
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
            f"{source} line {line_of[i]}: duplicate timestamp {show(raw[i])} in column {name!r} "
            f"(first at line {line_of[first]}); remove or aggregate the repeated rows{not_time}"
        )
    backwards = np.flatnonzero(time[1:] < time[:-1])
    if len(backwards):
        i = int(backwards[0]) + 1
        raise DataError(
            f"{source} line {line_of[i]}: timestamp {show(raw[i])} in column {name!r} comes before "
            f"{show(raw[i - 1])} on line {line_of[i - 1]}; sort the rows by {name!r}, oldest first"
        )


def infer_freq(index: pd.DatetimeIndex) -> str | None:
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


def constant_step(time: np.ndarray) -> int | None:
    steps = np.unique(np.diff(time))
    return int(steps[0]) if len(steps) == 1 else None


def future_times(series, n: int) -> np.ndarray | None:
    """The `n` timestamps after the last one, continuing the frequency (or the integer step).

    `series` is a `Series` or a tuple (time, freq, step). Returns datetime64[ns] or int64 of length n, or
    None when there is no time column or no regular spacing to continue.
    """
    if isinstance(series, tuple):
        time, freq, step = series
    else:
        time, freq, step = series.time, series.freq, series.step
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(f"the number of future steps must be an integer >= 0, got {n!r}")
    if time is None or len(time) == 0:
        return None
    time = np.asarray(time)
    if np.issubdtype(time.dtype, np.datetime64):
        if not freq:
            return None
        import pandas as pd

        last = pd.Timestamp(time[-1])
        try:
            return pd.date_range(last, periods=int(n) + 1, freq=freq)[1:].as_unit("ns").to_numpy()
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            raise DataError(f"the {n} times after {last.isoformat()} (every {freq}) pass pandas' last date, "
                            f"{pd.Timestamp.max.isoformat()} (year 2262); use integer years as the time "
                            "column, or --time-col none") from None
    if np.issubdtype(time.dtype, np.integer) and step:
        last, end = int(time[-1]), int(time[-1]) + int(step) * int(n)  # Python ints: no wrap-around
        if not np.iinfo(np.int64).min <= end <= np.iinfo(np.int64).max:
            raise DataError(f"the {n} times after {last} (every {step}) pass the largest integer time, "
                            f"{np.iinfo(np.int64).max if end > 0 else np.iinfo(np.int64).min}; "
                            "use smaller time values, or --time-col none")
        return np.array([last + int(step) * k for k in range(1, int(n) + 1)], dtype=np.int64)
    return None

