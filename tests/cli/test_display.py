"""What the user sees (issue 13): scores beside both baselines, a display that fits 60, 80 and 120
columns without cutting a number, batch progress in the first epoch, clocks that stop, Ctrl-C said
once, the overlap warning of `evaluate`, and `predict --steps`.
"""

import csv
import io
import re
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from rnncli.cli import cli, progress
from rnncli.cli.output import interruptible
from rnncli.cli.progress import STOPPING, TrainingProgress
from rnncli.cli.seriestables import sweep_table
from rnncli.cli.tables import evaluation_table, horizon_table
from rnncli.engine.train import EpochLog

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
WIDTHS = (60, 80, 120)


def invoke(*args, width: int = 80):
    """`rnncli ARGS` in-process at a terminal width of `width` columns (rich reads COLUMNS)."""
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="rnncli", env={"COLUMNS": str(width)})


def lines_of(text: str) -> list[str]:
    return [line.rstrip("\n") for line in text.splitlines()]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(progress.time, "monotonic", c)
    return c


def live(width: int):
    """A terminal console of `width` columns writing to a buffer, and the rendered lines of a progress."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)

    def render(p: TrainingProgress) -> list[str]:
        lines = console.render_lines(p._progress.get_renderable(), console.options)
        return ["".join(segment.text for segment in line).rstrip() for line in lines]
    return console, render


# -- the live display -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_live_line_fits_the_width_and_shows_every_number_in_full(width, clock):
    console, render = live(width)
    with TrainingProgress(console, 2000) as p:
        p.on_variant("minmax", 1, 2)
        for e in range(1, 1235):
            clock.now += 0.01 if e < 1234 else 0.25  # the last epoch is drawn: 0.25 s since the last draw
            p.on_epoch(EpochLog(e, 2000, 0.0001234, 123.4, e - 7, 0.5, False))
        lines = render(p)
    assert len(lines) == 1
    assert len(lines[0]) <= width
    for number in ("1234/2000", "1.23e-04", "123.4", "ETA 0:00:08"):
        assert number in lines[0]
    if width >= 80:
        assert "best 1227" in lines[0]
    if width >= 120:
        assert "0:00:13" in lines[0]  # the elapsed time


def test_at_120_columns_the_line_has_its_full_labels_and_a_bar(clock):
    console, render = live(120)
    with TrainingProgress(console, 200) as p:
        p.on_variant("minmax", 1, 2)
        p.on_epoch(EpochLog(100, 200, 1.0, 2.0, 100, 2.0, True))
        line = render(p)[0]
    assert line.startswith("scale minmax (1/2) ━")  # the bar, half full
    assert re.search(r"epoch +100/200  train MSSE 1  val MSSE 2  best 100  0:00:00  ETA ", line)


def test_the_first_epoch_shows_its_batches(clock):
    console, render = live(80)
    with TrainingProgress(console, 200) as p:
        p.on_variant("minmax", 1, 1)
        clock.now += 1
        p.on_batch(1, 3, 10)
        during = render(p)[0]
        clock.now += 1
        p.on_epoch(EpochLog(1, 200, 1.0, 2.0, 1, 2.0, True))
        clock.now += 1
        p.on_batch(2, 3, 10)  # later epochs do not count batches
        after = render(p)[0]
    assert "batch 3/10" in during
    assert "1/200" in during
    assert "batch" not in after
    assert "train 1" in after
    assert "best 1  0:00:02  ETA" in after  # at 80 columns and 200 epochs the elapsed time shows


def test_a_variant_clock_stops_when_the_variant_ends(clock):
    console, render = live(120)
    with TrainingProgress(console, 200) as p:
        p.on_variant("minmax", 1, 2)
        clock.now += 5
        p.on_epoch(EpochLog(30, 200, 1.0, 2.0, 10, 2.0, False))  # early stop: the run ends at epoch 30
        p.on_variant("diff", 2, 2)
        clock.now += 100
        p.on_epoch(EpochLog(1, 200, 1.0, 2.0, 1, 2.0, True))
        first, second = render(p)
    assert "0:00:05  ETA done" in first
    assert "0:01:40" in second


def test_ctrl_c_is_said_once_through_the_live_console(clock):
    console, _ = live(80)
    with TrainingProgress(console, 200) as p:
        p.on_variant("minmax", 1, 1)
        p.on_epoch(EpochLog(1, 200, 1.0, 2.0, 1, 2.0, True))
        p.stopping()
        p.stopping()
    out = console.file.getvalue()
    assert out.count(STOPPING) == 1


def test_the_signal_handler_leaves_the_message_to_a_live_display(capsys):
    with interruptible(announce=False) as stop:
        signal.raise_signal(signal.SIGINT)
        assert stop()
    assert capsys.readouterr().err == ""
    with interruptible() as stop:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
    assert capsys.readouterr().err == f"\n{STOPPING}\n"


# -- tables -------------------------------------------------------------------------------------------------


def render(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


SWEEP = [{"rank": r, "model": f"hidden={h} lr={lr} optimizer=adam scale=minmax", "hidden": h, "lr": lr,
          "optimizer": "adam", "scale": "minmax", "val_rmse": v, "naive_rmse": 81.3554,
          "seasonal_naive_rmse": 33.3187, "skill": 1 - v / 81.3554, "skill_vs_best": 1 - v / 33.3187,
          "epochs_run": 200, "seconds": 12.345, "status": "ok", "error": None}
         for r, (h, lr, v) in enumerate([(500, 0.001, 29.0712), (150, 0.0001, 40.1234), (50, 0.01, 58.7196)],
                                        1)]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sweep_table_fits_and_shows_every_swept_value_in_full(width):
    text = render(sweep_table(SWEEP, ["hidden", "lr", "optimizer", "scale"], width=width), width)
    assert max(map(len, lines_of(text))) <= width
    rows = [line for line in lines_of(text) if line.startswith("│")]
    assert len(rows) == 3
    for row, (h, lr, v) in zip(rows, [("500", "0.001", "29.07"), ("150", "0.0001", "40.12"),
                                      ("50", "0.01", "58.72")], strict=True):
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert {h, lr, "adam", "minmax", v} <= set(cells)
        assert "…" not in row


def test_the_sweep_table_drops_seconds_first_and_keeps_skill_vs_best():
    narrow, wide = render(sweep_table(SWEEP, ["hidden", "lr"], width=60), 60), \
        render(sweep_table(SWEEP, ["hidden", "lr"], width=120), 120)
    assert "seconds" in wide
    assert "seconds" not in narrow
    assert "│    12.3 │" in wide
    for text in (narrow, wide):  # skill vs best of rank 1: 1 - 29.07 / 33.32
        assert "│         0.127 │" in text or "│  0.127 │" in text


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """A tiny airline model and its evaluation on the test months at 60, 80 and 120 columns."""
    path = tmp_path_factory.mktemp("display") / "a.joblib"
    result = invoke("train", SAMPLES / "airline_train.csv", "--past", 12, "--future", 6, "--hidden", 4,
                    "--epochs", 3, "-o", path)
    assert result.exit_code == 0, result.stderr
    return path, result, {w: invoke("evaluate", path, SAMPLES / "airline_test.csv", width=w) for w in WIDTHS}


@pytest.mark.parametrize("width", WIDTHS)
def test_evaluate_tables_fit_the_width_without_cutting_numbers(evaluated, width):
    _, _, results = evaluated
    result = results[width]
    assert result.exit_code == 0, result.stderr
    assert max(map(len, lines_of(result.stderr))) <= width
    assert "…" not in result.stderr
    assert "│ seasonal" in result.stderr


def test_a_narrow_evaluation_drops_mae_and_smape_and_keeps_rmse_mase_and_skill():
    ev = {"windows": 3, "season": 12, "targets": ["passengers"], "overall": {}, "per_step": {}}
    import numpy as np

    for m in ("model", "naive", "seasonal_naive"):
        ev["overall"][m] = {k: np.array([123.456]) for k in ("mse", "rmse", "mae", "smape", "mase")}
        ev["per_step"][m] = {k: np.full((2, 1), 123.456) for k in ("mse", "rmse", "mae", "smape", "mase")}
    narrow = render(evaluation_table(ev, width=50), 50)
    header = next(line for line in lines_of(narrow) if "RMSE" in line)
    assert [cell.strip() for cell in header.split("┃")[3:6]] == ["RMSE", "MASE", "naive"]
    assert "MAE" not in narrow
    assert "sMAPE" not in narrow
    assert max(map(len, lines_of(narrow))) <= 50
    assert max(map(len, lines_of(render(horizon_table(ev, width=50), 50)))) <= 50


# -- scores beside both baselines ----------------------------------------------------------------------------


def test_the_training_summary_shows_both_baselines_the_skill_and_why_auto_kept_a_variant(evaluated):
    _, result, _ = evaluated
    err = result.stderr
    for text in ("validation RMSE passengers", "  naive", "  seasonal naive (season 12)",
                 "  skill vs best baseline", "scaling", "(chosen by auto), season 12",
                 "  seasonal naive (m=12)", ": kept as the anchor", "  network correction"):
        assert text in err
    assert max(map(len, lines_of(err)[-16:-2])) <= 80


@pytest.fixture(scope="module")
def beaten(tmp_path_factory):
    """A tiny min-max airline model (3 epochs) that seasonal naive beats on validation."""
    path = tmp_path_factory.mktemp("beaten") / "a.joblib"
    result = invoke("train", SAMPLES / "airline_train.csv", "--past", 12, "--future", 6, "--hidden", 4,
                    "--epochs", 3, "--scale", "minmax", "-o", path)
    assert result.exit_code == 0, result.stderr
    return path, result


def test_a_model_beaten_by_a_baseline_gets_a_warning_line(beaten):
    path, result = beaten
    warnings = [line for line in lines_of(result.stderr) if line.startswith("warning:")]
    assert len(warnings) == 1
    assert re.fullmatch(r"warning: on the validation windows, (seasonal naive|naive) \(RMSE [\d.]+\) "
                        r"beats the model \(RMSE [\d.]+\) on passengers", warnings[0])
    info = invoke("info", path)
    assert info.exit_code == 0
    assert [line for line in lines_of(info.stderr) if line.startswith("warning:")] == warnings
    assert "validation RMSE over 21 windows (seasonal naive: season 12)" in info.stderr
    assert "skill vs best" in info.stderr


# -- evaluate on training data -------------------------------------------------------------------------------


def test_evaluate_on_the_training_data_warns_that_scores_are_in_sample(evaluated):
    path, _, results = evaluated
    result = invoke("evaluate", path, SAMPLES / "airline_train.csv")
    warnings = [line for line in lines_of(result.stderr) if line.startswith("warning:")]
    assert warnings == ["warning: 103 of the 103 windows of DATA (18 rows each) are windows the model was "
                        "trained or validated on: their scores are in-sample; evaluate on data after the "
                        "training data"]
    assert not any(line.startswith("warning:") for line in lines_of(results[80].stderr))


# -- predict --steps -----------------------------------------------------------------------------------------


def test_predict_steps_continues_the_dates_for_any_number_of_steps(evaluated):
    path, _, _ = evaluated
    result = CliRunner().invoke(cli, ["predict", str(path), "--steps", "30"], prog_name="rnncli")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 30
    assert (rows[0]["month"], rows[-1]["month"]) == ("1959-01-01", "1961-06-01")
    six = CliRunner().invoke(cli, ["predict", str(path)], prog_name="rnncli")
    assert result.stdout.splitlines()[:7] == six.stdout.splitlines()


def test_predict_steps_with_an_interval_notes_where_it_is_extrapolated(evaluated):
    path, _, _ = evaluated
    result = CliRunner().invoke(cli, ["predict", str(path), "--steps", "40", "--interval", "0.9"],
                                prog_name="rnncli")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    widths = [float(r["passengers_upper"]) - float(r["passengers_lower"]) for r in rows]
    assert len(widths) == 40
    assert widths[-1] > widths[20]
    assert re.fullmatch(r"note: the validation residuals reach (\d+) steps; the interval beyond step \1 is "
                        r"extrapolated \(half-width x sqrt\(step / reach\)\)\n", result.stderr)


def test_predict_steps_beyond_the_horizon_with_other_features_is_one_error(run, error_line, seattle_model):
    result = run("predict", seattle_model, "--steps", 4)
    assert error_line(result, 2) == (
        "Error: --steps beyond the horizon (3) feeds forecasts back as inputs, but the feature(s) "
        "precipitation, temp_min, wind are not targets, so their future is unknown; use --steps 3 or less, "
        "or train a model whose features are all targets")


def test_a_series_id_is_not_folded_while_another_column_has_room():
    import io

    from rich.console import Console

    from rnncli.cli.seriestables import model_dir_tables

    manifest = {"format": "rnncli-models", "format_version": 1, "counts": {"ok": 2}, "series": [
        {"id": "precipitation", "status": "ok", "rows": 1461, "epochs_run": 100, "val_rmse": [4.123456],
         "naive_rmse": [5.2345]},
        {"id": "temp_max", "status": "ok", "rows": 1461, "epochs_run": 100, "val_rmse": [2.123456],
         "naive_rmse": [3.2345]}]}
    out = io.StringIO()
    Console(width=80, file=out).print(model_dir_tables("models", manifest, 80)[1])
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= 80
    ids = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert ids == ["precipitation", "temp_max"]
