"""Naive forecasts that every score is read against.

Both take the target history `y` (n, targets) and forecast origins `origins` (indices into y
of the last observed step) for `future` steps; they return (len(origins), future, targets).

    naive:           y_hat(o + h) = y(o)
    seasonal naive:  y_hat(o + h) = y(o + h - m ceil(h / m))      (the same step one season ago)

The season m, unless given, follows the data's frequency: `default_season(freq)`.
"""

import numpy as np

# The season of a pandas offset alias's base (anchors such as "-JAN" and multiples such as "2" dropped).
SEASONS = {"MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "D": 7, "B": 5, "h": 24, "H": 24,
           "W": 52, "min": 60}


def default_season(freq: str | None) -> int:
    """Seasonal period from a pandas frequency alias: 12 monthly, 4 quarterly, 7 daily, 24 hourly, else 1."""
    if not freq:
        return 1
    base = freq.split("-")[0].lstrip("0123456789")
    return SEASONS.get(base, 1)


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
