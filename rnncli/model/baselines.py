"""Naive forecasts that every score is read against.

Both take the target history `y` (n, targets) and forecast origins `origins` (indices into y
of the last observed step) for `future` steps; they return (len(origins), future, targets).

    naive:           y_hat(o + h) = y(o)
    seasonal naive:  y_hat(o + h) = y(o + h - m ceil(h / m))      (the same step one season ago)
"""

import numpy as np


def naive(y: np.ndarray, origins: np.ndarray, future: int) -> np.ndarray:
    """The last observed value, repeated over the horizon."""
    return np.repeat(y[origins][:, None, :], future, axis=1)


def seasonal_naive(y: np.ndarray, origins: np.ndarray, future: int, season: int) -> np.ndarray:
    """The value one season before each forecast step; needs origins >= season - 1."""
    if season < 1:
        raise ValueError(f"season must be at least 1, got {season}")
    h = np.arange(1, future + 1)
    lag = season * np.ceil(h / season).astype(int)
    idx = np.asarray(origins)[:, None] + h[None, :] - lag[None, :]
    if idx.size and idx.min() < 0:
        raise ValueError(f"seasonal naive with season {season} needs origins >= {season - 1}")
    return y[idx]
