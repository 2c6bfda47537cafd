"""The LSTM layer: forward pass over a whole sequence and backpropagation through time.

Notation
--------
B batch, T time steps, F input features, H hidden units.
x(t) (B, F) input, h(t) (B, H) hidden state, c(t) (B, H) cell state; h(-1) = c(-1) = 0.

Equations (one time step)
-------------------------
    o    = sigmoid(x U_o + h(t-1) W_o + b_o)        output gate
    i    = sigmoid(x U_i + h(t-1) W_i + b_i)        input gate
    f    = sigmoid(x U_f + h(t-1) W_f + b_f)        forget gate
    c~   = tanh(x U_g + h(t-1) W_g + b_g)           candidate cell
    c(t) = f * c(t-1) + i * c~
    h(t) = o * tanh(c(t))

Parameters (fused, Keras layout and counts: 4 (F H + H H + H))
---------------------------------------------------------------
    U (F, 4H)   input weights     W (H, 4H)   recurrent weights     b (4H,)   bias

The four gate blocks of the 4H axis are stored in the order **o, i, f, g** (GATES):
columns [0:H] are the output gate, [H:2H] input, [2H:3H] forget, [3H:4H] candidate.
The three sigmoid gates are then one contiguous block [0:3H] (one call applies the
sigmoid), and the three blocks whose gradient is scaled by dc, i f g, are [H:4H]
(one call in backprop). `to_torch_order` / `from_torch_order` convert to the
i, f, g, o order of Keras and PyTorch.

Arrays are time-major inside the layer: sequences are (T, B, width).
"""

import numpy as np

from .activations import sigmoid_
from .workspace import Workspace

GATES = ("o", "i", "f", "g")
_TORCH_GATES = ("i", "f", "g", "o")


def param_shapes(n_in: int, hidden: int) -> dict[str, tuple[int, ...]]:
    """Shapes of U, W, b for an LSTM of `hidden` units on `n_in` inputs."""
    return {"U": (n_in, 4 * hidden), "W": (hidden, 4 * hidden), "b": (4 * hidden,)}


def init_params(params: dict, rng: np.random.Generator) -> None:
    """Keras initialisation, in place: Glorot-uniform U, orthogonal W, b = 0 but b_f = 1."""
    from .init import glorot_uniform_, orthogonal_

    hidden = params["W"].shape[0]
    glorot_uniform_(params["U"], rng)
    orthogonal_(params["W"], rng)
    params["b"][...] = 0.0
    params["b"][2 * hidden : 3 * hidden] = 1.0


def forward(params: dict, xs: np.ndarray, ws: Workspace | None = None) -> tuple[np.ndarray, dict]:
    """Run the layer over `xs` (T, B, F); return every h(t) as (T, B, H) and the cache for backward.

    Arrays come from the workspace `ws` when given (training reuses them step after step):
    the returned arrays are then valid until the next call with the same workspace.
    """
    U, W, b = params["U"], params["W"], params["b"]
    T, B, F = xs.shape
    H = W.shape[0]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype

    # Input projection of all time steps at once: A[t] = x(t) U + b, (T, B, 4H).
    # With one feature, a broadcast product avoids BLAS's slow inner-dimension-1 path.
    A = ws.get("acts", (T, B, 4 * H), dtype)
    if F == 1:
        np.multiply(xs, U[0], out=A)
    else:
        np.matmul(xs.reshape(T * B, F), U, out=A.reshape(T * B, 4 * H))
    A += b

    hs = ws.get("hs", (T, B, H), dtype)  # h(t)
    cs = ws.get("cs", (T, B, H), dtype)  # c(t)
    tcs = ws.get("tcs", (T, B, H), dtype)  # tanh(c(t))
    rec = ws.get("rec", (B, 4 * H), dtype)
    fc = ws.get("fc", (B, H), dtype)
    for t in range(T):
        a = A[t]  # pre-activations, turned into activations in place: [o, i, f, g]
        if t > 0:
            np.matmul(hs[t - 1], W, out=rec)
            a += rec  # + h(t-1) W
        sigmoid_(a[:, : 3 * H])
        np.tanh(a[:, 3 * H :], out=a[:, 3 * H :])
        o, i, f, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        c = cs[t]
        np.multiply(i, g, out=c)  # c(t) = i * c~ ...
        if t > 0:
            np.multiply(f, cs[t - 1], out=fc)
            c += fc  # ... + f * c(t-1)
        np.tanh(c, out=tcs[t])
        np.multiply(o, tcs[t], out=hs[t])  # h(t) = o * tanh(c(t))
    return hs, {"xs": xs, "acts": A, "hs": hs, "cs": cs, "tcs": tcs}


# Elements per block of precomputed backprop factors: small enough to stay in cache.
_BLOCK_ELEMENTS = 1 << 16


