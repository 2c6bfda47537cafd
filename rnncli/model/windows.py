"""The supervised framing: a series of rows becomes (past -> future) windows.

Notation
--------
n rows of data, each with n_columns values; P = past (input length), Q = future (horizon).
S = n - P - Q + 1 windows, numbered s = 0 .. S-1.

Window s
--------
    inputs   X[s] = data[s     : s + P,     feature_idx]      (P, n_features)
    targets  Y[s] = data[s + P : s + P + Q, target_idx]       (Q, n_targets)

so X is (S, P, n_features) and Y is (S, Q, n_targets).

Worked example: P = 5, Q = 3 on the rows 0..9 gives S = 10 - 5 - 3 + 1 = 3 windows,
the first with inputs 0 1 2 3 4 and targets 5 6 7, the last with inputs 2..6 and targets 7 8 9.

Chronological split
-------------------
Validation is the last n_val = ceil(S * val_frac) windows, v0 = S - n_val .. S-1. Consecutive
windows share target rows, so training keeps only the windows whose targets end before the first
validation target row v0 + P:

    i + P + Q - 1 < v0 + P   <=>   i <= v0 - Q        training = windows 0 .. v0 - Q

The Q - 1 windows in between are dropped. The training windows then touch exactly the rows
0 .. v0 + P - 1 (`train_rows`), the rows the scalers are fitted on, so nothing of the validation
targets leaks into training or into scaling.
"""

import math
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ConfigError, DataError


def _check_length(name: str, value) -> int:
    """`value` as an int if it is a whole number >= 1, else a ConfigError naming the argument `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"`{name}` must be a whole number of time steps, 1 or more; got {value!r}")
    return int(value)


def n_windows(n_steps: int, past: int, future: int) -> int:
    """S = n_steps - past - future + 1, the number of windows; 0 or less when the series is too short."""
    return n_steps - past - future + 1


def make_windows(data: np.ndarray, past: int, future: int, feature_idx: Sequence[int],
                 target_idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Cut `data` (n, n_columns) into inputs X (S, past, n_features) and targets Y (S, future, n_targets).

    Window s has inputs data[s : s+past, feature_idx] and targets data[s+past : s+past+future, target_idx].
    Both are C-contiguous copies in the dtype of `data` (integer data becomes float64).
    Raises ConfigError if past or future is not a whole number >= 1, DataError if the series is
    too short for a single window (n < past + future).
    """
    past, future = _check_length("past", past), _check_length("future", future)
    data = np.asarray(data)
    if data.ndim != 2:
        raise DataError(f"expected a table of shape (rows, columns), got an array of shape {data.shape}")
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(np.float64)
    n, n_columns = data.shape
    for idx in (feature_idx, target_idx):
        bad = [int(j) for j in idx if not 0 <= j < n_columns]
        if len(idx) == 0 or bad:
            raise DataError(f"column indices {list(idx)} must be non-empty and each in 0..{n_columns - 1}")
    S = n_windows(n, past, future)
    if S < 1:
        raise DataError(
            f"series has {n} rows but `past={past}` + `future={future}` needs at least {past + future} "
            f"(S = n - past - future + 1 = {S} windows); use a longer series or lower `past`/`future`"
        )
    features = data[: n - future][:, list(feature_idx)]  # rows that can start an input window's rows
    targets = data[past:][:, list(target_idx)]  # rows that can be a target
    # sliding_window_view puts the window axis last: (S, n_columns, length) -> (S, length, n_columns)
    X = sliding_window_view(features, past, axis=0).transpose(0, 2, 1)
    Y = sliding_window_view(targets, future, axis=0).transpose(0, 2, 1)
    return np.ascontiguousarray(X), np.ascontiguousarray(Y)


def unbroken(starts: np.ndarray, length: int, breaks: np.ndarray | None) -> np.ndarray:
    """The window first rows in `starts` whose `length` rows straddle none of `breaks`.

    A break b is a row index whose row does not follow row b - 1 on the calendar (rows were
    dropped between them); window s covers rows s .. s + length - 1 and straddles b when
    s < b <= s + length - 1.
    """
    starts = np.asarray(starts, dtype=np.int64)
    if breaks is None or not len(breaks):
        return starts
    breaks = np.sort(np.asarray(breaks, dtype=np.int64))
    before_end = np.searchsorted(breaks, starts + length - 1, side="right")
    up_to_start = np.searchsorted(breaks, starts, side="right")
    return starts[before_end == up_to_start]


def window_starts(n_steps: int, past: int, future: int, breaks: np.ndarray | None = None) -> np.ndarray:
    """First rows s of the windows of `n_steps` rows that straddle none of `breaks` (see `unbroken`).

    Window s has inputs rows s .. s+past-1 and targets rows s+past .. s+past+future-1.
    """
    return unbroken(np.arange(max(n_windows(n_steps, past, future), 0)), past + future, breaks)


def split_windows(S: int, val_frac: float, future: int) -> tuple[slice, slice]:
    """Split S windows in time order into (train, val) slices whose target rows do not overlap.

    n_val = ceil(S * val_frac) (at least 1 when val_frac > 0; float noise such as 50 * 0.14 =
    7.000000000000001 is rounded away first); val = the last n_val windows, slice(v0, S) with
    v0 = S - n_val; train = slice(0, v0 - future + 1), the windows whose targets end before the
    first validation target. With val_frac == 0, train = slice(0, S) and val = slice(S, S) (empty).
    Raises ConfigError if val_frac is not in [0, 1), DataError if no training window remains.
    """
    if not 0 <= val_frac < 1:
        raise ConfigError(f"`val_frac` must be at least 0 and below 1; got {val_frac!r}")
    if S < 1:
        raise DataError(f"there are {S} windows to split; use a longer series or lower `past`/`future`")
    if val_frac == 0:
        return slice(0, S), slice(S, S)
    n_val = max(1, math.ceil(round(S * val_frac, 9)))
    v0 = S - n_val
    n_train = v0 - future + 1
    if n_train < 1:
        raise DataError(
            f"{S} windows are too few for `val_frac={val_frac}` with `future={future}`: validation takes the "
            f"last {n_val} and the {min(future - 1, v0)} before them share target rows with it, leaving "
            f"{max(n_train, 0)} for training (needs at least n_val + future = {n_val + future} windows); "
            f"lower `val_frac` or `past`/`future`, or use a longer series"
        )
    return slice(0, n_train), slice(v0, S)


def train_rows(train: slice, past: int, future: int) -> int:
    """Leading data rows the training windows use, inputs and targets: train.stop - 1 + past + future.

    Fit scalers on data[:train_rows(...)]. When the windows were cut with a longer lookback
    (see `scaling.lookback`), pass that lookback as `past`.
    """
    return train.stop - 1 + past + future
