"""The function the layers compute their large matrix products with: `np.matmul` unless a caller sets
another one for a block of code (`using`), such as `rnncli.threads.SplitProducts`, which computes each
product as two blocks of rows on two threads.

The layers read `products.matmul` at every call, so `with using(fn):` applies to every network run in
the block, in this process (like the BLAS thread count, which is process-wide too). A function set here
must give the same result as `np.matmul(a, b, out=out)`, bit for bit, so that what it changes is speed only.
"""

import numpy as np

matmul = np.matmul


class using:
    """Compute the layers' products with `fn(a, b, out=out)` inside the `with` block (None: np.matmul);
    the previous function is restored on exit."""

    def __init__(self, fn=None):
        self.fn = np.matmul if fn is None else fn

    def __enter__(self):
        global matmul
        self.previous, matmul = matmul, self.fn
        return self.fn

    def __exit__(self, *exc):
        global matmul
        matmul = self.previous
        return False
