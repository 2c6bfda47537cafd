"""Seasonal periods detected in the data (the frequency's own rule is `baselines.default_season`).

    strongest_lag(y, 2, 20)           the lag of the largest autocorrelation of y's first differences
"""

import numpy as np


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
