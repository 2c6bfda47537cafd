"""Reading real-world series (issue 10): every row is read as meant, or one `Error:` line says why not.

One test per kind of behaviour, parametrised over small files in tests/data/reading/ with the exact
forecast times or error line expected.
"""

from pathlib import Path

import numpy as np
import pytest

from rnncli import Forecaster
from rnncli.io.csv import read_csv
from rnncli.model import windows

DATA = Path(__file__).resolve().parents[1] / "data" / "reading"
FAST = ("--hidden", 2, "--epochs", 1, "--scale", "minmax", "--quiet")
GAP_HINT = ("fill them with --fill ffill|interpolate|zero, skip them with --fill drop, declare another "
            "calendar with --freq ALIAS, or read the rows as a plain sequence with --freq none")


def trained(run, tmp_path, name, *args, past=2, future=2):
    model = tmp_path / "m.joblib"
    result = run("train", DATA / name, "--past", past, "--future", future, *FAST, "--val-frac", 0, *args,
                 "-o", model)
    assert result.exit_code == 0, result.stderr
    return model


# -- the calendar: gaps are found, never bridged ------------------------------------------------------


@pytest.mark.parametrize(("name", "args", "code", "message"), [
    ("gap_daily.csv", (), 1,
     "{p}: 2 timestamps are missing from the D calendar of column 'date' (first 2023-01-03, after line 3); "
     + GAP_HINT),
    ("business_holiday.csv", (), 1,
     "{p}: 1 timestamp is missing from the B calendar of column 'date' (first 2023-01-16, after line 6); "
     + GAP_HINT),
    ("business_holiday.csv", ("--freq", "B"), 1,
     "{p}: 1 timestamp is missing from the B calendar of column 'date' (first 2023-01-16, after line 6); "
     + GAP_HINT),
    ("gap_years.csv", (), 1,
     "{p}: 1 timestamp is missing from the steps of 1 of column 'year' (first 2003, after line 3); "
     + GAP_HINT),
    ("irregular.csv", (), 1,
     "{p} line 3: timestamp '2023-01-01 10:07' in column 'time' is off the 6min spacing of the other rows; "
     "fix the row, or declare the calendar with --freq ALIAS, regularise with --resample ALIAS, or use "
     "--freq none"),
    ("business.csv", ("--freq", "W-SAT"), 1,
     "{p} line 2: timestamp '2023-01-02' in column 'date' is not on the --freq W-SAT calendar; fix the row "
     "or declare another --freq"),
    ("business.csv", ("--freq", "fortnightly"), 2,
     "invalid --freq 'fortnightly'; use a pandas offset alias such as D, B, W-SAT, MS, QS-MAR, 15min or h, "
     "or none"),
    ("gap_years.csv", ("--freq", "D"), 2,
     "--freq D needs dates, but column 'year' of {p} holds integers; omit --freq (integers continue by "
     "their step) or use --freq none"),
    ("gap_daily.csv", ("--time-col", "none", "--freq", "D"), 2,
     "--freq D needs a time column, but {p} has no time column; give it with --time-col NAME, or omit "
     "--freq"),
], ids=["daily-gap", "holiday-inferred-B", "holiday-declared-B", "missing-year", "irregular",
        "off-calendar", "bad-alias", "alias-on-integers", "alias-without-time-column"])
def test_gaps_and_calendars_are_refused_with_the_way_out(run, error_line, tmp_path, name, args, code,
                                                         message):
    result = run("train", DATA / name, "--past", 2, "--future", 1, *FAST, *args, "-o", tmp_path / "m.joblib")
    assert error_line(result, code) == "Error: " + message.format(p=DATA / name)
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.parametrize(("name", "args", "header", "times"), [
    ("business.csv", (), "date", ["2023-01-16", "2023-01-17"]),
    ("business_holiday.csv", ("--freq", "B", "--fill", "zero"), "date", ["2023-01-23", "2023-01-24"]),
    ("weekly_sat.csv", (), "date", ["2023-03-04", "2023-03-11"]),
    ("gap_daily.csv", ("--freq", "none"), "step", [1, 2]),
    ("gap_daily.csv", ("--fill", "ffill"), "date", ["2023-01-09", "2023-01-10"]),
    ("gap_daily.csv", ("--fill", "drop", "--past", 1, "--future", 1), "date", ["2023-01-09"]),
    ("gap_years.csv", ("--fill", "interpolate"), "year", [2008, 2009]),
], ids=["business-days", "declared-B-filled", "weekly-saturdays", "freq-none-steps", "ffill", "drop",
        "years-interpolated"])
