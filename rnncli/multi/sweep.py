"""Sweeps: one model per combination of a grid of options, trained through `train_many`'s parallel path
and ranked by validation RMSE."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import numpy as np

from ..errors import ConfigError
from ..io.modeldir import Result, check_options
from .parallel import run_tasks


def sweep(data, grid: Mapping, options: dict, *, n_jobs: int = 1, scheduler: str | None = None,
          connect_timeout: float = 10, worker_timeout: float = 60, chunk_size: int | None = None,
          fail_fast: bool = False,
          on_result: Callable[[Result], None] | None = None, threads="auto") -> dict:
    """Train one model per combination of `grid` ({option: [values]}) over `options`, ranked.

    Every combination of the grid's values (itertools.product, in the grid's order) goes through
    `train_many`'s parallel path, each with the same seed. Returns {"rows": [...], "best": artifact
    dict or None, "best_options": full options or None}; a row is {rank, id (e.g. "hidden=50
    lr=0.001"), options (the grid's values), status, val_rmse, naive_rmse, snaive_rmse (seasonal
    naive; means over the targets, None when a target has none),
    epochs_run, seconds, error}, ranked by validation RMSE (rank 1 is best; ties keep grid order),
    then the rows without a score (rank None). A KeyboardInterrupt ends the sweep early: the result
    then ranks the models done so far (the others "cancelled") and has "interrupted": True.
    `threads`: as for `train_many`.
    """
    if not isinstance(grid, Mapping):
        raise ConfigError(f"the sweep grid must map options to lists of values, got {type(grid).__name__}")
    axes = {}
    for name, values in grid.items():
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not values:
            raise ConfigError(f"the sweep gives no values for {name!r}")
        axes[name] = list(dict.fromkeys(values))
    tasks, combos = [], {}
    for values in itertools.product(*axes.values()):
        combo = dict(zip(axes, values, strict=True))
        params = check_options({**options, **combo})
        if params["val_frac"] == 0:
            raise ConfigError("a sweep ranks models by validation RMSE, so `val_frac` must be above 0")
        label = " ".join(f"{k}={v}" for k, v in combo.items()) or "default"
        combos[label] = (combo, params)
        tasks.append((label, data, params))
    done = {}

    def collect(result: Result) -> None:
        done[result["id"]] = result
        if on_result is not None:
            on_result(result)

    interrupted = False
    try:
        results = run_tasks(tasks, n_jobs=n_jobs, scheduler=scheduler, connect_timeout=connect_timeout,
                            worker_timeout=worker_timeout,
                            chunk_size=chunk_size, fail_fast=fail_fast, on_result=collect,
                            keep_artifacts=True, threads=threads)
    except KeyboardInterrupt:  # Ctrl-C (or a signal the caller turns into it): rank what is done
        interrupted = True
        results = [done.get(label) or {"id": label, "status": "cancelled", "val_rmse": None,
                                        "naive_rmse": None, "epochs_run": None, "seconds": None,
                                        "error": "interrupted"}
                   for label, _, _ in tasks]
    rows = []
    for r in results:
        val, naive = _mean(r["val_rmse"]), _mean(r["naive_rmse"])
        rows.append({"rank": None, "id": r["id"], "options": combos[r["id"]][0], "status": r["status"],
                     "val_rmse": val, "naive_rmse": naive, "snaive_rmse": _mean(r.get("snaive_rmse")),
                     "epochs_run": r["epochs_run"],
                     "seconds": r["seconds"], "error": r["error"]})
    scored = sorted((row for row in rows if row["val_rmse"] is not None), key=lambda row: row["val_rmse"])
    for rank, row in enumerate(scored, 1):
        row["rank"] = rank
    ranked = scored + [row for row in rows if row["rank"] is None]
    if not scored:
        return {"rows": ranked, "best": None, "best_options": None, "interrupted": interrupted}
    best = next(r for r in results if r["id"] == scored[0]["id"])
    return {"rows": ranked, "best": best["artifact"], "best_options": combos[best["id"]][1],
            "interrupted": interrupted}


def _mean(values) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(values))

