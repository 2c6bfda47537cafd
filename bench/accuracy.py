"""Accuracy and CPU cost of rnncli's defaults on the development series, against baselines.

For every series: train on the first 80 % of the rows, then forecast from every origin of the last
20 % (`rnncli predict --all-windows` semantics: the origin is the last observed row, the whole series
before it is history, the horizon is `future`), and score every forecast whose horizon is known.
Methods, all scored on exactly the same origins:

  rnncli           Forecaster(past, future) with its defaults (plus any --option), seed 0
  naive            the last observed value
  seasonal_naive   the value one season before (the season below)
  AutoETS, AutoARIMA, AutoTheta   statsforecast, when it is importable (pip install 'rnncli[bench]'):
                   fitted once on the training rows, applied from every origin without refitting
                   (cross_validation(refit=False))

It prints RMSE (data units), MASE (scale: mean |y(t) - y(t - season)| over the training rows) and CPU
seconds (time.process_time of the fit, plus children's), then the win counts the issue's targets
are read on: rnncli beats the best naive method; rnncli within 5 % of the best statsforecast model.

    python bench/accuracy.py                          # every series, 1 BLAS thread
    python bench/accuracy.py --series airline,lynx --option scale=diff --json out.json
    python bench/accuracy.py --no-stats               # skip statsforecast even when installed

Absolute CPU seconds depend on the machine and its load; run it on a quiet machine, one process.
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

# the shared data folder beside the repository (../shared/data), or $RNNCLI_DATA
DATA = Path(os.environ.get("RNNCLI_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))

# name: file, read_csv options, past, future, season (seasonal naive, MASE), season for statsforecast.
# Per-series choices: past about two seasons (less where a season is long), future a season or less.
SERIES = {
    "airline": ("airline.csv", {}, 24, 12, 12, 12),
    "sunspots": ("sunspots.csv", {}, 22, 11, 11, 11),
    # forecast temp_max from four weather columns; seasonal naive = the same day a year before;
    # the statsforecast models see temp_max alone, without a (meaningless weekly) season
    "seattle_weather": ("seattle_weather.csv",
                        {"targets": "temp_max",
                         "features": ["temp_max", "temp_min", "precipitation", "wind"]},
                        14, 7, 365, 1),
    # ozone from ozone, solar radiation, wind and temperature; real gaps filled by interpolation
    "airquality": ("airquality.csv",
                   {"targets": "ozone", "features": ["ozone", "solar_r", "wind", "temp"],
                    "fill": "interpolate"},
                   14, 7, 7, 7),
    # the last quarter is missing: dropped
    "ausbeer_quarterly": ("dev/ausbeer_quarterly.csv", {"fill": "drop"}, 8, 4, 4, 4),
    "austres_quarterly": ("dev/austres_quarterly.csv", {}, 8, 4, 4, 4),
    "danish_money_quarterly": ("dev/danish_money_quarterly.csv",
                               {"targets": "lrm", "features": ["lrm", "lry", "lpy", "ibo", "ide"]},
                               8, 4, 4, 4),
    "heartrate": ("dev/heartrate.csv", {"time_col": "none"}, 10, 5, 1, 1),
    # inflation Dp from inflation and the interest rate R
    "interest_inflation_quarterly": ("dev/interest_inflation_quarterly.csv",
                                     {"targets": "Dp", "features": ["Dp", "R"]}, 8, 4, 4, 4),
    "lynx_yearly": ("dev/lynx_yearly.csv", {}, 20, 10, 10, 10),
    # an ~11-year (132-month) cycle: past is 4 years, not two cycles, to keep training affordable;
    # no seasonal statsforecast model at m = 132 (AutoARIMA's search would take hours)
    "sunspots_monthly": ("dev/sunspots_monthly.csv", {}, 48, 12, 132, 1),
    "woolyrnq_quarterly": ("dev/woolyrnq_quarterly.csv", {}, 8, 4, 4, 4),
}
STATS = ("AutoETS", "AutoARIMA", "AutoTheta")
TRAIN_FRAC = 0.8


def cpu_seconds() -> float:
    """CPU seconds of this process and its waited-for children."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def parse_option(text: str):
    key, _, raw = text.partition("=")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.replace("-", "_"), value


