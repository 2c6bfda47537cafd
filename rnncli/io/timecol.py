"""The time column of a CSV: which column it is, its parsed values, its frequency, and the times after it.

Times are datetime64[ns] (with a pandas offset alias as frequency when the spacing is regular) or int64
(years or plain integers, with their constant step). The frequency, the calendar and the times after
the last row are in `timegrid` (its names are importable from here too). pandas is imported inside the
functions.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ..errors import ConfigError, DataError
from .records import MISSING, show
from .timegrid import calendar, calendar_times, check_freq, constant_step, future_times, infer_freq

__all__ = ["calendar", "calendar_times", "check_freq", "check_tz", "choose_time_col", "constant_step",
           "format_time", "future_times", "infer_freq", "looks_like_data_row", "parse_time", "time_style"]

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
    """Every cell a date in a format `parse_time` reads without `time_format` (ISO, dd.mm.yyyy, slashes,
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
                f"unknown `time_col` {time_col!r} in {source}; available columns: {', '.join(header)}"
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
_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
_DOTTED = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}(?!\d)")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")
_YYYYMMDD = re.compile(r"\d{8}")


def time_style(raw: np.ndarray, offset: str | None = None, tz: str | None = None,
               utc: bool = False) -> dict | None:
    """How the time column is written, so that forecast times can be written the same way; None for
    plain dates (no time of day, offset or zone), which `format_time` writes as dates without a style.

    {"clock": False for date-only cells, "sep": "T" or " " before the time of day, "digits": digits of a
    second's fraction, "minutes": True when no cell writes seconds, "offset": the UTC offset to write
    ("+01:00", "Z") or None, "tz": an IANA zone or None, "utc": True when the times are UTC instants
    to be shifted to `offset` or `tz` on output}.
    """
    clock = any(_TIME_OF_DAY.search(cell) for cell in raw)
    digits = max((len(m.group(1)) for cell in raw if (m := _FRACTION.search(cell))), default=0)
    sep = "T" if any(re.search(r"\dT\d", cell) for cell in raw) else " "
    if not (clock or offset or tz or utc):
        return None
    style = {"clock": clock, "sep": sep, "digits": min(digits, 9), "offset": offset, "tz": tz, "utc": utc}
    if clock and not any(_SECONDS.search(cell) for cell in raw):
        style["minutes"] = True  # written to the minute: forecast times are too
    return style


def format_time(t, style: dict | None = None) -> str | int:
    """A time as text in the data's `style` (see `time_style`); an integer time as an int.

    Without a style: ISO text, the date alone at midnight ("1961-01-01", "2016-01-01 13:45:00").
    """
    if t is None:
        return None
    if isinstance(t, (np.integer, int)):
        return int(t)
    import pandas as pd

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
    minutes = style.get("minutes") and stamp.second == 0 and not stamp.microsecond and not stamp.nanosecond
    clock = stamp.strftime("%H:%M" if minutes else "%H:%M:%S")
    text = stamp.strftime("%Y-%m-%d") + style.get("sep", " ") + clock
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
        "`time_format='%d/%m/%Y'` or `time_format='%m/%d/%Y'`"
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
    id_hint: a function giving the column that looks like a series id (or None), suggested as `id_col`
    when timestamps repeat.
    """
    import pandas as pd

    not_time = f" (or `time_col='none'` if {name!r} is not a time column)" if auto else ""
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
        _check_parsed(parsed, raw, line_of, name, source, f"as `time_format={time_format!r}`", not_time)
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
            raise ConfigError(f"`tz={tz!r}` needs dates, but column {name!r} of {source} holds integers")
        _check_order(time, raw, line_of, name, auto, source, id_hint)
        return time, None
    else:
        dayfirst = _day_first(raw, line_of, name, source)
        parsed = pd.to_datetime(cells, format="ISO8601", errors="coerce", utc=True)
        if dayfirst is not None or parsed.isna().any():  # not all ISO 8601: pandas infers one format
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(cells, errors="coerce", utc=True, dayfirst=bool(dayfirst))
        _check_mixed(parsed, raw, line_of, name, source, not_time)
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


def _check_mixed(parsed, raw, line_of, name, source, not_time: str) -> None:
    """A cell that pandas' format (inferred from the others) cannot read but that reads alone is written
    in another format: say the column mixes formats (a day-first file with ISO rows appended, say)."""
    import pandas as pd

    failed = parsed.isna().to_numpy()
    if not failed.any() or failed.all():
        return
    i, j = int(np.argmax(failed)), int(np.argmax(~failed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = pd.to_datetime(pd.Series([raw[i]], dtype=object), errors="coerce", utc=True)
    if not alone.isna().any():
        raise DataError(
            f"{source} line {line_of[i]}, column {name!r}: {show(raw[i])} is written unlike {show(raw[j])} "
            f"(line {line_of[j]}): the column mixes date formats; write every date the same way{not_time}"
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
        raise DataError(f"{source}, column {name!r}: cannot place the times in `tz={tz!r}`: "
                        f"{reason}") from None
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
        raise ConfigError(f"unknown `tz` {tz!r}; use an IANA time zone name such as Europe/Berlin") from None
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
        not_time = f", or `time_col='none'` if {name!r} is not a time column" if auto else ""
        id_hint = id_hint() if callable(id_hint) else id_hint
        several = (f"if {id_hint!r} tells several series apart, train them with `id_col={id_hint!r}`; else "
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
