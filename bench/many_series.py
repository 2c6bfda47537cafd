"""Speed of training many series: one process, `-j 2` (joblib/loky) and a 2-worker Dask LocalCluster.

200 noisy seasonal series of 250-350 points each and a small model (LSTM, hidden 16, past 12, future 3,
10 epochs, min-max scaling) go through `rnncli.multi.parallel.train_many` in each mode, alternately,
`--repeats` times. Prints a markdown table of wall times (median, and the first run: the first `-j 2` run
starts the worker processes), the speed-up over one process, and checks that every mode gives the same
weights bit for bit. The Dask cluster is started before each of its runs, untimed, as a real one
would be running already (its workers import rnncli then), and closed after it, so that its idle
scheduler takes no CPU from the other modes; each Dask run does connect a new client and run the
canary. Targets on 2 cores: `-j 2` >= 1.8x, Dask >= 1.5x.

    python bench/many_series.py                         # the defaults above, 3 repeats
    python bench/many_series.py --series 50 --repeats 1 --no-dask

Ratios, not absolute times, are what carry between machines; the machine's load is printed.
"""

import argparse
import os
import statistics
import time

import numpy as np

from rnncli.multi import parallel


def make_series(n: int, points: int, seed: int = 0) -> dict:
    """`n` series of points +- 50 steps: a sine with its own period, phase, level and trend, and noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        length = int(points + rng.integers(-50, 51))
        t = np.arange(length)
        period, phase = rng.uniform(6, 24), rng.uniform(0, 2 * np.pi)
        level, trend = 10 + rng.normal(), 0.01 * rng.normal()
        out[f"series-{i:03d}"] = (level + trend * t + np.sin(2 * np.pi * t / period + phase)
                                  + rng.normal(0, 0.2, length))
    return out


def start_cluster(n_workers: int):
    """A Dask LocalCluster of `n_workers` processes with one thread each, on 127.0.0.1, whose workers
    have imported rnncli (as they have after a first job)."""
    import distributed

    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0")
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.run(_import_rnncli)
    return cluster


def _import_rnncli() -> None:
    import rnncli.multi.parallel  # noqa: F401


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=200)
    p.add_argument("--points", type=int, default=300)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = p.parse_args()

    series = make_series(args.series, args.points)
    options = {"past": 12, "future": 3, "hidden": args.hidden, "epochs": args.epochs, "scale": "minmax"}
    modes = {"1 process": {}, f"-j {args.jobs} (loky)": {"n_jobs": args.jobs}}
    if not args.no_dask:
        modes[f"Dask, {args.jobs} workers x 1 thread"] = {"scheduler": None}

    load_before = os.getloadavg()
    times = {name: [] for name in modes}
    weights = {}
    for _ in range(args.repeats):
        for name, kwargs in modes.items():
            cluster = None
            if "scheduler" in kwargs:  # started for its runs only: idle, it still takes CPU from the others
                cluster = start_cluster(args.jobs)
                kwargs = {"scheduler": cluster.scheduler_address}
            try:
                start = time.perf_counter()
                results = parallel.train_many(series, options, **kwargs)
                times[name].append(time.perf_counter() - start)
            finally:
                if cluster is not None:
                    cluster.close()
            assert all(r["status"] == "ok" for r in results), [r["error"] for r in results if r["error"]]
            weights[name] = [r["artifact"]["network"]["flat"] for r in results]
    load_after = os.getloadavg()

    reference = weights["1 process"]
    same = all(all(np.array_equal(a, b) for a, b in zip(w, reference, strict=True)) for w in weights.values())
    serial = statistics.median(times["1 process"])
    chunk = parallel.default_chunk_size(series, options, n_workers=args.jobs)
    print(f"# {args.series} series of {args.points} +- 50 points; LSTM hidden {args.hidden}, past 12, "
          f"future 3, {args.epochs} epochs, minmax; {os.cpu_count()} CPUs; Dask chunk size {chunk}; "
          f"{args.repeats} repeats")
    print(f"# load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"weights identical in every mode: {'yes' if same else 'NO'}")
    print("| mode | median s | first run s | series / s | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"| {name} | {median:.2f} | {ts[0]:.2f} | {args.series / median:.1f} "
              f"| {serial / median:.2f}x |")


if __name__ == "__main__":
    main()
