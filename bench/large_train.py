"""Whole `rnncli train` of a large network under each thread setting, quiet and beside busy processes.

The README's weather data with --hidden 400 (batch 32: 4.1e7 flops per recurrent product, where
`--threads auto` splits the products over two threads): one epoch with `--threads auto`, `1` and `2`
(OpenBLAS's own two threads), alternating, quiet and then beside K busy loops (bench/busy.py).
Prints the median wall seconds and the ratios auto / 1 and 2 / 1 of each condition, and each
setting's slowdown (busy / quiet).

    python bench/large_train.py --repeats 3 --busy 3
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from busy import busy

ROOT = Path(__file__).resolve().parents[1]
MODES = ("auto", "1", "2")


def command(out: str) -> list:
    return [sys.executable, "-m", "rnncli", "train", str(ROOT / "sample_data" / "seattle_weather.csv"),
            "--target", "temp_max", "--past", "24", "--future", "7", "--hidden", "400", "--epochs", "1",
            "--scale", "minmax", "-q", "-o", out]


def timed(cmd: list) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--busy", type=int, default=3, help="busy processes in the second condition")
    args = p.parse_args()
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = command(os.path.join(tmp, "m.joblib"))
        for k in (0, args.busy):
            times = {m: [] for m in MODES}
            with busy(k, seconds=1800):
                for _ in range(args.repeats):
                    for mode in MODES:
                        times[mode].append(timed([*cmd, "--threads", mode]))
                        time.sleep(0.3)  # OpenBLAS's threads spin on for a while after a 2-thread run
            medians[k] = {m: statistics.median(v) for m, v in times.items()}
            row = medians[k]
            print(f"beside {k} busy: " + ", ".join(f"--threads {m} {row[m]:.2f} s" for m in MODES)
                  + f"; auto / 1 {row['auto'] / row['1']:.2f}, 2 / 1 {row['2'] / row['1']:.2f}; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print("slowdown beside busy (busy / quiet): " + ", ".join(
        f"{m} {medians[args.busy][m] / medians[0][m]:.2f}" for m in MODES))


if __name__ == "__main__":
    main()