def _factors(acts: np.ndarray, tcs: np.ndarray, c_prev: np.ndarray, N: np.ndarray,
             K: np.ndarray, tmp: np.ndarray) -> None:
    """The parts of the gate gradients that do not depend on the recurrence, for a block of steps.

    N[..., gate] = d(gate pre-activation) / d(what scales it), with s' = s (1 - s) for a sigmoid:
        o: tanh(c) o'  (scaled by dh)     i: c~ i'    f: c(t-1) f'    g: i (1 - c~^2)   (scaled by dc)
    K = o (1 - tanh(c)^2), so that dh(t) adds dh K to dc(t).
    `c_prev` is c(t-1) for the block's steps, one shorter when the block starts at t = 0.
    """
    H = K.shape[-1]
    o, i, g = acts[..., :H], acts[..., H : 2 * H], acts[..., 3 * H :]
    sig = acts[..., : 3 * H]
    np.subtract(1.0, sig, out=N[..., : 3 * H])
    N[..., : 3 * H] *= sig  # s (1 - s) for o, i, f
    N[..., :H] *= tcs
    N[..., H : 2 * H] *= g
    n, m = len(N), len(c_prev)  # m = n - 1 when the block starts at t = 0, where c(-1) = 0
    N[: n - m, :, 2 * H : 3 * H] = 0.0
    N[n - m :, :, 2 * H : 3 * H] *= c_prev
    np.multiply(g, g, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    np.multiply(i, tmp, out=N[..., 3 * H :])  # i (1 - c~^2)
    np.multiply(tcs, tcs, out=K)
    np.subtract(1.0, K, out=K)
    K *= o  # o (1 - tanh(c)^2)


def backward(params: dict, cache: dict, dhs: np.ndarray | None, dh_last: np.ndarray | None,
             grads: dict, need_dx: bool = True, ws: Workspace | None = None) -> np.ndarray | None:
    """Backpropagation through time.

    `dhs` (T, B, H) is dL/dh(t) arriving from the layer above (None when only the last step
    feeds the head), `dh_last` (B, H) is dL/dh(T-1) from the head. Writes dU, dW, db into
    `grads` (arrays of the parameters' shapes, overwritten) and returns dL/dx (T, B, F).

    Per step:  dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
               dZ(t) = [dh N_o, dc N_i, dc N_f, dc N_g]     (chain rule through each gate)
               dh(t-1) = dZ(t) W^T (+ dL/dh(t-1) from above)
    """
    U, W = params["U"], params["W"]
    xs, acts, hs, cs, tcs = cache["xs"], cache["acts"], cache["hs"], cache["cs"], cache["tcs"]
    T, B, F = xs.shape
    H = W.shape[0]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype

    WT = ws.get("WT", (4 * H, H), dtype)
    WT[...] = W.T  # a contiguous W^T: BLAS is faster on it than on the transposed view
    blk = max(1, min(T, _BLOCK_ELEMENTS // (B * 4 * H)))
    N = ws.get("N", (blk, B, 4 * H), dtype)
    K = ws.get("K", (blk, B, H), dtype)
    tmp_blk = ws.get("tmp_blk", (blk, B, H), dtype)
    dZ = ws.get("dZ", (T, B, 4 * H), dtype)  # dL/d(pre-activations)
    dZ4 = dZ.reshape(T, B, 4, H)
    dh = ws.get("dh", (B, H), dtype)
    dc = ws.get("dc", (B, H), dtype)
    tmp = ws.get("tmp", (B, H), dtype)
    dh[...] = 0.0 if dh_last is None else dh_last
    dc[...] = 0.0
    t0 = T
    for t in range(T - 1, -1, -1):
        if t < t0:  # precompute the factors of the next block of steps [t0, t + 1)
            t0 = max(0, t + 1 - blk)
            n = t + 1 - t0
            c_prev = cs[max(t0 - 1, 0) : t]
            _factors(acts[t0 : t + 1], tcs[t0 : t + 1], c_prev, N[:n], K[:n], tmp_blk[:n])
        j = t - t0
        if dhs is not None:
            dh += dhs[t]
        np.multiply(dh, K[j], out=tmp)
        dc += tmp  # dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
        np.multiply(dh, N[j, :, :H], out=dZ[t, :, :H])  # output gate
        np.multiply(dc[:, None, :], N[j].reshape(B, 4, H)[:, 1:], out=dZ4[t, :, 1:])  # i, f, g gates
        if t > 0:
            np.matmul(dZ[t], WT, out=dh)  # dh(t-1) = dZ(t) W^T
            dc *= acts[t, :, 2 * H : 3 * H]  # carry dc(t) f(t) back to t-1

    # Weight gradients as one product over all time steps: dW = sum_t h(t-1)^T dZ(t), h(-1) = 0.
    dZ2 = dZ.reshape(T * B, 4 * H)
    if T > 1:
        np.matmul(hs[:-1].reshape((T - 1) * B, H).T, dZ[1:].reshape((T - 1) * B, 4 * H), out=grads["W"])
    else:
        grads["W"][...] = 0.0
    np.matmul(xs.reshape(T * B, F).T, dZ2, out=grads["U"])
    np.sum(dZ2, axis=0, out=grads["b"])
    if not need_dx:
        return None
    return (dZ2 @ U.T).reshape(T, B, F)


def to_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from rnncli's o, i, f, g to torch/Keras i, f, g, o."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[GATES.index(k)] for k in _TORCH_GATES], axis=axis)


def from_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from torch/Keras i, f, g, o to rnncli's o, i, f, g."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[_TORCH_GATES.index(k)] for k in GATES], axis=axis)
