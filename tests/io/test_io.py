"""CSV in: sample files read cleanly; every problem is one line naming file, line, column and value."""

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import said

from rnncli.errors import ConfigError, DataError
from rnncli.io.csv import Series, future_times, read_csv, sha256_of
from rnncli.io.records import stdin_read_once

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRQUALITY = str(SAMPLES / "airquality.csv")
AIRQUALITY_ALL = ("ozone", "solar_r", "wind", "temp")


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def error(exc_type: type[Exception], path: str, **options) -> str:
    """What the command line says of the error that read_csv(path, **options) raises; it must be one line."""
    with pytest.raises(exc_type) as info:
        read_csv(path, **options)
    message = said(info.value)
    assert "\n" not in message
    return message


def fake_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin())


# -- the sample files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "columns", "n_rows", "time_col", "freq", "step"),
    [
        ("airline.csv", {}, ["passengers"], 144, "month", "MS", None),
        ("sunspots.csv", {}, ["sunspots"], 289, "year", None, 1),
        (
            "seattle_weather.csv",
            {"targets": "temp_max", "features": ("precipitation", "temp_min", "wind")},
            ["precipitation", "temp_min", "wind", "temp_max"],
            1461,
            "date",
            "D",
            None,
        ),
        (
            "airquality.csv",
            {"targets": AIRQUALITY_ALL, "fill": "interpolate"},
            list(AIRQUALITY_ALL),
            153,
            "date",
            "D",
            None,
        ),
        (
            "airquality.csv",
            {"targets": AIRQUALITY_ALL, "fill": "drop"},
            list(AIRQUALITY_ALL),
            111,
            "date",
            "D",  # the calendar stays daily; the dropped rows are breaks no window straddles
            None,
        ),
    ],
    ids=["airline", "sunspots", "seattle", "airquality-interpolate", "airquality-drop"],
)
def test_sample_file_reads_into_a_clean_table(name, options, columns, n_rows, time_col, freq, step):
    series = read_csv(str(SAMPLES / name), **options)
    assert series.columns == columns
    assert series.values.shape == (n_rows, len(columns))
    assert series.values.dtype == np.float64
    assert np.isfinite(series.values).all()
    assert series.time_col == time_col
    assert len(series.time) == n_rows
    assert (series.freq, series.step) == (freq, step)
    assert series.source == str(SAMPLES / name)


def test_airline_times_are_month_starts_and_values_match_the_file():
    series = read_csv(str(SAMPLES / "airline.csv"))
    assert series.time.dtype == np.dtype("datetime64[ns]")
    assert series.time[0] == np.datetime64("1949-01-01")
    assert series.time[-1] == np.datetime64("1960-12-01")
    assert series.values[:3, 0].tolist() == [112.0, 118.0, 132.0]
    assert (series.features, series.targets) == (["passengers"], ["passengers"])


def test_sunspots_times_are_int64_years():
    series = read_csv(str(SAMPLES / "sunspots.csv"))
    assert series.time.dtype == np.int64
    assert series.time[:3].tolist() == [1700, 1701, 1702]


def test_seattle_text_column_weather_is_ignored_when_not_named():
    series = read_csv(str(SAMPLES / "seattle_weather.csv"), targets="temp_max")
    assert series.columns == ["temp_max"]
    assert "weather" not in series.features


def test_airquality_missing_values_are_an_error_without_fill():
    message = error(DataError, AIRQUALITY, targets=AIRQUALITY_ALL)
    assert message == (
        f"{AIRQUALITY} has 44 missing values in used columns (first at line 6, column 'ozone'); "
        "use --fill ffill|interpolate|drop"
    )


def test_only_used_columns_count_as_missing():
    message = error(DataError, AIRQUALITY, targets="ozone")
    assert message.startswith(f"{AIRQUALITY} has 37 missing values in used columns (first at line 6,")


# -- fill, resample, smooth --------------------------------------------------------------------------

