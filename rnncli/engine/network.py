"""The network: a stack of recurrent layers and a dense head, with its loss and gradients.

    h_1 = Layer_1(x),  h_k = Layer_k(h_{k-1}),  y_hat = reshape(h_L(T-1) Wd + bd, (future, n_targets))
    L = 1/2 sum (y_hat - y)^2 / B          (averaged over the batch)
    MSSE = 2 L  = mean over windows of the squared error summed over horizon and targets, in scaled
                  units (the lecture's name; not the M5 "mean squared scaled error", which divides by
                  a naive forecast's in-sample error)

All parameters live in one flat array (`flat`) and every layer's arrays are views into it;
the gradients likewise (`grad_flat`). An optimiser step, clipping, snapshotting the best
weights and saving are then single operations on one vector, whatever the depth.
"""

import numpy as np

from . import dense, lstm, rnn
from .workspace import Workspace

CELLS = {"lstm": lstm, "rnn": rnn}
DTYPES = ("float32", "float64")


class Network:
    """A recurrent forecaster network on windows X (B, past, n_features) -> Y (B, future, n_targets)."""

    def __init__(self, cell: str = "lstm", n_features: int = 1, hidden: int = 64, layers: int = 1,
                 future: int = 1, n_targets: int = 1, dtype: str = "float32"):
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        for name, value in (("n_features", n_features), ("hidden", hidden), ("layers", layers),
                            ("future", future), ("n_targets", n_targets)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.cell, self.dtype = cell, np.dtype(dtype)
        self.n_features, self.hidden, self.layers = int(n_features), int(hidden), int(layers)
        self.future, self.n_targets = int(future), int(n_targets)
        self.layer = CELLS[cell]

        shapes = [self.layer.param_shapes(self.n_features if k == 0 else self.hidden, self.hidden)
                  for k in range(self.layers)]
        shapes.append(dense.param_shapes(self.hidden, self.future * self.n_targets))
        self.layout = shapes  # one dict of shapes per layer, the head last
        self.n_params = sum(int(np.prod(s)) for layer in shapes for s in layer.values())
        self.flat = np.zeros(self.n_params, dtype=self.dtype)
        self.grad_flat = np.zeros(self.n_params, dtype=self.dtype)
        self.params = self._views(self.flat)
        self.grads = self._views(self.grad_flat)
        self._ws = [Workspace() for _ in range(self.layers)]  # reused by training steps
        self._val_ws = None  # reused by validation passes (msse_tm)

    def _views(self, buf: np.ndarray) -> list[dict[str, np.ndarray]]:
        views, start = [], 0
        for layer in self.layout:
            d = {}
            for name, shape in layer.items():
                size = int(np.prod(shape))
                d[name] = buf[start : start + size].reshape(shape)
                start += size
            views.append(d)
        return views

    # -- construction -------------------------------------------------------------------

    def init(self, rng: np.random.Generator) -> "Network":
        """Initialise every parameter the Keras way from `rng` (layers bottom-up, then the head)."""
        for params in self.params[:-1]:
            self.layer.init_params(params, rng)
        dense.init_params(self.params[-1], rng)
        return self

    def config(self) -> dict:
        """The constructor arguments, as plain Python values."""
        return {"cell": self.cell, "n_features": self.n_features, "hidden": self.hidden,
                "layers": self.layers, "future": self.future, "n_targets": self.n_targets,
                "dtype": self.dtype.name}

    def summary(self) -> list[tuple[str, tuple, int]]:
        """Keras-style rows (layer name, output shape, parameter count); None is the batch axis."""
        rows = []
        for k, layer in enumerate(self.layout[:-1]):
            name = f"{self.cell.upper()}({self.hidden})" + (f" #{k + 1}" if self.layers > 1 else "")
            shape = (None, self.hidden) if k == self.layers - 1 else (None, "past", self.hidden)
            rows.append((name, shape, sum(int(np.prod(s)) for s in layer.values())))
        head = self.layout[-1]
        rows.append((f"Dense({self.future * self.n_targets})", (None, self.future, self.n_targets),
                     sum(int(np.prod(s)) for s in head.values())))
        return rows

    # -- forward and backward -------------------------------------------------------------

    def time_major(self, X: np.ndarray) -> np.ndarray:
        """(B, T, F) windows as the layers' contiguous (T, F, B) layout, in the network's dtype."""
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[2] != self.n_features:
            raise ValueError(f"X must have shape (windows, past, {self.n_features}), got {X.shape}")
        return np.ascontiguousarray(X.transpose(1, 2, 0), dtype=self.dtype)

    def _forward(self, xs: np.ndarray, train: bool = False, ws: list | None = None
                 ) -> tuple[np.ndarray, list]:
        """The head's output (B, future * n_targets) and, when `train`, each layer's cache
        (training reuses the layers' workspaces from step to step; `ws`, one Workspace per
        layer, does the same for a forward pass)."""
        caches = []
        if train:
            ws = self._ws
        for k, params in enumerate(self.params[:-1]):
            xs, cache = self.layer.forward(params, xs, None if ws is None else ws[k], train=train)
            caches.append(cache)
        y = dense.forward(self.params[-1], xs[-1].T)  # the last h(t), as (B, H)
        return y, caches

    def forward_tm(self, xs: np.ndarray) -> np.ndarray:
        """Forecasts (B, future, n_targets) for windows in the layers' layout xs (T, F, B)."""
        y, _ = self._forward(xs)
        return y.reshape(-1, self.future, self.n_targets)

    def predict_batch_size(self, past: int) -> int:
        """Windows per forward pass when predicting: each batch's activations a few million elements."""
        return max(1, (1 << 22) // (past * 4 * self.hidden))

    def predict(self, X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Forecasts (S, future, n_targets) for windows X (S, past, n_features), in batches."""
        X = np.asarray(X)
        batch_size = batch_size or self.predict_batch_size(X.shape[1])
        out = np.empty((X.shape[0], self.future, self.n_targets), dtype=self.dtype)
        for start in range(0, X.shape[0], batch_size):
            out[start : start + batch_size] = self.forward_tm(self.time_major(X[start : start + batch_size]))
        return out

    def msse_tm(self, xs: np.ndarray, Y: np.ndarray, out: np.ndarray) -> float:
        """`msse` for windows already in the layers' layout xs (T, F, S) and Y (S, future, n_targets)
        in the network's dtype, forecasting into `out` (S, future, n_targets) with workspaces kept
        between calls: the training loop's validation pass, every epoch, without allocating its
        activations again. The same batches and arithmetic as `msse`, so the same bits."""
        S = xs.shape[2]
        batch_size = self.predict_batch_size(xs.shape[0])
        if self._val_ws is None:
            self._val_ws = [Workspace() for _ in range(self.layers)]
        for start in range(0, S, batch_size):
            y, _ = self._forward(xs[:, :, start : start + batch_size], ws=self._val_ws)
            out[start : start + batch_size] = y.reshape(-1, self.future, self.n_targets)
        out -= Y
        return float(np.vdot(out, out)) / max(S, 1)

    def loss_and_grad_tm(self, xs: np.ndarray, Y: np.ndarray) -> float:
        """L = 1/2 sum (y_hat - y)^2 / B for windows xs (T, F, B) and Y (B, future, n_targets).

        Fills `grad_flat` (and so every array in `grads`) with dL/dparameters.
        """
        B = xs.shape[2]
        y, caches = self._forward(xs, train=True)
        err = y
        err -= Y.reshape(B, -1)  # y_hat - y, in place of y_hat
        loss = 0.5 * float(np.vdot(err, err)) / B
        err /= B  # dL/dy_hat
        dh = dense.backward(self.params[-1], caches[-1]["hs"][-1].T, err, self.grads[-1]).T
        dhs = None
        for k in range(self.layers - 1, -1, -1):
            dhs = self.layer.backward(self.params[k], caches[k], dhs, dh, self.grads[k], need_dx=k > 0,
                                      ws=self._ws[k])
            dh = None
        return loss

    def loss_and_grad(self, X: np.ndarray, Y: np.ndarray) -> float:
        """As `loss_and_grad_tm`, for batch-major windows X (B, past, n_features)."""
        return self.loss_and_grad_tm(self.time_major(X), np.asarray(Y, dtype=self.dtype))

    def msse(self, X: np.ndarray, Y: np.ndarray, batch_size: int | None = None) -> float:
        """MSSE: the mean over windows of the squared error summed over horizon and targets, in the units
        of X and Y (scaled units in training); not the M5 "mean squared scaled error"."""
        err = self.predict(X, batch_size) - np.asarray(Y, dtype=self.dtype)
        return float(np.vdot(err, err)) / max(len(err), 1)
