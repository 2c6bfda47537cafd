"""Many series from the command line: `train --id-col` into a model directory, locally (-j) or on a
Dask cluster (--scheduler), then `predict`, `evaluate` and `info` on the directory, and `sweep`.

The long CSV holds four short noisy monthly sines (s0..s3), a series too short to train and a constant
one; every model is tiny (hidden 4, 3 epochs, past 4, future 2, min-max scaling). The Dask tests start a
real `distributed.LocalCluster` (two worker processes bound to 127.0.0.1) once for the module, and are
skipped when the `dask` extra is not installed.
"""

import csv
import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rnncli.cli.progress import SeriesProgress
from rnncli.io import csv as csvio
from rnncli.io import modeldir
from rnncli.io.artifact import load
from rnncli.multi import parallel as par

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
TINY = ("--past", 4, "--future", 2, "--hidden", 4, "--epochs", 3, "--scale", "minmax")
GOOD = ["s0", "s1", "s2", "s3"]
SHORT = ("the data has 5 rows but --past 4 + --future 2 needs at least 6; use a longer series or lower "
         "--past/--future")
FLAT = ("the target 'sales' is constant (7 in all 40 rows): there is nothing to learn; drop the series or "
        "forecast it as that value")


def months(n: int) -> list[str]:
    return [f"{2000 + t // 12}-{t % 12 + 1:02d}-01" for t in range(n)]


def long_rows(ids=(*GOOD, "short", "flat"), cut: int | None = None) -> list[list]:
    """Rows of the long CSV (store, month, sales); `cut` keeps each series' first rows only."""
    rng = np.random.default_rng(1)
    rows = []
    for i, name in enumerate(GOOD):
        n = 40 + 3 * i
        values = np.round(10 + 3 * np.sin(np.arange(n) / 3 + i) + rng.normal(0, 0.3, n), 3)
        rows += [[name, m, v] for m, v in zip(months(n), values, strict=True)][:cut]
    rows += [["short", m, t] for t, m in enumerate(months(5))]
    rows += [["flat", m, 7] for m in months(40)]
    return [r for r in rows if r[0] in ids]


def write_long(path, rows) -> str:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["store", "month", "sales"])
        w.writerows(rows)
    return str(path)


