"""`rnncli.offsets.future_dates` gives exactly what pandas' date_range gives, or None to ask pandas."""

import numpy as np
import pandas as pd
import pytest

from rnncli.offsets import future_dates

HANDLED = ["D", "3D", "h", "6h", "15min", "s", "ms", "W", "W-SUN", "W-WED", "2W-MON", "MS", "3MS", "ME",
           "QS", "QS-JAN", "QS-OCT", "QS-FEB", "QE", "QE-DEC", "QE-NOV", "YS", "YS-JAN", "YS-JUL",
           "YE", "YE-DEC", "YE-JUN", "2YS-JAN"]
# every weekday and a leap day, then the first and the last day of every month of three years
STARTS = pd.date_range("2000-02-20", "2000-03-05", freq="D").union(
    pd.date_range("1999-01-01", "2001-12-31", freq="MS")).union(
    pd.date_range("1999-01-01", "2001-12-31", freq="ME"))


def pandas_dates(last, freq: str, n: int) -> np.ndarray:
    return pd.date_range(pd.Timestamp(last), periods=n + 1, freq=freq)[1:].as_unit("ns").to_numpy()


@pytest.mark.parametrize("freq", HANDLED)
def test_every_handled_alias_matches_date_range_or_defers(freq):
    offset = pd.tseries.frequencies.to_offset(freq)
    handled = 0
    for last in STARTS:
        got = future_dates(np.datetime64(last, "ns"), freq, 14)
        if offset.is_on_offset(last):
            assert got is not None, (freq, last)
        if got is not None:
            handled += 1
            np.testing.assert_array_equal(got, pandas_dates(last, freq, 14), err_msg=f"{freq} from {last}")
    assert handled > 0


def test_a_time_of_day_is_kept_by_ticks_and_weeks():
    last = np.datetime64("2024-02-25T13:30", "ns")  # a Sunday afternoon
    for freq in ("D", "h", "W"):
        np.testing.assert_array_equal(future_dates(last, freq, 5), pandas_dates(last, freq, 5))


@pytest.mark.parametrize(("freq", "last"), [
    ("MS", "2024-02-01T12:00"),  # a time of day on a monthly series
    ("MS", "2024-02-02"),        # off the anchor
    ("B", "2024-02-02"),         # business days
    ("M", "2024-01-31"),         # a deprecated spelling
    ("MS-JAN", "2024-01-01"),
    ("", "2024-01-01"),
])
def test_what_it_does_not_handle_is_left_to_pandas(freq, last):
    assert future_dates(np.datetime64(last, "ns"), freq, 3) is None


def test_zero_steps_is_empty():
    got = future_dates(np.datetime64("2024-01-01", "ns"), "MS", 0)
    assert got.dtype == np.dtype("datetime64[ns]")
    assert got.shape == (0,)
