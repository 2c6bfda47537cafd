"""Many series: one model per series, the same weights wherever they train, and the model directory.

A dozen short noisy sines train with tiny options, beside three bad series (too short, a missing
value, constant) that must fail alone, each with one line saying why. The Dask path is in
test_many_dask.py.
"""

import csv
import json
import os
import re
import sys

import joblib
import numpy as np
import pytest
from helpers import raises_said, said

from rnncli import __version__
from rnncli.errors import ArtifactError, ClusterError, ConfigError, DataError, RnncliError, TrainingError
from rnncli.io import artifact, modeldir
from rnncli.io import csv as csvio
from rnncli.io.csv import read_csv
from rnncli.model.forecaster import Forecaster
from rnncli.multi import parallel as par
from rnncli.multi import sweep as sweeps

TINY = {"past": 4, "future": 2, "hidden": 4, "epochs": 3, "scale": "minmax"}
GOOD = [f"sine-{i}" for i in range(12)]
SHORT = ("the data has 5 rows but --past 4 + --future 2 needs at least 6; use a longer series or lower "
         "--past/--future")
NAN = "value nan in column 'x0' (row 41) is missing or infinite; fill or drop it first"
CONSTANT = ("the target 'x0' is constant (7 in all 90 rows): there is nothing to learn; drop the series or "
            "forecast it as that value")


def make_series() -> dict:
    """12 noisy sines of 80-118 points with different phases, then three bad series."""
    rng = np.random.default_rng(5)
    series = {}
    for i, name in enumerate(GOOD):
        n = 80 + 4 * i
        series[name] = np.sin(np.arange(n) / 3 + i) + rng.normal(0, 0.1, n)
    series["too-short"] = np.arange(5.0)
    series["has-nan"] = np.r_[np.ones(40), np.nan, np.ones(40)]
    series["constant"] = np.full(90, 7.0)
    return series


def flat(result) -> np.ndarray:
    return result["artifact"]["network"]["flat"]


@pytest.fixture(scope="module")
def series() -> dict:
    return make_series()


@pytest.fixture(scope="module")
def serial(series) -> list:
    return par.train_many(series, TINY)


# --- training --------------------------------------------------------------------------------------


def test_results_come_in_input_order_with_status_and_scores(serial):
    assert [r["id"] for r in serial] == [*GOOD, "too-short", "has-nan", "constant"]
    assert [r["status"] for r in serial] == ["ok"] * 12 + ["failed"] * 3
    ok = serial[0]
    assert ok["error"] is None
    assert ok["epochs_run"] == 3
    assert ok["rows"] == 80
    assert len(ok["val_rmse"]) == len(ok["naive_rmse"]) == 1
    assert ok["val_rmse"][0] > 0
    assert ok["naive_rmse"][0] > 0
    assert ok["data_sha256"] == csvio.series_sha256(make_series()["sine-0"])
    assert ok["artifact"]["options"] == Forecaster(**TINY).get_params()


def test_bad_series_fail_alone_with_one_line_each(serial):
    errors = {r["id"]: said(r["error"]) for r in serial if r["status"] == "failed"}
    assert errors == {"too-short": SHORT, "has-nan": NAN, "constant": CONSTANT}
    assert all(r["artifact"] is None for r in serial if r["status"] == "failed")


def test_each_series_gets_the_weights_of_a_plain_fit(series, serial):
    want = Forecaster(**TINY).fit(series["sine-3"]).network_.flat
    assert np.array_equal(flat(serial[3]), want)


@pytest.mark.slow
def test_two_processes_give_bit_identical_weights(series, serial):
    pids = []
    parallel = par.train_many(series, TINY, n_jobs=2, on_result=lambda r: pids.append(os.getpid()))
    assert [r["id"] for r in parallel] == [r["id"] for r in serial]
    assert [r["status"] for r in parallel] == [r["status"] for r in serial]
    assert [r["error"] for r in parallel] == [r["error"] for r in serial]
    for got, want in zip(parallel, serial, strict=True):
        if want["status"] == "ok":
            assert np.array_equal(flat(got), flat(want)), want["id"]
            assert got["val_rmse"] == want["val_rmse"]
    assert set(pids) == {os.getpid()}  # results are handed over in the calling process
    assert len(pids) == len(series)


