"""What `rnncli info` shows: a model file's summary as JSON-ready data, its tables and the audit."""

import numpy as np

from ..model.scaling import lookback
from ..text import escape_controls
from .output import with_flags
from .tables import (
    BASELINE_NAMES,
    Col,
    Table,
    Text,
    baseline_comparison,
    choice_rows,
    fitted_table,
    format_time,
    num,
    scaling_text,
    sig,
    variant_rows,
)

# -- model summary ----------------------------------------------------------------------------------


def model_summary(d: dict, layers: list) -> dict:
    """Everything `rnncli info` shows, as plain JSON-ready data, from the artifact dict."""
    h = d["history"]
    cols = d["columns"]
    total = sum(p for _, _, p in layers)
    return {
        "layers": [{"layer": name, "output_shape": _shape(shape), "params": p} for name, shape, p in layers],
        "total_params": total,
        "features": [cols[i] for i in d["feature_idx"]], "targets": [cols[i] for i in d["target_idx"]],
        "past": d["options"]["past"], "future": d["options"]["future"],
        "history_needed": lookback(d["scale"], d["options"]["past"]),
        "cell": d["network"]["cell"], "hidden": d["network"]["hidden"],
        "layers_count": d["network"]["layers"],
        "scale": d["scale"], "scale_option": d["options"]["scale"], "dtype": d["network"]["dtype"],
        "choice": with_flags(d.get("choice") or {}, "note"),
        "time": _time_info(d.get("time")), "data": d.get("data", {}),
        "history": {"epochs_run": len(h["train_msse"]), "best_epoch": h["best_epoch"],
                    "best_msse": num(h["best_msse"]) if h["best_msse"] != float("inf") else None,
                    "stopped": h["stopped"] or "completed", "steps": h.get("steps"), "final_train_msse":
                        h["train_msse"][-1] if h["train_msse"] else None},
        "validation": {"rmse": d["val_rmse"], "naive_rmse": d["naive_rmse"],
                       "seasonal_naive_rmse": d.get("snaive_rmse"), "season": d.get("season"),
                       "windows": len(d["val_residuals"]),
                       "variants": {k: {"val_rmse": d.get("variant_rmse", {}).get(k, []), "score": v}
                                    for k, v in d.get("variant_scores", {}).items()},
                       "variants_pending": d.get("variants_pending", [])},
        "options": d["options"],
        "versions": {"rnncli": d["rnncli_version"], "numpy": d.get("numpy_version"),
                     "format": d["format_version"]},
        "created": d.get("created"),
    }


def _time_info(time: dict | None) -> dict | None:
    """The artifact's time facts with the last timestamp as `format_time` writes it (1960-12-01)."""
    if not time:
        return None
    last = time.get("last")
    if last is not None:
        last = format_time(np.datetime64(last, "ns") if time.get("kind") == "datetime" else int(last))
    return {**time, "last": last}


