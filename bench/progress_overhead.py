"""What the live training display costs: the same training with and without it, alternately.

    python bench/progress_overhead.py                  # the default model on airline.csv
    python bench/progress_overhead.py --hidden 8 --epochs 400 --repeats 7   # fast epochs: the worst case

The display is rich's live progress on a (forced) terminal writing to /dev/null, redrawn by its
refresh thread; the plain-line mode (stderr not a terminal) is timed too. Prints medians and the
overhead in percent.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT / "sample_data" / "airline.csv"))
    p.add_argument("--past", type=int, default=12)
    p.add_argument("--future", type=int, default=6)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()

    from rich.console import Console

    from rnncli.cli.progress import TrainingProgress
    from rnncli.io.csv import read_csv
    from rnncli.model.forecaster import Forecaster

    series = read_csv(args.data)
    devnull = open(os.devnull, "w")

    def train(mode: str) -> float:
        model = Forecaster(args.past, args.future, hidden=args.hidden, epochs=args.epochs, patience=0,
                           scale="minmax")
        t0 = time.perf_counter()
        if mode == "quiet":
            model.fit(series)
        else:
            console = Console(file=devnull, force_terminal=(mode == "live"), width=120)
            with TrainingProgress(console, args.epochs) as progress:
                model.fit(series, on_epoch=progress.on_epoch, on_variant=progress.on_variant,
                          on_batch=progress.on_batch)  # as `rnncli train` does
        return time.perf_counter() - t0

    times = {"quiet": [], "live": [], "plain": []}
    train("quiet")
    for _ in range(args.repeats):
        for mode in times:
            times[mode].append(train(mode))
    base = float(np.median(times["quiet"]))
    print(f"# training {args.epochs} epochs, hidden {args.hidden}, on {Path(args.data).name}; "
          f"load average {os.getloadavg()[0]:.2f}; median of {args.repeats}")
    print("| display | seconds | overhead |")
    print("|---|---:|---:|")
    for mode, ts in times.items():
        t = float(np.median(ts))
        print(f"| {mode} | {t:.3f} | {100 * (t / base - 1):+.1f} % |")


if __name__ == "__main__":
    main()
