"""The user-facing model: fit on a table of values, forecast, backtest and score.

    >>> from rnncli import Forecaster, read_csv
    >>> series = read_csv("sample_data/airline.csv")
    >>> model = Forecaster(past=12, future=6).fit(series)
    >>> model.predict().values            # (future, n_targets), in the data's units

`fit` takes an `rnncli.io.Series` (what `read_csv` returns) or a plain array (n_steps,
n_columns) with `targets=` / `features=` column indices. Fitted state ends in `_`.
Nothing here reads files or prints; `to_dict` / `from_dict` give the artifact's plain data.
"""

import contextlib
import math
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..engine import products
from ..engine.network import CELLS, DTYPES, Network
from ..engine.optim import OPTIMIZERS
from ..engine.train import DivergenceError, Trainer
from ..errors import ConfigError, DataError, NonFiniteLossError
from ..threads import blas_threads, resolve
from . import anchor, baselines, metrics, persist, recursive, scaling, sizing, validation, windows
from .fingerprints import FINGERPRINTS, fingerprint, window_fingerprints
from .fingerprints import overlap as fingerprint_overlap
from .persist import FORMAT, FORMAT_VERSION
from .tables import (
    MAX_MAGNITUDE,
    check_enough_rows,
    check_frame_index,
    check_magnitude,
    check_not_constant,
    check_unbroken,
    observed_targets,
    plain,
    provenance,
    row_breaks,
    table,
)
from .validation import SHRINK

__all__ = ["FINGERPRINTS", "FORMAT", "FORMAT_VERSION", "MAX_MAGNITUDE", "SCALES", "SHRINK", "Forecast",
           "Forecaster"]
# FINGERPRINTS is read from this module at each fit, so setting forecaster.FINGERPRINTS applies.

SCALES = ("auto", *scaling.KINDS)


@dataclass
class Forecast:
    """Forecasts of every target for `future` steps, with optional conformal bounds."""

    values: np.ndarray  # (future, n_targets), data units
    targets: list
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    level: float | None = None
    reach: int | None = None  # steps whose interval comes from validation residuals; beyond: extrapolated


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ConfigError(f"`{name}` must be one of {', '.join(choices)}; got {value!r}")
    return value


