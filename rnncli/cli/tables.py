"""Results as tables: records for CSV/JSON on stdout, rich tables for people on stderr.

Every function here turns a library result into rows or a renderable; none computes anything.
rich is imported by the first table made, so commands that only write records (predict) start
without it.
"""

import functools
import json
import math
from dataclasses import dataclass

import numpy as np

from ..model.scaling import lookback
from ..text import escape_controls


@functools.cache
def _table_class():
    from rich.table import Table as RichTable

    class Table(RichTable):
        """A rich table that shows str headers and cells as written: column names may hold '[...]' (no
        markup) or control characters (shown escaped, `text.escape_controls`)."""

        def add_column(self, header="", *args, **kwargs) -> None:
            header = Text(escape_controls(header)) if isinstance(header, str) else header
            super().add_column(header, *args, **kwargs)

        def add_row(self, *cells, **kwargs) -> None:
            super().add_row(*(Text(escape_controls(c)) if isinstance(c, str) else c for c in cells), **kwargs)

    return Table


def Table(*args, **kwargs):  # named as the class it makes, for the annotations below
    """A rich Table (see `_table_class`), made with rich imported on first use."""
    return _table_class()(*args, **kwargs)


def Text(*args, **kwargs):
    """rich.text.Text, imported on first use."""
    from rich.text import Text as RichText

    return RichText(*args, **kwargs)


def model_digits(model) -> int | None:
    """Significant digits a model's numbers carry: 7 for a float32 network, None (all: repr) for float64."""
    return 7 if getattr(model, "dtype", "float64") == "float32" else None


def rounded(records: list[dict], digits: int | None) -> list[dict]:
    """The records with every float rounded to `digits` significant digits (None: unchanged)."""
    if digits is None:
        return records

    def r(v):
        return float(f"{v:.{digits}g}") if isinstance(v, float) and math.isfinite(v) else v

    return [{k: r(v) for k, v in row.items()} for row in records]


TEXT_WIDTH = 40  # a longer text cell may wrap even on a wide terminal


@dataclass
class Col:
    """A column of `fitted_table`: numbers are never wrapped or cut; `drop` orders what goes first."""

    header: str
    number: bool = True  # never folded: as wide as its widest cell; else text, folded when narrow
    drop: float | None = None  # None: always shown; else dropped (highest first) when the table is too wide
    left: bool = False  # a number column's cells aligned left (values such as a swept option's)


def fitted_table(title: str | None, columns: list[Col], rows: list[list[str]], width: int | None,
                 sections: tuple = ()) -> Table:
    """A table that fits `width` columns by dropping columns (highest `drop` first), never cutting a number.

    A number column gets a fixed width: its widest cell or its whole header when there is room,
    else its widest cell or its header's longest word (the header then wraps). So rich folds the
    text columns before it would touch a number. Columns are dropped until the number columns,
    the text columns' longest words (at most 12) and the borders fit. `sections`: row indices
    before which a line is drawn. `width` None keeps every column with its whole header.
    """
    def need(c: int, whole: bool) -> int:
        head = columns[c].header
        words = [len(head)] if whole else list(map(len, head.split()))
        if not columns[c].number:
            if whole:  # a text column on one line
                return min(TEXT_WIDTH, max([len(r[c]) for r in rows] + words))
            return max(min(12, max((len(w) for r in rows for w in r[c].split()), default=1)),
                       min(12, max(words, default=1)))
        return max([len(r[c]) for r in rows] + words, default=1)

    def total(cols, whole: bool) -> int:
        return sum(need(c, whole) for c in cols) + 3 * len(cols) + 1

    keep = list(range(len(columns)))
    while width is not None and total(keep, False) > width:
        droppable = [c for c in keep if columns[c].drop is not None]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda c: (columns[c].drop, c)))
    # text on one line and whole headers where they fit (text first, then the headers that need the
    # fewest extra columns); then the room left widens the others (rich wraps a header at its width)
    widths = {c: need(c, False) for c in keep}
    for c in sorted(keep, key=lambda c: (columns[c].number, need(c, True) - need(c, False))):
        if width is None or sum(widths.values()) - widths[c] + need(c, True) + 3 * len(keep) + 1 <= width:
            widths[c] = need(c, True)
    for c in keep:
        room = 0 if width is None else width - (sum(widths.values()) + 3 * len(keep) + 1)
        widths[c] += max(0, min(room, need(c, True) - widths[c]))
    fits = width is not None and sum(widths.values()) + 3 * len(keep) + 1 <= width
    table = Table(title=title)
    for c in keep:
        col = columns[c]
        if col.number:  # a fixed width: rich never narrows it
            table.add_column(col.header, justify="left" if col.left else "right", width=widths[c])
        else:
            # its fitted width when the table fits, so rich does not fold it while another column has room
            table.add_column(col.header, justify="left", overflow="fold", width=widths[c] if fits else None)
    for i, r in enumerate(rows):
        if i in sections:
            table.add_section()
        table.add_row(*(r[c] for c in keep))
    return table


