"""Reading what commands are given: DATA (as the model's training data was read) and model files."""

import contextlib
import os


def read_data(data, *, delimiter, encoding, time_col, targets=(), features=(), fill="error", resample=None,
          smooth=None):
    from ..io.csv import read_csv

    return read_csv(data, delimiter=delimiter, encoding=encoding,
                    time_col=None if time_col in (None, "none") else time_col, targets=targets,
                    features=features, fill=fill, resample=resample, smooth=smooth)


def load_model(path: str):
    from ..io.artifact import load
    from ..model.forecaster import Forecaster

    d = load(path)
    return d, Forecaster.from_dict(d)


def with_data(d: dict, series, data, read, sha256: str | None = None, **extra) -> dict:
    """The artifact dict `d` with when it was made and what it was trained on (how DATA was read).

    sha256: DATA's, when it is known already (else DATA is read again to compute it).
    """
    from datetime import datetime, timezone

    from ..io.csv import sha256_of

    d["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    d["data"] = {"source": "<stdin>" if data == "-" else os.path.basename(data),
                 "sha256": sha256 or sha256_of(data),
                 "rows": len(series.values),
                 "read": {**read, "time_col": series.time_col or "none"}, **extra}
    return d


def model_future_times(time: dict, n: int):
    if not time:
        return None
    import numpy as np

    from ..io.csv import future_times

    last = np.array([np.datetime64(time["last"], "ns")]) if time["kind"] == "datetime" \
        else np.array([time["last"]], dtype=np.int64)
    return future_times((last, time.get("freq"), time.get("step")), n)


def model_past_times(time: dict, n: int):
    """The times of the model's last `n` training rows (its `tail`), ending at time["last"], or None.

    None without a time column or without a regular spacing (no freq and no step).
    """
    if not time or not (time.get("freq") or time.get("step")):
        return None
    import numpy as np

    if time["kind"] != "datetime":
        return time["last"] - time["step"] * np.arange(n - 1, -1, -1, dtype=np.int64)
    import pandas as pd

    times = pd.date_range(end=pd.Timestamp(time["last"]), periods=n, freq=time["freq"])
    return times.as_unit("ns").to_numpy()


def read_for_model(d: dict, data: str, delimiter, encoding):
    """Read DATA the way the model's training data was read (columns, fill, resample, smooth)."""
    from ..errors import ConfigError

    read = d.get("data", {}).get("read", {})
    cols = d["columns"]
    delimiter = delimiter if delimiter != "," else read.get("delimiter", ",")
    time_col = read.get("time_col", "auto")
    try:
        return read_data(data, delimiter=delimiter, encoding=encoding, time_col=time_col,
                     targets=[cols[i] for i in d["target_idx"]], features=[cols[i] for i in d["feature_idx"]],
                     fill=read.get("fill", "error"), resample=read.get("resample"), smooth=read.get("smooth"))
    except ConfigError:
        raise_if_lacking(d, data, delimiter, encoding, time_col)
        raise


def raise_if_lacking(d: dict, data: str, delimiter: str, encoding: str, time_col) -> None:
    """DataError naming the model's columns that DATA lacks (the model's columns, not the user's flags)."""
    from ..errors import DataError
    from ..io.csv import read_header

    header = read_header(data, delimiter=delimiter, encoding=encoding)
    needed = ([time_col] if time_col not in ("auto", "none", None) else []) + list(d["columns"])
    missing = [c for c in needed if c not in header]
    if missing:
        source = "<stdin>" if data == "-" else data
        raise DataError(f"{source} lacks the model's column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(repr, missing))} (the model reads {', '.join(needed)}; "
                        f"{source} has {', '.join(header)})") from None


@contextlib.contextmanager
def about(series):
    """Name DATA's file in the library's data errors ("data has 4 rows..." -> "x.csv: data has...")."""
    from ..errors import DataError

    try:
        yield
    except DataError as e:
        if series is None:
            raise
        raise DataError(f"{series.source}: {e}") from e
