"""The fitted Forecaster as the plain data of a model file, and back.

`to_dict` gives the fitted state as dicts, lists, str, int, float, bool, None and ndarrays, tagged
with `FORMAT` and `FORMAT_VERSION` (the artifact's format: `rnncli.io.artifact` saves it and checks
it on load); `from_dict` rebuilds a fitted model from such data, filling in the fields a file from
before issue 13 lacks; `check_resume` refuses to continue a saved run with other data or another
architecture. Nothing here reads or writes files.
"""

import math

import numpy as np

from .. import __version__
from ..engine.network import Network
from ..engine.train import History
from ..errors import ConfigError, DataError
from .fingerprints import fingerprint
from .tables import plain

__all__ = ["FORMAT", "FORMAT_VERSION", "check_resume", "from_dict", "to_dict"]

FORMAT = "rnncli-model"
FORMAT_VERSION = 2


def to_dict(model) -> dict:
    """The fitted Forecaster `model` as plain data: dicts, lists, str, int, float, None and ndarrays."""
    h = model.history_
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "rnncli_version": __version__,
        "numpy_version": np.__version__,
        "options": model.get_params(),
        "network": {**model.network_.config(), "flat": model.network_.flat.copy()},
        "scale": model.scale_, "scaler": plain(model.scaler_),
        "variant_scores": {k: float(v) for k, v in model.variant_scores_.items()},
        "choice": plain(model.choice_),
        "columns": list(model.columns_), "feature_idx": [int(i) for i in model.feature_idx_],
        "target_idx": [int(i) for i in model.target_idx_], "time": plain(model.time_),
        "tail": model.tail_.copy(), "train_targets": model.train_targets_.copy(),
        "n_rows": int(model.n_rows_), "values_sha256": model.values_sha256_,
        "val_residuals": np.asarray(model.val_residuals_, dtype=np.float64),
        "val_rmse": [float(v) for v in model.val_rmse_],
        "naive_rmse": [float(v) for v in model.naive_rmse_],
        "snaive_rmse": [float(v) for v in model.snaive_rmse_], "season": int(model.season_),
        "variant_rmse": {k: [float(x) for x in v] for k, v in model.variant_rmse_.items()},
        "variants_pending": list(model.variants_pending_),
        "fingerprints": dict(model.fingerprints_),
        "history": {"train_msse": [float(v) for v in h.train_msse],
                    "val_msse": [None if v is None else float(v) for v in h.val_msse],
                    "best_epoch": int(h.best_epoch), "best_msse": float(h.best_msse),
                    "stopped": h.stopped, "steps": int(h.steps),
                    "lr_reductions": [int(e) for e in h.lr_reductions]},
        "interrupted": bool(model.interrupted_),
        **({"tail_broken": True} if getattr(model, "tail_broken_", False) else {}),
        "trainer": model.trainer_state_,
        **({"created": model.created_} if getattr(model, "created_", None) else {}),
        **({"data": model.data_} if getattr(model, "data_", None) else {}),
    }


def from_dict(cls, d: dict):
    """Rebuild a fitted model of class `cls` (Forecaster) from `to_dict` data (already checked by the
    artifact loader, `rnncli.io.artifact.load`)."""
    model = cls(**d["options"])
    cfg = {k: v for k, v in d["network"].items() if k != "flat"}
    net = Network(**cfg)
    net.flat[...] = d["network"]["flat"]
    model.network_ = net
    model.scale_, model.scaler_ = d["scale"], d["scaler"]
    model.variant_scores_ = dict(d.get("variant_scores", {}))
    model.choice_ = dict(d.get("choice") or {})
    model.columns_ = d["columns"]
    model.feature_idx_, model.target_idx_ = d["feature_idx"], d["target_idx"]
    model.time_ = d["time"]
    model.tail_, model.train_targets_, model.n_rows_ = d["tail"], d["train_targets"], d["n_rows"]
    model.values_sha256_ = d.get("values_sha256")
    model.created_, model.data_ = d.get("created"), d.get("data")
    model.val_residuals_ = d["val_residuals"]
    model.val_rmse_, model.naive_rmse_ = np.asarray(d["val_rmse"]), np.asarray(d["naive_rmse"])
    # written since issue 13; a model file from before lacks them
    model.snaive_rmse_ = np.asarray(d.get("snaive_rmse", [math.nan] * len(d["target_idx"])), dtype=float)
    model.season_ = d.get("season", 1)
    model.variant_rmse_ = dict(d.get("variant_rmse", {}))
    model.variants_pending_ = list(d.get("variants_pending", []))
    model.fingerprints_ = d.get("fingerprints")
    h = d["history"]
    model.history_ = History(list(h["train_msse"]), list(h["val_msse"]), h["best_epoch"], h["best_msse"],
                             h["stopped"], int(h.get("steps", 0)), list(h.get("lr_reductions", [])))
    model.interrupted_ = d.get("interrupted", False)
    model.tail_broken_ = d.get("tail_broken", False)
    model.trainer_state_ = d.get("trainer")
    return model


def check_resume(model, d: dict, values: np.ndarray) -> None:
    """Refuse to resume `d` (a saved model's `to_dict()`) with `model` (the Forecaster about to fit) on
    `values` (the used columns), naming the difference: ConfigError for an option, DataError for data."""
    fixed = ("past", "future", "cell", "hidden", "layers", "dtype", "optimizer", "val_frac", "seed")
    for k in fixed:
        if d["options"][k] != getattr(model, k):
            raise ConfigError(f"cannot resume: the model was trained with `{k}={d['options'][k]!r}`, "
                              f"not {getattr(model, k)}; drop `{k}` or start a new model")
    for name, mine, theirs in (("columns", model.columns_, d["columns"]),
                               ("features", model.feature_idx_, d["feature_idx"]),
                               ("targets", model.target_idx_, d["target_idx"])):
        if list(mine) != list(theirs):
            raise DataError(f"cannot resume: the data's {name} differ from the model's "
                            f"({', '.join(d['columns'])})")
    if d["scale"] != model.scale and model.scale != "auto":
        raise ConfigError(f"cannot resume: the model was trained with `scale={d['scale']!r}`, not "
                          f"{model.scale}; drop `scale` or start a new model")
    if fingerprint(values) != d.get("values_sha256"):
        raise DataError(f"cannot resume: the data differ from the model's training data "
                        f"({len(values)} rows now, {d['n_rows']} then); resume needs the same data")