def test_forecast_times_continue_the_calendar(run, tmp_path, name, args, header, times):
    past = dict(zip(args[::2], args[1::2], strict=True)).get("--past", 2)
    args = tuple(a for i, a in enumerate(args) if a not in ("--past", "--future")
                 and (i == 0 or args[i - 1] not in ("--past", "--future")))
    model = trained(run, tmp_path, name, *args, past=past, future=len(times))
    for command in (("predict", model), ("predict", model, DATA / name)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"{header},y"
        assert [line.split(",")[0] for line in lines[1:]] == [str(t) for t in times]


def test_fill_reindexes_to_the_calendar_and_marks_what_it_made_up():
    zero = read_csv(DATA / "gap_daily.csv", fill="zero")
    assert [str(t)[:10] for t in zero.time] == [f"2023-01-0{d}" for d in range(1, 9)]
    assert zero.values[:, 0].tolist() == [1, 2, 0, 0, 3, 4, 5, 6]
    assert zero.observed[:, 0].tolist() == [True, True, False, False, True, True, True, True]
    interpolated = read_csv(DATA / "gap_daily.csv", fill="interpolate")
    assert interpolated.values[:, 0].tolist() == pytest.approx([1, 2, 2 + 1 / 3, 2 + 2 / 3, 3, 4, 5, 6])


@pytest.mark.parametrize(("past", "future", "starts"), [
    (1, 1, [0, 2, 3, 4]),  # rows 0 1 | 2 3 4 5 : window 1 (rows 1, 2) straddles the dropped days
    (2, 1, [2, 3]),
    (2, 2, [2]),
])
def test_fill_drop_never_lets_a_window_straddle_a_dropped_row(past, future, starts):
    series = read_csv(DATA / "gap_daily.csv", fill="drop")
    assert series.breaks.tolist() == [2]
    assert series.freq == "D"
    assert windows.unbroken(np.arange(6 - past - future + 1), past + future, series.breaks).tolist() == starts
    model = Forecaster(past, future, hidden=2, epochs=1, scale="minmax", val_frac=0).fit(series)
    origins, _ = model.backtest(series)
    assert all(o - past + 1 >= 2 or o < 2 for o in origins)  # no input window holds rows 1 and 2
    assert origins.tolist() == [o for o in range(past - 1, 6) if not (o - past + 1 < 2 <= o)]


def test_fill_drop_with_too_few_neighbouring_rows_is_one_error(run, error_line, tmp_path):
    result = run("train", DATA / "gap_daily.csv", "--past", 3, "--future", 2, *FAST, "--fill", "drop",
                 "--val-frac", 0, "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == (
        f"Error: {DATA / 'gap_daily.csv'}: no run of --past 3 + --future 2 rows is left between the dropped "
        "rows (1 breaks); use --fill ffill|interpolate|zero instead of --fill drop, or lower --past/--future")


@pytest.mark.parametrize(("name", "args", "data", "message"), [
    ("business.csv", (), "gap_daily.csv",  # advice predict and evaluate can follow: they have no --fill
     "{d}: 2 timestamps are missing from the D calendar of column 'date' (first 2023-01-03, after line 3); "
     "the model was trained with --fill error, so its DATA must hold every timestamp of its calendar: fill "
     "the gap in DATA, or train a model that fills or skips gaps (--fill ffill|interpolate|zero|drop)"),
    ("holes_daily.csv", ("--fill", "interpolate"), "weekly_sat.csv",
     "{d} has rows at frequency W-SAT but the model was trained on rows at frequency D; give DATA at the "
     "model's frequency (D), or train a model on the W-SAT rows"),
], ids=["gap-in-predict-data", "weekly-data-daily-model"])
def test_predict_and_evaluate_data_are_checked_the_same_way(run, error_line, tmp_path, name, args, data,
                                                            message):
    model = trained(run, tmp_path, name, *args)
    for command in ("predict", "evaluate"):
        result = run(command, model, DATA / data)
        assert error_line(result, 1) == "Error: " + message.format(d=DATA / data)


def test_evaluate_scores_only_observed_targets(run, tmp_path):
    model = trained(run, tmp_path, "holes_daily.csv", "--fill", "interpolate")
    result = run("evaluate", model, DATA / "holes_daily.csv", "--format", "json", "--season", 1)
    assert result.exit_code == 0, result.stderr
    import json

    payload = json.loads(result.stdout)
    # two made-up values (the missing day and the empty cell), each a target of 2 windows (future 2)
    assert payload["skipped"] == 4
    assert payload["windows"] == 37
    scored = [r for r in payload["scores"] if r["method"] == "naive" and r["step"] == "all"]
    assert len(scored) == 1
    assert scored[0]["mae"] > 0
    table = run("evaluate", model, DATA / "holes_daily.csv", "--season", 1)
    assert "season 1 (given), 4 filled-in target values not scored" in " ".join(table.stderr.split())


def test_evaluate_metrics_leave_out_the_made_up_targets():
    series = read_csv(DATA / "holes_daily.csv", fill="interpolate")
    model = Forecaster(2, 2, hidden=2, epochs=1, scale="minmax", val_frac=0).fit(series)
    ev = model.evaluate(series, season=1)
    y, rows = series.values[:, 0], ev["origins"][:, None] + np.array([1, 2])
    observed = series.observed[rows, 0]
    error = np.abs(y[ev["origins"]][:, None] - y[rows])
    assert (~observed).sum() == ev["skipped"] == 4
    assert ev["overall"]["naive"]["mae"][0] == pytest.approx(error[observed].mean(), rel=1e-12)
    assert ev["overall"]["naive"]["mae"][0] != pytest.approx(error.mean(), rel=1e-6)


# -- timestamps as written ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args", "header", "times"), [
    ("offset_daily.csv", (), "time", ["2023-01-07T00:00:00+01:00", "2023-01-08T00:00:00+01:00"]),
    ("dst_hourly_offsets.csv", (), "time", ["2023-03-26T06:00:00+02:00", "2023-03-26T07:00:00+02:00"]),
    ("dst_daily_offsets.csv", (), "date", ["2023-03-29T00:00:00+02:00", "2023-03-30T00:00:00+02:00"]),
    ("dst_hourly_naive.csv", ("--tz", "Europe/Berlin"), "time",
     ["2023-03-26 06:00", "2023-03-26 07:00"]),  # written to the minute
    ("utc_z.csv", ("--time-col", "when"), "when", ["2023-01-01 13:00Z", "2023-01-01 14:00Z"]),
    ("ms8.csv", (), "t", ["2023-05-01 12:00:00.064", "2023-05-01 12:00:00.072"]),
    ("hourly_midnight.csv", (), "time", ["2023-01-02 02:00", "2023-01-02 03:00"]),
    ("slash_dayfirst.csv", (), "date", ["2023-02-01", "2023-02-02"]),
    ("slash_ambiguous.csv", ("--time-format", "%d/%m/%Y"), "date", ["2022-02-05", "2022-02-06"]),
    ("slash_ambiguous_mdy.csv", ("--time-format", "%m/%d/%Y"), "date", ["2022-02-05", "2022-02-06"]),
    ("yyyymmdd.csv", (), "date", ["2023-02-01", "2023-02-02"]),
], ids=["offset-kept", "dst-hourly-offsets", "dst-daily-local-calendar", "dst-hourly-tz", "utc-z",
        "milliseconds", "hourly-at-midnight", "slash-day-first", "time-format-dmy", "time-format-mdy",
        "yyyymmdd"])
