"""The commands and their options, run in-process: data on stdout, talk on stderr, exact values."""

import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rnncli.cli.progress import TrainingProgress
from rnncli.engine.network import Network
from rnncli.engine.train import EpochLog
from rnncli.io.artifact import load

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
SEATTLE = SAMPLES / "seattle_weather.csv"
SUNSPOTS = SAMPLES / "sunspots.csv"
SEATTLE_FEATURES = ("--features", "precipitation", "--features", "temp_max", "--features", "temp_min",
                    "--features", "wind")
TINY = ("--hidden", "4", "--epochs", "3", "--scale", "minmax")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def train(run, tmp_path, *args, name="m.joblib", data=AIRLINE):
    """Train quietly on `data` with `args` and return the loaded artifact dict."""
    path = tmp_path / name
    result = run("train", data, "-o", path, "--quiet", *args)
    assert result.exit_code == 0, result.stderr
    return load(path)


# -- window ---------------------------------------------------------------------------------------


def test_window_header_names_lags_and_leads(run):
    result = run("window", AIRLINE, "--past", 5, "--future", 3)
    assert result.exit_code == 0
    assert rows(result.stdout)[0] == [
        "month", "passengers_t-4", "passengers_t-3", "passengers_t-2", "passengers_t-1", "passengers_t0",
        "passengers_t+1", "passengers_t+2", "passengers_t+3"]


def test_window_first_row_is_the_first_eight_months_timed_at_the_first_forecast_step(run):
    result = run("window", AIRLINE, "--past", 5, "--future", 3)
    assert result.stdout.splitlines()[1] == "1949-06-01,112.0,118.0,132.0,129.0,121.0,135.0,148.0,148.0"


def test_window_writes_one_row_per_window(run):
    result = run("window", AIRLINE, "--past", 5, "--future", 3)
    assert len(result.stdout.splitlines()) == 1 + (144 - 5 - 3 + 1)


def test_window_writes_nothing_on_stderr(run):
    assert run("window", AIRLINE, "--past", 5, "--future", 3).stderr == ""


def test_window_with_several_features_and_one_target(run):
    result = run("window", SEATTLE, "--target", "temp_max", *SEATTLE_FEATURES, "--past", 2, "--future", 2)
    lines = result.stdout.splitlines()
    assert lines[0] == ("date,precipitation_t-1,precipitation_t0,temp_max_t-1,temp_max_t0,temp_min_t-1,"
                        "temp_min_t0,wind_t-1,wind_t0,temp_max_t+1,temp_max_t+2")
    assert lines[1] == "2012-01-03,0.0,10.9,12.8,10.6,5.0,2.8,4.7,4.5,11.7,12.2"
    assert len(lines) == 1 + (1461 - 2 - 2 + 1)


def test_window_time_col_none_drops_the_time_column(run):
    result = run("window", AIRLINE, "--past", 5, "--future", 3, "--time-col", "none")
    lines = result.stdout.splitlines()
    assert lines[0].split(",")[0] == "passengers_t-4"
    assert lines[1] == "112.0,118.0,132.0,129.0,121.0,135.0,148.0,148.0"


