"""The three plots, drawn with matplotlib (the optional 'plot' extra), imported only here.

Each `*_figure` function returns a `matplotlib.figure.Figure` (built without pyplot, so no global
state and no GUI backend) whose lines hold the plotted data; `save_figure` writes it atomically in
the format its file name ends with.

- `evaluation_figure`: `evaluate --plot`, a rolling-origin backtest: per target, the fan of every
  origin's M-step forecast, then one panel per horizon step (every step up to MAX_STEP_PANELS, else
  steps spread over 1..M) with the model, naive and seasonal-naive forecasts for that step; legends
  give each method's RMSE at that step and over all steps.
- `forecast_figure`: `predict --plot`, the history, the forecast and its interval band.
- `learning_curve_figure`: `info --plot`, train and validation MSSE per epoch, the best epoch marked.
"""

from __future__ import annotations

import numpy as np

# The file formats --plot writes, by extension (matplotlib's names).
PLOT_FORMATS = ("png", "svg", "pdf")
MAX_STEP_PANELS = 6
MAX_FAN_LINES = 60  # the fan draws at most this many origins' paths (evenly spread), for readability
STYLES = {"model": ("tab:blue", "-"), "naive": ("tab:gray", ":"), "seasonal_naive": ("tab:orange", "--")}
LABELS = {"model": "model", "naive": "naive", "seasonal_naive": "seasonal naive"}


