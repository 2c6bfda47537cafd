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
    level      z = (v - v(t0)) / sd                 per-window level normalisation by the window's last
                                                    row t0 (as ES-RNN and RevIN do): inputs x - x(t0),
                                                    targets y(t0+h) - y(t0), i.e. the residual of the naive
                                                    forecast; sd per column: inputs, the RMS of the
                                                    training rows' j-lag differences, j < P; targets,
                                                    the std of their m-lag differences
    seasonal   z = (y - r) / sd                     seasonal differencing inside the window: targets
                                                    y(t0+h) - r(h), r(h) = y(t0 + h - m ceil(h/m)), the
                                                    seasonal-naive forecast (needs P >= m); inputs as in
                                                    level. m = the scaler's `season` (1: same as level)
    (both)                                          with `drift`, r(h) also adds the window's mean change
                                                    per step times m ceil(h/m) (see `reference`)

level and seasonal need exactly P rows (L = P) and start the network at the naive or seasonal-naive
forecast: a zero output decodes to that baseline.

Stored arrays: minmax, standard and diff all keep z = (v - shift) / scale, with per-column arrays
`x_shift`, `x_scale` (F,) for the inputs and `y_shift`, `y_scale` (K,) for the targets
(minmax: shift = min, scale = max - min; standard: mean and std; diff: the same as minmax, of the
differences). "none" and "window" fit nothing. level and seasonal keep `x_scale` (F,), `y_scale` (K,),
and `season` (a 1-element array holding m).

