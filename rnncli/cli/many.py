"""The many-series side of the command line: model directories and sweeps.

The command modules declare every command and option. When `train` gets --id-col (or --resume
DIR), when `predict`, `evaluate` or `info` get a directory, and for `sweep`, the command calls one
function here, which reads, makes the `rnncli.multi` calls and formats the result. The conventions
are the package's: data on stdout, talk on stderr (silenced by --quiet), library errors raised for the one
boundary in `Group.invoke`, and each function returns the exit code: 0 when every series (or model)
worked, 3 when some did not (each named on stderr, or in failures.csv), 1 when none did.
"""

import itertools
import os
from datetime import datetime, timezone

import click

from ..errors import DataError, RnncliError
from ..io import csv as csvio
from ..io import modeldir
from ..io.files import check_output
from ..io.like import future_times_after, read_long_like, resume_dir_options
from ..multi import parallel as par
from ..multi import sweep as sweeps
from .inputs import READ_KEYS, read_data, tell_notes
from .options import GRID_KEYS
from .output import (
    CliError,
    err_console,
    ignoring_signals,
    interruptible,
    say,
    with_flags,
    write_records,
    write_text,
)
from .progress import SeriesProgress

DEFAULT_DIR = "models"  # train --id-col without -o
EXIT_SOME_FAILED = 3
SHOWN = 5  # failures and skipped ids listed on stderr before "... and N more"


# -- train --id-col ---------------------------------------------------------------------------------


def train_series(data, *, id_col, output, resume, fmt, quiet, parallel, options) -> int:
    """`rnncli train DATA --id-col NAME`: one model per series of a long CSV, into a model directory.

    The directory is -o (default 'models'), or --resume DIR. With --resume, the series that
    trained ok on the same data with the same options are kept, and the options and read settings
    not given on the command line are the manifest's. The directory is created when the first
    series is done, so a run that cannot start (a bad scheduler) leaves nothing behind.
    """
    from .tables import to_json

    ctx = click.get_current_context()
    given = _given(ctx)
    directory = _directory(output, "output" in given, resume)
    manifest = None
    if resume is not None and modeldir.is_model_dir(directory):
        manifest = modeldir.read_manifest(directory)
        options.update(resume_dir_options(manifest, options, given))
        id_col = id_col or manifest.get("id_col")
    if id_col is None:
        raise click.UsageError(f"'{directory}' records no id column to resume with: add --id-col NAME")
    for flag in ("past", "future"):
        if options[flag] is None:
            raise click.UsageError(f"Missing option '--{flag}' (or --resume a model directory).")
    read = {k: options.pop(k) for k in READ_KEYS}
    targets, features = options.pop("targets"), options.pop("features")
    _check_directory(directory)
    time_col = None if read["time_col"] == "none" else read["time_col"]
    table = csvio.read_long_csv(data, id_col, targets=targets, features=features,
                               **{**read, "time_col": time_col})
    read = {**read, "time_col": table.time_col or "none"}
    info = modeldir.dir_info(table, options, created=_now(),
                             read={**read, "targets": list(targets), "features": list(features)})
    console = err_console()
    keep = modeldir.already_trained(directory, table.series, options, data_sha256=table.sha256) \
        if resume is not None else {}
    if manifest is not None and manifest.get("options") != info["options"] and not quiet:
        say(f"the options differ from those '{directory}' was trained with: every series trains again",
             console)
    todo = {key: series for key, series in table.series.items() if key not in keep}
    writer = None

    def on_result(result: dict) -> None:
        nonlocal writer
        if writer is None:
            writer = modeldir.ModelDirWriter(directory, ids=table.series, info=info, keep=keep)
        writer.add(with_flags(result, "error"))  # the directory says what the command line says
        progress.on_result(result)

    signals = interruptible(raising=True)
    try:
        with signals, SeriesProgress(console, len(todo), quiet) as progress:
            results = par.train_many(todo, options, on_result=on_result, keep_artifacts=False, **parallel)
    except KeyboardInterrupt:
        with ignoring_signals():
            if writer is None:
                say("interrupted before the first series was done: nothing saved", console)
            else:
                done = sum(e["status"] == "ok" for e in writer.close()["series"])
                say(f"interrupted: {done} trained series are saved in {directory}; "
                     "train again with --resume to train the rest", console)
        return signals.exit_code
    except BaseException:
        if writer is not None:
            writer.close()
        raise
    if writer is None:  # nothing to train: every series is kept
        writer = modeldir.ModelDirWriter(directory, ids=table.series, info=info, keep=keep)
    final = writer.close()
    failures = os.path.join(directory, modeldir.FAILURES)
    counts = {status: sum(r["status"] == status for r in results) for status in modeldir.STATUSES}
    summary = {"output": directory, "series": len(table.series), "trained": counts["ok"],
               "already_trained": len(keep), "failed": counts["failed"], "cancelled": counts["cancelled"],
               "failures": failures if counts["failed"] else None}
    if not quiet:
        _print_train_summary(console, summary, results, resumed=resume is not None)
    if fmt == "json":
        click.echo(to_json(summary))
    code = par.exit_code(final["series"])
    if code == 1:
        where = f"; the reasons are in {failures}" if counts["failed"] else ""
        raise CliError(f"no series could be trained ({counts['failed']} failed, {counts['cancelled']} "
                       f"cancelled){where}")
    return code


