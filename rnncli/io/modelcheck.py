"""The content checks of a model file: every field in range and consistent before anything is built.

`check_model` takes the plain data `rnncli.io.plaindata` read from a file and checks that it is a
model of this format version whose every setting lies in a bounded range (`LIMITS`, `MAX_HISTORY`,
`MAX_TEXT`), whose weight vector is as long as the network it describes, whose weights, scalers and
tail are finite, whose indices are in range, whose stored read settings and time style are valid
as the flags they came from, and whose forecast time labels (`rnncli.io.timelabels`) are its own.
The first failure raises `Invalid` naming the field (ArtifactError for a file that is not an rnncli
model or of another format version); `rnncli.io.artifact` turns it into one line naming the file.
The checks that need pandas (offset aliases, the horizon's end) are `check_calendar`: a caller that
writes only a file's stored labels may run them later, before any other use of its time column.
"""

import math
import warnings

import numpy as np

from ..errors import ArtifactError, ConfigError
from ..model.persist import FORMAT, FORMAT_VERSION
from . import fieldcheck as fc
from .fieldcheck import LIMITS, MAX_TEXT
from .messages import brief_repr, describe, short
from .plaindata import SCALARS, Invalid
from .timelabels import FIELD, LABEL, MAX_LABEL, digest

__all__ = ["LIMITS", "MAX_HISTORY", "MAX_TEXT", "check_calendar", "check_model"]

MAX_HISTORY = 10**6  # epochs a history may list
_READ_KEYS = ("delimiter", "encoding", "time_col", "fill", "resample", "smooth", "freq", "time_format", "tz",
              "no_header", "decimal", "thousands")
_STYLE_KEYS = ("clock", "sep", "digits", "offset", "tz", "utc", "minutes")
_SCALER_ARRAYS = {"x_shift": "features", "x_scale": "features", "y_shift": "targets", "y_scale": "targets"}
_ANCHOR_ARRAYS = {"x_scale": "features", "y_scale": "targets", "season": "one", "drift": "one"}
# the arrays each scaler kind stores (rnncli.model.scaling.fit), and what their length follows
_SCALER_FIELDS = {"minmax": _SCALER_ARRAYS, "standard": _SCALER_ARRAYS, "diff": _SCALER_ARRAYS,
                  "level": _ANCHOR_ARRAYS, "seasonal": _ANCHOR_ARRAYS}
_AUTO_KINDS = ("minmax", "diff", "level", "seasonal")  # what scale="auto" may have kept


def check_model(obj, name: str, *, max_history: int = MAX_HISTORY, calendar: bool = True) -> None:
    """Check that `obj` (read from the file `name`) is a dict in the rnncli format, of this format
    version, whose content passes `_check_content` (a history may list at most `max_history` epochs).

    calendar=False leaves out the checks that need pandas (`check_calendar`) when the file holds the
    forecast's time labels (`rnncli.io.timelabels`, checked here without pandas): for a caller that
    then writes those labels and nothing else of the calendar, and runs `check_calendar` before any
    other use of the time column.

    Raises ArtifactError (naming `name`) for another format or format version, Invalid naming the
    first field out of range or inconsistent with the others.
    """
    fmt = obj.get("format") if type(obj) is dict else None
    if type(fmt) is not str or fmt != FORMAT:
        what = f"its 'format' is not {FORMAT!r}" if type(obj) is dict else f"it holds a {type(obj).__name__}"
        raise ArtifactError(f"'{name}' is not an rnncli model ({what}); pass a model file saved by rnncli")
    version = obj.get("format_version")
    if type(version) is not int or version < 1:
        raise Invalid(f"'format_version' is {brief_repr(version)}, not a positive integer")
    if version > FORMAT_VERSION:
        raise ArtifactError(f"'{name}' was written by a newer rnncli (format {version}); upgrade rnncli")
    if version < FORMAT_VERSION:
        raise ArtifactError(f"'{name}' is a model file of format {version}, which this rnncli (format "
                            f"{FORMAT_VERSION}) does not read: re-train the model with this rnncli")
    _check_content(obj, max_history, calendar)


