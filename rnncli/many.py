"""Many series: one model per series, trained in parallel on local cores or on a Dask cluster.

    >>> from rnncli import many
    >>> table = many.read_long_csv("long.csv", "store")          # {id: Series}, one per store
    >>> options = {"past": 12, "future": 6, "hidden": 16}
    >>> with many.ModelDirWriter("models", ids=table.series, info=many.dir_info(table, options)) as out:
    ...     results = many.train_many(table.series, options, n_jobs=2, on_result=out.add)
    >>> many.exit_code(results)                                   # 0 all ok, 3 some failed, 1 none
    >>> model = many.load_series("models", "store-7")             # reads the manifest and one file

Every series is trained by `Forecaster(**options).fit(series)` with the same options, seed included, so
a series' weights do not depend on where it ran: in this process (`n_jobs=1`), in joblib's loky worker
processes (`n_jobs=N`, BLAS single-threaded in each) or on a Dask cluster (`scheduler="tcp://..."`,
through the optional extra `rnncli[dask]`). Workers return plain results; only the calling process
writes files, through `on_result`, so workers need no shared filesystem.

A series that cannot be trained (too short, a missing value, constant, any error in `fit`) becomes a
result with status "failed" and a one-line error; the others go on. With `fail_fast` the first failure
stops the run and the series not yet done are "cancelled".

A model directory holds `manifest.json` (format "rnncli-model-dir", options, the data's sha256, and per
series its id, file, status, validation scores and error), one `series/<safe-id>.joblib` per trained
series (an ordinary rnncli model file), and `failures.csv` (id,error) when any series failed.

Nothing here prints; click and rich stay in `cli.py` and `progress.py`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import math
import os
import re
import threading
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from . import __version__, artifact
from .errors import ArtifactError, ClusterError, ConfigError, DataError, RnncliError, TrainingError
from .forecaster import Forecaster

__all__ = [
    "DIR_FORMAT", "DIR_FORMAT_VERSION", "SCHEMES", "LongTable", "ModelDirWriter", "already_trained",
    "default_chunk_size", "dir_info", "exit_code", "is_model_dir", "load_series", "read_long_csv",
    "read_manifest", "safe_id", "safe_ids", "scheduler_address", "series_sha256", "sweep", "train_many",
    "write_model_dir",
]

DIR_FORMAT = "rnncli-model-dir"
DIR_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FAILURES = "failures.csv"
SERIES_DIR = "series"
STATUSES = ("ok", "failed", "cancelled")
SCHEMES = ("tcp", "tls", "inproc", "ws", "wss", "ucx")  # the comms distributed can register
TASK_SECONDS = 1.0  # a Dask task's target duration, for the default chunk size
# Training cost, in microseconds per (window x past step x epoch x layer): an overhead per step plus
# the gate products. Measured on one core (2020s x86, float32, batch 32); only its order matters.
_COST_US = (1.8, 1e-3)
_PLAIN_ID = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9_-])?")
_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?")  # names Windows will not create
_SERIES_FILE = re.compile(r"series/[a-z0-9](?:[a-z0-9._-]{0,200})\.joblib")
_ERROR_CHARS = 300

Result = dict  # {id, status, error, val_rmse, naive_rmse, epochs_run, rows, seconds, data_sha256, artifact}


# --- reading a long table --------------------------------------------------------------------------


@dataclass
class LongTable:
    """The series of a long CSV, split by its id column.

    `series` maps each id (the cell's text, in order of first appearance) to the `Series` that
    `read_csv` would make of that id's rows alone, or to the `DataError` it would raise: one bad
    series does not stop the others, and `train_many` reports it as failed.
    """

    series: dict
    id_col: str
    time_col: str | None
    source: str
    sha256: str


def read_long_csv(path_or_dash, id_col: str, *, delimiter: str = ",", encoding: str = "utf-8",
                  time_col: str | None = "auto", targets=(), features=(), fill: str = "error",
                  resample: str | None = None, smooth: int | None = None) -> LongTable:
    """Read a long CSV ("-" for stdin) with one row per (id, time) into one `Series` per id.

    The file is read and split once; each id's rows then go through `read_csv`'s own checks, so its
    messages name the file line to fix (the source reads "long.csv [store=7]"). The time column is
    chosen once, on the first id's rows, so every series reads the same column. Options are
    `read_csv`'s. Raises ConfigError for an unknown column and DataError for a file that cannot be
    split (unreadable, no rows, an empty id); a problem inside one series is stored as its value.
    """
    from . import io as rio

    delimiter = rio._check_delimiter(delimiter)
    encoding = rio._check_encoding(encoding)
    fill, resample, smooth = rio._check_fill(fill), rio._check_resample(resample), rio._check_smooth(smooth)
    targets, features = rio._names(targets), rio._names(features)
    source = rio._source_name(path_or_dash)
    raw = rio._read_bytes(path_or_dash, source)
    header, rows, lines = rio._split_records(rio._decode(raw, encoding, source), delimiter, source)
    if id_col not in header:
        raise ConfigError(f"unknown --id-col {id_col!r} in {source}; available columns: {', '.join(header)}")
    for option, names in (("--time-col", [time_col]), ("--target", targets), ("--features", features)):
        if id_col in names:
            raise ConfigError(f"{option} {id_col!r} is the id column (--id-col); choose another column")
    k = header.index(id_col)
    header = header[:k] + header[k + 1:]
    if not header:
        raise DataError(f"{source} has only the id column {id_col!r}; add a column of values")
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if not row[k]:
            raise DataError(f"{source} line {lines[i]}: empty value in the id column {id_col!r}; "
                            "fill it in or delete the row")
        groups.setdefault(row[k], []).append(i)
    cells = [row[:k] + row[k + 1:] for row in rows]

    first = next(iter(groups.values()))
    chosen, _ = rio._choose_time_col(time_col, header, np.array([cells[i] for i in first], dtype=object),
                                     source)
    series: dict = {}
    for key, where in groups.items():
        name = f"{source} [{id_col}={key}]"
        try:
            series[key] = rio._build_series(
                header, [cells[i] for i in where], [lines[i] for i in where], name, time_col=chosen,
                targets=targets, features=features, fill=fill, resample=resample, smooth=smooth)
        except DataError as e:
            series[key] = e
        except (ValueError, TypeError, OverflowError, ArithmeticError) as e:  # read_csv's safety net
            series[key] = DataError(f"{name}: cannot read the table: {_one_line(e)}")
    return LongTable(series, id_col, chosen, source, rio.sha256_of(raw))


def series_sha256(data) -> str:
    """The hex SHA-256 of what a model is trained on: a Series' values, columns and time, or an array."""
    h = hashlib.sha256()
    if _is_series(data):
        meta = {"columns": list(data.columns), "features": list(data.features), "targets": list(data.targets),
                "time_col": data.time_col, "freq": data.freq, "step": data.step}
        h.update(json.dumps(meta, sort_keys=True).encode())
        h.update(np.ascontiguousarray(data.values, dtype=np.float64).tobytes())
        if data.time is not None:
            h.update(np.ascontiguousarray(data.time).view(np.int64).tobytes())
    else:
        values = np.ascontiguousarray(np.asarray(data, dtype=np.float64))
        h.update(repr(values.shape).encode())
        h.update(values.tobytes())
    return h.hexdigest()


# --- file names ------------------------------------------------------------------------------------


def safe_id(value, digits: int = 8) -> str:
    """A file name for a series id: the id itself when it is already a plain lower-case name, else
    an ASCII slug of it and the first `digits` hex digits of its SHA-256 ("A/B" -> "a-b-5c3f...").

    Plain means [a-z0-9._-], at most 64 characters, starting with a letter or digit, not ending with a
    dot, no "..", and not a name Windows reserves (con, nul, com1...). The result never holds a path
    separator, and is distinct for distinct ids on case-insensitive filesystems too: upper case is
    never kept as is. `safe_ids` settles the (astronomically rare) collisions of a whole set.
    """
    text = str(value)
    if _PLAIN_ID.fullmatch(text) and ".." not in text and not _RESERVED.fullmatch(text):
        return text
    return _hashed(text, digits)


def safe_ids(values: Iterable) -> dict[str, str]:
    """{str(id): file name} for a set of ids, distinct even ignoring case.

    Each name is `safe_id(id)`; ids whose names clash get a longer hash (16, 32, then all 64 hex
    digits), so the result does not depend on the order of `values`.
    """
    texts = [str(v) for v in values]
    if len(set(texts)) != len(texts):
        dup = next(t for t in texts if texts.count(t) > 1)
        raise ConfigError(f"the series id {dup!r} appears twice")
    names = {t: safe_id(t) for t in texts}
    digits = 8
    while True:
        owners: dict[str, list[str]] = {}
        for text, name in names.items():
            owners.setdefault(name.casefold(), []).append(text)
        clashes = [group for group in owners.values() if len(group) > 1]
        if not clashes or digits >= 64:
            return names
        digits *= 2
        for group in clashes:
            for text in group:
                names[text] = _hashed(text, digits)


def _hashed(text: str, digits: int) -> str:
    """An ASCII slug of `text` and the first `digits` hex digits of its SHA-256."""
    slug = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", slug).strip("-_")[:48].strip("-_") or "series"
    return f"{slug}-{_digest(text)[:digits]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- training --------------------------------------------------------------------------------------


def train_many(series_by_id: Mapping, options: dict, *, n_jobs: int = 1, scheduler: str | None = None,
               connect_timeout: float = 10, chunk_size: int | None = None, fail_fast: bool = False,
               on_result: Callable[[Result], None] | None = None,
               keep_artifacts: bool = True) -> list[Result]:
    """Train `Forecaster(**options).fit(series)` for every series; results in the order of `series_by_id`.

    series_by_id: {id: Series or array (n_rows,) / (n_rows, 1)}; a value that is an exception (the
    DataError `read_long_csv` stored for an unreadable series) is reported failed without training.
    n_jobs: 1 trains here, one series after another; N > 1 (or -1, all cores) in N loky processes,
    each with single-threaded BLAS. scheduler: a Dask scheduler address ("tcp://host:8786") instead.
    chunk_size: series per task (loky's batch size; for Dask, default `default_chunk_size`).
    on_result(result) is called in this process once per series, as each completes (cancelled ones
    last); with keep_artifacts=False the returned results then drop their artifact to save memory.

    Each result is a plain dict: id, status ("ok", "failed" or "cancelled"), error (one line or None),
    val_rmse and naive_rmse (lists, one float per target, None when there are no validation windows),
    epochs_run, rows, seconds, data_sha256, and artifact (the model's `to_dict()`, for "ok").
    Raises ConfigError for bad options before any training, ClusterError when the scheduler is unusable.
    """
    params = _check_options(options)
    tasks = [(key, data, params) for key, data in series_by_id.items()]
    return _run(tasks, n_jobs=n_jobs, scheduler=scheduler, connect_timeout=connect_timeout,
                chunk_size=chunk_size, fail_fast=fail_fast, on_result=on_result,
                keep_artifacts=keep_artifacts)


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
        tasks = [(key, data, _check_options(options or {})) for key, data in tasks_or_series.items()]
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
    values = data.values if _is_series(data) else np.asarray(data)
    n_inputs = len(data.features) if _is_series(data) else 1
    windows = max(1, len(values) - params["past"] - params["future"] + 1)
    hidden = params["hidden"]
    per_step = _COST_US[0] + _COST_US[1] * hidden * (hidden + n_inputs)
    return 1e-6 * per_step * windows * params["past"] * params["epochs"] * params["layers"]


def _check_options(options: dict) -> dict:
    """Forecaster's full parameters for `options`, checked here before any work is sent anywhere."""
    try:
        return Forecaster(**options).get_params()
    except TypeError:
        known = Forecaster(1, 1).get_params()
        unknown = [k for k in options if k not in known]
        if not unknown:
            raise
        raise ConfigError(f"unknown training option {unknown[0]!r}; known: {', '.join(known)}") from None


def _is_count(value, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= minimum


def _check_n_jobs(n_jobs) -> int:
    if not _is_count(n_jobs, -(2**31)) or n_jobs == 0:
        raise ConfigError(f"-j/--n-jobs must be a whole number of processes (or -1 for all cores), "
                          f"got {n_jobs!r}")
    return int(n_jobs)


def _run(tasks: list, *, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast, on_result,
         keep_artifacts) -> list[Result]:
    """Train (key, data, params) tasks on the chosen backend; results in task order."""
    n_jobs = _check_n_jobs(n_jobs)
    if scheduler is not None and n_jobs != 1:
        raise ConfigError("use either -j/--n-jobs (local processes) or --scheduler (a Dask cluster), "
                          "not both")
    if chunk_size is not None and not _is_count(chunk_size, 1):
        raise ConfigError(f"--chunk-size must be a whole number of series >= 1, got {chunk_size!r}")
    if not (isinstance(connect_timeout, (int, float)) and math.isfinite(connect_timeout)
            and connect_timeout > 0):
        raise ConfigError(f"--connect-timeout must be a positive number of seconds, got {connect_timeout!r}")
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
            stop = handle(_failed(key, _one_line(data))) or stop
    runnable = [task for task in tasks if not isinstance(task[1], BaseException)]
    if runnable and not stop:
        if scheduler is not None:
            _run_dask(runnable, scheduler, connect_timeout, chunk_size, handle)
        elif n_jobs == 1 or len(runnable) == 1:
            for key, data, params in runnable:
                if handle(_train_one(key, data, params)):
                    break
        else:
            _run_local(runnable, n_jobs, chunk_size, handle)
    for key in keys:
        if key not in results:
            reason = (f"not trained: --fail-fast stopped the run after series {first_failure[0]!r} failed"
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


def _train_one(key, data, params: dict) -> Result:
    """Train one series; any exception becomes a failed result with a one-line error."""
    start = time.perf_counter()
    rows = None
    try:
        rows = len(data.values) if _is_series(data) else len(np.asarray(data))
        _check_not_constant(data)
        model = Forecaster(**params).fit(data)
        art = model.to_dict()
    except Exception as e:
        return {**_failed(key, _one_line(e)), "rows": rows, "seconds": time.perf_counter() - start}
    return {"id": key, "status": "ok", "error": None, "val_rmse": _floats(model.val_rmse_),
            "naive_rmse": _floats(model.naive_rmse_), "epochs_run": model.history_.epochs_run,
            "rows": rows, "seconds": time.perf_counter() - start, "data_sha256": series_sha256(data),
            "artifact": art}


def _train_chunk(chunk: list) -> list[Result]:
    """A Dask task: train a chunk of (key, data, params) one after another."""
    return [_train_one(key, data, params) for key, data, params in chunk]


def _check_not_constant(data) -> None:
    """DataError for a target that never changes: there is nothing for a network to learn."""
    if _is_series(data):
        values, cols = np.asarray(data.values, dtype=np.float64), list(data.columns)
        targets = [(name, values[:, cols.index(name)]) for name in data.targets]
    else:
        values = np.asarray(data, dtype=np.float64)
        if values.ndim != 1 and not (values.ndim == 2 and values.shape[1] == 1):
            return
        targets = [("x0", values.reshape(-1))]
    for name, column in targets:
        if len(column) > 1 and np.isfinite(column).all() and (column == column[0]).all():
            raise DataError(f"the target {name!r} is constant ({column[0]:g} in all {len(column)} rows): "
                            "there is nothing to learn; drop the series or forecast it as that value")


def _failed(key, error: str) -> Result:
    return {"id": key, "status": "failed", "error": error, "val_rmse": None, "naive_rmse": None,
            "epochs_run": None, "rows": None, "seconds": None, "data_sha256": None, "artifact": None}


def _floats(values) -> list:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).ravel()]


def _one_line(e: BaseException | str) -> str:
    """An error as one line: RnncliError messages as they are, others prefixed with their type."""
    if isinstance(e, BaseException):
        text = str(e) if isinstance(e, RnncliError) else f"{type(e).__name__}: {e}".rstrip(": ")
    else:
        text = e
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 3] + "..."


