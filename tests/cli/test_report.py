"""report.py: results as records for CSV/JSON and as rich tables, formatted exactly."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rnncli.cli.summary import audit_table
from rnncli.cli.tables import (
    Table,
    backtest_records,
    baseline_comparison,
    beaten_warnings,
    evaluation_records,
    forecast_records,
    format_time,
    to_json,
    train_summary_table,
)
from rnncli.model.baselines import default_season
from rnncli.model.forecaster import Forecast

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def render(table, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


# -- times and seasons ----------------------------------------------------------------------------


def test_format_time_writes_midnight_as_a_date():
    assert format_time(np.datetime64("1960-12-01T00:00:00.000000000")) == "1960-12-01"


def test_format_time_keeps_the_time_of_day():
    assert format_time(np.datetime64("2016-01-01T13:45:00", "ns")) == "2016-01-01 13:45:00"


def test_format_time_keeps_integer_years_as_int():
    assert format_time(np.int64(1989)) == 1989
    assert type(format_time(np.int64(1989))) is int


@pytest.mark.parametrize(("freq", "season"), [
    ("MS", 12), ("ME", 12), ("QS-OCT", 4), ("D", 7), ("h", 24), ("W-SUN", 52), ("YS-JAN", 1), (None, 1),
    ("15min", 96), ("30min", 48), ("2h", 12), ("B", 5), ("M", 12), ("2MS", 6), ("Q", 4), ("YE-DEC", 1),
    ("W-SAT", 52), ("7D", 1)])
def test_default_season_from_the_frequency(freq, season):
    assert default_season(freq) == season


# -- records --------------------------------------------------------------------------------------


def test_forecast_records_with_bounds():
    fc = Forecast(np.array([[1.5], [2.5]]), ["y"], lower=np.array([[1.0], [2.0]]),
                  upper=np.array([[2.0], [3.0]]), level=0.9)
    times = np.array(["2000-01-01", "2000-02-01"], dtype="datetime64[ns]")
    assert forecast_records(fc, times, "month") == [
        {"month": "2000-01-01", "y": 1.5, "y_lower": 1.0, "y_upper": 2.0},
        {"month": "2000-02-01", "y": 2.5, "y_lower": 2.0, "y_upper": 3.0}]


def test_forecast_records_number_the_steps_without_times():
    fc = Forecast(np.array([[1.0, 10.0], [2.0, 20.0]]), ["a", "b"])
    assert forecast_records(fc, None, "step") == [
        {"step": 1, "a": 1.0, "b": 10.0}, {"step": 2, "a": 2.0, "b": 20.0}]


def test_backtest_records_continue_times_past_the_end_of_the_data():
    times = np.array([2000, 2001, 2002], dtype=np.int64)
    y_hat = np.array([[[1.0], [2.0]], [[3.0], [4.0]]])
    assert backtest_records(np.array([1, 2]), y_hat, ["y"], times, np.array([2003, 2004])) == [
        {"origin": 2001, "step": 1, "time": 2002, "y": 1.0},
        {"origin": 2001, "step": 2, "time": 2003, "y": 2.0},
        {"origin": 2002, "step": 1, "time": 2003, "y": 3.0},
        {"origin": 2002, "step": 2, "time": 2004, "y": 4.0}]


def _ev(naive_rmse: float) -> dict:
    def block(rmse):
        return {"mse": np.array([rmse**2]), "rmse": np.array([rmse]), "mae": np.array([rmse]),
                "smape": np.array([1.0]), "mase": np.array([np.nan])}

    def steps(rmse):
        return {k: v[None, :] for k, v in block(rmse).items()}

    return {"targets": ["y"], "windows": 3, "season": 1,
            "overall": {"model": block(2.0), "naive": block(naive_rmse)},
            "per_step": {"model": steps(2.0), "naive": steps(naive_rmse)}}


def test_evaluation_records_skill_is_one_minus_the_rmse_ratio():
    records = evaluation_records(_ev(4.0))
    assert [(r["method"], r["step"], r["skill"]) for r in records] == [
        ("model", "all", 0.5), ("model", 1, 0.5), ("naive", "all", 0.0), ("naive", 1, 0.0)]


def test_evaluation_records_skill_is_null_against_a_perfect_naive_forecast():
    assert {r["skill"] for r in evaluation_records(_ev(0.0))} == {None}


def test_evaluation_records_write_nan_as_null():
    assert {r["mase"] for r in evaluation_records(_ev(4.0))} == {None}


def test_to_json_writes_non_finite_numbers_as_null_and_numpy_as_plain():
    text = to_json({"a": np.float32(1.5), "b": float("nan"), "c": np.array([1, 2]), "d": np.inf})
    assert json.loads(text) == {"a": 1.5, "b": None, "c": [1, 2], "d": None}


# -- tables ---------------------------------------------------------------------------------------


def test_table_shows_brackets_in_names_as_written():
    table = Table()
    table.add_column("temp [C]")
    table.add_row("x[/]")
    text = render(table)
    assert "temp [C]" in text
    assert "x[/]" in text


def _summary(**kw) -> dict:
    return {"params": 1234, "epochs_run": 7, "stopped": "early", "best_epoch": 5, "scale": "minmax",
            "best_val_msse": 0.123456, "season": 12, **baseline_comparison(["y[1]"], [10.0], [12.5], [8.0]),
            **kw}


def test_train_summary_table_rows():
    lines = render(train_summary_table(_summary())).splitlines()
    assert lines[2:10] == [
        "│ parameters                   │ 1,234                     │",
        "│ epochs run                   │ 7 (early, best epoch 5)   │",
        "│ scaling                      │ minmax                    │",
        "│ best validation MSSE         │ 0.1235                    │",
        "│ validation RMSE y[1]         │ 10                        │",
        "│   naive                      │ 12.5                      │",
        "│   seasonal naive (season 12) │ 8                         │",
        "│   skill vs best baseline     │ -0.25 (vs seasonal naive) │"]


def test_train_summary_says_which_scaling_variant_auto_kept_and_why():
    variants = {"minmax": {"val_rmse": [10.0], "score": 0.8}, "diff": {"val_rmse": [11.0], "score": 0.88}}
    lines = render(train_summary_table(_summary(variants=variants))).splitlines()
    assert lines[5:7] == [
        "│   minmax val RMSE            │ 10 (0.8 x naive): kept, the lowest ratio │",
        "│   diff val RMSE              │ 11 (0.88 x naive)                        │"]


def test_skill_is_against_the_best_baseline_and_a_beaten_model_is_warned_about():
    c = baseline_comparison(["a", "b"], [10.0, 1.0], [12.5, 2.0], [8.0, float("nan")])
    assert c["best_baseline"] == {"a": "seasonal_naive", "b": "naive"}
    assert c["skill_vs_best"] == {"a": pytest.approx(-0.25), "b": pytest.approx(0.5)}
    assert beaten_warnings(c) == ["warning: on the validation windows, seasonal naive (RMSE 8) beats the "
                                  "model (RMSE 10) on a"]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_train_summary_fits_the_width_without_cutting_a_number(width):
    variants = {"minmax": {"val_rmse": [10.123], "score": 0.8123},
                "diff": {"val_rmse": [11.5], "score": 0.88}}
    text = render(train_summary_table(_summary(variants=variants)), width)
    assert max(map(len, text.splitlines())) <= width
    for number in ("1,234", "0.1235", "10.12", "0.812", "12.5", "-0.25"):
        assert number in text


def test_audit_table_gives_the_reasons_a_file_is_unsafe():
    result = {"globals": ["posix.system"], "arrays": [], "safe": False,
              "reasons": ["asks for the global posix.system"]}
    text = render(audit_table(result))
    assert "│ safe    │ NO: asks for the global posix.system │" in text


def test_info_renders_a_model_whose_columns_hold_brackets(run, error_line, tmp_path):
    data = tmp_path / "b.csv"
    data.write_text("month,temp [C],x[/]\n" + "".join(f"19{10 + i}-01,{i * i % 17},{i}\n" for i in range(40)))
    model = tmp_path / "m.joblib"
    trained = run("train", data, "--target", "temp [C]", "--features", "x[/]", "--past", 3, "--future", 2,
                  "--hidden", 4, "--epochs", 3, "--scale", "minmax", "-o", model)
    assert "validation RMSE temp [C]" in trained.stderr
    result = run("info", model)
    assert result.exit_code == 0
    assert "│ features             │ x[/]" in result.stderr