def _check_content(d: dict, max_history: int, calendar: bool) -> None:
    """Invalid naming the first field out of range or inconsistent with the others."""
    from ..model.forecaster import Forecaster

    options = fc.field(d, "options", dict)
    for key, top in LIMITS.items():
        if key in ("columns",):
            continue
        fc.integer(options, key, f"options.{key}", 0 if key in ("patience", "seed") else 1, top)
    try:
        Forecaster(**options)
    except (ConfigError, TypeError) as e:
        raise Invalid(f"'options' are not valid ({short(e)})") from None
    past, future = options["past"], options["future"]

    columns = fc.field(d, "columns", list)
    if not 1 <= len(columns) <= LIMITS["columns"]:
        raise Invalid(f"'columns' lists {len(columns)} names, not 1 to {LIMITS['columns']}")
    for i, c in enumerate(columns):
        fc.text(c, f"columns[{i}]")
    idx = {}
    for key in ("feature_idx", "target_idx"):
        values = fc.field(d, key, list)
        if not 1 <= len(values) <= len(columns):
            raise Invalid(f"'{key}' lists {len(values)} columns, not 1 to {len(columns)}")
        for i, j in enumerate(values):
            if type(j) is not int or not 0 <= j < len(columns):
                raise Invalid(f"'{key}[{i}]' is {brief_repr(j)}, "
                              f"not a column index in [0, {len(columns) - 1}]")
        idx[key] = values
    n_features, n_targets = len(idx["feature_idx"]), len(idx["target_idx"])

    network = fc.field(d, "network", dict)
    expected = {"cell": options["cell"], "n_features": n_features, "hidden": options["hidden"],
                "layers": options["layers"], "future": future, "n_targets": n_targets,
                "dtype": options["dtype"]}
    for key, want in expected.items():
        got = network.get(key)
        if type(got) is not type(want) or got != want:
            raise Invalid(f"'network.{key}' is {brief_repr(got)}, "
                           f"but the model's options and columns say {want!r}")
    if network.keys() != {*expected, "flat"}:
        raise Invalid(f"'network' has the fields {brief_repr(sorted(map(str, network)))}, "
                       f"not {sorted({*expected, 'flat'})}")
    n_params = _n_params(**{k: v for k, v in expected.items() if k != "dtype"})
    flat = network["flat"]
    if type(flat) is not np.ndarray or flat.ndim != 1 or flat.dtype != np.dtype(options["dtype"]):
        raise Invalid(f"'network.flat' should be a 1-D {options['dtype']} array, "
                       f"got {fc.describe_array(flat)}")
    if len(flat) != n_params:
        raise Invalid(f"'network.flat' holds {len(flat)} weights, but the network it describes "
                       f"({options['cell']}, hidden {options['hidden']}, layers {options['layers']}, "
                       f"{n_features} features, future {future}, {n_targets} targets) has {n_params}")
    fc.finite(flat, "network.flat")

    scale = fc.field(d, "scale", str)
    allowed = _AUTO_KINDS if options["scale"] == "auto" else (options["scale"],)
    if scale not in allowed:
        raise Invalid(f"'scale' is {brief_repr(scale)}, but options.scale {options['scale']!r} allows "
                       f"{' or '.join(map(repr, allowed))}")
    scaler = fc.field(d, "scaler", dict)
    keys = {"kind"} | set(_SCALER_FIELDS.get(scale, ()))
    if scaler.keys() != keys or scaler["kind"] != scale:
        raise Invalid(f"'scaler' should be a {scale} scaler with the fields {sorted(keys)}")
    sizes = {"features": n_features, "targets": n_targets, "one": 1}
    for key in sorted(keys - {"kind"}):
        array = fc.float_array(scaler, key, f"scaler.{key}", (sizes[_SCALER_FIELDS[scale][key]],))
        if key.endswith("scale") and not (array != 0).all():
            raise Invalid(f"'scaler.{key}' holds a zero scale")
    if scale in ("level", "seasonal"):
        m, drift = scaler["season"][0], scaler["drift"][0]
        if not (m == int(m) and 1 <= m <= past) or drift not in (0.0, 1.0):
            raise Invalid(f"'scaler.season' {m:g} must be a whole number from 1 to past ({past}) and "
                           f"'scaler.drift' 0 or 1, got {drift:g}")

    from ..model.scaling import lookback

    tail = fc.float_array(d, "tail", "tail", (lookback(scale, past), len(columns)))
    n_rows = fc.integer(d, "n_rows", "n_rows", 1, 2**62)
    train_targets = fc.float_array(d, "train_targets", "train_targets", (n_rows, n_targets))
    last = train_targets[n_rows - len(tail):]
    if len(tail) <= n_rows and not np.array_equal(tail[:, idx["target_idx"]], last):
        raise Invalid("'tail' and 'train_targets' disagree: the tail's target columns should be the last "
                       "training targets")
    residuals = fc.field(d, "val_residuals", np.ndarray)
    fc.float_array(d, "val_residuals", "val_residuals", (min(len(residuals), n_rows), future, n_targets))
    for key in ("val_rmse", "naive_rmse"):
        values = fc.field(d, key, list)
        if len(values) != n_targets or not all(type(v) is float for v in values):
            raise Invalid(f"'{key}' should list {n_targets} float(s), one per target")
    _history(fc.field(d, "history", dict), "history", max_history)
    _check_choice(fc.optional(d, "choice", dict) or {}, past, n_targets)
    fc.optional(d, "variant_scores", dict)
    for key, value in (d.get("variant_scores") or {}).items():
        if key not in (*_AUTO_KINDS, *allowed) or type(value) is not float:
            raise Invalid(f"'variant_scores' should map scalings to floats, "
                           f"got {brief_repr(key)}: {brief_repr(value)}")
    for key in ("rnncli_version", "numpy_version", "values_sha256", "created"):
        if d.get(key) is not None:
            fc.text(d[key], key)
    _check_scores(d, n_targets, past + future, tuple(dict.fromkeys(("minmax", "diff", *allowed))))
    fc.optional(d, "interrupted", bool)
    fc.optional(d, "tail_broken", bool)
    trainer = fc.optional(d, "trainer", dict)
    if trainer is not None:
        _check_trainer(trainer, options, n_params, max_history)
    time = fc.optional(d, "time", dict)
    if time is not None:
        _check_time(time, future)
    data = fc.optional(d, "data", dict)
    if data is not None:
        _check_data(data, time)
    labels = fc.optional(d, FIELD, dict)
    if labels is not None:
        _check_forecast_times(labels, time, future)
    if calendar or labels is None:
        check_calendar(d)


