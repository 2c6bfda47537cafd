"""Many series on a Dask cluster: the same weights as one process, and clear, bounded failures.

A real `distributed.LocalCluster` (two worker processes, one thread each, bound to 127.0.0.1) is started
once for the module and shut down after it. Skipped when the `dask` extra is not installed.
"""

import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from helpers import said

from rnncli import __version__
from rnncli.errors import ClusterError
from rnncli.io import modeldir
from rnncli.multi import parallel as par
from rnncli.multi import sweep as sweeps

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a real Dask cluster

TINY = {"past": 4, "future": 2, "hidden": 4, "epochs": 3, "scale": "minmax"}


def make_series() -> dict:
    """12 noisy sines of 80-118 points, then a series too short to train."""
    rng = np.random.default_rng(5)
    series = {f"sine-{i}": np.sin(np.arange(80 + 4 * i) / 3 + i) + rng.normal(0, 0.1, 80 + 4 * i)
              for i in range(12)}
    series["too-short"] = np.arange(5.0)
    return series


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def address(cluster) -> str:
    return cluster.scheduler_address


@pytest.fixture(scope="module")
def serial() -> list:
    return par.train_many(make_series(), TINY)


def test_the_cluster_gives_the_weights_of_one_process(address, serial):
    pids = []
    results = par.train_many(make_series(), TINY, scheduler=address,
                              on_result=lambda r: pids.append(os.getpid()))
    assert [(r["id"], r["status"], r["error"]) for r in results] == [
        (r["id"], r["status"], r["error"]) for r in serial]
    for got, want in zip(results, serial, strict=True):
        if want["status"] == "ok":
            assert np.array_equal(got["artifact"]["network"]["flat"], want["artifact"]["network"]["flat"])
            assert got["val_rmse"] == want["val_rmse"]
    assert pids == [os.getpid()] * len(serial)  # results are handed over in the client


def test_the_client_writes_the_model_directory(address, tmp_path):
    series = make_series()
    with modeldir.ModelDirWriter(tmp_path / "m", ids=series, info=modeldir.dir_info(None, TINY)) as out:
        results = par.train_many(series, TINY, scheduler=address, chunk_size=5, on_result=out.add)
    assert par.exit_code(results) == 3
    manifest = modeldir.read_manifest(tmp_path / "m")
    assert manifest["counts"] == {"ok": 12, "failed": 1, "cancelled": 0}
    assert sorted(os.listdir(tmp_path / "m" / "series")) == sorted(f"sine-{i}.joblib" for i in range(12))
    model = modeldir.load_series(tmp_path / "m", "sine-7")
    assert np.array_equal(model.network_.flat, results[7]["artifact"]["network"]["flat"])


def test_fail_fast_cancels_the_chunks_not_yet_done(address):
    series = make_series()
    data = {"too-short": series.pop("too-short"), **series}
    results = par.train_many(data, TINY, scheduler=address, chunk_size=1, fail_fast=True)
    statuses = [r["status"] for r in results]
    assert statuses[0] == "failed"
    assert statuses.count("failed") == 1
    assert set(statuses[1:]) <= {"ok", "cancelled"}


def test_a_sweep_on_the_cluster_ranks_like_one_process(address):
    data = make_series()["sine-0"]
    grid = {"hidden": [4, 6], "lr": [0.01, 0.001]}
    local, remote = sweeps.sweep(data, grid, TINY), sweeps.sweep(data, grid, TINY, scheduler=address)
    assert [(r["id"], r["val_rmse"]) for r in remote["rows"]] == [
        (r["id"], r["val_rmse"]) for r in local["rows"]]
    assert np.array_equal(remote["best"]["network"]["flat"], local["best"]["network"]["flat"])


def test_an_unreachable_scheduler_fails_within_the_timeout():
    start = time.monotonic()
    with pytest.raises(ClusterError) as info:
        par.train_many(make_series(), TINY, scheduler="tcp://127.0.0.1:1", connect_timeout=1)
    assert time.monotonic() - start < 10
    assert said(info.value) == (
        "cannot connect to the Dask scheduler at tcp://127.0.0.1:1 within 1 s (OSError: Timed out trying to "
        "connect to tcp://127.0.0.1:1 after 1 s); check --scheduler, or start one with 'dask scheduler'")


def test_an_unknown_scheme_fails_at_once():
    start = time.monotonic()
    with pytest.raises(ClusterError) as info:
        par.train_many(make_series(), TINY, scheduler="foo://x", connect_timeout=1)
    assert time.monotonic() - start < 0.5
    assert said(info.value) == ("invalid --scheduler 'foo://x'; use a Dask scheduler address such as "
                               "tcp://host:8786 (schemes: tcp, tls, inproc, ws, wss, ucx)")


def test_a_scheduler_without_workers_fails_within_the_timeout():
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        start = time.monotonic()
        with pytest.raises(ClusterError) as info:
            par.train_many(make_series(), TINY, scheduler=empty.scheduler_address, connect_timeout=1)
        assert time.monotonic() - start < 10
    assert str(info.value) == (f"the Dask scheduler at {empty.scheduler_address} has no workers after 1 s; "
                               f"start some with 'dask worker {empty.scheduler_address}'")


@pytest.fixture(scope="module")
def threads_cluster():
    """Workers in this process, so that a monkeypatched canary is the one they run."""
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        yield cluster


