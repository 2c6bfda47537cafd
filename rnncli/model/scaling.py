"""Scalers as plain arrays: fitted on the training rows only, inverted exactly.

A scaler is a dict holding its `kind` and float64 arrays, nothing live, so it can be saved in a model
file as data. Inputs and targets get separate statistics (targets need not be features).

Notation
--------
S windows, P = past, L = lookback(kind, P) raw rows per input window (P + 1 for "diff", else P),
Q = future, F features, K targets.
    Xraw  (S, L, F)   raw input windows          X  (S, P, F)   scaled inputs
    Yraw  (S, Q, K)   raw targets                Y  (S, Q, K)   scaled targets
    Tpast (S, L, K)   the targets' own raw values over the same rows as Xraw

Kinds
-----
z is a scaled value, v a raw one. A scale below 1e-12 (1 + |shift|), such as a constant column's,
is taken as 1, so nothing divides by zero.

    none       z = v
    minmax     z = (v - min) / (max - min)          per column, min and max over the training rows
    standard   z = (v - mean) / std                 per column, over the training rows
    window     z = (v - m_s) / sd_s                 m_s, sd_s: mean and std of window s's own P input rows;
                                                    targets use the mean and std of their own past, Tpast[s]
    diff       z = (dv - min) / (max - min)         dv = first differences; min and max of the training
                                                    rows' first differences. Inputs: the P differences of
                                                    the L = P + 1 rows. Targets: dy(1) = y(t0+1) - y(t0),
                                                    dy(k) = y(t0+k) - y(t0+k-1), with y(t0) = Tpast[s, -1]

Stored arrays: minmax, standard and diff all keep z = (v - shift) / scale, with per-column arrays
`x_shift`, `x_scale` (F,) for the inputs and `y_shift`, `y_scale` (K,) for the targets
(minmax: shift = min, scale = max - min; standard: mean and std; diff: the same as minmax, of the
differences). "none" and "window" fit nothing.

Inverse (`decode`, targets only): v = z scale + shift; window: y = z sd_s + m_s;
diff: dy = z scale + shift, then y(t0 + k) = y(t0) + dy(1) + ... + dy(k).
"""

from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError, DataError

KINDS = ("none", "minmax", "standard", "window", "diff")

_TINY = 1e-12  # relative floor below which a spread counts as zero


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown --scale {kind!r}; choose one of {', '.join(KINDS)}")


def lookback(kind: str, past: int) -> int:
    """Raw rows an input window needs: past + 1 for "diff" (a difference needs the row before), else past."""
    _check_kind(kind)
    return past + 1 if kind == "diff" else past


