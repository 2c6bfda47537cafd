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
    "dates times datetimes timestamps months years days weeks periods quarters hours "
    "datum zeit zeitpunkt jahr monat fecha hora dt ts".split()
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


def _looks_like_dates(raw: np.ndarray) -> bool:
    """Every cell a date in a format `parse_time` reads without --time-format (ISO, dd.mm.yyyy, slashes,
    YYYYMMDD)."""
    return (
        _looks_like_iso_dates(raw)
        or all(_DOTTED.match(cell) for cell in raw)
        or all(_SLASHED.match(cell) for cell in raw)
        or _looks_like_yyyymmdd(raw)
    )


def looks_like_data_row(fields: list[str]) -> bool:
    """A header line that is data: a timestamp first, then numbers only (a file without a header)."""
    if len(fields) < 2:
        return False
    try:
        [float(field) for field in fields[1:]]
    except ValueError:
        return False
    first = np.array(fields[:1], dtype=object)
    return _looks_like_dates(first) or (_looks_like_years(first) and not _INTEGER.fullmatch(fields[1]))


def choose_time_col(
    time_col: str | None, header: list[str], cells: np.ndarray, source: str
) -> tuple[str | None, bool]:
    """The time column's name (or None) and whether it was detected rather than named.

    Detected ("auto"): the first column if its name looks like time (date, time, month, year, Datum...)
    or its values are years or dates; else the first other column whose name looks like time and whose
    values are dates, or whose values are dates in any case.
    """
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
        and (_looks_like_years(raw) or _looks_like_dates(raw))
    ):
        return first, True
    dated = [name for j, name in enumerate(header[1:], 1)
             if _present(cells[:, j]).all() and _looks_like_dates(cells[:, j])]
    named = [name for name in dated if _looks_like_time_name(name)]
    if named or dated:
        return (named or dated)[0], True
    return None, False


_OFFSET = re.compile(r"(?<=\d)\s*(Z|[+-]\d{2}(?::?\d{2})?)$")
_TIME_OF_DAY = re.compile(r"\d[T\s]+\d{1,2}:\d{2}")
_FRACTION = re.compile(r":\d{2}[.,](\d+)")
_DOTTED = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}(?!\d)")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")
_YYYYMMDD = re.compile(r"\d{8}")


def time_style(raw: np.ndarray, offset: str | None = None, tz: str | None = None,
               utc: bool = False) -> dict | None:
    """How the time column is written, so that forecast times can be written the same way; None for
    plain dates (no time of day, offset or zone), which `format_time` writes as dates without a style.

    {"clock": False for date-only cells, "sep": "T" or " " before the time of day, "digits": digits of a
    second's fraction, "offset": the UTC offset to write ("+01:00", "Z") or None, "tz": an IANA zone
    or None, "utc": True when the times are UTC instants to be shifted to `offset` or `tz` on output}.
    """
    clock = any(_TIME_OF_DAY.search(cell) for cell in raw)
    digits = max((len(m.group(1)) for cell in raw if (m := _FRACTION.search(cell))), default=0)
    sep = "T" if any(re.search(r"\dT\d", cell) for cell in raw) else " "
    if not (clock or offset or tz or utc):
        return None
    return {"clock": clock, "sep": sep, "digits": min(digits, 9), "offset": offset, "tz": tz, "utc": utc}


def format_time(t, style: dict | None = None) -> str | int:
    """A time as text in the data's `style` (see `time_style`); an integer time as an int.

    Without a style: ISO text, the date alone at midnight ("1961-01-01", "2016-01-01 13:45:00").
    """
    import pandas as pd

    if t is None:
        return None
    if isinstance(t, (np.integer, int)):
        return int(t)
    stamp = pd.Timestamp(np.datetime64(t, "ns"))
    if style is None:
        text = str(np.datetime64(t, "s"))
        return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")
    offset = style.get("offset")
    if style.get("tz"):
        stamp = stamp.tz_localize("UTC").tz_convert(style["tz"]) if style.get("utc") else stamp
        stamp = stamp.tz_localize(None)
    elif style.get("utc") and offset:
        stamp = stamp + pd.Timedelta(minutes=_offset_minutes(offset))
    if not style.get("clock"):
        return stamp.strftime("%Y-%m-%d")
    text = stamp.strftime("%Y-%m-%d") + style.get("sep", " ") + stamp.strftime("%H:%M:%S")
    digits = int(style.get("digits") or 0)
    if digits:
        text += "." + f"{stamp.microsecond * 1000 + stamp.nanosecond:09d}"[:digits]
    return text + (offset or "")


