"""Size up front, at the command line: one `Error:` line with the estimate, before any allocation;
times past pandas' limit (year 2262) or past the largest integer stop with one line, never wrap."""

from pathlib import Path

import pytest

from rnncli.model import sizing

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
MACHINE = 8 * 10**9


@pytest.fixture
def small_machine(monkeypatch):
    """A machine of 8 GB, whatever this one has, so that the lines are exact."""
    monkeypatch.setattr(sizing, "machine_bytes", lambda: MACHINE)


def test_a_hidden_size_beyond_memory_is_a_usage_error_with_the_estimate(run, error_line, small_machine,
                                                                        tmp_path):
    result = run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", 30000, "-o", tmp_path / "m.joblib")
    assert error_line(result, 2) == (
        "Error: training with --hidden 30000, --layers 1 and --past 6 on 144 rows needs about 144 GB of "
        "memory, more than this machine has (8 GB); lower --hidden, --layers or --past, or train on fewer "
        "rows")
    assert list(tmp_path.iterdir()) == []


def test_a_hidden_size_that_would_overflow_is_refused_with_the_estimate(run, error_line, small_machine):
    result = run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", 10**10, "-o", "never.joblib")
    assert error_line(result, 2) == (
        "Error: training with --hidden 10000000000, --layers 1 and --past 6 on 144 rows needs about "
        "1.6e+13 GB of memory, more than this machine has (8 GB); lower --hidden, --layers or --past, or "
        "train on fewer rows")


def test_a_hidden_size_in_float_notation_is_a_usage_error(run, error_line):
    result = run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", "1e10")
    assert error_line(result, 2, usage=True) == \
        "Error: Invalid value for '--hidden': '1e10' is not a valid integer."


def test_resampling_years_to_seconds_is_refused_before_resampling(run, error_line, small_machine, tmp_path):
    path = tmp_path / "span.csv"
    path.write_text("date,x\n2000-01-01,1\n2020-01-01,2\n2020-01-02,3\n")
    result = run("window", path, "--past", 1, "--future", 1, "--resample", "1s")
    assert error_line(result, 2) == (
        f"Error: --resample 1s over {path} (2000-01-01 to 2020-01-02: 631,238,402 periods) needs about "
        "60.6 GB of memory, more than this machine has (8 GB); use a coarser --resample")


def test_an_unknown_encoding_is_a_usage_error(run, error_line):
    result = run("window", AIRLINE, "--past", 1, "--future", 1, "--encoding", "nope")
    assert error_line(result, 2) == "Error: unknown --encoding 'nope'; use e.g. utf-8 or latin-1"


def _train(run, tmp_path, rows: str, *args) -> Path:
    data, model = tmp_path / "data.csv", tmp_path / "m.joblib"
    data.write_text(rows)
    result = run("train", data, "--past", 2, "--future", 3, "--hidden", 2, "--epochs", 1, "--scale", "minmax",
                 "-q", *args, "-o", model)
    assert result.exit_code == 0, result.stderr
    return model


def test_forecast_times_past_the_year_2262_stop_with_one_line(run, error_line, tmp_path):
    months = [f"2261-{m:02d}-01" for m in range(1, 13)] + [f"2262-{m:02d}-01" for m in range(1, 4)]
    rows = [f"{d},{i % 5}\n" for i, d in enumerate(months)]
    model = _train(run, tmp_path, "date,x\n" + "".join(rows[:12]))  # its own forecast ends in 2262-03
    later = tmp_path / "later.csv"
    later.write_text("date,x\n" + "".join(rows))
    assert error_line(run("predict", model, later), 1) == (
        "Error: the 3 times after 2262-03-01T00:00:00 (every MS) pass pandas' last date, "
        "2262-04-11T23:47:16.854775807 (year 2262); use integer years as the time column, or --time-col none")


def test_integer_forecast_times_that_would_wrap_stop_with_one_line(run, error_line, tmp_path):
    rows = [f"{9223372036854774000 + 100 * i},{i % 4}\n" for i in range(18)]
    model = _train(run, tmp_path, "t,x\n" + "".join(rows[:12]), "--time-col", "t")  # its forecast fits
    later = tmp_path / "later.csv"
    later.write_text("t,x\n" + "".join(rows))
    assert error_line(run("predict", model, later), 1) == (
        "Error: the 3 times after 9223372036854775700 (every 100) pass the largest integer time, "
        "9223372036854775807; use smaller time values, or --time-col none")