def test_window_npz_holds_x_and_y_arrays(run, tmp_path):
    out = tmp_path / "w.npz"
    result = run("window", SEATTLE, "--target", "temp_max", *SEATTLE_FEATURES, "--past", 7, "--future", 2,
                 "-o", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"wrote X (1453, 7, 4) and Y (1453, 2, 1) to {out}\n"
    with np.load(out) as z:
        assert z["X"].shape == (1453, 7, 4)
        assert z["Y"].shape == (1453, 2, 1)
        assert z["features"].tolist() == ["precipitation", "temp_max", "temp_min", "wind"]
        assert z["targets"].tolist() == ["temp_max"]
        assert z["X"][0, :, 1].tolist() == [12.8, 10.6, 11.7, 12.2, 8.9, 4.4, 7.2]


def test_window_csv_to_a_file(run, tmp_path):
    out = tmp_path / "w.csv"
    result = run("window", AIRLINE, "--past", 5, "--future", 3, "-o", out)
    assert result.stdout == ""
    assert out.read_text() == run("window", AIRLINE, "--past", 5, "--future", 3).stdout


def test_window_smooth_averages_trailing_rows(run):
    first = rows(run("window", AIRLINE, "--past", 1, "--future", 1, "--smooth", 3).stdout)[1]
    # the smoothed series starts at 1949-03; the first window forecasts its second row, 1949-04
    assert first[0] == "1949-04-01"
    assert [float(v) for v in first[1:]] == pytest.approx([(112 + 118 + 132) / 3, (118 + 132 + 129) / 3],
                                                          rel=1e-15)


def test_window_resample_takes_the_mean_of_each_month(run):
    result = run("window", SEATTLE, "--target", "temp_max", "--resample", "MS", "--past", 1, "--future", 1)
    table = rows(result.stdout)
    daily = np.loadtxt(SEATTLE, delimiter=",", skiprows=1, usecols=2)  # 2012-01-01 .. 2015-12-31
    assert table[1][0] == "2012-02-01"
    january, february = daily[:31].mean(), daily[31:60].mean()
    assert [float(v) for v in table[1][1:]] == pytest.approx([january, february], rel=1e-14)
    assert len(table) == 1 + 48 - 1


def test_window_fill_interpolate_fills_a_gap(run, tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("month,passengers\n2000-01,10\n2000-02,\n2000-03,30\n2000-04,40\n")
    result = run("window", path, "--past", 3, "--future", 1, "--fill", "interpolate")
    assert result.stdout.splitlines()[1] == "2000-04-01,10.0,20.0,30.0,40.0"


def test_window_reads_a_semicolon_delimited_latin1_file(run, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("année;température\n2001;1.5\n2002;2\n2003;3\n".encode("latin-1"))
    result = run("window", path, "--delimiter", ";", "--encoding", "latin-1", "--past", 2, "--future", 1)
    assert result.stdout == "année,température_t-1,température_t0,température_t+1\n2003,1.5,2.0,3.0\n"


# -- train ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(run, tmp_path_factory):
    """One run with the default output: (result, model path)."""
    path = tmp_path_factory.mktemp("train") / "m.joblib"
    return run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", 6, "--epochs", 5,
               "--scale", "minmax", "-o", path), path


def test_train_writes_a_loadable_model(trained):
    result, path = trained
    assert result.exit_code == 0
    assert load(path)["options"]["past"] == 6


def test_train_writes_nothing_on_stdout(trained):
    assert trained[0].stdout == ""


def test_train_prints_plain_progress_lines_when_stderr_is_not_a_terminal(trained):
    lines = trained[0].stderr.splitlines()
    assert lines[0] == "training with scale minmax"
    assert [line.split("  ")[0] for line in lines if line.startswith("epoch ")] == [
        "epoch 1/5", "epoch 2/5", "epoch 3/5", "epoch 4/5", "epoch 5/5"]


def test_train_progress_line_shows_train_and_validation_msse_and_best_epoch(trained):
    line = next(line for line in trained[0].stderr.splitlines() if line.startswith("epoch 1/5"))
    h = load(trained[1])["history"]
    assert line == (f"epoch 1/5  train MSSE {h['train_msse'][0]:.4g}  val MSSE {h['val_msse'][0]:.4g}  "
                    "best epoch 1")


def test_train_prints_a_summary_and_the_model_path_on_stderr(trained):
    stderr = trained[0].stderr
    assert "training summary" in stderr
    assert "│ parameters                   │ 213 " in stderr  # LSTM(6) on one feature: 4 * (6 * 7 + 6) = 192,
    # Dense(3): 21
    assert stderr.endswith(f"saved model to {trained[1]}\n")


def test_train_prints_a_plain_line_every_few_epochs_on_long_runs(run, tmp_path):
    result = run("train", AIRLINE, "--past", 3, "--future", 2, "--hidden", 4, "--epochs", 40,
                 "--scale", "minmax", "--patience", 0, "-o", tmp_path / "m.joblib")
    epochs = [int(line.split()[1].split("/")[0]) for line in result.stderr.splitlines()
              if line.startswith("epoch ")]
    assert epochs == [1, *range(2, 41, 2)]


def test_train_quiet_prints_nothing(run, tmp_path):
    result = run("train", AIRLINE, "--past", 3, "--future", 2, *TINY, "-o", tmp_path / "m.joblib", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_train_format_json_prints_the_summary_on_stdout(run, tmp_path):
    path = tmp_path / "m.joblib"
    result = run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", 6, "--epochs", 5,
                 "--scale", "minmax", "-o", path, "--quiet", "--format", "json")
    summary = json.loads(result.stdout)
    d = load(path)
    assert summary == {"output": str(path), "params": 213, "epochs_run": 5,
                       "best_epoch": d["history"]["best_epoch"], "stopped": "completed", "scale": "minmax",
                       "best_val_msse": d["history"]["best_msse"],
                       "val_rmse": {"passengers": d["val_rmse"][0]},
                       "naive_rmse": {"passengers": d["naive_rmse"][0]},
                       "seasonal_naive_rmse": {"passengers": d["snaive_rmse"][0]}, "season": 12,
                       "skill_vs_best": {"passengers": pytest.approx(
                           1 - d["val_rmse"][0] / min(d["naive_rmse"][0], d["snaive_rmse"][0]), rel=1e-12)},
                       "best_baseline": {"passengers": "naive" if d["naive_rmse"][0] < d["snaive_rmse"][0]
                                         else "seasonal_naive"},
                       "variants": {"minmax": {"val_rmse": d["val_rmse"], "score": pytest.approx(
                           d["val_rmse"][0] / d["naive_rmse"][0], rel=1e-12)}},
                       "variants_pending": [], "choice": d["choice"], "scale_option": "minmax"}


def test_train_cell_rnn_builds_a_simple_rnn(run, tmp_path):
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--cell", "rnn", *TINY)
    assert d["network"]["cell"] == "rnn"
    assert d["network"]["flat"].size == 4 * (1 + 4) + 4 + (4 * 2 + 2)  # Wx, Wh, b; Dense


def test_train_layers_2_stacks_two_recurrent_layers(run, tmp_path):
    path = tmp_path / "m.joblib"
    run("train", AIRLINE, "--past", 3, "--future", 2, "--layers", 2, *TINY, "-o", path, "--quiet")
    layers = json.loads(run("info", path, "--format", "json").stdout)["layers"]
    assert layers == [
        {"layer": "LSTM(4) #1", "output_shape": "(None, past, 4)", "params": 4 * (4 * (1 + 4) + 4)},
        {"layer": "LSTM(4) #2", "output_shape": "(None, 4)", "params": 4 * (4 * (4 + 4) + 4)},
        {"layer": "Dense(2)", "output_shape": "(None, 2, 1)", "params": 4 * 2 + 2}]


def test_train_optimizer_sgd_keeps_momentum_state(run, tmp_path):
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--optimizer", "sgd", *TINY)
    assert d["trainer"]["optimizer"] == "sgd"
    assert sorted(d["trainer"]["optimizer_state"]) == ["t", "u"]


def test_train_clip_bounds_how_far_sgd_moves_the_weights(run, tmp_path):
    lr, clip = 0.1, 1e-3
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--hidden", 4, "--epochs", 3, "--scale", "minmax",
              "--optimizer", "sgd", "--lr", lr, "--clip", clip, "--val-frac", 0, "--batch-size", 1000)
    config = {k: v for k, v in d["network"].items() if k != "flat"}
    start = Network(**config).init(np.random.default_rng(0)).flat.astype(np.float64)
    moved = np.linalg.norm(d["network"]["flat"].astype(np.float64) - start)
    # three full-batch steps with momentum 0.9: |u1| + |u2| + |u3| <= lr clip (1 + 1.9 + 2.71)
    assert moved <= lr * clip * 5.61 * 1.01


def test_train_val_frac_sets_the_number_of_validation_windows(run, tmp_path):
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--val-frac", 0.1, *TINY)
    assert d["val_residuals"].shape == (math.ceil((144 - 3 - 2 + 1) * 0.1), 2, 1)


def test_train_val_frac_0_trains_without_validation(run, tmp_path):
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--val-frac", 0, *TINY)
    assert d["history"]["val_msse"] == [None, None, None]
    assert d["val_residuals"].shape == (0, 2, 1)


LR_HIGH = ("--past", 3, "--future", 2, "--hidden", 4, "--epochs", 40, "--lr", 0.1, "--scale", "minmax",
           "--min-steps", 0)


def test_train_patience_stops_after_that_many_epochs_without_improvement(run, tmp_path):
    h = train(run, tmp_path, *LR_HIGH, "--patience", 1)["history"]
    assert h["stopped"] == "early"
    assert len(h["train_msse"]) == h["best_epoch"] + 1 < 40


def test_train_patience_0_turns_early_stopping_off(run, tmp_path):
    h = train(run, tmp_path, *LR_HIGH, "--patience", 0)["history"]
    assert (h["stopped"], len(h["train_msse"])) == ("", 40)


@pytest.mark.parametrize("scale", ["minmax", "standard", "window", "diff", "none"])
def test_train_scale_is_used_and_stored(run, tmp_path, scale):
    d = train(run, tmp_path, "--past", 3, "--future", 2, "--hidden", 4, "--epochs", 3, "--scale", scale)
    assert (d["scale"], d["scaler"]["kind"], d["options"]["scale"]) == (scale, scale, scale)


def test_train_scale_auto_stores_the_chosen_anchor_and_why(run, tmp_path):
    d = train(run, tmp_path, "--past", 12, "--future", 2, "--hidden", 4, "--epochs", 3, "--scale", "auto")
    choice = d["choice"]
    assert (d["scale"], choice["season"]) == ("seasonal", 12)  # monthly airline: seasonal naive wins
    assert choice["reason"].startswith("seasonal naive (m=12)")
    assert choice["network_weight"] in (0.0, 0.25, 0.5, 0.75, 1.0)


def test_info_shows_the_chosen_scaling_and_why(run, tmp_path):
    train(run, tmp_path, "--past", 12, "--future", 2, "--hidden", 4, "--epochs", 3)
    result = run("info", tmp_path / "m.joblib", "--format", "json")
    info = json.loads(result.stdout)
    assert info["choice"]["season"] == 12
    table = run("info", tmp_path / "m.joblib").stderr + run("info", tmp_path / "m.joblib").stdout
    assert "seasonal (chosen by auto), season 12" in table
    words = " ".join(table.replace("│", " ").split())  # the cell's text, unwrapped
    assert "had the lowest RMSE from" in words
    weight = info["choice"]["network_weight"]
    assert (f"the network corrects it with weight {weight:g}" if weight else
            "the network did not beat that baseline") in words


def test_train_season_and_step_options_reach_the_model(run, tmp_path):
    d = train(run, tmp_path, "--past", 12, "--future", 2, "--hidden", 4, "--scale", "seasonal", "--season", 6,
              "--max-steps", 5, "--min-steps", 0)
    assert d["scaler"]["season"].tolist() == [6.0]
    assert (d["options"]["season"], d["options"]["max_steps"], d["options"]["min_steps"]) == (6, 5, 0)
    assert d["history"]["stopped"] == "step budget"
    assert 5 <= d["history"]["steps"] < 5 + 4  # the epoch that reaches the budget ends (4 batches)


@pytest.mark.parametrize(("flag", "value", "bound"), [("--season", 0, 1), ("--max-steps", 0, 1),
                                                      ("--min-steps", -1, 0)])
def test_train_refuses_out_of_range_season_and_step_options(run, tmp_path, flag, value, bound):
    result = run("train", AIRLINE, "--past", 3, "--future", 2, flag, value, "-o", tmp_path / "m.joblib")
    assert result.exit_code == 2
    assert f"must be at least {bound}, got {value}" in result.stderr


def test_train_same_seed_gives_identical_weights(run, tmp_path):
    a = train(run, tmp_path, "--past", 3, "--future", 2, *TINY, "--seed", 7, name="a.joblib")
    b = train(run, tmp_path, "--past", 3, "--future", 2, *TINY, "--seed", 7, name="b.joblib")
    assert a["network"]["flat"].tobytes() == b["network"]["flat"].tobytes()


def test_train_different_seeds_give_different_weights(run, tmp_path):
    a = train(run, tmp_path, "--past", 3, "--future", 2, *TINY, "--seed", 7, name="a.joblib")
    b = train(run, tmp_path, "--past", 3, "--future", 2, *TINY, "--seed", 8, name="b.joblib")
    assert a["network"]["flat"].tobytes() != b["network"]["flat"].tobytes()


def test_train_dtype_float64_keeps_float64_weights(run, tmp_path):
    d = train(run, tmp_path, "--past", 3, "--future", 2, *TINY, "--dtype", "float64")
    assert (d["network"]["dtype"], d["network"]["flat"].dtype) == ("float64", np.float64)


def test_train_default_dtype_is_float32(run, tmp_path):
    assert train(run, tmp_path, "--past", 3, "--future", 2, *TINY)["network"]["flat"].dtype == np.float32


def test_train_several_features_forecast_one_target(seattle_model):
    d = load(seattle_model)
    assert [d["columns"][i] for i in d["feature_idx"]] == ["precipitation", "temp_max", "temp_min", "wind"]
    assert [d["columns"][i] for i in d["target_idx"]] == ["temp_max"]


def test_train_reads_stdin(run, tmp_path):
    path = tmp_path / "m.joblib"
    result = run("train", "-", "--past", 3, "--future", 2, *TINY, "-o", path, "--quiet",
                 input=AIRLINE.read_bytes())
    assert result.exit_code == 0
    assert load(path)["data"]["source"] == "<stdin>"


# -- predict --------------------------------------------------------------------------------------


def test_predict_without_data_forecasts_the_months_after_the_training_data(run, airline_model):
    result = run("predict", airline_model)
    table = rows(result.stdout)
    assert table[0] == ["month", "passengers"]
    assert [r[0] for r in table[1:]] == ["1961-01-01", "1961-02-01", "1961-03-01"]
    assert result.stderr == ""


def test_predict_with_the_training_data_equals_predict_without_data(run, airline_model):
    assert run("predict", airline_model, AIRLINE).stdout == run("predict", airline_model).stdout


def test_predict_with_data_forecasts_after_the_end_of_data(run, airline_model, tmp_path):
    path = tmp_path / "head.csv"
    path.write_text("".join(AIRLINE.read_text().splitlines(keepends=True)[:101]))  # 1949-01 .. 1957-04
    assert [r[0] for r in rows(run("predict", airline_model, path).stdout)[1:]] == [
        "1957-05-01", "1957-06-01", "1957-07-01"]


def test_predict_reads_data_from_stdin(run, airline_model, tmp_path):
    path = tmp_path / "head.csv"
    path.write_text("".join(AIRLINE.read_text().splitlines(keepends=True)[:101]))
    assert run("predict", airline_model, "-", input=path.read_bytes()).stdout == \
        run("predict", airline_model, path).stdout


def test_predict_interval_adds_bounds_around_the_forecast(run, airline_model):
    table = rows(run("predict", airline_model, "--interval", 0.9).stdout)
    assert table[0] == ["month", "passengers", "passengers_lower", "passengers_upper"]
    for _, value, lower, upper in table[1:]:
        assert float(lower) <= float(value) <= float(upper)
        assert float(lower) < float(upper)


def test_predict_interval_keeps_the_point_forecast(run, airline_model):
    plain = rows(run("predict", airline_model).stdout)
    bounded = rows(run("predict", airline_model, "--interval", 0.9).stdout)
    assert [r[:2] for r in bounded] == plain


def test_predict_json_has_the_csv_values(run, airline_model):
    records = json.loads(run("predict", airline_model, "--format", "json").stdout)
    table = rows(run("predict", airline_model).stdout)
    assert records == [{"month": t, "passengers": float(v)} for t, v in table[1:]]


def test_predict_all_windows_is_long_format_from_every_origin(run, airline_model):
    table = rows(run("predict", airline_model, AIRLINE, "--all-windows").stdout)
    assert table[0] == ["origin", "step", "time", "passengers"]
    assert len(table) - 1 == (144 - 6 + 1) * 3
    assert table[1][:3] == ["1949-06-01", "1", "1949-07-01"]
    assert table[-1][:3] == ["1960-12-01", "3", "1961-03-01"]


def test_predict_all_windows_last_origin_equals_predict(run, airline_model):
    """The same forecast, to float32 precision: the last window is computed in a batch of many
    windows in one case and alone in the other, and BLAS sums a matrix product's terms in an
    order that depends on the batch's width (its kernels differ), so the last bits may differ."""
    table = rows(run("predict", airline_model, AIRLINE, "--all-windows").stdout)
    single = rows(run("predict", airline_model).stdout)[1:]
    assert [r[2] for r in table[-3:]] == [r[0] for r in single]
    np.testing.assert_allclose([float(r[3]) for r in table[-3:]], [float(r[1]) for r in single],
                               rtol=1e-6)


def test_predict_output_file(run, airline_model, tmp_path):
    out = tmp_path / "f.csv"
    result = run("predict", airline_model, "-o", out)
    assert result.stdout == ""
    assert out.read_text() == run("predict", airline_model).stdout


# -- forecast timestamps continue the data's frequency --------------------------------------------


def test_forecast_times_continue_monthly_data(run, airline_model):
    assert [r[0] for r in rows(run("predict", airline_model).stdout)] == [
        "month", "1961-01-01", "1961-02-01", "1961-03-01"]


def test_forecast_times_continue_yearly_integer_data(run, sunspots_model):
    assert [r[0] for r in rows(run("predict", sunspots_model).stdout)] == ["year", "1989", "1990", "1991"]


def test_forecast_times_continue_daily_data(run, seattle_model):
    assert rows(run("predict", seattle_model).stdout)[0] == ["date", "temp_max"]
    assert [r[0] for r in rows(run("predict", seattle_model).stdout)[1:]] == [
        "2016-01-01", "2016-01-02", "2016-01-03"]


def test_forecast_without_a_time_column_numbers_the_steps(run, tmp_path):
    path = tmp_path / "m.joblib"
    run("train", AIRLINE, "--time-col", "none", "--past", 3, "--future", 2, *TINY, "-o", path, "--quiet")
    assert [r[0] for r in rows(run("predict", path).stdout)] == ["step", "1", "2"]


def test_resample_is_applied_again_at_predict_time(run, tmp_path):
    path = tmp_path / "m.joblib"
    run("train", SEATTLE, "--target", "temp_max", "--resample", "MS", "--past", 3, "--future", 2, *TINY,
        "-o", path, "--quiet")
    again = run("predict", path, SEATTLE).stdout
    assert again == run("predict", path).stdout
    assert [r[0] for r in rows(again)[1:]] == ["2016-01-01", "2016-02-01"]


# -- evaluate -------------------------------------------------------------------------------------


def test_evaluate_prints_tables_on_stderr_and_nothing_on_stdout(run, airline_model):
    result = run("evaluate", airline_model, AIRLINE)
    assert (result.exit_code, result.stdout) == (0, "")
    # origins 11 (season 12) .. 140 (the last with three known targets)
    assert "rolling-origin evaluation: 130 windows, season 12" in result.stderr
    assert "RMSE per horizon step" in result.stderr
    assert "seasonal naive" in result.stderr


def test_evaluate_csv_has_one_row_per_target_method_and_step(run, airline_model):
    table = rows(run("evaluate", airline_model, AIRLINE, "--format", "csv").stdout)
    assert table[0] == ["target", "method", "step", "mse", "rmse", "mae", "smape", "mase", "skill"]
    assert [(r[1], r[2]) for r in table[1:]] == [
        (m, s) for m in ("model", "naive", "seasonal_naive") for s in ("all", "1", "2", "3")]


def test_evaluate_json_matches_csv(run, airline_model):
    payload = json.loads(run("evaluate", airline_model, AIRLINE, "--format", "json").stdout)
    table = rows(run("evaluate", airline_model, AIRLINE, "--format", "csv").stdout)
    assert (payload["windows"], payload["season"]) == (130, 12)
    assert [[str(v) for v in r.values()] for r in payload["scores"]] == table[1:]


@pytest.fixture
def new_airline(tmp_path) -> Path:
    """airline.csv shifted by half a passenger: data the airline model was not trained on (no warning)."""
    new = tmp_path / "new.csv"
    rows = AIRLINE.read_text().splitlines()
    shifted = (f"{r.split(',')[0]},{float(r.split(',')[1]) + 0.5}" for r in rows[1:])
    new.write_text("\n".join([rows[0], *shifted]))
    return new


def test_evaluate_csv_writes_nothing_on_stderr(run, airline_model, new_airline):
    assert run("evaluate", airline_model, new_airline, "--format", "csv").stderr == ""


def test_evaluate_csv_on_the_training_data_writes_only_the_in_sample_warning(run, airline_model):
    assert run("evaluate", airline_model, AIRLINE, "--format", "csv").stderr == (
        "warning: 136 of the 136 windows of DATA (9 rows each) are windows the model was trained or "
        "validated on: their scores are in-sample; evaluate on data after the training data\n")


def test_evaluate_season_sets_the_seasonal_naive_lag(run, airline_model):
    payload = json.loads(run("evaluate", airline_model, AIRLINE, "--format", "json", "--season", 1).stdout)
    overall = {r["method"]: r for r in payload["scores"] if r["step"] == "all"}
    naive, seasonal = overall["naive"], overall["seasonal_naive"]
    assert payload["season"] == 1
    assert (seasonal["rmse"], seasonal["mae"]) == (naive["rmse"], naive["mae"])  # lag 1 is the naive forecast


def test_evaluate_default_season_of_daily_data_is_7(run, seattle_model):
    assert json.loads(run("evaluate", seattle_model, SEATTLE, "--format", "json").stdout)["season"] == 7


def test_evaluate_plot_writes_a_png(run, airline_model, tmp_path, new_airline):
    pytest.importorskip("matplotlib")
    out = tmp_path / "p.png"
    result = run("evaluate", airline_model, new_airline, "--format", "csv", "--plot", out)
    assert result.exit_code == 0
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert result.stderr == f"wrote plot to {out}\n"


def test_evaluate_plot_without_matplotlib_names_the_plot_extra(run, airline_model, tmp_path, monkeypatch,
                                                               error_line):
    import rnncli.errors

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    # rnncli installed from a package (no pyproject.toml beside it), not from a source checkout
    monkeypatch.setattr(rnncli.errors, "__file__", str(tmp_path / "site-packages" / "rnncli" / "errors.py"))
    result = run("evaluate", airline_model, AIRLINE, "--plot", tmp_path / "p.png")
    assert error_line(result, 1) == "Error: --plot needs matplotlib: pip install 'rnncli[plot]'"
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize(("scale", "windows"), [("minmax", 144 - 12 - 6 + 1), ("diff", 144 - 13 - 6 + 1)])
def test_evaluate_scores_what_all_windows_exports(run, tmp_path, scale, windows):
    """evaluate --format json equals a hand computation on predict --all-windows output.

    diff needs one more row per window (past + 1), so its first origin is one row later.
    """
    past, future, season = 12, 6, 12
    path = tmp_path / "m.joblib"
    run("train", AIRLINE, "--past", past, "--future", future, "--hidden", 6, "--epochs", 5,
        "--scale", scale, "-o", path, "--quiet")
    y = np.loadtxt(AIRLINE, delimiter=",", skiprows=1, usecols=1)
    months = [line.split(",")[0] for line in AIRLINE.read_text().splitlines()[1:]]
    row_of = {f"{m}-01": i for i, m in enumerate(months)}
    forecasts = {}  # (origin row, step) -> forecast
    backtest = run("predict", path, AIRLINE, "--all-windows", "--precision", 17).stdout  # every digit
    for origin, step, _, value in rows(backtest)[1:]:
        forecasts[row_of[origin], int(step)] = float(value)
    origins = sorted({o for o, _ in forecasts if o + future < len(y) and o >= season - 1})
    steps = range(1, future + 1)
    actual = np.array([[y[o + h] for h in steps] for o in origins])
    model = np.array([[forecasts[o, h] for h in steps] for o in origins])
    naive = np.array([[y[o] for _ in steps] for o in origins])
    mase_scale = np.mean(np.abs(y[season:] - y[:-season]))

    def scores(f):
        e = f - actual
        mse = np.mean(e**2)
        return {"mse": mse, "rmse": np.sqrt(mse), "mae": np.mean(np.abs(e)),
                "smape": np.mean(200 * np.abs(e) / (np.abs(actual) + np.abs(f))),
                "mase": np.mean(np.abs(e)) / mase_scale}

    # --precision 17: every digit, so that the scores can be recomputed to 1e-12 (float32 models print 7)
    payload = json.loads(run("evaluate", path, AIRLINE, "--format", "json", "--precision", 17).stdout)
    overall = {r["method"]: r for r in payload["scores"] if r["step"] == "all"}
    assert payload["windows"] == len(origins) == windows
    for method, forecast in (("model", model), ("naive", naive)):
        expected = scores(forecast)
        assert {k: overall[method][k] for k in expected} == pytest.approx(expected, rel=1e-12)
    skill = 1 - scores(model)["rmse"] / scores(naive)["rmse"]
    assert overall["model"]["skill"] == pytest.approx(skill, rel=1e-12)


# -- info -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lstm400(run, tmp_path_factory):
    """LSTM(400) + Dense(8) on one feature, trained for one epoch on 40 months."""
    folder = tmp_path_factory.mktemp("lstm400")
    data = folder / "a40.csv"
    data.write_text("".join(AIRLINE.read_text().splitlines(keepends=True)[:41]))
    path = folder / "m.joblib"
    result = run("train", data, "--hidden", 400, "--future", 8, "--past", 3, "--epochs", 1,
                 "--scale", "minmax", "-o", path, "--quiet")
    assert result.exit_code == 0, result.stderr
    return path


def test_info_shows_keras_like_layer_rows(run, lstm400):
    lines = run("info", lstm400).stderr.splitlines()
    assert "│ LSTM(400)    │ (None, 400)  │ 643,200 │" in lines
    assert "│ Dense(8)     │ (None, 8, 1) │   3,208 │" in lines
    assert "│ Total params │              │ 646,408 │" in lines


def test_info_table_goes_to_stderr_only(run, lstm400):
    result = run("info", lstm400)
    assert (result.exit_code, result.stdout) == (0, "")


def test_info_says_how_training_ended_in_words(run, airline_model):
    s = json.loads(run("info", airline_model, "--format", "json").stdout)["history"]
    words = " ".join(run("info", airline_model).stderr.replace("│", " ").split())
    ended = {"early": "stopped early", "step budget": "stopped at the step budget",
             "interrupted": "interrupted", "completed": "all epochs run"}[s["stopped"]]
    assert f"{s['epochs_run']} epochs" in words
    assert f"best epoch {s['best_epoch']}, {ended}" in words


def test_info_json_total_params(run, lstm400):
    summary = json.loads(run("info", lstm400, "--format", "json").stdout)
    assert summary["total_params"] == 646408
    assert [r["params"] for r in summary["layers"]] == [643200, 3208]


def test_info_shows_the_last_timestamp_as_a_date(run, airline_model):
    stderr = run("info", airline_model).stderr
    assert "│ time column          │ month (last 1960-12-01, frequency MS)" in stderr


def test_info_json_last_timestamp_is_a_date(run, airline_model):
    time = json.loads(run("info", airline_model, "--format", "json").stdout)["time"]
    assert time == {"col": "month", "kind": "datetime", "last": "1960-12-01", "freq": "MS", "step": None}


def test_info_json_last_year_is_an_integer(run, sunspots_model):
    assert json.loads(run("info", sunspots_model, "--format", "json").stdout)["time"]["last"] == 1988


def test_info_json_describes_data_and_training(run, airline_model):
    s = json.loads(run("info", airline_model, "--format", "json").stdout)
    d = load(airline_model)
    assert (s["features"], s["targets"], s["past"], s["future"]) == (["passengers"], ["passengers"], 6, 3)
    assert s["data"]["sha256"] == hashlib.sha256(AIRLINE.read_bytes()).hexdigest()
    assert s["data"]["rows"] == 144
    assert s["history"]["epochs_run"] == 5
    assert s["validation"]["rmse"] == d["val_rmse"]


def test_info_audit_says_a_model_needs_no_global(run, airline_model):
    report = json.loads(run("info", airline_model, "--audit", "--format", "json").stdout)
    assert report["globals"] == []
    assert (report["safe"], report["reasons"]) == (True, [])


def test_info_audit_table_says_the_file_is_safe(run, airline_model):
    result = run("info", airline_model, "--audit")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "│ safe    │ yes: the loader accepts the file: plain data, a valid model │" in result.stderr


# -- the progress display -------------------------------------------------------------------------


def _show(progress_args: dict, epochs: int) -> str:
    """What TrainingProgress draws for one scaling variant of `epochs` epochs."""
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None, **progress_args.pop("console", {}))
    with TrainingProgress(console, epochs, **progress_args) as progress:
        progress.on_variant("minmax", 1, 1)
        for e in range(1, epochs + 1):
            progress.on_epoch(EpochLog(e, epochs, 1.0 / e, 2.0 / e, e, 2.0 / e, True))
    return out.getvalue()


