"""What the LSTM and the Elman layer share: the input projection and the weight-gradient products.

Both layers keep a sequence as (T, width, B) and collect dz(t), the gradient of every
pre-activation, as (G, T, B) (G = 4H for the LSTM, H for the RNN), so that each weight gradient
is ONE product over all time steps:

    dW_rec = sum_t h(t-1) dz(t)^T      (h(-1) = 0, so the sum starts at t = 1)
    dW_in  = sum_t x(t) dz(t)^T,        db = sum_t dz(t)
"""

import numpy as np

from .workspace import Workspace


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


def input_projection(W_in: np.ndarray, b: np.ndarray, xs: np.ndarray, out: np.ndarray, ws: Workspace,
                     halve: int = 0) -> None:
    """out[t] = W_in^T x(t) + b for all t in one batched product, (T, G, B); the first `halve`
    rows of the result are halved (the LSTM's sigmoid gates, see `lstm.forward`)."""
    Wb = with_bias_row(W_in, b, ws)
    if halve:
        Wb[:halve] *= 0.5
    np.matmul(Wb, with_ones_row(xs, ws), out=out)


def weight_grads(xs: np.ndarray, hs: np.ndarray, dZ: np.ndarray, d_in: np.ndarray, d_rec: np.ndarray,
                 db: np.ndarray, ws: Workspace) -> None:
    """Write dW_in (F, G), dW_rec (H, G) and db (G,) from inputs xs (T, F, B), states hs (T, H, B)
    and pre-activation gradients dZ (G, T, B)."""
    T, F, B = xs.shape
    H, G = hs.shape[1], dZ.shape[0]
    dZ2 = dZ.reshape(G, T * B)
    if T > 1:
        h_prev = ws.get("h_prev", (H, T - 1, B), hs.dtype)
        np.copyto(h_prev, hs[:-1].transpose(1, 0, 2))
        np.matmul(h_prev.reshape(H, (T - 1) * B), dZ[:, 1:].reshape(G, (T - 1) * B).T, out=d_rec)
    else:
        d_rec[...] = 0.0
    if F == 1:
        np.matmul(dZ2, xs.reshape(T * B), out=d_in[0])
    else:
        x_all = ws.get("x_all", (F, T, B), xs.dtype)
        np.copyto(x_all, xs.transpose(1, 0, 2))
        np.matmul(x_all.reshape(F, T * B), dZ2.T, out=d_in)
    ones = ws.get("ones", (T * B,), dZ.dtype)
    ones[...] = 1.0
    np.matmul(dZ2, ones, out=db)  # db = sum_t dz(t): a BLAS product is 6x faster than np.sum here