def format_time(t, style: dict | None = None) -> str | int:
    """A timestamp as ISO text in the data's style (without one: date only at midnight); an int as an int."""
    from ..io.timecol import format_time as formatted

    return formatted(t, style)


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


# -- forecasts ------------------------------------------------------------------------------------


def forecast_records(fc, times, time_name: str, style: dict | None = None) -> list[dict]:
    """One record per future step: the time (or, without a calendar, the step number under "step"),
    each target, and its bounds."""
    rows = []
    for h in range(fc.values.shape[0]):
        row = {time_name: format_time(times[h], style)} if times is not None else {"step": h + 1}
        for k, name in enumerate(fc.targets):
            row[name] = float(fc.values[h, k])
            if fc.lower is not None:
                row[f"{name}_lower"] = float(fc.lower[h, k])
                row[f"{name}_upper"] = float(fc.upper[h, k])
        rows.append(row)
    return rows


def backtest_records(origins, y_hat, targets, times, future_times, style: dict | None = None) -> list[dict]:
    """Long format: origin (time or row), step 1..M, the step's time (or row), one column per target."""
    rows = []
    n = len(times) if times is not None else None
    for j, o in enumerate(origins):
        for h in range(y_hat.shape[1]):
            t = o + h + 1
            if times is None:
                origin, when = int(o), int(t)
            else:
                origin = format_time(times[o], style)
                when = format_time(times[t] if t < n else (future_times[t - n] if future_times is not None
                                                           else None), style)
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


def evaluation_table(ev: dict, width: int | None = None) -> Table:
    """Overall scores per target and method, then the model's RMSE per horizon step."""
    skipped = ev.get("skipped", 0)
    note = f", {skipped} filled-in target values not scored" if skipped else ""
    rule = f" ({ev['season_rule']})" if ev.get("season_rule") else ""
    columns = [Col("target", False), Col("method", False), Col("RMSE"), Col("MAE", drop=3),
               Col("sMAPE %", drop=2), Col("MASE", drop=1), Col("skill vs naive")]
    rows = [[row["target"], METHOD_NAMES[row["method"]], _g(row["rmse"]), _g(row["mae"]), _g(row["smape"], 3),
             _g(row["mase"], 3), _g(row["skill"], 3)]
            for row in evaluation_records(ev) if row["step"] == "all"]
    title = f"rolling-origin evaluation: {ev['windows']} windows, season {ev['season']}{rule}{note}"
    return fitted_table(title, columns, rows, width)


def horizon_table(ev: dict, width: int | None = None) -> Table:
    """RMSE per horizon step for each method and target (the later targets' columns go first when narrow)."""
    columns = [Col("step")]
    for k, target in enumerate(ev["targets"]):
        columns += [Col(f"{target} {METHOD_NAMES[m]}", drop=None if k == 0 else k) for m in ev["per_step"]]
    n_steps = next(iter(ev["per_step"].values()))["rmse"].shape[0]
    rows = []
    for h in range(n_steps):
        cells = [str(h + 1)]
        for k in range(len(ev["targets"])):
            cells += [_g(ev["per_step"][m]["rmse"][h, k]) for m in ev["per_step"]]
        rows.append(cells)
    return fitted_table("RMSE per horizon step", columns, rows, width)


