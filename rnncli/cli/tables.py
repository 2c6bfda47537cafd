"""Results as tables: records for CSV/JSON on stdout, rich tables for people on stderr.

Every function here turns a library result into rows or a renderable; none computes anything.
"""

import json
import math

import numpy as np
from rich.table import Table as _RichTable
from rich.text import Text

from ..text import escape_controls


class Table(_RichTable):
    """A rich table that shows str headers and cells as written: column names may hold '[...]' (no
    markup) or control characters (shown escaped, `text.escape_controls`)."""

    def add_column(self, header="", *args, **kwargs) -> None:
        header = Text(escape_controls(header)) if isinstance(header, str) else header
        super().add_column(header, *args, **kwargs)

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(Text(escape_controls(c)) if isinstance(c, str) else c for c in cells), **kwargs)


def format_time(t) -> str | int:
    """A timestamp as ISO text (date only at midnight), an integer time as an int."""
    if t is None:
        return None
    if isinstance(t, (np.integer, int)):
        return int(t)
    t = np.datetime64(t, "s")
    text = str(t)
    return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


# -- forecasts ------------------------------------------------------------------------------------


def forecast_records(fc, times, time_name: str) -> list[dict]:
    """One record per future step: the time (or step number), each target, and its bounds."""
    rows = []
    for h in range(fc.values.shape[0]):
        row = {time_name: format_time(times[h]) if times is not None else h + 1}
        for k, name in enumerate(fc.targets):
            row[name] = float(fc.values[h, k])
            if fc.lower is not None:
                row[f"{name}_lower"] = float(fc.lower[h, k])
                row[f"{name}_upper"] = float(fc.upper[h, k])
        rows.append(row)
    return rows


def backtest_records(origins, y_hat, targets, times, future_times) -> list[dict]:
    """Long format: origin (time or row), step 1..M, the step's time (or row), one column per target."""
    rows = []
    n = len(times) if times is not None else None
    for j, o in enumerate(origins):
        for h in range(y_hat.shape[1]):
            t = o + h + 1
            if times is None:
                origin, when = int(o), int(t)
            else:
                origin = format_time(times[o])
                when = format_time(times[t] if t < n else (future_times[t - n] if future_times is not None
                                                           else None))
            row = {"origin": origin, "step": h + 1, "time": when}
            row.update({name: float(y_hat[j, h, k]) for k, name in enumerate(targets)})
            rows.append(row)
    return rows


# -- evaluation -------------------------------------------------------------------------------------

METHOD_NAMES = {"model": "model", "naive": "naive", "seasonal_naive": "seasonal naive"}


def evaluation_records(ev: dict) -> list[dict]:
    """Long format: target, method, step ("all" or 1..M), mse, rmse, mae, smape, mase, skill vs naive."""
    rows = []
    for k, target in enumerate(ev["targets"]):
        for method in ev["overall"]:
            blocks = [("all", ev["overall"][method], ev["overall"]["naive"], None)]
            n_steps = ev["per_step"][method]["mse"].shape[0]
            blocks += [(h + 1, ev["per_step"][method], ev["per_step"]["naive"], h) for h in range(n_steps)]
            for step, scores, naive, h in blocks:
                pick = _picker(k, h)
                row = {"target": target, "method": method, "step": step}
                row.update({m: _num(pick(v)) for m, v in scores.items()})
                naive_rmse = float(pick(naive["rmse"]))
                row["skill"] = _num(1.0 - row["rmse"] / naive_rmse) if naive_rmse > 0 else None
                rows.append(row)
    return rows


def _picker(k: int, h: int | None):
    """Target k of an overall (targets,) array, or of step h of a per-step (future, targets) one."""
    return (lambda a: a[k]) if h is None else (lambda a: a[h, k])


def evaluation_table(ev: dict) -> Table:
    """Overall scores per target and method, then the model's RMSE per horizon step."""
    table = Table(title=f"rolling-origin evaluation: {ev['windows']} windows, season {ev['season']}")
    for col in ("target", "method", "RMSE", "MAE", "sMAPE %", "MASE", "skill vs naive"):
        table.add_column(col, justify="left" if col in ("target", "method") else "right")
    for row in evaluation_records(ev):
        if row["step"] != "all":
            continue
        table.add_row(row["target"], METHOD_NAMES[row["method"]], _g(row["rmse"]), _g(row["mae"]),
                      _g(row["smape"], 3), _g(row["mase"], 3), _g(row["skill"], 3))
    return table