def _print_train_summary(console, s: dict, results: list, resumed: bool) -> None:
    kept = f"{s['already_trained']} already trained, " if resumed else ""
    say(f"{s['series']} series: {s['trained']} trained, {kept}{s['failed']} failed, "
         f"{s['cancelled']} cancelled", console)
    failed = [r for r in results if r["status"] == "failed"]
    for r in failed[:SHOWN]:
        say(f"  {r['id']}: {r['error']}", console)
    if len(failed) > SHOWN:
        say(f"  ... and {len(failed) - SHOWN} more", console)
    if s["failures"]:
        say(f"the failures are listed in {s['failures']}", console)
    say(f"saved the model directory {s['output']}", console)


def _given(ctx) -> set:
    """The parameters given on the command line (or in the environment), not left at their default."""
    from click.core import ParameterSource

    return {name for name in ctx.params
            if ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)}


def _directory(output: str, output_given: bool, resume: str | None) -> str:
    """The model directory: --resume DIR, else -o, else DEFAULT_DIR."""
    if resume:
        if output_given and os.path.abspath(output) != os.path.abspath(resume):
            raise click.UsageError(f"--resume {resume} and -o {output} name different model directories; "
                                   "give one of them")
        return resume
    return output if output_given else DEFAULT_DIR


def _check_directory(path: str) -> None:
    """Fail before any work when `path` cannot become a model directory (the writer checks again)."""
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise RnncliError(f"cannot write a model directory to '{path}': it is a file; choose a directory "
                              "name")
        if os.listdir(path) and not modeldir.is_model_dir(path):
            raise RnncliError(f"'{path}' is not empty and is not an rnncli model directory; choose a new or "
                              "empty directory")
        if not os.access(path, os.W_OK):
            raise CliError(f"cannot write to the model directory '{path}': it is not writable")
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CliError(f"cannot create the model directory '{path}': directory "
                       f"'{os.path.dirname(os.path.normpath(path)) or '.'}' does not exist")
    if not os.access(parent, os.W_OK):
        raise CliError(f"cannot create the model directory '{path}': its parent directory is not writable")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# -- sweep ------------------------------------------------------------------------------------------