def _is_series(data) -> bool:
    return all(hasattr(data, a) for a in ("values", "columns", "features", "targets"))


# --- Dask ------------------------------------------------------------------------------------------


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--scheduler needs the 'dask' extra: pip install 'rnncli[dask]'") from None
    return distributed


def scheduler_address(address: str) -> str:
    """The address with its scheme checked ("host:8786" means tcp://host:8786)."""
    text = str(address).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme.lower() not in SCHEMES or not rest or re.search(r"\s", rest):
        raise ClusterError(f"invalid --scheduler {str(address)!r}; use a Dask scheduler address such as "
                           f"tcp://host:8786 (schemes: {', '.join(SCHEMES)})")
    return f"{scheme.lower()}://{rest}"


def _canary() -> str:
    """Runs on a worker: proves the worker can import rnncli, and says which version."""
    import rnncli

    return rnncli.__version__


def _connect(address: str, timeout: float):
    """A Client with at least one worker that runs this rnncli, or ClusterError within `timeout` s."""
    address = scheduler_address(address)
    distributed = _import_distributed()
    deadline = time.monotonic() + timeout
    # made in two steps so that a Client that failed to connect can be closed now: left to the
    # garbage collector it would try to close itself later, on a stopped loop, and time out
    client = distributed.Client.__new__(distributed.Client)
    try:
        client.__init__(address, timeout=timeout, set_as_default=False)
    except Exception as e:
        with contextlib.suppress(Exception):
            client.close(timeout=timeout)
        raise ClusterError(f"cannot connect to the Dask scheduler at {address} within {timeout:g} s "
                           f"({_one_line(e)}); check --scheduler, or start one with 'dask scheduler'"
                           ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=max(0.1, deadline - time.monotonic()))
        except Exception:
            raise ClusterError(f"the Dask scheduler at {address} has no workers after {timeout:g} s; "
                               f"start some with 'dask worker {address}'") from None
        try:
            version = client.submit(_canary, pure=False).result(timeout=max(0.1, deadline - time.monotonic()))
        except ImportError as e:
            raise ClusterError(f"the Dask workers at {address} cannot import rnncli ({_one_line(e)}); "
                               f"install rnncli {__version__} on every worker") from None
        except Exception as e:
            what = ("did not run a test task within the --connect-timeout"
                    if isinstance(e, TimeoutError) or "Timeout" in type(e).__name__ else
                    f"failed a test task ({_one_line(e)})")
            raise ClusterError(f"the Dask workers at {address} {what} ({timeout:g} s); "
                               "check the workers' logs, or raise --connect-timeout") from None
        if version != __version__:
            raise ClusterError(f"the Dask workers at {address} run rnncli {version} but this is rnncli "
                               f"{__version__}; install the same version on every worker")
    except BaseException:
        client.close()
        raise
    return client


