"""The fit loop: shuffled mini-batches, validation, early stopping, and a progress callback.

The loop never prints: after each epoch it calls `on_epoch(EpochLog)`, after each mini-batch
`on_batch(epoch, batch, n_batches)` when given (None costs one comparison a batch); between
batches it asks `should_stop()` so a caller can end training cleanly (Ctrl-C). Everything it needs to continue
later (the last completed epoch's weights, optimiser moments, epoch counter, RNG state, best
weights) is in `Trainer.state()`, so a resumed run is bit-identical to an uninterrupted one.
NaN and overflow are detected by checks, not warnings: the loop runs under `np.errstate`.
"""

from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .optim import clip_global_norm_, make_optimizer


class DivergenceError(ArithmeticError):
    """The loss or a gradient became NaN or infinite; the network holds the best weights so far."""

    def __init__(self, epoch: int, what: str):
        super().__init__(f"{what} became non-finite at epoch {epoch}")
        self.epoch = epoch
        self.what = what


@dataclass
class EpochLog:
    """What `on_epoch` receives after each epoch (MSSE: see `Network`)."""

    epoch: int  # 1-based
    epochs: int
    train_msse: float
    val_msse: float | None
    best_epoch: int
    best_msse: float
    improved: bool


@dataclass
class History:
    """Per-epoch losses and the outcome of a fit."""

    train_msse: list = field(default_factory=list)
    val_msse: list = field(default_factory=list)
    best_epoch: int = 0
    best_msse: float = float("inf")
    stopped: str = ""  # "", "early", "step budget", "interrupted"
    steps: int = 0  # optimiser steps taken
    lr_reductions: list = field(default_factory=list)  # the epochs after which the learning rate was halved

    @property
    def epochs_run(self) -> int:
        return len(self.train_msse)


