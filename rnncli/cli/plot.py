"""Actual vs forecast vs baselines, drawn with matplotlib (the optional 'plot' extra)."""

import numpy as np


def plot_evaluation(ev: dict, series, path: str) -> None:
    """One panel per target: the actual values and the one-step-ahead forecasts of each method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io.files import atomic_write

    origins = ev["origins"]
    x = series.time[origins + 1] if series.time is not None else origins + 1
    n = len(ev["targets"])
    fig, axes = plt.subplots(n, 1, figsize=(10, 3.2 * n), squeeze=False)
    styles = {"model": ("tab:blue", "-"), "naive": ("tab:gray", ":"), "seasonal_naive": ("tab:orange", "--")}
    for k, (ax, target) in enumerate(zip(axes[:, 0], ev["targets"], strict=True)):
        ax.plot(x, ev["actual"][:, 0, k], color="black", lw=1.5, label="actual")
        for method, (color, ls) in styles.items():
            rmse = float(np.sqrt(np.mean((ev["forecasts"][method][:, 0, k] - ev["actual"][:, 0, k]) ** 2)))
            ax.plot(x, ev["forecasts"][method][:, 0, k], color=color, ls=ls, lw=1.2,
                    label=f"{method.replace('_', ' ')} (1-step RMSE {rmse:.3g})")
        ax.set_title(f"{target}: one-step-ahead forecasts over {ev['windows']} origins")
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)
