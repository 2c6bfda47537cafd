"""Every bad input gets one `Error:` line naming what to fix, exit 1 (data) or 2 (usage), empty stdout.

`error_line` (conftest) checks the rest of the contract for each: the exit code, nothing on stdout,
no traceback, and exactly one `Error:` line on stderr (click's Usage/Try lines only for parse errors).
"""

import gzip
import json
import os
import pickle
from pathlib import Path

import joblib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import DataError
from rnncli.io.artifact import load, save

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
SEATTLE = SAMPLES / "seattle_weather.csv"
FAST = ("--past", 1, "--future", 1, "--hidden", 4, "--epochs", 1, "--scale", "minmax")


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def train_error(run, error_line, path: Path) -> str:
    """The error line of `rnncli train path`, which must exit 1 and write no model."""
    result = run("train", path, *FAST, "-o", path.parent / "m.joblib")
    line = error_line(result, 1)
    assert not (path.parent / "m.joblib").exists()
    return line


# -- the data file ----------------------------------------------------------------------------------


def test_missing_file(run, error_line, tmp_path):
    path = tmp_path / "nothere.csv"
    assert train_error(run, error_line, path) == f"Error: No such file: {path}"


def test_empty_file(run, error_line, tmp_path):
    path = write(tmp_path, "")
    assert train_error(run, error_line, path) == \
        f"Error: {path} is empty; expected a header line and at least one data row"


def test_header_only(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n")
    assert train_error(run, error_line, path) == f"Error: {path} has a header (line 1) but no data rows"


def test_non_numeric_value_names_line_column_and_value(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\n1949-02,abc\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3, column 'passengers': 'abc' is not a number; correct it, or empty the cell "
        "to mark it missing")


def test_missing_values_without_fill_suggest_fill(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\n1949-02,\n1949-03,5\n1949-04,\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} has 2 missing values in used columns (first at line 3, column 'passengers'); "
        "use --fill ffill|interpolate|drop")


def test_duplicate_timestamps(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\n1949-01,1\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3: duplicate timestamp '1949-01' in column 'month' (first at line 2); remove or "
        "aggregate the repeated rows, or --time-col none if 'month' is not a time column")


def test_unsorted_timestamps(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-02,112\n1949-01,1\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3: timestamp '1949-01' in column 'month' comes before '1949-02' on line 2; "
        "sort the rows by 'month', oldest first")


def test_unparseable_timestamp(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\nfoo,1\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3, column 'month': cannot read 'foo' as a date or time; use ISO dates like "
        "2012-01-31 or 1949-01 (or --time-col none if 'month' is not a time column)")


def test_semicolon_file_with_the_default_delimiter_suggests_delimiter(run, error_line, tmp_path):
    path = write(tmp_path, "month;passengers\n1949-01;112\n1949-02;1\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 1: the header 'month;passengers' is one column; the file looks ';'-delimited: "
        "use --delimiter ';'")


def test_non_utf8_bytes_suggest_encoding(run, error_line, tmp_path):
    path = write(tmp_path, b"month,passengers\n1949-01,112\n1949-02,\xe9\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3: byte 0xe9 at offset 37 is not valid UTF-8; use --encoding latin-1 (or the "
        "file's encoding), or save the file as UTF-8")


def test_ragged_row(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\n1949-02,1,5\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3 has 3 fields but the header has 2; remove the extra ',' or quote values that "
        "contain one")


@pytest.mark.parametrize("value", ["inf", "1e999"])
def test_infinite_or_overflowing_value(run, error_line, tmp_path, value):
    path = write(tmp_path, f"month,passengers\n1949-01,112\n1949-02,{value}\n1949-03,5\n")
    assert train_error(run, error_line, path) == (
        f"Error: {path} line 3, column 'passengers': '{value}' is not a finite number; replace it, or empty "
        "the cell to mark it missing")