@pytest.mark.slow
def test_chunk_size_does_not_change_the_weights(series, serial):
    chunked = par.train_many(series, TINY, n_jobs=2, chunk_size=5)
    assert all(np.array_equal(flat(a), flat(b)) for a, b in zip(chunked, serial, strict=True)
               if b["status"] == "ok")


@pytest.mark.slow
def test_joblib_parallel_still_works_after_training_in_worker_processes(series):
    par.train_many({key: series[key] for key in GOOD[:3]}, TINY, n_jobs=2)  # shares joblib's loky executor
    assert joblib.Parallel(n_jobs=2)(joblib.delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


def test_on_result_sees_every_series_once_and_can_drop_artifacts(series):
    seen = []
    results = par.train_many(series, TINY, keep_artifacts=False,
                              on_result=lambda r: seen.append((r["id"], r["artifact"] is not None)))
    assert sorted(seen) == sorted((key, key in GOOD) for key in series)
    assert all(r["artifact"] is None for r in results)


def test_an_unreadable_series_is_failed_without_training(series):
    data = {"bad": DataError("long.csv [store=bad] line 7: duplicate timestamp"), "sine-0": series["sine-0"]}
    results = par.train_many(data, TINY)
    assert [(r["id"], r["status"], r["error"]) for r in results] == [
        ("bad", "failed", "long.csv [store=bad] line 7: duplicate timestamp"), ("sine-0", "ok", None)]


def test_fail_fast_stops_at_the_first_failure(series):
    data = {"too-short": series["too-short"], **{k: series[k] for k in GOOD}}
    results = par.train_many(data, TINY, fail_fast=True)
    assert [r["status"] for r in results] == ["failed"] + ["cancelled"] * 12
    assert said(results[1]["error"]) == (
        "not trained: --fail-fast stopped the run after series 'too-short' failed")
    assert par.exit_code(results) == 1


@pytest.mark.slow
def test_fail_fast_in_worker_processes_hands_out_no_more_series(series):
    rng = np.random.default_rng(0)
    data = {"too-short": series["too-short"]}
    data.update({f"long-{i}": np.sin(np.arange(400) / 5 + i) + rng.normal(0, 0.1, 400) for i in range(20)})
    results = par.train_many(data, {**TINY, "epochs": 20}, n_jobs=2, fail_fast=True)
    statuses = [r["status"] for r in results]
    assert statuses[0] == "failed"
    assert statuses.count("ok") + statuses.count("cancelled") == 20  # the ones already running finish
    assert statuses.count("cancelled") >= 10


def test_fail_fast_on_an_unreadable_series_trains_nothing(series):
    data = {"bad": DataError("unreadable"), "sine-0": series["sine-0"]}
    results = par.train_many(data, TINY, fail_fast=True)
    assert [r["status"] for r in results] == ["failed", "cancelled"]


@pytest.mark.parametrize(("statuses", "code"), [
    (["ok", "ok"], 0), (["ok", "failed"], 3), (["ok", "cancelled"], 3), (["failed", "failed"], 1), ([], 1)])
def test_exit_code_says_all_some_or_none(statuses, code):
    assert par.exit_code([{"status": s} for s in statuses]) == code


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"options": {**TINY, "hidden": 0}}, "--hidden must be an integer >= 1, got 0"),
    ({"options": {**TINY, "neurons": 5}},
     "unknown training option 'neurons'; known: past, future, cell, hidden, layers, epochs, batch_size, lr, "
     "optimizer, clip, val_frac, patience, scale, seed, dtype, season, max_steps, min_steps"),
    ({"n_jobs": 0}, "-j/--n-jobs must be a whole number of processes (or -1 for all cores), got 0"),
    ({"n_jobs": 2, "scheduler": "tcp://x:1"},
     "use either -j/--n-jobs (local processes) or --scheduler (a Dask cluster), not both"),
    ({"chunk_size": 0}, "--chunk-size must be a whole number of series >= 1, got 0"),
    ({"connect_timeout": -1}, "--connect-timeout must be a positive number of seconds, got -1"),
])
def test_bad_options_are_refused_before_any_training(series, kwargs, message):
    calls = []
    kwargs = {"options": TINY, **kwargs}
    with pytest.raises(ConfigError) as info:
        par.train_many(series, kwargs.pop("options"), on_result=calls.append, **kwargs)
    assert said(info.value) == message
    assert calls == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_jobs": 0}, "`n_jobs` must be a whole number of processes (or -1 for all cores), got 0"),
    ({"n_jobs": 2, "scheduler": "tcp://x:1"},
     "use either `n_jobs` (local processes) or `scheduler` (a Dask cluster), not both"),
    ({"connect_timeout": -1}, "`connect_timeout` must be a positive number of seconds, got -1"),
])
def test_from_python_bad_parallel_options_name_the_arguments_not_the_flags(series, kwargs, message):
    with pytest.raises(ConfigError) as info:
        par.train_many(series, TINY, **kwargs)
    assert str(info.value) == message