def _run_dask(tasks: list, address: str, timeout: float, chunk_size: int | None, handle) -> None:
    """Chunks of series as Dask tasks; results collected as they complete, by this process."""
    client = _connect(address, timeout)
    distributed = _import_distributed()
    try:
        n_workers = sum(client.nthreads().values())
        size = chunk_size or default_chunk_size(tasks, n_workers=n_workers)
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = {client.submit(_train_chunk, chunk, pure=False): chunk for chunk in chunks}
        for future in distributed.as_completed(list(futures), loop=client.loop):
            try:
                batch = future.result()
            except Exception as e:  # the task itself failed (a worker died...): its series fail
                error = f"the Dask task failed: {_one_line(e)}"
                batch = [_failed(key, error) for key, _, _ in futures[future]]
            if any([handle(result) for result in batch]):
                client.cancel(list(futures))
                break
    finally:
        client.close()


# --- sweeps ----------------------------------------------------------------------------------------


def sweep(data, grid: Mapping, options: dict, *, n_jobs: int = 1, scheduler: str | None = None,
          connect_timeout: float = 10, chunk_size: int | None = None, fail_fast: bool = False,
          on_result: Callable[[Result], None] | None = None) -> dict:
    """Train one model per combination of `grid` ({option: [values]}) over `options`, ranked.

    Every combination of the grid's values (itertools.product, in the grid's order) goes through
    `train_many`'s parallel path, each with the same seed. Returns {"rows": [...], "best": artifact
    dict or None, "best_options": full options or None}; a row is {rank, id (e.g. "hidden=50
    lr=0.001"), options (the grid's values), status, val_rmse, naive_rmse (means over the targets),
    epochs_run, seconds, error}, ranked by validation RMSE (rank 1 is best; ties keep grid order),
    then the rows without a score (rank None).
    """
    if not isinstance(grid, Mapping):
        raise ConfigError(f"the sweep grid must map options to lists of values, got {type(grid).__name__}")
    axes = {}
    for name, values in grid.items():
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not values:
            raise ConfigError(f"the sweep gives no values for {name!r}")
        axes[name] = list(dict.fromkeys(values))
    tasks, combos = [], {}
    for values in itertools.product(*axes.values()):
        combo = dict(zip(axes, values, strict=True))
        params = _check_options({**options, **combo})
        if params["val_frac"] == 0:
            raise ConfigError("a sweep ranks models by validation RMSE, so --val-frac must be above 0")
        label = " ".join(f"{k}={v}" for k, v in combo.items()) or "default"
        combos[label] = (combo, params)
        tasks.append((label, data, params))
    results = _run(tasks, n_jobs=n_jobs, scheduler=scheduler, connect_timeout=connect_timeout,
                   chunk_size=chunk_size, fail_fast=fail_fast, on_result=on_result, keep_artifacts=True)
    rows = []
    for r in results:
        val, naive = _mean(r["val_rmse"]), _mean(r["naive_rmse"])
        rows.append({"rank": None, "id": r["id"], "options": combos[r["id"]][0], "status": r["status"],
                     "val_rmse": val, "naive_rmse": naive, "epochs_run": r["epochs_run"],
                     "seconds": r["seconds"], "error": r["error"]})
    scored = sorted((row for row in rows if row["val_rmse"] is not None), key=lambda row: row["val_rmse"])
    for rank, row in enumerate(scored, 1):
        row["rank"] = rank
    ranked = scored + [row for row in rows if row["rank"] is None]
    if not scored:
        return {"rows": ranked, "best": None, "best_options": None}
    best = next(r for r in results if r["id"] == scored[0]["id"])
    return {"rows": ranked, "best": best["artifact"], "best_options": combos[best["id"]][1]}