GAPS = "year,y\n2001,\n2002,1\n2003,\n2004,3\n2005,\n"


def test_from_python_a_calendar_gap_names_the_fill_and_freq_arguments_not_the_flags(tmp_path):
    path = write(tmp_path, "date,y\n2023-01-01,1\n2023-01-02,2\n2023-01-04,4\n2023-01-05,5\n")
    with pytest.raises(DataError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path}: 1 timestamp is missing from the D calendar of column 'date' (first 2023-01-03, after line "
        "3); fill them with `fill='ffill'|'interpolate'|'zero'`, skip them with `fill='drop'`, declare "
        "another calendar with `freq=ALIAS`, or read the rows as a plain sequence with `freq='none'`")


def test_interpolate_is_linear_inside_and_refuses_to_extrapolate_at_the_edges(tmp_path):
    inside = "year,y\n2002,1\n2003,\n2004,3\n"
    assert read_csv(write(tmp_path, inside), fill="interpolate").values[:, 0].tolist() == [1.0, 2.0, 3.0]
    path = write(tmp_path, GAPS)
    assert error(DataError, path, fill="interpolate") == (
        f"{path} line 2, column 'y': the value is missing at the start of the data, and --fill interpolate "
        "only fills between observed values; drop those rows, or use --fill ffill")


def test_ffill_carries_forward_then_back_for_a_leading_gap(tmp_path):
    series = read_csv(write(tmp_path, GAPS), fill="ffill")
    assert series.values[:, 0].tolist() == [1.0, 1.0, 1.0, 3.0, 3.0]


def test_drop_removes_the_rows_with_a_missing_value(tmp_path):
    series = read_csv(write(tmp_path, GAPS), fill="drop")
    assert series.values[:, 0].tolist() == [1.0, 3.0]
    assert series.time.tolist() == [2002, 2004]
    assert series.step == 1  # the years' calendar; 2003 was dropped, so no window spans rows 0 and 1
    assert series.breaks.tolist() == [1]


def test_common_missing_markers_count_as_missing(tmp_path):
    path = write(tmp_path, "year,y\n2001,NA\n2002,nan\n2003,null\n2004,N/A\n2005,7\n")
    assert error(DataError, path).startswith(f"{path} has 4 missing values in used columns (first at line 2,")


def test_unknown_fill_is_a_config_error(tmp_path):
    message = error(ConfigError, write(tmp_path, GAPS), fill="mean")
    assert message == "invalid --fill 'mean'; use one of error, ffill, interpolate, zero, drop"


def test_column_without_any_value_is_an_error(tmp_path):
    path = write(tmp_path, "t,y,z\n1,1,\n2,2,\n3,3,\n")
    assert error(DataError, path, targets="z", fill="ffill") == (
        f"{path}: column 'z' has no values; choose another column"
    )


def test_resample_daily_seattle_to_month_starts_gives_48_monthly_means():
    path = str(SAMPLES / "seattle_weather.csv")
    daily = read_csv(path, targets="temp_max")
    monthly = read_csv(path, targets="temp_max", resample="MS")
    assert monthly.values.shape == (48, 1)
    assert monthly.freq == "MS"
    assert monthly.time[0] == np.datetime64("2012-01-01")
    assert monthly.values[0, 0] == pytest.approx(daily.values[:31, 0].mean())


def test_resample_needs_a_datetime_time_column():
    path = str(SAMPLES / "sunspots.csv")
    assert error(ConfigError, path, resample="YS") == (
        f"--resample needs a date/time column, but {path} has integer time column 'year'; omit --resample"
    )


@pytest.mark.parametrize(("alias", "hint"), [("M", " (did you mean 'ME'?)"), ("fortnight", "")])
def test_invalid_resample_alias_is_a_config_error_naming_the_option(alias, hint):
    message = error(ConfigError, str(SAMPLES / "airline.csv"), resample=alias)
    assert message == (
        f"invalid --resample '{alias}'{hint}; use a pandas offset alias such as D, W, MS, QS, YS or h"
    )