def test_a_scheduler_without_the_dask_extra_is_one_clear_error(series, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now raises ImportError
    with pytest.raises(ClusterError) as info:
        par.train_many(series, TINY, scheduler="tcp://127.0.0.1:8786")
    assert said(info.value) == "--scheduler needs the 'dask' extra: pip install 'rnncli[dask]'"


@pytest.mark.parametrize("address", ["foo://x", "http://host:8786", "", "tcp://", "tcp://a b"])
def test_an_unknown_scheme_is_refused_before_connecting(address):
    with raises_said(ClusterError, match=r"^invalid --scheduler .*; use a Dask scheduler address such as "
                                           r"tcp://host:8786 \(schemes: tcp, tls, inproc, ws, wss, ucx\)$"):
        par.scheduler_address(address)


def test_an_address_without_a_scheme_means_tcp():
    assert par.scheduler_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert par.scheduler_address("TLS://host:8786") == "tls://host:8786"


def test_default_chunk_size_is_about_a_second_of_work_and_keeps_workers_busy(series):
    small = {k: series[k] for k in GOOD}
    assert par.default_chunk_size(small, TINY, n_workers=2) == 2  # ceil(12 / 8): tiny series
    big = {k: np.zeros(2000) for k in range(1000)}
    heavy = {"past": 48, "future": 6, "hidden": 256, "epochs": 500}
    assert par.default_chunk_size(big, heavy, n_workers=2) == 1  # minutes per series
    middle = {"past": 12, "future": 3, "hidden": 16, "epochs": 10, "scale": "minmax"}
    assert 5 <= par.default_chunk_size({k: np.zeros(300) for k in range(10_000)}, middle, 2) <= 50


# --- safe file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "pattern"), [
    ("store-7", r"store-7"), ("a.b_c", r"a\.b_c"), (42, r"42"), ("a/b", r"a-b-[0-9a-f]{8}"),
    ("..", r"series-[0-9a-f]{8}"), ("ünïcode", r"unicode-[0-9a-f]{8}"), ("", r"series-[0-9a-f]{8}"),
    ("Store-7", r"store-7-[0-9a-f]{8}"), ("con", r"con-[0-9a-f]{8}"), ("a\\b", r"a-b-[0-9a-f]{8}"),
    ("../../etc/passwd", r"etc-passwd-[0-9a-f]{8}"), ("x" * 80, r"x{48}-[0-9a-f]{8}"),
    (".hidden", r"hidden-[0-9a-f]{8}"), ("end.", r"end-[0-9a-f]{8}"),
])
def test_safe_id_is_a_plain_file_name(value, pattern):
    name = modeldir.safe_id(value)
    assert re.fullmatch(pattern, name), name
    assert "/" not in name
    assert "\\" not in name


def test_safe_id_is_stable_and_tells_apart_what_slugs_alike():
    ids = ["a/b", "a b", "a-b", "A-B", "a:b", "ä/b"]
    names = modeldir.safe_ids(ids)
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert names["a-b"] == "a-b"
    assert names["a/b"] == modeldir.safe_id("a/b")


def test_safe_ids_settle_a_clash_the_same_way_in_any_order():
    clash = modeldir.safe_id("a/b")  # a plain id that spells another id's hashed name
    names = modeldir.safe_ids(["a/b", clash])
    assert names == modeldir.safe_ids([clash, "a/b"])
    assert names["a/b"] != names[clash]
    assert re.fullmatch(r"a-b-[0-9a-f]{16}", names["a/b"])


def test_safe_ids_refuse_a_repeated_id():
    with pytest.raises(ConfigError, match=r"^the series id '1' appears twice$"):
        modeldir.safe_ids([1, "1"])


# --- the model directory ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(serial, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "models"
    info = modeldir.dir_info(None, TINY, data_sha256="ab" * 32, id_col="store")
    modeldir.write_model_dir(path, serial, info)
    return path