def test_forecast_times_are_written_in_the_data_s_own_style(run, tmp_path, name, args, header, times):
    model = trained(run, tmp_path, name, *args, past=1, future=2)
    for command in (("predict", model), ("predict", model, DATA / name)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"{header},y"
        assert [line.split(",")[0] for line in lines[1:]] == times


@pytest.mark.parametrize(("name", "args", "code", "message"), [
    ("slash_ambiguous.csv", (), 1,
     "{p} line 2, column 'date': '01/02/2022' could be day 1 month 2 or month 1 day 2 (no day above 12 in "
     "any row tells which); give the format with --time-format %d/%m/%Y or --time-format %m/%d/%Y"),
    ("slash_dayfirst.csv", ("--time-format", "%m/%d/%Y"), 1,
     "{p} line 2, column 'date': cannot read '28/01/2023' as --time-format %m/%d/%Y (or --time-col none "
     "if 'date' is not a time column)"),
    ("dst_hourly_naive.csv", (), 1,
     "{p}: 1 timestamp is missing from the h calendar of column 'time' (first 2023-03-26 02:00:00, after "
     "line 3); " + GAP_HINT + " (local times across a DST change: give their zone with --tz NAME)"),
    ("dst_hourly_naive.csv", ("--tz", "Mars/Olympus"), 2,
     "unknown --tz 'Mars/Olympus'; use an IANA time zone name such as Europe/Berlin"),
    ("gap_hourly_may.csv", (), 1,
     "{p}: 1 timestamp is missing from the h calendar of column 'time' (first 2023-05-26 02:00:00, after "
     "line 3); " + GAP_HINT),
    ("gap_daily_clock.csv", (), 1,
     "{p}: 24 timestamps are missing from the D calendar of column 'date' (first 1973-05-03, after line 3); "
     + GAP_HINT),
], ids=["ambiguous-slashes", "wrong-time-format", "dst-gap-naive", "unknown-zone", "hour-gap-in-may-not-dst",
        "daily-clock-gap-not-dst"])
def test_times_that_cannot_be_read_as_meant_are_one_error(run, error_line, tmp_path, name, args, code,
                                                          message):
    result = run("train", DATA / name, "--past", 1, "--future", 1, *FAST, *args, "-o", tmp_path / "m.joblib")
    assert error_line(result, code) == "Error: " + message.format(p=DATA / name)


# -- where the time is: any column, a saved pandas index, no header ------------------------------------


@pytest.mark.parametrize(("name", "args", "header", "times", "rows", "note"), [
    ("pandas_index.csv", (), "date,y", ["2023-01-05", "2023-01-06"], 4,
     "{p}: the first column 'Unnamed: 0' holds the row numbers 0..3 (a saved pandas index); it is left out"),
    ("time_last.csv", ("--target", "value"), "timestamp,value", ["2023-01-05", "2023-01-06"], 4, None),
    ("no_header.csv", ("--no-header",), "time,col1", ["2023-01-05", "2023-01-06"], 4, None),
    ("dotted.csv", ("--delimiter", ";"), "Datum,Wert", ["2023-02-02", "2023-02-03"], 4, None),
], ids=["pandas-index", "time-column-last", "no-header", "datum-day-first"])
def test_the_time_column_is_found_where_it_is(run, tmp_path, name, args, header, times, rows, note):
    model = tmp_path / "m.joblib"
    result = run("train", DATA / name, "--past", 1, "--future", 2, "--hidden", 2, "--epochs", 1, "--val-frac",
                 0, "--scale", "minmax", *args, "-o", model)
    assert result.exit_code == 0, result.stderr
    if note:
        assert result.stderr.splitlines()[0] == note.format(p=DATA / name)
    info = run("info", model, "--format", "json")
    import json

    assert json.loads(info.stdout)["data"]["rows"] == rows  # the first observation is never lost
    predicted = run("predict", model, DATA / name)
    assert predicted.exit_code == 0, predicted.stderr
    lines = predicted.stdout.splitlines()
    assert lines[0] == header
    assert [line.split(",")[0] for line in lines[1:]] == times


def test_a_saved_pandas_index_is_said_wherever_data_is_read(run, tmp_path):
    path = DATA / "pandas_index.csv"
    note = (f"{path}: the first column 'Unnamed: 0' holds the row numbers 0..3 (a saved pandas index); it is "
            "left out")
    model = trained(run, tmp_path, "pandas_index.csv", past=1, future=1)
    for command in (("window", path, "--past", 1, "--future", 1), ("predict", model, path),
                    ("evaluate", model, path, "--season", 1)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines()[0] == note, command[0]


def test_a_file_without_a_header_is_refused_with_the_flag(run, error_line, tmp_path):
    result = run("train", DATA / "no_header.csv", "--past", 1, "--future", 1, *FAST,
                 "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == (
        f"Error: {DATA / 'no_header.csv'} line 1: '2023-01-01,5' looks like data (a time and numbers), not a "
        "header; add a header line such as date,value or use --no-header")


def test_evaluate_says_which_season_it_used(run, tmp_path):
    model = trained(run, tmp_path, "business.csv", past=1, future=1)
    result = run("evaluate", model, DATA / "business.csv")
    assert result.exit_code == 0, result.stderr
    assert "windows, season 5 (from frequency B)" in " ".join(result.stderr.split())


# -- numbers and names as written ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args", "values"), [
    ("decimal_comma.csv", ("--delimiter", ";", "--decimal", ","), [1200.95, 1201.5, 1199.05, 1203.0]),
    ("thousands.csv", ("--thousands", ","), [24945, 25100, 24870, 25020]),
], ids=["decimal-comma", "thousands-comma"])
def test_decimal_and_thousands_separators_are_read(run, tmp_path, name, args, values):
    flags = dict(zip(args[::2], args[1::2], strict=True))
    series = read_csv(DATA / name, delimiter=flags.get("--delimiter", ","),
                      decimal=flags.get("--decimal", "."), thousands=flags.get("--thousands"))
    assert series.values[:, 0].tolist() == values
    model = trained(run, tmp_path, name, *args, past=1, future=1)
    result = run("predict", model, DATA / name)  # read again with the model's separators
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("2023-01-05,")


