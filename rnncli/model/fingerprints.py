"""Fingerprints of the data a model was fitted on: what resume and `Forecaster.overlap` compare against.

`fingerprint` is the sha256 of the used columns' values (resume refuses other data);
`window_hashes` hashes every run of past + future consecutive rows (a whole supervised window) with
63-bit blake2b, and `window_fingerprints` keeps the smallest `FINGERPRINTS` of the training data's
hashes (a bottom-k sample), so that `overlap` can estimate which windows of new data were training
or validation windows, whose scores are in-sample.
"""

import hashlib

import numpy as np

__all__ = ["FINGERPRINTS", "fingerprint", "overlap", "window_fingerprints", "window_hashes"]

FINGERPRINTS = 4096  # at most this many window fingerprints are kept (the smallest hashes: a bottom-k sample)


def fingerprint(values: np.ndarray) -> str:
    """sha256 of the used columns' values (float64, C order): what resume checks the data against."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()


def window_hashes(values: np.ndarray, rows: int) -> np.ndarray:
    """63-bit blake2b hashes (int64) of every run of `rows` consecutive rows of `values` (float64)."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    n = len(data) - rows + 1
    if n < 1:
        return np.zeros(0, dtype=np.int64)
    buf, width = memoryview(data.tobytes()), data.shape[1] * 8
    mask = (1 << 63) - 1
    def digest(i: int) -> int:
        window = buf[i * width:(i + rows) * width]
        return int.from_bytes(hashlib.blake2b(window, digest_size=8).digest(), "little")

    return np.array([digest(i) & mask for i in range(n)], dtype=np.int64)


def window_fingerprints(values: np.ndarray, rows: int, keep: int = FINGERPRINTS) -> dict:
    """What `Forecaster.overlap` checks data against: the smallest `keep` window hashes (plain ints)."""
    hashes = np.unique(window_hashes(values, rows))
    return {"rows": int(rows), "count": len(hashes), "hashes": [int(h) for h in hashes[:keep]]}


def overlap(fp: dict | None, values: np.ndarray, rows: int) -> dict:
    """`Forecaster.overlap`'s counts for `values` (the model's columns) against the kept fingerprints `fp`
    (from `window_fingerprints`; None or empty for a model without them, whose windows have `rows` rows)."""
    if not fp:
        return {"windows": 0, "checked": 0, "shared": 0, "rows": rows, "sampled": False}
    mine = window_hashes(values, fp["rows"])
    kept = np.asarray(fp["hashes"], dtype=np.int64)
    sampled = fp["count"] > len(kept)
    checked = mine[mine <= kept.max()] if sampled and len(kept) else mine
    shared = int(np.isin(checked, kept).sum())
    return {"windows": len(mine), "checked": len(checked), "shared": shared, "rows": fp["rows"],
            "sampled": bool(sampled)}
