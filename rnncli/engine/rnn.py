"""The classic (Elman) recurrent layer and its backpropagation through time.

Notation: B batch, T time steps, F input features, H hidden units; h(-1) = 0.

Equation (one time step)
------------------------
    h(t) = tanh(x(t) Wx + h(t-1) Wh + b)

Parameters (Keras counts: F H + H H + H)
----------------------------------------
    Wx (F, H)   input weights     Wh (H, H)   recurrent weights     b (H,)   bias

Sequences are time-major inside the layer: (T, B, width).
"""

import numpy as np

from .workspace import Workspace


def param_shapes(n_in: int, hidden: int) -> dict[str, tuple[int, ...]]:
    """Shapes of Wx, Wh, b for an Elman layer of `hidden` units on `n_in` inputs."""
    return {"Wx": (n_in, hidden), "Wh": (hidden, hidden), "b": (hidden,)}


def init_params(params: dict, rng: np.random.Generator) -> None:
    """Keras initialisation, in place: Glorot-uniform Wx, orthogonal Wh, zero b."""
    from .init import glorot_uniform_, orthogonal_

    glorot_uniform_(params["Wx"], rng)
    orthogonal_(params["Wh"], rng)
    params["b"][...] = 0.0


def forward(params: dict, xs: np.ndarray, ws: Workspace | None = None) -> tuple[np.ndarray, dict]:
    """Run the layer over `xs` (T, B, F); return every h(t) as (T, B, H) and the cache for backward.

    Arrays come from the workspace `ws` when given (see `lstm.forward`).
    """
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    T, B, F = xs.shape
    H = Wh.shape[0]
    ws = Workspace() if ws is None else ws
    # Input projection of all time steps at once; it then holds h(t) in place.
    hs = ws.get("hs", (T, B, H), Wh.dtype)
    if F == 1:
        np.multiply(xs, Wx[0], out=hs)
    else:
        np.matmul(xs.reshape(T * B, F), Wx, out=hs.reshape(T * B, H))
    hs += b
    rec = ws.get("rec", (B, H), Wh.dtype)
    for t in range(T):
        if t > 0:
            np.matmul(hs[t - 1], Wh, out=rec)
            hs[t] += rec
        np.tanh(hs[t], out=hs[t])  # h(t) = tanh(x Wx + h(t-1) Wh + b)
    return hs, {"xs": xs, "hs": hs}


def backward(params: dict, cache: dict, dhs: np.ndarray | None, dh_last: np.ndarray | None,
             grads: dict, need_dx: bool = True, ws: Workspace | None = None) -> np.ndarray | None:
    """Backpropagation through time; see `lstm.backward` for the arguments.

    Per step:  dz(t) = dh(t) (1 - h(t)^2),   dh(t-1) = dz(t) Wh^T (+ dL/dh(t-1) from above)
    """
    Wx, Wh = params["Wx"], params["Wh"]
    xs, hs = cache["xs"], cache["hs"]
    T, B, F = xs.shape
    H = Wh.shape[0]
    ws = Workspace() if ws is None else ws
    WhT = ws.get("WhT", (H, H), Wh.dtype)
    WhT[...] = Wh.T  # contiguous: faster in BLAS than the transposed view
    dZ = ws.get("dZ", (T, B, H), Wh.dtype)
    np.multiply(hs, hs, out=dZ)
    np.subtract(1.0, dZ, out=dZ)  # 1 - h^2 for all t; becomes dL/dz in place
    dh = ws.get("dh", (B, H), Wh.dtype)
    dh[...] = 0.0 if dh_last is None else dh_last
    for t in range(T - 1, -1, -1):
        if dhs is not None:
            dh += dhs[t]
        dZ[t] *= dh  # dz(t) = dh(t) (1 - h(t)^2)   (backprop through tanh)
        if t > 0:
            np.matmul(dZ[t], WhT, out=dh)  # dh(t-1) = dz(t) Wh^T

    dZ2 = dZ.reshape(T * B, H)
    if T > 1:
        np.matmul(hs[:-1].reshape((T - 1) * B, H).T, dZ[1:].reshape((T - 1) * B, H), out=grads["Wh"])
    else:
        grads["Wh"][...] = 0.0
    np.matmul(xs.reshape(T * B, F).T, dZ2, out=grads["Wx"])
    np.sum(dZ2, axis=0, out=grads["b"])
    if not need_dx:
        return None
    return (dZ2 @ Wx.T).reshape(T, B, F)