def _g(x, digits: int = 4) -> str:
    if x is None or (isinstance(x, (float, np.floating)) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


# -- training -------------------------------------------------------------------------------------


BASELINE_NAMES = {"naive": "naive", "seasonal_naive": "seasonal naive"}


def baseline_comparison(targets, val_rmse, naive_rmse, snaive_rmse) -> dict:
    """Per target: the model's validation RMSE, the baselines', the best baseline and the skill against it.

    Returns {"val_rmse", "naive_rmse", "seasonal_naive_rmse", "skill_vs_best", "best_baseline"},
    each {target: value} (None for a missing score), as the training summary's JSON holds them.
    """
    from ..model.metrics import skill_vs_best

    snaive = [math.nan if v is None else v for v in snaive_rmse]
    naive = [math.nan if v is None else v for v in naive_rmse]
    skill, best = skill_vs_best([math.nan if v is None else v for v in val_rmse],
                                {"naive": naive, "seasonal_naive": snaive})
    out = {"val_rmse": val_rmse, "naive_rmse": naive, "seasonal_naive_rmse": snaive, "skill_vs_best": skill,
           "best_baseline": best}
    return {k: dict(zip(targets, [v if isinstance(v, str) or v is None else _num(v) for v in values],
                        strict=True)) for k, values in out.items()}


def beaten_warnings(c: dict, where: str = "on the validation windows") -> list[str]:
    """One warning line per target whose best baseline has a lower RMSE than the model."""
    lines = []
    for name, skill in c["skill_vs_best"].items():
        if skill is not None and skill < 0:
            base = c["best_baseline"][name]
            rmse = _g(c[base + "_rmse"][name])
            lines.append(f"warning: {where}, {BASELINE_NAMES[base]} (RMSE {rmse}) beats "
                         f"the model (RMSE {_g(c['val_rmse'][name])}) on {escape_controls(name)}")
    return lines


def _comparison_rows(c: dict, season) -> list[tuple[str, str]]:
    rows = []
    for name in c["val_rmse"]:
        best = c["best_baseline"][name]
        rows += [(f"validation RMSE {name}", _g(c["val_rmse"][name])),
                 ("  naive", _g(c["naive_rmse"][name])),
                 (f"  seasonal naive (season {season})", _g(c["seasonal_naive_rmse"][name])),
                 ("  skill vs best baseline",
                  _g(c["skill_vs_best"][name], 3) + (f" (vs {BASELINE_NAMES[best]})" if best else ""))]
    return rows


def _variant_rows(variants: dict, kept: str) -> list[tuple[str, str]]:
    """`scale auto`: each variant's validation RMSE (data units) and its ratio to naive's, the rule."""
    if len(variants) < 2:
        return []
    rows = []
    for kind, v in variants.items():
        rmse = ", ".join(_g(x) for x in v["val_rmse"]) or "-"
        ratio = f"{'mean ' if len(v['val_rmse']) > 1 else ''}{_g(v['score'], 3)} x naive"
        rows.append((f"  {kind} val RMSE", f"{rmse} ({ratio})"
                     + (": kept, the lowest ratio" if kind == kept else "")))
    return rows


def _choice_rows(choice: dict) -> list[tuple[str, str]]:
    """`scale auto`: each baseline's RMSE from the training windows' origins (data units), the one kept
    as the network's anchor, and the weight of the network's correction on validation."""
    tested = choice.get("baseline_rmse") or {}
    if not tested:
        return []
    kept = (("naive" if choice.get("season", 1) == 1 else f"seasonal naive (m={choice['season']})")
            + (" with drift" if choice.get("drift") else ""))
    rows = [("anchor test", "RMSE of each baseline from the training windows' origins")]
    rows += [(f"  {name}", ", ".join(_g(v) for v in rmse) + (": kept as the anchor" if name == kept else ""))
             for name, rmse in tested.items()]
    w = choice.get("network_weight")
    if w is not None:
        rows.append(("  network correction", f"weight {w:g} (validation RMSE "
                     f"{', '.join(_g(v) for v in choice.get('network_rmse', []))} vs anchor "
                     f"{', '.join(_g(v) for v in choice.get('anchor_rmse', []))})"))
    return rows


def _history_text(s: dict) -> str:
    why = f" (--past {s['past']} + 1: diff models differences)" if s["history_needed"] > s["past"] else ""
    return f"{s['history_needed']} rows{why}"


def _scaling_text(s: dict) -> str:
    choice = s.get("choice") or {}
    return (s["scale"] + (" (chosen by auto)" if s.get("scale_option") == "auto" else "")
            + (f", season {choice['season']}" if choice.get("season", 1) > 1 else ""))


def train_summary_table(s: dict) -> Table:
    """The end-of-training summary: parameters, epochs, scaling (and why), validation RMSE and baselines'."""
    t = Table(title="training summary", show_header=False)
    t.add_column(style="bold", overflow="fold")
    t.add_column(overflow="fold")
    t.add_row("parameters", f"{s['params']:,}")
    t.add_row("epochs run", f"{s['epochs_run']} ({s['stopped']}, best epoch {s['best_epoch']})")
    t.add_row("scaling", _scaling_text(s))
    for row in [*_choice_rows(s.get("choice") or {}), *_variant_rows(s.get("variants", {}), s["scale"])]:
        t.add_row(*row)
    t.add_row("best validation MSSE", _g(s["best_val_msse"]))
    for row in _comparison_rows(s, s.get("season", "-")):
        t.add_row(*row)
    return t


# -- many series: sweeps, per-series scores, model directories ------------------------------------

ALL_SERIES = "ALL"  # the `series` of the rows that pool every series in `series_evaluation_records`


def _skill(rmse, naive_rmse) -> float | None:
    """1 - RMSE / RMSE_naive, or None when either is missing or the naive RMSE is 0."""
    if rmse is None or naive_rmse is None or not naive_rmse > 0:
        return None
    return _num(1.0 - rmse / naive_rmse)


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
                        "skill": _skill(r["val_rmse"], r["naive_rmse"]), "skill_vs_best": _num(best),
                        "epochs_run": r["epochs_run"],
                        "seconds": None if r["seconds"] is None else round(float(r["seconds"]), 3),
                        "status": r["status"], "error": r["error"]})
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
                     _g(r["val_rmse"]), _g(r["naive_rmse"]), _g(r.get("seasonal_naive_rmse")),
                     _g(r.get("skill_vs_best"), 3), "-" if r["epochs_run"] is None else str(r["epochs_run"]),
                     _g(r["seconds"], 3), status])
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
                f" skill vs best baseline {_g(scored[0]['skill_vs_best'], 3)})"]
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
            row[m] = _num(np.mean(values)) if values else None
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
        rows.append([r["series"], r["target"], str(r["windows"]), _g(r["rmse"]),
                     _g(naive.get((r["series"], r["target"]))), _g(r["mae"]), _g(r["smape"], 3),
                     _g(r["mase"], 3), _g(r["skill"], 3)])
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
    columns = [Col("id", False), Col("status", False), Col("rows", drop=2), Col("epochs", drop=1),
               Col("val RMSE", False), Col("naive RMSE", False, drop=3), Col("skill vs naive", False)]
    rows = []
    for e in manifest["series"]:
        val, naive = e.get("val_rmse") or [], e.get("naive_rmse") or []
        skill = [_skill(a, b) for a, b in zip(val, naive, strict=False)]
        rows.append([e["id"], e["status"], _int(e.get("rows")), _int(e.get("epochs_run")),
                     ", ".join(_g(v) for v in val) or "-", ", ".join(_g(v) for v in naive) or "-",
                     ", ".join(_g(v, 3) for v in skill) or "-"])
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
        "choice": d.get("choice") or {},
        "time": _time_info(d.get("time")), "data": d.get("data", {}),
        "history": {"epochs_run": len(h["train_msse"]), "best_epoch": h["best_epoch"],
                    "best_msse": _num(h["best_msse"]) if h["best_msse"] != float("inf") else None,
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
        ("scaling", _scaling_text(s)),
        ("history needed", _history_text(s)),
        ("why", _why(s["choice"])),
        *_choice_rows(s["choice"]),
        *_variant_rows(val["variants"], s["scale"]),
        *([("  not trained yet", ", ".join(val["variants_pending"]) + " (train again with --resume)")]
          if val["variants_pending"] else []),
        ("dtype", s["dtype"]),
        ("time column",
         f"{time.get('col')} (last {time.get('last')}, frequency {spacing})" if time else "none"),
        ("training", f"{hist['epochs_run']} epochs"
         + (f" ({hist['steps']} steps)" if hist.get("steps") else "")
         + f", best epoch {hist['best_epoch']}, {hist['stopped']}"),
        ("best validation MSSE", _g(hist["best_msse"])),
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
    rows = [[name, _g(c["val_rmse"][name]), _g(c["naive_rmse"][name]), _g(c["seasonal_naive_rmse"][name]),
             _g(c["skill_vs_best"][name], 3), BASELINE_NAMES.get(c["best_baseline"][name], "-")]
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
