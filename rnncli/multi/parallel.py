"""Many series: one model per series, trained in parallel on local cores or on a Dask cluster.

    >>> from rnncli.io.csv import read_long_csv
    >>> from rnncli.io.modeldir import ModelDirWriter, dir_info, load_series
    >>> from rnncli.multi.parallel import exit_code, train_many
    >>> table = read_long_csv("long.csv", "store")                # {id: Series}, one per store
    >>> options = {"past": 12, "future": 6, "hidden": 16}
    >>> with ModelDirWriter("models", ids=table.series, info=dir_info(table, options)) as out:
    ...     results = train_many(table.series, options, n_jobs=2, on_result=out.add)
    >>> exit_code(results)                                        # 0 all ok, 3 some failed, 1 none
    >>> model = load_series("models", "store-7")                  # reads the manifest and one file

Every series is trained by `Forecaster(**options).fit(series)` with the same options, seed included, so
a series' weights do not depend on where it ran: in this process (`n_jobs=1`), in joblib's loky worker
processes (`n_jobs=N`, BLAS single-threaded in each) or on a Dask cluster (`scheduler="tcp://..."`,
through the optional extra `rnncli[dask]`). Workers return plain results; only the calling process
writes files, through `on_result`, so workers need no shared filesystem.

A series that cannot be trained (too short, a missing value, constant, any error in `fit`) becomes a
result with status "failed" and a one-line error; the others go on. With `fail_fast` the first failure
stops the run and the series not yet done are "cancelled".

The model directory's format is `rnncli.io.modeldir`'s; sweeps (`rnncli.multi.sweep`) run through the
same `run_tasks`.

Nothing here prints; click and rich stay in `rnncli.cli`.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from .. import __version__
from ..errors import ClusterError, ConfigError, RnncliError, shortened
from ..io.csv import is_series, series_sha256
from ..io.modeldir import Result, check_options
from ..model import sizing
from ..model.forecaster import Forecaster

__all__ = ["SCHEMES", "default_chunk_size", "exit_code", "run_tasks", "scheduler_address", "train_many"]

SCHEMES = ("tcp", "tls", "inproc", "ws", "wss", "ucx")  # the comms distributed can register
TASK_SECONDS = 1.0  # a Dask task's target duration, for the default chunk size
# Training cost, in microseconds per (window x past step x epoch x layer): an overhead per step plus
# the gate products. Measured on one core (2020s x86, float32, batch 32); only its order matters.
_COST_US = (1.8, 1e-3)
_ERROR_CHARS = 300


# --- training --------------------------------------------------------------------------------------


def train_many(series_by_id: Mapping, options: dict, *, n_jobs: int = 1, scheduler: str | None = None,
               connect_timeout: float = 10, worker_timeout: float = 60, chunk_size: int | None = None,
               fail_fast: bool = False,
               on_result: Callable[[Result], None] | None = None,
               keep_artifacts: bool = True, threads="auto") -> list[Result]:
    """Train `Forecaster(**options).fit(series)` for every series; results in the order of `series_by_id`.

    series_by_id: {id: Series or array (n_rows,) / (n_rows, 1)}; a value that is an exception (the
    DataError `read_long_csv` stored for an unreadable series) is reported failed without training.
    n_jobs: 1 trains here, one series after another; N > 1 (or -1, all cores) in N loky processes,
    each with single-threaded BLAS. scheduler: a Dask scheduler address ("tcp://host:8786") instead.
    connect_timeout: one deadline, in seconds, for everything before the first Dask task runs.
    worker_timeout: while Dask results are awaited, seconds the cluster may have no worker before
    the series not done yet fail with that reason (the finished ones are kept).
    threads: BLAS threads of the series trained here (n_jobs 1), an int or "auto" (`rnncli.threads`);
    workers (N > 1, Dask) keep one thread each.
    chunk_size: series per task (loky's batch size; for Dask, default `default_chunk_size`).
    on_result(result) is called in this process once per series, as each completes (cancelled ones
    last); with keep_artifacts=False the returned results then drop their artifact to save memory.

    Each result is a plain dict: id, status ("ok", "failed" or "cancelled"), error (one line or None),
    val_rmse and naive_rmse (lists, one float per target, None when there are no validation windows),
    epochs_run, rows, seconds, data_sha256, and artifact (the model's `to_dict()`, for "ok").
    Raises ConfigError for bad options before any training, ClusterError when the scheduler is unusable.
    """
    params = check_options(options)
    tasks = [(key, data, params) for key, data in series_by_id.items()]
    return run_tasks(tasks, n_jobs=n_jobs, scheduler=scheduler, connect_timeout=connect_timeout,
                     worker_timeout=worker_timeout,
                chunk_size=chunk_size, fail_fast=fail_fast, on_result=on_result,
                keep_artifacts=keep_artifacts, threads=threads)


def _check_memory(tasks: list) -> None:
    """ConfigError before any work when a task clearly cannot be trained in memory: for each set of
    options (a sweep has many), the longest series is checked."""
    longest: dict = {}  # id(params) -> (rows, data, params)
    for _, data, params in tasks:
        if not isinstance(data, BaseException):
            rows = len(data.values) if is_series(data) else len(np.asarray(data))
            if rows > longest.get(id(params), (-1,))[0]:
                longest[id(params)] = (rows, data, params)
    for rows, data, params in longest.values():
        n_features, n_targets = (len(data.features), len(data.targets)) if is_series(data) else (1, 1)
        sizing.check_training(params, rows, n_features, n_targets)


def exit_code(results: list[Result]) -> int:
    """0 when every series trained, 3 when some did and some did not, 1 when none did (or none ran)."""
    ok = sum(r["status"] == "ok" for r in results)
    if results and ok == len(results):
        return 0
    return 3 if ok else 1


def default_chunk_size(tasks_or_series, options: dict | None = None, n_workers: int = 1) -> int:
    """Series per Dask task: about `TASK_SECONDS` of work, and at least 4 tasks per worker thread.

    The work is estimated from each series' length, past, epochs, layers and hidden (`_COST_US`;
    one network per series), not measured: a cluster's cores may be faster or slower. The number
    of tasks is then rounded up to a multiple of the workers, so that they finish together.
    """
    if isinstance(tasks_or_series, Mapping):
        tasks = [(key, data, check_options(options or {})) for key, data in tasks_or_series.items()]
    else:
        tasks = list(tasks_or_series)
    costs = [_estimate_seconds(data, opts) for _, data, opts in tasks if not isinstance(data, BaseException)]
    if not costs:
        return 1
    workers = max(1, n_workers)
    n_chunks = max(4 * workers, math.ceil(sum(costs) / TASK_SECONDS))
    n_chunks = math.ceil(n_chunks / workers) * workers
    return max(1, math.ceil(len(tasks) / n_chunks))


def _estimate_seconds(data, params: dict) -> float:
    values = data.values if is_series(data) else np.asarray(data)
    n_inputs = len(data.features) if is_series(data) else 1
    windows = max(1, len(values) - params["past"] - params["future"] + 1)
    hidden = params["hidden"]
    per_step = _COST_US[0] + _COST_US[1] * hidden * (hidden + n_inputs)
    return 1e-6 * per_step * windows * params["past"] * params["epochs"] * params["layers"]

def _is_count(value, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= minimum


def _check_n_jobs(n_jobs) -> int:
    if not _is_count(n_jobs, -(2**31)) or n_jobs == 0:
        raise ConfigError(f"`n_jobs` must be a whole number of processes (or -1 for all cores), "
                          f"got {n_jobs!r}")
    return int(n_jobs)


def run_tasks(tasks: list, *, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast, on_result,
              keep_artifacts, worker_timeout: float = 60, threads="auto") -> list[Result]:
    """Train (key, data, params) tasks on the chosen backend; results in task order.

    `threads` sets the BLAS threads of the tasks trained in this process; workers use one each."""
    n_jobs = _check_n_jobs(n_jobs)
    if scheduler is not None and n_jobs != 1:
        raise ConfigError("use either `n_jobs` (local processes) or `scheduler` (a Dask cluster), "
                          "not both")
    if chunk_size is not None and not _is_count(chunk_size, 1):
        raise ConfigError(f"`chunk_size` must be a whole number of series >= 1, got {chunk_size!r}")
    for name, seconds in (("connect_timeout", connect_timeout), ("worker_timeout", worker_timeout)):
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise ConfigError(f"`{name}` must be a positive number of seconds, got {seconds!r}")
    _check_memory(tasks)
    keys = [key for key, _, _ in tasks]
    results: dict = {}
    first_failure = []

    def handle(result: Result) -> bool:
        """Record one result and pass it on; True when the run should stop."""
        results[result["id"]] = result
        if on_result is not None:
            on_result(result)
        if not keep_artifacts:
            result["artifact"] = None
        if result["status"] != "ok" and not first_failure:
            first_failure.append(result["id"])
        return bool(fail_fast and first_failure)

    stop = False
    for key, data, _ in tasks:
        if isinstance(data, BaseException):
            stop = handle(_failed(key, one_line(data))) or stop
    runnable = [task for task in tasks if not isinstance(task[1], BaseException)]
    if runnable and not stop:
        if scheduler is not None:
            _run_dask(runnable, scheduler, connect_timeout, chunk_size, handle, worker_timeout)
        elif n_jobs == 1 or len(runnable) == 1:
            for key, data, params in runnable:
                if handle(_train_one(key, data, params, threads)):
                    break
        else:
            _run_local(runnable, n_jobs, chunk_size, handle)
    for key in keys:
        if key not in results:
            reason = (f"not trained: `fail_fast` stopped the run after series {first_failure[0]!r} failed"
                      if first_failure else "not trained: the run ended early")
            handle({**_failed(key, reason), "status": "cancelled"})
    return [results[key] for key in keys]


def _run_local(tasks: list, n_jobs: int, chunk_size: int | None, handle) -> None:
    """joblib's loky processes, BLAS limited to one thread each; results as they complete.

    Tasks are handed to joblib lazily (a few per worker ahead), so a fail-fast stop just hands out no
    more: the series already running finish and are recorded, the rest are cancelled. (Aborting the
    workers instead races inside loky.) An exception or Ctrl-C in this loop does abort them.
    """
    from joblib import Parallel, delayed, parallel_config

    stop = threading.Event()

    def todo():
        for key, data, params in tasks:
            if stop.is_set():
                return
            yield delayed(_train_one)(key, data, params)

    with parallel_config(backend="loky", inner_max_num_threads=1):
        outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered", pre_dispatch="2*n_jobs",
                           batch_size=chunk_size or "auto")(todo())
        try:
            for result in outputs:
                if handle(result):
                    stop.set()
        finally:
            with warnings.catch_warnings():  # joblib warns that an early stop cancels tasks: it is meant to
                warnings.filterwarnings("ignore", r".*(cancelled|not used)", UserWarning)
                outputs.close()


def _train_one(key, data, params: dict, threads="auto") -> Result:
    """Train one series; any exception becomes a failed result with a one-line error."""
    start = time.perf_counter()
    rows = None
    try:
        rows = len(data.values) if is_series(data) else len(np.asarray(data))
        model = Forecaster(**params).fit(data, threads=threads)
        art = model.to_dict()
    except Exception as e:
        return {**_failed(key, one_line(e)), "rows": rows, "seconds": time.perf_counter() - start}
    return {"id": key, "status": "ok", "error": None, "val_rmse": _floats(model.val_rmse_),
            "naive_rmse": _floats(model.naive_rmse_), "snaive_rmse": _floats(model.snaive_rmse_),
            "epochs_run": model.history_.epochs_run,
            "rows": rows, "seconds": time.perf_counter() - start, "data_sha256": series_sha256(data),
            "artifact": art}


def _train_chunk(chunk: list) -> list[Result]:
    """A Dask task: train a chunk of (key, data, params) one after another."""
    return [_train_one(key, data, params) for key, data, params in chunk]


def _failed(key, error: str) -> Result:
    return {"id": key, "status": "failed", "error": error, "val_rmse": None, "naive_rmse": None,
            "snaive_rmse": None, "epochs_run": None, "rows": None, "seconds": None, "data_sha256": None,
            "artifact": None}


def _floats(values) -> list:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).ravel()]


def one_line(e: BaseException | str) -> str:
    """An error as one line: RnncliError messages as they are, others prefixed with their type."""
    if isinstance(e, BaseException):
        text = str(e) if isinstance(e, RnncliError) else f"{type(e).__name__}: {e}".rstrip(": ")
    else:
        text = e
    text = " ".join(text.split())
    return shortened(text, _ERROR_CHARS)  # cut where the command line's text of it is cut

# --- Dask ------------------------------------------------------------------------------------------


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("`scheduler` needs the 'dask' extra: pip install 'rnncli[dask]'") from None
    return distributed


def scheduler_address(address: str) -> str:
    """The address with its scheme checked ("host:8786" means tcp://host:8786)."""
    text = str(address).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme.lower() not in SCHEMES or not rest or re.search(r"\s", rest):
        raise ClusterError(f"invalid `scheduler` {str(address)!r}; use a Dask scheduler address such as "
                           f"tcp://host:8786 (schemes: {', '.join(SCHEMES)})")
    return f"{scheme.lower()}://{rest}"


def _canary() -> str:
    """Runs on a worker: proves the worker can import rnncli, and says which version."""
    import rnncli

    return rnncli.__version__


def _connect(address: str, timeout: float):
    """A Client with at least one worker, every worker running this rnncli, or ClusterError.

    One hard deadline of `timeout` seconds holds around all of it (connecting, the client's creation,
    waiting for a worker, the canary on every worker): the steps run in a helper thread, each with the
    time left, and a step that never returns (a server that accepts and never answers: distributed's
    handshake has no timeout) is abandoned at the deadline, its client closed in the background.
    """
    address = scheduler_address(address)
    distributed = _import_distributed()
    # made in two steps so that a Client that failed to connect can be closed now: left to the
    # garbage collector it would try to close itself later, on a stopped loop, and time out
    client = distributed.Client.__new__(distributed.Client)
    stage = ["connecting to it"]
    outcome: dict = {}

    def attempt() -> None:
        try:
            _connect_steps(client, address, timeout, stage)
            outcome["client"] = client
        except BaseException as e:  # handed to the caller's thread
            outcome["error"] = e

    thread = threading.Thread(target=attempt, name="rnncli-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + _GRACE_SECONDS)  # the steps' own timeouts say more, when they come in time
    if "error" in outcome:
        raise outcome["error"]
    if "client" in outcome:
        return client
    _close_in_background(client)
    raise ClusterError(f"the Dask scheduler at {address} did not answer within the `connect_timeout` "
                       f"({timeout:g} s) while {stage[0]}; check that `scheduler` names a running Dask "
                       "scheduler, or raise `connect_timeout`")


_GRACE_SECONDS = 0.5


def _close_in_background(client) -> None:
    """Close an abandoned client in a daemon thread, without waiting for it."""

    def close() -> None:
        with contextlib.suppress(Exception):
            client.close(timeout=1)

    threading.Thread(target=close, name="rnncli-dask-close", daemon=True).start()


def _connect_steps(client, address: str, timeout: float, stage: list) -> None:
    """Connect `client` (made by `Client.__new__`) and check its workers; `stage[0]` says where it is."""
    deadline = time.monotonic() + timeout
    try:
        client.__init__(address, timeout=timeout, set_as_default=False)
    except Exception as e:
        with contextlib.suppress(Exception):
            client.close(timeout=timeout)
        raise ClusterError(f"cannot connect to the Dask scheduler at {address} within {timeout:g} s "
                           f"({one_line(e)}); check `scheduler`, or start one with 'dask scheduler'"
                           ) from None
    try:
        stage[0] = "waiting for a worker"
        try:
            client.wait_for_workers(1, timeout=max(0.1, deadline - time.monotonic()))
        except Exception:
            raise ClusterError(f"the Dask scheduler at {address} has no workers after {timeout:g} s; "
                               f"start some with 'dask worker {address}'") from None
        stage[0] = "running a test task on every worker"
        try:
            # one canary pinned to each worker: every worker must import this rnncli, not just one
            workers = sorted(client.scheduler_info()["workers"])
            canaries = [client.submit(_canary, pure=False, workers=[w], allow_other_workers=False)
                        for w in workers]
            versions = [c.result(timeout=max(0.1, deadline - time.monotonic())) for c in canaries]
            version = next((v for v in versions if v != __version__), __version__)
        except ImportError as e:
            raise ClusterError(f"the Dask workers at {address} cannot import rnncli ({one_line(e)}); "
                               f"install rnncli {__version__} on every worker") from None
        except Exception as e:
            what = ("did not run a test task within the `connect_timeout`"
                    if isinstance(e, TimeoutError) or "Timeout" in type(e).__name__ else
                    f"failed a test task ({one_line(e)})")
            raise ClusterError(f"the Dask workers at {address} {what} ({timeout:g} s); "
                               "check the workers' logs, or raise `connect_timeout`") from None
        if version != __version__:
            raise ClusterError(f"the Dask workers at {address} run rnncli {version} but this is rnncli "
                               f"{__version__}; install the same version on every worker")
    except BaseException:
        client.close()
        raise


def _run_dask(tasks: list, address: str, timeout: float, chunk_size: int | None, handle,
              worker_timeout: float = 60) -> None:
    """Chunks of series as Dask tasks; results collected as they complete, by this process.

    A watchdog thread asks the scheduler for its workers every `_WATCH_SECONDS`; when there has been
    none (or no answer) for `worker_timeout` seconds, the chunks not done are cancelled and their
    series fail with that reason; the finished ones are kept.
    """
    client = _connect(address, timeout)
    distributed = _import_distributed()
    lost: list = []  # the reason, once every worker has been gone too long
    done = threading.Event()
    try:
        n_workers = sum(client.nthreads().values())
        size = chunk_size or default_chunk_size(tasks, n_workers=n_workers)
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = {client.submit(_train_chunk, chunk, pure=False): chunk for chunk in chunks}

        def results(future) -> list:
            if lost and future.status != "finished":
                return [_failed(key, lost[0]) for key, _, _ in futures[future]]
            try:
                return future.result()
            except Exception as e:  # the task itself failed (a worker died...): its series fail
                error = f"the Dask task failed: {one_line(e)}"
                return [_failed(key, error) for key, _, _ in futures[future]]

        def cancel_unfinished() -> None:
            client.cancel([f for f in futures if f.status != "finished"])

        threading.Thread(target=_watch_workers, args=(client, worker_timeout, lost, done, cancel_unfinished),
                         name="rnncli-dask-watchdog", daemon=True).start()
        collected = set()
        for future in distributed.as_completed(list(futures), loop=client.loop):
            collected.add(future)
            if any([handle(result) for result in results(future)]):
                # --fail-fast: what finished meanwhile is kept (not cancelled); the rest is cancelled
                for other in futures:
                    if other not in collected and other.status == "finished":
                        for result in results(other):
                            handle(result)
                client.cancel(list(futures))
                break
    finally:
        done.set()
        client.close()


_WATCH_SECONDS = 0.5


def _watch_workers(client, worker_timeout: float, lost: list, done: threading.Event, cancel) -> None:
    """Until `done`: when the cluster has had no worker for `worker_timeout` s, put the reason in
    `lost` and `cancel()` the unfinished chunks (their futures then complete, as cancelled)."""
    since = None
    while not done.wait(_WATCH_SECONDS):
        try:
            workers = len(client.nthreads())
        except Exception:  # the scheduler does not answer: no worker can be reached either
            workers = 0
        if workers:
            since = None
            continue
        now = time.monotonic()
        since = now if since is None else since
        if now - since >= worker_timeout:
            lost.append(f"not trained: the Dask cluster had no worker for {worker_timeout:g} s "
                        "(`worker_timeout`); start workers and train again")
            with contextlib.suppress(Exception):
                cancel()
            return