def test_progress_on_a_terminal_is_a_live_bar_not_lines():
    text = _show({"console": {"force_terminal": True}}, 5)
    assert "epoch    5/5" in text
    assert "train MSSE 0.2" in text
    assert "val MSSE 0.4" in text
    assert "epoch 1/5  train" not in text


def test_progress_elsewhere_prints_the_first_every_nth_and_last_epoch():
    lines = _show({}, 45).splitlines()
    assert lines[0] == "training with scale minmax"
    assert [int(line.split()[1].split("/")[0]) for line in lines[1:]] == [1, *range(2, 45, 2), 45]


def test_progress_quiet_draws_nothing():
    assert _show({"quiet": True}, 5) == ""


def test_progress_prints_an_epoch_only_once_when_a_run_stops_at_epoch_1():
    out = io.StringIO()
    with TrainingProgress(Console(file=out, width=120, color_system=None), 45) as progress:
        progress.on_variant("minmax", 1, 1)
        progress.on_epoch(EpochLog(1, 45, 1.0, 2.0, 1, 2.0, True))
    assert out.getvalue() == ("training with scale minmax\n"
                              "epoch 1/45  train MSSE 1  val MSSE 2  best epoch 1\n")


def test_progress_of_a_resumed_run_starts_with_its_first_epoch():
    out = io.StringIO()
    with TrainingProgress(Console(file=out, width=120, color_system=None), 45) as progress:
        progress.on_variant("minmax", 1, 1)
        for e in (7, 8, 9):
            progress.on_epoch(EpochLog(e, 45, 1.0, 2.0, e, 2.0, True))
    assert [line.split("  ")[0] for line in out.getvalue().splitlines()[1:]] == [
        "epoch 7/45", "epoch 8/45", "epoch 9/45"]


