"""--plot on evaluate, predict and info: the file's format, and the data the figure holds."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


def lines_by_gid(ax) -> dict:
    return {line.get_gid(): line for line in ax.get_lines()}


@pytest.fixture(scope="module")
def airline_eval(airline_model):
    """(model, series, evaluate's result) for the session's airline model (--past 6 --future 3)."""
    from rnncli.cli.inputs import load_model, read_for_model

    d, model = load_model(str(airline_model))
    series = read_for_model(d, str(AIRLINE), ",", "utf-8")
    return model, series, model.evaluate(series, season=12)


# --- the figures' data --------------------------------------------------------------------------------


def test_evaluation_figure_has_a_fan_and_a_panel_per_horizon_step(airline_eval):
    pytest.importorskip("matplotlib")
    from rnncli.cli.plot import MAX_FAN_LINES, evaluation_figure

    model, series, ev = airline_eval
    fig = evaluation_figure(ev, series.time, model.future, series.time_col)
    fan, *steps = fig.axes
    assert len(steps) == model.future == 3
    assert [ax.get_title() for ax in steps] == [f"passengers, step {h} of 3 (t+{h})" for h in (1, 2, 3)]
    o = ev["origins"]
    for h, ax in enumerate(steps, start=1):
        got = lines_by_gid(ax)
        for method in ("model", "naive", "seasonal_naive"):
            np.testing.assert_array_equal(got[method].get_xdata(), series.time[o + h])
            np.testing.assert_array_equal(got[method].get_ydata(), ev["forecasts"][method][:, h - 1, 0])
        assert ax.get_xlabel() == "month"
        assert ax.get_ylabel() == "passengers"
    # the actual values run from the first origin's step 1 to the last origin's step M (the last M-1 rows)
    actual = lines_by_gid(fan)["actual"]
    np.testing.assert_array_equal(actual.get_xdata(), series.time[o[0] + 1: o[-1] + 4])
    np.testing.assert_array_equal(actual.get_ydata(), series.values[o[0] + 1: o[-1] + 4, 0])
    assert actual.get_xdata()[-1] == series.time[-1]
    fan_lines = [line for line in fan.get_lines() if line.get_gid().startswith("fan-")]
    assert len(o) > MAX_FAN_LINES
    assert len(fan_lines) == MAX_FAN_LINES
    assert (fan_lines[0].get_gid(), fan_lines[-1].get_gid()) == ("fan-0", f"fan-{len(o) - 1}")
    np.testing.assert_array_equal(fan_lines[-1].get_xdata(), series.time[o[-1] + 1: o[-1] + 4])
    np.testing.assert_array_equal(fan_lines[-1].get_ydata(), ev["forecasts"]["model"][-1, :, 0])


def test_evaluation_figure_legends_carry_each_methods_rmse_at_the_step_and_overall(airline_eval):
    pytest.importorskip("matplotlib")
    from rnncli.cli.plot import evaluation_figure

    model, series, ev = airline_eval
    step2 = evaluation_figure(ev, series.time, model.future, series.time_col).axes[2]
    labels = [t.get_text() for t in step2.get_legend().get_texts()]
    rmse = {m: ev["per_step"][m]["rmse"][1, 0] for m in ev["per_step"]}
    overall = {m: ev["overall"][m]["rmse"][0] for m in ev["overall"]}
    assert labels == ["actual",
                      f"model: RMSE {rmse['model']:.4g} (all steps {overall['model']:.4g})",
                      f"naive: RMSE {rmse['naive']:.4g} (all steps {overall['naive']:.4g})",
                      f"seasonal naive: RMSE {rmse['seasonal_naive']:.4g} "
                      f"(all steps {overall['seasonal_naive']:.4g})"]


def test_evaluation_figure_dates_use_the_concise_formatter(airline_eval):
    pytest.importorskip("matplotlib")
    from matplotlib.dates import ConciseDateFormatter

    from rnncli.cli.plot import evaluation_figure

    model, series, ev = airline_eval
    fig = evaluation_figure(ev, series.time, model.future, series.time_col)
    assert all(isinstance(ax.xaxis.get_major_formatter(), ConciseDateFormatter) for ax in fig.axes)


@pytest.mark.parametrize(("future", "steps"), [(1, [1]), (6, [1, 2, 3, 4, 5, 6]), (12, [1, 3, 5, 8, 10, 12])])
def test_chosen_steps_are_all_steps_or_six_spread_from_first_to_last(future, steps):
    from rnncli.cli.plot import chosen_steps

    assert chosen_steps(future) == steps


def test_forecast_figure_holds_history_forecast_and_band():
    pytest.importorskip("matplotlib")
    from rnncli.cli.plot import forecast_figure
    from rnncli.model.forecaster import Forecast

    history = np.array([[1.0], [2.0], [3.0]])
    fc = Forecast(np.array([[4.0], [5.0]]), ["y"], np.array([[3.5], [4.0]]), np.array([[4.5], [6.0]]), 0.9)
    ax = forecast_figure(history, None, fc, None).axes[0]
    got = lines_by_gid(ax)
    np.testing.assert_array_equal(got["history"].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(got["history"].get_ydata(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(got["forecast"].get_xdata(), [2, 3, 4])  # joined to the last observation
    np.testing.assert_array_equal(got["forecast"].get_ydata(), [3.0, 4.0, 5.0])
    (band,) = [c for c in ax.collections if c.get_gid() == "interval"]
    path = band.get_paths()[0].vertices
    assert {tuple(v) for v in path} >= {(3.0, 3.5), (4.0, 4.0), (3.0, 4.5), (4.0, 6.0)}
    assert ax.get_ylabel() == "y"


def test_learning_curve_figure_holds_both_curves_and_marks_the_best_epoch():
    pytest.importorskip("matplotlib")
    from rnncli.cli.plot import learning_curve_figure

    history = {"train_msse": [3.0, 2.0, 1.0, 0.5], "val_msse": [4.0, 2.5, 3.0, 3.5], "best_epoch": 2,
               "best_msse": 2.5, "stopped": "early"}
    ax = learning_curve_figure(history).axes[0]
    got = lines_by_gid(ax)
    np.testing.assert_array_equal(got["train"].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(got["train"].get_ydata(), [3.0, 2.0, 1.0, 0.5])
    np.testing.assert_array_equal(got["validation"].get_ydata(), [4.0, 2.5, 3.0, 3.5])
    np.testing.assert_array_equal(got["best"].get_xdata(), [2])
    np.testing.assert_array_equal(got["best"].get_ydata(), [2.5])
    assert (ax.get_xlabel(), ax.get_yscale()) == ("epoch", "log")


# --- the commands: file format by extension -------------------------------------------------------------


@pytest.mark.parametrize(("command", "fmt"), [("evaluate", "png"), ("evaluate", "svg"), ("evaluate", "pdf"),
                                            ("predict", "png"), ("info", "pdf")])
def test_plot_writes_the_format_of_its_extension_and_the_usual_output(run, airline_model, tmp_path, command,
                                                                      fmt):
    pytest.importorskip("matplotlib")
    args = {"evaluate": [airline_model, AIRLINE, "--format", "csv"],
            "predict": [airline_model, "--interval", "0.9"],
            "info": [airline_model, "--format", "json"]}[command]
    out = tmp_path / f"plot.{fmt}"
    result = run(command, *args, "--plot", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(SIGNATURES[fmt])
    assert [p.name for p in tmp_path.iterdir()] == [f"plot.{fmt}"]  # no temp file left
    assert result.stdout == run(command, *args).stdout  # the data on stdout is what it is without --plot
    assert result.stderr.endswith(f"wrote plot to {out}\n")


def test_predict_plot_without_data_dates_the_models_last_rows(airline_model):
    from rnncli.cli.inputs import load_model
    from rnncli.io.like import times_through_end

    model = load_model(str(airline_model))[1]
    times = times_through_end(model, len(model.tail_))
    assert len(times) == len(model.tail_) >= 6
    np.testing.assert_array_equal(times[-3:], np.array(["1960-10-01", "1960-11-01", "1960-12-01"],
                                                       dtype="datetime64[ns]"))


@pytest.mark.parametrize("command", ["evaluate", "predict", "info"])
def test_plot_with_an_unknown_extension_is_a_usage_error_before_any_work(run, error_line, tmp_path, command):
    args = {"evaluate": ["missing.joblib", "missing.csv"], "predict": ["missing.joblib"],
            "info": ["missing.joblib"]}[command]
    result = run(command, *args, "--plot", tmp_path / "p.jpg")
    assert error_line(result, 2, usage=True) == (
        f"Error: Invalid value for '--plot': '{tmp_path / 'p.jpg'}' has no plot format; end the name in "
        ".png, .svg, .pdf (e.g. eval.png)")


def test_install_hint_from_a_source_checkout_installs_the_checkout(monkeypatch, tmp_path):
    import rnncli.errors
    from rnncli.errors import install_hint

    root = Path(rnncli.errors.__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    assert install_hint("plot") == "pip install -e '.[plot]'"
    monkeypatch.chdir(tmp_path)
    assert install_hint("excel") == f"pip install -e '{root}[excel]'"


def test_predict_plot_without_matplotlib_names_the_extra(run, error_line, airline_model, tmp_path,
                                                         monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("predict", airline_model, "--plot", tmp_path / "p.png")
    assert error_line(result, 1).startswith("Error: --plot needs matplotlib: pip install ")
    assert not (tmp_path / "p.png").exists()


# --- precision ------------------------------------------------------------------------------------------


def significant_digits(cell: str) -> int:
    return len(cell.replace("-", "").replace(".", "").split("e")[0].lstrip("0").rstrip("0") or "0")


def test_a_float32_models_forecast_prints_seven_significant_digits(run, airline_model):
    from rnncli.cli.inputs import load_model

    model = load_model(str(airline_model))[1]
    assert model.dtype == "float32"
    lines = run("predict", airline_model, "--interval", "0.9").stdout.splitlines()
    want = model.predict(interval=0.9)
    for h, line in enumerate(lines[1:]):
        cells = line.split(",")[1:]
        assert [float(c) for c in cells] == [float(f"{v:.7g}") for v in
                                             (want.values[h, 0], want.lower[h, 0], want.upper[h, 0])]
        assert max(significant_digits(c) for c in cells) <= 7


def test_precision_sets_the_significant_digits_of_predict_and_evaluate(run, airline_model):
    forecast = run("predict", airline_model, "--precision", 3).stdout.splitlines()[1]
    assert significant_digits(forecast.split(",")[1]) <= 3
    full = run("predict", airline_model, "--precision", 17).stdout.splitlines()[1]
    from rnncli.cli.inputs import load_model

    assert float(full.split(",")[1]) == load_model(str(airline_model))[1].predict().values[0, 0]  # exact
    scores = json.loads(run("evaluate", airline_model, AIRLINE, "--format", "json", "--precision", 2).stdout)
    assert all(significant_digits(repr(r["rmse"])) <= 2 for r in scores["scores"])


def test_window_prints_the_data_exactly_unless_precision(run, tmp_path):
    values = [0.12345678901234566, 1234567.8901234567, 3.0, 2.5e-10]
    path = tmp_path / "d.csv"
    path.write_text("x\n" + "".join(f"{v!r}\n" for v in values))
    exact = run("window", path, "--past", 1, "--future", 1).stdout.splitlines()
    assert [float(line.split(",")[0]) for line in exact[1:]] == values[:-1]
    short = run("window", path, "--past", 1, "--future", 1, "--precision", 3).stdout.splitlines()
    assert short[1:] == ["0.123,1230000.0", "1230000.0,3.0", "3.0,2.5e-10"]


@pytest.mark.parametrize("value", ["0", "18", "x"])
def test_precision_outside_1_to_17_is_a_usage_error(run, error_line, airline_model, value):
    result = run("predict", airline_model, "--precision", value)
    assert error_line(result, 2, usage=True).startswith("Error: Invalid value for '--precision'")


def test_readme_shows_a_plot_of_each_kind_checked_into_docs():
    import re

    root = Path(__file__).resolve().parents[2]
    images = re.findall(r"!\[[^\]]*\]\((docs/[^)]+)\)", (root / "README.md").read_text(encoding="utf-8"))
    assert sorted(images) == ["docs/evaluate.png", "docs/info.png", "docs/predict.png"]
    for image in images:
        assert (root / image).read_bytes().startswith(SIGNATURES["png"]), image
    assert (root / "scripts" / "make_docs_plots.py").is_file()


def test_a_float64_model_prints_every_digit_and_a_float32_model_seven():
    from types import SimpleNamespace

    from rnncli.cli.tables import model_digits, rounded

    records = [{"t": "1959-01-01", "y": 329.56438159942627, "step": 1, "none": None}]
    assert rounded(records, model_digits(SimpleNamespace(dtype="float64"))) == records
    assert rounded(records, model_digits(SimpleNamespace(dtype="float32"))) == [
        {"t": "1959-01-01", "y": 329.5644, "step": 1, "none": None}]
    assert rounded([{"y": float("nan")}], 3)[0]["y"] != rounded([{"y": float("nan")}], 3)[0]["y"]  # NaN kept
