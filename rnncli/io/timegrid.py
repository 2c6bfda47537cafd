"""The time grid of a series: its frequency, its calendar, and the times after its last row.

`infer_freq` names the regular spacing of datetimes as a pandas offset alias, `constant_step` that of
integer times; `check_freq` checks a declared frequency; `calendar` places each row on the regular
grid its timestamps lie on (finding the rows missing from it), `calendar_times` gives that grid's
times, and `future_times` continues a series' frequency or step past its end. pandas is imported
inside the functions.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, DataError
from .records import show

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["calendar", "calendar_times", "check_freq", "constant_step", "future_times", "infer_freq"]


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
                            "column, or `time_col='none'`") from None
    if np.issubdtype(time.dtype, np.integer) and step:
        last, end = int(time[-1]), int(time[-1]) + int(step) * int(n)  # Python ints: no wrap-around
        if not np.iinfo(np.int64).min <= end <= np.iinfo(np.int64).max:
            raise DataError(f"the {n} times after {last} (every {step}) pass the largest integer time, "
                            f"{np.iinfo(np.int64).max if end > 0 else np.iinfo(np.int64).min}; "
                            "use smaller time values, or `time_col='none'`")
        return np.array([last + int(step) * k for k in range(1, int(n) + 1)], dtype=np.int64)
    return None



# --- the calendar: the regular grid the timestamps lie on, and each row's place on it ---------------

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTHS = tuple("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())


def check_freq(freq: str | None) -> str | None:
    """None (infer), "none" (no calendar), or a pandas offset alias in pandas' own spelling (ConfigError)."""
    if freq is None or str(freq).lower() == "none":
        return None if freq is None else "none"
    from pandas.tseries.frequencies import to_offset

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return to_offset(str(freq)).freqstr
    except (ValueError, TypeError):
        raise ConfigError(
            f"invalid `freq` {freq!r}; use a pandas offset alias such as D, B, W-SAT, MS, QS-MAR, 15min "
            "or h, or none"
        ) from None


def _grid_alias(index: pd.DatetimeIndex) -> str | None:
    """The offset alias of the finest regular grid that could hold `index` with rows missing, or None."""
    import pandas as pd

    step = pd.Timedelta(np.diff(index.asi8).min())
    midnight = bool((index == index.normalize()).all())
    if not midnight or step < pd.Timedelta(days=1):
        from pandas.tseries.frequencies import to_offset

        return to_offset(step).freqstr
    days = step.days
    if 28 <= days:
        months = index.year * 12 + index.month
        k = int(np.diff(months).min())
        if k < 1:
            return None
        if (index.day == 1).all():
            kind = "MS"
        elif index.is_month_end.all():
            kind = "ME"
        else:
            return None
        anchor = _MONTHS[index[0].month - 1]
        if k == 12:
            return f"Y{kind[0]}-{anchor}" if kind == "MS" else f"YE-{anchor}"
        if k == 3:
            return f"QS-{anchor}" if kind == "MS" else f"QE-{anchor}"
        return kind if k == 1 else f"{k}{kind}"
    if days == 7:
        return f"W-{_WEEKDAYS[index[0].day_of_week]}"
    if days == 1 and (index.day_of_week < 5).all() and len(index) > 1:
        return "B"
    return "D" if days == 1 else f"{days}D"


def _same_offset(a: str, b: str) -> bool:
    from pandas.tseries.frequencies import to_offset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_offset(a) == to_offset(b)


def calendar(
    time: np.ndarray,
    freq: str | None,
    raw: np.ndarray,
    line_of: np.ndarray,
    name: str,
    source: str,
    expect: str | None = None,
) -> tuple[str | None, int | None, np.ndarray | None]:
    """The calendar of a parsed time column: (alias, step, positions).

    `freq` is None (infer it), "none" (no calendar: returns (None, None, None)) or an offset alias (checked
    by `check_freq`). Datetimes get an offset alias and integers a step; `positions[i]` is row i's place on
    the calendar counted from the first row, so rows missing from the calendar show as jumps > 1.
    `expect`, the frequency of a model's training data, must be the data's own frequency.
    Raises DataError for timestamps off the declared calendar or with no regular spacing, and for a
    frequency other than `expect`.
    """
    import pandas as pd

    if freq == "none" or len(time) == 0:
        return None, None, None
    hint = "declare the calendar with `freq=ALIAS`, regularise with `resample=ALIAS`, or use `freq='none'`"
    if np.issubdtype(time.dtype, np.integer):
        if freq is not None:
            raise ConfigError(
                f"`freq={freq!r}` needs dates, but column {name!r} of {source} holds integers; "
                "omit `freq` (integers continue by their step) or use `freq='none'`"
            )
        if len(time) == 1:
            return None, None, np.zeros(1, dtype=np.int64)
        diffs = np.diff(time)
        step = int(np.gcd.reduce(diffs))
        if step != int(diffs.min()):
            i = int(np.argmax(diffs % diffs.min() != 0)) + 1
            raise DataError(
                f"{source} line {line_of[i]}: {show(raw[i])} in column {name!r} is off the spacing of "
                f"{int(diffs.min())} between the other rows; fix the row, or use `freq='none'`"
            )
        return None, step, (time - time[0]) // step
    index = pd.DatetimeIndex(time)
    own = infer_freq(index)
    if expect and own and not _same_offset(own, expect) and (freq is None or not _same_offset(freq, expect)):
        raise DataError(
            f"{source} has rows at frequency {own} but the model was trained on rows at frequency {expect}; "
            f"give DATA at the model's frequency ({expect}), or train a model on the {own} rows"
        )
    alias = freq or own
    if alias is None and len(index) > 1:
        alias = _grid_alias(index)
    if alias is None:
        if len(index) > 1:
            raise DataError(f"{source}: the timestamps in column {name!r} have no regular spacing; {hint}")
        return None, None, np.zeros(1, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = pd.date_range(index[0], index[-1], freq=alias)
    positions = grid.get_indexer(index)
    if (positions < 0).any():
        i = int(np.argmax(positions < 0))
        if freq is None:
            raise DataError(
                f"{source} line {line_of[i]}: timestamp {show(raw[i])} in column {name!r} is off the "
                f"{alias} spacing of the other rows; fix the row, or {hint}"
            )
        raise DataError(
            f"{source} line {line_of[i]}: timestamp {show(raw[i])} in column {name!r} is not on the "
            f"`freq={freq!r}` calendar; fix the row or declare another `freq`"
        )
    return alias, None, positions.astype(np.int64)


def calendar_times(time: np.ndarray, alias: str | None, step: int | None, n: int) -> np.ndarray:
    """The `n` calendar times from time[0] on (the full calendar a gapped column lies on)."""
    import pandas as pd

    if np.issubdtype(time.dtype, np.integer):
        return (int(time[0]) + int(step) * np.arange(n)).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.date_range(pd.Timestamp(time[0]), periods=n, freq=alias).as_unit("ns").to_numpy()
