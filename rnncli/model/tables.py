"""The table a Forecaster is fitted on: its values, columns, targets and time, and the checks on them.

`table` turns what `Forecaster.fit` is given (an `rnncli.io.Series`, a pandas DataFrame or an array
(rows, columns) with named targets and features) into float64 values (rows, columns), the column
names, the feature and target indices and the time information `to_dict` stores; `provenance` and
`row_breaks` read a Series' source and its dropped-row breaks; `plain` turns NumPy scalars into Python
numbers for the model file. The `check_*` functions raise DataError, stating the numbers, for data
a network cannot be fitted on or forecast from: too few rows, values that would overflow, a constant
target, no window left between dropped rows.
"""

import numpy as np

from ..errors import ConfigError, DataError
from . import windows

__all__ = ["MAX_MAGNITUDE", "check_enough_rows", "check_magnitude", "check_not_constant",
           "check_unbroken", "observed_targets", "plain", "provenance", "row_breaks", "table"]


def plain(obj):
    """Recursively turn NumPy scalars into Python numbers (arrays stay arrays)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def table(data, targets, features, columns):
    """(values, columns, feature_idx, target_idx, time info) from a Series or an array."""
    if hasattr(data, "values") and hasattr(data, "features") and hasattr(data, "targets"):
        cols = list(data.columns)
        values = np.asarray(data.values, dtype=np.float64)
        fidx = [cols.index(c) for c in data.features]
        tidx = [cols.index(c) for c in data.targets]
        time = None
        if getattr(data, "time", None) is not None and len(data.time):
            last = data.time[-1]
            kind = "datetime" if np.issubdtype(np.asarray(data.time).dtype, np.datetime64) else "int"
            time = {"col": data.time_col, "kind": kind,
                    "last": str(last) if kind == "datetime" else int(last),
                    "freq": getattr(data, "freq", None), "step": getattr(data, "step", None)}
            if getattr(data, "time_style", None):
                time["style"] = dict(data.time_style)  # how forecast times are written (timecol.format_time)
        return values, cols, fidx, tidx, time
    _check_numeric_frame(data)
    check_frame_index(data)
    values = np.asarray(data, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise DataError(f"data must be a 2-D array (rows, columns), got shape {values.shape}")
    if columns is None and hasattr(data, "columns"):  # a pandas DataFrame: its own column names
        columns = [str(c) for c in data.columns]
    cols = list(columns) if columns is not None else [f"x{i}" for i in range(values.shape[1])]
    if len(cols) != values.shape[1]:
        raise ConfigError(f"columns names {len(cols)} columns but data has {values.shape[1]}")
    if targets is None:
        if values.shape[1] != 1:
            raise ConfigError(f"data has {values.shape[1]} columns; name the targets (targets=[...])")
        targets = [0]
    tidx = [_column_index(cols, t, "targets") for t in ([targets] if isinstance(targets, str) else targets)]
    fidx = tidx if features is None else [
        _column_index(cols, f, "features") for f in ([features] if isinstance(features, str) else features)]
    return values, cols, fidx, tidx, None


def _check_numeric_frame(data) -> None:
    """DataError naming the columns of a pandas DataFrame that are not numbers (a time column, text)."""
    dtypes = getattr(data, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    bad = [str(name) for name, dtype in dtypes.items() if getattr(dtype, "kind", "O") not in "biuf"]
    if not bad:
        return
    names = ", ".join(repr(name) for name in bad)
    what = f"column {names} is" if len(bad) == 1 else f"columns {names} are"
    raise DataError(
        f"the DataFrame's {what} not numeric; pass rnncli.read_frame(df) (it finds the time column and "
        f"checks its calendar), or read the file with rnncli.read_csv(path)"
    )


def check_frame_index(data) -> None:
    """DataError for a pandas DataFrame (or Series) whose index holds times or labels, which an array
    would drop.

    A DatetimeIndex, PeriodIndex or text index is the data's time axis: fitting the bare values would
    lose it silently (no calendar check, so windows could bridge missing days; forecasts without
    times). Numeric indexes (a RangeIndex, row numbers after filtering) are only positions.
    """
    index = getattr(data, "index", None)
    kind = getattr(getattr(index, "dtype", None), "kind", None)
    frame = hasattr(data, "columns")
    if index is None or not (frame or hasattr(data, "to_frame")) or kind in tuple("biuf"):
        return
    what, name, read = ("DataFrame's", "df", "df") if frame else ("Series'", "s", "s.to_frame()")
    first = f", first {str(index[0])!r}" if len(index) else ""
    holds = "its times" if kind == "M" or type(index).__name__ == "PeriodIndex" else "labels, not row numbers"
    raise DataError(
        f"the {what} index ({type(index).__name__}{first}) holds {holds}, which reading only the values "
        f"would drop; pass rnncli.read_frame({read}): it checks the calendar (gaps, frequency) "
        f"and forecasts carry the times after the data's end; or {name}.reset_index(drop=True) to use the "
        "rows as a plain sequence"
    )


def provenance(data, rows: int) -> dict | None:
    """What the model was trained on, from a Series' provenance: source, sha256, rows, read options..."""
    p = getattr(data, "provenance", None)
    if not p:
        return None
    return {"source": p["source"], "sha256": p["sha256"], "rows": int(rows), "read": dict(p["read"]),
            **{k: v for k, v in p.items() if k not in ("source", "sha256", "read")}}


