"""Splitting each large product over two one-thread BLAS calls: bit-identical to one thread, and how fast.

rnncli runs BLAS with one thread for the networks people train (`rnncli.threads`): OpenBLAS's own
second thread is faster on a quiet machine but spin-waits, and collapses when another process takes
a core. `rnncli.threads.SplitProducts` computes each large product as blocks of rows on two threads
(the caller and one worker), each block one single-threaded BLAS call, waits blocking. This script

  1. checks that it changes no bit: the gradient of one training step of every config of
     bench/engine.py, LSTM and RNN, float32 and float64, computed with the products split and with
     one BLAS thread, compared bit for bit (and with two OpenBLAS threads, which differ);
  2. times rnncli's step with one BLAS thread, two OpenBLAS threads and split, alternately in one
     run, and prints each one's ratio to one thread; `--busy K` runs K busy processes beside it.

    python bench/split_products.py --check-only
    python bench/split_products.py --configs A,B,C,D,E --dtypes float32 --repeats 5
    python bench/split_products.py --configs A,B,C,D,E --dtypes float32 --repeats 3 --busy 3
"""

import argparse
import os
import time

import numpy as np
from busy import busy
from engine import CONFIGS, per_call, rnncli_step

from rnncli.engine import products
from rnncli.engine.network import Network
from rnncli.threads import SplitProducts, blas_threads


def gradient(cfg, dtype, cell, threads, matmul=None) -> np.ndarray:
    """The gradient of one training step on a fixed batch, with `threads` BLAS threads."""
    F, T, H, M, B = cfg
    net = Network(cell, F, H, 1, M, 1, dtype).init(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    xs = net.time_major(rng.normal(size=(B, T, F)))
    Y = rng.normal(size=(B, M, 1)).astype(dtype)
    with blas_threads(threads) as default, products.using(matmul or default):
        net.loss_and_grad_tm(xs, Y)
    return net.grad_flat.copy()


def check(configs, dtypes) -> bool:
    """Print, per config, whether split and two OpenBLAS threads give one thread's gradient bits."""
    print("# bit identity of one step's gradient with one BLAS thread")
    print("| config | cell | dtype | split (2 pieces) | split (4 pieces) | 2 OpenBLAS threads |")
    print("|---|---|---|---|---|---|")
    ok = True
    for dtype in dtypes:
        for cell in ("lstm", "rnn"):
            for name in configs:
                cfg = CONFIGS[name]
                one = gradient(cfg, dtype, cell, 1)
                same = [np.array_equal(gradient(cfg, dtype, cell, 1, SplitProducts(p, min_flops=0)), one)
                        for p in (2, 4)]
                two = np.array_equal(gradient(cfg, dtype, cell, 2), one)
                ok &= all(same)
                print(f"| {name} {cfg} | {cell} | {dtype} | " + " | ".join(
                    "identical" if s else "DIFFERENT" for s in [*same, two]) + " |", flush=True)
    return ok


def timing(args) -> None:
    """rnncli's step in each mode, alternating every ~50 ms of work (so that every mode sees the
    same neighbours), medians of `repeats` rounds; ratios to one BLAS thread."""
    modes = {"1": 1, **{f"split{p}": SplitProducts(p) for p in args.pieces}, "2": 2}
    print(f"# rnncli engine step, {args.cell}; {args.busy} busy processes; load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    print("| config | dtype | 1 thr ms | " + " | ".join(f"{m} / 1" for m in list(modes)[1:])
          + " | load |")
    print("|---|---|---:|" + "---:|" * len(modes))
    with busy(args.busy, seconds=3600):
        for dtype in args.dtypes.split(","):
            for name in args.configs.split(","):
                cfg = CONFIGS[name]
                steps = {m: rnncli_step(cfg, dtype, args.cell) for m in modes}
                with blas_threads(1):
                    calls = max(1, round(0.05 / per_call(steps["1"], 0.1)))
                times = {m: [] for m in modes}
                for r in range(args.repeats + 1):
                    for m, mode in modes.items():
                        with blas_threads(1 if m == "1" else mode if m == "2" else "split"), \
                                products.using(mode if m.startswith("split") else None):
                            steps[m]()  # a step untimed: the worker wakes, caches refill
                            t0 = time.perf_counter()
                            for _ in range(calls):
                                steps[m]()
                            if r:  # the first round warms up
                                times[m].append((time.perf_counter() - t0) / calls)
                        if m == "2":
                            time.sleep(0.3)  # OpenBLAS's threads spin ~0.1 s after a call
                t = {m: float(np.median(v)) for m, v in times.items()}
                print(f"| {name} {cfg} | {dtype} | {t['1'] * 1e3:.3f} | "
                      + " | ".join(f"{t[m] / t['1']:.2f}" for m in list(modes)[1:])
                      + f" | {os.getloadavg()[0]:.1f} |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="A,B,C,D,E")
    p.add_argument("--dtypes", default="float32")
    p.add_argument("--cell", default="lstm", choices=["lstm", "rnn"])
    p.add_argument("--repeats", type=int, default=15, help="rounds of ~50 ms of steps per mode")
    p.add_argument("--busy", type=int, default=0, help="busy processes beside the timing")
    p.add_argument("--pieces", default="2,4", help="blocks per product, one split column each")
    p.add_argument("--check-only", action="store_true", help="only the bit-identity check")
    p.add_argument("--no-check", action="store_true", help="only the timing")
    args = p.parse_args()
    args.pieces = [int(n) for n in args.pieces.split(",")]
    if not args.no_check:
        ok = check(list(CONFIGS), ["float32", "float64"])
        print("split gives one thread's bits:", "yes, every config" if ok else "NO")
    if not args.check_only:
        timing(args)


if __name__ == "__main__":
    main()
