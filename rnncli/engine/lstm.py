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

The equations use Keras's row vectors; inside the layer the states are stored transposed, each
time step as a (width, B) block, so every gate is a contiguous (H, B) block of rows (NumPy's
elementwise loops are several times faster on contiguous blocks than on column slices).

One time step is ONE matrix product: the input, the bias and the recurrence are folded into it,

    z(t) = [U; b; W]^T [x(t); 1; h(t-1)]                    (4H, B)

so no input projection is kept for all steps and added back step by step (that product, with
F + 1 more rows, costs the same, and the (T, 4H, B) array it saved was read once more per step).
[x(t); 1; h(t-1)] is column block t of R (F + 1 + H, T + 1, B), laid out feature-major so that
its rows over all steps are the operands of the weight-gradient products as they are, without
copies: dU = R_x dZ^T, dW = R_h dZ^T over (t, b) (BLAS reads the strided blocks at full speed).
"""

import numpy as np

from . import products
from .recurrent import weight_grads
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


def forward(params: dict, xs: np.ndarray, ws: Workspace | None = None, train: bool = True
            ) -> tuple[np.ndarray, dict | None]:
    """Run the layer over `xs` (T, F, B); return every h(t) as (T, H, B) and the cache for backward
    (None when `train` is false: only the forecast is wanted).

    Arrays come from the workspace `ws` when given (training reuses them step after step):
    the returned arrays are then valid until the next call with the same workspace.
    """
    U, W, b = params["U"], params["W"], params["b"]
    T, F, B = xs.shape
    H = W.shape[0]
    K = F + 1 + H  # rows of [x; 1; h]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype
    # One tanh call activates all four gates: sigmoid(z) = 1/2 + 1/2 tanh(z / 2), so the rows
    # of the sigmoid gates o, i, f are computed halved (their weights are halved here, in the
    # copy), and after tanh they are mapped to 1/2 + t/2. This cannot overflow for any z.
    WT = ws.get("WT", (4 * H, K), dtype)  # [U; b; W]^T, contiguous
    np.copyto(WT[:, :F], U.T)
    WT[:, F] = b
    np.copyto(WT[:, F + 1 :], W.T)
    WT[: 3 * H] *= 0.5

    R = ws.get("R", (K, T + 1, B), dtype)  # R[:, t] = [x(t); 1; h(t-1)]
    np.copyto(R[:F, :T], xs.transpose(1, 0, 2))
    R[:F, T] = 0.0
    R[F] = 1.0
    R[F + 1 :, 0] = 0.0  # h(-1) = 0
    gates = ws.get("gates", (2, 5 * H, B), dtype)  # per step [o, i, f, g, c(t-1)], two alternating
    gates[0, 4 * H :] = 0.0  # c(-1) = 0
    P = ws.get("P", (3 * H, B), dtype)  # [h(t); i*c~; f*c(t-1)]
    tc = ws.get("tc", (H, B), dtype)
    if train:  # the local derivatives backward needs, computed while the step is in cache
        D = ws.get("D", (T, 4 * H, B), dtype)
        E = ws.get("E", (T, 2 * H, B), dtype)
    for t in range(T):
        a5 = gates[t % 2]
        a = a5[: 4 * H]  # rows [o, i, f, g]: pre-activations, then activations in place
        if t > 0:
            products.matmul(WT, R[:, t], out=a)
        else:  # h(-1) = 0: only the input and the bias
            np.matmul(WT[:, : F + 1], R[: F + 1, 0], out=a)
        np.tanh(a, out=a)
        sig = a[: 3 * H]
        sig *= 0.5
        sig += 0.5  # o, i, f = sigmoid; g = tanh
        np.multiply(a5[H : 3 * H], a5[3 * H :], out=P[H:])  # [i, f] * [c~, c(t-1)]
        c = gates[(t + 1) % 2, 4 * H :]
        np.add(P[H : 2 * H], P[2 * H :], out=c)  # c(t) = i * c~ + f * c(t-1)
        np.tanh(c, out=tc)
        np.multiply(a[:H], tc, out=P[:H])  # h(t) = o * tanh(c(t))
        np.copyto(R[F + 1 :, t + 1], P[:H])
        if train:
            _derivatives(a, P, tc, D[t], E[t])
    hs = R[F + 1 :, 1:].transpose(1, 0, 2)
    return hs, ({"xs": xs, "R": R, "hs": hs, "D": D, "E": E} if train else None)


def _derivatives(a: np.ndarray, P: np.ndarray, tc: np.ndarray, D: np.ndarray, E: np.ndarray) -> None:
    """The parts of the gate gradients that do not depend on the recurrence, for one step.

    With s' = s (1 - s) for a sigmoid, each gate's pre-activation gradient is a factor times
    dh (output gate) or dc (the others):
        D = [tanh(c) o', c~ i', c(t-1) f', i (1 - c~^2)]
          = [h (1 - o), i c~ (1 - i), f c(t-1) (1 - f), i - i c~ c~]
    The first three are P (1 - s) = P - P s for P = [h, i c~, f c(t-1)] and s = [o, i, f]: one call.
    E = [o (1 - tanh(c)^2), f] = [o - h tanh(c), f]: dh(t) adds dh E[0] to dc(t), and dc(t) f(t)
    carries dc to t - 1.
    """
    H = tc.shape[0]
    o, i, f, g = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
    sig, Dsig = a[: 3 * H], D[: 3 * H]
    np.multiply(P, sig, out=Dsig)
    np.subtract(P, Dsig, out=Dsig)
    np.multiply(P[H : 2 * H], g, out=D[3 * H :])
    np.subtract(i, D[3 * H :], out=D[3 * H :])
    np.multiply(P[:H], tc, out=E[:H])
    np.subtract(o, E[:H], out=E[:H])
    np.copyto(E[H:], f)


def backward(params: dict, cache: dict, dhs: np.ndarray | None, dh_last: np.ndarray | None,
             grads: dict, need_dx: bool = True, ws: Workspace | None = None) -> np.ndarray | None:
    """Backpropagation through time.

    `dhs` (T, H, B) is dL/dh(t) arriving from the layer above (None when only the last step
    feeds the head), `dh_last` (H, B) is dL/dh(T-1) from the head. Writes dU, dW, db into
    `grads` (arrays of the parameters' shapes, overwritten) and returns dL/dx (T, F, B).

    Per step:  dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
               dz(t) = [dh D_o, dc D_i, dc D_f, dc D_g]     (chain rule through each gate)
               dh(t-1) = W dz(t) (+ dL/dh(t-1) from above)
    and then, for all steps at once:  dW = sum_t h(t-1) dz(t)^T,  dU = sum_t x(t) dz(t)^T,  db = sum_t dz(t).
    """
    U, W = params["U"], params["W"]
    xs, R, D, E = cache["xs"], cache["R"], cache["D"], cache["E"]
    T, F, B = xs.shape
    H = W.shape[0]
    ws = Workspace() if ws is None else ws
    dtype = W.dtype
    # dz(t) is written straight into the (4H, T, B) layout of the weight-gradient products
    # (a step is a strided (4H, B) block there, which BLAS reads at full speed)
    dZ = ws.get("dZ", (4 * H, T, B), dtype)
    dh = ws.get("dh", (H, B), dtype)
    dc = ws.get("dc", (H, B), dtype)
    tmp = ws.get("tmp", (H, B), dtype)
    dxs = ws.get("dxs", (T, F, B), dtype) if need_dx else None
    dh[...] = 0.0 if dh_last is None else dh_last
    dc[...] = 0.0
    for t in range(T - 1, -1, -1):
        d, e, z = D[t], E[t], dZ[:, t]
        if dhs is not None:
            dh += dhs[t]
        np.multiply(dh, e[:H], out=tmp)
        dc += tmp  # dc(t) = dc(t+1) f(t+1) + dh(t) o (1 - tanh^2 c(t))
        np.multiply(dh, d[:H], out=z[:H])  # output gate
        np.multiply(dc, d[H:].reshape(3, H, B), out=z[H:].reshape(3, H, B))  # input, forget, candidate
        if need_dx:
            products.matmul(U, z, out=dxs[t])  # dx(t) = U dz(t)
        if t > 0:
            products.matmul(W, z, out=dh)  # dh(t-1) = W dz(t)
            dc *= e[H:]  # carry dc(t) f(t) back to t-1

    # R holds x(t) and h(t) feature-major already: the products read it without copies
    weight_grads(R[:F, :T], R[F + 1 :, 1:T], dZ, grads["U"], grads["W"], grads["b"], ws)
    return dxs


def to_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from rnncli's o, i, f, g to torch/Keras i, f, g, o."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[GATES.index(k)] for k in _TORCH_GATES], axis=axis)


def from_torch_order(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Reorder gate blocks along `axis` from torch/Keras i, f, g, o to rnncli's o, i, f, g."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[_TORCH_GATES.index(k)] for k in GATES], axis=axis)