def table(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def weights(directory) -> dict:
    return {e["id"]: load(os.path.join(directory, e["file"]))["network"]["flat"]
            for e in modeldir.read_manifest(directory)["series"] if e["status"] == "ok"}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """The long CSVs: "mixed" (all six series), "good" (s0..s3), "bad" (short, flat)."""
    folder = tmp_path_factory.mktemp("long")
    return {"mixed": write_long(folder / "long.csv", long_rows()),
            "good": write_long(folder / "good.csv", long_rows(GOOD)),
            "bad": write_long(folder / "bad.csv", long_rows(("short", "flat")))}


@pytest.fixture(scope="module")
def trained(run, data, tmp_path_factory):
    """`train long.csv --id-col store` on the mixed file: (result, model directory)."""
    directory = str(tmp_path_factory.mktemp("dir") / "models")
    return run("train", data["mixed"], "--id-col", "store", *TINY, "-o", directory), directory


# -- train --id-col -------------------------------------------------------------------------------------


def test_some_failed_series_exit_3_and_are_listed_in_failures_csv(trained):
    result, directory = trained
    assert result.exit_code == 3
    assert result.stdout == ""
    with open(os.path.join(directory, "failures.csv")) as f:
        assert list(csv.reader(f)) == [["id", "error"], ["short", SHORT], ["flat", FLAT]]


def test_the_manifest_records_every_series_and_the_run(trained, data):
    manifest = modeldir.read_manifest(trained[1])
    assert manifest["counts"] == {"ok": 4, "failed": 2, "cancelled": 0}
    assert [(e["id"], e["status"], e["file"]) for e in manifest["series"]] == [
        *((k, "ok", f"series/{k}.joblib") for k in GOOD), ("short", "failed", None), ("flat", "failed", None)]
    assert manifest["id_col"] == "store"
    assert manifest["options"]["hidden"] == 4
    with open(data["mixed"], "rb") as f:
        assert manifest["data_sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert manifest["read"] == {"delimiter": ",", "encoding": "utf-8", "time_col": "month", "fill": "error",
                                "resample": None, "smooth": None, "freq": None, "time_format": None,
                                "tz": None, "no_header": False, "decimal": ".", "thousands": None,
                                "targets": [], "features": []}
    assert sorted(os.listdir(os.path.join(trained[1], "series"))) == [f"{k}.joblib" for k in GOOD]


def test_each_series_file_is_a_model_that_says_what_it_was_trained_on(trained):
    d = load(os.path.join(trained[1], "series", "s1.joblib"))
    assert d["data"]["source"] == "long.csv"
    assert d["data"]["rows"] == 43
    assert (d["data"]["id_col"], d["data"]["series_id"]) == ("store", "s1")
    assert d["data"]["read"]["time_col"] == "month"
    assert d["created"]


def test_the_summary_on_stderr_names_the_failures(trained):
    result, directory = trained
    lines = result.stderr.splitlines()
    assert lines[0].startswith("series 1/6 done, 0 failed  elapsed ")
    failures = os.path.join(directory, "failures.csv")
    assert lines[-5:] == ["6 series: 4 trained, 2 failed, 0 cancelled", f"  short: {SHORT}",
                          f"  flat: {FLAT}", f"the failures are listed in {failures}",
                          f"saved the model directory {directory}"]


def test_all_series_trained_exit_0_and_leave_no_failures_csv(run, data, tmp_path):
    result = run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert modeldir.read_manifest(tmp_path / "m")["counts"] == {"ok": 4, "failed": 0, "cancelled": 0}
    assert not (tmp_path / "m" / "failures.csv").exists()


def test_no_series_trained_is_exit_1_and_one_error_line(run, error_line, data, tmp_path):
    result = run("train", data["bad"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "--quiet")
    assert error_line(result, 1) == ("Error: no series could be trained (2 failed, 0 cancelled); the "
                                     f"reasons are in {tmp_path / 'm' / 'failures.csv'}")
    assert modeldir.read_manifest(tmp_path / "m")["counts"] == {"ok": 0, "failed": 2, "cancelled": 0}


def test_the_directory_defaults_to_models(run, data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("train", data["good"], "--id-col", "store", *TINY, "--quiet")
    assert result.exit_code == 0
    assert modeldir.is_model_dir(tmp_path / "models")
    assert not (tmp_path / "model.joblib").exists()


def test_format_json_prints_the_counts_on_stdout(run, data, tmp_path):
    result = run("train", data["mixed"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q",
                 "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout) == {
        "output": str(tmp_path / "m"), "series": 6, "trained": 4, "already_trained": 0, "failed": 2,
        "cancelled": 0, "failures": str(tmp_path / "m" / "failures.csv")}


def test_fail_fast_cancels_the_series_after_the_first_failure(run, data, tmp_path):
    result = run("train", data["mixed"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q",
                 "--fail-fast")
    assert result.exit_code == 3
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert [e["status"] for e in manifest["series"]] == ["ok"] * 4 + ["failed", "cancelled"]


@pytest.mark.slow
def test_two_processes_write_the_weights_of_one(run, data, tmp_path):
    for jobs in ("1", "2"):
        result = run("train", data["good"], "--id-col", "store", *TINY, "-j", jobs, "-o", tmp_path / jobs,
                     "-q")
        assert result.exit_code == 0, result.stderr
    one, two = weights(tmp_path / "1"), weights(tmp_path / "2")
    assert list(one) == list(two) == GOOD
    assert all(np.array_equal(one[k], two[k]) for k in GOOD)


def test_an_unknown_id_column_is_one_error(run, error_line, data, tmp_path):
    result = run("train", data["mixed"], "--id-col", "shop", *TINY, "-o", tmp_path / "m")
    assert error_line(result, 2) == (f"Error: unknown --id-col 'shop' in {data['mixed']}; available columns: "
                                     "store, month, sales")
    assert not (tmp_path / "m").exists()


def test_a_directory_that_is_not_a_model_directory_is_refused_before_training(run, error_line, data,
                                                                                tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run("train", data["mixed"], "--id-col", "store", *TINY, "-o", tmp_path)
    assert error_line(result, 1) == (f"Error: '{tmp_path}' is not empty and is not an rnncli model "
                                     "directory; choose a new or empty directory")


# -- --resume -------------------------------------------------------------------------------------------


def test_an_interrupted_run_keeps_what_it_trained_for_resume(run, data, tmp_path, monkeypatch):
    train_many = par.train_many

    def interrupted(series, options, *, on_result, **kwargs):
        train_many(dict(list(series.items())[:2]), options, on_result=on_result, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(par, "train_many", interrupted)
    result = run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q")
    assert result.exit_code == 130
    assert result.stderr == (f"interrupted: 2 trained series are saved in {tmp_path / 'm'}; train again with "
                             "--resume to train the rest\n")
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert (manifest["complete"], [e["id"] for e in manifest["series"]]) == (False, ["s0", "s1"])
    monkeypatch.setattr(par, "train_many", train_many)
    resumed = run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q", "--resume",
                  "--format", "json")
    assert (json.loads(resumed.stdout)["trained"], json.loads(resumed.stdout)["already_trained"]) == (2, 2)


def test_resume_trains_nothing_when_nothing_changed(run, data, tmp_path):
    args = ("train", data["mixed"], "--id-col", "store", *TINY, "-o", tmp_path / "m")
    assert run(*args, "-q").exit_code == 3
    before = weights(tmp_path / "m")
    result = run(*args, "--resume")
    assert result.exit_code == 3
    assert "6 series: 0 trained, 4 already trained, 2 failed, 0 cancelled" in result.stderr.splitlines()
    after = weights(tmp_path / "m")
    assert all(np.array_equal(before[k], after[k]) for k in GOOD)
    assert modeldir.read_manifest(tmp_path / "m")["counts"] == {"ok": 4, "failed": 2, "cancelled": 0}


def test_resume_trains_only_the_series_whose_data_changed(run, data, tmp_path):
    rows = [r for r in long_rows(GOOD) if (r[0], r[1]) != ("s2", "2000-01-01")]
    changed = write_long(tmp_path / "changed.csv", rows)
    run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q")
    result = run("train", changed, "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q", "--resume",
                 "--format", "json")
    assert result.exit_code == 0
    assert (json.loads(result.stdout)["trained"], json.loads(result.stdout)["already_trained"]) == (1, 3)


def test_resume_dir_alone_takes_the_id_column_and_options_from_the_manifest(run, data, tmp_path):
    run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q")
    result = run("train", data["good"], "--resume", tmp_path / "m", "-q", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["already_trained"] == 4


def test_resume_and_another_output_is_a_usage_error(run, error_line, data, tmp_path):
    result = run("train", data["good"], "--id-col", "store", *TINY, "--resume", tmp_path / "a",
                 "-o", tmp_path / "b")
    assert error_line(result, 2, usage=True) == (
        f"Error: --resume {tmp_path / 'a'} and -o {tmp_path / 'b'} name different model directories; give "
        "one of them")


def test_resume_without_a_model_on_one_series_is_a_usage_error(run, error_line, data, tmp_path):
    result = run("train", data["good"], *TINY, "--resume", "-o", tmp_path / "m.joblib")
    assert error_line(result, 2, usage=True) == (
        "Error: --resume needs the MODEL file to continue (a model directory needs --id-col)")


# -- where it runs: -j, --scheduler ------------------------------------------------------------------


@pytest.mark.parametrize("option", [("-j", 2), ("--scheduler", "tcp://127.0.0.1:8786"),
                                    ("--connect-timeout", 3), ("--chunk-size", 2), ("--fail-fast",)])
def test_parallel_options_without_id_col_are_a_usage_error(run, error_line, data, tmp_path, option):
    result = run("train", data["good"], *TINY, *option, "-o", tmp_path / "m.joblib")
    flag = {"-j": "-j/--n-jobs"}.get(option[0], option[0])
    assert error_line(result, 2, usage=True) == (
        f"Error: {flag} trains many series at once: add --id-col NAME (the column that tells the series of a "
        "long CSV apart)")


def test_n_jobs_and_scheduler_together_are_a_usage_error(run, error_line, data, tmp_path):
    result = run("train", data["good"], "--id-col", "store", *TINY, "-j", 2, "--scheduler", "tcp://h:8786",
                 "-o", tmp_path / "m")
    assert error_line(result, 2, usage=True) == (
        "Error: use either -j/--n-jobs (local processes) or --scheduler (a Dask cluster), not both")


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_error_within_the_timeout(run, error_line, data, tmp_path):
    pytest.importorskip("distributed")
    start = time.monotonic()
    result = run("train", data["good"], "--id-col", "store", *TINY, "--scheduler", "tcp://127.0.0.1:1",
                 "--connect-timeout", 1, "-o", tmp_path / "m")
    assert time.monotonic() - start < 10
    assert error_line(result, 1).startswith(
        "Error: cannot connect to the Dask scheduler at tcp://127.0.0.1:1 within 1 s (")
    assert not (tmp_path / "m").exists()


SCHEME_ERROR = ("Error: invalid --scheduler 'foo://x'; use a Dask scheduler address such as tcp://host:8786 "
                "(schemes: tcp, tls, inproc, ws, wss, ucx)")


def test_an_unknown_scheme_is_one_error(run, error_line, data, tmp_path):
    result = run("train", data["good"], "--id-col", "store", *TINY, "--scheduler", "foo://x", "-o", tmp_path)
    assert error_line(result, 1) == SCHEME_ERROR


def test_the_scheduler_comes_from_rnncli_scheduler(run, error_line, data, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCLI_SCHEDULER", "foo://x")
    result = run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m")
    assert error_line(result, 1) == SCHEME_ERROR


def test_n_jobs_overrides_rnncli_scheduler_and_one_series_ignores_it(run, data, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCLI_SCHEDULER", "foo://x")
    local = run("train", data["good"], "--id-col", "store", *TINY, "-j", 1, "-o", tmp_path / "m", "-q")
    assert local.exit_code == 0, local.stderr
    one = write_long(tmp_path / "one.csv", long_rows(("s0",)))
    single = run("train", one, *TINY, "--target", "sales", "--features", "sales", "-o", tmp_path / "x.joblib",
                 "-q")
    assert single.exit_code == 0, single.stderr


# -- predict, evaluate, info on a model directory ---------------------------------------------------------


def test_predict_forecasts_every_series_with_a_model_after_its_training_data(run, trained):
    result = run("predict", trained[1])
    assert result.exit_code == 0
    rows = table(result.stdout)
    assert list(rows[0]) == ["store", "month", "sales"]
    assert [(r["store"], r["month"]) for r in rows] == [
        ("s0", "2003-05-01"), ("s0", "2003-06-01"), ("s1", "2003-08-01"), ("s1", "2003-09-01"),
        ("s2", "2003-11-01"), ("s2", "2003-12-01"), ("s3", "2004-02-01"), ("s3", "2004-03-01")]
    assert result.stderr == "skipped 2 series without a model (failed in training): short, flat\n"


def test_predict_of_a_series_equals_predict_of_its_model_file(run, trained):
    rows = table(run("predict", trained[1], "--id", "s2").stdout)
    alone = table(run("predict", os.path.join(trained[1], "series", "s2.joblib")).stdout)
    assert [{k: v for k, v in r.items() if k != "store"} for r in rows] == alone


def test_predict_id_chooses_series_in_the_order_given(run, trained):
    result = run("predict", trained[1], "--id", "s3", "--id", "s1")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [r["store"] for r in table(result.stdout)] == ["s3", "s3", "s1", "s1"]


def test_predict_an_unknown_id_lists_some_known_ones(run, error_line, trained):
    result = run("predict", trained[1], "--id", "s1", "--id", "nope")
    assert error_line(result, 2) == (f"Error: unknown --id 'nope' in '{trained[1]}'; it has: s0, s1, s2, s3, "
                                     "short, ... (6 in all)")


def test_predict_a_series_without_a_model_says_why(run, error_line, trained):
    result = run("predict", trained[1], "--id", "flat")
    assert error_line(result, 1) == f"Error: series 'flat' in '{trained[1]}' has no model (failed: {FLAT})"


def test_predict_with_data_forecasts_after_the_end_of_each_series_rows(run, trained, tmp_path):
    path = write_long(tmp_path / "new.csv", long_rows(("s1", "s3"), cut=30))
    result = run("predict", trained[1], path, "--format", "json", "--precision", 17)  # every digit
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert [(r["store"], r["month"]) for r in got] == [
        ("s1", "2002-07-01"), ("s1", "2002-08-01"), ("s3", "2002-07-01"), ("s3", "2002-08-01")]
    series = csvio.read_long_csv(path, "store").series["s3"]
    want = modeldir.load_series(trained[1], "s3").predict(series).values[:, 0]
    assert [r["sales"] for r in got[2:]] == want.tolist()


def test_predict_with_data_names_the_series_it_cannot_forecast(run, trained, tmp_path):
    rows = long_rows(("s1",), cut=30) + long_rows(("s2",), cut=3)
    result = run("predict", trained[1], write_long(tmp_path / "new.csv", rows))
    assert result.exit_code == 3
    assert [r["store"] for r in table(result.stdout)] == ["s1", "s1"]
    assert result.stderr.startswith(f"series 's2' could not be forecast: {tmp_path / 'new.csv'} [store=s2]: ")


def test_evaluate_scores_each_series_then_the_mean_over_series(run, trained, data):
    result = run("evaluate", trained[1], data["mixed"], "--format", "csv", "--precision", 17)  # every digit
    assert result.exit_code == 0
    rows = table(result.stdout)
    assert list(rows[0]) == ["series", "target", "method", "windows", "season", "mse", "rmse", "mae", "smape",
                             "mase", "skill"]
    assert [(r["series"], r["method"]) for r in rows] == [
        (k, m) for k in [*GOOD, "ALL"] for m in ("model", "naive", "seasonal_naive")]
    model = {r["series"]: float(r["rmse"]) for r in rows if r["method"] == "model"}
    naive = {r["series"]: float(r["rmse"]) for r in rows if r["method"] == "naive"}
    assert model["ALL"] == pytest.approx(np.mean([model[k] for k in GOOD]), rel=1e-12)
    overall = next(r for r in rows if (r["series"], r["method"]) == ("ALL", "model"))
    assert float(overall["skill"]) == pytest.approx(1 - model["ALL"] / naive["ALL"], rel=1e-12)
    assert int(overall["windows"]) == sum(int(r["windows"]) for r in rows[:-3] if r["method"] == "model")
    assert result.stderr == "skipped 2 series without a model (failed in training): short, flat\n"


def test_evaluate_of_a_series_matches_evaluate_of_its_model_file(run, trained, tmp_path):
    path = write_long(tmp_path / "s0.csv", long_rows(("s0",)))
    rows = table(run("evaluate", trained[1], path, "--id", "s0", "--format", "csv").stdout)
    alone = tmp_path / "one.csv"
    alone.write_text("month,sales\n" + "".join(f"{m},{v}\n" for _, m, v in long_rows(("s0",))))
    single = [r for r in table(run("evaluate", os.path.join(trained[1], "series", "s0.joblib"), alone,
                                   "--format", "csv").stdout) if r["step"] == "all"]
    assert [r["rmse"] for r in rows[:3]] == [r["rmse"] for r in single]


def test_evaluate_table_goes_to_stderr(run, trained, data):
    result = run("evaluate", trained[1], data["good"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "rolling-origin evaluation of 4 series (ALL: mean over the series)" in result.stderr
    assert "│ ALL " in result.stderr


def test_info_summarises_the_manifest(run, trained):
    result = run("info", trained[1])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "│ series      │ 6: 4 ok, 2 failed, 0 cancelled" in result.stderr
    assert "│ id column   │ store" in result.stderr
    assert "│ flat  │ failed │   40 │" in result.stderr


def test_info_json_is_the_manifest(run, trained):
    got = json.loads(run("info", trained[1], "--format", "json").stdout)
    assert got == {"path": trained[1], **modeldir.read_manifest(trained[1])}


# -- sweep ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept(run, tmp_path_factory):
    """A 2 x 2 sweep of airline.csv with the best model saved: (result, best model path)."""
    best = tmp_path_factory.mktemp("sweep") / "best.joblib"
    result = run("sweep", SAMPLES / "airline.csv", "--past", 4, "--future", 2, "--hidden", "4,6", "--lr",
                 "0.01,0.001", "--epochs", 3, "--scale", "minmax", "--format", "csv", "-o", best, "-q")
    return result, best


def test_sweep_ranks_every_combination_by_validation_rmse(swept):
    result, _ = swept
    assert (result.exit_code, result.stderr) == (0, "")
    rows = table(result.stdout)
    assert list(rows[0]) == ["rank", "model", "hidden", "lr", "val_rmse", "naive_rmse", "seasonal_naive_rmse",
                             "skill", "skill_vs_best", "epochs_run", "seconds", "status", "error"]
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    assert sorted(r["model"] for r in rows) == ["hidden=4 lr=0.001", "hidden=4 lr=0.01", "hidden=6 lr=0.001",
                                                "hidden=6 lr=0.01"]
    scores = [float(r["val_rmse"]) for r in rows]
    assert scores == sorted(scores)
    assert len({r["naive_rmse"] for r in rows}) == 1
    assert len({r["seasonal_naive_rmse"] for r in rows}) == 1
    for r in rows:
        best = min(float(r["naive_rmse"]), float(r["seasonal_naive_rmse"]))
        assert float(r["skill_vs_best"]) == pytest.approx(1 - float(r["val_rmse"]) / best, rel=1e-9)


def test_sweep_saves_the_best_model_which_predicts(run, swept):
    result, best = swept
    first = table(result.stdout)[0]
    d = load(best)
    assert (d["network"]["hidden"], d["options"]["lr"]) == (int(first["hidden"]), float(first["lr"]))
    assert d["val_rmse"] == [float(first["val_rmse"])]
    assert d["data"]["source"] == "airline.csv"
    forecast = run("predict", best)
    assert forecast.stdout.splitlines()[1].startswith("1961-01-01,")


def test_sweep_table_on_stderr_by_default(run):
    result = run("sweep", SAMPLES / "airline.csv", "--past", 4, "--future", 2, "--cell", "lstm,rnn",
                 "--hidden", 4, "--epochs", 2, "--scale", "minmax", "-q")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "sweep: 2 models ranked by validation RMSE" in result.stderr
    header = next(line for line in result.stderr.splitlines() if "┃ rank" in line)
    assert "┃ cell ┃" in header
    assert sum("│ rnn  │" in line for line in result.stderr.splitlines()) == 1


def test_sweep_refuses_a_bad_list_item(run, error_line):
    result = run("sweep", "x.csv", "--past", 4, "--future", 2, "--hidden", "4,,6")
    assert error_line(result, 2, usage=True) == (
        "Error: Invalid value for '--hidden': '4,,6' has an empty item; separate values by commas, "
        "e.g. 50,150")


# -- the progress display ---------------------------------------------------------------------------------


def _count(total: int, statuses, **kwargs) -> str:
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None, **kwargs.pop("console", {}))
    with SeriesProgress(console, total, **kwargs) as progress:
        for status in statuses:
            progress.on_result({"status": status})
    return out.getvalue()


def test_series_progress_elsewhere_prints_a_line_every_5_percent_and_the_last():
    lines = _count(45, ["ok"] * 44 + ["failed"]).splitlines()
    assert [line.split(" done")[0] for line in lines] == [f"series {n}/45" for n in [*range(3, 45, 3), 45]]
    assert lines[-1].startswith("series 45/45 done, 1 failed  elapsed ")
    assert "ETA" in lines[0]
    assert "ETA" not in lines[-1]


def test_series_progress_counts_cancelled_apart():
    assert _count(2, ["failed", "cancelled"]).splitlines()[-1].startswith(
        "series 2/2 done, 1 failed, 1 cancelled  elapsed")


def test_series_progress_on_a_terminal_is_a_live_bar():
    text = _count(5, ["ok"] * 5, console={"force_terminal": True}, noun="models")
    assert "5/5" in text
    assert "models 5/5 done" not in text


def test_series_progress_quiet_draws_nothing():
    assert _count(5, ["ok"] * 5, quiet=True) == ""


# -- a real Dask cluster ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster_address():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
def test_the_cluster_writes_the_directory_of_one_process(run, data, trained, cluster_address, tmp_path):
    result = run("train", data["mixed"], "--id-col", "store", *TINY, "--scheduler", cluster_address,
                 "--chunk-size", 2, "-o", tmp_path / "m", "-q")
    assert result.exit_code == 3, result.stderr
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert manifest["counts"] == {"ok": 4, "failed": 2, "cancelled": 0}
    assert sorted(os.listdir(tmp_path / "m" / "series")) == [f"{k}.joblib" for k in GOOD]
    remote, local = weights(tmp_path / "m"), weights(trained[1])
    assert all(np.array_equal(remote[k], local[k]) for k in GOOD)
    assert run("predict", tmp_path / "m").stdout == run("predict", trained[1]).stdout


@pytest.mark.slow
def test_the_cluster_address_can_come_from_rnncli_scheduler(run, data, cluster_address, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("RNNCLI_SCHEDULER", cluster_address)
    result = run("train", data["good"], "--id-col", "store", *TINY, "-o", tmp_path / "m", "-q")
    assert result.exit_code == 0, result.stderr
    assert modeldir.read_manifest(tmp_path / "m")["counts"]["ok"] == 4


def test_info_of_a_model_directory_shows_both_baselines_and_the_skill_against_the_best(run, tmp_path):
    from rnncli.model.metrics import skill_vs_best

    out = tmp_path / "models"
    assert run("train", SAMPLES / "seattle_long.csv", "--id-col", "variable", "--past", 7, "--future", 2,
               "--hidden", 4, "--epochs", 2, "--scale", "minmax", "-o", out, "--quiet").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    entry = next(e for e in manifest["series"] if e["status"] == "ok")
    assert len(entry["snaive_rmse"]) == len(entry["naive_rmse"]) == 1
    from click.testing import CliRunner

    from rnncli.cli import cli

    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["info", str(out)], prog_name="rnncli")
    assert result.exit_code == 0, result.stderr
    skill = skill_vs_best(entry["val_rmse"], {"naive": entry["naive_rmse"],
                                              "seasonal_naive": entry["snaive_rmse"]})[0][0]
    assert "seasonal naive RMSE" in result.stderr
    assert f"{skill:.3g}" in result.stderr