def test_workers_without_rnncli_fail_the_canary_clearly(threads_cluster, monkeypatch):
    def canary():
        raise ModuleNotFoundError("No module named 'rnncli'", name="rnncli")

    monkeypatch.setattr(par, "_canary", canary)
    calls, address = [], threads_cluster.scheduler_address
    with pytest.raises(ClusterError) as info:
        par.train_many(make_series(), TINY, scheduler=address, on_result=calls.append)
    assert str(info.value) == (f"the Dask workers at {address} cannot import rnncli (ModuleNotFoundError: "
                               f"No module named 'rnncli'); install rnncli {__version__} on every worker")
    assert calls == []


def test_workers_with_another_rnncli_version_are_refused(threads_cluster, monkeypatch):
    monkeypatch.setattr(par, "_canary", lambda: "0.0.1")
    address = threads_cluster.scheduler_address
    with pytest.raises(ClusterError) as info:
        par.train_many(make_series(), TINY, scheduler=address)
    assert str(info.value) == (f"the Dask workers at {address} run rnncli 0.0.1 but this is rnncli "
                               f"{__version__}; install the same version on every worker")


def test_every_worker_must_import_rnncli_not_just_one(monkeypatch):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        workers = sorted(cluster.scheduler_info["workers"])
        assert len(workers) == 2

        def canary():  # the second worker lacks rnncli
            if distributed.get_worker().address == workers[1]:
                raise ModuleNotFoundError("No module named 'rnncli'", name="rnncli")
            return __version__

        monkeypatch.setattr(par, "_canary", canary)
        for _ in range(3):  # whichever worker a single test task would have landed on
            with pytest.raises(ClusterError, match=r"cannot import rnncli"):
                par.train_many(make_series(), TINY, scheduler=cluster.scheduler_address)


def test_fail_fast_keeps_what_finished_before_the_failure_was_collected(threads_cluster, monkeypatch):
    series = make_series()
    data = {"too-short": series.pop("too-short"), "sine-0": series["sine-0"], "sine-1": series["sine-1"]}

    def failure_first(futures, **kwargs):  # every chunk is done when the failed one is collected, alone
        concurrent.futures.wait(futures)
        failed = {f for f in futures if f.result()[0]["status"] != "ok"}
        return failed or set(futures), set()

    monkeypatch.setattr(par, "wait", failure_first)
    results = par.train_many(data, TINY, scheduler=threads_cluster.scheduler_address, chunk_size=1,
                             fail_fast=True)
    assert [(r["id"], r["status"]) for r in results] == [("too-short", "failed"), ("sine-0", "ok"),
                                                         ("sine-1", "ok")]


# -- runs that never hang ---------------------------------------------------------------------------


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never sends a byte: its address."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted, stop = [], threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def test_a_scheduler_that_accepts_and_never_answers_fails_within_the_connect_timeout(silent_server):
    start = time.monotonic()
    with pytest.raises(ClusterError) as info:
        par.train_many(make_series(), TINY, scheduler=silent_server, connect_timeout=1)
    assert time.monotonic() - start < 1 + 1.0  # the deadline, plus a grace for the steps' own errors
    assert said(info.value) == (
        f"the Dask scheduler at {silent_server} did not answer within the --connect-timeout (1 s) while "
        "connecting to it; check that --scheduler names a running Dask scheduler, or raise --connect-timeout")


def test_the_cli_gives_one_error_line_for_a_silent_scheduler(silent_server, run, error_line, tmp_path):
    long_csv = tmp_path / "long.csv"
    long_csv.write_text("id,x\n" + "".join(f"{k},{i % 7}\n" for k in "ab" for i in range(40)))
    start = time.monotonic()
    result = run("train", long_csv, "--id-col", "id", "--past", 3, "--future", 1,
                 "--scheduler", silent_server, "--connect-timeout", 1, "-o", tmp_path / "models")
    assert time.monotonic() - start < 1 + 10.0  # reading and checking the data included, on a busy machine
    assert error_line(result, 1) == (
        f"Error: the Dask scheduler at {silent_server} did not answer within the --connect-timeout (1 s) "
        "while connecting to it; check that --scheduler names a running Dask scheduler, or raise "
        "--connect-timeout")
    assert not (tmp_path / "models").exists()


LOST = "not trained: the Dask cluster had no worker for 1 s (--worker-timeout); start workers and train again"


def test_losing_the_only_worker_fails_the_rest_and_keeps_what_finished():
    """A LocalCluster's scheduler with one `dask worker --no-nanny` process, SIGKILLed after the first
    result: the run ends about --worker-timeout later, not never."""
    rng = np.random.default_rng(3)
    series = {f"s{i}": np.sin(np.arange(300) / 5 + i) + rng.normal(0, 0.1, 300) for i in range(6)}
    options = {"past": 8, "future": 2, "hidden": 8, "epochs": 40, "patience": 0, "scale": "minmax"}
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        command = [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
                   "--no-nanny", "--nthreads", "1", "--no-dashboard"]
        worker = subprocess.Popen(command,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def kill_the_worker(result) -> None:
                if worker.poll() is None:
                    worker.kill()

            start = time.monotonic()
            results = par.train_many(series, options, scheduler=cluster.scheduler_address, connect_timeout=60,
                                     worker_timeout=1, chunk_size=1, on_result=kill_the_worker)
            elapsed = time.monotonic() - start
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)
    statuses = [(r["status"], r["error"] and said(r["error"])) for r in results]
    assert ("ok", None) in statuses
    assert ("failed", LOST) in statuses
    assert all(s in (("ok", None), ("failed", LOST)) for s in statuses), statuses
    assert par.exit_code(results) == 3
    assert elapsed < 60
