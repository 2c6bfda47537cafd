"""Checks of one field of a model file's plain data, each raising `Invalid` naming the field.

`rnncli.io.modelcheck` builds the content checks of a whole model from these: a value of the right
type, an integer in range, a text of bounded length, a finite float array of the right shape, and
a stored read setting checked as the flag it came from (the io module's own checks).
"""

import numpy as np

from ..errors import ConfigError
from .messages import brief_repr, short
from .plaindata import Invalid

__all__ = ["LIMITS", "MAX_TEXT", "as_flag", "as_setting", "describe_array", "describe_value", "field",
           "finite", "float_array", "integer", "optional", "text"]

# Bounds on what a model may declare. Memory then follows the file's own size: the weight vector
# must be as long as the network it describes, every array is in the file, and history lists
# and forecast lengths are bounded.
LIMITS = {"past": 10**6, "future": 10**6, "hidden": 10**5, "layers": 1000, "columns": 10**5,
          "epochs": 10**9, "batch_size": 10**9, "patience": 10**9, "seed": 2**64 - 1}
MAX_TEXT = 10_000  # characters of a name or setting


def field(d: dict, key: str, kind: type, prefix: str = ""):
    """d[key], which must be present and of exactly type `kind`; the field is named `prefix + key`."""
    if key not in d:
        raise Invalid(f"'{prefix}{key}' is missing")
    value = d[key]
    if type(value) is not kind:
        raise Invalid(f"'{prefix}{key}' should be a {kind.__name__}, got {describe_value(value)}")
    return value


def optional(d: dict, key: str, kind: type):
    """d[key] as `field` checks it, or None when it is absent or None."""
    return None if d.get(key) is None else field(d, key, kind)


def integer(d: dict, key: str, field: str, low: int, high: int) -> int:
    """d[key], an int (not a bool) in [low, high]; the field is named `field`."""
    value = d.get(key)
    if type(value) is not int or not low <= value <= high:
        raise Invalid(f"'{field}' is {brief_repr(value)}, not an integer in [{low}, {high}]")
    return value


def text(value, field: str) -> str:
    """`value`, a str of at most MAX_TEXT characters."""
    if type(value) is not str or len(value) > MAX_TEXT:
        raise Invalid(f"'{field}' should be a str of at most {MAX_TEXT} characters, "
                       f"got {describe_value(value)}")
    return value


def float_array(d: dict, key: str, field: str, shape: tuple) -> np.ndarray:
    """d[key], a finite float ndarray of exactly `shape`."""
    value = d.get(key)
    if type(value) is not np.ndarray or value.dtype.kind != "f" or value.shape != shape:
        raise Invalid(f"'{field}' should be a float array of shape {shape}, got {describe_array(value)}")
    finite(value, field)
    return value


def finite(array: np.ndarray, field: str) -> None:
    """Invalid naming the first non-finite value of `array` (by flat index)."""
    if not np.isfinite(array).all():
        i = int(np.argmin(np.isfinite(array).ravel()))
        raise Invalid(f"'{field}' holds {array.ravel()[i]} at flat index {i}; "
                       "weights and data must be finite")


def describe_array(value) -> str:
    """An array as dtype and shape (any other value as `describe_value`), for a message."""
    if type(value) is np.ndarray:
        return f"{value.dtype} of shape {value.shape}"
    return describe_value(value)


def describe_value(value) -> str:
    """A container by its type name, any other value by its short repr, for a message."""
    return type(value).__name__ if type(value) in (dict, list, tuple) else brief_repr(value)


def as_setting(check, value, field: str):
    """`value` (a str) checked by an io check function, a ConfigError becoming an invalid-model error."""
    if type(value) is not str:
        raise Invalid(f"'{field}' is {brief_repr(value)}, not a str")
    try:
        return check(text(value, field))
    except ConfigError as e:
        raise Invalid(f"'{field}' is {brief_repr(value)}: {short(e)}") from None


def as_flag(flag: str, value, field: str):
    """`value` checked as the flag --`flag` is (the io module's own checks)."""
    from . import records as rio

    check = {"delimiter": rio.check_delimiter, "encoding": rio.check_encoding, "fill": rio.check_fill,
             "resample": rio.check_resample, "smooth": rio.check_smooth}[flag]
    if flag in ("delimiter", "encoding", "fill", "resample") and type(value) is not str:
        raise Invalid(f"'{field}' is {brief_repr(value)}, not a str")
    if flag == "smooth" and (type(value) is not int or value > LIMITS["past"]):
        raise Invalid(f"'{field}' is {brief_repr(value)}, not a whole number of rows up to {LIMITS['past']}")
    try:
        return check(value)
    except ConfigError as e:
        raise Invalid(f"'{field}' is {brief_repr(value)}: {short(e)}") from None