def sweep_models(data, *, fmt, output, quiet, parallel, options) -> int:
    """`rnncli sweep`: every combination of the comma lists, ranked by validation RMSE."""
    from .seriestables import sweep_records, sweep_table, sweep_warnings

    target = None if output is None else check_output(output, inputs={"DATA": data})
    read = {k: options.pop(k) for k in READ_KEYS}
    targets, features = options.pop("targets"), options.pop("features")
    grid = {k: list(options[k]) for k in GRID_KEYS if len(options[k]) > 1}
    options.update({k: options[k][0] for k in GRID_KEYS if k not in grid})
    for k in grid:
        del options[k]
    series = read_data(data, targets=targets, features=features, **read)
    if not quiet:
        tell_notes(series)
    n_models = len(list(itertools.product(*grid.values())))
    console = err_console()
    signals = interruptible(raising=True)
    with signals, SeriesProgress(console, n_models, quiet, noun="models") as progress:
        result = sweeps.sweep(series, grid, options, on_result=progress.on_result, **parallel)
    records = sweep_records(result["rows"])
    code = par.exit_code(result["rows"])
    interrupted = result["interrupted"]
    if interrupted and result["best"] is None:
        say("interrupted before any model was trained: nothing saved", console)
        return signals.exit_code
    if code == 1 and not interrupted:
        first = records[0]
        raise CliError(f"none of the {len(records)} models trained; {first['model']}: {first['error']}")
    if fmt == "table":
        console.print(sweep_table(records, list(grid), width=console.width))
    else:
        write_records(records, "-", fmt)
    if not quiet:
        for line in sweep_warnings(records):
            say(line, console)
    if output is not None:
        from ..io.artifact import save

        with ignoring_signals():
            save(result["best"], target)  # its provenance is the Series' (read_csv's)
        if interrupted:
            say(f"interrupted: saved the best model so far ({records[0]['model']}) to {output}", console)
        elif not quiet:
            say(f"saved the best model ({records[0]['model']}) to {output}", console)
    elif interrupted:
        say("interrupted: the ranking covers the models trained so far", console)
    return signals.exit_code if interrupted else code


# -- predict, evaluate, info on a model directory -------------------------------------------------------


def predict_series(path, data, ids, *, interval, all_windows, fmt, output, delimiter, encoding,
                   digits=None, threads="auto") -> int:
    """`rnncli predict DIR [DATA]`: long-format forecasts, the id column first.

    digits: significant digits of the numbers; default each model's (see tables.model_digits).
    """
    from ..io.csv import future_times
    from .tables import backtest_records, forecast_records, model_digits, rounded

    manifest = modeldir.read_manifest(path)
    id_col = manifest.get("id_col") or "id"
    console = err_console()
    models = _Models(path, manifest)
    records, problems = [], []
    if data is None:
        for key in _chosen(path, manifest, ids, console):
            model = models[key]
            time = model.time_ or {}
            fc = model.predict(interval=interval, threads=threads)
            times = future_times_after(model, model.future)
            rows = forecast_records(fc, times, time.get("col") or "step", time.get("style"))
            records += [{id_col: key, **r} for r in rounded(rows, digits or model_digits(model))]
    else:
        table = read_long_like(path, manifest, models.first_ok(ids), data,
                               delimiter=delimiter, encoding=encoding)
        for key in _chosen(path, manifest, ids, console, table):
            series, model = table.series[key], models[key]
            try:
                if isinstance(series, Exception):
                    raise series
                if all_windows:
                    origins, y_hat = model.backtest(series, threads=threads)
                    extra = future_times(series, model.future) if series.time is not None else None
                    targets = [model.columns_[i] for i in model.target_idx_]
                    rows = backtest_records(origins, y_hat, targets, series.time, extra, series.time_style)
                else:
                    fc = model.predict(series, interval=interval, threads=threads)
                    times = future_times(series, model.future)
                    rows = forecast_records(fc, times, series.time_col or "step", series.time_style)
            except DataError as e:
                problems.append((key, about(series, e)))
                continue
            records += [{id_col: key, **r} for r in rounded(rows, digits or model_digits(model))]
    return _finish(records, problems, "forecast", console, lambda: write_records(records, output, fmt))


def evaluate_series(path, data, ids, *, season, fmt, output, delimiter, encoding, digits=None,
                    threads="auto") -> int:
    """`rnncli evaluate DIR DATA`: scores per series and target, then the "ALL" rows.

    digits: significant digits of the csv/json numbers; default the models' (see tables.model_digits).
    """
    from ..model.baselines import default_season
    from .seriestables import series_evaluation_records, series_evaluation_table
    from .tables import model_digits, rounded, to_json

    manifest = modeldir.read_manifest(path)
    console = err_console()
    models = _Models(path, manifest)
    table = read_long_like(path, manifest, models.first_ok(ids), data,
                           delimiter=delimiter, encoding=encoding)
    evaluations, problems = [], []
    for key in _chosen(path, manifest, ids, console, table):
        series, model = table.series[key], models[key]
        try:
            if isinstance(series, Exception):
                raise series
            m = season or default_season(series.freq or (model.time_ or {}).get("freq"))
            evaluations.append((key, model.evaluate(series, season=m, threads=threads)))
        except DataError as e:
            problems.append((key, about(series, e)))
    records = series_evaluation_records(evaluations) if evaluations else []
    if fmt != "table":
        precise = [model_digits(models[key]) for key, _ in evaluations]
        records = rounded(records, digits or (7 if 7 in precise else None))

    def show():
        if fmt == "table":
            console.print(series_evaluation_table(records, width=console.width))
        elif fmt == "json":
            payload = {"series": len(evaluations), "scores": records}
            write_text(output, lambda s: s.write(to_json(payload) + "\n"))
        else:
            write_records(records, output, "csv")

    return _finish(records, problems, "scored", console, show)