def test_series_too_short_states_the_numbers(run, error_line, tmp_path):
    result = run("train", AIRLINE, "--past", 100, "--future", 50, "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == (
        f"Error: {AIRLINE}: the data has 144 rows but --past 100 + --future 50 needs at least 150; use a "
        "longer series or lower --past/--future")


def test_series_too_short_for_the_differenced_variant_states_the_extra_row(run, error_line, tmp_path):
    path = write(tmp_path, "".join(AIRLINE.read_text().splitlines(keepends=True)[:11]))  # 10 rows
    result = run("train", path, "--past", 6, "--future", 4, "--val-frac", 0, "--scale", "diff",
                 "-o", tmp_path / "m.joblib")
    assert error_line(result, 1) == (
        f"Error: {path}: the data has 10 rows but --past 6 + --future 4 + 1 (--scale diff models "
        "differences) needs at least 11; use a longer series or lower --past/--future")


def test_window_series_too_short_states_the_numbers(run, error_line):
    assert error_line(run("window", AIRLINE, "--past", 100, "--future", 50), 1) == (
        f"Error: {AIRLINE}: series has 144 rows but --past 100 + --future 50 needs at least 150 "
        "(S = n - past - future + 1 = -5 windows); use a longer series or lower --past/--future")


# -- option values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Error: Invalid value for '--past': must be at least 1, got 0"),
    ("-3", "Error: Invalid value for '--past': must be at least 1, got -3"),
    ("2.5", "Error: Invalid value for '--past': '2.5' is not a valid integer."),
])
def test_past_must_be_a_positive_integer(run, error_line, tmp_path, value, message):
    result = run("train", AIRLINE, "--past", value, "--future", 2, "-o", tmp_path / "m.joblib")
    assert error_line(result, 2, usage=True) == message


def test_future_must_be_a_positive_integer(run, error_line):
    result = run("window", AIRLINE, "--past", 3, "--future", 0)
    assert error_line(result, 2, usage=True) == \
        "Error: Invalid value for '--future': must be at least 1, got 0"


def test_unknown_target_lists_the_columns(run, error_line, tmp_path):
    result = run("train", AIRLINE, *FAST, "--target", "foo", "-o", tmp_path / "m.joblib")
    assert error_line(result, 2) == \
        f"Error: unknown --target 'foo' in {AIRLINE}; available columns: month, passengers"


def test_unknown_feature_lists_the_columns(run, error_line):
    result = run("window", SEATTLE, "--past", 2, "--future", 1, "--target", "temp_max", "--features", "nope")
    assert error_line(result, 2) == (
        f"Error: unknown --features 'nope' in {SEATTLE}; available columns: date, precipitation, temp_max, "
        "temp_min, wind, weather")


def test_text_column_as_a_feature(run, error_line):
    result = run("window", SEATTLE, "--past", 2, "--future", 1, "--target", "temp_max",
                 "--features", "weather")
    assert error_line(result, 1) == (
        f"Error: {SEATTLE} line 2, column 'weather': 'drizzle' is text, so 'weather' cannot be a feature; "
        "choose numeric columns (numeric: precipitation, temp_max, temp_min, wind)")


def test_several_numeric_columns_ask_for_target(run, error_line):
    assert error_line(run("window", SEATTLE, "--past", 2, "--future", 1), 1) == (
        f"Error: {SEATTLE} has 4 numeric columns (precipitation, temp_max, temp_min, wind); "
        "choose the one to forecast with --target")


def test_lr_must_be_positive(run, error_line, tmp_path):
    result = run("train", AIRLINE, *FAST, "--lr", 0, "-o", tmp_path / "m.joblib")
    assert error_line(result, 2) == "Error: --lr must be a positive number, got 0.0"


def test_misspelt_option_suggests_the_right_one(run, error_line, tmp_path):
    result = run("train", AIRLINE, "--past", 3, "--future", 2, "--epoch", 5, "-o", tmp_path / "m.joblib")
    assert error_line(result, 2, usage=True) == "Error: No such option '--epoch'. Did you mean '--epochs'?"