def _column_index(cols: list, name, argument: str) -> int:
    """The index of column `name` (a name, or an index into `cols`); ConfigError naming `argument`."""
    if isinstance(name, str):
        if name not in cols:
            default = cols == [f"x{i}" for i in range(len(cols))]
            hint = " (name the columns with columns=[...])" if default else ""
            raise ConfigError(f"{argument}: unknown column {name!r}; the columns are {', '.join(cols)}{hint}")
        return cols.index(name)
    is_index = isinstance(name, (int, np.integer)) and not isinstance(name, bool)
    if not is_index or not -len(cols) <= name < len(cols):
        raise ConfigError(f"{argument}: {name!r} is neither a column name nor an index below {len(cols)}")
    return int(name) % len(cols)


def check_enough_rows(n: int, lookback: int, past: int, future: int, val_frac: float, scale: str) -> None:
    """DataError, stating the numbers, when n rows give no window, or no training window, for `lookback`."""
    need = lookback + future
    if n < need:
        extra = ""
        if lookback > past:
            extra = f" + 1 (`scale={scale!r}` {'also ' if scale == 'auto' else ''}models differences)"
        raise DataError(f"the data has {n} rows but `past={past}` + `future={future}`{extra} needs at least "
                        f"{need}; use a longer series or lower `past`/`future`")
    windows.split_windows(windows.n_windows(n, lookback, future), val_frac, future)


MAX_MAGNITUDE = 1e100  # squared errors of values up to this, summed over many windows, stay finite


def check_magnitude(values: np.ndarray, columns) -> None:
    """DataError for values so large that squared errors and their sums would overflow float64."""
    big = np.abs(values) > MAX_MAGNITUDE
    if big.any():
        row, col = np.argwhere(big)[0]
        exponent = int(np.floor(np.log10(np.abs(values[row, col]))))
        raise DataError(f"column {columns[col]!r} holds {values[row, col]:g} (row {row + 1}): values "
                        f"beyond ±{MAX_MAGNITUDE:g} would overflow the squared errors; rescale the column "
                        f"(e.g. divide it by 1e{exponent - 3})")


def check_not_constant(values: np.ndarray, columns, target_idx) -> None:
    """DataError for a target that never changes: there is nothing for a network to learn."""
    for j in target_idx:
        column = values[:, j]
        if len(column) > 1 and np.isfinite(column).all() and (column == column[0]).all():
            raise DataError(f"the target {columns[j]!r} is constant ({column[0]:g} in all {len(column)} "
                            "rows): there is nothing to learn; drop the series or forecast it as that value")


def row_breaks(data) -> np.ndarray | None:
    """The row indices where a Series' rows stop being calendar neighbours (`read_csv(fill="drop")`)."""
    breaks = getattr(data, "breaks", None)
    return None if breaks is None or not len(breaks) else np.asarray(breaks, dtype=np.int64)


def check_unbroken(starts: np.ndarray, past: int, future: int, breaks) -> None:
    """DataError when dropped rows leave no window of past + future neighbouring rows."""
    if breaks is not None and len(starts) == 0:
        raise DataError(f"no run of `past={past}` + `future={future}` rows is left between the dropped rows "
                        f"({len(breaks)} breaks); use `fill='ffill'|'interpolate'|'zero'` instead of "
                        "`fill='drop'`, or lower `past`/`future`")


def observed_targets(data, targets: list) -> np.ndarray | None:
    """(rows, targets) bool: which values of the `targets` columns of a Series were read rather than
    filled in (`read_csv`'s `fill`); None for an array or a Series that filled nothing."""
    observed = getattr(data, "observed", None)
    if observed is None or not hasattr(data, "columns"):
        return None
    cols = list(data.columns)
    return np.asarray(observed, dtype=bool)[:, [cols.index(c) for c in targets]]
