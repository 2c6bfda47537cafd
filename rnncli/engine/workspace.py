"""Scratch arrays reused across training steps of the same shape.

A training step of the classic model touches tens of megabytes of activations; allocating
them afresh each step costs page faults comparable to the arithmetic. A Workspace hands out
the same array for the same (name, shape, dtype) every time.
"""

import numpy as np


class Workspace:
    """A dict of arrays keyed by (name, shape, dtype); `get` allocates only on first use."""

    def __init__(self):
        self._arrays: dict = {}

    def get(self, name: str, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised array of `shape` and `dtype`, the same one on every call with these keys."""
        key = (name, tuple(shape), np.dtype(dtype).str)
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.empty(shape, dtype=dtype)
        return array