def test_resample_leaving_empty_periods_is_an_error_without_fill(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-05,5\n")
    assert error(DataError, path, resample="D") == (
        f"resampling {path} to 'D' leaves 2 empty periods (first at 2020-01-03T00:00:00); "
        "use a coarser --resample or --fill ffill|interpolate|drop"
    )


def test_resample_fills_empty_periods_with_the_fill_method(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-05,5\n")
    series = read_csv(path, resample="D", fill="interpolate")
    assert series.values[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert series.freq == "D"


def test_smooth_is_a_trailing_mean_that_drops_the_first_rows(tmp_path):
    series = read_csv(write(tmp_path, "year,y\n2001,1\n2002,2\n2003,6\n2004,10\n"), smooth=3)
    assert series.values[:, 0].tolist() == [3.0, 6.0]
    assert series.time.tolist() == [2003, 2004]


def test_smooth_runs_after_fill(tmp_path):
    series = read_csv(write(tmp_path, "year,y\n2001,1\n2002,\n2003,3\n"), fill="interpolate", smooth=2)
    assert series.values[:, 0].tolist() == [1.5, 2.5]


@pytest.mark.parametrize("smooth", [0, -2, 1.5, True])
def test_invalid_smooth_is_a_config_error(tmp_path, smooth):
    message = error(ConfigError, write(tmp_path, GAPS), smooth=smooth)
    assert message == f"invalid --smooth {smooth!r}; use a whole number of rows >= 1"


def test_smooth_longer_than_the_data_is_a_data_error(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n2002,2\n")
    assert error(DataError, path, smooth=5) == (
        f"--smooth 5 needs at least 5 rows but {path} has 2; use a smaller --smooth"
    )


# -- the time column ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Month", "order_date", "ds", "Timestamp", "YEAR", "weekStart", "period"])
def test_time_column_is_detected_by_its_name(tmp_path, name):
    series = read_csv(write(tmp_path, f"{name},y\n2001,1\n2002,2\n2003,3\n"))
    assert series.time_col == name
    assert series.columns == ["y"]


def test_time_column_is_detected_by_iso_date_values(tmp_path):
    series = read_csv(write(tmp_path, "when,y\n2012-01-01,1\n2012-01-02,2\n2012-01-03,3\n"))
    assert series.time_col == "when"
    assert series.freq == "D"


def test_time_column_is_detected_by_increasing_year_values(tmp_path):
    series = read_csv(write(tmp_path, "label,y\n1990,1\n1995,2\n2000,3\n"))
    assert (series.time_col, series.step) == ("label", 5)


def test_first_numeric_column_that_is_not_years_is_not_time(tmp_path):
    series = read_csv(write(tmp_path, "x,y\n5,1\n3,2\n8,3\n"), targets="y", features=("x", "y"))
    assert (series.time, series.time_col, series.freq, series.step) == (None, None, None, None)
    assert series.columns == ["x", "y"]


@pytest.mark.parametrize("time_col", ["none", None])
def test_time_col_none_disables_detection(tmp_path, time_col):
    series = read_csv(write(tmp_path, "year,y\n2001,1\n2002,2\n"), time_col=time_col, targets="y")
    assert series.time is None
    assert series.time_col is None


def test_named_time_col_is_used(tmp_path):
    series = read_csv(write(tmp_path, "y,at\n1,2020-01-01\n2,2020-02-01\n3,2020-03-01\n"), time_col="at")
    assert (series.time_col, series.freq, series.columns) == ("at", "MS", ["y"])


def test_unknown_time_col_is_a_config_error_listing_the_columns(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    assert error(ConfigError, path, time_col="when") == (
        f"unknown --time-col 'when' in {path}; available columns: a, b"
    )


def test_duplicate_timestamp_names_the_value_and_both_lines(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n")
    assert error(DataError, path) == (
        f"{path} line 4: duplicate timestamp '2020-01-02' in column 'date' (first at line 3); "
        "remove or aggregate the repeated rows, or --time-col none if 'date' is not a time column"
    )


def test_out_of_order_timestamp_names_the_first_line_out_of_order(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n2003,2\n2002,3\n2004,4\n")
    assert error(DataError, path) == (
        f"{path} line 4: timestamp '2002' in column 'year' comes before '2003' on line 3; "
        "sort the rows by 'year', oldest first"
    )


def test_unparseable_timestamp_names_the_line_and_value(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\nsoon,2\n")
    assert error(DataError, path) == (
        f"{path} line 3, column 'date': cannot read 'soon' as a date or time; use ISO dates like "
        "2012-01-31 or 1949-01 (or --time-col none if 'date' is not a time column)"
    )


def test_missing_timestamp_names_the_line(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n,2\n")
    assert error(DataError, path, time_col="date") == (
        f"{path} line 3: missing timestamp in column 'date'; fill it in or delete the row"
    )


def test_timezone_offsets_are_converted_to_utc(tmp_path):
    path = write(tmp_path, "time,y\n2020-01-01T01:00+01:00,1\n2020-01-01T01:00+00:00,2\n")
    series = read_csv(path)
    assert series.time.tolist() == [
        np.datetime64("2020-01-01T00:00", "ns").astype(int),
        np.datetime64("2020-01-01T01:00", "ns").astype(int),
    ]


# -- targets and features ----------------------------------------------------------------------------


def test_several_numeric_columns_without_target_is_an_error_listing_them():
    path = str(SAMPLES / "seattle_weather.csv")
    assert error(DataError, path) == (
        f"{path} has 4 numeric columns (precipitation, temp_max, temp_min, wind); "
        "choose the one to forecast with --target"
    )


def test_unknown_target_is_a_config_error_listing_the_columns(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n")
    assert (
        error(ConfigError, path, targets="x") == f"unknown --target 'x' in {path}; available columns: a, b, c"
    )


def test_unknown_feature_is_a_config_error_listing_the_columns(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n")
    message = error(ConfigError, path, targets="a", features=("b", "z"))
    assert message == f"unknown --features 'z' in {path}; available columns: a, b, c"


def test_time_column_as_target_is_a_config_error(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n")
    assert error(ConfigError, path, targets="year") == (
        f"--target 'year' is the time column of {path}; choose another column, "
        "or use --time-col none to read 'year' as values"
    )


@pytest.mark.parametrize(("option", "role"), [("targets", "target"), ("features", "feature")])
def test_text_column_as_target_or_feature_names_a_sample_value_and_line(option, role):
    path = str(SAMPLES / "seattle_weather.csv")
    options = {"targets": "temp_max", option: "weather"}
    assert error(DataError, path, **options) == (
        f"{path} line 2, column 'weather': 'drizzle' is text, so 'weather' cannot be a {role}; "
        "choose numeric columns (numeric: precipitation, temp_max, temp_min, wind)"
    )


def test_features_come_first_then_targets_not_among_them(tmp_path):
    series = read_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), targets=("c", "a"), features=("b", "a"))
    assert series.columns == ["b", "a", "c"]
    assert series.values.tolist() == [[2.0, 1.0, 3.0], [5.0, 4.0, 6.0]]
    assert (series.features, series.targets) == (["b", "a"], ["c", "a"])


def test_comma_separated_names_are_split(tmp_path):
    series = read_csv(write(tmp_path, "a,b,c\n1,2,3\n"), targets="a,c")
    assert series.targets == ["a", "c"]


def test_no_numeric_column_is_an_error_showing_a_text_value(tmp_path):
    path = write(tmp_path, "date,kind\n2020-01-01,x\n2020-01-02,y\n")
    assert error(DataError, path) == (
        f"{path} has no numeric column to forecast: column 'kind' holds text such as 'x' (line 2); "
        "add a column of numbers"
    )


# -- bad values --------------------------------------------------------------------------------------


def test_text_among_numbers_names_line_column_and_value(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n2002,12a\n2003,3\n")
    assert error(DataError, path) == (
        f"{path} line 3, column 'y': '12a' is not a number; correct it, or empty the cell to mark it missing"
    )


@pytest.mark.parametrize("value", ["inf", "-inf", "1e999"])
def test_infinite_or_overflowing_value_names_line_column_and_value(tmp_path, value):
    path = write(tmp_path, f"year,y\n2001,1\n2002,{value}\n")
    assert error(DataError, path) == (
        f"{path} line 3, column 'y': '{value}' is not a finite number; "
        "replace it, or empty the cell to mark it missing"
    )


def test_unused_column_with_bad_values_is_ignored(tmp_path):
    series = read_csv(write(tmp_path, "year,y,z\n2001,1,1\n2002,2,oops\n2003,3,3\n"), targets="y")
    assert series.values[:, 0].tolist() == [1.0, 2.0, 3.0]


def test_line_numbers_count_blank_lines_and_quoted_newlines(tmp_path):
    path = write(tmp_path, 'year,y,note\n\n2001,1,"two\nlines"\n\n2002,x,ok\n')
    assert error(DataError, path, targets="y").startswith(f"{path} line 6, column 'y': 'x' is not a number")


def test_long_values_are_cut_in_messages(tmp_path):
    path = write(tmp_path, f"year,y\n2001,1\n2002,{'9' * 30}{'z' * 30}\n2003,3\n")
    assert f"'{'9' * 30}zzzzzzz...' is not a number" in error(DataError, path)


# -- files, encodings, delimiters --------------------------------------------------------------------


def test_missing_file_is_named(tmp_path):
    path = str(tmp_path / "x.csv")
    assert error(DataError, path) == f"No such file: {path}"


def test_directory_is_rejected(tmp_path):
    assert error(DataError, str(tmp_path)) == (
        f"{tmp_path} is a directory, not a CSV file; pass the path of a .csv file"
    )


@pytest.mark.parametrize("text", ["", "\n \n"], ids=["empty", "blank-lines"])
def test_empty_file_is_an_error(tmp_path, text):
    path = write(tmp_path, text)
    assert error(DataError, path) == f"{path} is empty; expected a header line and at least one data row"


def test_header_without_rows_is_an_error(tmp_path):
    path = write(tmp_path, "month,passengers\n")
    assert error(DataError, path) == f"{path} has a header (line 1) but no data rows"


def test_row_with_more_fields_than_the_header_names_the_line(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n2002,2,3\n")
    assert error(DataError, path) == (
        f"{path} line 3 has 3 fields but the header has 2; "
        "remove the extra ',' or quote values that contain one"
    )


def test_row_with_fewer_fields_has_missing_values(tmp_path):
    path = write(tmp_path, "year,y,z\n2001,1,1\n2002,2\n")
    assert error(DataError, path, targets="z") == (
        f"{path} has 1 missing value in used columns (first at line 3, column 'z'); "
        "use --fill ffill|interpolate|drop"
    )


def test_duplicate_column_names_are_an_error(tmp_path):
    path = write(tmp_path, "year,y,y\n2001,1,2\n")
    assert error(DataError, path) == f"{path} line 1: column name 'y' appears twice in the header; rename one"


def test_semicolon_file_read_with_commas_suggests_the_delimiter(tmp_path):
    path = write(tmp_path, "year;y\n2001;1\n")
    assert error(DataError, path) == (
        f"{path} line 1: the header 'year;y' is one column; the file looks ';'-delimited: use --delimiter ';'"
    )


def test_delimiter_option_reads_a_semicolon_file(tmp_path):
    series = read_csv(write(tmp_path, "year;y\n2001;1\n2002;2\n"), delimiter=";")
    assert series.values[:, 0].tolist() == [1.0, 2.0]


def test_invalid_delimiter_is_a_config_error(tmp_path):
    message = error(ConfigError, write(tmp_path, GAPS), delimiter=";;")
    assert message == "invalid --delimiter ';;'; use one character such as ',' ';' or tab"


def test_non_utf8_bytes_suggest_an_encoding_and_name_line_and_offset(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("year,temp\n2001,1\n2002,caf\xe9\n".encode("latin-1"))
    assert error(DataError, str(path)) == (
        f"{path} line 3: byte 0xe9 at offset 25 is not valid UTF-8; "
        "use --encoding latin-1 (or the file's encoding), or save the file as UTF-8"
    )


def test_encoding_option_reads_latin1(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("année,température\n2001,1\n2002,2\n".encode("latin-1"))
    series = read_csv(str(path), encoding="latin-1")
    assert (series.time_col, series.columns) == ("année", ["température"])


def test_unknown_encoding_is_a_config_error(tmp_path):
    message = error(ConfigError, write(tmp_path, GAPS), encoding="klingon")
    assert message == "unknown --encoding 'klingon'; use e.g. utf-8 or latin-1"


def test_utf8_byte_order_mark_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfmonth,y\r\n1949-01,1\r\n1949-02,2\r\n1949-03,3\r\n")
    series = read_csv(str(path))
    assert (series.time_col, series.columns, series.freq) == ("month", ["y"], "MS")


# -- stdin and hashing -------------------------------------------------------------------------------

AIRLINE_HEAD = b"month,passengers\n1949-01,112\n1949-02,118\n1949-03,132\n"


def test_dash_reads_stdin_once_and_hashes_the_same_bytes(monkeypatch):
    fake_stdin(monkeypatch, AIRLINE_HEAD)
    series = read_csv("-")
    assert series.source == "<stdin>"
    assert series.values[:, 0].tolist() == [112.0, 118.0, 132.0]
    assert sha256_of("-") == hashlib.sha256(AIRLINE_HEAD).hexdigest()


def test_a_second_read_of_stdin_gets_what_stdin_holds_then(monkeypatch):
    class Buffer:  # like a terminal: each read returns what was typed before the next end-of-file
        def __init__(self):
            self.chunks = [AIRLINE_HEAD, b"month,passengers\n1950-01,115\n1950-02,126\n1950-03,141\n"]

        def read(self):
            return self.chunks.pop(0)

    class Stdin:
        buffer = Buffer()

    monkeypatch.setattr(sys, "stdin", Stdin())
    assert read_csv("-").values[:, 0].tolist() == [112.0, 118.0, 132.0]
    second = read_csv("-")
    assert second.values[:, 0].tolist() == [115.0, 126.0, 141.0]
    assert second.provenance["sha256"] == sha256_of("-") != sha256_of(AIRLINE_HEAD)


def test_stdin_is_read_once_inside_a_stdin_read_once_block(monkeypatch):
    fake_stdin(monkeypatch, AIRLINE_HEAD)
    with stdin_read_once():
        first, second = read_csv("-"), read_csv("-")
    assert second.values.tolist() == first.values.tolist() == [[112.0], [118.0], [132.0]]
    with pytest.raises(DataError, match=r"^<stdin> is empty"):  # outside the block: stdin is drained
        read_csv("-")


def test_errors_from_stdin_name_stdin(monkeypatch):
    fake_stdin(monkeypatch, b"month,passengers\n1949-01,112\n1949-02,lots\n1949-03,132\n")
    assert error(DataError, "-").startswith("<stdin> line 3, column 'passengers': 'lots' is not a number")


def test_sha256_of_a_file_equals_that_of_its_bytes(tmp_path):
    path = write(tmp_path, GAPS)
    assert sha256_of(path) == sha256_of(GAPS.encode()) == hashlib.sha256(GAPS.encode()).hexdigest()


def test_sha256_of_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"^No such file: "):
        sha256_of(tmp_path / "gone.csv")


# -- future timestamps -------------------------------------------------------------------------------


def test_future_times_continue_the_airline_months():
    times = future_times(read_csv(str(SAMPLES / "airline.csv")), 3)
    assert times.dtype == np.dtype("datetime64[ns]")
    assert times.tolist() == [
        np.datetime64(day, "ns").astype(int) for day in ("1961-01-01", "1961-02-01", "1961-03-01")
    ]


def test_future_times_continue_integer_years_by_the_step():
    times = future_times((np.array([1990, 1995, 2000]), None, 5), 2)
    assert times.dtype == np.int64
    assert times.tolist() == [2005, 2010]


def test_future_times_are_none_without_time_or_regular_spacing():
    irregular = np.array(["2020-01-01", "2020-01-02", "2020-01-05"], dtype="datetime64[ns]")
    assert future_times((None, None, None), 3) is None
    assert future_times((irregular, None, None), 3) is None
    assert future_times((np.array([1, 2, 4]), None, None), 3) is None


def test_series_is_a_plain_dataclass():
    series = Series(np.zeros((1, 1)), ["y"], ["y"], ["y"], None, None, None, None, "x.csv")
    assert future_times(series, 1) is None


# -- odd but readable inputs -------------------------------------------------------------------------


def test_non_iso_dates_are_read_with_one_format_inferred_from_the_first(tmp_path):
    series = read_csv(write(tmp_path, "date,y\n01/30/2012,1\n01/31/2012,2\n02/01/2012,3\n"))
    assert series.time[0] == np.datetime64("2012-01-30")
    assert series.freq == "D"


def test_hourly_timestamps_give_freq_h(tmp_path):
    series = read_csv(write(tmp_path, "time,y\n2012-01-01 10:00,1\n2012-01-01 11:00,2\n2012-01-01 12:00,3\n"))
    assert series.freq == "h"


def test_integer_timestamp_too_large_names_line_and_value(tmp_path):
    path = write(tmp_path, "year,y\n2001,1\n99999999999999999999,2\n")
    assert error(DataError, path) == (
        f"{path} line 3, column 'year': '99999999999999999999' is too large for a timestamp "
        "(or --time-col none if 'year' is not a time column)"
    )


@pytest.mark.slow
def test_importing_the_module_does_not_import_pandas():
    code = "import sys, rnncli.io.csv; print('pandas' in sys.modules)"
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("text", "options", "title", "fields"),
    [
        ("Sales 2023;;\r\ndate;sales;\r\n2023-01-01;1;\r\n2023-01-02;2;\r\n", {"delimiter": ";"},
         "Sales 2023", 3),
        ("# exported by hand\nyear,y\n2001,1\n2002,2\n", {}, "# exported by hand", 2),
    ],
    ids=["export-title-with-empty-fields", "comment-line"],
)
def test_a_title_line_above_the_header_is_named_as_such(tmp_path, text, options, title, fields):
    path = write(tmp_path, text)
    assert error(DataError, path, **options) == (
        f"{path} line 1 looks like a title, not a header: it names one column ('{title}') but line 2 has "
        f"{fields} fields; delete the lines above the column names"
    )


def test_a_one_column_file_is_not_taken_for_a_title(tmp_path):
    series = read_csv(write(tmp_path, "y\n1\n2\n3\n"))
    assert series.values[:, 0].tolist() == [1.0, 2.0, 3.0]


def test_a_column_mixing_date_formats_says_so_and_names_both_lines(tmp_path):
    # A day-first file with ISO forecasts appended: each cell reads alone, but not in one format.
    path = write(tmp_path, "date,y\n30/12/2015,1\n31/12/2015,2\n2016-01-01,3\n")
    assert error(DataError, path) == (
        f"{path} line 4, column 'date': '2016-01-01' is written unlike '30/12/2015' (line 2): the column "
        "mixes date formats; write every date the same way "
        "(or --time-col none if 'date' is not a time column)"
    )
