"""Validation scores of one trained variant: its RMSE beside naive and seasonal naive, and its shrinkage.

`score` forecasts the validation windows with a freshly trained network, in data units, and records
per target the RMSE of the network, of the naive forecast and of the seasonal-naive one, the
residuals that later give conformal intervals, and the score variants are compared by (the mean over
targets of RMSE / naive RMSE). For an anchored scaling ("level", "seasonal") it first shrinks the
network's correction of its anchor by the weight in `SHRINK` that validation prefers.
"""

import numpy as np

from . import baselines, scaling

__all__ = ["SHRINK", "score"]

SHRINK = (0.0, 0.25, 0.5, 0.75, 1.0)  # weights of the network's correction of an anchored forecast


def score(fit: dict, X: np.ndarray, Yraw: np.ndarray, Tpast: np.ndarray, ctx: dict, val: slice,
          origins: np.ndarray, y_all: np.ndarray, season: int) -> None:
    """Add the validation scores to `fit` (a variant's {"kind", "scaler", "network", ...}).

    X: the encoded inputs of every window; Yraw (windows, future, targets) and Tpast the raw targets
    and the targets' own past; ctx the scaler's per-window context; val the validation windows (not
    empty); origins (len(val),) the last observed row of each; y_all (rows, targets) the training
    targets, for the seasonal naive of period `season`. Adds "val_rmse", "naive_rmse", "snaive_rmse"
    (NaN where no origin has a season of history), "residuals" (len(val), future, targets) and
    "score", and for an anchored kind "anchor_rmse" and "network_weight" (the network's head is
    scaled by it in place).
    """
    net, scaler = fit["network"], fit["scaler"]
    future = Yraw.shape[1]
    y_hat = scaling.decode(scaler, net.predict(X[val]).astype(np.float64), _take(ctx, val))
    y = Yraw[val]
    naive = np.repeat(Tpast[val][:, -1:, :], future, axis=1)
    fit["val_rmse"] = np.sqrt(np.mean((y_hat - y) ** 2, axis=(0, 1)))
    if fit["kind"] in scaling.ANCHORED:  # shrink the correction of the anchor as far as validation says
        ref = scaling.decode(scaler, np.zeros_like(y_hat), _take(ctx, val))
        fit["anchor_rmse"] = np.sqrt(np.mean((ref - y) ** 2, axis=(0, 1)))
        rel = {w: float(np.mean(np.sqrt(np.mean((ref + w * (y_hat - ref) - y) ** 2, axis=(0, 1)))
                                / np.maximum(fit["anchor_rmse"], 1e-300))) for w in SHRINK}
        w = min(SHRINK, key=lambda w: (rel[w], w))
        fit["network_weight"] = w
        if w != 1.0:  # the head is linear: scaling it scales the correction
            for a in net.params[-1].values():
                a *= w
            y_hat = scaling.decode(scaler, net.predict(X[val]).astype(np.float64), _take(ctx, val))
            fit["val_rmse"] = np.sqrt(np.mean((y_hat - y) ** 2, axis=(0, 1)))
    fit["residuals"] = y - y_hat
    fit["naive_rmse"] = np.sqrt(np.mean((naive - y) ** 2, axis=(0, 1)))
    seasonal = origins >= season - 1
    if seasonal.any():
        snaive = baselines.seasonal_naive(y_all, origins[seasonal], future, season)
        fit["snaive_rmse"] = np.sqrt(np.mean((snaive - y[seasonal]) ** 2, axis=(0, 1)))
    else:
        fit["snaive_rmse"] = np.full(y.shape[2], np.nan)
    # variants are compared on the same (last) validation windows, relative to naive
    fit["score"] = float(np.mean(fit["val_rmse"] / np.maximum(fit["naive_rmse"], 1e-300)))


def _take(ctx: dict, rows) -> dict:
    return {k: v[rows] for k, v in ctx.items()}
