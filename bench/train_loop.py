"""Speed of the whole training loop (batches, validation, bookkeeping, callback) against PyTorch.

Two measurements, each alternating rnncli and the PyTorch reference script (bench/torch_reference.py:
nn.LSTM + nn.Linear + Adam, min-max scaling, the same windows) in one run, with the same BLAS / torch
thread count:

  * per config (A-D of bench/engine.py, on a synthetic series): the marginal cost per training
    window of 5 extra epochs, i.e. (time at the end of epoch w + 5 - time at the end of epoch w)
    / (5 x training windows), read from each loop's per-epoch callback after w = 2 warm-up epochs;
    rnncli is `Forecaster(..., scale="minmax", patience=0).fit`, as `rnncli train --scale minmax`;
  * the whole airline run as a user starts it, whole process, 300 epochs, hidden 32, one scaling:
    `rnncli train sample_data/airline.csv --past 12 --future 6 --epochs 300 --hidden 32 --scale minmax
    --patience 0 -q` against `python bench/torch_reference.py` with the same options.

    python bench/train_loop.py                      # 1 thread each, configs A-D, then airline
    python bench/train_loop.py --threads 2 --configs B,D --repeats 5 --no-airline

The rnncli subprocess gets its thread count through RNNCLI_THREADS. Ratios, not absolute times,
carry between machines; the load average is printed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from engine import CONFIGS  # noqa: E402

WINDOWS = {"A": 256, "B": 1024, "C": 512, "D": 2048}  # training windows per config: epochs of ~0.1-1 s
WARM, EXTRA = 2, 5


def series(n_features: int, rows: int, seed: int = 0) -> np.ndarray:
    """A seasonal series with noise (rows, n_features): every column a phase-shifted sine."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)[:, None]
    return 10 + np.sin(2 * np.pi * t / 24 + np.arange(n_features)) + 0.1 * rng.normal(size=(rows, n_features))


def data_for(name: str) -> tuple[np.ndarray, tuple]:
    F, T, _, M, _ = CONFIGS[name]
    rows = int(WINDOWS[name] / 0.8) + T + 2 * M
    return series(F, rows), CONFIGS[name]


def rnncli_marginal(values, cfg, threads) -> float:
    """Seconds for EXTRA epochs after WARM ones."""
    from rnncli import Forecaster

    F, T, H, M, B = cfg
    stamps = []
    model = Forecaster(T, M, hidden=H, batch_size=B, epochs=WARM + EXTRA, patience=0, scale="minmax",
                       val_frac=0.2)
    model.fit(values, targets=[0], features=list(range(F)), threads=threads,
              on_epoch=lambda log: stamps.append(time.perf_counter()))
    return stamps[WARM + EXTRA - 1] - stamps[WARM - 1]


def torch_marginal(values, cfg) -> tuple[float, int]:
    """Seconds for EXTRA epochs after WARM ones, and the number of training windows."""
    from torch_reference import train, windows

    _, T, H, M, B = cfg
    X, Y, X_val, Y_val = windows(values, T, M)
    stamps = []
    train(X, Y, X_val, Y_val, H, WARM + EXTRA, B, on_epoch=lambda epoch: stamps.append(time.perf_counter()))
    return stamps[WARM + EXTRA - 1] - stamps[WARM - 1], len(X)


def loop_table(args) -> None:
    import torch

    if args.threads != "auto":
        torch.set_num_threads(int(args.threads))
    threads = args.threads if args.threads == "auto" else int(args.threads)
    print(f"# whole training loop, marginal cost per training window of {EXTRA} epochs after {WARM}; "
          f"threads {args.threads} (torch {torch.get_num_threads()}); load average {os.getloadavg()[0]:.2f}")
    print("| config | training windows | rnncli µs / window | torch µs / window | rnncli / torch |")
    print("|---|---:|---:|---:|---:|")
    for name in args.configs.split(","):
        values, cfg = data_for(name)
        times = {"rnncli": [], "torch": []}
        n_train = None
        for _ in range(args.repeats):
            times["rnncli"].append(rnncli_marginal(values, cfg, threads))
            seconds, n_train = torch_marginal(values, cfg)
            times["torch"].append(seconds)
        r, t = (float(np.median(times[k])) / (EXTRA * n_train) for k in ("rnncli", "torch"))
        print(f"| {name} {cfg} | {n_train} | {r * 1e6:.1f} | {t * 1e6:.1f} | {r / t:.2f} |", flush=True)


def airline(args) -> None:
    opts = ["--past", "12", "--future", "6", "--epochs", "300", "--hidden", "32"]
    data = str(ROOT / "sample_data" / "airline.csv")
    env = dict(os.environ)
    torch_threads = []
    if args.threads != "auto":
        env["RNNCLI_THREADS"] = args.threads
        torch_threads = ["--threads", args.threads]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "rnncli": [str(Path(sys.executable).with_name("rnncli")), "train", data, *opts,
                       "--scale", "minmax", "--patience", "0", "-q", "-o", str(Path(tmp) / "m.joblib")],
            "torch": [sys.executable, str(HERE / "torch_reference.py"), data, *opts, *torch_threads],
        }
        times = {k: [] for k in commands}
        for _ in range(args.repeats):
            for k, cmd in commands.items():
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[k].append(time.perf_counter() - t0)
    r, t = (float(np.median(times[k])) for k in commands)
    print(f"\n# airline, whole process, 300 epochs, hidden 32, --scale minmax --patience 0, threads "
          f"{args.threads}; load average {os.getloadavg()[0]:.2f}")
    print("| run | rnncli s | torch script s | rnncli / torch |")
    print("|---|---:|---:|---:|")
    print(f"| airline | {r:.2f} | {t:.2f} | {r / t:.2f} |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="A,B,C,D")
    p.add_argument("--threads", default="1", help="a count for both, or auto (each library's own choice)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-airline", action="store_true")
    p.add_argument("--no-configs", action="store_true")
    args = p.parse_args()
    if not args.no_configs:
        loop_table(args)
    if not args.no_airline:
        airline(args)


if __name__ == "__main__":
    main()