def load(name):
    from rnncli import read_csv

    file, opts, past, future, season, stats_season = SERIES[name]
    series = read_csv(DATA / file, **opts)
    return series, past, future, season, stats_season


def run_rnncli(series, n_train, past, future, options):
    """Fit on the first n_train rows; forecasts from every origin of the whole series."""
    from dataclasses import replace

    from rnncli.model.forecaster import Forecaster

    train = replace(series, values=series.values[:n_train],
                    time=None if series.time is None else series.time[:n_train])
    t0 = cpu_seconds()
    model = Forecaster(past, future, **options).fit(train)
    cpu = cpu_seconds() - t0
    origins, y_hat = model.backtest(series.values)
    h = model.history_
    info = {"scale": model.scale_, "epochs": h.epochs_run, "best_epoch": h.best_epoch}
    choice = getattr(model, "choice_", {})
    for key in ("season", "drift", "network_weight"):
        if key in choice:
            info[key] = choice[key]
    if hasattr(h, "steps"):
        info["steps"] = h.steps
    return origins, y_hat[:, :, 0], cpu, info


def run_stats(y, n_train, future, season, n_origins):
    """statsforecast models fitted on y[:n_train], forecasts (n_origins, future) from origins n_train-1 .."""
    import numpy as np
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast import models as sfm

    df = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(y)), "y": y})
    out = {}
    for name in STATS:
        model = getattr(sfm, name)(season_length=season)
        sf = StatsForecast(models=[model], freq=1, n_jobs=1)
        t0 = cpu_seconds()
        try:
            cv = sf.cross_validation(df=df, h=future, n_windows=n_origins, step_size=1, refit=False)
        except Exception as e:  # a model that cannot fit this series is reported, not fatal
            out[name] = (None, cpu_seconds() - t0, f"{type(e).__name__}: {e}"[:80])
            continue
        cpu = cpu_seconds() - t0
        cv = cv.sort_values(["cutoff", "ds"])
        fc = cv[name].to_numpy().reshape(n_origins, future)
        cutoffs = np.unique(cv["cutoff"].to_numpy())
        if cutoffs[0] != n_train - 1 or len(cutoffs) != n_origins:
            raise SystemExit(f"statsforecast's origins {cutoffs[:3]}... are not rnncli's")
        out[name] = (fc, cpu, "")
    return out


def warm_up_stats():
    """Compile statsforecast's numba kernels once, so no series pays the JIT in its CPU seconds."""
    import numpy as np

    y = 10 + np.sin(np.arange(60) * 2 * math.pi / 4) + np.random.default_rng(0).normal(size=60)
    run_stats(y, 50, 2, 4, 9)


def bench_series(name, options, use_stats):
    import numpy as np

    from rnncli.model import baselines, metrics

    series, past, future, season, stats_season = load(name)
    values = series.values
    n = len(values)
    n_train = int(n * TRAIN_FRAC)
    tidx = series.columns.index(series.targets[0])
    y = values[:, tidx]
    origins_all, y_model, cpu, info = run_rnncli(series, n_train, past, future, options)
    origins = np.arange(n_train - 1, n - future)  # every origin of the last 20 % with a known horizon
    keep = np.isin(origins_all, origins)
    if keep.sum() != len(origins):
        raise SystemExit(f"{name}: rnncli forecast from {keep.sum()} of the {len(origins)} origins")
    actual = y[origins[:, None] + np.arange(1, future + 1)[None, :]]
    forecasts = {"rnncli": y_model[keep],
                 "naive": baselines.naive(y[:, None], origins, future)[:, :, 0],
                 "seasonal_naive": baselines.seasonal_naive(y[:, None], origins, future, season)[:, :, 0]}
    cpus = {"rnncli": cpu, "naive": 0.0, "seasonal_naive": 0.0}
    notes = {"rnncli": " ".join(f"{k}={v}" for k, v in info.items())}
    if use_stats:
        for k, (fc, c, note) in run_stats(y, n_train, future, stats_season, len(origins)).items():
            cpus[k] = c
            if fc is None:
                notes[k] = note
            else:
                forecasts[k] = fc
    scale = metrics.mase_scale(y[:n_train, None], season)[0]
    rows = {}
    for k, f in forecasts.items():
        rmse = float(np.sqrt(np.mean((f - actual) ** 2)))
        mase = float(np.mean(np.abs(f - actual)) / scale) if scale > 0 else float("nan")
        rows[k] = {"rmse": rmse, "mase": mase, "cpu": cpus[k], "note": notes.get(k, "")}
    for k in cpus:
        if k not in rows:
            rows[k] = {"rmse": float("nan"), "mase": float("nan"), "cpu": cpus[k], "note": notes.get(k, "")}
    return {"series": name, "rows": n, "train_rows": n_train, "origins": len(origins), "past": past,
            "future": future, "season": season, "methods": rows}


