"""Seasonal periods: from a pandas frequency alias, or detected in the data.

    default_season("MS") == 12        monthly; "QS" 4, "D" 7, "h" 24, "W" 52; 1 when unknown
    strongest_lag(y, 2, 20)           the lag of the largest autocorrelation of y's first differences
"""

import numpy as np

SEASONS = {"MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "D": 7, "B": 5, "h": 24, "H": 24,
           "W": 52, "min": 60}


def default_season(freq: str | None) -> int:
    """Seasonal period from a pandas frequency alias: 12 monthly, 4 quarterly, 7 daily, 24 hourly, else 1."""
    if not freq:
        return 1
    base = freq.split("-")[0].lstrip("0123456789")
    return SEASONS.get(base, 1)


def strongest_lag(y: np.ndarray, lo: int, hi: int) -> int | None:
    """The period in lo..hi with the strongest autocorrelation of the first differences of y (n, targets).

    The autocorrelations of the targets are averaged; the shortest lag that is a local maximum with
    at least 0.8 times the largest autocorrelation wins (the fundamental period, not a multiple). None when
    no lag fits (hi < lo or too few rows) or no autocorrelation is positive. Source: the sample ACF
    (Box & Jenkins).
    """
    d = np.diff(np.asarray(y, dtype=np.float64), axis=0)
    hi = min(hi, len(d) // 2)
    if hi < lo:
        return None
    d = d - d.mean(axis=0)
    denom = np.maximum((d * d).sum(axis=0), 1e-300)
    acf = np.array([np.mean((d[k:] * d[:-k]).sum(axis=0) / denom) for k in range(lo, hi + 1)])
    top = acf.max()
    if top <= 0:
        return None
    padded = np.concatenate([[-np.inf], acf, [-np.inf]])
    peaks = (acf >= padded[:-2]) & (acf >= padded[2:]) & (acf >= 0.8 * top)  # local maxima near the top
    return lo + int(np.flatnonzero(peaks)[0])
