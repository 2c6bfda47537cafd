"""How many BLAS threads training and prediction use: chosen by the work, not by the library default.

NumPy's OpenBLAS starts one thread per core, and its threads spin-wait for each other at the end of
every product. For the networks people train with rnncli the products are small (a step's recurrent
product is (4H, F+1+H) x (F+1+H, B)), so a second OpenBLAS thread gains little on a quiet machine and
loses badly on a busy one: when another process takes a core away, each product waits for the
descheduled thread. And 1 and 2 OpenBLAS threads give different last bits.

So rnncli runs BLAS with one thread, and where the products are large enough (`auto_threads`) it
splits each of them in two itself (`SplitProducts`): two blocks of rows, each one single-threaded
BLAS call, on the caller's thread and one worker thread that waits blocking. That keeps most of a
second thread's gain on a quiet machine, does not collapse on a busy one, and gives the same bits
as one thread. `blas_threads` applies a count, or the split, for the duration of a `with` block
(threadpoolctl), then restores the previous count.

Where the count comes from (`resolve`), first match wins:
  1. an explicit count (the `threads=` argument, `--threads N`): N OpenBLAS threads, no split
     (N = 1 gives the split's bits; N = 2 is OpenBLAS's own two threads, other last bits);
  2. the RNNCLI_THREADS environment variable (a count, or "auto");
  3. OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS set by the user (or by joblib in
     its worker processes, as many-series training does): BLAS is left as they set it, no split;
  4. `auto_threads` for the network's shapes: one thread, or "split".

The rule and the figures it was drawn from: see `AUTO_MIN_FLOPS` below and the README's Speed section.
"""

import contextlib
import os
import threading

import numpy as np

from .errors import ConfigError

ENV = "RNNCLI_THREADS"
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# The products are split over two threads (`SplitProducts`) only when one recurrent product of a
# step does at least this many floating-point operations (2 * 4H * (F + 1 + H) * B for a one-layer
# LSTM), one thread below. Measured with `python bench/split_products.py` on the 2-core machine,
# rnncli's step split / one thread, quiet | beside 3 busy loops (two OpenBLAS threads / one):
#   A (hidden 400, batch 32, 4.1e7 flops per product)  0.72 | 0.93   (0.63 | 3.41)
#   E (400, 128, 1.6e8)  0.64 | 1.00   (0.62 | 1.72)
#   F (800 x 8 features, 64, 3.3e8)  0.63 | 0.54   (0.81 | 0.65)
#   B (64, 32, 1.1e6)  0.97 | 1.07     C (128 x 8 features, 64, 9.0e6)  1.06 | 1.06
# The split pays from A up and never collapses beside busy processes; below, a hand-over per product
# costs what it saves. The threshold sits between C and A.
AUTO_MIN_FLOPS = 2e7

SPLIT = "split"

_controller = None
_split = None


def product_flops(hidden: int, batch: int, features: int = 1, cell: str = "lstm", layers: int = 1) -> float:
    """Floating-point operations of the largest per-time-step product of the network: (G, K) x (K, B)
    with G = 4 hidden (LSTM) or hidden (RNN), K = features + 1 + hidden in the first layer and
    2 hidden + 1 in the layers above it."""
    gates = 4 * hidden if cell == "lstm" else hidden
    inputs = max(features, hidden) if layers > 1 else features
    return 2.0 * gates * (inputs + 1 + hidden) * batch


def auto_threads(hidden: int, batch: int, features: int = 1, past: int = 1, layers: int = 1,
                 cell: str = "lstm", cores: int | None = None) -> int | str:
    """What BLAS runs a network of these shapes with: 1 (one thread) below `AUTO_MIN_FLOPS` per
    recurrent product or on one core, else "split" (one BLAS thread, products split over two
    threads, the same bits as 1).

    `past` multiplies the number of products, not their size, so it does not change the rule: what
    the split costs is a hand-over and a wait at every product, whatever their number.
    """
    del past  # see the docstring: the size of one product decides
    if product_flops(hidden, batch, features, cell, layers) < AUTO_MIN_FLOPS:
        return 1
    return SPLIT if (available_cores() if cores is None else cores) >= 2 else 1


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


