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
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait

import numpy as np

from .. import __version__
from ..errors import ClusterError, ConfigError, RnncliError, shortened
from ..io.csv import is_series, series_sha256
from ..io.modeldir import Result, check_options
from ..model import sizing
from ..model.forecaster import Forecaster
from ..threads import BLAS_ENV

__all__ = ["SCHEMES", "default_chunk_size", "exit_code", "run_tasks", "scheduler_address", "train_many"]

SCHEMES = ("tcp", "tls", "inproc", "ws", "wss", "ucx")  # the comms distributed can register
TASK_SECONDS = 1.0  # a task's target duration, for the default chunk size
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
    chunk_size: series per task (default `default_chunk_size`), for loky and Dask alike.
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
    """Series per task (loky or Dask): about `TASK_SECONDS` of work, and at least 4 tasks per worker thread.

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
        if scheduler is None and (n_jobs == 1 or len(runnable) == 1):
            for key, data, params in runnable:
                if handle(_train_one(key, data, params, threads)):
                    break
        else:
            _run_parallel(runnable, n_jobs, scheduler, connect_timeout, worker_timeout, chunk_size, handle)
    for key in keys:
        if key not in results:
            reason = (f"not trained: `fail_fast` stopped the run after series {first_failure[0]!r} failed"
                      if first_failure else "not trained: the run ended early")
            handle({**_failed(key, reason), "status": "cancelled"})
    return [results[key] for key in keys]


def _run_parallel(tasks: list, n_jobs: int, scheduler: str | None, connect_timeout: float,
                  worker_timeout: float, chunk_size: int | None, handle) -> None:
    """Chunks of tasks on a concurrent.futures executor, loky's processes or a Dask cluster, in one
    loop; results collected as they complete, by this process.

    Loky gets one chunk more than it has workers, Dask every chunk at once. A task that raises (a Dask
    worker died...) fails its chunk's series only; a dead loky worker breaks loky's pool, and the run
    raises an RnncliError that says so. Fail-fast shuts the executor down: loky runs what it holds, Dask
    cancels what is not done; both keep what finished. A chunk the Dask watchdog cancelled
    (`_dask_executor`) fails with its reason.
    """
    with (_dask_executor(scheduler, connect_timeout, worker_timeout) if scheduler else
          _loky_executor(n_jobs)) as (executor, n_workers, lost):
        size = chunk_size or default_chunk_size(tasks, n_workers=n_workers)
        chunks = (tasks[i : i + size] for i in range(0, len(tasks), size))
        ahead = len(tasks) if scheduler else n_workers + 1
        running: dict = {}
        stopping = False
        while True:
            while not stopping and len(running) < ahead and (chunk := next(chunks, None)):
                try:
                    running[executor.submit(_train_chunk, chunk)] = chunk
                except BrokenExecutor as e:  # a worker died (killed, out of memory): the pool is gone
                    raise RnncliError(
                        f"a worker process died ({shortened(one_line(e), 120)}); the series not finished "
                        "were not trained: free memory or use fewer worker processes, and train them again"
                    ) from e
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = running.pop(future)
                if future.cancelled():  # by a fail-fast stop (its series are cancelled later) or lost
                    results = [_failed(key, lost[0]) for key, _, _ in chunk] if lost else []
                elif future.exception() is not None:
                    error = f"the {'Dask ' if scheduler else ''}task failed: {one_line(future.exception())}"
                    results = [_failed(key, error) for key, _, _ in chunk]
                else:
                    results = future.result()
                if any([handle(result) for result in results]) and not stopping:
                    stopping = True
                    executor.shutdown(wait=False)


@contextlib.contextmanager
def _loky_executor(n_jobs: int):
    """joblib's reusable loky executor (the one `Parallel` uses), n_jobs processes with single-threaded
    BLAS: (executor, workers, []). An exception or Ctrl-C in the `with` block kills the workers."""
    from joblib import effective_n_jobs
    from joblib.executor import get_memmapping_executor

    n_workers = effective_n_jobs(n_jobs)
    executor = get_memmapping_executor(n_workers, env=dict.fromkeys(BLAS_ENV, "1"))
    try:
        yield executor, n_workers, []
    except BaseException:
        executor.shutdown(wait=False, kill_workers=True)
        raise


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


@contextlib.contextmanager
def _dask_executor(address: str, timeout: float, worker_timeout: float):
    """The cluster's concurrent.futures executor: (executor, worker threads, lost); a watchdog thread
    (`_watch_workers`) puts a reason in `lost` and cancels the tasks not done when it loses every worker."""
    client = _connect(address, timeout)
    executor, lost, done = client.get_executor(pure=False), [], threading.Event()
    try:
        threading.Thread(target=_watch_workers, args=(client, executor, worker_timeout, lost, done),
                         name="rnncli-dask-watchdog", daemon=True).start()
        yield executor, sum(client.nthreads().values()), lost
    finally:
        done.set()
        client.close()


_WATCH_SECONDS = 0.5


def _watch_workers(client, executor, worker_timeout: float, lost: list, done: threading.Event) -> None:
    """Until `done`, every `_WATCH_SECONDS`: once the cluster has had no worker (or not answered) for
    `worker_timeout` s, put the reason in `lost` and cancel the unfinished tasks (shut `executor` down)."""
    seen = time.monotonic()  # when a worker was last seen
    while not done.wait(_WATCH_SECONDS):
        with contextlib.suppress(Exception):  # a scheduler that does not answer reaches no worker either
            if client.nthreads():
                seen = time.monotonic()
        if time.monotonic() - seen >= worker_timeout:
            lost.append(f"not trained: the Dask cluster had no worker for {worker_timeout:g} s "
                        "(`worker_timeout`); start workers and train again")
            with contextlib.suppress(Exception):
                executor.shutdown(wait=False)
            return
