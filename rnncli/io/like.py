"""Data and options the way a saved model had them.

A model (a fitted `Forecaster`, or its saved form: `to_dict()`, an artifact) remembers its columns, how
its training data was read (`provenance`) and its last time. From those:

    >>> series = read_like(model, "new.csv")                 # the model's columns, fill, resample...
    >>> options = resume_options(saved, options, given)      # what `fit(resume=saved)` continues with
    >>> times = future_times_after(model, model.future)       # the times of `predict()`'s forecast
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CalendarGapError, ConfigError, DataError, RnncliError
from .csv import LongTable, Series, read_csv, read_header, read_long_csv
from .records import STDIN_NAME, stdin_read_once
from .timecol import future_times


def _facts(model) -> tuple[list, list, list, dict, dict]:
    """(columns, feature_idx, target_idx, data provenance, time info) of a Forecaster or its dict."""
    if isinstance(model, dict):
        return (list(model["columns"]), list(model["feature_idx"]), list(model["target_idx"]),
                model.get("data") or {}, model.get("time") or {})
    return (list(model.columns_), list(model.feature_idx_), list(model.target_idx_),
            getattr(model, "data_", None) or {}, model.time_ or {})


def read_like(model, path_or_dash: str | Path, *, delimiter: str | None = None,
              encoding: str | None = None) -> Series:
    """Read a CSV ("-" for stdin) the way `model`'s training data was read.

    The model's targets and features, and its time column, fill, resample, smooth and freq (from its
    provenance; the defaults for a model trained on an array). delimiter, encoding: None for the
    model's. Raises DataError naming the model's columns the file lacks, a DataError when the file's
    rows are at another frequency than the model's training data, and read_csv's errors otherwise.
    """
    columns, fidx, tidx, data, time = _facts(model)
    read = data.get("read", {})
    delimiter = read.get("delimiter", ",") if delimiter is None else delimiter
    encoding = read.get("encoding", "utf-8") if encoding is None else encoding
    time_col = read.get("time_col", "auto")
    with stdin_read_once():
        try:
            return read_csv(path_or_dash, delimiter=delimiter, encoding=encoding,
                            time_col=None if time_col in (None, "none") else time_col,
                            targets=[columns[i] for i in tidx], features=[columns[i] for i in fidx],
                            fill=read.get("fill", "error"), resample=read.get("resample"),
                            smooth=read.get("smooth"), freq=read.get("freq"),
                            time_format=read.get("time_format"), tz=read.get("tz"),
                            no_header=bool(read.get("no_header", False)),
                            decimal=read.get("decimal", "."), thousands=read.get("thousands"),
                            expect_freq=(time or {}).get("freq"))
        except ConfigError:
            require_columns(columns, path_or_dash, delimiter=delimiter, encoding=encoding, time_col=time_col)
            raise
        except CalendarGapError as e:  # read_csv's advice is for training; DATA is read as the model's was
            zone = " across a DST change (train with `tz=NAME` for local times)" if e.dst else ""
            raise DataError(f"{e.fact}{zone}; the model was trained with `fill='error'`, so its DATA must "
                            "hold every timestamp of its calendar: fill the gap in DATA, or train a model "
                            "that fills or skips gaps (`fill='ffill'|'interpolate'|'zero'|'drop'`)") from None


def require_columns(columns, path_or_dash: str | Path, *, delimiter: str = ",", encoding: str = "utf-8",
                    time_col: str | None = "auto") -> None:
    """DataError naming the `columns` (a model's, and its named time column) that the CSV's header lacks."""
    header = read_header(path_or_dash, delimiter=delimiter, encoding=encoding)
    needed = ([time_col] if time_col not in ("auto", "none", None) else []) + list(columns)
    missing = [c for c in needed if c not in header]
    if missing:
        source = STDIN_NAME if str(path_or_dash) == "-" else str(path_or_dash)
        raise DataError(f"{source} lacks the model's column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(repr, missing))} (the model reads {', '.join(needed)}; "
                        f"{source} has {', '.join(header)})") from None


def resume_options(saved: dict, options: dict, given=()) -> dict:
    """The options of a run that resumes the saved model `saved` (a `to_dict()`/artifact).

    options: keyword arguments of `Forecaster` and `read_csv` (targets and features included). Those
    not in `given` (the names the user chose) become the saved model's: its options, how its data was
    read, its targets and features. Returns a new dict; `fit(..., resume=saved)` checks the rest.
    """
    out = dict(options)
    read = (saved.get("data") or {}).get("read", {})
    for source in (saved["options"], read):
        for k, v in source.items():
            if k in out and k not in given:
                out[k] = v
    columns = saved["columns"]
    if "targets" not in given:
        out["targets"] = tuple(columns[i] for i in saved["target_idx"])
    if "features" not in given:
        out["features"] = tuple(columns[i] for i in saved["feature_idx"])
    return out


def resume_dir_options(manifest: dict, options: dict, given=()) -> dict:
    """The options of a run that resumes a model directory: those not in `given` become the manifest's
    (its training options and how its data was read, targets and features included). A new dict."""
    out = dict(options)
    for k, v in {**(manifest.get("options") or {}), **(manifest.get("read") or {})}.items():
        if k in out and k not in given:
            out[k] = tuple(v) if k in ("targets", "features") else v
    return out


def read_long_like(directory, manifest: dict, model, path_or_dash: str | Path, *,
                   delimiter: str | None = None, encoding: str | None = None) -> LongTable:
    """Read a long CSV the way the model directory's training data was read: its id column, the columns
    of `model` (one of its series' Forecasters), its time column, fill, resample and smooth.

    delimiter, encoding: None for the directory's. Raises RnncliError when the directory records no id column,
    DataError naming the id column or the model's columns that the file lacks.
    """
    id_col = manifest.get("id_col")
    if not id_col:
        raise RnncliError(f"'{directory}' records no id column, so DATA cannot be split into its series; "
                          "predict without DATA, or train the directory with rnncli train --id-col")
    read = manifest.get("read") or {}
    delimiter = read.get("delimiter", ",") if delimiter is None else delimiter
    encoding = read.get("encoding", "utf-8") if encoding is None else encoding
    source = STDIN_NAME if str(path_or_dash) == "-" else str(path_or_dash)
    columns, fidx, tidx, _, time = _facts(model)
    time_col = read.get("time_col") or time.get("col") or "none"
    with stdin_read_once():
        header = read_header(path_or_dash, delimiter=delimiter, encoding=encoding)
        if id_col not in header:
            raise DataError(f"{source} lacks the id column {id_col!r} of the model directory '{directory}' "
                            f"({source} has {', '.join(header)})")
        try:
            return read_long_csv(
                path_or_dash, id_col, delimiter=delimiter, encoding=encoding,
                time_col=None if time_col == "none" else time_col, targets=[columns[i] for i in tidx],
                features=[columns[i] for i in fidx], fill=read.get("fill", "error"),
                resample=read.get("resample"), smooth=read.get("smooth"), freq=read.get("freq"),
                time_format=read.get("time_format"), tz=read.get("tz"),
                no_header=bool(read.get("no_header", False)), decimal=read.get("decimal", "."),
                thousands=read.get("thousands"), expect_freq=time.get("freq"))
        except ConfigError:
            require_columns([id_col, *columns], path_or_dash, delimiter=delimiter, encoding=encoding,
                            time_col=time_col)
            raise


def future_times_after(model, n: int) -> np.ndarray | None:
    """The `n` times after the end of `model`'s training data (see `timecol.future_times`), or None."""
    time = _facts(model)[4]
    if not time:
        return None
    last = np.array([np.datetime64(time["last"], "ns")]) if time["kind"] == "datetime" \
        else np.array([time["last"]], dtype=np.int64)
    return future_times((last, time.get("freq"), time.get("step")), n)


def times_through_end(model, n: int) -> np.ndarray | None:
    """The times of the last `n` rows of `model`'s training data (its `tail_`), or None.

    None without a time column or without a regular spacing (no frequency and no integer step).
    """
    time = _facts(model)[4]
    if not time or not (time.get("freq") or time.get("step")):
        return None
    if time["kind"] != "datetime":
        return time["last"] - time["step"] * np.arange(n - 1, -1, -1, dtype=np.int64)
    import pandas as pd

    times = pd.date_range(end=pd.Timestamp(time["last"]), periods=n, freq=time["freq"])
    return times.as_unit("ns").to_numpy()