def check_calendar(d: dict) -> None:
    """The checks that need pandas' calendar, of data `check_model` passed: the time frequency a pandas
    offset alias whose `future` steps after 'time.last' end before pandas' last date, and the stored
    --freq and --resample valid aliases, the latter the model's own time step. Invalid names the field."""
    time, future = d.get("time"), d["options"]["future"]
    if time is not None and time.get("freq") is not None:
        freq = fc.as_flag("resample", time["freq"], "time.freq")
        if time["kind"] == "datetime":
            import pandas as pd
            from pandas.tseries.frequencies import to_offset

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    pd.Timestamp(np.datetime64(time["last"], "ns")) + future * to_offset(freq)
            except (ValueError, TypeError, OverflowError, Warning):
                raise _bad_last(time["last"], future) from None
    read = (d.get("data") or {}).get("read") or {}
    if read.get("freq") is not None:
        from .timecol import check_freq

        fc.as_setting(check_freq, read["freq"], "data.read.freq")
    if read.get("resample") is not None:
        fc.as_flag("resample", read["resample"], "data.read.resample")
        _check_resample_matches(read["resample"], time)


def _check_forecast_times(field: dict, time: dict | None, future: int) -> None:
    """The forecast's time labels (`rnncli.io.timelabels`), without pandas: `future` texts shaped like
    the times predict writes, whose digest matches the model's time info and horizon."""
    if field.keys() != {"labels", "sha256"}:
        raise Invalid(f"'{FIELD}' should have the fields labels and sha256")
    if time is None or time["kind"] != "datetime" or time.get("freq") is None:
        raise Invalid(f"'{FIELD}' is for a model whose time column has a frequency, and this one has none")
    labels = fc.field(field, "labels", list, f"{FIELD}.")
    if len(labels) != future:
        raise Invalid(f"'{FIELD}.labels' lists {len(labels)} times, not one per forecast step ({future})")
    for i, label in enumerate(labels):
        if type(label) is not str or len(label) > MAX_LABEL or not LABEL.fullmatch(label):
            raise Invalid(f"'{FIELD}.labels[{i}]' is {brief_repr(label)}, not a time as predict writes it")
    if field["sha256"] != digest(time, future, labels):
        raise Invalid(f"'{FIELD}' do not match the model's time column and horizon (another sha256)")


