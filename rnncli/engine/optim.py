"""Optimisers on one flat parameter vector, and global-norm gradient clipping.

Each update is a handful of in-place calls on the whole vector, however many layers there are.
"""

import numpy as np


def clip_global_norm_(grad: np.ndarray, max_norm: float | None) -> float:
    """Scale `grad` in place so its L2 norm is at most `max_norm`; return the norm before clipping."""
    norm = float(np.sqrt(np.vdot(grad, grad)))
    if max_norm is not None and norm > max_norm:
        grad *= max_norm / norm
    return norm


class Adam:
    """Adam (Kingma & Ba), with Keras's defaults.

        m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
        p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps sqrt(1 - b2^t))
    """

    name = "adam"

    def __init__(self, size: int, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-7, dtype=np.float32):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._tmp = np.zeros(size, dtype=dtype)

    def step(self, p: np.ndarray, g: np.ndarray) -> None:
        """Update parameters `p` in place from gradient `g`."""
        self.t += 1
        b1, b2, m, v, tmp = self.beta1, self.beta2, self.m, self.v, self._tmp
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        corr2 = np.sqrt(1.0 - b2**self.t)
        step = self.lr * corr2 / (1.0 - b1**self.t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * corr2
        np.divide(m, tmp, out=tmp)
        tmp *= step
        p -= tmp

    def state(self) -> dict:
        return {"t": self.t, "m": self.m.copy(), "v": self.v.copy()}

    def load_state(self, state: dict) -> None:
        self.t = int(state["t"])
        self.m[...] = state["m"]
        self.v[...] = state["v"]


class SGD:
    """Stochastic gradient descent with momentum: u = momentum u - lr g, p += u."""

    name = "sgd"

    def __init__(self, size: int, lr: float = 1e-2, momentum: float = 0.9, dtype=np.float32):
        self.lr, self.momentum = lr, momentum
        self.t = 0
        self.u = np.zeros(size, dtype=dtype)
        self._tmp = np.zeros(size, dtype=dtype)

    def step(self, p: np.ndarray, g: np.ndarray) -> None:
        """Update parameters `p` in place from gradient `g`."""
        self.t += 1
        self.u *= self.momentum
        np.multiply(g, self.lr, out=self._tmp)
        self.u -= self._tmp
        p += self.u

    def state(self) -> dict:
        return {"t": self.t, "u": self.u.copy()}

    def load_state(self, state: dict) -> None:
        self.t = int(state["t"])
        self.u[...] = state["u"]


OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name: str, size: int, lr: float, dtype) -> Adam | SGD:
    """The optimiser called `name` ("adam" or "sgd") for a vector of `size` parameters."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](size, lr=lr, dtype=dtype)