def test_the_manifest_describes_the_run_and_every_series(model_dir, serial):
    manifest = json.loads((model_dir / "manifest.json").read_text("utf-8"))
    assert {k: manifest[k] for k in ("format", "format_version", "rnncli_version", "options", "data_sha256",
                                      "id_col", "complete", "counts")} == {
        "format": "rnncli-model-dir", "format_version": 1, "rnncli_version": __version__,
        "options": Forecaster(**TINY).get_params(), "data_sha256": "ab" * 32, "id_col": "store",
        "complete": True, "counts": {"ok": 12, "failed": 3, "cancelled": 0}}
    entries = manifest["series"]
    assert [e["id"] for e in entries] == [r["id"] for r in serial]
    assert entries[0] == {"id": "sine-0", "file": "series/sine-0.joblib", "status": "ok", "error": None,
                          "rows": 80, "data_sha256": serial[0]["data_sha256"],
                          "val_rmse": serial[0]["val_rmse"], "naive_rmse": serial[0]["naive_rmse"],
                          "snaive_rmse": serial[0]["snaive_rmse"],
                          "epochs_run": 3, "seconds": entries[0]["seconds"]}
    assert entries[-1] == {"id": "constant", "file": None, "status": "failed", "error": CONSTANT, "rows": 90,
                           "data_sha256": None, "val_rmse": None, "naive_rmse": None, "snaive_rmse": None,
                           "epochs_run": None,
                           "seconds": entries[-1]["seconds"]}


def test_one_file_per_trained_series_and_nothing_else(model_dir):
    assert sorted(os.listdir(model_dir)) == ["failures.csv", "manifest.json", "series"]
    assert sorted(os.listdir(model_dir / "series")) == sorted(f"{k}.joblib" for k in GOOD)


def test_failures_csv_lists_each_failed_series_and_why(model_dir):
    with open(model_dir / "failures.csv", newline="", encoding="utf-8") as f:
        rows = [[key, said(error)] for key, error in csv.reader(f)]
    assert rows == [["id", "error"], ["too-short", SHORT], ["has-nan", NAN], ["constant", CONSTANT]]


def test_load_series_reads_only_the_manifest_and_its_own_file(model_dir, serial, monkeypatch):
    loaded = []
    real_load = artifact.load
    monkeypatch.setattr(artifact, "load", lambda path: loaded.append(os.fspath(path)) or real_load(path))
    model = modeldir.load_series(model_dir, "sine-5")
    assert loaded == [os.path.join(model_dir, "series", "sine-5.joblib")]
    assert np.array_equal(model.network_.flat, flat(serial[5]))
    want = Forecaster.from_dict(serial[5]["artifact"]).predict().values
    assert np.array_equal(model.predict().values, want)


def test_load_series_names_an_unknown_id_and_a_failed_one(model_dir):
    with pytest.raises(ConfigError) as info:
        modeldir.load_series(model_dir, "nope")
    assert said(info.value) == (f"unknown --id 'nope' in '{model_dir}'; it has: sine-0, sine-1, sine-2, "
                               "sine-3, sine-4, ... (15 in all)")
    with pytest.raises(TrainingError) as info:
        modeldir.load_series(model_dir, "constant")
    assert str(info.value) == f"series 'constant' in '{model_dir}' has no model (failed: {CONSTANT})"


def test_ids_that_are_not_file_names_round_trip(series, tmp_path):
    data = dict(zip(["a/b", "A/B", "..", "ünïcode"], [series[k] for k in GOOD[:4]], strict=True))
    results = par.train_many(data, TINY)
    modeldir.write_model_dir(tmp_path / "m", results, modeldir.dir_info(None, TINY))
    assert len(os.listdir(tmp_path / "m" / "series")) == 4
    for r in results:
        assert np.array_equal(modeldir.load_series(tmp_path / "m", r["id"]).network_.flat, flat(r))


def test_a_rerun_without_failures_removes_the_old_failures_csv(model_dir, serial, tmp_path):
    path = tmp_path / "again"
    modeldir.write_model_dir(path, serial, modeldir.dir_info(None, TINY))
    assert (path / "failures.csv").exists()
    modeldir.write_model_dir(path, serial[:3], modeldir.dir_info(None, TINY))
    assert not (path / "failures.csv").exists()
    assert modeldir.read_manifest(path)["counts"] == {"ok": 3, "failed": 0, "cancelled": 0}


