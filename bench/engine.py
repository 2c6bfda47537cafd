"""Speed of one training step (forward, BPTT, Adam) of the NumPy engine, against references.

For each config it measures, alternately in the same process and with the same thread count:
  * rnncli's step (Network.loss_and_grad_tm + Adam.step on a fixed batch),
  * PyTorch's nn.LSTM + nn.Linear + Adam on the same shapes (when torch is installed),
  * the bare NumPy matrix products that one step needs (the BLAS-bound floor here),
and prints medians, windows per second, the ratio to torch and to the floor.

    python bench/engine.py                 # all configs, float32 and float64, 2 threads
    python bench/engine.py --threads 1 --configs A,D --dtypes float32 --repeats 9
    python bench/engine.py --threads 1,2 --dtypes float32            # the thread crossover
    python bench/engine.py --threads 1,2 --dtypes float32 --busy 3   # ... beside 3 busy processes
    python bench/engine.py --threads 1,2,split --configs A,E         # ... and the products split

With several thread counts (`--threads 1,2`) it times rnncli's step at each count, alternately,
and prints the ratio of each to the first (what `rnncli.threads` chooses from); `split` is one
BLAS thread with each large product cut in two blocks of rows computed on two threads
(`rnncli.threads.SplitProducts`, bit-identical to one thread). `--busy K` runs
K bounded busy loops (bench/busy.py) beside the measurement.

Ratios, not absolute times, are what carry between machines; the machine's load is printed.
"""

import argparse
import math
import os
import time

import numpy as np

CONFIGS = {  # name: (features, past, hidden, future, batch)
    "A": (1, 48, 400, 8, 32),   # the classic lecture model
    "B": (1, 24, 64, 12, 32),
    "C": (8, 24, 128, 1, 64),
    "D": (1, 5, 16, 3, 16),
    # larger than people train here: where a second BLAS thread starts to pay (--threads 1,2)
    "E": (1, 48, 400, 8, 128),
    "F": (8, 48, 800, 8, 64),
}


def rnncli_step(cfg, dtype, cell="lstm"):
    from rnncli.engine.network import Network
    from rnncli.engine.optim import Adam

    F, T, H, M, B = cfg
    net = Network(cell, F, H, 1, M, 1, dtype).init(np.random.default_rng(0))
    opt = Adam(net.n_params, dtype=net.dtype)
    rng = np.random.default_rng(1)
    xs = net.time_major(rng.normal(size=(B, T, F)))
    Y = rng.normal(size=(B, M, 1)).astype(dtype)

    def step():
        net.loss_and_grad_tm(xs, Y)
        opt.step(net.flat, net.grad_flat)

    return step


def torch_step(cfg, dtype, cell="lstm"):
    import torch

    F, T, H, M, B = cfg
    tdt = getattr(torch, dtype)
    rnn = (torch.nn.LSTM if cell == "lstm" else torch.nn.RNN)(F, H, batch_first=True).to(tdt)
    head = torch.nn.Linear(H, M).to(tdt)
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=1e-3)
    rng = np.random.default_rng(1)
    X = torch.tensor(rng.normal(size=(B, T, F)), dtype=tdt)
    Y = torch.tensor(rng.normal(size=(B, M)), dtype=tdt)

    def step():
        opt.zero_grad()
        out, _ = rnn(X)
        loss = 0.5 * ((head(out[:, -1]) - Y) ** 2).sum() / B
        loss.backward()
        opt.step()

    return step


def floor_step(cfg, dtype, cell="lstm"):
    """The bare products of one step, as the engine lays them out, on preallocated arrays.

    LSTM: one product per step with input, bias and recurrence folded in ([U; b; W]^T [x; 1; h]),
    T-1 recurrent products backward (W dz), the weight-gradient products over all steps (dW, and
    dU and db as matrix-vector products for one feature) and the head's.
    RNN: the input projection ([Wx; b]^T [x; 1]), T-1 recurrent products each way, dWh, dWx, db, head.
    """
    F, T, H, M, B = cfg
    G = 4 * H if cell == "lstm" else H
    rng = np.random.default_rng(0)
    a = lambda *s: rng.normal(size=s).astype(dtype)  # noqa: E731
    W, z, dZ, dW, dh = a(H, G), a(G, B), a(G, T, B), np.empty((H, G), dtype), np.empty((H, B), dtype)
    hl, Wd, dy = a(B, H), a(H, M), a(B, M)
    x_all, ones, dU, db = a(F, T * B), np.ones(T * B, dtype), np.empty((F, G), dtype), np.empty(G, dtype)
    dZ2, dZ1 = dZ.reshape(G, T * B), dZ[:, 1:].reshape(G, (T - 1) * B)
    h_prev = a(H, (T - 1) * B)

    def gradients():
        for _ in range(T - 1):
            np.matmul(W, z, out=dh)
        np.matmul(h_prev, dZ1.T, out=dW)
        if F == 1:
            np.matmul(dZ2, x_all[0], out=dU[0])
        else:
            np.matmul(x_all, dZ2.T, out=dU)
        np.matmul(dZ2, ones, out=db)
        hl @ Wd, hl.T @ dy, dy @ Wd.T

    if cell == "lstm":
        K = F + 1 + H
        WT, R, out = a(G, K), a(K, T + 1, B), np.empty((G, B), dtype)

        def step():
            np.matmul(WT[:, : F + 1], R[: F + 1, 0], out=out)
            for t in range(1, T):
                np.matmul(WT, R[:, t], out=out)
            gradients()
    else:
        xb, Ub, WT, h = a(T, F + 1, B), a(G, F + 1), a(G, H), a(H, B)
        A, rec = np.empty((T, G, B), dtype), np.empty((G, B), dtype)

        def step():
            np.matmul(Ub, xb, out=A)
            for _ in range(T - 1):
                np.matmul(WT, h, out=rec)
            gradients()

    return step


