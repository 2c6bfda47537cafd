"""Whole-process time of the commands a shell user feels on every call: --help and predict.

    python bench/cold_start.py                       # this checkout, 15 alternating runs, medians
    python bench/cold_start.py --baseline /tmp/old   # ... beside another source tree (its rnncli/)

Each command runs as `python -m rnncli ...` from the tree's directory, so that tree's rnncli/ is the
one imported (a model is trained first on sample_data/airline.csv unless --model is given); with
--baseline, the same commands from that tree, alternately.
`python -X importtime -m rnncli predict MODEL` shows where the time goes.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = str(ROOT / "sample_data" / "airline.csv")


def run(args: list, tree: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnncli", *args], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--model", help="a model file (default: train one on the airline data)")
    p.add_argument("--baseline", help="a source tree holding another rnncli/ to compare with")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or str(Path(tmp) / "airline.joblib")
        if not args.model:
            subprocess.run([sys.executable, "-m", "rnncli", "train", DATA, "--past", "12", "--future", "6",
                            "--epochs", "5", "-q", "-o", model], cwd=ROOT, check=True)
        commands = {"rnncli --help": ["--help"], "rnncli predict MODEL": ["predict", model],
                    "rnncli predict MODEL DATA": ["predict", model, DATA]}
        trees = {"this": str(ROOT)}
        if args.baseline:
            trees["baseline"] = str(Path(args.baseline).resolve())
        print(f"# whole process, {args.repeats} alternating runs, medians; load average "
              f"{os.getloadavg()[0]:.2f}")
        print("| command | " + " | ".join(f"{t} s" for t in trees)
              + (" | this / baseline |" if args.baseline else " |"))
        print("|---|" + "---:|" * (len(trees) + bool(args.baseline)))
        for name, cmd in commands.items():
            times = {t: [] for t in trees}
            for _ in range(args.repeats):
                for t, tree in trees.items():
                    times[t].append(run(cmd, tree))
            med = {t: float(np.median(v)) for t, v in times.items()}
            print(f"| {name} | " + " | ".join(f"{m:.3f}" for m in med.values())
                  + (f" | {med['this'] / med['baseline']:.2f} |" if args.baseline else " |"), flush=True)
        print(f"# load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
