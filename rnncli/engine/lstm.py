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
The three sigmoid gates are then one contiguous block [0:3H] (one call maps tanh to the
sigmoid), and the three blocks whose gradient is scaled by dc, i f g, are [H:4H]
(one call in backprop). `to_torch_order` / `from_torch_order` convert to the
i, f, g, o order of Keras and PyTorch.

The equations use Keras's row vectors; inside the layer the states are stored transposed. A
sequence is (T, width, B): each time step is a (width, B) block, so every gate is a contiguous
(H, B) block of rows (NumPy's elementwise loops are several times faster on contiguous blocks
than on column slices) and the recurrent product W^T h(t-1) has contiguous operands.
"""

import numpy as np

from .recurrent import input_projection, weight_grads
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
    """Run the layer over `xs` (T, F, B); return every h(t) as (T, H, B) and the cache for backward.

    Arrays come from the workspace `ws` when given (training reuses them step after step):
    the returned arrays are then valid until the next call with the same workspace.
    """
    U, W, b = params["U"], params["W"], params["b"]
    T, _, B = xs.shape
    H = W.shape[0]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype
    # One tanh call activates all four gates: sigmoid(z) = 1/2 + 1/2 tanh(z / 2), so the rows
    # of the sigmoid gates o, i, f are computed halved (their weights are halved here, in
    # copies), and after tanh they are mapped to 1/2 + t/2. This cannot overflow for any z.
    WT = ws.get("WT", (4 * H, H), dtype)
    np.copyto(WT, W.T)  # contiguous W^T: the recurrent product is W^T h(t-1)
    WT[: 3 * H] *= 0.5

    # Input projection of all time steps in one (batched) product, the bias folded in as a
    # row of ones under x:  A[t] = [U; b]^T [x(t); 1],  (T, 4H, B)  (sigmoid rows halved).
    A = ws.get("acts", (T, 4 * H, B), dtype)
    input_projection(U, b, xs, A, ws, halve=3 * H)

    hs = ws.get("hs", (T, H, B), dtype)  # h(t)
    cs = ws.get("cs", (T, H, B), dtype)  # c(t)
    tcs = ws.get("tcs", (T, H, B), dtype)  # tanh(c(t))
    rec = ws.get("rec", (4 * H, B), dtype)
    fc = ws.get("fc", (H, B), dtype)
    for t in range(T):
        a = A[t]  # pre-activations, turned into activations in place: rows [o, i, f, g]
        if t > 0:
            np.matmul(WT, hs[t - 1], out=rec)
            a += rec  # + W^T h(t-1)
        np.tanh(a, out=a)
        sig = a[: 3 * H]
        sig *= 0.5
        sig += 0.5  # o, i, f = sigmoid; g = tanh
        o, i, f, g = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
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
# Elements per block of dz(t) moved at once into the (4H, T, B) layout of the dW product.
_COPY_ELEMENTS = 1 << 19


def _factors(acts: np.ndarray, tcs: np.ndarray, c_prev: np.ndarray, N: np.ndarray,
             K: np.ndarray, tmp: np.ndarray) -> None:
    """The parts of the gate gradients that do not depend on the recurrence, for a block of steps.

    N[:, gate] = d(gate pre-activation) / d(what scales it), with s' = s (1 - s) for a sigmoid:
        o: tanh(c) o'  (scaled by dh)     i: c~ i'    f: c(t-1) f'    g: i (1 - c~^2)   (scaled by dc)
    K = o (1 - tanh(c)^2), so that dh(t) adds dh K to dc(t).
    `c_prev` is c(t-1) for the block's steps, one shorter when the block starts at t = 0.
    """
    H = K.shape[1]
    o, i, g = acts[:, :H], acts[:, H : 2 * H], acts[:, 3 * H :]
    sig = acts[:, : 3 * H]
    np.subtract(1.0, sig, out=N[:, : 3 * H])
    N[:, : 3 * H] *= sig  # s (1 - s) for o, i, f
    N[:, :H] *= tcs
    N[:, H : 2 * H] *= g
    n, m = len(N), len(c_prev)  # m = n - 1 when the block starts at t = 0, where c(-1) = 0
    N[: n - m, 2 * H : 3 * H] = 0.0
    N[n - m :, 2 * H : 3 * H] *= c_prev
    np.multiply(g, g, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    np.multiply(i, tmp, out=N[:, 3 * H :])  # i (1 - c~^2)
    np.multiply(tcs, tcs, out=K)
    np.subtract(1.0, K, out=K)
    K *= o  # o (1 - tanh(c)^2)


def backward(params: dict, cache: dict, dhs: np.ndarray | None, dh_last: np.ndarray | None,
             grads: dict, need_dx: bool = True, ws: Workspace | None = None) -> np.ndarray | None:
    """Backpropagation through time.

    `dhs` (T, H, B) is dL/dh(t) arriving from the layer above (None when only the last step
    feeds the head), `dh_last` (H, B) is dL/dh(T-1) from the head. Writes dU, dW, db into
    `grads` (arrays of the parameters' shapes, overwritten) and returns dL/dx (T, F, B).

    Per step:  dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
               dz(t) = [dh N_o, dc N_i, dc N_f, dc N_g]     (chain rule through each gate)
               dh(t-1) = W dz(t) (+ dL/dh(t-1) from above)
    and then, for all steps at once:  dW = sum_t h(t-1) dz(t)^T,  dU = sum_t x(t) dz(t)^T,  db = sum_t dz(t).
    """
    U, W = params["U"], params["W"]
    xs, acts, hs, cs, tcs = cache["xs"], cache["acts"], cache["hs"], cache["cs"], cache["tcs"]
    T, F, B = xs.shape
    H = W.shape[0]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype

    blk = max(1, min(T, _BLOCK_ELEMENTS // (B * 4 * H)))
    N = ws.get("N", (blk, 4 * H, B), dtype)
    K = ws.get("K", (blk, H, B), dtype)
    tmp_blk = ws.get("tmp_blk", (blk, H, B), dtype)
    dZ = ws.get("dZ", (4 * H, T, B), dtype)  # dz(t) of every step, laid out for the dW product
    # dz(t) is computed contiguously, then moved into dZ a block of steps at a time
    # (copying step by step into dZ's scattered rows cost as much again)
    cblk = max(1, min(T, _COPY_ELEMENTS // (B * 4 * H)))
    zs = ws.get("zs", (cblk, 4 * H, B), dtype)
    dh = ws.get("dh", (H, B), dtype)
    dc = ws.get("dc", (H, B), dtype)
    tmp = ws.get("tmp", (H, B), dtype)
    dxs = ws.get("dxs", (T, F, B), dtype) if need_dx else None
    dh[...] = 0.0 if dh_last is None else dh_last
    dc[...] = 0.0
    t0 = c0 = T
    for t in range(T - 1, -1, -1):
        if t < t0:  # precompute the factors of the next block of steps [t0, t + 1)
            t0 = max(0, t + 1 - blk)
            n = t + 1 - t0
            _factors(acts[t0 : t + 1], tcs[t0 : t + 1], cs[max(t0 - 1, 0) : t], N[:n], K[:n], tmp_blk[:n])
        if t < c0:  # a new block of steps [c0, t + 1) for dz
            c1, c0 = t + 1, max(0, t + 1 - cblk)
        j, z, Nj = t - t0, zs[t - c0], N[t - t0]
        if dhs is not None:
            dh += dhs[t]
        np.multiply(dh, K[j], out=tmp)
        dc += tmp  # dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
        np.multiply(dh, Nj[:H], out=z[:H])  # output gate
        np.multiply(dc, Nj[H : 2 * H], out=z[H : 2 * H])  # input gate
        np.multiply(dc, Nj[2 * H : 3 * H], out=z[2 * H : 3 * H])  # forget gate
        np.multiply(dc, Nj[3 * H :], out=z[3 * H :])  # candidate
        if t == c0:
            np.copyto(dZ[:, c0:c1], zs[: c1 - c0].transpose(1, 0, 2))
        if need_dx:
            np.matmul(U, z, out=dxs[t])  # dx(t) = U dz(t)
        if t > 0:
            np.matmul(W, z, out=dh)  # dh(t-1) = W dz(t)
            dc *= acts[t, 2 * H : 3 * H]  # carry dc(t) f(t) back to t-1

    weight_grads(xs, hs, dZ, grads["U"], grads["W"], grads["b"], ws)
    return dxs


def to_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from rnncli's o, i, f, g to torch/Keras i, f, g, o."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[GATES.index(k)] for k in _TORCH_GATES], axis=axis)


def from_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from torch/Keras i, f, g, o to rnncli's o, i, f, g."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[_TORCH_GATES.index(k)] for k in GATES], axis=axis)