def _offset_minutes(offset: str) -> int:
    if offset == "Z":
        return 0
    digits = offset[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return -minutes if offset[0] == "-" else minutes


def _offset_text(minutes: int, z: bool) -> str:
    if minutes == 0 and z:
        return "Z"
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day_first(raw: np.ndarray, line_of: np.ndarray, name: str, source: str) -> bool | None:
    """True for day-first dates (dd.mm.yyyy, or slashes with a day above 12), False for month-first
    slash dates, None when the cells are not such dates. Every cell ambiguous is a DataError."""
    if all(_DOTTED.match(cell) for cell in raw):
        return True
    slashed = [_SLASHED.match(cell) for cell in raw]
    if not all(slashed):
        return None
    first = np.array([int(m.group(1)) for m in slashed])
    second = np.array([int(m.group(2)) for m in slashed])
    if (first > 12).any():
        return True
    if (second > 12).any():
        return False
    a, b, _ = slashed[0].groups()
    raise DataError(
        f"{source} line {line_of[0]}, column {name!r}: {show(raw[0])} could be day {int(a)} month {int(b)} "
        f"or month {int(a)} day {int(b)} (no day above 12 in any row tells which); give the format with "
        f"--time-format %d/%m/%Y or --time-format %m/%d/%Y"
    )


def parse_time(
    raw: np.ndarray,
    line_of: np.ndarray,
    name: str,
    auto: bool,
    source: str,
    time_format: str | None = None,
    tz: str | None = None,
    id_hint=None,
) -> tuple[np.ndarray, dict | None]:
    """(times, style): int64 (all cells are integers) or datetime64[ns], checked present, unique and
    ascending, and how the cells are written (`time_style`; None for integers).

    Datetimes are wall times as written, offsets kept in the style; when the offsets (or, with `tz`, the
    zone's offsets) change within sub-daily data, the times are UTC instants instead (style "utc").
    time_format: strptime codes ("%d/%m/%Y"); without it ISO 8601, dd.mm.yyyy (day first), slash dates
    (day first when a day exceeds 12; all ambiguous is an error), YYYYMMDD integers, or what pandas infers.
    id_hint: a function giving the column that looks like a series id (or None), suggested as --id-col
    when timestamps repeat.
    """
    import pandas as pd

    not_time = f" (or --time-col none if {name!r} is not a time column)" if auto else ""
    absent = ~_present(raw)
    if absent.any():
        i = int(np.argmax(absent))
        raise DataError(
            f"{source} line {line_of[i]}: missing timestamp in column {name!r}; "
            f"fill it in or delete the row{not_time}"
        )
    cells = pd.Series(raw, dtype=object)
    style = None
    if time_format is not None:
        parsed = pd.to_datetime(cells, format=time_format, errors="coerce", utc=True)
        _check_parsed(parsed, raw, line_of, name, source, f"as --time-format {time_format}", not_time)
    elif _looks_like_yyyymmdd(raw):
        parsed = pd.to_datetime(cells, format="%Y%m%d", utc=True)
    elif all(_INTEGER.fullmatch(cell) for cell in raw):
        try:
            time = np.array([int(cell) for cell in raw], dtype=np.int64)
        except OverflowError:
            i = next(i for i, cell in enumerate(raw) if abs(int(cell)) > np.iinfo(np.int64).max)
            raise DataError(
                f"{source} line {line_of[i]}, column {name!r}: {show(raw[i])} is too large for a "
                f"timestamp{not_time}"
            ) from None
        if tz is not None:
            raise ConfigError(f"--tz {tz} needs dates, but column {name!r} of {source} holds integers")
        _check_order(time, raw, line_of, name, auto, source, id_hint)
        return time, None
    else:
        dayfirst = _day_first(raw, line_of, name, source)
        parsed = pd.to_datetime(cells, format="ISO8601", errors="coerce", utc=True)
        if dayfirst is not None or parsed.isna().any():  # not all ISO 8601: pandas infers one format
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(cells, errors="coerce", utc=True, dayfirst=bool(dayfirst))
        _check_parsed(parsed, raw, line_of, name, source,
                      "as a date or time; use ISO dates like 2012-01-31 or 1949-01",
                      not_time)
    try:
        instants = pd.DatetimeIndex(parsed).tz_convert(None).as_unit("ns")
    except (ValueError, OverflowError):  # pandas' OutOfBoundsDatetime is a ValueError
        raise DataError(
            f"{source}, column {name!r}: dates must lie between 1677 and 2262; "
            f"use integer years instead{not_time}"
        ) from None
    time, style = _wall_or_utc(instants, raw, line_of, name, source, tz)
    _check_order(time, raw, line_of, name, auto, source, id_hint)
    return time, style


def _looks_like_yyyymmdd(raw: np.ndarray) -> bool:
    import pandas as pd

    if not all(_YYYYMMDD.fullmatch(cell) for cell in raw):
        return False
    parsed = pd.to_datetime(pd.Series(raw, dtype=object), format="%Y%m%d", errors="coerce")
    return not parsed.isna().any() and bool(((parsed.dt.year >= 1000) & (parsed.dt.year <= 2999)).all())


def _check_parsed(parsed, raw, line_of, name, source, how: str, not_time: str) -> None:
    if parsed.isna().any():
        i = int(np.argmax(parsed.isna().to_numpy()))
        raise DataError(
            f"{source} line {line_of[i]}, column {name!r}: cannot read {show(raw[i])} {how}{not_time}"
        )


def _wall_or_utc(instants, raw, line_of, name, source, tz) -> tuple[np.ndarray, dict]:
    """The times to work on (wall times, or UTC instants when the offset changes within a day), and style."""
    import pandas as pd

    written = [_OFFSET.search(cell) for cell in raw]
    has_offset = [m is not None and _TIME_OF_DAY.search(cell) is not None
                  for m, cell in zip(written, raw, strict=True)]
    if any(has_offset) and not all(has_offset):
        i = has_offset.index(False)
        raise DataError(
            f"{source} line {line_of[i]}, column {name!r}: {show(raw[i])} has no UTC offset but other rows "
            "have one; write the offset on every row"
        )
    if any(has_offset):
        minutes = np.array([_offset_minutes(m.group(1)) for m in written])
        wall = (instants + pd.to_timedelta(minutes, unit="min")).to_numpy()
        z = written[-1].group(1) == "Z"
        if tz is not None:
            local = instants.tz_localize("UTC").tz_convert(tz).tz_localize(None)
            return _pick_frame(local.to_numpy(), instants, raw, None, tz)
        if (minutes == minutes[0]).all():
            return wall, time_style(raw, _offset_text(int(minutes[0]), z))
        return _pick_frame(wall, instants, raw, _offset_text(int(minutes[-1]), z), None)
    wall = instants.to_numpy()
    if tz is None:
        return wall, time_style(raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aware = pd.DatetimeIndex(wall).tz_localize(tz, ambiguous="infer", nonexistent="raise")
    except Exception as exc:  # pytz/zoneinfo errors: a time that does not exist or cannot be told apart
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{source}, column {name!r}: cannot place the times in --tz {tz}: {reason}") from None
    return _pick_frame(wall, aware.tz_convert(None).as_unit("ns"), raw, None, tz)


def _pick_frame(wall: np.ndarray, instants, raw, offset, tz) -> tuple[np.ndarray, dict]:
    """Wall times when every row is at the same time of day a day or more apart (a local calendar),
    else UTC instants (an hourly series across a change of offset continues hour by hour)."""
    day = np.timedelta64(1, "D")
    of_day = (wall - wall.astype("datetime64[D]")).astype(np.int64)
    if len(wall) < 2 or ((of_day == of_day[0]).all() and (np.diff(wall) >= day).all()):
        return wall, time_style(raw, offset, tz)
    return instants.to_numpy(), time_style(raw, offset, tz, utc=True)


def check_tz(tz: str | None) -> str | None:
    """An IANA time zone name, checked (ConfigError)."""
    if tz is None:
        return None
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown --tz {tz!r}; use an IANA time zone name such as Europe/Berlin") from None
    return str(tz)


def _check_order(
    time: np.ndarray, raw: np.ndarray, line_of: np.ndarray, name: str, auto: bool, source: str,
    id_hint=None,
) -> None:
    import pandas as pd

    duplicated = pd.Index(time).duplicated()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        first = int(np.argmax(time == time[i]))
        not_time = f", or --time-col none if {name!r} is not a time column" if auto else ""
        id_hint = id_hint() if callable(id_hint) else id_hint
        several = (f"if {id_hint!r} tells several series apart, train them with --id-col {id_hint}; else "
                   if id_hint else "")
        raise DataError(
            f"{source} line {line_of[i]}: duplicate timestamp {show(raw[i])} in column {name!r} "
            f"(first at line {line_of[first]}); {several}remove or aggregate the repeated rows{not_time}"
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
            f"invalid --freq {freq!r}; use a pandas offset alias such as D, B, W-SAT, MS, QS-MAR, 15min "
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
    hint = "declare the calendar with --freq ALIAS, regularise with --resample ALIAS, or use --freq none"
    if np.issubdtype(time.dtype, np.integer):
        if freq is not None:
            raise ConfigError(
                f"--freq {freq} needs dates, but column {name!r} of {source} holds integers; "
                "omit --freq (integers continue by their step) or use --freq none"
            )
        if len(time) == 1:
            return None, None, np.zeros(1, dtype=np.int64)
        diffs = np.diff(time)
        step = int(np.gcd.reduce(diffs))
        if step != int(diffs.min()):
            i = int(np.argmax(diffs % diffs.min() != 0)) + 1
            raise DataError(
                f"{source} line {line_of[i]}: {show(raw[i])} in column {name!r} is off the spacing of "
                f"{int(diffs.min())} between the other rows; fix the row, or use --freq none"
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
            f"--freq {freq} calendar; fix the row or declare another --freq"
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