def _shape(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"


def validation_comparison(s: dict) -> dict:
    """`baseline_comparison` of a `model_summary`: a model file from before issue 13 has no seasonal naive."""
    val = s["validation"]
    snaive = val["seasonal_naive_rmse"] or [None] * len(s["targets"])
    return baseline_comparison(s["targets"], val["rmse"], val["naive_rmse"], snaive)



# How training ended (`history.stopped`), as the info table says it.
_STOPPED = {"early": "stopped early", "step budget": "stopped at the step budget",
            "interrupted": "interrupted", "completed": "all epochs run"}

def summary_tables(s: dict, width: int | None = None) -> list:
    """The Keras-like layer table and a table of the model's facts."""
    layers = Table(title="model")
    layers.add_column("Layer (type)")
    layers.add_column("Output Shape")
    layers.add_column("Param #", justify="right")
    for row in s["layers"]:
        layers.add_row(row["layer"], row["output_shape"], f"{row['params']:,}")
    layers.add_section()
    layers.add_row("Total params", "", f"{s['total_params']:,}")

    facts = Table(show_header=False, title="details")
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    time = s["time"] or {}
    spacing = time.get("freq") or (f"step {time['step']}" if time.get("step") else "-")
    hist, val = s["history"], s["validation"]
    items = [
        ("features", ", ".join(s["features"])), ("targets", ", ".join(s["targets"])),
        ("past / future", f"{s['past']} / {s['future']}"),
        ("scaling", scaling_text(s)),
        ("history needed", _history_text(s)),
        ("why", _why(s["choice"])),
        *choice_rows(s["choice"]),
        *variant_rows(val["variants"], s["scale"]),
        *([("  not trained yet", ", ".join(val["variants_pending"]) + " (train again with --resume)")]
          if val["variants_pending"] else []),
        ("dtype", s["dtype"]),
        ("time column",
         f"{time.get('col')} (last {time.get('last')}, frequency {spacing})" if time else "none"),
        ("training", f"{hist['epochs_run']} epochs"
         + (f" ({hist['steps']} steps)" if hist.get("steps") else "")
         + f", best epoch {hist['best_epoch']}, {_STOPPED.get(hist['stopped'], hist['stopped'])}"),
        ("best validation MSSE", sig(hist["best_msse"])),
        ("data", f"{s['data'].get('source', '-')} ({s['data'].get('rows', '-')} rows)"),
        ("data sha256", s["data"].get("sha256", "-")),
        ("created", s["created"] or "-"),
        ("versions", f"rnncli {s['versions']['rnncli']}, numpy {s['versions']['numpy']}, "
                     f"format {s['versions']['format']}"),
    ]
    for k, v in items:
        facts.add_row(k, str(v))
    return [layers, facts, validation_table(validation_comparison(s), val["season"], val["windows"], width)]


def validation_table(c: dict, season, windows: int, width: int | None = None) -> Table:
    """Per target: the model's validation RMSE, naive's, seasonal naive's, and the skill vs the better."""
    columns = [Col("target", False), Col("model"), Col("naive"), Col("seasonal naive"), Col("skill vs best"),
               Col("best baseline", False, drop=1)]
    rows = [[name, sig(c["val_rmse"][name]), sig(c["naive_rmse"][name]), sig(c["seasonal_naive_rmse"][name]),
             sig(c["skill_vs_best"][name], 3), BASELINE_NAMES.get(c["best_baseline"][name], "-")]
            for name in c["val_rmse"]]
    return fitted_table(f"validation RMSE over {windows} windows (seasonal naive: season {season or '-'})",
                        columns, rows, width)


def _why(choice: dict) -> str:
    """The reason a scaling was chosen, and whether the network beat its baseline anchor on validation."""
    text = choice.get("reason", "-")
    w = choice.get("network_weight")
    if w == 0:
        text += "; the network did not beat that baseline on validation, so the model forecasts it"
    elif w is not None:
        text += (f"; the network corrects it with weight {w:g} (validation RMSE "
                 f"{', '.join(sig(v) for v in choice['network_rmse'])} vs "
                 f"{', '.join(sig(v) for v in choice['anchor_rmse'])})")
    return text


def audit_table(result: dict) -> Table:
    """What `artifact.audit` found: the globals asked for, the array headers, and the loader's verdict."""
    table = Table(title="audit (the loader's own checks: only plain data was read)", show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("globals", Text("\n".join(map(escape_controls, result["globals"])) or "none"))
    counts: dict[str, int] = {}
    for a in result["arrays"]:
        shape = "?" if a["shape"] is None else tuple(a["shape"])
        key = escape_controls(f"{a['dtype']} {shape} order {a['order']}")
        counts[key] = counts.get(key, 0) + 1
    table.add_row("arrays", Text("\n".join(f"{n} x {k}" for k, n in counts.items()) or "none"))
    verdict = "yes: the loader accepts the file: plain data, a valid model" if result["safe"] \
        else "NO: " + "; ".join(result["reasons"])
    table.add_row("safe", verdict)
    return table

def _history_text(s: dict) -> str:
    why = f" (--past {s['past']} + 1: diff models differences)" if s["history_needed"] > s["past"] else ""
    return f"{s['history_needed']} rows{why}"