def test_the_writer_refuses_a_directory_that_is_not_a_model_directory(serial, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RnncliError) as info:
        modeldir.write_model_dir(tmp_path, serial, modeldir.dir_info(None, TINY))
    assert str(info.value) == (f"'{tmp_path}' is not empty and is not an rnncli model directory; "
                               "choose a new or empty directory")
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_an_interrupted_run_leaves_an_incomplete_manifest(serial, tmp_path):
    with pytest.raises(KeyboardInterrupt), modeldir.ModelDirWriter(  # noqa: PT012
            tmp_path / "m", ids=[r["id"] for r in serial], info=modeldir.dir_info(None, TINY)) as out:
        out.add(serial[0])
        raise KeyboardInterrupt
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert manifest["complete"] is False
    assert [e["id"] for e in manifest["series"]] == ["sine-0"]


def test_a_new_model_directory_has_its_manifest_before_any_series_file(tmp_path):
    ids = ["a", "b"]
    out = modeldir.ModelDirWriter(tmp_path / "m", ids=ids, info=modeldir.dir_info(None, TINY))
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert manifest["complete"] is False
    assert manifest["series"] == []
    assert manifest["options"] == modeldir.check_options(TINY)
    assert os.listdir(tmp_path / "m" / "series") == []
    out.close()


def test_the_manifest_records_each_result_as_it_is_added(serial, tmp_path):
    out = modeldir.ModelDirWriter(tmp_path / "m", ids=[r["id"] for r in serial],
                                  info=modeldir.dir_info(None, TINY))
    for n, result in enumerate(serial[:3], 1):
        out.add(result)
        assert [e["id"] for e in modeldir.read_manifest(tmp_path / "m")["series"]] == GOOD[:n]
    out.close()


def test_resume_adopts_a_complete_series_file_the_manifest_does_not_list_yet(series, serial, tmp_path):
    info = modeldir.dir_info(None, TINY, data_sha256="f" * 64)
    ok = [{**r, "artifact": {**r["artifact"], "data": {"sha256": "f" * 64, "series_id": r["id"], "rows": 9}}}
          for r in serial[:2]]
    out = modeldir.ModelDirWriter(tmp_path / "m", ids=list(series), info=info)
    out.add(ok[0])
    name = modeldir.safe_ids(series)["sine-1"]
    artifact.save(ok[1]["artifact"], tmp_path / "m" / "series" / f"{name}.joblib")  # killed before recorded
    assert [e["id"] for e in modeldir.read_manifest(tmp_path / "m")["series"]] == ["sine-0"]
    keep = modeldir.already_trained(tmp_path / "m", series, TINY, data_sha256="f" * 64)
    assert sorted(keep) == ["sine-0", "sine-1"]
    adopted = keep["sine-1"]
    assert adopted["file"] == f"series/{name}.joblib"
    assert adopted["data_sha256"] == csvio.series_sha256(series["sine-1"])
    assert adopted["val_rmse"] == serial[1]["val_rmse"]
    assert adopted["epochs_run"] == serial[1]["epochs_run"]
    # another data file, or other options: the unrecorded file is not adopted
    assert sorted(modeldir.already_trained(tmp_path / "m", series, TINY, data_sha256="e" * 64)) == ["sine-0"]
    assert modeldir.already_trained(tmp_path / "m", series, {**TINY, "hidden": 5}, data_sha256="f" * 64) == {}


def test_resume_does_not_adopt_a_damaged_series_file(series, serial, tmp_path):
    out = modeldir.ModelDirWriter(tmp_path / "m", ids=list(series), info=modeldir.dir_info(None, TINY))
    out.add(serial[0])
    name = modeldir.safe_ids(series)["sine-1"]
    (tmp_path / "m" / "series" / f"{name}.joblib").write_bytes(b"\x80\x04truncated")
    assert sorted(modeldir.already_trained(tmp_path / "m", series, TINY, data_sha256="f" * 64)) == ["sine-0"]


def test_already_trained_keeps_series_with_the_same_data_and_options(series, serial, model_dir):
    changed = dict(series, **{"sine-1": series["sine-1"] + 1})
    keep = modeldir.already_trained(model_dir, changed, TINY)
    assert sorted(keep) == sorted(k for k in GOOD if k != "sine-1")
    assert modeldir.already_trained(model_dir, series, {**TINY, "hidden": 5}) == {}
    assert modeldir.already_trained(model_dir.parent / "missing", series, TINY) == {}


