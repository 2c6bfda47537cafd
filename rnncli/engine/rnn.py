"""The classic (Elman) recurrent layer and its backpropagation through time.

Notation: B batch, T time steps, F input features, H hidden units; h(-1) = 0.

Equation (one time step)
------------------------
    h(t) = tanh(x(t) Wx + h(t-1) Wh + b)

Parameters (Keras counts: F H + H H + H)
----------------------------------------
    Wx (F, H)   input weights     Wh (H, H)   recurrent weights     b (H,)   bias

Inside the layer a sequence is (T, width, B), as in `lstm`. The input projection of all steps
is one batched product before the recurrence, the bias folded in as a row of ones under x, and
dz(t) is collected as (H, T, B) so that each weight gradient is ONE product over all steps
(`recurrent.weight_grads`).
"""

import numpy as np

from . import products
from .recurrent import weight_grads
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


def forward(params: dict, xs: np.ndarray, ws: Workspace | None = None, train: bool = True
            ) -> tuple[np.ndarray, dict | None]:
    """Run the layer over `xs` (T, F, B); return every h(t) as (T, H, B) and the cache for backward
    (None when `train` is false).

    Arrays come from the workspace `ws` when given (see `lstm.forward`).
    """
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    T, _, B = xs.shape
    H = Wh.shape[0]
    ws = Workspace() if ws is None else ws
    WhT = ws.get("WhT", (H, H), Wh.dtype)
    np.copyto(WhT, Wh.T)
    # Input projection of all time steps in one product, bias folded in (see `lstm.forward`);
    # the array then holds h(t) in place.
    hs = ws.get("hs", (T, H, B), Wh.dtype)
    input_projection(Wx, b, xs, hs, ws)
    rec = ws.get("rec", (H, B), Wh.dtype)
    for t in range(T):
        if t > 0:
            products.matmul(WhT, hs[t - 1], out=rec)
            hs[t] += rec
        np.tanh(hs[t], out=hs[t])  # h(t) = tanh(Wx^T x + Wh^T h(t-1) + b)
    return hs, ({"xs": xs, "hs": hs} if train else None)


def backward(params: dict, cache: dict, dhs: np.ndarray | None, dh_last: np.ndarray | None,
             grads: dict, need_dx: bool = True, ws: Workspace | None = None) -> np.ndarray | None:
    """Backpropagation through time; see `lstm.backward` for the arguments.

    Per step:  dz(t) = dh(t) (1 - h(t)^2),   dh(t-1) = Wh dz(t) (+ dL/dh(t-1) from above)
    then:      dWh = sum_t h(t-1) dz(t)^T,   dWx = sum_t x(t) dz(t)^T,   db = sum_t dz(t)
    """
    Wx, Wh = params["Wx"], params["Wh"]
    xs, hs = cache["xs"], cache["hs"]
    T, F, B = xs.shape
    H = Wh.shape[0]
    dtype = Wh.dtype
    ws = Workspace() if ws is None else ws
    dZ = ws.get("dZ", (T, H, B), dtype)
    np.multiply(hs, hs, out=dZ)
    np.subtract(1.0, dZ, out=dZ)  # 1 - h^2 for all t; becomes dL/dz in place
    dh = ws.get("dh", (H, B), dtype)
    dh[...] = 0.0 if dh_last is None else dh_last
    dxs = ws.get("dxs", (T, F, B), dtype) if need_dx else None
    for t in range(T - 1, -1, -1):
        if dhs is not None:
            dh += dhs[t]
        dZ[t] *= dh  # dz(t) = dh(t) (1 - h(t)^2)   (backprop through tanh)
        if need_dx:
            products.matmul(Wx, dZ[t], out=dxs[t])  # dx(t) = Wx dz(t)
        if t > 0:
            products.matmul(Wh, dZ[t], out=dh)  # dh(t-1) = Wh dz(t)

    # Weight gradients as one product each over all time steps, on (width, steps, B) copies.
    dZ_all = ws.get("dZ_all", (H, T, B), dtype)
    np.copyto(dZ_all, dZ.transpose(1, 0, 2))
    x_all = ws.get("x_all", (F, T, B), dtype)
    np.copyto(x_all, xs.transpose(1, 0, 2))
    h_prev = ws.get("h_prev", (H, T - 1, B), dtype)
    np.copyto(h_prev, hs[:-1].transpose(1, 0, 2))
    weight_grads(x_all, h_prev, dZ_all, grads["Wx"], grads["Wh"], grads["b"], ws)
    return dxs


def with_bias_row(W_in: np.ndarray, b: np.ndarray, ws: Workspace) -> np.ndarray:
    """[W_in; b]^T, contiguous (G, F + 1): the bias as one more input weight."""
    Wb = ws.get("Wb", (W_in.shape[1], W_in.shape[0] + 1), W_in.dtype)
    np.copyto(Wb[:, :-1], W_in.T)
    Wb[:, -1] = b
    return Wb


def with_ones_row(xs: np.ndarray, ws: Workspace) -> np.ndarray:
    """[x(t); 1] for every t, (T, F + 1, B), so the projection [W_in; b]^T [x; 1] adds the bias."""
    T, F, B = xs.shape
    xb = ws.get("x1", (T, F + 1, B), xs.dtype)
    xb[:, :F] = xs
    xb[:, F] = 1.0
    return xb


def input_projection(W_in: np.ndarray, b: np.ndarray, xs: np.ndarray, out: np.ndarray, ws: Workspace) -> None:
    """out[t] = W_in^T x(t) + b for all t in one batched product, (T, G, B)."""
    products.matmul(with_bias_row(W_in, b, ws), with_ones_row(xs, ws), out=out)