def test_all_windows_needs_data(run, error_line, airline_model):
    assert error_line(run("predict", airline_model, "--all-windows"), 2, usage=True) == \
        "Error: --all-windows needs DATA to forecast from"


def test_interval_and_all_windows_do_not_combine(run, error_line, airline_model):
    result = run("predict", airline_model, AIRLINE, "--all-windows", "--interval", 0.9)
    assert error_line(result, 2, usage=True) == \
        "Error: --interval applies to a forecast, not to --all-windows; drop one of them"


def test_interval_must_be_between_0_and_1(run, error_line, airline_model):
    assert error_line(run("predict", airline_model, "--interval", 1.5), 2) == \
        "Error: --interval must be between 0 and 1 (e.g. 0.9), got 1.5"


def test_interval_needs_validation_residuals(run, error_line, tmp_path):
    path = tmp_path / "m.joblib"
    run("train", AIRLINE, *FAST, "--val-frac", 0, "-o", path, "--quiet")
    assert error_line(run("predict", path, "--interval", 0.9), 1) == \
        "Error: the model has no validation residuals for --interval; train with --val-frac > 0"


@pytest.mark.parametrize(("level", "need"), [("0.99", 99), ("0.999", 999)])
def test_an_interval_level_beyond_the_validation_windows_is_refused(run, error_line, airline_model,
                                                                   level, need):
    assert error_line(run("predict", airline_model, "--interval", level), 1) == (
        f"Error: the model has too few validation windows for --interval {level} (needs {need}); "
        "lower the level or train with a larger --val-frac")


def test_evaluate_output_file_needs_a_machine_format(run, error_line, airline_model, tmp_path):
    result = run("evaluate", airline_model, AIRLINE, "-o", tmp_path / "s.csv")
    assert error_line(result, 2, usage=True) == \
        "Error: --output writes scores as csv or json: add --format csv or --format json"


def test_debug_lets_the_traceback_through(run):
    result = run("--debug", "window", AIRLINE, "--past", 100, "--future", 50)
    assert isinstance(result.exception, DataError)


# -- predict's DATA ---------------------------------------------------------------------------------


def test_predict_data_lacking_the_model_columns(run, error_line, airline_model, tmp_path):
    path = write(tmp_path, "month,other\n" + "".join(f"19{y}-01,{y}\n" for y in range(50, 60)))
    assert error_line(run("predict", airline_model, path), 1) == (
        f"Error: {path} lacks the model's column 'passengers' (the model reads month, passengers; "
        f"{path} has month, other)")


def test_predict_data_lacking_the_time_column(run, error_line, airline_model, tmp_path):
    path = write(tmp_path, "passengers\n" + "".join(f"{v}\n" for v in range(10)))
    assert error_line(run("predict", airline_model, path), 1) == (
        f"Error: {path} lacks the model's column 'month' (the model reads month, passengers; "
        f"{path} has passengers)")


def test_predict_data_with_fewer_rows_than_past(run, error_line, airline_model, tmp_path):
    path = write(tmp_path, "".join(AIRLINE.read_text().splitlines(keepends=True)[:5]))
    assert error_line(run("predict", airline_model, path), 1) == \
        f"Error: {path}: data has 4 rows but the model needs at least 6 (--past 6)"


def test_evaluate_data_too_short_to_score(run, error_line, airline_model, tmp_path):
    path = write(tmp_path, "".join(AIRLINE.read_text().splitlines(keepends=True)[:12]))
    assert error_line(run("evaluate", airline_model, path), 1) == (
        f"Error: {path}: data has 11 rows; scoring needs at least 15 (--past 6, --future 3, --season 12)")


# -- model files ------------------------------------------------------------------------------------


def test_model_file_missing(run, error_line, tmp_path):
    assert error_line(run("predict", tmp_path / "no.joblib"), 1) == \
        f"Error: no such model file '{tmp_path / 'no.joblib'}'"