@pytest.mark.parametrize(("name", "args", "message"), [
    ("decimal_comma.csv", ("--delimiter", ";"),
     "{p} has no numeric column to forecast: column 'y' holds text such as '1200,95' (line 2); ',' looks "
     "like a decimal comma: read it with --decimal ,"),
    ("thousands.csv", (),
     "{p} has no numeric column to forecast: column 'y' holds text such as '24,945' (line 2); ',' looks "
     "like a thousands separator: read it with --thousands ,"),
    ("currency.csv", (),
     "{p} has no numeric column to forecast: column 'y' holds text such as '€12.50' (line 2); remove the "
     "currency sign '€' from the column (rnncli reads plain numbers)"),
    ("long_without_id_col.csv", ("--target", "y"),
     "{p} line 4: duplicate timestamp '2023-01-01' in column 'date' (first at line 2); if 'store' tells "
     "several series apart, train them with --id-col store; else remove or aggregate the repeated rows, or "
     "--time-col none if 'date' is not a time column"),
    ("constant.csv", (),
     "{p}: the target 'y' is constant (5 in all 30 rows): there is nothing to learn; drop the series or "
     "forecast it as that value"),
], ids=["decimal-comma", "thousands", "currency", "duplicates-suggest-id-col", "constant"])
def test_values_written_otherwise_are_one_error_naming_the_flag(run, error_line, tmp_path, name, args,
                                                                message):
    result = run("train", DATA / name, "--past", 1, "--future", 1, *FAST, *args, "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == "Error: " + message.format(p=DATA / name)


def test_a_constant_target_fails_the_same_way_in_a_long_csv(run, tmp_path):
    result = run("train", DATA / "constant_long.csv", "--id-col", "id", "--past", 1, "--future", 1, *FAST,
                 "-o", tmp_path / "models")
    assert result.exit_code == 3, result.stderr
    failures = (tmp_path / "models" / "failures.csv").read_text().splitlines()
    assert failures == ["id,error", "a,the target 'y' is constant (5 in all 30 rows): there is nothing to "
                                    "learn; drop the series or forecast it as that value"]


def test_column_names_with_commas_are_never_split(run, tmp_path):
    model = tmp_path / "m.joblib"
    train = ("train", DATA / "comma_name.csv", "--target", "sales, EUR", "--past", 2, "--future", 1, *FAST,
             "-o", model)
    assert run(*train).exit_code == 0
    predicted = run("predict", model, DATA / "comma_name.csv")
    assert predicted.exit_code == 0, predicted.stderr
    assert predicted.stdout.splitlines()[0] == 'date,"sales, EUR"'
    evaluated = run("evaluate", model, DATA / "comma_name.csv", "--format", "csv")
    assert evaluated.stdout.splitlines()[1].startswith('"sales, EUR",model,all,')
    resumed = run("train", DATA / "comma_name.csv", "--resume", model, "--epochs", 2, "--quiet", "-o", model)
    assert resumed.exit_code == 0, resumed.stderr


def test_delimiter_and_encoding_given_to_predict_override_the_model_s(run, error_line, tmp_path):
    model = trained(run, tmp_path, "latin1_semicolon.csv", "--delimiter", ";", "--encoding", "latin-1",
                    past=1, future=1)
    saved = run("predict", model, DATA / "latin1_semicolon.csv")  # both saved settings used
    assert saved.stdout.splitlines() == ["Datum,Größe", saved.stdout.splitlines()[1]]
    comma = run("predict", model, DATA / "latin1_comma.csv", "--delimiter", ",")
    assert comma.stdout == saved.stdout
    wrong = run("predict", model, DATA / "latin1_comma.csv", "--delimiter", ",", "--encoding", "utf-8")
    assert error_line(wrong, 1).startswith(f"Error: {DATA / 'latin1_comma.csv'} line 1: byte 0x")


def test_a_device_is_refused(run, error_line, tmp_path):
    result = run("train", "/dev/zero", "--past", 1, "--future", 1, *FAST, "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == ("Error: /dev/zero is a device, not a CSV file; pass the path of a .csv "
                                     "file (or - for stdin)")


def test_huge_values_stop_with_one_line_and_large_ones_score_finite(run, error_line, tmp_path):
    result = run("train", DATA / "huge.csv", "--past", 3, "--future", 2, *FAST, "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == (
        f"Error: {DATA / 'huge.csv'}: column 'y' holds 1e+200 (row 1): values beyond ±1e+100 would overflow "
        "the squared errors; rescale the column (e.g. divide it by 1e197)")
    # 1e99: training, variant choice and scores stay finite (pytest turns any RuntimeWarning into an error)
    model = tmp_path / "large.joblib"
    trained = run("train", DATA / "large.csv", "--past", 3, "--future", 2, "--hidden", 2, "--epochs", 2,
                  "--quiet", "-o", model)
    assert trained.exit_code == 0, trained.stderr
    scores = run("evaluate", model, DATA / "large.csv", "--format", "csv")
    assert scores.exit_code == 0, scores.stderr
    rmse = [float(line.split(",")[4]) for line in scores.stdout.splitlines()[1:]]
    assert all(np.isfinite(rmse))
    assert min(rmse) > 1e97


def test_window_with_fill_drop_builds_no_row_across_the_dropped_days(run):
    result = run("window", DATA / "gap_daily.csv", "--past", 2, "--future", 1, "--fill", "drop")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["date,y_t-1,y_t0,y_t+1", "2023-01-07,3.0,4.0,5.0",
                                          "2023-01-08,4.0,5.0,6.0"]


def test_smooth_with_fill_drop_averages_only_within_each_unbroken_run(run):
    # 2023-01-04 is dropped: the mean of 01-05 and 01-06 (15) never takes in 01-03, and 01-05 has no
    # full window of 2 rows, so no row ends there
    result = run("window", DATA / "holes_smooth.csv", "--past", 1, "--future", 1, "--smooth", 2,
                 "--fill", "drop")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["date,y_t0,y_t+1", "2023-01-03,1.5,2.5", "2023-01-07,15.0,25.0",
                                          "2023-01-08,25.0,35.0"]
    series = read_csv(DATA / "holes_smooth.csv", fill="drop", smooth=2)
    assert series.breaks.tolist() == [2]
    assert [str(t)[:10] for t in series.time] == ["2023-01-02", "2023-01-03", "2023-01-06", "2023-01-07",
                                                  "2023-01-08"]


@pytest.mark.parametrize(("name", "line", "end"), [
    ("missing_last_value.csv", 6, "end"),
    ("missing_first_value.csv", 2, "start"),
])
def test_interpolate_never_extrapolates_a_missing_value_at_an_end(run, error_line, tmp_path, name, line, end):
    path = tmp_path / name
    text = (DATA / "missing_last_value.csv").read_text()
    lead = "date,y\n2023-01-01,\n" + "\n".join(text.splitlines()[2:]) + "\n"
    path.write_text(text if end == "end" else lead)
    result = run("window", path, "--past", 1, "--future", 1, "--fill", "interpolate")
    assert error_line(result, 1) == (
        f"Error: {path} line {line}, column 'y': the value is missing at the {end} of the data, and --fill "
        "interpolate only fills between observed values; drop those rows, or use --fill ffill")


def test_fill_zero_at_the_end_is_kept_as_asked(run):
    result = run("window", DATA / "missing_last_value.csv", "--past", 1, "--future", 1, "--fill", "zero")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2023-01-05,4.0,0.0"


def test_predict_refuses_an_input_window_across_dropped_rows(run, error_line, tmp_path):
    model = trained(run, tmp_path, "gap_daily.csv", "--fill", "drop", past=2, future=1)
    result = run("predict", model, DATA / "gap_at_end.csv")
    assert error_line(result, 1) == (
        f"Error: {DATA / 'gap_at_end.csv'}: the last 2 rows straddle dropped rows (a gap before row 5); a "
        "forecast needs 2 neighbouring rows at the end: fill the gap (--fill ffill|interpolate|zero) or end "
        "the data before it")
    assert run("predict", model).exit_code == 0  # the training data ends with neighbouring rows
    broken = trained(run, tmp_path, "gap_last_row.csv", "--fill", "drop", past=2, future=1)
    assert error_line(run("predict", broken), 1) == (
        "Error: the last 2 rows of the training data straddle dropped rows (--fill drop); forecast from data "
        "whose last rows are neighbours: pass DATA")


def test_a_model_directory_checks_the_frequency_of_each_series(run, error_line, tmp_path):
    models = tmp_path / "models"
    trained_dir = run("train", DATA / "long_daily.csv", "--id-col", "id", "--past", 2, "--future", 1, *FAST,
                      "-o", models)
    assert trained_dir.exit_code == 0, trained_dir.stderr
    result = run("predict", models, DATA / "long_weekly.csv")
    assert error_line(result, 1) == (
        f"Error: no series could be forecast: series 'a' (and 1 more): {DATA / 'long_weekly.csv'} [id=a] has "
        "rows at frequency W-SUN but the model was trained on rows at frequency D; give DATA at the model's "
        "frequency (D), or train a model on the W-SUN rows")


@pytest.mark.parametrize(("args", "message"), [
    (("--decimal", ",", "--thousands", ","), "--thousands and --decimal are both ','; they must differ"),
    (("--decimal", "ab"), "invalid --decimal 'ab'; use one character such as ',' or '.'"),
], ids=["same-separators", "two-characters"])
def test_bad_separators_are_a_usage_error(run, error_line, tmp_path, args, message):
    result = run("train", DATA / "thousands.csv", "--past", 1, "--future", 1, *FAST, *args,
                 "-o", tmp_path / "m.joblib")
    assert error_line(result, 2) == "Error: " + message


def test_a_dataframe_with_a_time_column_is_refused_naming_it_and_fits_through_read_frame():
    import pandas as pd

    from rnncli import read_frame
    from rnncli.errors import DataError

    frame = pd.DataFrame({"month": ["1949-01", "1949-02", "1949-03", "1949-04", "1949-05", "1949-06"],
                          "passengers": [112.0, 118.0, 132.0, 129.0, 121.0, 135.0], "note": ["x"] * 6})
    model = Forecaster(2, 1, hidden=2, epochs=1, scale="minmax", val_frac=0)
    with pytest.raises(DataError) as info:
        model.fit(frame, targets=["passengers"])
    assert str(info.value) == (
        "the DataFrame's columns 'month', 'note' are not numeric; pass rnncli.read_frame(df) (it finds the "
        "time column and checks its calendar), or read the file with rnncli.read_csv(path)")
    model.fit(read_frame(frame, targets=["passengers"]))
    assert model.columns_ == ["passengers"]
    assert (model.time_["col"], model.time_["freq"]) == ("month", "MS")
