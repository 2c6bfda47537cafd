"""A pandas DataFrame as data: `read_frame` reads its time index (or column) with read_csv's checks.

A DataFrame indexed by time is the pandas idiom (`pd.read_csv(path, index_col=0, parse_dates=True)`).
Fitting its bare values would drop the calendar, so windows could bridge missing days and forecasts
would carry no times; `Forecaster` refuses such a frame and points to `read_frame`, which reads it as
a file is read.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnncli import Forecaster, read_frame
from rnncli.errors import ConfigError, DataError
from rnncli.io.csv import read_csv
from rnncli.io.like import future_times_after

AIRLINE = Path(__file__).resolve().parents[2] / "sample_data" / "airline.csv"


@pytest.fixture
def monthly() -> pd.DataFrame:
    return pd.read_csv(AIRLINE, index_col=0, parse_dates=True)


def small_model() -> Forecaster:
    return Forecaster(12, 3, hidden=4, epochs=2, scale="minmax", seed=3)


def test_a_time_index_is_the_time_axis_with_the_calendar_read_from_the_file(monthly):
    series, from_file = read_frame(monthly), read_csv(AIRLINE)
    np.testing.assert_array_equal(series.values, from_file.values)
    np.testing.assert_array_equal(series.time, from_file.time)
    assert (series.time_col, series.freq, series.columns) == ("month", "MS", ["passengers"])
    assert series.provenance["source"] == "DataFrame"
    assert series.provenance["read"]["time_col"] == "month"


def test_a_model_fitted_on_the_frame_has_the_weights_and_forecast_times_of_one_fitted_on_the_file(monthly):
    from_frame, from_file = small_model().fit(read_frame(monthly)), small_model().fit(read_csv(AIRLINE))
    for a, b in zip(from_frame.network_.params, from_file.network_.params, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_array_equal(future_times_after(from_frame, 3), future_times_after(from_file, 3))
    assert str(future_times_after(from_frame, 1)[0]).startswith("1961-01-01")


def test_a_missing_month_in_the_index_is_refused_as_in_a_file_and_drop_keeps_windows_apart(monthly):
    gappy = monthly.drop(monthly.index[5])  # 1949-06 is missing
    with pytest.raises(DataError) as info:
        read_frame(gappy)
    assert str(info.value).startswith("DataFrame: 1 timestamp is missing from the MS calendar of column "
                                      "'month' (first 1949-06-01, after line 6)")
    dropped = read_frame(gappy, fill="drop")
    assert (dropped.freq, list(dropped.breaks)) == ("MS", [5])


def test_missing_values_name_the_line_of_the_frame_as_csv_text_and_its_row(monthly):
    holed = monthly.astype(float)
    holed.iloc[3, 0] = np.nan  # row 3 is line 5 of the text (line 1 is the header)
    missing = (r"^DataFrame has 1 missing value .*first at line 5, column 'passengers'"
               r".*\(line 5 is df.iloc\[3\]\)$")
    with pytest.raises(DataError, match=missing):
        read_frame(holed)
    filled = read_frame(holed, fill="interpolate")
    assert filled.values[3, 0] == pytest.approx((monthly.iloc[2, 0] + monthly.iloc[4, 0]) / 2)


def test_a_tz_aware_hourly_index_keeps_its_offset_in_forecast_times():
    index = pd.date_range("2023-03-20 00:00", periods=72, freq="h", tz="Europe/Berlin")
    frame = pd.DataFrame({"load": np.sin(np.arange(72) / 4.0) + 2.0}, index=index)
    series = read_frame(frame)
    assert (series.freq, series.time_col) == ("h", "time")
    model = Forecaster(6, 2, hidden=2, epochs=1, scale="minmax").fit(series)
    from rnncli.io.timecol import format_time

    stamps = [format_time(t, model.time_["style"]) for t in future_times_after(model, 2)]
    assert stamps == ["2023-03-23 00:00:00+01:00", "2023-03-23 01:00:00+01:00"]


def test_a_time_column_is_found_as_in_a_file(monthly):
    series = read_frame(monthly.reset_index())
    assert (series.time_col, series.freq) == ("month", "MS")


def test_a_range_index_frame_has_no_time_axis_unless_a_column_holds_times():
    series = read_frame(pd.DataFrame({"y": np.arange(20.0) % 7}))
    assert (series.time, series.columns) == (None, ["y"])


@pytest.mark.parametrize("index", [
    pd.date_range("2020-01-01", periods=30, freq="D"),
    pd.period_range("2020-01", periods=30, freq="M"),
    pd.Index([f"2020-{m:02d}" for m in range(1, 13)] * 2 + ["x"] * 6),
], ids=["datetime", "period", "text"])
def test_fit_and_predict_refuse_a_frame_whose_index_would_be_dropped_and_point_to_read_frame(index):
    frame = pd.DataFrame({"y": np.arange(30.0) % 5}, index=index)
    refused = r"^the DataFrame's index \(\w*Index, first .*rnncli.read_frame\(df\)"
    with pytest.raises(DataError, match=refused):
        small_model().fit(frame)
    fitted = Forecaster(3, 1, hidden=2, epochs=1, scale="minmax").fit(frame.reset_index(drop=True))
    with pytest.raises(DataError, match=r"rnncli.read_frame\(df\)"):
        fitted.predict(frame)


def test_a_numeric_index_is_positions_and_fits():
    frame = pd.DataFrame({"y": np.arange(40.0) % 6})
    kept = frame[frame.index % 2 == 0]  # an Index of row numbers left by filtering
    model = Forecaster(3, 1, hidden=2, epochs=1, scale="minmax").fit(kept)
    assert model.columns_ == ["y"]


def test_read_frame_names_what_it_got_when_not_a_dataframe(monthly):
    with pytest.raises(ConfigError, match=r"got Series \(a pandas Series: pass series.to_frame\(\)\)"):
        read_frame(monthly["passengers"])
    with pytest.raises(ConfigError, match="got ndarray"):
        read_frame(np.zeros((5, 1)))


def test_a_multiindex_is_refused_with_what_to_do_not_as_a_malformed_line(monthly):
    stacked = monthly.set_index(pd.MultiIndex.from_arrays([["a"] * len(monthly), monthly.index]))
    with pytest.raises(ConfigError, match=r"index is a MultiIndex \(2 levels\); select one series "
                                          r"\(df.xs\(key, level=0\)\)"):
        read_frame(stacked)
    wide = monthly.copy()
    wide.columns = pd.MultiIndex.from_tuples([("air", "passengers")])
    with pytest.raises(ConfigError, match=r"columns are a MultiIndex \(2 levels\); flatten them"):
        read_frame(wide)


def test_an_unnamed_index_gets_a_label_no_column_has():
    index = pd.date_range("2020-01-01", periods=30, freq="D")
    frame = pd.DataFrame({name: np.arange(30.0) % 4 for name in ("time", "index", "_time")}, index=index)
    series = read_frame(frame, targets="index")
    assert (series.time_col, series.freq, series.columns) == ("__time", "D", ["index"])


def test_a_weekly_period_index_is_read_as_the_weeks_first_days():
    weeks = pd.period_range("2000-01-03", periods=30, freq="W")  # printed "2000-01-03/2000-01-09"
    frame = pd.DataFrame({"y": np.arange(30.0) % 4}, index=weeks)
    series = read_frame(frame)
    assert (series.freq, str(series.time[0])[:10], str(series.time[1])[:10]) == ("W-MON", "2000-01-03",
                                                                                 "2000-01-10")


def test_fit_refuses_a_pandas_series_whose_index_holds_times(monthly):
    refused = r"^the Series' index \(DatetimeIndex, .*rnncli.read_frame\(s.to_frame\(\)\)"
    with pytest.raises(DataError, match=refused):
        small_model().fit(monthly["passengers"])
    fitted = small_model().fit(monthly["passengers"].reset_index(drop=True))  # positions: fitted
    assert fitted.predict().values.shape == (3, 1)


def test_row_numbers_left_by_sorting_are_not_the_time_axis_but_a_named_year_index_is(monthly):
    rows = monthly.reset_index().sample(frac=1, random_state=0).sort_values("month")  # Index of row numbers
    assert not isinstance(rows.index, pd.RangeIndex)
    series = read_frame(rows)
    assert (series.time_col, series.freq, series.columns) == ("month", "MS", ["passengers"])
    yearly = pd.DataFrame({"y": np.arange(30.0) % 4}, index=pd.Index(np.arange(1900, 1930), name="year"))
    series = read_frame(yearly)
    assert (series.time_col, list(series.time[:2]), series.columns) == ("year", [1900, 1901], ["y"])