def resolve(threads="auto", **shapes) -> int | str | None:
    """The BLAS thread count to use, "split" (see `auto_threads`), or None to leave BLAS as the
    user's environment set it.

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
def blas_threads(n):
    """Run the body with `n` BLAS threads (None: as they are; "split": one, see `SplitProducts`),
    restoring the previous count after. Yields the function for the engine's products
    (`rnncli.engine.products.using`): `np.matmul`, or this process's `SplitProducts` for "split"."""
    matmul = np.matmul
    if n == SPLIT:
        n, matmul = 1, split_products()
    if n is None:
        yield matmul
        return
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    with _controller.limit(limits=n, user_api="blas"):
        yield matmul


def split_products() -> "SplitProducts":
    """The process's `SplitProducts` (one worker thread, started on first use)."""
    global _split
    if _split is None:
        _split = SplitProducts()
    return _split

# SplitProducts cuts a product's rows at a multiple of this. OpenBLAS's float32 kernel for this
# machine (Haswell) computes 12 output rows (in NumPy's row-major terms) at a time and the rows
# left over by another code path, with other last bits; a cut at a multiple of 12 gives each row
# the path it takes in the whole product (float64 needs a multiple of 4). 48 is a multiple of every
# row block of OpenBLAS's x86 kernels (4, 6, 8, 12, 16), so the same cut holds on other x86 CPUs.
# Checked on the engine's shapes by `bench/split_products.py`, and on whole training runs by
# tests/engine/test_split_products.py.
SPLIT_ALIGN = 48
# Products smaller than this are not split: handing half to the other thread and waiting for it
# costs some 30-100 microseconds.
SPLIT_MIN_FLOPS = 5e6


class SplitProducts:
    """`np.matmul(a, b, out=out)` as one-thread BLAS calls on two threads, each computing blocks of
    rows of `out`: the calling thread and one persistent worker thread take the next of `pieces`
    blocks until none is left, so a thread that is late (woken late, or descheduled because another
    process took its core) computes fewer of them, and the caller waits at most for the block the
    worker is computing (waits block: no spinning, where OpenBLAS's own threads spin).

    Every element of a product is the same reduction whatever block it is computed in, so the
    result is bit-identical to the whole product with one BLAS thread, as long as the cuts fall at
    multiples of `SPLIT_ALIGN` rows (see there).

    a (..., M, K), b (K,) or (..., K, N), out as np.matmul's result; products under
    `min_flops` floating-point operations, or with M < 2 SPLIT_ALIGN, run whole in the caller.
    Use it with BLAS at one thread (`blas_threads("split")`).
    """

    def __init__(self, pieces: int = 2, min_flops: float = SPLIT_MIN_FLOPS):
        self.pieces, self.min_flops = pieces, min_flops
        self._pool, self._pid = None, None
        self._lock = threading.Lock()

    def _executor(self):
        """The worker thread's executor (concurrent.futures, imported on the first split: it brings
        logging, some 10 ms that a predict of a small network need not pay)."""
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # a forked child has no worker thread
                self._pool, self._pid = ThreadPoolExecutor(1, thread_name_prefix="rnncli-split"), os.getpid()
            return self._pool

    def __call__(self, a, b, out):
        rows = a.shape[-2]
        if rows < 2 * SPLIT_ALIGN or 2.0 * out.size * a.shape[-1] < self.min_flops:
            return np.matmul(a, b, out=out)
        blocks = -(-rows // SPLIT_ALIGN)
        pieces = min(self.pieces, blocks)
        cuts = [round(blocks * i / pieces) * SPLIT_ALIGN for i in range(pieces)] + [rows]
        tail = (slice(None),) if b.ndim > 1 else ()
        work = _Blocks(a, b, out, cuts, tail)
        worker = self._executor().submit(work.run)
        work.run()
        if not worker.cancel():  # not cancelled: it started, and may be computing a block
            worker.result()
        return out


class _Blocks:
    """The blocks of rows of one product, taken in turn by the threads that call `run`."""

    def __init__(self, a, b, out, cuts, tail):
        self.a, self.b, self.out, self.cuts, self.tail = a, b, out, cuts, tail
        self.next = 0
        self.lock = threading.Lock()

    def run(self):
        while True:
            with self.lock:
                i = self.next
                self.next += 1
            if i >= len(self.cuts) - 1:
                return
            rows = slice(self.cuts[i], self.cuts[i + 1])
            np.matmul(self.a[..., rows, :], self.b, out=self.out[(..., rows, *self.tail)])
