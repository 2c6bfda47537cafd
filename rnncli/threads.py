"""How many BLAS threads training and prediction use: chosen by the work, not by the library default.

NumPy's OpenBLAS starts one thread per core, and its threads spin-wait for each other at the end of
every product. For the networks people train with rnncli the products are small (a step's recurrent
product is (4H, F+1+H) x (F+1+H, B)), so a second thread gains little on a quiet machine and loses
badly on a busy one: when another process takes a core away, each product waits for the descheduled
thread. `auto_threads` gives one thread below a measured size of product and more only above it;
`blas_threads` applies a count for the duration of a `with` block (threadpoolctl), then restores
the previous one.

Where the count comes from (`resolve`), first match wins:
  1. an explicit count (the `threads=` argument, `--threads N`);
  2. the RNNCLI_THREADS environment variable (a count, or "auto");
  3. OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS set by the user (or by joblib in
     its worker processes, as many-series training does): BLAS is left as they set it;
  4. `auto_threads` for the network's shapes.

The rule and the figures it was drawn from: see `AUTO_MIN_FLOPS` below and the README's Speed section.
"""

import contextlib
import os

from .errors import ConfigError

ENV = "RNNCLI_THREADS"
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# A second thread is used only when one recurrent product of a step does at least this many
# floating-point operations (2 * 4H * (F + 1 + H) * B for a one-layer LSTM). Measured with
# `python bench/engine.py --threads 1,2 --dtypes float32 --configs A,B,C,D,E,F [--busy 3]` on the
# 2-core machine, rnncli's step at 2 threads / at 1, nearly quiet (load average 2) | beside 3 busy loops:
#   A (hidden 400, batch 32, 4.1e7 flops per product)  0.74 | 2.31
#   B (64, 32, 1.1e6)  0.95 | 10.61      C (128 x 8 features, 64, 9.0e6)  0.92 | 9.32 (a loaded run)
#   D (16, 16, 3.7e4)  0.99 | 1.12       E (400, 128, 1.6e8)  0.66 | 1.40
#   F (800 x 8 features, 64, 3.3e8)  0.75 | 0.88
# A second thread pays on a quiet machine from A up, but only F keeps the gain beside busy
# processes; A-E collapse (1.4-10x slower). The threshold sits between E and F.
AUTO_MIN_FLOPS = 2.5e8
AUTO_MAX_THREADS = 2

_controller = None


def product_flops(hidden: int, batch: int, features: int = 1, cell: str = "lstm", layers: int = 1) -> float:
    """Floating-point operations of the largest per-time-step product of the network: (G, K) x (K, B)
    with G = 4 hidden (LSTM) or hidden (RNN), K = features + 1 + hidden in the first layer and
    2 hidden + 1 in the layers above it."""
    gates = 4 * hidden if cell == "lstm" else hidden
    inputs = max(features, hidden) if layers > 1 else features
    return 2.0 * gates * (inputs + 1 + hidden) * batch


def auto_threads(hidden: int, batch: int, features: int = 1, past: int = 1, layers: int = 1,
                 cell: str = "lstm", cores: int | None = None) -> int:
    """BLAS threads for a network of these shapes: 1 below `AUTO_MIN_FLOPS` per recurrent product,
    else min(cores, AUTO_MAX_THREADS).

    `past` multiplies the number of products, not their size, so it does not change the rule: what
    a second thread costs is a wait at the end of every product, whatever their number.
    """
    del past  # see the docstring: the size of one product decides
    if product_flops(hidden, batch, features, cell, layers) < AUTO_MIN_FLOPS:
        return 1
    return max(1, min(available_cores() if cores is None else cores, AUTO_MAX_THREADS))


def available_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check(threads, flag: str = "`threads`"):
    """`threads` as "auto" or an int >= 1; ConfigError naming `flag` otherwise."""
    if threads == "auto":
        return threads
    if isinstance(threads, str) and threads.strip().isdigit():
        threads = int(threads)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ConfigError(f"{flag} must be a number of threads >= 1 or auto, got {threads!r}")
    return threads


def resolve(threads="auto", **shapes) -> int | None:
    """The BLAS thread count to use, or None to leave BLAS as the user's environment set it.

    threads: an int >= 1, or "auto" (then RNNCLI_THREADS, the BLAS variables, then `auto_threads`
    on `shapes`, the keyword arguments of `auto_threads`). Raises ConfigError for a bad value,
    naming --threads or RNNCLI_THREADS.
    """
    threads = check(threads)
    if threads != "auto":
        return threads
    env = os.environ.get(ENV, "").strip()
    if env:
        threads = check(env.lower(), flag=ENV)
        if threads != "auto":
            return threads
    if any(os.environ.get(name, "").strip() for name in BLAS_ENV):
        return None
    return auto_threads(**shapes)


@contextlib.contextmanager
def blas_threads(n: int | None):
    """Run the body with `n` BLAS threads (None: as they are), restoring the previous count after."""
    if n is None:
        yield
        return
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    with _controller.limit(limits=n, user_api="blas"):
        yield