def _floored(scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """`scale` with every entry below 1e-12 (1 + |shift|) replaced by 1, so constant columns stay finite."""
    return np.where(scale < _TINY * (1.0 + np.abs(shift)), 1.0, scale)


def _shift_scale(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (shift, scale) of `values` (n, columns): (min, max - min) or (mean, std), scale floored."""
    if kind == "standard":
        shift, scale = values.mean(axis=0), values.std(axis=0)
    else:
        shift = values.min(axis=0)
        scale = values.max(axis=0) - shift
    return shift, _floored(scale, shift)


def fit(kind: str, rows: np.ndarray, feature_idx: Sequence[int], target_idx: Sequence[int]) -> dict:
    """Fit a scaler of `kind` on `rows` (n, n_columns), the training rows only (`windows.train_rows`).

    Returns {"kind": kind} plus, for minmax/standard/diff, x_shift, x_scale (F,) over the feature
    columns and y_shift, y_scale (K,) over the target columns, all float64.
    Raises ConfigError for an unknown kind, DataError if there are too few rows (1, or 2 for diff)
    or a used column holds NaN or infinity.
    """
    _check_kind(kind)
    scaler: dict = {"kind": kind}
    if kind in ("none", "window"):
        return scaler
    rows = np.asarray(rows, dtype=np.float64)
    need = 2 if kind == "diff" else 1
    if rows.ndim != 2 or len(rows) < need:
        raise DataError(f"the {kind} scaler needs at least {need} training rows; got {len(rows)}; "
                        f"use a longer series or a lower --val-frac")
    used = sorted({int(j) for j in (*feature_idx, *target_idx)})
    bad = [j for j in used if not np.isfinite(rows[:, j]).all()]
    if bad:
        raise DataError(f"training rows hold NaN or infinite values in column(s) {bad}; "
                        f"fill or drop them before training")
    values = np.diff(rows, axis=0) if kind == "diff" else rows
    base = "standard" if kind == "standard" else "minmax"
    scaler["x_shift"], scaler["x_scale"] = _shift_scale(values[:, list(feature_idx)], base)
    scaler["y_shift"], scaler["y_scale"] = _shift_scale(values[:, list(target_idx)], base)
    return scaler


def _window_stats(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and floored std over axis 1 of `v` (S, L, columns): each (S, columns)."""
    m = v.mean(axis=1)
    return m, _floored(v.std(axis=1), m)


def encode(scaler: dict, Xraw: np.ndarray, Yraw: np.ndarray | None = None,
           Tpast: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Scale raw windows: Xraw (S, L, F) -> X (S, P, F); Yraw (S, Q, K) -> Y (S, Q, K), or None if not given.

    Tpast (S, L, K), the targets' own raw values over the rows of Xraw, is required for "window"
    and "diff" (also at predict time, when Yraw is None). Returns (X, Y, ctx): ctx holds the
    per-window arrays `decode` needs, {"mean", "std"} (S, K) for window, {"last"} (S, K) for diff,
    else nothing. All outputs are float64.
    """
    kind = scaler["kind"]
    _check_kind(kind)
    Xraw = np.asarray(Xraw, dtype=np.float64)
    Yraw = None if Yraw is None else np.asarray(Yraw, dtype=np.float64)
    if kind in ("window", "diff"):
        if Tpast is None:
            raise ValueError(f"the {kind} scaler needs Tpast, the targets' raw past values")
        Tpast = np.asarray(Tpast, dtype=np.float64)
        if Tpast.shape[:2] != Xraw.shape[:2]:
            raise ValueError(f"Tpast {Tpast.shape} must cover the same windows and rows as Xraw {Xraw.shape}")
    ctx: dict = {}
    if kind == "none":
        X, Y = Xraw.copy(), None if Yraw is None else Yraw.copy()
    elif kind in ("minmax", "standard"):
        X = (Xraw - scaler["x_shift"]) / scaler["x_scale"]
        Y = None if Yraw is None else (Yraw - scaler["y_shift"]) / scaler["y_scale"]
    elif kind == "window":
        mx, sx = _window_stats(Xraw)
        X = (Xraw - mx[:, None, :]) / sx[:, None, :]
        ctx["mean"], ctx["std"] = _window_stats(Tpast)
        Y = None if Yraw is None else (Yraw - ctx["mean"][:, None, :]) / ctx["std"][:, None, :]
    else:  # diff
        if Xraw.shape[1] < 2:
            raise ValueError(f"the diff scaler needs lookback = past + 1 >= 2 rows; got Xraw {Xraw.shape}")
        X = (np.diff(Xraw, axis=1) - scaler["x_shift"]) / scaler["x_scale"]
        ctx["last"] = Tpast[:, -1, :].copy()  # y(t0), the last observed level
        Y = None
        if Yraw is not None:
            dY = np.diff(np.concatenate([ctx["last"][:, None, :], Yraw], axis=1), axis=1)
            Y = (dY - scaler["y_shift"]) / scaler["y_scale"]
    return X, Y, ctx


def decode(scaler: dict, Yhat: np.ndarray, ctx: dict) -> np.ndarray:
    """Targets in raw units, the exact inverse of the Y part of `encode`: Yhat (S, Q, K) -> Y (S, Q, K)."""
    kind = scaler["kind"]
    _check_kind(kind)
    Yhat = np.asarray(Yhat, dtype=np.float64)
    if kind == "none":
        return Yhat.copy()
    if kind == "window":
        return Yhat * ctx["std"][:, None, :] + ctx["mean"][:, None, :]
    Y = Yhat * scaler["y_scale"] + scaler["y_shift"]
    if kind == "diff":  # integrate the differences from the last observed level
        Y = ctx["last"][:, None, :] + np.cumsum(Y, axis=1)
    return Y