class Trainer:
    """Trains `net` on windows with a seeded generator; one object per training run, resumable."""

    def __init__(self, net: Network, rng: np.random.Generator, optimizer: str = "adam",
                 lr: float = 1e-3, batch_size: int = 32, clip: float | None = None, patience: int = 20,
                 min_steps: int = 0, max_steps: int | None = None, plateau: int = 0):
        """Early stopping after `patience` epochs without improvement, but only once `min_steps`
        optimiser steps are done; training ends after the epoch in which `max_steps` is reached
        (None: no step budget); reduce-on-plateau halves the learning rate after `plateau` epochs
        without improvement (0: off), at most four times."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if lr <= 0 or not np.isfinite(lr):
            raise ValueError(f"lr must be a positive number, got {lr}")
        if clip is not None and not clip > 0:
            raise ValueError(f"clip must be a positive number, got {clip}")
        if patience < 0:
            raise ValueError(f"patience must be 0 (off) or more, got {patience}")
        if min_steps < 0 or plateau < 0 or (max_steps is not None and max_steps < 1):
            raise ValueError(f"min_steps and plateau must be >= 0 and max_steps >= 1, got {min_steps}, "
                             f"{plateau}, {max_steps}")
        self.min_steps, self.max_steps, self.plateau = int(min_steps), max_steps, int(plateau)
        self.net, self.rng = net, rng
        self.batch_size, self.clip, self.patience = int(batch_size), clip, int(patience)
        self.optimizer = make_optimizer(optimizer, net.n_params, lr, net.dtype)
        self.history = History()
        self.best_flat = net.flat.copy()
        self.wait = 0  # epochs since the best
        self.wait_lr = 0  # epochs since the best or the last learning-rate reduction
        # the state at the end of the last completed epoch, which a resumed run starts from
        self._last = {"flat": net.flat.copy(), "optimizer_state": self.optimizer.state(),
                      "rng_state": rng.bit_generator.state, "steps": 0}

    # -- resumable state ----------------------------------------------------------------

    def state(self) -> dict:
        """Everything needed to continue this run, as plain values and arrays."""
        h = self.history
        return {"optimizer": self.optimizer.name, "optimizer_state": self._last["optimizer_state"],
                "rng_state": self._last["rng_state"], "last_flat": self._last["flat"].copy(),
                "best_flat": self.best_flat.copy(),
                "wait": self.wait, "train_msse": list(h.train_msse), "val_msse": list(h.val_msse),
                "best_epoch": h.best_epoch, "best_msse": h.best_msse, "steps": self._last["steps"],
                "lr": float(self.optimizer.lr), "wait_lr": self.wait_lr,
                "lr_reductions": list(h.lr_reductions)}

    def load_state(self, state: dict) -> None:
        """Continue from `state()`: the network gets the last completed epoch's weights."""
        if state["optimizer"] != self.optimizer.name:
            raise ValueError(f"cannot resume a {state['optimizer']} run with {self.optimizer.name}")
        self.optimizer.load_state(state["optimizer_state"])
        self.rng.bit_generator.state = state["rng_state"]
        self.net.flat[...] = state["last_flat"]
        self._last = {"flat": self.net.flat.copy(), "optimizer_state": self.optimizer.state(),
                      "rng_state": self.rng.bit_generator.state, "steps": int(state.get("steps", 0))}
        self.best_flat[...] = state["best_flat"]
        self.wait = int(state["wait"])
        self.wait_lr = int(state.get("wait_lr", 0))
        self.optimizer.lr = float(state.get("lr", self.optimizer.lr))
        self.history = History(list(state["train_msse"]), list(state["val_msse"]),
                               int(state["best_epoch"]), float(state["best_msse"]),
                               steps=int(state.get("steps", 0)),
                               lr_reductions=list(state.get("lr_reductions", [])))

    # -- the loop -----------------------------------------------------------------------

    def fit(self, X: np.ndarray, Y: np.ndarray, X_val: np.ndarray | None = None,
            Y_val: np.ndarray | None = None, epochs: int = 200, on_epoch=None, should_stop=None,
            on_batch=None) -> History:
        """Train until `epochs` (counted over the whole run, resumes included), early stopping, or stop.

        X (S, past, F), Y (S, future, n_targets); the validation windows, when given, drive early
        stopping and the best-weights snapshot, else the training MSSE does. On return the network
        holds the best weights. Raises DivergenceError (best weights restored) on NaN/inf.
        `on_batch(epoch, batch, n_batches)` (1-based epoch and batch) follows every mini-batch's
        update, e.g. to show progress inside a long first epoch.
        """
        net, h = self.net, self.history
        xs_all = net.time_major(X)  # (T, F, S): batches are gathered along the last axis
        Y_all = np.ascontiguousarray(Y, dtype=net.dtype)
        S = xs_all.shape[2]
        if S == 0:
            raise ValueError("no training windows")
        has_val = X_val is not None and len(X_val) > 0
        if has_val:  # in the layers' layout once, not at every epoch's validation
            X_val = net.time_major(X_val)
            Y_val = np.ascontiguousarray(Y_val, dtype=net.dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            self._loop(xs_all, Y_all, X_val, Y_val, has_val, epochs, on_epoch, should_stop, on_batch)
        if h.best_epoch:
            net.flat[...] = self.best_flat
        return h

    def _loop(self, xs_all, Y_all, xs_val, Y_val, has_val, epochs, on_epoch, should_stop, on_batch) -> None:
        net, h = self.net, self.history
        S = xs_all.shape[2]
        bs = min(self.batch_size, S)
        n_batches = -(-S // bs)
        # Each epoch gathers the windows in its shuffled order once, into buffers allocated here;
        # every batch is then a slice of them (a view), not a fancy-indexed copy per batch.
        xs_epoch, Y_epoch = np.empty_like(xs_all), np.empty_like(Y_all)
        val_out = np.empty_like(Y_val) if has_val else None
        for epoch in range(h.epochs_run + 1, epochs + 1):
            order = self.rng.permutation(S)
            np.take(xs_all, order, axis=2, out=xs_epoch)
            np.take(Y_all, order, axis=0, out=Y_epoch)
            total, interrupted, seen = 0.0, False, 0
            for start in range(0, S, bs):
                stop = min(start + bs, S)
                loss = net.loss_and_grad_tm(xs_epoch[:, :, start:stop], Y_epoch[start:stop])
                norm = clip_global_norm_(net.grad_flat, self.clip)
                if not (np.isfinite(loss) and np.isfinite(norm)):
                    net.flat[...] = self.best_flat
                    raise DivergenceError(epoch, "loss" if not np.isfinite(loss) else "gradient")
                self.optimizer.step(net.flat, net.grad_flat)
                h.steps += 1
                total += 2.0 * loss * (stop - start)
                seen += stop - start
                if on_batch is not None:
                    on_batch(epoch, start // bs + 1, n_batches)
                if should_stop is not None and should_stop():
                    interrupted = True
                    break
            if interrupted:  # an incomplete epoch is neither validated nor recorded...
                h.stopped = "interrupted"
                if not h.best_epoch:  # ...but in the first, the weights reached so far are kept
                    self._keep_first_epoch(epoch, total / seen, xs_val, Y_val, val_out, has_val)
                break
            train_msse = total / S
            val_msse = net.msse_tm(xs_val, Y_val, val_out) if has_val else None
            monitored = val_msse if has_val else train_msse
            if not np.isfinite(monitored):
                net.flat[...] = self.best_flat
                raise DivergenceError(epoch, "validation loss" if has_val else "loss")
            h.train_msse.append(train_msse)
            h.val_msse.append(val_msse)
            improved = monitored < h.best_msse
            if improved:
                h.best_msse, h.best_epoch, self.wait, self.wait_lr = monitored, epoch, 0, 0
                self.best_flat[...] = net.flat
            else:
                self.wait += 1
                self.wait_lr += 1
                if self.plateau and self.wait_lr >= self.plateau and len(h.lr_reductions) < 4:
                    self.optimizer.lr *= 0.5  # reduce on plateau
                    h.lr_reductions.append(epoch)
                    self.wait_lr = 0
            if on_epoch is not None:
                on_epoch(EpochLog(epoch, epochs, train_msse, val_msse, h.best_epoch, h.best_msse, improved))
            self._last = {"flat": net.flat.copy(), "optimizer_state": self.optimizer.state(),
                          "rng_state": self.rng.bit_generator.state, "steps": h.steps}
            if self.patience and self.wait >= self.patience and h.steps >= self.min_steps:
                h.stopped = "early"
                break
            if self.max_steps is not None and h.steps >= self.max_steps:
                h.stopped = "step budget"
                break

    def _keep_first_epoch(self, epoch, train_msse, xs_val, Y_val, val_out, has_val) -> None:
        """An interrupt in the first epoch: the weights reached so far become the best, validated
        (`best_msse` is their validation MSSE, or the partial epoch's train MSSE); `best_epoch` stays
        0 and no epoch is recorded, so a resumed run starts the first epoch again from the start."""
        monitored = self.net.msse_tm(xs_val, Y_val, val_out) if has_val else train_msse
        if not (np.isfinite(monitored) and np.isfinite(self.net.flat).all()):
            self.net.flat[...] = self.best_flat
            raise DivergenceError(epoch, "validation loss" if has_val else "loss")
        self.history.best_msse = float(monitored)
        self.best_flat[...] = self.net.flat
