"""Forecast accuracy metrics on arrays of shape (windows, horizon, targets).

Each function reduces over the windows and returns (horizon, targets). `overall` pools every window and
horizon step into one sample per target, so its MSE and MAE are the means of the per-step ones (every
step has the same windows), while its RMSE is the root of that pooled MSE (not the mean of the per-step
RMSEs) and its sMAPE and MASE are computed on the pooled errors. Definitions (e = y_hat - y, n windows):

    MSE   = mean(e^2)                 RMSE = sqrt(MSE)           MAE = mean(|e|)
    sMAPE = mean(200 |e| / (|y| + |y_hat|)), a term with y = y_hat = 0 counting as 0   (percent)
    MASE  = MAE / scale, scale = mean |y(t) - y(t - m)| over the training targets (Hyndman & Koehler)
    skill = 1 - RMSE / RMSE_naive     (> 0: better than the naive forecast)
"""

import numpy as np

METRICS = ("mse", "rmse", "mae", "smape", "mase")


def _mean(terms: np.ndarray, where: np.ndarray | None) -> np.ndarray:
    """Mean over the windows (axis 0) of the terms where `where` is True (NaN where none is)."""
    if where is None:
        return np.mean(terms, axis=0)
    count = where.sum(axis=0)
    total = np.sum(terms, axis=0, where=where)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def mse(y: np.ndarray, y_hat: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    return _mean(np.square(y_hat - y), where)


def mae(y: np.ndarray, y_hat: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    return _mean(np.abs(y_hat - y), where)


def smape(y: np.ndarray, y_hat: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    num = 200.0 * np.abs(y_hat - y)
    den = np.abs(y) + np.abs(y_hat)
    terms = np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)
    return _mean(terms, where)


def mase_scale(train_targets: np.ndarray, season: int) -> np.ndarray:
    """Per target, mean |y(t) - y(t - m)| over the training series (n, targets); NaN when undefined."""
    m = season if len(train_targets) > season else 1
    if len(train_targets) <= m:
        return np.full(train_targets.shape[1], np.nan)
    return np.mean(np.abs(train_targets[m:] - train_targets[:-m]), axis=0)


def scores(y: np.ndarray, y_hat: np.ndarray, scale: np.ndarray,
           where: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every metric per horizon step and target: a dict of (horizon, targets) arrays.

    `where` (same shape as y, bool) scores only the values where it is True (observed targets).
    """
    m_mse, m_mae = mse(y, y_hat, where), mae(y, y_hat, where)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_mase = np.where(scale > 0, m_mae / np.where(scale > 0, scale, 1.0), np.nan)
    return {"mse": m_mse, "rmse": np.sqrt(m_mse), "mae": m_mae, "smape": smape(y, y_hat, where),
            "mase": m_mase}


def overall(y: np.ndarray, y_hat: np.ndarray, scale: np.ndarray,
            where: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every metric per target over all windows and horizon steps pooled: a dict of (targets,) arrays.

    RMSE is sqrt of the pooled MSE, i.e. sqrt(mean over steps of the per-step MSE)."""
    flat = lambda a: None if a is None else a.reshape(-1, 1, a.shape[-1])  # noqa: E731  (windows x steps)
    return {k: v[0] for k, v in scores(flat(y), flat(y_hat), scale, flat(where)).items()}


BASELINES = ("naive", "seasonal_naive")


def skill_vs_best(rmse, baselines: dict) -> tuple[np.ndarray, list]:
    """Skill against the best baseline per target: 1 - RMSE / min over the baselines' RMSE.

    `rmse` (targets,); `baselines` {name: (targets,) RMSE}, NaN where a baseline has no score.
    Returns (skill (targets,), the best baseline's name per target); skill is NaN and the name
    None where no baseline has a positive finite RMSE. skill < 0: a baseline beats the model.
    """
    rmse = np.asarray(rmse, dtype=np.float64)
    names = list(baselines)
    table = np.array([np.asarray(baselines[n], dtype=np.float64) for n in names]).reshape(len(names), -1)
    usable = np.where(np.isfinite(table) & (table > 0), table, np.inf)
    best = np.argmin(usable, axis=0)
    best_rmse = usable[best, np.arange(usable.shape[1])]
    ok = np.isfinite(best_rmse)
    skill = np.full(rmse.shape, np.nan)
    skill[ok] = 1.0 - rmse[ok] / best_rmse[ok]
    return skill, [names[b] if k else None for b, k in zip(best, ok, strict=True)]