@pytest.mark.parametrize(("content", "message"), [
    (None, "has no manifest.json: it is not an rnncli model directory, or its training never finished; "
           "train it again"),
    (b"{not json", "is corrupt: Expecting property name enclosed in double quotes: line 1 column 2 (char 1); "
                   "train the directory again"),
    (b'{"format": "other"}', "is not a valid rnncli manifest: 'format' should be 'rnncli-model-dir'"),
    (json.dumps({"format": "rnncli-model-dir", "format_version": 2, "series": []}).encode(),
     "has format version 2, newer than this rnncli (0.1.0) reads (1); upgrade rnncli"),
    (json.dumps({"format": "rnncli-model-dir", "format_version": 1,
                 "series": [{"id": "x", "status": "ok", "file": "../x.joblib"}]}).encode(),
     "is not a valid rnncli manifest: series 'x' has no valid 'file' (series/<name>.joblib)"),
])
def test_a_bad_manifest_is_one_clear_error(tmp_path, content, message):
    if content is not None:
        (tmp_path / "manifest.json").write_bytes(content)
    with pytest.raises(ArtifactError) as info:
        modeldir.read_manifest(tmp_path)
    assert str(info.value).endswith(message)


def test_read_manifest_of_a_missing_directory(tmp_path):
    with pytest.raises(ArtifactError, match=r"^'.*nowhere' does not exist$"):
        modeldir.read_manifest(tmp_path / "nowhere")
    assert not modeldir.is_model_dir(tmp_path)


# --- the long CSV ----------------------------------------------------------------------------------


LONG = """store,month,sales
a,2020-01,1
b,2020-01,10
a,2020-02,2
b,2020-02,11
a,2020-03,3
b,2020-03,12
c,2020-01,5
c,2020-01,6
a,2020-04,4
"""