def horizon_table(ev: dict) -> Table:
    """RMSE per horizon step for each method and target."""
    table = Table(title="RMSE per horizon step")
    table.add_column("step", justify="right")
    for target in ev["targets"]:
        for method in ev["per_step"]:
            table.add_column(f"{target} {METHOD_NAMES[method]}", justify="right")
    n_steps = next(iter(ev["per_step"].values()))["rmse"].shape[0]
    for h in range(n_steps):
        cells = [str(h + 1)]
        for k in range(len(ev["targets"])):
            cells += [_g(ev["per_step"][m]["rmse"][h, k]) for m in ev["per_step"]]
        table.add_row(*cells)
    return table


def _g(x, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


# -- training -------------------------------------------------------------------------------------


def train_summary_table(s: dict) -> Table:
    """The end-of-training summary: parameters, epochs, scaling, validation scores beside naive."""
    t = Table(title="training summary", show_header=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("parameters", f"{s['params']:,}")
    t.add_row("epochs run", f"{s['epochs_run']} ({s['stopped']}, best epoch {s['best_epoch']})")
    t.add_row("scaling", s["scale"])
    t.add_row("best validation MSSE", _g(s["best_val_msse"]))
    for name in s["val_rmse"]:
        t.add_row(f"validation RMSE {name}",
                  f"{_g(s['val_rmse'][name])}  (naive {_g(s['naive_rmse'][name])})")
    return t


# -- many series: sweeps, per-series scores, model directories ------------------------------------

ALL_SERIES = "ALL"  # the `series` of the rows that pool every series in `series_evaluation_records`


def _skill(rmse, naive_rmse) -> float | None:
    """1 - RMSE / RMSE_naive, or None when either is missing or the naive RMSE is 0."""
    if rmse is None or naive_rmse is None or not naive_rmse > 0:
        return None
    return _num(1.0 - rmse / naive_rmse)


def sweep_records(rows: list[dict]) -> list[dict]:
    """One record per model of `many.sweep`, best first: rank, model, the grid's options, scores, status."""
    records = []
    for r in rows:
        records.append({"rank": r["rank"], "model": r["id"], **r["options"], "val_rmse": r["val_rmse"],
                        "naive_rmse": r["naive_rmse"], "skill": _skill(r["val_rmse"], r["naive_rmse"]),
                        "epochs_run": r["epochs_run"],
                        "seconds": None if r["seconds"] is None else round(float(r["seconds"]), 3),
                        "status": r["status"], "error": r["error"]})
    return records


def sweep_table(records: list[dict]) -> Table:
    """The ranking: validation RMSE beside the naive forecast's, then the models that did not train."""
    table = Table(title=f"sweep: {len(records)} models ranked by validation RMSE (mean over targets)")
    for col in ("rank", "model", "val RMSE", "naive RMSE", "skill vs naive", "epochs", "seconds"):
        table.add_column(col, justify="left" if col == "model" else "right")
    table.add_column("status", overflow="fold")
    for r in records:
        status = r["status"] if r["error"] is None else f"{r['status']}: {r['error']}"
        table.add_row("-" if r["rank"] is None else str(r["rank"]), r["model"], _g(r["val_rmse"]),
                      _g(r["naive_rmse"]), _g(r["skill"], 3), "-" if r["epochs_run"] is None
                      else str(r["epochs_run"]), _g(r["seconds"], 3), status)
    return table


METRICS = ("mse", "rmse", "mae", "smape", "mase")


def series_evaluation_records(evaluations: list[tuple[str, dict]]) -> list[dict]:
    """Scores of many series: per series, target and method (steps pooled), then the "ALL" rows.

    Each record: series, target, method, windows, season, mse, rmse, mae, smape, mase, skill (vs
    naive). An "ALL" row holds the mean over the series of each score, the windows summed, the
    season when every series had the same (else None), and skill = 1 - mean RMSE / mean naive RMSE
    (of the same target).
    """
    rows = []
    for key, ev in evaluations:
        for r in evaluation_records(ev):
            if r["step"] == "all":
                rows.append({"series": key, "target": r["target"], "method": r["method"],
                             "windows": ev["windows"], "season": ev["season"], **{m: r[m] for m in METRICS},
                             "skill": r["skill"]})
    pooled: dict[tuple, list[dict]] = {}
    for r in rows:
        pooled.setdefault((r["target"], r["method"]), []).append(r)
    overall = []
    for (target, method), group in pooled.items():
        seasons = {r["season"] for r in group}
        row = {"series": ALL_SERIES, "target": target, "method": method,
               "windows": sum(r["windows"] for r in group),
               "season": seasons.pop() if len(seasons) == 1 else None}
        for m in METRICS:
            values = [r[m] for r in group if r[m] is not None]
            row[m] = _num(np.mean(values)) if values else None
        overall.append(row)
    naive = {r["target"]: r["rmse"] for r in overall if r["method"] == "naive"}
    for r in overall:
        r["skill"] = _skill(r["rmse"], naive.get(r["target"]))
    return rows + overall


def series_evaluation_table(records: list[dict]) -> Table:
    """The model's scores per series beside the naive RMSE, then the "ALL" row(s)."""
    n = len({r["series"] for r in records if r["series"] != ALL_SERIES})
    table = Table(title=f"rolling-origin evaluation of {n} series ({ALL_SERIES}: mean over the series)")
    for col in ("series", "target", "windows", "RMSE", "naive RMSE", "MAE", "sMAPE %", "MASE",
                "skill vs naive"):
        table.add_column(col, justify="left" if col in ("series", "target") else "right")
    naive = {(r["series"], r["target"]): r["rmse"] for r in records if r["method"] == "naive"}
    model = [r for r in records if r["method"] == "model"]
    for i, r in enumerate(model):
        if r["series"] == ALL_SERIES and i and model[i - 1]["series"] != ALL_SERIES:
            table.add_section()
        table.add_row(r["series"], r["target"], str(r["windows"]), _g(r["rmse"]),
                      _g(naive.get((r["series"], r["target"]))), _g(r["mae"]), _g(r["smape"], 3),
                      _g(r["mase"], 3), _g(r["skill"], 3))
    return table


def model_dir_tables(path: str, manifest: dict) -> list:
    """What `rnncli info DIR` shows: the run's facts, one row per series, then why some did not train."""
    facts = Table(show_header=False, title="model directory")
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    counts = manifest.get("counts", {})
    options = manifest.get("options") or {}
    read = manifest.get("read") or {}
    items = [
        ("directory", path),
        ("format", f"{manifest['format']} {manifest['format_version']}, "
                   f"written by rnncli {manifest.get('rnncli_version', '-')}"),
        ("series", f"{len(manifest['series'])}: " + ", ".join(f"{counts.get(k, 0)} {k}"
                                                             for k in ("ok", "failed", "cancelled"))
         + ("" if manifest.get("complete", True) else " (incomplete run: train again with --resume)")),
        ("id column", manifest.get("id_col") or "-"),
        ("data", manifest.get("source") or "-"),
        ("data sha256", manifest.get("data_sha256") or "-"),
        ("options", ", ".join(f"{k} {v}" for k, v in options.items()) or "-"),
        ("read", ", ".join(f"{k} {v!r}" if k == "delimiter" else f"{k} {v}" for k, v in read.items()
                           if v not in (None, [], ())) or "-"),
    ]
    for k, v in items:
        facts.add_row(k, str(v))
    series = Table(title="series")
    for col in ("id", "status", "rows", "epochs", "val RMSE", "naive RMSE", "skill vs naive"):
        series.add_column(col, justify="left" if col in ("id", "status") else "right")
    for e in manifest["series"]:
        val, naive = e.get("val_rmse") or [], e.get("naive_rmse") or []
        skill = [_skill(a, b) for a, b in zip(val, naive, strict=False)]
        series.add_row(e["id"], e["status"], _int(e.get("rows")), _int(e.get("epochs_run")),
                       ", ".join(_g(v) for v in val) or "-", ", ".join(_g(v) for v in naive) or "-",
                       ", ".join(_g(v, 3) for v in skill) or "-")
    tables = [facts, series]
    failed = [e for e in manifest["series"] if e["status"] != "ok"]
    if failed:
        errors = Table(title="not trained")
        errors.add_column("id")
        errors.add_column("error", overflow="fold")
        for e in failed:
            errors.add_row(e["id"], e.get("error") or "-")
        tables.append(errors)
    return tables


def _int(value) -> str:
    return "-" if value is None else str(value)


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
        "cell": d["network"]["cell"], "hidden": d["network"]["hidden"],
        "layers_count": d["network"]["layers"],
        "scale": d["scale"], "scale_option": d["options"]["scale"], "dtype": d["network"]["dtype"],
        "choice": d.get("choice") or {},
        "time": _time_info(d.get("time")), "data": d.get("data", {}),
        "history": {"epochs_run": len(h["train_msse"]), "best_epoch": h["best_epoch"],
                    "best_msse": _num(h["best_msse"]) if h["best_msse"] != float("inf") else None,
                    "stopped": h["stopped"] or "completed", "steps": h.get("steps"), "final_train_msse":
                        h["train_msse"][-1] if h["train_msse"] else None},
        "validation": {"rmse": d["val_rmse"], "naive_rmse": d["naive_rmse"],
                       "windows": len(d["val_residuals"])},
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


def summary_tables(s: dict) -> list:
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
    rmse = zip(val["rmse"], val["naive_rmse"], strict=True)
    items = [
        ("features", ", ".join(s["features"])), ("targets", ", ".join(s["targets"])),
        ("past / future", f"{s['past']} / {s['future']}"),
        ("scaling", s["scale"] + (" (chosen by auto)" if s["scale_option"] == "auto" else "")
         + (f", season {s['choice']['season']}" if s["choice"].get("season", 1) > 1 else "")),
        ("why", _why(s["choice"])),
        ("dtype", s["dtype"]),
        ("time column",
         f"{time.get('col')} (last {time.get('last')}, frequency {spacing})" if time else "none"),
        ("training", f"{hist['epochs_run']} epochs"
         + (f" ({hist['steps']} steps)" if hist.get("steps") else "")
         + f", best epoch {hist['best_epoch']}, {hist['stopped']}"),
        ("best validation MSSE", _g(hist["best_msse"])),
        ("validation RMSE", ", ".join(f"{_g(a)} (naive {_g(b)})" for a, b in rmse)
         + f" over {val['windows']} windows"),
        ("data", f"{s['data'].get('source', '-')} ({s['data'].get('rows', '-')} rows)"),
        ("data sha256", s["data"].get("sha256", "-")),
        ("created", s["created"] or "-"),
        ("versions", f"rnncli {s['versions']['rnncli']}, numpy {s['versions']['numpy']}, "
                     f"format {s['versions']['format']}"),
    ]
    for k, v in items:
        facts.add_row(k, str(v))
    return [layers, facts]


def _why(choice: dict) -> str:
    """The reason a scaling was chosen, and whether the network beat its baseline anchor on validation."""
    text = choice.get("reason", "-")
    w = choice.get("network_weight")
    if w == 0:
        text += "; the network did not beat that baseline on validation, so the model forecasts it"
    elif w is not None:
        text += (f"; the network corrects it with weight {w:g} (validation RMSE "
                 f"{', '.join(_g(v) for v in choice['network_rmse'])} vs "
                 f"{', '.join(_g(v) for v in choice['anchor_rmse'])})")
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


def to_json(obj) -> str:
    """JSON text with NaN/inf written as null."""
    def clean(o):
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if isinstance(o, np.ndarray):
            return clean(o.tolist())
        if isinstance(o, np.generic):
            o = o.item()
        if isinstance(o, float) and not math.isfinite(o):
            return None
        return o
    return json.dumps(clean(obj), indent=2)