def test_model_file_that_is_not_a_model(run, error_line, tmp_path):
    path = tmp_path / "dict.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    assert error_line(run("predict", path), 1) == (
        f"Error: '{path}' is not an rnncli model (its 'format' is not 'rnncli-model'); pass a model file "
        "saved by rnncli")


def test_model_file_that_is_text(run, error_line, tmp_path):
    path = write(tmp_path, "month,passengers\n1949-01,112\n", "m.joblib")
    line = error_line(run("info", path), 1)
    assert line == (f"Error: '{path}' is not an rnncli model file (it does not start like a joblib file); "
                    "pass a model saved by 'rnncli train'")


def test_a_gzip_csv_given_as_model_is_named(run, error_line, tmp_path):
    path = write(tmp_path, gzip.compress(b"month,passengers\n1949-01,112\n"), "sales.csv")
    message = (f"'{path}' is not an rnncli model file: it is gzip-compressed data (a compressed CSV?); "
               "pass the model file written by rnncli train")
    assert error_line(run("predict", path), 1) == f"Error: {message}"
    audit = run("info", path, "--audit", "--format", "json")
    assert json.loads(audit.stdout)["reasons"] == [message]


def test_model_file_truncated(run, error_line, airline_model, tmp_path):
    data = airline_model.read_bytes()
    path = write(tmp_path, data[: len(data) // 2], "half.joblib")
    line = error_line(run("predict", path), 1)
    assert line.startswith(f"Error: '{path}' is corrupt or truncated: ")
    assert line.endswith("; re-train or re-download it")


def test_model_file_from_a_newer_format_version(run, error_line, airline_model, tmp_path):
    d = load(airline_model)
    d["format_version"] += 1
    path = tmp_path / "newer.joblib"
    save(d, path)
    assert error_line(run("predict", path), 1) == \
        f"Error: '{path}' was written by a newer rnncli (format {d['format_version']}); upgrade rnncli"


class Payload:
    """Unpickling this calls os.mkdir(marker): proof that the loader ran code from the file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_the_malicious_payload_is_live_under_plain_pickle(tmp_path):
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.is_dir()


@pytest.mark.parametrize("command", ["predict", "info", "evaluate"])
@pytest.mark.parametrize("writer", ["pickle", "joblib"])
def test_malicious_model_file_is_refused_and_never_runs(run, error_line, tmp_path, command, writer):
    marker, path = tmp_path / "marker", tmp_path / "evil.joblib"
    if writer == "pickle":
        path.write_bytes(pickle.dumps(Payload(marker)))
    else:
        joblib.dump(Payload(marker), path, compress=3)
    args = [AIRLINE] if command == "evaluate" else []
    assert error_line(run(command, path, *args), 1) == (
        f"Error: '{path}' asks for the global {os.mkdir.__module__}.mkdir, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")
    assert not marker.exists()


def test_audit_of_a_malicious_file_exits_1_without_running_it(run, tmp_path):
    marker, path = tmp_path / "marker", tmp_path / "evil.joblib"
    path.write_bytes(pickle.dumps(Payload(marker)))
    result = run("info", path, "--audit", "--format", "json")
    assert result.exit_code == 1
    assert '"safe": false' in result.stdout
    assert not marker.exists()


# -- output paths -----------------------------------------------------------------------------------


def test_output_in_a_missing_directory(run, error_line):
    result = run("train", AIRLINE, *FAST, "-o", "/nonexistent/dir/m.joblib")
    assert error_line(result, 1) == \
        "Error: cannot write to '/nonexistent/dir/m.joblib': directory '/nonexistent/dir' does not exist"


def test_output_that_is_a_directory(run, error_line, tmp_path):
    assert error_line(run("train", AIRLINE, *FAST, "-o", tmp_path), 1) == \
        f"Error: cannot write to '{tmp_path}': it is a directory"


def test_output_under_a_file(run, error_line, tmp_path):
    parent = write(tmp_path, "x", "file.txt")
    result = run("window", AIRLINE, "--past", 2, "--future", 1, "-o", parent / "w.csv")
    assert error_line(result, 1) == \
        f"Error: cannot write to '{parent / 'w.csv'}': '{parent}' is not a directory"


def test_output_in_an_unwritable_directory(run, error_line, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    real_access = os.access  # root may write anyway: the check is refused as a user would be
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if os.fspath(path) == str(locked)
                        and mode & os.W_OK else real_access(path, mode, **kw))
    result = run("train", AIRLINE, *FAST, "-o", locked / "m.joblib")
    assert error_line(result, 1) == \
        f"Error: cannot write to '{locked / 'm.joblib'}': directory '{locked}' is not writable"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0 or not os.path.isdir("/sys"),
                    reason="root ignores permissions; /sys refuses new files even to root")
def test_output_in_a_directory_that_refuses_files_as_root(run, error_line):
    line = error_line(run("window", AIRLINE, "--past", 2, "--future", 1, "-o", "/sys/w.csv"), 1)
    assert line.startswith("Error: cannot write file to '/sys/w.csv': ")


def test_plot_in_a_missing_directory(run, error_line, airline_model):
    pytest.importorskip("matplotlib")  # without it, the missing extra is reported first
    result = run("evaluate", airline_model, AIRLINE, "--plot", "/nonexistent/p.png")
    assert error_line(result, 1) == \
        "Error: cannot write to '/nonexistent/p.png': directory '/nonexistent' does not exist"


def test_a_line_break_in_a_column_name_stays_on_the_error_line(run, error_line):
    result = run("window", "-", "--past", 1, "--future", 1, input=b'",1\n"1,5"\n1,1')
    assert error_line(result, 1) == \
        'Error: <stdin> has 2 numeric columns (,1\\n1, 5"); choose the one to forecast with --target'


# -- any bytes ------------------------------------------------------------------------------------

CELLS = st.sampled_from(["1", "2.5", "-3", "", "nan", "inf", "1e999", "abc", "1949-01", "1949-13", "2000",
                         '"1,5"', '"', "x;y", "\t", " ", "NA", "0x10", "1_000", "\u00e9"])
LINES = st.lists(CELLS, min_size=1, max_size=4).map(",".join)
TEXTS = st.lists(LINES, min_size=0, max_size=8).map("\n".join)
DATA = st.one_of(TEXTS.map(str.encode), st.binary(max_size=200),
                 TEXTS.map(lambda t: ("month,value\n" + t).encode()))


@settings(max_examples=150, deadline=None)
@given(data=DATA)
def test_any_bytes_give_windows_or_one_error_line(run, error_line, data):
    result = run("window", "-", "--past", 1, "--future", 1, input=data)
    if result.exit_code == 0:
        assert result.stderr == ""
        assert result.stdout.count("\n") >= 2  # a header and at least one window
    else:
        assert result.exit_code in (1, 2)
        error_line(result, result.exit_code)


def test_resume_on_data_lacking_the_model_columns(run, error_line, airline_model, tmp_path):
    sunspots = SAMPLES / "sunspots.csv"
    result = run("train", sunspots, "--resume", airline_model, "-o", tmp_path / "r.joblib")
    assert error_line(result, 1) == (
        f"Error: {sunspots} lacks the model's columns 'month', 'passengers' (the model reads month, "
        f"passengers; {sunspots} has year, sunspots)")


def test_resume_on_other_rows_of_the_same_columns(run, error_line, airline_model, tmp_path):
    path = write(tmp_path, "".join(AIRLINE.read_text().splitlines(keepends=True)[:41]))
    result = run("train", path, "--resume", airline_model, "-o", tmp_path / "r.joblib")
    assert error_line(result, 1) == (
        f"Error: {path}: cannot resume: the data differ from the model's training data (40 rows now, 144 "
        "then); resume needs the same data")