def plot_format(path: str) -> str | None:
    """The format of a plot file from its extension ('png', 'svg' or 'pdf'), or None for another one."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return ext if ext in PLOT_FORMATS else None


def save_figure(fig, path: str) -> None:
    """Write `fig` to `path` atomically, in the format its extension names (see PLOT_FORMATS)."""
    from ..io.files import atomic_write

    fmt = plot_format(path)
    if fmt is None:
        raise ValueError(f"{path}: a plot file must end in .{', .'.join(PLOT_FORMATS)}")
    # fixed metadata: the same figure gives the same bytes (no creation date in svg/pdf)
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=110, metadata=metadata), what="plot")


def chosen_steps(future: int, most: int = MAX_STEP_PANELS) -> list[int]:
    """The horizon steps (1-based) that get a panel: all of 1..future, or `most` spread over it."""
    if future <= most:
        return list(range(1, future + 1))
    return sorted({round(float(s)) for s in np.linspace(1, future, most)})


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _time_axis(ax, x) -> None:
    """Readable dates on a datetime x axis (matplotlib's concise date formatter)."""
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _x(times, index):
    """The x values of rows `index`: their times, or the row numbers without a time column."""
    index = np.asarray(index)
    return times[index] if times is not None else index


def evaluation_figure(ev: dict, times, future: int, time_name: str | None = None):
    """The backtest of `Forecaster.evaluate`'s result `ev` as a Figure.

    times: DATA's time column (n_rows,) or None (rows are then numbered from 0); future: M.
    Per target k, a row of panels: first the fan (the actual values of every scored target row, from
    the first origin's step 1 to the last origin's step M, so the data's last M-1 periods are
    included, and each origin's M-step model forecast as a thin line, at most MAX_FAN_LINES of them
    spread evenly over the origins), then one panel per step h in
    `chosen_steps(M)`: the actual values and each method's forecast for time origin + h. Legends
    carry each method's RMSE at that step and over all steps (ev["per_step"], ev["overall"]).
    """
    origins = np.asarray(ev["origins"])
    targets = ev["targets"]
    steps = chosen_steps(future)
    ncols = 2
    panel_rows = -(-len(steps) // ncols)
    nrows = len(targets) * (1 + panel_rows)
    fig = _new_figure(11, 2.6 * nrows)
    grid = fig.add_gridspec(nrows, ncols)
    span = np.arange(origins[0] + 1, origins[-1] + future + 1)
    xlabel = time_name or "row"
    row = 0
    for k, target in enumerate(targets):
        actual = np.full(len(span), np.nan)
        for h in range(future):
            actual[origins + h + 1 - span[0]] = ev["actual"][:, h, k]
        fan = fig.add_subplot(grid[row, :])
        fan.plot(_x(times, span), actual, color="black", lw=1.5, label="actual", gid="actual")
        shown = np.linspace(0, len(origins) - 1, min(len(origins), MAX_FAN_LINES)).round().astype(int)
        for j in np.unique(shown):
            o = origins[j]
            fan.plot(_x(times, o + np.arange(1, future + 1)), ev["forecasts"]["model"][j, :, k],
                     color=STYLES["model"][0], lw=0.8, alpha=0.5, gid=f"fan-{j}",
                     label="model, from each origin" if j == 0 else None)
        overall = "  ".join(f"{LABELS[m]} {ev['overall'][m]['rmse'][k]:.4g}" for m in STYLES)
        fan.set_title(f"{target}: {ev['windows']} rolling origins, steps 1-{future} "
                      f"(RMSE over all steps: {overall})", fontsize=9)
        fan.set_xlabel(xlabel)
        fan.set_ylabel(target)
        fan.legend(loc="upper left", fontsize=7)
        _time_axis(fan, _x(times, span))
        row += 1
        for i, h in enumerate(steps):
            ax = fig.add_subplot(grid[row + i // ncols, i % ncols])
            when = _x(times, origins + h)
            ax.plot(_x(times, span), actual, color="black", lw=1.3, label="actual", gid="actual")
            for method, (color, ls) in STYLES.items():
                rmse = ev["per_step"][method]["rmse"][h - 1, k]
                ax.plot(when, ev["forecasts"][method][:, h - 1, k], color=color, ls=ls, lw=1.2, gid=method,
                        label=f"{LABELS[method]}: RMSE {rmse:.4g} (all steps "
                              f"{ev['overall'][method]['rmse'][k]:.4g})")
            ax.set_title(f"{target}, step {h} of {future} (t+{h})", fontsize=9)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(target)
            ax.legend(loc="best", fontsize=6, framealpha=0.6)
            _time_axis(ax, _x(times, span))
        row += panel_rows
    return fig


def forecast_figure(history, history_times, fc, times, time_name: str | None = None):
    """A forecast as a Figure: one panel per target with the history, the forecast and its band.

    history: (n, n_targets) the values before the forecast, history_times (n,) or None; fc: a
    `Forecast` (values (M, n_targets), optional lower/upper and level); times: the M forecast
    times or None (then steps are numbered on from the history's rows).
    """
    n, future = len(history), fc.values.shape[0]
    hx = history_times if history_times is not None else np.arange(n)
    fx = times if times is not None else np.arange(n, n + future)
    fig = _new_figure(10, 3.2 * len(fc.targets))
    for k, target in enumerate(fc.targets):
        ax = fig.add_subplot(len(fc.targets), 1, k + 1)
        ax.plot(hx, history[:, k], color="black", lw=1.4, label="history", gid="history")
        # the forecast line starts at the last observation, so the two lines join
        ax.plot(np.concatenate([hx[-1:], fx]), np.concatenate([history[-1:, k], fc.values[:, k]]),
                color=STYLES["model"][0], lw=1.6, marker="o", ms=3, markevery=list(range(1, future + 1)),
                label=f"forecast, {future} steps", gid="forecast")
        if fc.lower is not None:
            ax.fill_between(fx, fc.lower[:, k], fc.upper[:, k], color=STYLES["model"][0], alpha=0.2, lw=0,
                            label=f"{fc.level:g} interval (split conformal)", gid="interval")
        ax.set_title(f"{target}: forecast of the next {future} steps", fontsize=10)
        ax.set_xlabel(time_name or "row")
        ax.set_ylabel(target)
        ax.legend(loc="upper left", fontsize=8)
        _time_axis(ax, hx)
    return fig


def _log_axis(ax) -> None:
    """A log y axis labelled in plain numbers: each power of ten, and 2, 3 and 5 times it (0.3, 2)."""
    import matplotlib.ticker as mticker

    def label(value, pos):
        mantissa = value / 10 ** np.floor(np.log10(value)) if value > 0 else 0
        return f"{value:g}" if any(abs(mantissa - m) < 1e-6 for m in (1, 2, 3, 5)) else ""

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(label))
    ax.yaxis.set_minor_formatter(mticker.FuncFormatter(label))


def learning_curve_figure(history: dict):
    """The learning curve of a model's `history` (the artifact's dict) as a Figure.

    Train and validation MSSE (scaled units) per epoch (1-based) on a log axis when all are positive,
    the best epoch marked by a vertical line and a point on the validation curve.
    """
    train = np.asarray(history["train_msse"], dtype=np.float64)
    val = np.array([np.nan if v is None else v for v in history["val_msse"]], dtype=np.float64)
    epochs = np.arange(1, len(train) + 1)
    best = int(history["best_epoch"])
    fig = _new_figure(8, 4)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(epochs, train, color="tab:blue", lw=1.4, label="train MSSE", gid="train")
    if np.isfinite(val).any():
        ax.plot(epochs[: len(val)], val, color="tab:orange", lw=1.4, label="validation MSSE",
                gid="validation")
    if 1 <= best <= len(train):
        y = val[best - 1] if best <= len(val) and np.isfinite(val[best - 1]) else train[best - 1]
        ax.axvline(best, color="gray", ls="--", lw=1)
        ax.plot([best], [y], "o", color="tab:red", label=f"best epoch {best} (MSSE {y:.4g})", gid="best")
    values = np.concatenate([train, val[np.isfinite(val)]])
    if len(values) and (values > 0).all():
        _log_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSSE (scaled units)")
    stopped = history.get("stopped") or "completed"
    ax.set_title(f"learning curve: {len(train)} epochs ({stopped})", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return fig
