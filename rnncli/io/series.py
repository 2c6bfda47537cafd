"""The `Series` every later layer sees, and the hashes that tell one input from another.

A `Series` is a clean table ready for windowing (values, columns, time, calendar, provenance), made
by `rnncli.io.table.build_series` from what `read_csv` or `read_long_csv` read. `sha256_of` hashes the
raw input bytes (a file, stdin's last read, or bytes given), `series_sha256` what a model is trained
on (a Series' values, columns and time, or a plain array); `is_series` tells a Series from an array.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .records import last_stdin, read_bytes, source_name

__all__ = ["Series", "is_series", "series_sha256", "sha256_of"]


@dataclass
class Series:
    """A clean table ready for windowing.

    `values` has shape (n_rows, len(columns)), float64, no NaN or inf. `columns` are the features, then the
    targets that are not already features. `time` is datetime64[ns] (with `freq`, a pandas offset alias such
    as "MS", "D" or "YS-JAN", when the spacing is regular) or int64 (years or plain integers, with `step`,
    the constant difference, when there is one; `freq` is then None), or None without a time column.
    `freq` is the calendar the rows lie on (inferred, or declared with `freq=`), even when `fill="drop"`
    left rows out of it. `observed` (n_rows, len(columns)) bool is False where `fill` made a value up
    (None: every value was read). `breaks` holds the row indices i where rows i-1 and i are not
    neighbours on the calendar (rows were dropped between them); a window must not straddle one.
    `provenance` says where the values came from, as `Forecaster.fit` records it in the model:
    {"source": the file's name ("<stdin>" for -), "sha256": of the bytes read, "read": the read options,
    and for a series of a long CSV "id_col" and "series_id"}; None when not read from a file.
    """

    values: np.ndarray
    columns: list[str]
    features: list[str]
    targets: list[str]
    time: np.ndarray | None
    time_col: str | None
    freq: str | None
    step: int | None
    source: str
    observed: np.ndarray | None = None
    breaks: np.ndarray | None = None
    provenance: dict | None = None
    time_style: dict | None = None
    notes: list[str] | None = None


def sha256_of(path_or_bytes: str | Path | bytes | bytearray | memoryview) -> str:
    """The hex SHA-256 of the raw input bytes: of `bytes` as given, of a file, or for "-" of the bytes the
    last read of stdin got (stdin is read when nothing read it yet). A Series' `provenance` has it too."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return hashlib.sha256(path_or_bytes).hexdigest()
    if str(path_or_bytes) == "-" and last_stdin() is not None:
        return hashlib.sha256(last_stdin()).hexdigest()
    return hashlib.sha256(read_bytes(path_or_bytes, source_name(path_or_bytes))).hexdigest()


def series_sha256(data) -> str:
    """The hex SHA-256 of what a model is trained on: a Series' values, columns and time, or an array."""
    h = hashlib.sha256()
    if is_series(data):
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


def is_series(data) -> bool:
    """True for a `Series` (or anything with its values, columns, features and targets)."""
    return all(hasattr(data, a) for a in ("values", "columns", "features", "targets"))