def _mean(values) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(values))


# --- the model directory ---------------------------------------------------------------------------


def dir_info(table: LongTable | None, options: dict, **extra) -> dict:
    """The run-level manifest fields: options (all of Forecaster's), data sha256, id column, source."""
    info = {"options": _check_options(options), "data_sha256": None, "id_col": None, "source": None}
    if table is not None:
        info.update(data_sha256=table.sha256, id_col=table.id_col, source=table.source)
    info.update(extra)
    return info


def is_model_dir(path) -> bool:
    """True when `path` is a directory holding a manifest.json (what `load_series` reads)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, MANIFEST))


class ModelDirWriter:
    """Write a model directory as results arrive: each series file at once, the manifest at the end.

    ids: every series id of the run, in the order the manifest lists them. info: `dir_info(...)`.
    keep: manifest entries of series already trained (see `already_trained`), carried over as they
    are. `add(result)` writes `series/<safe-id>.joblib` for an ok result (atomically) and records the
    entry; the manifest is rewritten (atomically, "complete": false) at most every `flush_seconds`,
    so an interrupted run can be resumed; `close()` (or leaving the `with` block, even on an error)
    writes the final manifest and `failures.csv`, or removes a stale `failures.csv` when none failed.
    """

    def __init__(self, path, *, ids: Iterable, info: dict, keep: Mapping | None = None,
                 flush_seconds: float = 10.0):
        self.path = os.fspath(path)
        self.ids = [str(i) for i in ids]
        self.info = dict(info)
        self.names = safe_ids(self.ids)
        self.entries: dict[str, dict] = {str(k): dict(v) for k, v in (keep or {}).items()}
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self._closed = False
        _prepare_dir(self.path)

    def __enter__(self) -> ModelDirWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, result: Result) -> None:
        """Record one result (writing its model file when it is ok)."""
        key = str(result["id"])
        if key not in self.names:
            raise ConfigError(f"series {key!r} is not one of this model directory's ids")
        file = None
        if result["status"] == "ok":
            file = f"{SERIES_DIR}/{self.names[key]}.joblib"
            artifact.save(result["artifact"], os.path.join(self.path, *file.split("/")))
        self.entries[key] = {
            "id": key, "file": file, "status": result["status"], "error": result["error"],
            "rows": result.get("rows"), "data_sha256": result.get("data_sha256"),
            "val_rmse": result["val_rmse"], "naive_rmse": result["naive_rmse"],
            "epochs_run": result["epochs_run"],
            "seconds": None if result.get("seconds") is None else round(float(result["seconds"]), 4)}
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def manifest(self) -> dict:
        """The manifest as it stands: entries in `ids` order, counts, "complete" when all are in."""
        series = [self.entries[i] for i in self.ids if i in self.entries]
        counts = {s: sum(e["status"] == s for e in series) for s in STATUSES}
        return {"format": DIR_FORMAT, "format_version": DIR_FORMAT_VERSION, "rnncli_version": __version__,
                **self.info, "complete": len(series) == len(self.ids), "counts": counts, "series": series}

    def flush(self) -> None:
        """Rewrite manifest.json with the entries so far."""
        text = json.dumps(self.manifest(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        artifact.atomic_write(os.path.join(self.path, MANIFEST), lambda f: f.write(text.encode("utf-8")),
                              what="manifest")
        self._last_flush = time.monotonic()

    def close(self) -> dict:
        """Write the final manifest and failures.csv; returns the manifest."""
        if self._closed:
            return self.manifest()
        self._closed = True
        manifest = self.manifest()
        failed = [e for e in manifest["series"] if e["status"] == "failed"]
        failures = os.path.join(self.path, FAILURES)
        if failed:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["id", "error"])
            writer.writerows([e["id"], e["error"]] for e in failed)
            data = out.getvalue().encode("utf-8")
            artifact.atomic_write(failures, lambda f: f.write(data), what="failures.csv")
        elif os.path.exists(failures):
            os.remove(failures)
        self.flush()
        return manifest


def write_model_dir(path, results: list[Result], info: dict) -> dict:
    """Write a whole model directory from `train_many`'s results at once; returns the manifest."""
    with ModelDirWriter(path, ids=[r["id"] for r in results], info=info) as out:
        for result in results:
            out.add(result)
    return out.manifest()


