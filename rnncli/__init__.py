"""rnncli: neural time-series forecasts from the shell, with a NumPy LSTM/RNN engine.

The Python API (imported lazily, so `rnncli --help` starts fast):

    Forecaster          fit(series or array) -> self, predict, backtest, evaluate, to_dict/from_dict
    read_csv            a CSV file (or "-") -> Series, with checks that name the line to fix; its
                        provenance (file, sha256 of the bytes read, options) is what fit records
    read_frame          a pandas DataFrame (its time index or column) -> Series, with read_csv's checks
    read_like           a CSV file read the way a model's training data was read
    save_model, load_model   the model file: written atomically, loaded with a restricted unpickler
"""

__version__ = "0.1.0"

__all__ = ["Forecaster", "Series", "__version__", "load_model", "read_csv", "read_frame", "read_like",
           "save_model"]


def save_model(model, path) -> None:
    """Save a fitted Forecaster to `path` (atomic)."""
    from .io.artifact import save

    save(model.to_dict(), path)


def load_model(path):
    """Load a Forecaster saved by `save_model` or `rnncli train` (never runs code from the file)."""
    from .io.artifact import load
    from .model.forecaster import Forecaster

    return Forecaster.from_dict(load(path))


def __getattr__(name):
    if name == "Forecaster":
        from .model.forecaster import Forecaster

        return Forecaster
    if name in ("read_csv", "read_frame", "Series"):
        from .io import csv

        return getattr(csv, name)
    if name == "read_like":
        from .io.like import read_like

        return read_like
    raise AttributeError(f"module 'rnncli' has no attribute {name!r}")