def _check_scores(d: dict, n_targets: int, window: int, kinds: tuple) -> None:
    """The optional validation scores and fingerprints `Forecaster.fit` stores since issue 13."""
    def floats(value, field: str) -> None:
        if type(value) is not list or len(value) != n_targets or not all(type(v) is float for v in value):
            raise Invalid(f"'{field}' should list {n_targets} float(s), one per target")

    if d.get("snaive_rmse") is not None:
        floats(d["snaive_rmse"], "snaive_rmse")
    if d.get("season") is not None:
        fc.integer(d, "season", "season", 1, 2**31)
    for key, value in (fc.optional(d, "variant_rmse", dict) or {}).items():
        if key not in kinds:
            raise Invalid(f"'variant_rmse' should map scalings to RMSEs, got the key {brief_repr(key)}")
        floats(value, f"variant_rmse.{key}")
    pending = fc.optional(d, "variants_pending", list) or []
    if not all(type(k) is str and k in kinds for k in pending):
        raise Invalid(f"'variants_pending' should list scalings among {', '.join(kinds)}")
    fp = fc.optional(d, "fingerprints", dict)
    if fp is not None:
        from ..model.fingerprints import FINGERPRINTS

        if fp.keys() != {"rows", "count", "hashes"}:
            raise Invalid("'fingerprints' should have the fields count, hashes and rows")
        fc.integer(fp, "rows", "fingerprints.rows", window, window)
        hashes = fc.field(fp, "hashes", list, "fingerprints.")
        fc.integer(fp, "count", "fingerprints.count", len(hashes), 2**62)
        if len(hashes) > FINGERPRINTS or not all(type(h) is int and 0 <= h < 2**63 for h in hashes):
            raise Invalid(f"'fingerprints.hashes' should list at most {FINGERPRINTS} integers in [0, 2**63)")


def _n_params(cell: str, n_features: int, hidden: int, layers: int, future: int, n_targets: int) -> int:
    """The parameter count of `Network(...)`, from its layers' shapes alone (nothing allocated)."""
    from ..engine import dense
    from ..engine.network import CELLS

    shapes = [CELLS[cell].param_shapes(n_features if k == 0 else hidden, hidden)
              for k in range(min(layers, 2))]
    first, other = (sum(math.prod(s) for s in layer.values()) for layer in (shapes[0], shapes[-1]))
    head = sum(math.prod(s) for s in dense.param_shapes(hidden, future * n_targets).values())
    return first + (layers - 1) * other + head


def _check_trainer(t: dict, options: dict, n_params: int, max_history: int) -> None:
    if t.get("optimizer") != options["optimizer"]:
        raise Invalid(f"'trainer.optimizer' is {brief_repr(t.get('optimizer'))}, not options.optimizer "
                       f"{options['optimizer']!r}")
    state = fc.field(t, "optimizer_state", dict, "trainer.")
    arrays = ("m", "v") if options["optimizer"] == "adam" else ("u",)
    if state.keys() != {"t", *arrays}:
        raise Invalid(f"'trainer.optimizer_state' should have the fields {sorted({'t', *arrays})}")
    fc.integer(state, "t", "trainer.optimizer_state.t", 0, 2**62)
    for key in arrays:
        fc.float_array(state, key, f"trainer.optimizer_state.{key}", (n_params,))
    for key in ("last_flat", "best_flat"):
        fc.float_array(t, key, f"trainer.{key}", (n_params,))
    fc.integer(t, "wait", "trainer.wait", 0, 2**62)
    _history(t, "trainer", max_history)
    try:
        np.random.PCG64().state = fc.field(t, "rng_state", dict, "trainer.")
    except (TypeError, ValueError, KeyError, OverflowError):
        raise Invalid("'trainer.rng_state' is not a PCG64 generator state") from None