# -- train --resume -------------------------------------------------------------------------------

RESUMABLE = ("--past", 6, "--future", 3, "--hidden", 4, "--scale", "minmax", "--patience", 0)


def test_resume_without_repeating_options_continues_like_an_uninterrupted_run(run, tmp_path):
    first = train(run, tmp_path, *RESUMABLE, "--epochs", 3, name="m.joblib")
    resumed = train(run, tmp_path, "--resume", tmp_path / "m.joblib", "--epochs", 6, name="r.joblib")
    whole = train(run, tmp_path, *RESUMABLE, "--epochs", 6, name="u.joblib")
    assert first["history"]["train_msse"] == whole["history"]["train_msse"][:3]
    assert resumed["history"] == whole["history"]
    assert resumed["network"]["flat"].tobytes() == whole["network"]["flat"].tobytes()


def test_resume_keeps_the_model_epoch_total_when_epochs_is_not_given(run, tmp_path):
    train(run, tmp_path, *RESUMABLE, "--epochs", 3, name="m.joblib")
    resumed = train(run, tmp_path, "--resume", tmp_path / "m.joblib", name="r.joblib")
    assert len(resumed["history"]["train_msse"]) == 3


def test_train_without_past_or_resume_is_a_usage_error(run, error_line, tmp_path):
    result = run("train", AIRLINE, "--future", 3, "-o", tmp_path / "m.joblib")
    assert error_line(result, 2, usage=True) == "Error: Missing option '--past' (or --resume a model)."


