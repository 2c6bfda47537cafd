"""Slowdown of real commands beside busy processes: rnncli (and PyTorch) quiet vs beside K busy loops.

For each command (the README's quick-start training and its weather example) and each runner, it
runs the whole process quiet, then beside K = cores + 1 busy processes (bench/busy.py: plain
Python loops at the same priority that end by themselves), alternating quiet and busy, and reports
the median of each and the slowdown busy / quiet. A fair share of the machine beside K others
gives about (K + 1) / cores = 2x on 2 cores.

Runners:
  rnncli              the command as a user types it (BLAS threads from the policy, `rnncli.threads`)
  rnncli N threads    the same with RNNCLI_THREADS=N (--also-threads N; 2 was the old default)
  torch               bench/torch_reference.py, the same network (LSTM + Linear, Adam, min-max
                      scaling, same windows and epochs) with torch's default threads, when torch
                      is installed

    python bench/contention.py                        # both commands as the README gives them, 3 repeats
    python bench/contention.py --commands quickstart --also-threads 2 --repeats 5
    python bench/contention.py --epochs 10            # each command capped at 10 epochs (--epochs 10)

`--epochs N` adds `--epochs N` to every command (rnncli and torch) so a run on a loaded machine takes
minutes, not an hour (torch beside busy processes can take 15 s per weather epoch): the slowdown is a
ratio of the same work quiet and busy, so the cap changes the absolute times, not what is compared.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from busy import busy, cores

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "sample_data"
WEATHER_FEATURES = ["temp_max", "temp_min", "precipitation", "wind"]


def commands(epochs: int, out: str) -> dict:
    """name: (rnncli arguments, torch_reference arguments) for the same work."""
    epochs = ["--epochs", str(epochs)] if epochs else []
    features = [a for f in WEATHER_FEATURES for a in ("--features", f)]
    return {
        "quickstart": (["train", str(SAMPLES / "airline_train.csv"), "--past", "12", "--future", "6",
                        *epochs, "-o", out],
                       [str(SAMPLES / "airline_train.csv"), "--past", "12", "--future", "6", *epochs]),
        "weather": (["train", str(SAMPLES / "seattle_weather.csv"), "--target", "temp_max", *features,
                     "--past", "14", "--future", "7", *epochs, "-o", out],
                    [str(SAMPLES / "seattle_weather.csv"), "--target", "temp_max", "--past", "14",
                     "--future", "7", *epochs]),
    }


def run(cmd: list, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commands", default="quickstart,weather")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--busy", type=int, default=cores() + 1, help="busy processes (default: cores + 1)")
    p.add_argument("--also-threads", type=int, action="append", default=[],
                   help="also run rnncli with RNNCLI_THREADS=N (repeatable)")
    p.add_argument("--epochs", type=int, default=0, help="cap every command at N epochs (0: as the README)")
    p.add_argument("--no-torch", action="store_true")
    args = p.parse_args()

    rnncli = str(Path(sys.executable).with_name("rnncli"))
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("RNNCLI_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    have_torch = not args.no_torch and importlib.util.find_spec("torch") is not None
    print(f"# contention: quiet vs beside {args.busy} busy processes on {cores()} cores, "
          f"{args.repeats} alternating repeats, medians; epochs capped at {args.epochs or 'no'}; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print("| command | runner | quiet s | busy s | slowdown |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        table = commands(args.epochs, str(Path(tmp) / "m.joblib"))
        for name in args.commands.split(","):
            rnncli_args, torch_args = table[name]
            runners = {"rnncli": ([rnncli, *rnncli_args], base_env)}
            for n in args.also_threads:
                env = {**base_env, "RNNCLI_THREADS": str(n)}
                runners[f"rnncli {n} threads"] = ([rnncli, *rnncli_args], env)
            if have_torch:
                runners["torch"] = ([sys.executable, str(HERE / "torch_reference.py"), *torch_args], base_env)
            for runner, (cmd, env) in runners.items():
                quiet, loaded = [], []
                for _ in range(args.repeats):
                    quiet.append(run(cmd, env))
                    with busy(args.busy, seconds=max(60.0, 30 * quiet[-1])):
                        loaded.append(run(cmd, env))
                q, b = float(np.median(quiet)), float(np.median(loaded))
                print(f"| {name} | {runner} | {q:.2f} | {b:.2f} | {b / q:.2f} |", flush=True)
    print(f"# load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
