"""The timestamps after the last one for common pandas offset aliases, in NumPy (no pandas import).

`rnncli predict MODEL` labels its forecasts with the timestamps that follow the training data; pandas
(`pd.date_range`) gives them but costs a quarter of a second to import. For the aliases `_infer_freq`
produces on regular data, and a last timestamp that lies on the alias's anchor, the same timestamps
are plain datetime64 arithmetic:

    ticks         [n]D, [n]h, [n]min, [n]s, [n]ms, [n]us, [n]ns     last + k n units
    weeks         [n]W-MON ... [n]W-SUN (W = W-SUN), on that weekday  last + 7 k n days
    month starts  [n]MS, [n]QS-JAN ... (QS = QS-JAN), [n]YS-JAN ... (YS = YS-JAN), at midnight
    month ends    [n]ME, [n]QE-DEC ... (QE = QE-DEC), [n]YE-DEC ... (YE = YE-DEC), at midnight

Anything else (business days, a last timestamp off the anchor, a time of day on a monthly series,
deprecated spellings) returns None, and the caller asks pandas. tests/test_offsets.py checks every
alias above against `pd.date_range` over many start dates.
"""

import re

import numpy as np

_TICKS = {"D": "D", "h": "h", "min": "m", "s": "s", "ms": "ms", "us": "us", "ns": "ns"}
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_ALIAS = re.compile(r"^(\d*)([A-Za-z]+)(?:-([A-Z]{3}))?$")


def future_dates(last: np.datetime64, freq: str, n: int) -> np.ndarray | None:
    """datetime64[ns] (n,): the n timestamps after `last` at `freq`, as `pd.date_range(last,
    periods=n + 1, freq=freq)[1:]` gives them; None when this module does not handle `freq` or
    `last` is not on its anchor."""
    match = _ALIAS.match(freq or "")
    if not match:
        return None
    mult = int(match.group(1) or 1)
    unit, anchor = match.group(2), match.group(3)
    last = np.datetime64(last, "ns")
    k = np.arange(1, n + 1) * mult
    if unit in _TICKS and anchor is None:
        return last + k.astype(f"timedelta64[{_TICKS[unit]}]").astype("timedelta64[ns]")
    day = last.astype("datetime64[D]")
    if unit == "W":
        weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        if _DAYS.index(anchor or "SUN") != weekday:
            return None
        return last + (7 * k).astype("timedelta64[D]").astype("timedelta64[ns]")
    if unit not in ("MS", "ME", "QS", "QE", "YS", "YE") or (unit[0] == "M" and anchor) or last != day:
        return None  # month-based aliases only at midnight
    step, end = {"M": 1, "Q": 3, "Y": 12}[unit[0]], unit[1] == "E"
    month = last.astype("datetime64[M]")
    month_end = (month + 1).astype("datetime64[D]") - 1
    if day != (month_end if end else month.astype("datetime64[D]")):
        return None  # not the first (MS, QS, YS) or last (ME, QE, YE) day of its month
    if unit[0] != "M":
        base = _MONTHS.index(anchor or ("DEC" if end else "JAN"))
        if (month.astype(np.int64) % 12 - base) % step:
            return None  # not one of the anchored months
    months = month + k * step
    if end:
        return ((months + 1).astype("datetime64[D]") - 1).astype("datetime64[ns]")
    return months.astype("datetime64[ns]")
