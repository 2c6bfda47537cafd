"""The forecast's time labels a model file carries, so that `predict MODEL` can write them without pandas.

A model whose time column has a frequency forecasts at times that only pandas' offset arithmetic
knows (month starts, business days, DST...). `artifact.save` computes the labels of the `future`
times after the training data, exactly as `predict` writes them (`like.future_times_after`, then
`timecol.format_time` in the data's style), and stores them with a digest of what they were
computed from:

    "forecast_times": {"labels": ["1961-01-01", ...], "sha256": sha256 of (time, future, labels)}

`modelcheck` checks the field without pandas (a list of `future` texts shaped like a time, and the
digest, which a file whose time or horizon was edited without its labels fails). `stored` gives
predict the first n labels when the file holds that many. Without the field (files from before,
models without a frequency) predict computes the times with pandas, as before.
"""

import hashlib
import json
import re

__all__ = ["FIELD", "LABEL", "MAX_LABEL", "MAX_STEPS", "compute", "digest", "stored"]

FIELD = "forecast_times"
# What format_time writes for a datetime: a date, a time of day (to the minute or the second, with up
# to 9 digits of fraction) and a UTC offset; years 1677-2262 (pandas' range)
LABEL = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?)?")
MAX_LABEL = 40  # characters; the longest a label can be is 35 (2000-01-01T00:00:00.000000000+00:00)
MAX_STEPS = 10_000  # a longer horizon stores no labels (predict computes them): files stay small


def digest(time: dict, future: int, labels: list) -> str:
    """sha256 (hex) of the model's time info, horizon and labels, as canonical JSON."""
    text = json.dumps([time, future, labels], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute(d: dict) -> dict | None:
    """The field for a model's `to_dict()` data `d`: the labels of its `future` forecast times, or None
    for a model without a time frequency (predict writes step numbers or integer times, no pandas
    needed), with a horizon above MAX_STEPS, or whose times cannot be continued (the loader then names
    the problem)."""
    time, future = d.get("time"), (d.get("options") or {}).get("future")
    if (type(time) is not dict or time.get("kind") != "datetime" or not time.get("freq")
            or type(future) is not int or not 1 <= future <= MAX_STEPS):
        return None
    from ..errors import RnncliError
    from .like import future_times_after
    from .timecol import format_time

    try:
        times = future_times_after(d, future)
        labels = [format_time(t, time.get("style")) for t in times]
    except (RnncliError, ValueError, TypeError, OverflowError, KeyError):  # a time the loader refuses
        return None
    return {"labels": labels, "sha256": digest(time, future, labels)}


def stored(d: dict, n: int) -> list | None:
    """The first `n` forecast labels of a loaded model `d` (checked by the loader), or None when it
    holds fewer (or none)."""
    field = d.get(FIELD)
    if not field or n > len(field["labels"]):
        return None
    return field["labels"][:n]