Inverse (`decode`, targets only): v = z scale + shift; window: y = z sd_s + m_s;
diff: dy = z scale + shift, then y(t0 + k) = y(t0) + dy(1) + ... + dy(k);
level and seasonal: y = z sd + r, r = `reference(...)`, the (seasonal) naive value, with drift if set.
"""

from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError, DataError

KINDS = ("none", "minmax", "standard", "window", "diff", "level", "seasonal")
ANCHORED = ("level", "seasonal")  # kinds whose zero output is a naive forecast

_TINY = 1e-12  # relative floor below which a spread counts as zero


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown `scale` {kind!r}; choose one of {', '.join(KINDS)}")


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


def fit(kind: str, rows: np.ndarray, feature_idx: Sequence[int], target_idx: Sequence[int],
        season: int = 1, drift: bool = False, past: int = 2) -> dict:
    """Fit a scaler of `kind` on `rows` (n, n_columns), the training rows only (`windows.train_rows`).

    Returns {"kind": kind} plus, for minmax/standard/diff, x_shift, x_scale (F,) over the feature
    columns and y_shift, y_scale (K,) over the target columns, all float64; for level/seasonal,
    x_scale, y_scale, season ([m]; `season` is used by "seasonal" only, 1 for "level") and drift
    ([1.0] when the reference adds the window's drift, see `reference`, else [0.0]); their x_scale is
    the root mean square of x(t) - x(t - j) over the lags j = 1 .. past - 1, the size of an input
    relative to its window's last row.
    Raises ConfigError for an unknown kind or season < 1, DataError if there are too few rows (1, or 2
    for diff, level and seasonal) or a used column holds NaN or infinity.
    """
    _check_kind(kind)
    scaler: dict = {"kind": kind}
    if kind in ("none", "window"):
        return scaler
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise ConfigError(f"`season` must be an integer >= 1, got {season!r}")
    rows = np.asarray(rows, dtype=np.float64)
    need = 2 if kind in ("diff", *ANCHORED) else 1
    if rows.ndim != 2 or len(rows) < need:
        raise DataError(f"the {kind} scaler needs at least {need} training rows; got {len(rows)}; "
                        f"use a longer series or a lower `val_frac`")
    used = sorted({int(j) for j in (*feature_idx, *target_idx)})
    bad = [j for j in used if not np.isfinite(rows[:, j]).all()]
    if bad:
        raise DataError(f"training rows hold NaN or infinite values in column(s) {bad}; "
                        f"fill or drop them before training")
    if kind in ANCHORED:
        m = int(season) if kind == "seasonal" else 1
        m_y = m if len(rows) > m else 1
        x = rows[:, list(feature_idx)]
        lags = range(1, max(2, min(int(past), len(rows))))
        scaler["x_scale"] = _floored(np.sqrt(np.mean([np.mean((x[j:] - x[:-j]) ** 2, axis=0) for j in lags],
                                                     axis=0)), np.abs(x).mean(axis=0))
        scaler["y_scale"] = _diff_std(rows[:, list(target_idx)], m_y)
        scaler["season"] = np.array([float(m)])
        scaler["drift"] = np.array([float(bool(drift))])
        return scaler
    values = np.diff(rows, axis=0) if kind == "diff" else rows
    base = "standard" if kind == "standard" else "minmax"
    scaler["x_shift"], scaler["x_scale"] = _shift_scale(values[:, list(feature_idx)], base)
    scaler["y_shift"], scaler["y_scale"] = _shift_scale(values[:, list(target_idx)], base)
    return scaler


def _diff_std(values: np.ndarray, lag: int) -> np.ndarray:
    """Per column std of values[t] - values[t - lag] (n, columns), floored like every scale."""
    d = values[lag:] - values[:-lag]
    return _floored(d.std(axis=0), np.abs(values).mean(axis=0))


def reference(Tpast: np.ndarray, future: int, season: int, drift: bool = False) -> np.ndarray:
    """The (seasonal) naive forecast from inside each window, optionally with drift: (S, L, K) -> (S, Q, K).

    r(h) = y(t0 + h - m ceil(h/m)), t0 the window's last row (m = 1: y(t0), the naive forecast).
    With drift, plus ceil(h/m) m d, where d = (y(t0) - y(t0 - k)) / k is the mean change per step
    over the k = m floor((L - 1) / m) rows of whole seasons in the window (the random walk with drift
    for m = 1; for m > 1 the seasonal effects cancel). Raises DataError when L < m (L < m + 1 with drift).
    """
    L = Tpast.shape[1]
    if season > L or (drift and season >= L):
        raise DataError(f"the seasonal scaling needs `past` >= the season ({season}"
                        f"{' + 1 with drift' if drift else ''}); got `past={L}`")
    h = np.arange(1, future + 1)
    cycles = np.ceil(h / season).astype(int)
    r = Tpast[:, L - 1 + h - season * cycles, :]
    if drift:
        k = season * ((L - 1) // season)
        d = (Tpast[:, -1, :] - Tpast[:, -1 - k, :]) / k
        r = r + (season * cycles)[None, :, None] * d[:, None, :]
    return r


def _reference(scaler: dict, Tpast: np.ndarray, future: int) -> np.ndarray:
    return reference(Tpast, future, int(scaler["season"][0]), bool(scaler["drift"][0]))


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
    {"past"} (S, P, K), the targets' window, for level and seasonal, else nothing.
    Raises DataError when a seasonal window is shorter than its season. All outputs are float64.
    """
    kind = scaler["kind"]
    _check_kind(kind)
    Xraw = np.asarray(Xraw, dtype=np.float64)
    Yraw = None if Yraw is None else np.asarray(Yraw, dtype=np.float64)
    if kind in ("window", "diff", *ANCHORED):
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
    elif kind in ANCHORED:
        X = (Xraw - Xraw[:, -1:, :]) / scaler["x_scale"]
        ctx["past"] = Tpast.copy()  # the targets' window: the reference's rows
        Y = None
        if Yraw is not None:
            Y = (Yraw - _reference(scaler, Tpast, Yraw.shape[1])) / scaler["y_scale"]
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
    if kind in ANCHORED:
        return Yhat * scaler["y_scale"] + _reference(scaler, ctx["past"], Yhat.shape[1])
    Y = Yhat * scaler["y_scale"] + scaler["y_shift"]
    if kind == "diff":  # integrate the differences from the last observed level
        Y = ctx["last"][:, None, :] + np.cumsum(Y, axis=1)
    return Y