def test_read_long_csv_splits_by_id_and_reads_each_like_read_csv(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    table = csvio.read_long_csv(path, "store")
    assert list(table.series) == ["a", "b", "c"]
    assert (table.id_col, table.time_col) == ("store", "month")
    assert table.sha256 == __import__("hashlib").sha256(LONG.encode()).hexdigest()
    alone = tmp_path / "a.csv"
    alone.write_text("month,sales\n2020-01,1\n2020-02,2\n2020-03,3\n2020-04,4\n")
    want, got = read_csv(alone), table.series["a"]
    assert np.array_equal(got.values, want.values)
    assert np.array_equal(got.time, want.time)
    assert (got.columns, got.targets, got.freq) == (want.columns, want.targets, "MS")
    assert got.source == f"{path} [store=a]"


def test_a_bad_group_is_stored_as_its_error_with_the_file_line(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    error = csvio.read_long_csv(path, "store").series["c"]
    assert isinstance(error, DataError)
    assert str(error) == (f"{path} [store=c] line 9: duplicate timestamp '2020-01' in column 'month' "
                          "(first at line 8); remove or aggregate the repeated rows")


def test_read_long_csv_refuses_an_unknown_id_column_and_an_empty_id(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    with pytest.raises(ConfigError) as info:
        csvio.read_long_csv(path, "shop")
    assert said(info.value) == f"unknown --id-col 'shop' in {path}; available columns: store, month, sales"
    path.write_text(LONG + ",2020-05,5\n")
    with pytest.raises(DataError) as info:
        csvio.read_long_csv(path, "store")
    assert str(info.value) == (f"{path} line 11: empty value in the id column 'store'; "
                               "fill it in or delete the row")


def test_the_long_csv_trains_end_to_end(tmp_path):
    rng = np.random.default_rng(2)
    lines = ["store,day,sales"] + [f"s{k},{t},{np.sin(t / 3 + k) + rng.normal(0, 0.1):.4f}"
                                   for t in range(60) for k in range(3)]
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n")
    table = csvio.read_long_csv(tmp_path / "long.csv", "store")
    results = par.train_many(table.series, TINY)
    assert [r["status"] for r in results] == ["ok"] * 3
    manifest = modeldir.write_model_dir(tmp_path / "m", results, modeldir.dir_info(table, TINY))
    assert (manifest["data_sha256"], manifest["id_col"]) == (table.sha256, "store")
    assert modeldir.load_series(tmp_path / "m", "s1").time_["col"] == "day"


# --- sweeps ----------------------------------------------------------------------------------------


GRID = {"hidden": [4, 6], "lr": [0.01, 0.001]}


@pytest.fixture(scope="module")
def swept(series):
    return sweeps.sweep(series["sine-0"], GRID, TINY)


def test_sweep_trains_every_combination_ranked_by_validation_rmse(swept):
    rows = swept["rows"]
    assert sorted(r["id"] for r in rows) == ["hidden=4 lr=0.001", "hidden=4 lr=0.01", "hidden=6 lr=0.001",
                                             "hidden=6 lr=0.01"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    scores = [r["val_rmse"] for r in rows]
    assert scores == sorted(scores)
    assert len({r["naive_rmse"] for r in rows}) == 1  # the same validation windows for every model


def test_sweep_returns_the_best_model_as_a_plain_fit_would_make_it(series, swept):
    best = swept["rows"][0]
    assert swept["best_options"] == Forecaster(**{**TINY, **best["options"]}).get_params()
    want = Forecaster(**swept["best_options"]).fit(series["sine-0"]).network_.flat
    assert np.array_equal(swept["best"]["network"]["flat"], want)


@pytest.mark.slow
def test_sweep_in_two_processes_ranks_the_same(series, swept):
    parallel = sweeps.sweep(series["sine-0"], GRID, TINY, n_jobs=2)
    without_time = [{**r, "seconds": None} for r in parallel["rows"]]
    assert without_time == [{**r, "seconds": None} for r in swept["rows"]]


def test_sweep_needs_validation_windows_and_known_options(series):
    with raises_said(ConfigError, match=r"^a sweep ranks models by validation RMSE, so --val-frac must be"):
        sweeps.sweep(series["sine-0"], GRID, {**TINY, "val_frac": 0})
    with raises_said(ConfigError, match=r"^--hidden must be an integer >= 1, got 0$"):
        sweeps.sweep(series["sine-0"], {"hidden": [4, 0]}, TINY)
    with pytest.raises(ConfigError, match=r"^the sweep gives no values for 'lr'$"):
        sweeps.sweep(series["sine-0"], {"lr": []}, TINY)


def test_a_failed_combination_is_listed_last_without_a_rank(series):
    result = sweeps.sweep(series["sine-0"][:8], {"past": [2, 6]}, TINY)
    assert [(r["id"], r["rank"], r["status"]) for r in result["rows"]] == [
        ("past=2", 1, "ok"), ("past=6", None, "failed")]


def test_a_hidden_size_beyond_memory_is_refused_before_any_series_trains(series, monkeypatch):
    from rnncli.model import sizing

    monkeypatch.setattr(sizing, "machine_bytes", lambda: 8 * 10**9)
    calls = []
    with pytest.raises(ConfigError) as info:
        par.train_many(series, {**TINY, "hidden": 30000}, on_result=calls.append)
    assert said(info.value) == (
        "training with --hidden 30000, --layers 1 and --past 4 on 124 rows needs about 144 GB of memory, "
        "more than this machine has (8 GB); lower --hidden, --layers or --past, or train on fewer rows")
    assert calls == []


def test_a_sweep_with_one_hidden_size_beyond_memory_is_refused_before_any_model_trains(series, monkeypatch):
    from rnncli.model import sizing

    monkeypatch.setattr(sizing, "machine_bytes", lambda: 8 * 10**9)
    calls = []
    refused = r"^training with --hidden 30000, --layers 1 and --past 4 on 124 rows needs about"
    with raises_said(ConfigError, match=refused):
        sweeps.sweep(series["sine-11"], {"hidden": [4, 30000]}, TINY, on_result=calls.append)
    assert calls == []


def test_a_dead_worker_is_one_clear_error_naming_what_to_do(series, monkeypatch):
    import contextlib
    from concurrent.futures.process import BrokenProcessPool

    class Broken:  # loky's executor once a worker was killed (out of memory...): its pool is gone
        def submit(self, fn, chunk):
            raise BrokenProcessPool("A worker process managed by the executor was unexpectedly terminated.")

    monkeypatch.setattr(par, "_loky_executor", lambda n_jobs: contextlib.nullcontext((Broken(), 2, [])))
    died = (r"^a worker process died \(BrokenProcessPool: A worker process managed by the executor was "
            r"unexpectedly terminated\.\); the series not finished were not trained: free memory or use "
            r"fewer worker processes, and train them again$")
    with raises_said(RnncliError, died):
        par.train_many(series, TINY, n_jobs=2, chunk_size=3)
