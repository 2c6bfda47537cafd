"""Many-series results as records and tables: sweeps, per-series scores and model directories."""

import math

import numpy as np

from .output import with_flags
from .tables import Col, Table, evaluation_records, fitted_table, num, sig

# -- many series: sweeps, per-series scores, model directories ------------------------------------

ALL_SERIES = "ALL"  # the `series` of the rows that pool every series in `series_evaluation_records`


def _skill(rmse, naive_rmse) -> float | None:
    """1 - RMSE / RMSE_naive, or None when either is missing or the naive RMSE is 0."""
    if rmse is None or naive_rmse is None or not naive_rmse > 0:
        return None
    return num(1.0 - rmse / naive_rmse)


def sweep_records(rows: list[dict]) -> list[dict]:
    """One record per model of `many.sweep`, best first: rank, model, the grid's options, scores, status.

    skill is against naive; skill_vs_best against the better of naive and seasonal naive.
    """
    from ..model.metrics import skill_vs_best

    records = []
    for r in rows:
        snaive = r.get("snaive_rmse")
        best = skill_vs_best([_nan(r["val_rmse"])], {"naive": [_nan(r["naive_rmse"])],
                                                      "seasonal_naive": [_nan(snaive)]})[0][0]
        records.append({"rank": r["rank"], "model": r["id"], **r["options"], "val_rmse": r["val_rmse"],
                        "naive_rmse": r["naive_rmse"], "seasonal_naive_rmse": snaive,
                        "skill": _skill(r["val_rmse"], r["naive_rmse"]), "skill_vs_best": num(best),
                        "epochs_run": r["epochs_run"],
                        "seconds": None if r["seconds"] is None else round(float(r["seconds"]), 3),
                        **with_flags({"status": r["status"], "error": r["error"]}, "error")})
    return records


def _nan(x) -> float:
    return math.nan if x is None else float(x)


def sweep_table(records: list[dict], options: list[str] | None = None, width: int | None = None) -> Table:
    """The ranking: one column per swept option (values in full), validation RMSE beside both baselines'.

    `options` are the swept options' names (default: read from the records). When the table is
    wider than `width`, seconds, epochs, the status (when every model trained), the rank (the
    rows are in rank order), naive's and seasonal naive's RMSE go, in that order.
    """
    options = options if options is not None else _swept(records)
    all_ok = all(r["status"] == "ok" for r in records)
    columns = [Col("rank", drop=3.5), *(Col(o.replace("_", " "), left=True) for o in options),
               Col("val RMSE"), Col("naive RMSE", drop=3), Col("seasonal naive RMSE", drop=2),
               Col("skill vs best"), Col("epochs", drop=5), Col("seconds", drop=6),
               Col("status", number=False, drop=4 if all_ok else 1)]
    rows = []
    for r in records:
        status = r["status"] if r["error"] is None else f"{r['status']}: {r['error']}"
        rows.append(["-" if r["rank"] is None else str(r["rank"]), *(_option(r[o]) for o in options),
                     sig(r["val_rmse"]), sig(r["naive_rmse"]), sig(r.get("seasonal_naive_rmse")),
                     sig(r.get("skill_vs_best"), 3), "-" if r["epochs_run"] is None else str(r["epochs_run"]),
                     sig(r["seconds"], 3), status])
    return fitted_table(f"sweep: {len(records)} models ranked by validation RMSE (mean over targets)",
                        columns, rows, width)


SWEEP_FIELDS = ("rank", "model", "val_rmse", "naive_rmse", "seasonal_naive_rmse", "skill", "skill_vs_best",
                "epochs_run", "seconds", "status", "error")


def _swept(records: list[dict]) -> list[str]:
    return [k for k in (records[0] if records else {}) if k not in SWEEP_FIELDS]


def _option(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_warnings(records: list[dict]) -> list[str]:
    """A warning when a baseline beats the best model, or how many models it beats."""
    scored = [r for r in records if r.get("skill_vs_best") is not None]
    beaten = [r for r in scored if r["skill_vs_best"] < 0]
    if not beaten:
        return []
    if beaten[0] is scored[0]:
        return [f"warning: a baseline beats every model on the validation windows (best model "
                f"{scored[0]['model']}:"
                f" skill vs best baseline {sig(scored[0]['skill_vs_best'], 3)})"]
    return [f"warning: a baseline beats {len(beaten)} of the {len(scored)} models on the validation windows"]


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
            row[m] = num(np.mean(values)) if values else None
        overall.append(row)
    naive = {r["target"]: r["rmse"] for r in overall if r["method"] == "naive"}
    for r in overall:
        r["skill"] = _skill(r["rmse"], naive.get(r["target"]))
    return rows + overall


def series_evaluation_table(records: list[dict], width: int | None = None) -> Table:
    """The model's scores per series beside the naive RMSE, then the "ALL" row(s)."""
    n = len({r["series"] for r in records if r["series"] != ALL_SERIES})
    columns = [Col("series", False), Col("target", False), Col("windows", drop=5), Col("RMSE"),
               Col("naive RMSE", drop=1), Col("MAE", drop=4), Col("sMAPE %", drop=3), Col("MASE", drop=2),
               Col("skill vs naive")]
    naive = {(r["series"], r["target"]): r["rmse"] for r in records if r["method"] == "naive"}
    model = [r for r in records if r["method"] == "model"]
    rows, sections = [], []
    for i, r in enumerate(model):
        if r["series"] == ALL_SERIES and i and model[i - 1]["series"] != ALL_SERIES:
            sections.append(i)
        rows.append([r["series"], r["target"], str(r["windows"]), sig(r["rmse"]),
                     sig(naive.get((r["series"], r["target"]))), sig(r["mae"]), sig(r["smape"], 3),
                     sig(r["mase"], 3), sig(r["skill"], 3)])
    return fitted_table(f"rolling-origin evaluation of {n} series ({ALL_SERIES}: mean over the series)",
                        columns, rows, width, sections=tuple(sections))


def model_dir_tables(path: str, manifest: dict, width: int | None = None) -> list:
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
    from ..model.metrics import skill_vs_best

    columns = [Col("id", False), Col("status", False), Col("rows", drop=2), Col("epochs", drop=1),
               Col("val RMSE", False), Col("naive RMSE", False, drop=4),
               Col("seasonal naive RMSE", False, drop=3), Col("skill vs best baseline", False)]
    rows = []
    for e in manifest["series"]:
        val, naive = e.get("val_rmse") or [], e.get("naive_rmse") or []
        snaive = e.get("snaive_rmse") or [None] * len(naive)  # a manifest from before: naive only
        skill = [skill_vs_best([_nan(a)], {"naive": [_nan(b)], "seasonal_naive": [_nan(c)]})[0][0]
                 for a, b, c in zip(val, naive, snaive, strict=False)]
        rows.append([e["id"], e["status"], _int(e.get("rows")), _int(e.get("epochs_run")),
                     ", ".join(sig(v) for v in val) or "-", ", ".join(sig(v) for v in naive) or "-",
                     ", ".join(sig(v) for v in snaive if v is not None) or "-",
                     ", ".join(sig(num(v), 3) for v in skill) or "-"])
    series = fitted_table("series", columns, rows, width)
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