def per_call(fn, min_time=0.2):
    """Seconds per call of fn in a steady state: calls for about min_time / 2 warm it up (caches,
    after the other functions ran) and calibrate, then one timed run of enough calls to fill about
    min_time. (Retrying until a run is long enough, as this once did, keeps only the slow runs.)"""
    n, t0 = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < min_time / 2:
        fn()
        n += 1
    n = max(1, math.ceil(n * min_time / elapsed))
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def measure(fns: dict, repeats: int, threads: dict | None = None) -> dict:
    """Median seconds per call of each function, measured alternately; `threads` maps a key to the
    BLAS thread count its calls run with (set outside the timed calls), or to "split": one BLAS
    thread, the products split over two threads (`rnncli.threads.SplitProducts`)."""
    from rnncli.engine import products
    from rnncli.threads import blas_threads

    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            if threads is None:  # as the caller set them
                times[k].append(per_call(f))
                continue
            if threads[k] == "split" or threads[k] > 1:
                time.sleep(0.3)  # OpenBLAS's threads spin ~0.1 s after a call: let them sleep first
            with blas_threads(threads[k]) as matmul, products.using(matmul):
                times[k].append(per_call(f))
    return {k: float(np.median(v)) for k, v in times.items()}


def compare_threads(args, counts: list) -> None:
    """rnncli's step at each thread count in `counts` (ints, or "split"), alternately; ratios to the
    first count."""
    print(f"# rnncli engine step, {args.cell}, threads {counts}, numpy {np.__version__}; "
          f"{args.busy} busy processes; load average {os.getloadavg()[0]:.2f}")
    head = " | ".join(f"{n} ms" if n == "split" else f"{n} thr ms" for n in counts)
    ratios = " | ".join(f"{n} / {counts[0]}" for n in counts[1:])
    print(f"| config | dtype | {head} | {ratios} |")
    print("|---|---|" + "---:|" * (2 * len(counts) - 1))
    for dtype in args.dtypes.split(","):
        for name in args.configs.split(","):
            cfg = CONFIGS[name]
            fns = {n: rnncli_step(cfg, dtype, args.cell) for n in counts}
            t = measure(fns, args.repeats, threads={n: n for n in counts})
            print(f"| {name} {cfg} | {dtype} | " + " | ".join(f"{t[n] * 1e3:.3f}" for n in counts) + " | "
                  + " | ".join(f"{t[n] / t[counts[0]]:.2f}" for n in counts[1:]) + " |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="A,B,C,D")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--cell", default="lstm", choices=["lstm", "rnn"])
    p.add_argument("--threads", default="2", help="a count, or several (1,2,split) to compare rnncli at "
                   "each; split: one BLAS thread, each product split over two threads")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--busy", type=int, default=0, help="busy processes beside the measurement")
    args = p.parse_args()
    counts = [n if n == "split" else int(n) for n in args.threads.split(",")]

    from busy import busy

    with busy(args.busy, seconds=3600):
        if len(counts) > 1:
            compare_threads(args, counts)
        else:
            args.threads = counts[0]
            compare_references(args)


def compare_references(args):

    from rnncli.engine import products
    from rnncli.threads import blas_threads

    try:
        import torch

        torch.set_num_threads(2 if args.threads == "split" else args.threads)
        have_torch = True
    except ImportError:
        have_torch = False
    print(f"# rnncli engine step, {args.cell}, {args.threads} threads, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if have_torch else ", torch not installed")
          + f"; load average {os.getloadavg()[0]:.2f}")
    print("| config | dtype | rnncli ms | windows/s | torch ms | rnncli / torch | floor ms "
          "| rnncli / floor |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    with blas_threads(args.threads) as matmul, products.using(matmul):
        for dtype in args.dtypes.split(","):
            for name in args.configs.split(","):
                cfg = CONFIGS[name]
                fns = {"rnncli": rnncli_step(cfg, dtype, args.cell),
                       "floor": floor_step(cfg, dtype, args.cell)}
                if have_torch:
                    fns["torch"] = torch_step(cfg, dtype, args.cell)
                t = measure(fns, args.repeats)
                tt = t.get("torch")
                print(f"| {name} {cfg} | {dtype} | {t['rnncli'] * 1e3:.3f} | {cfg[4] / t['rnncli']:,.0f} | "
                      + (f"{tt * 1e3:.3f} | {t['rnncli'] / tt:.2f}" if tt else "- | -")
                      + f" | {t['floor'] * 1e3:.3f} | {t['rnncli'] / t['floor']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