def test_resuming_a_model_that_stopped_early_says_its_patience_is_used_up(run, tmp_path):
    path = tmp_path / "early.joblib"
    run("train", AIRLINE, "--past", 3, "--future", 1, "--hidden", 4, "--epochs", 300, "--patience", 2,
        "--lr", 0.05, "--scale", "minmax", "-o", path, "--quiet")
    assert load(path)["history"]["stopped"] == "early"
    same = run("train", AIRLINE, "--resume", path, "--epochs", 310, "-o", tmp_path / "again.joblib")
    assert same.exit_code == 0, same.stderr
    assert same.stderr.splitlines()[0] == (
        f"note: '{path}' had already stopped early (2 epochs without a better validation loss, "
        "--patience 2), so the resumed run stops at its first epoch that does not improve; "
        "give --patience more than 2 to train on, or train afresh without --resume")
    more = run("train", AIRLINE, "--resume", path, "--epochs", 310, "--patience", 5,
               "-o", tmp_path / "more.joblib")
    assert more.exit_code == 0, more.stderr
    assert "already stopped early" not in more.stderr
    assert len(load(tmp_path / "more.joblib")["history"]["train_msse"]) > 79


@pytest.mark.parametrize("many", [(), ("--id-col", "variable")], ids=["model", "model-dir"])
def test_train_refuses_output_dash_not_a_file_named_dash(run, error_line, tmp_path, monkeypatch, many):
    monkeypatch.chdir(tmp_path)
    data = SAMPLES / ("seattle_long.csv" if many else "airline.csv")
    result = run("train", data, "--past", "3", "--future", "2", *TINY, *many, "-o", "-")
    assert error_line(result, 2, usage=True) == (
        "Error: -o - would write the model to a file named '-': a model is saved to a file (written "
        "atomically), not to stdout; name one, such as -o model.joblib")
    assert list(tmp_path.iterdir()) == []