def _prepare_dir(path: str) -> None:
    """Create the directory; refuse a file, or a non-empty directory that is not a model directory."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise RnncliError(f"cannot write a model directory to '{path}': it is a file; "
                          "choose a directory name")
    if os.path.isdir(path) and os.listdir(path) and not os.path.exists(os.path.join(path, MANIFEST)):
        raise RnncliError(f"'{path}' is not empty and is not an rnncli model directory; "
                          "choose a new or empty directory")
    try:
        os.makedirs(os.path.join(path, SERIES_DIR), exist_ok=True)
    except OSError as e:
        raise RnncliError(f"cannot create the model directory '{path}': {e.strerror or e}") from None


def read_manifest(path) -> dict:
    """The checked manifest of a model directory (ArtifactError when it is missing, corrupt or newer)."""
    directory = os.fspath(path)
    if not os.path.isdir(directory):
        problem = "is a file, not a model directory" if os.path.exists(directory) else "does not exist"
        raise ArtifactError(f"'{directory}' {problem}")
    name = os.path.join(directory, MANIFEST)
    try:
        with open(name, "rb") as f:
            manifest = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"'{directory}' has no {MANIFEST}: it is not an rnncli model directory, or "
                            "its training never finished; train it again") from None
    except OSError as e:
        raise ArtifactError(f"cannot read '{name}': {e.strerror or e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ArtifactError(f"'{name}' is corrupt: {' '.join(str(e).split())}; train the directory again"
                            ) from None
    problem = _manifest_problem(manifest)
    if problem:
        raise ArtifactError(f"'{name}' is not a valid rnncli manifest: {problem}")
    if manifest["format_version"] > DIR_FORMAT_VERSION:
        raise ArtifactError(f"'{name}' has format version {manifest['format_version']}, newer than this "
                            f"rnncli ({__version__}) reads ({DIR_FORMAT_VERSION}); upgrade rnncli")
    return manifest


def _manifest_problem(m) -> str | None:
    if not isinstance(m, dict) or m.get("format") != DIR_FORMAT:
        return f"'format' should be {DIR_FORMAT!r}"
    if type(m.get("format_version")) is not int:
        return "'format_version' should be an int"
    if not isinstance(m.get("series"), list) or not all(isinstance(e, dict) for e in m["series"]):
        return "'series' should be a list of entries"
    for e in m["series"]:
        if type(e.get("id")) is not str or e.get("status") not in STATUSES:
            return f"the entry {_short_repr(e)} lacks an id or a known status"
        if e["status"] == "ok" and not (type(e.get("file")) is str and _SERIES_FILE.fullmatch(e["file"])):
            return f"series {e['id']!r} has no valid 'file' (series/<name>.joblib)"
    return None


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def load_series(path, series_id, *, manifest: dict | None = None) -> Forecaster:
    """Load one series' model from a model directory, reading only the manifest and that series' file.

    Pass `manifest` (from `read_manifest`) to load many series without re-reading it. Raises
    ConfigError for an unknown id and TrainingError for a series that has no model (failed).
    """
    directory = os.fspath(path)
    manifest = read_manifest(directory) if manifest is None else manifest
    key = str(series_id)
    entry = next((e for e in manifest["series"] if e["id"] == key), None)
    if entry is None:
        ids = [e["id"] for e in manifest["series"]]
        shown = ", ".join(ids[:5]) + (f", ... ({len(ids)} in all)" if len(ids) > 5 else "")
        raise ConfigError(f"unknown --id {key!r} in '{directory}'; it has: {shown or 'no series'}")
    if entry["status"] != "ok":
        raise TrainingError(f"series {key!r} in '{directory}' has no model "
                            f"({entry['status']}: {entry['error']})")
    return Forecaster.from_dict(artifact.load(os.path.join(directory, *entry["file"].split("/"))))


def already_trained(path, series_by_id: Mapping, options: dict) -> dict[str, dict]:
    """Manifest entries of `path` that a resumed run can keep: {id: entry} for the series that trained
    ok with the same options on the same data (`series_sha256`) and whose file is still there.
    Empty when `path` is not a model directory yet."""
    if not is_model_dir(path):
        return {}
    manifest = read_manifest(path)
    if manifest.get("options") != _check_options(options):
        return {}
    wanted = {str(k): v for k, v in series_by_id.items() if not isinstance(v, BaseException)}
    keep = {}
    for e in manifest["series"]:
        data = wanted.get(e["id"])
        if (e["status"] == "ok" and data is not None and e.get("data_sha256") == series_sha256(data)
                and os.path.isfile(os.path.join(os.fspath(path), *e["file"].split("/")))):
            keep[e["id"]] = e
    return keep
