"""Keras-style weight initialisers. Each fills an array in place from one Generator."""

import numpy as np


def glorot_uniform_(w: np.ndarray, rng: np.random.Generator) -> None:
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), fan_in, fan_out = w.shape (Glorot & Bengio)."""
    fan_in, fan_out = w.shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    w[...] = rng.uniform(-limit, limit, size=w.shape)


def orthogonal_(w: np.ndarray, rng: np.random.Generator) -> None:
    """A (semi-)orthogonal matrix from the QR of a standard normal one, signs fixed (Saxe et al.)."""
    rows, cols = w.shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    w[...] = q if rows >= cols else q.T