def summarise(results, use_stats):
    print()
    print(f"{'series':30s} {'rnncli':>9s} {'best naive':>10s} {'ratio':>6s}"
          + (f" {'best stats':>10s} {'ratio':>6s}" if use_stats else "") + f" {'CPU-s':>6s}")
    beats_naive = within_stats = best_all = 0
    cpus = []
    for r in results:
        m = r["methods"]
        ours = m["rnncli"]["rmse"]
        naive = min(m["naive"]["rmse"], m["seasonal_naive"]["rmse"])
        cpus.append(m["rnncli"]["cpu"])
        line = f"{r['series']:30s} {ours:9.4g} {naive:10.4g} {ours / naive:6.3f}"
        beats_naive += ours < naive
        if use_stats:
            stats = [m[k]["rmse"] for k in STATS if k in m and math.isfinite(m[k]["rmse"])]
            best = min(stats) if stats else float("nan")
            within_stats += ours <= 1.05 * best
            line += f" {best:10.4g} {ours / best:6.3f}"
        allr = [v["rmse"] for v in m.values() if math.isfinite(v["rmse"])]
        best_all += ours <= min(allr)
        print(line + f" {m['rnncli']['cpu']:6.1f}")
    cpus.sort()
    median = cpus[len(cpus) // 2] if len(cpus) % 2 else (cpus[len(cpus) // 2 - 1] + cpus[len(cpus) // 2]) / 2
    n = len(results)
    print(f"\nrnncli beats the best naive method on {beats_naive}/{n}")
    if use_stats:
        print(f"rnncli within 5 % of the best statsforecast model (or better) on {within_stats}/{n}")
    print(f"rnncli best of all methods on {best_all}/{n}")
    print(f"rnncli train CPU-s: median {median:.1f}, max {max(cpus):.1f}, total {sum(cpus):.1f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--series", default=",".join(SERIES), help="comma-separated names (default: all)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a Forecaster option for rnncli, e.g. scale=diff or epochs=50 (repeatable)")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    p.add_argument("--no-stats", action="store_true", help="skip statsforecast even when installed")
    p.add_argument("--json", help="also write the results to this JSON file")
    args = p.parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy is imported
    names = args.series.split(",")
    unknown = [s for s in names if s not in SERIES]
    if unknown:
        p.error(f"unknown series {', '.join(unknown)}; choose from {', '.join(SERIES)}")
    options = dict(parse_option(o) for o in args.option)
    use_stats = not args.no_stats
    if use_stats:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            use_stats = False
            print("statsforecast is not installed: baselines only (pip install 'rnncli[bench]')",
                  file=sys.stderr)
    if use_stats:
        warm_up_stats()
    print(f"options: {options or 'defaults'}; BLAS threads {args.threads}; load {os.getloadavg()[0]:.2f}")
    results = []
    for name in names:
        r = bench_series(name, options, use_stats)
        results.append(r)
        print(f"\n{name}: {r['rows']} rows, train {r['train_rows']}, {r['origins']} origins, "
              f"past {r['past']}, future {r['future']}, season {r['season']}")
        for k, v in r["methods"].items():
            print(f"  {k:15s} RMSE {v['rmse']:10.4g}  MASE {v['mase']:7.3f}  CPU-s {v['cpu']:7.2f}  "
                  f"{v['note']}")
        sys.stdout.flush()
    summarise(results, use_stats)
    if args.json:
        Path(args.json).write_text(json.dumps({"options": options, "results": results}, indent=1))


if __name__ == "__main__":
    main()
