"""Naive forecasts that every score is read against.

Both take the target history `y` (n, targets) and forecast origins `origins` (indices into y
of the last observed step) for `future` steps; they return (len(origins), future, targets).

    naive:           y_hat(o + h) = y(o)
    seasonal naive:  y_hat(o + h) = y(o + h - m ceil(h / m))      (the same step one season ago)

The season m, unless given, follows the data's frequency: `default_season(freq)`.
"""

import numpy as np

# The season of a pandas offset alias's base (anchors such as "-JAN" and multiples such as "2" dropped).
# Periods of one unit of each base alias in its natural cycle: minutes and hours in a day, days in a
# week, business days in a week, weeks, months and quarters in a year, seconds in a minute.
SEASONS = {"MS": 12, "ME": 12, "M": 12, "BMS": 12, "BME": 12, "SMS": 24, "SME": 24, "QS": 4, "QE": 4, "Q": 4,
           "BQS": 4, "BQE": 4, "D": 7, "B": 5, "C": 5, "h": 24, "H": 24, "bh": 8, "W": 52, "min": 1440,
           "T": 1440, "s": 60, "S": 60}


def default_season(freq: str | None) -> int:
    """Seasonal period from a pandas offset alias with its multiple: the base's cycle divided by the multiple.

    15min -> 96, 30min -> 48, h -> 24, 2h -> 12, D -> 7, B -> 5, W -> 52, MS/M -> 12, 2MS -> 6, QS/Q -> 4;
    yearly, an unknown alias, a multiple that does not divide the cycle, or None -> 1.
    """
    if not freq:
        return 1
    alias = freq.split("-")[0]
    digits = len(alias) - len(alias.lstrip("0123456789"))
    multiple = int(alias[:digits]) if digits else 1
    cycle = SEASONS.get(alias[digits:], 1)
    return cycle // multiple if multiple and cycle % multiple == 0 and cycle // multiple > 1 else 1


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
