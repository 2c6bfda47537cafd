"""Forecasts beyond the horizon: recursive on the model's own blocks, and their conformal half-widths.

A Forecaster forecasts `future` steps at once. `forecast` goes further by feeding each block of
forecasts back as if observed and forecasting the next block from the last `lookback_` rows, which
needs every input to be a target (`check`). `residuals` scores such recursive forecasts from every
validation origin of the training data, per step; `halfwidth` turns them into split-conformal
half-widths, extrapolated like a random walk's error beyond the steps with enough residuals. Each
function takes the fitted `Forecaster` (`model`) and reads its public fitted state.
"""

import math

import numpy as np

from ..errors import ConfigError, DataError
from . import windows

__all__ = ["check", "forecast", "halfwidth", "residuals"]


def check(model) -> None:
    """ConfigError naming the inputs a recursive forecast could not feed back."""
    other = [model.columns_[i] for i in model.feature_idx_ if i not in model.target_idx_]
    if other:
        raise ConfigError(
            f"`steps` beyond the horizon ({model.future}) feeds forecasts back as inputs, but the "
            f"feature(s) {', '.join(other)} are not targets, so their future is unknown; use "
            f"`steps={model.future}` or less, or train a model whose features are all targets")

def forecast(model, windows_raw: np.ndarray, steps: int) -> np.ndarray:
    """Forecasts (B, steps, n_targets) from raw windows (B, lookback, columns), block after block."""
    blocks, hist = [], np.array(windows_raw, dtype=np.float64)
    for _ in range(-(-steps // model.future)):
        y = model.forecast_windows(hist[:, -model.lookback_:][:, :, model.feature_idx_],
                                   hist[:, -model.lookback_:][:, :, model.target_idx_])
        blocks.append(y)
        if sum(b.shape[1] for b in blocks) >= steps:
            break
        new = np.full((len(hist), model.future, hist.shape[2]), np.nan)
        new[:, :, model.target_idx_] = y
        hist = np.concatenate([hist[:, -model.lookback_:], new], axis=1)
    return np.concatenate(blocks, axis=1)[:, :steps]

def residuals(model, steps: int) -> list:
    """Residuals (actual - forecast) of recursive forecasts from the training data's validation origins.

    Returns one array (n_h, n_targets) per step h = 1..steps: the origins with h rows after them
    in the training data (fewer for larger h; none beyond the data). Needs a model whose inputs
    are all targets (its training targets are the history it forecasts from).
    """
    check(model)
    n, lb = model.n_rows_, model.lookback_
    _, val = windows.split_windows(windows.n_windows(n, lb, model.future), model.val_frac, model.future)
    origins = np.arange(val.start, val.stop) + lb - 1
    if len(origins) == 0:
        return [np.zeros((0, len(model.target_idx_))) for _ in range(steps)]
    values = np.full((n, len(model.columns_)), np.nan)
    values[:, model.target_idx_] = model.train_targets_
    reach = min(steps, n - 1 - int(origins.min()))
    rows = origins[:, None] - lb + 1 + np.arange(lb)[None, :]
    y_hat = forecast(model, values[rows], reach)
    out = []
    for h in range(1, steps + 1):
        known = origins + h <= n - 1
        if h > reach or not known.any():
            out.append(np.zeros((0, len(model.target_idx_))))
            continue
        out.append(model.train_targets_[origins[known] + h] - y_hat[known, h - 1])
    return out

def windows_needed(level: float) -> int:
    """The fewest residuals n with ceil((n + 1) level) <= n, the split-conformal condition for `level`.

    Raises ConfigError for a level outside (0, 1).
    """
    if not 0 < level < 1:
        raise ConfigError(f"`interval` must be between 0 and 1 (e.g. 0.9), got {level!r}")
    return math.ceil(level / (1 - level) - 1e-9)


def too_few_windows(level: float) -> DataError:
    """The error for a model whose validation residuals cannot support an `interval` of `level`."""
    return DataError(f"the model has too few validation windows for `interval={level:g}` (needs "
                     f"{windows_needed(level)}); lower the level or train with a larger `val_frac`")


def halfwidth(model, level: float, steps: int) -> tuple[np.ndarray, int]:
    """Half-widths (steps, n_targets) at coverage `level` for a recursive forecast, and the reach K.

    Step h <= K: the split-conformal quantile of |residual| of `recursive_residuals` at step h
    (the ceil((n_h + 1) level)-th smallest); K is the last step before the first with fewer
    than level / (1 - level) residuals. Step h > K: q(K) sqrt(h / K).
    Raises DataError when not even step 1 has enough residuals.
    """
    need = windows_needed(level)
    q = np.zeros((steps, len(model.target_idx_)))
    reach = 0
    for h, r in enumerate(residuals(model, steps), 1):
        n = len(r)
        if n < need:
            break
        q[h - 1] = np.sort(np.abs(r), axis=0)[math.ceil((n + 1) * level) - 1]
        reach = h
    if reach == 0:
        raise too_few_windows(level)
    h = np.arange(reach + 1, steps + 1)
    q[reach:] = q[reach - 1] * np.sqrt(h / reach)[:, None]
    return q, reach