def _check_choice(choice: dict, past: int, n_targets: int) -> None:
    """`choice` (Forecaster.choice_): the scaling chosen, its season and drift, why, and the validation
    RMSE (one float per target) of the baselines by name, of the network and of its anchor."""
    types = {"scale": str, "season": int, "drift": bool, "reason": str, "note": str, "baseline_rmse": dict,
             "network_rmse": list, "anchor_rmse": list, "network_weight": float}
    for key, value in choice.items():
        if key not in types:
            raise Invalid(f"'choice' has the field {brief_repr(key)}, not one of {', '.join(types)}")
        if type(value) is not types[key] and not (key == "network_weight" and value is None):
            raise Invalid(f"'choice.{key}' is {brief_repr(value)}, not a {types[key].__name__}")
    for key in ("scale", "reason", "note"):
        if key in choice:
            fc.text(choice[key], f"choice.{key}")
    if not 1 <= choice.get("season", 1) <= past:
        raise Invalid(f"'choice.season' is {choice['season']}, not from 1 to past ({past})")
    lists = {f"choice.{k}": choice[k] for k in ("network_rmse", "anchor_rmse") if k in choice}
    if len(choice.get("baseline_rmse", {})) > 50:
        raise Invalid("'choice.baseline_rmse' names more than 50 baselines")
    for name, value in choice.get("baseline_rmse", {}).items():
        fc.text(name, "choice.baseline_rmse key")
        lists[f"choice.baseline_rmse.{name}"] = value
    for field, value in lists.items():
        if type(value) is not list or len(value) != n_targets or not all(type(v) is float for v in value):
            raise Invalid(f"'{field}' should list {n_targets} float(s), one per target")


def _history(h: dict, field: str, max_history: int) -> None:
    for key in ("train_msse", "val_msse"):
        values = fc.field(h, key, list, f"{field}.")
        if len(values) > max_history:
            raise Invalid(f"'{field}.{key}' lists {len(values)} epochs, more than {max_history}")
        for i, v in enumerate(values):
            if type(v) is not float and not (v is None and key == "val_msse"):
                raise Invalid(f"'{field}.{key}[{i}]' is {brief_repr(v)}, not a float")
    fc.integer(h, "best_epoch", f"{field}.best_epoch", 0, max_history)
    fc.field(h, "best_msse", float, f"{field}.")
    for key in ("steps", "wait_lr"):  # the step policy's counters (absent in older runs: 0)
        if key in h:
            fc.integer(h, key, f"{field}.{key}", 0, 2**62)
    if "lr" in h and not (type(h["lr"]) is float and math.isfinite(h["lr"]) and h["lr"] > 0):
        raise Invalid(f"'{field}.lr' is {brief_repr(h['lr'])}, not a positive float")
    reductions = h.get("lr_reductions", [])
    if type(reductions) is not list or len(reductions) > max_history or not all(
            type(e) is int and 0 <= e <= max_history for e in reductions):
        raise Invalid(f"'{field}.lr_reductions' should list the epochs (whole numbers) of each reduction")
    if field == "history" and h.get("stopped") is not None:
        fc.text(h["stopped"], "history.stopped")


def _check_time(time: dict, future: int) -> None:
    fields = {"col", "kind", "last", "freq", "step", "style"}
    if not time.keys() <= fields or time.get("kind") not in ("datetime", "int"):
        raise Invalid("'time' should have the fields col, kind ('datetime' or 'int'), last, freq, step, "
                       "style")
    if time.get("style") is not None:
        _check_style(time["style"])
    if time.get("col") is not None:
        fc.text(time["col"], "time.col")
    step = time.get("step")
    if step is not None and (type(step) is not int or not 0 < abs(step) < 2**62):
        raise Invalid(f"'time.step' is {brief_repr(step)}, not a non-zero integer")
    freq = time.get("freq")
    if freq is not None:
        fc.text(freq, "time.freq")  # an offset alias: check_calendar
    last = time.get("last")
    if time["kind"] == "int":
        if type(last) is not int or abs(last) + future * abs(step or 0) >= 2**63:
            raise Invalid(f"'time.last' is {brief_repr(last)}: "
                          f"{future} steps after it do not fit a 64-bit time")
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns about time zones: refused like any other oddity
            stamp = np.datetime64(fc.text(last, "time.last"), "ns")  # what pandas' Timestamp is made from
        if np.isnat(stamp):
            raise ValueError
    except (ValueError, TypeError, OverflowError, Warning):
        raise _bad_last(last, future) from None


def _bad_last(last, future: int) -> Invalid:
    end = np.datetime64(np.iinfo(np.int64).max, "ns").astype("datetime64[D]")  # pandas.Timestamp.max's date
    return Invalid(f"'time.last' is {brief_repr(last)}, which is not a time whose {future} forecast steps "
                   f"end before {end}")


