"""Whole-process time of the commands a shell user feels on every call: --help and predict.

    python bench/cold_start.py                       # this checkout, 15 alternating runs, medians
    python bench/cold_start.py --baseline /tmp/old   # ... beside another source tree (its rnncli/)
    python bench/cold_start.py --uncompressed        # the model saved with compress=0
    python bench/cold_start.py --without-labels      # ... without its forecast time labels (an older file)

Each command runs as `python -m rnncli ...` from the tree's directory, so that tree's rnncli/ is the
one imported (a model is trained first on sample_data/airline.csv unless --model is given); with
--baseline, the same commands from that tree, alternately. Each run's wall time and CPU time (user +
system of the child process) are kept: on a loaded machine the wall time mostly measures the other
jobs, the CPU time much less so. Python writes no bytecode cache under PYTHONDONTWRITEBYTECODE=1, so
every run would compile rnncli anew: this script clears it for the children (a user's install has
its caches), after one warm-up run per command and tree. The model file is this tree's (train's
default, compress=3, read with the stdlib's zlib; with the labels of its forecast times, so that
`predict MODEL` needs no pandas); the baseline reads the same file. `--without-labels` saves it as
files from before the labels were (predict then computes the times with pandas).
`python -X importtime -m rnncli predict MODEL` shows where the time goes.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = str(ROOT / "sample_data" / "airline.csv")


# MODEL COMPRESS WITHOUT_LABELS: the model saved again with joblib's compress level, without labels if "1"
RESAVE = """
import sys
from rnncli.io import artifact, timelabels
if sys.argv[3] == "1":
    timelabels.compute = lambda d: None
artifact.save(artifact.load(sys.argv[1]), sys.argv[1], compress=int(sys.argv[2]))
"""
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list, tree: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python -m rnncli ARGS` from `tree`."""
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnncli", *args], cwd=tree, check=True, env=ENV,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _cpu() - c0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--model", help="a model file (default: train one on the airline data)")
    p.add_argument("--baseline", help="a source tree holding another rnncli/ to compare with")
    p.add_argument("--uncompressed", action="store_true",
                   help="save the trained model with compress=0 (joblib's own format, not compressed)")
    p.add_argument("--without-labels", action="store_true",
                   help="save the trained model without its forecast time labels (as older files are)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or str(Path(tmp) / "airline.joblib")
        if not args.model:
            subprocess.run([sys.executable, "-m", "rnncli", "train", DATA, "--past", "12", "--future", "6",
                            "--epochs", "5", "-q", "-o", model], cwd=ROOT, check=True)
            if args.uncompressed or args.without_labels:
                subprocess.run([sys.executable, "-c", RESAVE, model, "0" if args.uncompressed else "3",
                                "1" if args.without_labels else "0"], cwd=ROOT, check=True)
        commands = {"rnncli --help": ["--help"], "rnncli predict MODEL": ["predict", model],
                    "rnncli predict MODEL DATA": ["predict", model, DATA]}
        trees = {"this": str(ROOT)}
        if args.baseline:
            trees["baseline"] = str(Path(args.baseline).resolve())
        print(f"# whole process, {args.repeats} alternating runs, medians; python {sys.executable}; load "
              f"average {os.getloadavg()[0]:.2f}")
        kinds = ("wall", "CPU")
        head = [f"{k} {t}" + (" s" if t in trees else "") for k in kinds
                for t in (*trees, *(["this / baseline"] if args.baseline else []))]
        print("| command | " + " | ".join(head) + " |")
        print("|---|" + "---:|" * len(head))
        for name, cmd in commands.items():
            times = {t: [] for t in trees}
            for tree in trees.values():
                run(cmd, tree)  # warm-up: bytecode caches, the OS's file cache
            for _ in range(args.repeats):
                for t, tree in trees.items():
                    times[t].append(run(cmd, tree))
            cells = []
            for i in range(len(kinds)):
                med = {t: float(np.median([v[i] for v in runs])) for t, runs in times.items()}
                cells += [f"{m:.3f}" for m in med.values()]
                if args.baseline:
                    cells.append(f"{med['this'] / med['baseline']:.2f}")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
        print(f"# load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