class Forecaster:
    """A recurrent network that forecasts `future` steps of the targets from `past` steps of the features.

    Options mirror `rnncli train` (see `rnncli train --help`). `scale="auto"` first scores the naive
    forecast and the seasonal-naive ones (the season of the data's frequency and the lag of the
    strongest autocorrelation of the first differences, each when it fits in `past`) from every
    window origin, a cheap test, then trains one network on the residual of the best of them
    ("level" for naive, "seasonal" otherwise); the choice and its reason are in `choice_`.
    `season`: m for the seasonal variants (None: from the frequency, else detected as above).
    Training is budgeted in optimiser steps: at most `max_steps` (None: 600 + 2 per training window,
    capped at 3000) and `epochs`; early stopping counts only after `min_steps` (None: 300, or fewer
    when the budget or `epochs` allow fewer), and the learning rate halves after patience / 2
    epochs without improvement (reduce-on-plateau, at most four times).
    """

    def __init__(self, past: int, future: int, *, cell: str = "lstm", hidden: int = 64, layers: int = 1,
                 epochs: int = 200, batch_size: int = 32, lr: float = 1e-3, optimizer: str = "adam",
                 clip: float | None = None, val_frac: float = 0.2, patience: int = 20, scale: str = "auto",
                 seed: int = 0, dtype: str = "float32", season: int | None = None,
                 max_steps: int | None = None, min_steps: int | None = None):
        self.past = _check_int("past", past, 1)
        self.future = _check_int("future", future, 1)
        self.cell = _check_choice("cell", cell, tuple(CELLS))
        self.hidden = _check_int("hidden", hidden, 1)
        self.layers = _check_int("layers", layers, 1)
        self.epochs = _check_int("epochs", epochs, 1)
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.optimizer = _check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
        self.patience = _check_int("patience", patience, 0)
        self.scale = _check_choice("scale", scale, SCALES)
        self.seed = _check_int("seed", seed, 0)
        self.dtype = _check_choice("dtype", dtype, DTYPES)
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ConfigError(f"`lr` must be a positive number, got {lr!r}")
        self.lr = float(lr)
        if clip is not None and not (isinstance(clip, (int, float)) and math.isfinite(clip) and clip > 0):
            raise ConfigError(f"`clip` must be a positive number, got {clip!r}")
        self.clip = None if clip is None else float(clip)
        if not (isinstance(val_frac, (int, float)) and 0 <= val_frac < 1):
            raise ConfigError(f"`val_frac` must be in [0, 1), got {val_frac!r}")
        self.val_frac = float(val_frac)
        self.season = None if season is None else _check_int("season", season, 1)
        self.max_steps = None if max_steps is None else _check_int("max_steps", max_steps, 1)
        self.min_steps = None if min_steps is None else _check_int("min_steps", min_steps, 0)

    def get_params(self) -> dict:
        """The constructor options, as plain values."""
        names = ("past", "future", "cell", "hidden", "layers", "epochs", "batch_size", "lr", "optimizer",
                 "clip", "val_frac", "patience", "scale", "seed", "dtype", "season", "max_steps", "min_steps")
        return {k: getattr(self, k) for k in names}

    # -- fitting ------------------------------------------------------------------------

    def fit(self, data, *, targets=None, features=None, columns=None, on_epoch=None, should_stop=None,
            on_variant=None, on_batch=None, resume: dict | None = None, threads="auto") -> "Forecaster":
        """Train on `data`; returns self.

        `data` is a `Series` (from `read_csv` or `read_frame`), a pandas DataFrame with a plain
        RangeIndex (its column names are the columns; a non-numeric column, such as a time column, or
        an index of times or labels raises DataError pointing to `read_frame`) or an
        array (rows, columns) whose columns are named by `columns` (default x0, x1, ...).
        `targets` and `features` name columns (or give their indices); they are ignored for a
        Series, which carries its own. `on_epoch(EpochLog)` after every epoch,
        `should_stop()` between batches (True ends training after the current batch:
        `interrupted_` is then set), `on_batch(epoch, batch, n_batches)` after every mini-batch,
        and `on_variant(kind, index, count)` before each scaling variant trained. `resume`, a saved
        model's `to_dict()`, continues that run (its weights, optimiser moments, epoch counter and
        RNG state) up to `epochs` in total, on the same data and architecture (a difference raises
        ConfigError or DataError naming it).
        `threads`: BLAS threads, an int or "auto" (see `rnncli.threads`; the weights are
        bit-identical for a given count).

        Besides the network, fit stores the validation scores in data units, per target:
        `val_rmse_`, `naive_rmse_`, `snaive_rmse_` (seasonal naive with period `season_`: the
        `season` option, else the frequency's, `baselines.default_season`; NaN where no validation
        origin has a season of history), each variant's `val_rmse` (`variant_rmse_`) and score
        (`variant_scores_`: mean over targets of RMSE / naive RMSE), and fingerprints of the
        training windows (`overlap`).
        A fit that raises leaves the model as it was before the call (unfitted, or fitted by the
        previous call).
        """
        before = dict(self.__dict__)
        try:
            return self._fit(data, targets, features, columns, on_epoch, should_stop, on_variant, on_batch,
                             resume, threads)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit(self, data, targets, features, columns, on_epoch, should_stop, on_variant, on_batch, resume,
             threads):
        values, self.columns_, self.feature_idx_, self.target_idx_, self.time_ = table(
            data, targets, features, columns)
        self.season_ = self.season or baselines.default_season((self.time_ or {}).get("freq"))
        breaks = row_breaks(data)
        check_magnitude(values, self.columns_)
        check_not_constant(values, self.columns_, self.target_idx_)
        if not np.isfinite(values).all():
            row, col = np.argwhere(~np.isfinite(values))[0]
            raise DataError(f"value {values[row, col]} in column '{self.columns_[col]}' (row {row + 1}) "
                            "is missing or infinite; fill or drop it first")
        kinds = ["level"] if self.scale == "auto" else [self.scale]
        if resume is not None:
            persist.check_resume(self, resume, values)
            kinds = [resume["scale"]]
        for kind in kinds:  # every variant's windows are checked before any training starts
            check_enough_rows(len(values), scaling.lookback(kind, self.past), self.past, self.future,
                               self.val_frac, self.scale)
            starts = self._window_starts(len(values), kind, breaks)
            check_unbroken(starts, self.past, self.future, breaks)
            windows.split_windows(len(starts), self.val_frac, self.future)
        self._check_memory(len(values))
        if resume is not None:
            m = int(np.asarray(resume["scaler"].get("season", [1]))[0])
            drift = bool(np.asarray(resume["scaler"].get("drift", [0]))[0])
            self.choice_ = dict(resume.get("choice") or {})
        else:
            m, drift, self.choice_ = anchor.choose_anchor(self, values, kinds[0], breaks)
            if self.scale == "auto" and m > 1:
                kinds = ["seasonal"]
        fits, self.interrupted_ = [], False
        with self._blas(threads, self.batch_size):
            for n, kind in enumerate(kinds):
                if on_variant is not None:
                    on_variant(kind, n + 1, len(kinds))
                fits.append(self._fit_variant(kind, values, on_epoch, should_stop, resume, m, drift, breaks,
                                              on_batch))
                if fits[-1]["history"].stopped == "interrupted":
                    self.interrupted_ = True
                    break
        best = min(fits, key=lambda f: f["score"])
        # what a resumed run still has to train: the variants not reached, and an interrupted one not kept
        self.variants_pending_ = [k for k in kinds[len(fits):]]
        if self.interrupted_ and fits[-1] is not best:
            self.variants_pending_.insert(0, fits[-1]["kind"])
        self.scale_, self.scaler_, self.network_ = best["kind"], best["scaler"], best["network"]
        self.history_ = best["history"]
        self.trainer_state_ = plain(best["trainer"].state())  # what `fit(resume=...)` continues from
        self.val_residuals_ = best["residuals"]
        self.variant_scores_ = {f["kind"]: f["score"] for f in fits}
        self.variant_rmse_ = {f["kind"]: [float(v) for v in f["val_rmse"]] for f in fits}
        if "anchor_rmse" in best:
            self.choice_["network_rmse"] = [float(v) for v in best["val_rmse"]]
            self.choice_["anchor_rmse"] = [float(v) for v in best["anchor_rmse"]]
            self.choice_["network_weight"] = best["network_weight"]
        self.val_rmse_ = best["val_rmse"]
        self.naive_rmse_ = best["naive_rmse"]
        self.snaive_rmse_ = best["snaive_rmse"]
        self.fingerprints_ = window_fingerprints(values, self.past + self.future, FINGERPRINTS)
        self.tail_ = values[-self.lookback_:].copy()
        # rows were dropped inside the last lookback rows: predict() without data would bridge them
        self.tail_broken_ = bool(breaks is not None and breaks.max() > len(values) - self.lookback_)
        self.values_sha256_ = fingerprint(values)
        self.train_targets_ = values[:, self.target_idx_].copy()
        self.n_rows_ = len(values)
        self.data_ = provenance(data, len(values))
        self.created_ = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return self

    def _check_memory(self, n_rows: int) -> None:
        """ConfigError, before anything is allocated, when training clearly cannot fit in memory."""
        sizing.check_training(self.get_params(), n_rows, len(self.feature_idx_), len(self.target_idx_))

    @contextlib.contextmanager
    def _blas(self, threads, batch: int):
        """A context that sets the BLAS threads for products of `batch` windows, and the engine's
        product function with them (a split over two threads, or np.matmul: `rnncli.threads`)."""
        n = resolve(threads, hidden=self.hidden, batch=batch, features=len(self.feature_idx_), past=self.past,
                    layers=self.layers, cell=self.cell)
        with blas_threads(n) as matmul, products.using(matmul):
            yield

    @property
    def lookback_(self) -> int:
        """Raw rows one forecast needs (past, plus one when modelling differences)."""
        return scaling.lookback(self.scale_, self.past)

    def _window_starts(self, n: int, kind: str, breaks) -> np.ndarray:
        """First rows of the windows for scaling `kind` that straddle no break (dropped rows)."""
        return windows.window_starts(n, scaling.lookback(kind, self.past), self.future, breaks)

    def _frame(self, values: np.ndarray, kind: str, breaks):
        """Raw windows for scaling `kind`: inputs, targets and the targets' own past, and their first rows."""
        lb = scaling.lookback(kind, self.past)
        Xraw, Yraw = windows.make_windows(values, lb, self.future, self.feature_idx_, self.target_idx_)
        Tpast, _ = windows.make_windows(values, lb, self.future, self.target_idx_, self.target_idx_)
        starts = self._window_starts(len(values), kind, breaks)
        if len(starts) < len(Xraw):
            Xraw, Yraw, Tpast = Xraw[starts], Yraw[starts], Tpast[starts]
        return Xraw, Yraw, Tpast, starts

    def _budget(self, n_train: int) -> tuple[int, int]:
        """(max_steps, min_steps) for n_train training windows: the options, or the defaults.

        Default budget: 600 + 2 n_train steps, at most 3000; default minimum: 300 steps, or the
        budget, or what `epochs` epochs of ceil(n_train / batch_size) steps allow, if fewer.
        """
        max_steps = self.max_steps if self.max_steps is not None else min(3000, 600 + 2 * n_train)
        per_epoch = math.ceil(n_train / min(self.batch_size, n_train))
        min_steps = (self.min_steps if self.min_steps is not None
                     else min(300, max_steps, self.epochs * per_epoch))
        return max_steps, min_steps

    def _fit_variant(self, kind: str, values: np.ndarray, on_epoch, should_stop, resume=None,
                     season: int = 1, drift: bool = False, breaks=None, on_batch=None) -> dict:
        lb = scaling.lookback(kind, self.past)
        Xraw, Yraw, Tpast, starts = self._frame(values, kind, breaks)
        train, val = windows.split_windows(len(Xraw), self.val_frac, self.future)
        last_train = slice(0, int(starts[train.stop - 1]) + 1)  # the last training window's first row
        scaler = scaling.fit(kind, values[: windows.train_rows(last_train, lb, self.future)],
                             self.feature_idx_, self.target_idx_, season=season, drift=drift, past=self.past)
        X, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)
        rng = np.random.default_rng(self.seed)
        net = Network(self.cell, len(self.feature_idx_), self.hidden, self.layers, self.future,
                      len(self.target_idx_), self.dtype).init(rng)
        if kind in scaling.ANCHORED:  # a zero head: training starts from the (seasonal) naive forecast
            for a in net.params[-1].values():
                a[...] = 0
        max_steps, min_steps = self._budget(train.stop)
        trainer = Trainer(net, rng, self.optimizer, self.lr, self.batch_size, self.clip, self.patience,
                          min_steps=min_steps, max_steps=max_steps, plateau=max(1, self.patience // 2))
        if resume is not None:
            trainer.load_state(resume["trainer"])
        try:
            history = trainer.fit(X[train], Y[train], X[val], Y[val], self.epochs, on_epoch, should_stop,
                                  on_batch)
        except DivergenceError as e:
            raise NonFiniteLossError(
                f"loss became NaN at epoch {e.epoch} (scaling {kind}); try a lower `lr` (now {self.lr:g}) "
                "or `clip=1.0`", e.epoch) from e
        fit = {"kind": kind, "scaler": scaler, "network": net, "history": history, "trainer": trainer}
        if val.stop > val.start:
            origins = np.asarray(starts)[val] + lb - 1  # the last observed row of each window
            validation.score(fit, X, Yraw, Tpast, ctx, val, origins, values[:, self.target_idx_],
                             self.season_)
        else:
            fit["residuals"] = np.zeros((0, self.future, len(self.target_idx_)))
            fit["val_rmse"] = fit["naive_rmse"] = fit["snaive_rmse"] = np.full(len(self.target_idx_), np.nan)
            fit["score"] = float(history.best_msse) if kind == "minmax" or self.scale != "auto" else np.inf
        return fit

    # -- forecasting ----------------------------------------------------------------------

    def _values(self, data) -> np.ndarray:
        """The model's columns of `data` (a Series or an array in the model's column order)."""
        if not hasattr(self, "network_"):
            raise ConfigError("the Forecaster is not fitted yet: call fit(data) first, or load_model(path)")
        if data is None:
            return self.tail_
        if hasattr(data, "values") and hasattr(data, "columns"):
            check_frame_index(data)
            missing = [c for c in self.columns_ if c not in list(data.columns)]
            if missing:
                raise DataError(f"data lacks the model's column(s) {', '.join(missing)}; "
                                f"the model was trained on {', '.join(self.columns_)}")
            idx = [list(data.columns).index(c) for c in self.columns_]
            values = np.asarray(data.values, dtype=np.float64)[:, idx]
        else:
            values = np.asarray(data, dtype=np.float64)
            if values.ndim != 2 or values.shape[1] != len(self.columns_):
                raise DataError(f"data must have shape (rows, {len(self.columns_)}), got {values.shape}")
        if len(values) < self.lookback_:
            raise DataError(f"data has {len(values)} rows but the model needs at least {self.lookback_} "
                            f"(`past={self.past}`{' + 1 for differencing' if self.scale_ == 'diff' else ''})")
        if not np.isfinite(values).all():
            raise DataError("data has missing or infinite values; fill or drop them first")
        check_magnitude(values, self.columns_)
        return values

    def forecast_windows(self, Xraw: np.ndarray, Tpast: np.ndarray) -> np.ndarray:
        """Direct forecasts (B, future, n_targets) in data units from raw windows: inputs Xraw
        (B, lookback_, n_features) and the targets' own past Tpast (B, lookback_, n_targets).
        Raises DataError when the scaled inputs exceed the network dtype's range."""
        X, _, ctx = scaling.encode(self.scaler_, Xraw, None, Tpast)
        top = np.finfo(self.network_.dtype).max
        if X.size and not np.abs(X).max() < top:
            raise DataError(f"the data's values, scaled as in training, reach {np.abs(X).max():.3g}, beyond "
                            f"the {self.network_.dtype} network's range ({top:.3g}); check the data's units")
        return scaling.decode(self.scaler_, self.network_.predict(X).astype(np.float64), ctx)

    def predict(self, data=None, interval: float | None = None, steps: int | None = None,
                threads="auto") -> Forecast:
        """Forecast `steps` (default `future`) steps after the end of `data` (default: of the training data).

        Returns a Forecast with values (steps, n_targets) in data units. Up to `future` steps it is
        the network's direct multi-step forecast (its first `steps` rows). Further, it is recursive
        on the model's own M-step blocks (M = `future`): each block's forecasts are appended to the
        history as if observed and the next block is forecast from the last `past` rows. That needs
        every input to be a target (its future values are then forecast); otherwise ConfigError
        names the features that are not targets.

        `interval` (coverage in (0, 1)) adds split-conformal bounds per step h: up to `future`
        steps, from the validation residuals of the direct forecast (`interval_halfwidth`); for a
        longer forecast, from the residuals of recursive forecasts made from every validation
        origin of the training data, scored on the rows that data holds after the origin
        (`recursive_halfwidth`). Step h has as many residuals as origins with h known rows after
        them; the steps with enough for `interval` (at least level / (1 - level), e.g. 9 at 0.9) are
        `Forecast.reach`; beyond the reach K the half-width grows like a random walk's error,
        q(h) = q(K) sqrt(h / K).

        Raises DataError when the last `lookback_` rows of `data` straddle a break (dropped rows).
        `threads`: BLAS threads, an int or "auto" (see `rnncli.threads`).
        """
        steps = self.future if steps is None else _check_int("steps", steps, 1)
        values = self._values(data)
        breaks = row_breaks(data)
        if data is None and getattr(self, "tail_broken_", False):
            raise DataError(f"the last {self.lookback_} rows of the training data straddle dropped rows "
                            "(`fill='drop'`); forecast from data whose last rows are neighbours: pass DATA")
        if breaks is not None and breaks.max() > len(values) - self.lookback_:
            raise DataError(f"the last {self.lookback_} rows straddle dropped rows (a gap before row "
                            f"{int(breaks.max()) + 1}); a forecast needs {self.lookback_} neighbouring rows "
                            "at the end: fill the gap (`fill='ffill'|'interpolate'|'zero'`) or end the data "
                            "before it")
        if steps > self.future:
            recursive.check(self)
        with self._blas(threads, 1):
            y_hat = recursive.forecast(self, values[None, -self.lookback_:], steps)[0]
        fc = Forecast(y_hat, [self.columns_[i] for i in self.target_idx_])
        if interval is not None:
            if steps <= self.future:
                q, reach = self.interval_halfwidth(interval)[:steps], steps
            else:
                q, reach = self.recursive_halfwidth(interval, steps)
            fc.lower, fc.upper, fc.level, fc.reach = y_hat - q, y_hat + q, interval, reach
        return fc

    def recursive_residuals(self, steps: int) -> list:
        """Residuals (actual - forecast) of recursive forecasts from the training data's validation origins.

        Returns one array (n_h, n_targets) per step h = 1..steps: the origins with h rows after them
        in the training data (fewer for larger h; none beyond the data). Needs a model whose inputs
        are all targets (ConfigError otherwise). Computed by `rnncli.model.recursive.residuals`.
        """
        return recursive.residuals(self, steps)

    def recursive_halfwidth(self, level: float, steps: int) -> tuple[np.ndarray, int]:
        """Half-widths (steps, n_targets) at coverage `level` for a recursive forecast, and the reach K.

        Step h <= K: the split-conformal quantile of |residual| of `recursive_residuals` at step h
        (the ceil((n_h + 1) level)-th smallest); K is the last step before the first with fewer
        than level / (1 - level) residuals. Step h > K: q(K) sqrt(h / K).
        Raises DataError when not even step 1 has enough residuals (`rnncli.model.recursive.halfwidth`).
        """
        return recursive.halfwidth(self, level, steps)

    def overlap(self, data) -> dict:
        """How much of `data` the model was fitted on, from fingerprints of its windows of past + future rows.

        Each run of past + future consecutive rows (a whole supervised window: inputs and targets;
        the model's columns, float64) is hashed (blake2b, 63 bits); fit keeps the smallest
        FINGERPRINTS of the training data's hashes (all of them for a short series). Returns
        {"windows": data's windows, "checked": those whose hash falls in the kept range, "shared":
        those found among the training data's, "rows": past + future, "sampled": whether fit kept
        a sample}; shared / checked estimates the fraction of data's windows that were training
        (or validation) windows, whose scores are in-sample. Context rows before new data do not
        count: only a window whose targets were fitted on does.
        """
        fp = getattr(self, "fingerprints_", None)
        return fingerprint_overlap(fp, self._values(data) if fp else None, self.past + self.future)

    def interval_halfwidth(self, level: float) -> np.ndarray:
        """Split-conformal half-widths (future, n_targets): the ceil((n+1) level)-th smallest |residual|.

        n is the number of validation windows. Raises ConfigError for a level outside (0, 1) and
        DataError when the residuals cannot support `level` (ceil((n+1) level) > n, i.e. fewer than
        level / (1 - level) windows), the rule `recursive.halfwidth` applies to step 1.
        """
        need = recursive.windows_needed(level)
        r = np.abs(self.val_residuals_)
        n = len(r)
        if n == 0:
            raise DataError("the model has no validation residuals for `interval`; train with `val_frac` > 0")
        if n < need:
            raise recursive.too_few_windows(level)
        k = math.ceil((n + 1) * level)
        return np.sort(r, axis=0)[k - 1]

    def backtest(self, data, threads="auto") -> tuple[np.ndarray, np.ndarray]:
        """Forecasts from every origin of `data` with enough history.

        Returns (origins, y_hat): origin indices o (the last observed row) and forecasts
        (len(origins), future, n_targets) of rows o+1 .. o+future (some beyond the data's end).
        Origins whose input rows straddle a break of `data` (rows dropped by `fill="drop"`) are
        left out. `threads`: BLAS threads, an int or "auto" (see `rnncli.threads`).
        """
        return self._backtest(self._values(data), row_breaks(data), threads)

    def _backtest(self, values: np.ndarray, breaks, threads="auto") -> tuple[np.ndarray, np.ndarray]:
        lb = self.lookback_
        view = np.lib.stride_tricks.sliding_window_view(values, lb, axis=0).transpose(0, 2, 1)
        starts = windows.unbroken(np.arange(len(view)), lb, breaks)
        if len(starts) < len(view):
            view = view[starts]
        if not len(view):
            return starts + lb - 1, np.zeros((0, self.future, len(self.target_idx_)))
        with self._blas(threads, min(len(view), 4096, self.network_.predict_batch_size(lb))):
            y_hat = np.concatenate([
                self.forecast_windows(view[s : s + 4096][:, :, self.feature_idx_],
                                       view[s : s + 4096][:, :, self.target_idx_])
                for s in range(0, len(view), 4096)])
        return starts + lb - 1, y_hat

    def evaluate(self, data, season: int = 1, threads="auto") -> dict:
        """Rolling-origin scores over every window of `data`, beside naive and seasonal-naive forecasts.

        Scored on the origins where all three have a forecast and the targets are known, and whose
        rows straddle no break of `data`; target values that `read_csv`'s `fill` made up (False in
        `data.observed`) are not scored, and their count is "skipped".
        Returns {"windows": n, "season": m, "skipped": k, "origins": array, "actual",
        "forecasts": {method: array}, "per_step": {method: {metric: (future, targets)}},
        "overall": {method: {metric: (targets,)}}, "skill": (targets,) = 1 - RMSE / RMSE_naive,
        "overlap": `overlap(data)`}. `threads`: as for `backtest`.
        """
        season = _check_int("season", season, 1)
        values = self._values(data)
        breaks = row_breaks(data)
        check_magnitude(values, self.columns_)
        check_not_constant(values, self.columns_, self.target_idx_)
        origins, y_hat = self._backtest(values, breaks, threads)
        y = values[:, self.target_idx_]
        keep = (origins + self.future < len(values)) & (origins >= season - 1)
        starts = origins - self.lookback_ + 1
        keep &= np.isin(starts, windows.unbroken(starts, self.lookback_ + self.future, breaks))
        origins, y_hat = origins[keep], y_hat[keep]
        if len(origins) == 0:
            need = max(self.lookback_, season) + self.future
            raise DataError(f"data has {len(values)} rows; scoring needs at least {need} "
                            f"(`past={self.past}`, `future={self.future}`, `season={season}`)"
                            + (" between dropped rows" if breaks is not None else ""))
        rows = origins[:, None] + np.arange(1, self.future + 1)[None, :]
        actual = y[rows]
        where = observed_targets(data, [self.columns_[i] for i in self.target_idx_])
        where = None if where is None else where[rows]
        forecasts = {"model": y_hat, "naive": baselines.naive(y, origins, self.future),
                     "seasonal_naive": baselines.seasonal_naive(y, origins, self.future, season)}
        scale = metrics.mase_scale(self.train_targets_, season)
        per_step = {k: metrics.scores(actual, f, scale, where) for k, f in forecasts.items()}
        overall = {k: metrics.overall(actual, f, scale, where) for k, f in forecasts.items()}
        skill = 1.0 - overall["model"]["rmse"] / np.where(overall["naive"]["rmse"] > 0,
                                                            overall["naive"]["rmse"], np.nan)
        return {"windows": len(origins), "season": season,
                "skipped": 0 if where is None else int((~where).sum()), "origins": origins,
                "actual": actual, "forecasts": forecasts, "per_step": per_step, "overall": overall,
                "skill": skill, "targets": [self.columns_[i] for i in self.target_idx_],
                "overlap": self.overlap(values)}

    # -- plain data for the artifact (rnncli.model.persist) ---------------------------------

    def to_dict(self) -> dict:
        """The fitted model as plain data: dicts, lists, str, int, float, None and ndarrays."""
        return persist.to_dict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Forecaster":
        """Rebuild a fitted model from `to_dict` data (already checked by the artifact loader)."""
        return persist.from_dict(cls, d)
