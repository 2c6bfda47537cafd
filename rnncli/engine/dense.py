"""The dense head: the last hidden state to every future value of every target.

    y_hat = h(T-1) Wd + bd,   Wd (H, future * n_targets), bd (future * n_targets,)

reshaped to (B, future, n_targets): the direct multi-step forecast of `LSTM(H) + Dense(m)`.
"""

import numpy as np


def param_shapes(n_in: int, n_out: int) -> dict[str, tuple[int, ...]]:
    """Shapes of W and b for a dense layer from `n_in` to `n_out`."""
    return {"W": (n_in, n_out), "b": (n_out,)}


def init_params(params: dict, rng: np.random.Generator) -> None:
    """Keras initialisation, in place: Glorot-uniform W, zero b."""
    from .init import glorot_uniform_

    glorot_uniform_(params["W"], rng)
    params["b"][...] = 0.0


def forward(params: dict, h: np.ndarray) -> np.ndarray:
    """y_hat = h W + b for h (B, H); returns (B, n_out)."""
    out = h @ params["W"]
    out += params["b"]
    return out


def backward(params: dict, h: np.ndarray, dy: np.ndarray, grads: dict) -> np.ndarray:
    """Given dL/dy_hat (B, n_out), write dW = h^T dy and db = sum(dy) into grads; return dL/dh."""
    np.matmul(h.T, dy, out=grads["W"])
    np.sum(dy, axis=0, out=grads["b"])
    return dy @ params["W"].T