def info_series(path, fmt) -> None:
    """`rnncli info DIR`: the manifest, as tables on stderr or as JSON on stdout."""
    from .seriestables import model_dir_tables
    from .tables import to_json

    manifest = modeldir.read_manifest(path)
    manifest = {**manifest, "series": [with_flags(e, "error") for e in manifest["series"]]}
    if fmt == "json":
        click.echo(to_json({"path": str(path), **manifest}))
        return
    console = err_console()
    for table in model_dir_tables(str(path), manifest, width=console.width):
        console.print(table)


class _Models(dict):
    """Series models of a directory, each loaded (alone) the first time it is asked for."""

    def __init__(self, path, manifest):
        super().__init__()
        self.path, self.manifest = path, manifest

    def __missing__(self, key):
        self[key] = modeldir.load_series(self.path, key, manifest=self.manifest)
        return self[key]

    def first_ok(self, ids):
        """A model to read DATA's columns from: the first chosen series with one."""
        ok = [e["id"] for e in self.manifest["series"] if e["status"] == "ok"]
        key = next((i for i in ids if i in ok), ok[0] if ok else None)
        if key is None:
            raise RnncliError(f"no series in '{self.path}' has a model: every one failed in training; "
                              f"see {os.path.join(str(self.path), modeldir.FAILURES)}")
        return self[key]


def _chosen(path, manifest, ids, console, table=None) -> list[str]:
    """The series to forecast or score, in order: --id's (each must have a model, and rows in DATA),
    else every series with a model (and rows in DATA); the others are named on stderr."""
    entries = {e["id"]: e for e in manifest["series"]}
    if ids:
        for key in ids:
            if entries.get(key, {}).get("status") != "ok":
                modeldir.load_series(path, key, manifest=manifest)  # raises the library's error for it
            if table is not None and key not in table.series:
                raise DataError(f"{table.source} has no rows of series {key!r} (column {table.id_col!r})")
        return list(dict.fromkeys(ids))
    wanted = list(entries) if table is None else list(table.series)
    no_model = [k for k in wanted if k in entries and entries[k]["status"] != "ok"]
    unknown = [k for k in wanted if k not in entries]
    if no_model:
        say(f"skipped {len(no_model)} series without a model (failed in training): {_some(no_model)}",
             console)
    if unknown:
        say(f"skipped {len(unknown)} series of {table.source} that '{path}' has no model for: "
             f"{_some(unknown)}", console)
    chosen = [k for k in wanted if entries.get(k, {}).get("status") == "ok"]
    if not chosen:
        where = f" of {table.source}" if table is not None else ""
        raise RnncliError(f"none of the series{where} has a model in '{path}'")
    return chosen


def about(series, error: Exception) -> str:
    """A data error about one series, naming it ("long.csv [store=a]: ...") unless it does already."""
    text = str(error)
    source = getattr(series, "source", None)
    return text if source is None or text.startswith(source) else f"{source}: {text}"


def _finish(records, problems, verb: str, console, write) -> int:
    """Write the records and name each series that could not be done: exit code 0 or 3; when none
    could be done, one error naming the first."""
    if not records:
        key, error = problems[0]
        others = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CliError(f"no series could be {verb}: series {key!r}{others}: {error}")
    for key, error in problems:
        say(f"series {key!r} could not be {verb}: {error}", console)
    write()
    return EXIT_SOME_FAILED if problems else 0


def _some(ids: list) -> str:
    return ", ".join(ids[:SHOWN]) + (f", ... ({len(ids)} in all)" if len(ids) > SHOWN else "")
