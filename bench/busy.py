"""Busy neighbours for benchmarks: K processes, each a bounded CPU-bound loop that stops by itself.

    with busy(k=3, seconds=600):
        ...   # timed code runs beside k busy processes; they are ended on exit

Each neighbour is a plain Python loop (no BLAS, no threads) at the caller's priority, so it takes one
core's time slices the way an unrelated user job would. It ends after `seconds` even if the caller
dies (and as soon as it does), so a crashed benchmark never leaves the machine loaded.
"""

import contextlib
import multiprocessing as mp
import os
import time


def _spin(seconds: float, parent: int) -> None:
    """Count until `seconds` have passed or the parent process is gone."""
    deadline = time.monotonic() + seconds
    x = 0
    while time.monotonic() < deadline and os.getppid() == parent:
        for _ in range(10_000):
            x += 1


@contextlib.contextmanager
def busy(k: int, seconds: float = 600.0):
    """Run the body beside `k` busy processes (none when k is 0); each stops after `seconds` at most."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_spin, args=(seconds, os.getpid()), daemon=True) for _ in range(k)]
    for p in procs:
        p.start()
    try:
        if procs:
            time.sleep(0.3)  # let them reach the loop
        yield procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()


def cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load() -> str:
    """The 1-minute load average, for the header of a benchmark's output."""
    return f"{os.getloadavg()[0]:.2f}"