def _check_style(style) -> None:
    """time.style: how forecast times are written (io.timecol.time_style)."""
    import re

    if type(style) is not dict or not style.keys() <= set(_STYLE_KEYS):
        raise Invalid(f"'time.style' should be a dict of {', '.join(_STYLE_KEYS)}")
    for key in ("clock", "utc", "minutes"):
        if type(style.get(key, False)) is not bool:
            raise Invalid(f"'time.style.{key}' is {brief_repr(style.get(key))}, not a bool")
    if style.get("sep", " ") not in ("T", " "):
        raise Invalid(f"'time.style.sep' is {brief_repr(style.get('sep'))}, not 'T' or ' '")
    fc.integer({"digits": style.get("digits", 0)}, "digits", "time.style.digits", 0, 9)
    offset = style.get("offset")
    if offset is not None and not (type(offset) is str and re.fullmatch(r"Z|[+-]\d{2}:\d{2}", offset)):
        raise Invalid(f"'time.style.offset' is {brief_repr(offset)}, not a UTC offset such as +01:00 or Z")
    if style.get("tz") is not None:
        fc.as_setting(_check_tz, style["tz"], "time.style.tz")


def _check_tz(tz: str) -> str:
    from .timecol import check_tz  # imported when a zone is stored (timecol is not needed otherwise)

    return check_tz(tz)




def _check_read_extras(read: dict) -> None:
    """The read settings of issue 10: --freq, --time-format, --tz, --no-header, --decimal, --thousands."""
    from . import records as rio

    for key, check in (("freq", str), ("tz", _check_tz), ("time_format", str)):  # freq: check_calendar
        if read.get(key) is not None:
            fc.as_setting(check, read[key], f"data.read.{key}")
    if type(read.get("no_header", False)) is not bool:
        raise Invalid(f"'data.read.no_header' is {brief_repr(read.get('no_header'))}, not a bool")
    decimal, thousands = read.get("decimal", "."), read.get("thousands")
    for key, value in (("decimal", decimal), ("thousands", thousands)):
        if value is not None and type(value) is not str:
            raise Invalid(f"'data.read.{key}' is {brief_repr(value)}, not a str")
    try:
        rio.check_separators(decimal, thousands)
    except ConfigError as e:
        raise Invalid(f"'data.read' separators: {short(e)}") from None


def _check_data(data: dict, time: dict | None) -> None:
    for key, value in data.items():
        if key != "read" and type(value) not in SCALARS:
            raise Invalid(f"'data.{short(key, 40)}' is {describe(value)}, not a plain value")
        if type(value) is str:
            fc.text(value, f"data.{short(key, 40)}")
    if data.get("rows") is not None:
        fc.integer(data, "rows", "data.rows", 0, 2**62)
    read = data.get("read")
    if read is None:
        return
    if type(read) is not dict or not read.keys() <= set(_READ_KEYS):
        raise Invalid(f"'data.read' should be a dict of {', '.join(_READ_KEYS)}")
    for key, value in read.items():
        if key == "time_col":
            if value is not None:
                fc.text(value, "data.read.time_col")
        elif key in ("freq", "time_format", "tz", "no_header", "decimal", "thousands"):
            continue
        elif key == "resample":  # an offset alias: check_calendar
            if value is not None:
                fc.text(value, "data.read.resample")
        elif value is not None or key in ("delimiter", "encoding", "fill"):
            fc.as_flag(key, value, f"data.read.{key}")
    _check_read_extras(read)




def _check_resample_matches(resample: str, time: dict | None) -> None:
    """The stored resample rule is the model's time step: a file cannot make predict resample finer.

    Compared by the length of one period (QS and QS-OCT, W and W-SUN are the same step); a model
    whose time steps are irregular (no 'freq') is not compared.
    """
    if time is None or time["kind"] != "datetime":
        raise Invalid(f"'data.read.resample' is {brief_repr(resample)}, "
                      "but the model has no date/time column")
    if time.get("freq") is None:
        return
    ratio = _period_ns(resample) / _period_ns(time["freq"])
    if not 0.5 <= ratio <= 2:
        raise Invalid(f"'data.read.resample' is {brief_repr(resample)}, but the model's time step is "
                       f"{brief_repr(time['freq'])}")


def _period_ns(alias: str) -> int:
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    offset, start = to_offset(alias), pd.Timestamp("2000-01-01")
    return max(((start + 2 * offset) - (start + offset)).value, 1)
