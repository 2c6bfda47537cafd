"""What the LSTM and the Elman layer share: the weight-gradient products over all time steps.

Both layers collect dz(t), the gradient of every pre-activation, as dZ (G, T, B) (G = 4H for the
LSTM, H for the RNN) and hand over their inputs and states feature-major, (width, steps, B), so
that each weight gradient is ONE product with (t, b) as the inner dimension:

    dW_rec = sum_t h(t-1) dz(t)^T      (h(-1) = 0, so the sum starts at t = 1)
    dW_in  = sum_t x(t) dz(t)^T,        db = sum_t dz(t)
"""

import numpy as np

from . import products
from .workspace import Workspace


def weight_grads(X: np.ndarray, H_prev: np.ndarray, dZ: np.ndarray, d_in: np.ndarray, d_rec: np.ndarray,
                 db: np.ndarray, ws: Workspace) -> None:
    """Write dW_in (F, G), dW_rec (H, G) and db (G,) from inputs X (F, T, B), the states before
    steps 1..T-1, H_prev (H, T-1, B) = [h(0), ..., h(T-2)], and dZ (G, T, B).

    X and H_prev may be strided views, as long as each row's (steps, B) block is contiguous.
    """
    F, T, B = X.shape
    H, G = H_prev.shape[0], dZ.shape[0]
    dZ_all = dZ.reshape(G, T * B)
    if T > 1:
        products.matmul(H_prev.reshape(H, (T - 1) * B), dZ[:, 1:].reshape(G, (T - 1) * B).T, out=d_rec)
    else:
        d_rec[...] = 0.0
    if F == 1:  # a product with one row is a matrix-vector product
        products.matmul(dZ_all, X[0].reshape(T * B), out=d_in[0])
    else:
        products.matmul(X.reshape(F, T * B), dZ_all.T, out=d_in)
    ones = ws.get("ones", (T * B,), dZ.dtype)
    ones[...] = 1.0
    products.matmul(dZ_all, ones, out=db)  # db = sum_t dz(t): a BLAS product is 6x faster than np.sum here
