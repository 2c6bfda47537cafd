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
    """A timestamp as ISO text in the data's style (without one: date only at midnight); an int as an int;
    a time already written (a model file's forecast label, `rnncli.io.timelabels`) as it is."""
    if isinstance(t, str):
        return t
    from ..io.timecol import format_time as formatted

    return formatted(t, style)


def num(x) -> float | None:
    """x as a float for JSON, None for NaN."""
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
                row.update({m: num(pick(v)) for m, v in scores.items()})
                naive_rmse = float(pick(naive["rmse"]))
                row["skill"] = num(1.0 - row["rmse"] / naive_rmse) if naive_rmse > 0 else None
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
    rows = [[row["target"], METHOD_NAMES[row["method"]], sig(row["rmse"]), sig(row["mae"]),
             sig(row["smape"], 3), sig(row["mase"], 3), sig(row["skill"], 3)]
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
            cells += [sig(ev["per_step"][m]["rmse"][h, k]) for m in ev["per_step"]]
        rows.append(cells)
    return fitted_table("RMSE per horizon step", columns, rows, width)


def sig(x, digits: int = 4) -> str:
    """x with `digits` significant digits for a table cell; "-" for None or NaN."""
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
    return {k: dict(zip(targets, [v if isinstance(v, str) or v is None else num(v) for v in values],
                        strict=True)) for k, values in out.items()}


def beaten_warnings(c: dict, where: str = "on the validation windows") -> list[str]:
    """One warning line per target whose best baseline has a lower RMSE than the model."""
    lines = []
    for name, skill in c["skill_vs_best"].items():
        if skill is not None and skill < 0:
            base = c["best_baseline"][name]
            rmse = sig(c[base + "_rmse"][name])
            lines.append(f"warning: {where}, {BASELINE_NAMES[base]} (RMSE {rmse}) beats "
                         f"the model (RMSE {sig(c['val_rmse'][name])}) on {escape_controls(name)}")
    return lines


def _comparison_rows(c: dict, season) -> list[tuple[str, str]]:
    rows = []
    for name in c["val_rmse"]:
        best = c["best_baseline"][name]
        rows += [(f"validation RMSE {name}", sig(c["val_rmse"][name])),
                 ("  naive", sig(c["naive_rmse"][name])),
                 (f"  seasonal naive (season {season})", sig(c["seasonal_naive_rmse"][name])),
                 ("  skill vs best baseline",
                  sig(c["skill_vs_best"][name], 3) + (f" (vs {BASELINE_NAMES[best]})" if best else ""))]
    return rows


def variant_rows(variants: dict, kept: str) -> list[tuple[str, str]]:
    """`scale auto`: each variant's validation RMSE (data units) and its ratio to naive's, the rule."""
    if len(variants) < 2:
        return []
    rows = []
    for kind, v in variants.items():
        rmse = ", ".join(sig(x) for x in v["val_rmse"]) or "-"
        ratio = f"{'mean ' if len(v['val_rmse']) > 1 else ''}{sig(v['score'], 3)} x naive"
        rows.append((f"  {kind} val RMSE", f"{rmse} ({ratio})"
                     + (": kept, the lowest ratio" if kind == kept else "")))
    return rows


def choice_rows(choice: dict) -> list[tuple[str, str]]:
    """`scale auto`: each baseline's RMSE from the training windows' origins (data units), the one kept
    as the network's anchor, and the weight of the network's correction on validation."""
    tested = choice.get("baseline_rmse") or {}
    if not tested:
        return []
    kept = (("naive" if choice.get("season", 1) == 1 else f"seasonal naive (m={choice['season']})")
            + (" with drift" if choice.get("drift") else ""))
    rows = [("anchor test", "RMSE of each baseline from the training windows' origins")]
    rows += [(f"  {name}", ", ".join(sig(v) for v in rmse) + (": kept as the anchor" if name == kept else ""))
             for name, rmse in tested.items()]
    w = choice.get("network_weight")
    if w is not None:
        rows.append(("  network correction", f"weight {w:g} (validation RMSE "
                     f"{', '.join(sig(v) for v in choice.get('network_rmse', []))} vs anchor "
                     f"{', '.join(sig(v) for v in choice.get('anchor_rmse', []))})"))
    return rows


def scaling_text(s: dict) -> str:
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
    t.add_row("scaling", scaling_text(s))
    for row in [*choice_rows(s.get("choice") or {}), *variant_rows(s.get("variants", {}), s["scale"])]:
        t.add_row(*row)
    t.add_row("best validation MSSE", sig(s["best_val_msse"]))
    for row in _comparison_rows(s, s.get("season", "-")):
        t.add_row(*row)
    return t



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
