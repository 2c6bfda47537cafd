"""Size up front: the memory an option set needs, estimated before anything is allocated.

    >>> need = training_bytes(n_rows=144, n_features=1, n_targets=1, past=12, future=6, hidden=30000,
    ...                       layers=1, cell="lstm", batch_size=32, dtype="float32")
    >>> check_fits(need, "training with `hidden=30000`", "lower `hidden`")   # ConfigError: about 160 GB

The estimates count what dominates, in Python integers (so `hidden=10000000000` cannot overflow):
the weights and their copies (gradient, Adam's two moments, the best and the last epoch's weights,
the saved copy), the windows (raw float64 and scaled, time-major), and one batch's activations kept
for backpropagation through time plus one batch of the validation forecasts. They are meant to
catch what clearly cannot run, not to budget: an option set is refused only when its estimate
exceeds the machine's physical memory (`machine_bytes`).
"""

from __future__ import annotations

import math
import os

from ..engine import dense, lstm, rnn
from ..errors import ConfigError

__all__ = ["check_fits", "check_training", "human_bytes", "machine_bytes", "n_params", "training_bytes"]

_LAYERS = {"lstm": lstm, "rnn": rnn}
_GATES = {"lstm": 4, "rnn": 1}
_WEIGHT_COPIES = 10  # flat, gradient, Adam m and v, best, last epoch's, state() and to_dict() copies
_STATES_PER_GATE_STEP = 3  # per step and unit: the gates, plus cell state, hidden state and tanh(c)


def n_params(cell: str, n_features: int, hidden: int, layers: int, future: int, n_targets: int) -> int:
    """The weight count of `Network(cell, n_features, hidden, layers, future, n_targets)`, exactly."""
    shapes = [_LAYERS[cell].param_shapes(n_features if k == 0 else hidden, hidden) for k in range(layers)]
    shapes.append(dense.param_shapes(hidden, future * n_targets))
    return sum(math.prod(s) for layer in shapes for s in layer.values())


def training_bytes(*, n_rows: int, n_features: int, n_targets: int, past: int, future: int, hidden: int,
                   layers: int, cell: str, batch_size: int, dtype: str) -> int:
    """Bytes that training `cell` on `n_rows` rows needs at its peak, about (see the module's notes)."""
    itemsize = 8 if str(dtype) == "float64" else 4
    windows = max(1, n_rows - past - future + 1)
    weights = _WEIGHT_COPIES * n_params(cell, n_features, hidden, layers, future, n_targets) * itemsize
    per_window = (past + 1) * (n_features + n_targets) * 8 + future * n_targets * 8 \
        + 2 * past * n_features * itemsize + future * n_targets * itemsize
    per_state = past * hidden * layers * (_GATES[cell] + _STATES_PER_GATE_STEP) * itemsize
    batch = min(batch_size, windows)
    predict_batch = min(windows, max(1, (1 << 22) // (past * 4 * hidden)))  # as Network.predict batches
    return weights + windows * per_window + (2 * batch + predict_batch) * per_state


def check_training(params: dict, n_rows: int, n_features: int, n_targets: int) -> None:
    """ConfigError when training a Forecaster of `params` (`get_params()`) on `n_rows` rows of
    `n_features` inputs and `n_targets` targets clearly cannot fit in memory, naming the estimate."""
    need = training_bytes(n_rows=n_rows, n_features=n_features, n_targets=n_targets, past=params["past"] + 1,
                          future=params["future"], hidden=params["hidden"], layers=params["layers"],
                          cell=params["cell"], batch_size=params["batch_size"], dtype=params["dtype"])
    check_fits(need, f"training with `hidden={params['hidden']}`, `layers={params['layers']}` and "
                     f"`past={params['past']}` on {n_rows} rows",
               "lower `hidden`, `layers` or `past`, or train on fewer rows")


def machine_bytes() -> int | None:
    """The machine's physical memory in bytes, or None where the platform does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def human_bytes(n: int) -> str:
    """'13.4 GB', '2.1e+13 GB': decimal units, three significant digits."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1e6 else f"{value:.2g} {unit}"
    return f"{n} bytes"


def check_fits(need: int, what: str, fix: str, available: int | None = None) -> None:
    """ConfigError when `need` bytes exceed the machine's memory (or `available`), naming the estimate.

    what: the work ("training with `hidden=30000`"); fix: what to change ("lower `hidden`").
    """
    available = machine_bytes() if available is None else available
    if available is not None and need > available:
        raise ConfigError(f"{what} needs about {human_bytes(need)} of memory, more than this machine has "
                          f"({human_bytes(available)}); {fix}")
