"""The rnncli command line: thin commands over the Python API.

Each command parses options, makes one library call, and formats the result: data (CSV,
JSON) on stdout, tables and progress on stderr. Library errors become one `Error:` line and
an exit code (1 bad data or runtime, 2 usage) at a single boundary, `Group.invoke`.
Heavy libraries are imported inside the commands so `--help` stays fast.

Many series (`train --id-col`, `sweep`, and `predict`/`evaluate`/`info` on a model directory)
are declared here and carried out in `cli_many.py`; their exit code is 0 when every series
worked, 3 when some failed, 1 when none did.
"""

import contextlib
import csv
import os
import signal
import sys

import click

from . import __version__
from .errors import RnncliError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_INTERRUPTED = 130


class CliError(click.ClickException):
    """One `Error: ...` line on stderr with the library error's exit code.

    Line breaks inside the message (a column name may hold one) are shown escaped, as \\n.
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))
        self.exit_code = exit_code


class Group(click.Group):
    """The error boundary: library errors and surprises become one line unless --debug is on."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise
        except RnncliError as e:
            if _debug(ctx):
                raise
            raise CliError(str(e), e.exit_code) from None
        except Exception as e:
            if _debug(ctx):
                raise
            first = (str(e).splitlines() or [""])[0]
            raise CliError(f"unexpected {type(e).__name__}: {first} (rerun with --debug for the traceback)") \
                from None


def _debug(ctx) -> bool:
    return bool((ctx.obj or {}).get("debug")) or os.environ.get("RNNCLI_DEBUG") == "1"


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="rnncli")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx, debug):
    """Neural time-series forecasts from a CSV file: a NumPy LSTM/RNN you train, save and query.

    \b
    rnncli window sample_data/airline.csv --past 12 --future 6
    rnncli train sample_data/airline.csv --past 12 --future 6 -o airline.joblib
    rnncli predict airline.joblib
    rnncli evaluate airline.joblib sample_data/airline.csv
    rnncli info airline.joblib
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --hidden 50,150 --lr 0.001,0.01
    """
    ctx.obj = {"debug": debug}


# -- shared option groups -----------------------------------------------------------------------


def read_options(f):
    """--delimiter and --encoding: how the CSV's bytes are read."""
    f = click.option("--encoding", default="utf-8", show_default=True, metavar="NAME",
                     help="Text encoding of DATA (e.g. latin-1).")(f)
    f = click.option("--delimiter", default=",", show_default=True, metavar="CHAR",
                     help="Field separator of DATA (e.g. ';' or tab).")(f)
    return f


def column_options(f):
    """Which columns are time, targets and features, and how gaps and resolution are handled."""
    f = read_options(f)
    f = click.option("--smooth", type=int, default=None, metavar="N",
                     help="Trailing moving average over N rows before windowing.")(f)
    f = click.option("--resample", default=None, metavar="RULE",
                     help="Resample to a pandas offset alias (MS, W, D, h...), mean of each period.")(f)
    f = click.option("--fill", type=click.Choice(["error", "ffill", "interpolate", "drop"]), default="error",
                     show_default=True, help="What to do with missing values.")(f)
    f = click.option("--features", "features", multiple=True, metavar="NAME",
                     help="Input column (repeatable). Default: the targets.")(f)
    f = click.option("--target", "targets", multiple=True, metavar="NAME",
                     help="Column to forecast (repeatable). Default: the only numeric column.")(f)
    f = click.option("--time-col", default="auto", show_default=True, metavar="NAME",
                     help="Timestamp column; 'auto' detects it, 'none' turns it off.")(f)
    return f


def output_option(f):
    return click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
                        help="Where to write the result ('-' is stdout).")(f)


def id_option(f):
    return click.option("--id", "ids", multiple=True, metavar="VALUE",
                        help="With a model directory: only this series (repeatable). Default: all.")(f)


def _positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be at least 1, got {value}")
    return value


def _nonnegative(ctx, param, value):
    if value is not None and value < 0:
        raise click.BadParameter(f"must be at least 0, got {value}")
    return value


SCHEDULER_ENV = "RNNCLI_SCHEDULER"
SCALINGS = ["auto", "minmax", "standard", "window", "diff", "level", "seasonal", "none"]
MANY_FLAGS = {"n_jobs": "-j/--n-jobs", "scheduler": "--scheduler", "connect_timeout": "--connect-timeout",
              "chunk_size": "--chunk-size", "fail_fast": "--fail-fast"}


def parallel_options(f):
    """Where many models train: -j local processes or --scheduler a Dask cluster, chunking, --fail-fast."""
    f = click.option("--fail-fast", is_flag=True,
                     help="Stop at the first failure; the models not yet trained are cancelled.")(f)
    f = click.option("--chunk-size", type=int, default=None, callback=_positive, metavar="N",
                     help="Models per task. Default: about a second of work per Dask task; joblib's "
                          "automatic batching for -j.")(f)
    f = click.option("--connect-timeout", type=float, default=10, show_default=True, metavar="SECONDS",
                     help="How long to wait for the Dask scheduler, a worker and a test task.")(f)
    f = click.option("--scheduler", envvar=SCHEDULER_ENV, default=None, metavar="ADDRESS",
                     help=f"Train on a Dask cluster (tcp://host:8786; needs the 'dask' extra). Default: "
                          f"${SCHEDULER_ENV}, which an explicit -j overrides.")(f)
    f = click.option("-j", "--n-jobs", type=int, default=1, show_default=True, metavar="N",
                     help="Local processes (-1 = all cores); each runs single-threaded BLAS.")(f)
    return f


def _parallel(ctx, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast) -> dict:
    """The keyword arguments of many.train_many / many.sweep, with -j and --scheduler reconciled.

    Both on the command line is a usage error; --scheduler from the environment gives way to -j.
    """
    from click.core import ParameterSource

    given_j = ctx.get_parameter_source("n_jobs") is ParameterSource.COMMANDLINE
    scheduler = scheduler or None
    if scheduler is not None and given_j:
        if ctx.get_parameter_source("scheduler") is not ParameterSource.ENVIRONMENT:
            raise click.UsageError("use either -j/--n-jobs (local processes) or --scheduler (a Dask "
                                   "cluster), not both")
        scheduler = None
    return {"n_jobs": n_jobs, "scheduler": scheduler, "connect_timeout": connect_timeout,
            "chunk_size": chunk_size, "fail_fast": fail_fast}


class CommaList(click.ParamType):
    """A comma-separated list of values of one type ("50,150,500"), each checked; repeats dropped."""

    name = "list"

    def __init__(self, item: click.ParamType, minimum: float | None = None):
        self.item, self.minimum = item, minimum

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return value
        parts = [p.strip() for p in str(value).split(",")]
        if not all(parts):
            self.fail(f"{value!r} has an empty item; separate values by commas, e.g. 50,150", param, ctx)
        items = []
        for part in parts:
            item = self.item.convert(part, param, ctx)
            if self.minimum is not None and item < self.minimum:
                self.fail(f"{part} is below {self.minimum:g}", param, ctx)
            items.append(item)
        return tuple(dict.fromkeys(items))


def _read(data, *, delimiter, encoding, time_col, targets=(), features=(), fill="error", resample=None,
          smooth=None):
    from .io import read_csv

    return read_csv(data, delimiter=delimiter, encoding=encoding,
                    time_col=None if time_col in (None, "none") else time_col, targets=targets,
                    features=features, fill=fill, resample=resample, smooth=smooth)


# -- writing results ------------------------------------------------------------------------------


def _cell(v):
    if isinstance(v, float):
        return "" if v != v else repr(v)
    return "" if v is None else v


class _Chunks:
    """A text stream that passes what it is given to `target` in chunks of at least `size` characters.

    Small results reach stdout in one write even when Python's stdout is unbuffered
    (PYTHONUNBUFFERED, -u), so `rnncli predict m.joblib | head -1` never races the reader.
    """

    def __init__(self, target, size: int = 1 << 16):
        self.target, self.size, self.parts, self.length = target, size, [], 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.length += len(text)
        if self.length >= self.size:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.target.write("".join(self.parts))
            self.parts, self.length = [], 0
        self.target.flush()


def _write_text(output: str, text_fn) -> None:
    """Write what `text_fn(stream)` writes to stdout, or atomically to a file."""
    if output == "-":
        stream = _Chunks(sys.stdout)
        text_fn(stream)
        stream.flush()
        return
    from .artifact import atomic_write

    _check_writable(output)

    def write(fileobj):
        import io

        stream = io.TextIOWrapper(fileobj, encoding="utf-8", newline="")
        text_fn(stream)
        stream.flush()
        stream.detach()

    atomic_write(output, write)


def write_records(records: list[dict], output: str, fmt: str) -> None:
    """Records as CSV (header from the first record) or as a JSON array."""
    if fmt == "json":
        from .report import to_json

        _write_text(output, lambda s: s.write(to_json(records) + "\n"))
        return

    def csv_out(stream):
        if not records:
            return
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(list(records[0]))
        for r in records:
            w.writerow([_cell(v) for v in r.values()])

    _write_text(output, csv_out)


def _check_writable(path: str) -> None:
    """Fail before minutes of work when `path` cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CliError(f"cannot write to '{path}': it is a directory")
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise CliError(f"cannot write to '{path}': '{os.path.dirname(path)}' is not a directory")
    if not os.path.isdir(directory):
        raise CliError(f"cannot write to '{path}': directory '{os.path.dirname(path) or '.'}' does not exist")
    if not os.access(directory, os.W_OK):
        raise CliError(f"cannot write to '{path}': directory '{os.path.dirname(path) or '.'}' "
                       "is not writable")


def _load_model(path: str):
    from .artifact import load
    from .forecaster import Forecaster

    d = load(path)
    return d, Forecaster.from_dict(d)


def _console():
    from .progress import stderr_console

    return stderr_console()


def _say(text: str, console=None) -> None:
    """A plain message line on stderr."""
    from .progress import say

    say(console or _console(), text)


# -- window ---------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA")
@click.option("--past", type=int, required=True, callback=_positive, help="Input steps per window (N).")
@click.option("--future", type=int, required=True, callback=_positive, help="Steps to forecast (M).")
@column_options
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="'-' for CSV on stdout, or FILE.npz for arrays X (S, N, features), Y (S, M, targets).")
def window(data, past, future, output, **read):
    """The supervised framing of DATA: one row per window, N past steps -> M future steps.

    Columns: the time of the first forecast step (when DATA has a time column), then
    <feature>_t-(N-1) ... <feature>_t0, then <target>_t+1 ... <target>_t+M. Raw values.

    \b
    rnncli window sample_data/airline.csv --past 5 --future 3 | head -3
    rnncli window sample_data/seattle_weather.csv --target temp_max --features precipitation \\
        --features temp_max --features temp_min --features wind --past 7 --future 1 -o weather.npz
    """
    from .windows import make_windows

    series = _read(data, **read)
    fidx = [series.columns.index(c) for c in series.features]
    tidx = [series.columns.index(c) for c in series.targets]
    with _about(series):
        X, Y = make_windows(series.values, past, future, fidx, tidx)
    if output.endswith(".npz"):
        import numpy as np

        from .artifact import atomic_write

        _check_writable(output)
        atomic_write(output, lambda f: np.savez(f, X=X, Y=Y, features=np.array(series.features),
                                                targets=np.array(series.targets)))
        _say(f"wrote X {X.shape} and Y {Y.shape} to {output}")
        return
    write_records(_window_records(series, X, Y, past, future), output, "csv")


def _window_records(series, X, Y, past, future) -> list[dict]:
    from .report import format_time

    lags = [f"t-{k}" for k in range(past - 1, 0, -1)] + ["t0"]
    records = []
    for s in range(len(X)):
        row = {}
        if series.time is not None:
            row[series.time_col] = format_time(series.time[s + past])
        for j, name in enumerate(series.features):
            row.update({f"{name}_{lag}": float(X[s, i, j]) for i, lag in enumerate(lags)})
        for k, name in enumerate(series.targets):
            row.update({f"{name}_t+{h + 1}": float(Y[s, h, k]) for h in range(future)})
        records.append(row)
    return records


# -- train ----------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA")
@click.option("--past", type=int, callback=_positive,
              help="Input steps per window (N). Required unless --resume.")
@click.option("--future", type=int, callback=_positive,
              help="Steps to forecast (M). Required unless --resume.")
@column_options
@click.option("-o", "--output", default="model.joblib", show_default=True, metavar="FILE",
              help="Where to save the model (written atomically). With --id-col: the model directory, "
                   "default 'models'.")
@click.option("--cell", type=click.Choice(["lstm", "rnn"]), default="lstm", show_default=True,
              help="Recurrent cell.")
@click.option("--hidden", type=int, default=64, show_default=True, callback=_positive, help="Hidden units.")
@click.option("--layers", type=int, default=1, show_default=True, callback=_positive,
              help="Stacked recurrent layers.")
@click.option("--epochs", type=int, default=200, show_default=True, callback=_positive,
              help="Maximum epochs.")
@click.option("--batch-size", type=int, default=32, show_default=True, callback=_positive,
              help="Windows per mini-batch.")
@click.option("--lr", type=float, default=0.001, show_default=True, help="Learning rate.")
@click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default="adam", show_default=True,
              help="Adam, or SGD with momentum 0.9.")
@click.option("--clip", type=float, default=None, help="Clip the gradient's global norm to this value.")
@click.option("--val-frac", type=float, default=0.2, show_default=True,
              help="Last fraction of the windows used for validation.")
@click.option("--patience", type=int, default=20, show_default=True,
              help="Epochs without improvement before stopping; 0 turns early stopping off.")
@click.option("--min-steps", type=int, default=None, callback=_nonnegative, metavar="N",
              help="Optimiser steps before early stopping may end training. Default: 300 (or the budget).")
@click.option("--max-steps", type=int, default=None, callback=_positive, metavar="N",
              help="Optimiser-step budget. Default: 600 + 2 per training window, at most 3000.")
@click.option("--scale", type=click.Choice(SCALINGS),
              default="auto", show_default=True,
              help="Scaling; auto scores naive and seasonal-naive baselines (with and without drift) from "
                   "every window origin and trains the network on the best one's residual.")
@click.option("--season", type=int, default=None, callback=_positive, metavar="N",
              help="Season m of the seasonal scalings. Default: from the frequency, else found in the data.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random draw.")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True,
              help="Floating-point precision of the network.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json also prints the summary as JSON on stdout.")
@click.option("--resume", is_flag=False, flag_value="", default=None, metavar="MODEL|DIR",
              help="Continue training MODEL on the same DATA (weights, optimiser state, epoch counter, "
                   "RNG) up to --epochs in total; options not given are the model's. With a model "
                   "directory DIR (or --id-col and --resume alone, for -o's): train only the series not "
                   "trained yet on the same data with the same options; options, id column and read "
                   "settings not given are the manifest's.")
@click.option("--id-col", default=None, metavar="NAME",
              help="DATA is a long CSV of many series told apart by this column: train one model per "
                   "series into the model directory -o (default 'models'). Exit 0 when all trained, "
                   "3 when some failed (see failures.csv), 1 when none could.")
@parallel_options
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.pass_context
def train(ctx, data, output, fmt, quiet, resume, id_col, n_jobs, scheduler, connect_timeout, chunk_size,
          fail_fast, **options):
    """Train a forecaster on DATA and save it to a model file.

    Shows epoch, train and validation MSSE (mean over windows of the squared error summed
    over horizon and targets, in scaled units), best epoch and ETA while it trains; then a
    summary with the validation RMSE in the data's units beside the naive forecast's.
    Ctrl-C stops after the current batch and saves the best model so far (exit 130).

    \b
    rnncli train sample_data/airline.csv --past 12 --future 6 -o airline.joblib
    rnncli train sample_data/seattle_weather.csv --target temp_max --features temp_max \\
        --features temp_min --features precipitation --features wind --past 14 --future 7 -o w.joblib
    rnncli train sample_data/airline.csv --resume airline.joblib --epochs 400 -o airline.joblib
    rnncli train long.csv --id-col store --past 12 --future 6 -j -1 -o models/
    rnncli train long.csv --id-col store --past 12 --future 6 --scheduler tcp://host:8786 -o models/
    """
    from .errors import ConfigError
    from .forecaster import Forecaster
    from .progress import TrainingProgress

    parallel = _parallel(ctx, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast)
    if id_col is not None or (resume and os.path.isdir(resume)):
        from .cli_many import train_series

        code = train_series(data, id_col=id_col, output=output, resume=resume, fmt=fmt, quiet=quiet,
                            parallel=parallel, options=options)
        ctx.exit(code)
    _refuse_many_options(ctx)
    if resume == "":
        raise click.UsageError("--resume needs the MODEL file to continue (a model directory needs --id-col)")
    _check_writable(output)
    saved = _resumed_options(resume, options) if resume is not None else None
    for flag in ("past", "future"):
        if options[flag] is None:
            raise click.UsageError(f"Missing option '--{flag}' (or --resume a model).")
    read = {k: options.pop(k) for k in ("delimiter", "encoding", "time_col", "fill", "resample", "smooth")}
    targets, features = options.pop("targets"), options.pop("features")
    model = Forecaster(options.pop("past"), options.pop("future"), **options)
    try:
        series = _read(data, targets=targets, features=features, **read)
    except ConfigError:
        if saved is not None:
            _raise_if_lacking(saved, data, read["delimiter"], read["encoding"], read["time_col"])
        raise
    console = _console()
    with _about(series), _interruptible() as stop, \
            TrainingProgress(console, model.epochs, quiet) as progress:
        model.fit(series, on_epoch=progress.on_epoch, on_variant=progress.on_variant, should_stop=stop,
                  resume=saved)
    if model.interrupted_ and model.history_.best_epoch == 0:
        _say("interrupted before the first epoch was validated: nothing saved", console)
        sys.exit(EXIT_INTERRUPTED)
    d = _artifact_dict(model, series, data, read)
    with _ignoring_sigint():
        from .artifact import save

        save(d, output)
    summary = _train_summary(model, output)
    if model.interrupted_:
        _say(f"interrupted: saved the best model so far (epoch {model.history_.best_epoch}) to {output}",
             console)
        sys.exit(EXIT_INTERRUPTED)
    if not quiet:
        _print_train_summary(console, summary)
    if fmt == "json":
        from .report import to_json

        click.echo(to_json(summary))


def _refuse_many_options(ctx) -> None:
    """-j, --scheduler... given to a command that trains one model: a usage error naming --id-col."""
    from click.core import ParameterSource

    for name, flag in MANY_FLAGS.items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{flag} trains many series at once: add --id-col NAME (the column "
                                   "that tells the series of a long CSV apart)")


def _resumed_options(path: str, options: dict) -> dict:
    """Load the model to resume; the options not given on the command line become the model's."""
    from click.core import ParameterSource

    from .artifact import load

    saved = load(path)
    ctx = click.get_current_context()
    given = {k for k in options if ctx.get_parameter_source(k) is not ParameterSource.DEFAULT}
    for k, v in saved["options"].items():
        if k in options and k not in given:
            options[k] = v
    read = saved.get("data", {}).get("read", {})
    for k, v in read.items():
        if k in options and k not in given:
            options[k] = v
    cols = saved["columns"]
    if "targets" not in given:
        options["targets"] = tuple(cols[i] for i in saved["target_idx"])
    if "features" not in given:
        options["features"] = tuple(cols[i] for i in saved["feature_idx"])
    return saved


def _artifact_dict(model, series, data, read) -> dict:
    return _with_data(model.to_dict(), series, data, read)


def _with_data(d: dict, series, data, read, sha256: str | None = None, **extra) -> dict:
    """The artifact dict `d` with when it was made and what it was trained on (how DATA was read).

    sha256: DATA's, when it is known already (else DATA is read again to compute it).
    """
    from datetime import datetime, timezone

    from .io import sha256_of

    d["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    d["data"] = {"source": "<stdin>" if data == "-" else os.path.basename(data),
                 "sha256": sha256 or sha256_of(data),
                 "rows": len(series.values),
                 "read": {**read, "time_col": series.time_col or "none"}, **extra}
    return d


def _train_summary(model, output) -> dict:
    h = model.history_
    targets = [model.columns_[i] for i in model.target_idx_]
    return {"output": output, "params": model.network_.n_params, "epochs_run": h.epochs_run,
            "best_epoch": h.best_epoch, "stopped": h.stopped or "completed", "scale": model.scale_,
            "best_val_msse": h.best_msse if h.val_msse and h.val_msse[0] is not None else None,
            "val_rmse": dict(zip(targets, map(float, model.val_rmse_), strict=True)),
            "naive_rmse": dict(zip(targets, map(float, model.naive_rmse_), strict=True))}


def _print_train_summary(console, s: dict) -> None:
    from .report import train_summary_table

    console.print(train_summary_table(s))
    _say(f"saved model to {s['output']}", console)


class _interruptible:
    """SIGINT sets a flag that training polls between batches, instead of raising mid-step."""

    def __enter__(self):
        self.requested = False
        try:
            self._old = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread
            self._old = None
        return lambda: self.requested

    def _handler(self, signum, frame):
        if not self.requested:
            sys.stderr.write("\nstopping after this batch (Ctrl-C again is ignored while saving)...\n")
        self.requested = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.requested else self._old)
        return False


class _ignoring_sigint:
    """Ctrl-C is ignored while a model file is written."""

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:
            self._old = None

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


# -- sweep ----------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA")
@click.option("--past", type=int, required=True, callback=_positive, help="Input steps per window (N).")
@click.option("--future", type=int, required=True, callback=_positive, help="Steps to forecast (M).")
@column_options
@click.option("--cell", type=CommaList(click.Choice(["lstm", "rnn"])), default="lstm", show_default=True,
              help="Recurrent cells to try, comma-separated (lstm,rnn).")
@click.option("--hidden", type=CommaList(click.INT, 1), default="64", show_default=True,
              help="Hidden units to try, comma-separated (50,150,500).")
@click.option("--layers", type=CommaList(click.INT, 1), default="1", show_default=True,
              help="Stacked recurrent layers to try, comma-separated.")
@click.option("--batch-size", type=CommaList(click.INT, 1), default="32", show_default=True,
              help="Mini-batch sizes to try, comma-separated.")
@click.option("--lr", type=CommaList(click.FLOAT), default="0.001", show_default=True,
              help="Learning rates to try, comma-separated (0.001,0.01).")
@click.option("--optimizer", type=CommaList(click.Choice(["adam", "sgd"])), default="adam",
              show_default=True, help="Optimisers to try, comma-separated (adam,sgd).")
@click.option("--scale", type=CommaList(click.Choice(SCALINGS)), default="auto", show_default=True,
              help="Scalings to try, comma-separated (minmax,diff).")
@click.option("--epochs", type=int, default=200, show_default=True, callback=_positive,
              help="Maximum epochs of every model.")
@click.option("--clip", type=float, default=None, help="Clip the gradient's global norm to this value.")
@click.option("--val-frac", type=float, default=0.2, show_default=True,
              help="Last fraction of the windows used for validation, and for the ranking.")
@click.option("--patience", type=int, default=20, show_default=True,
              help="Epochs without improvement before stopping; 0 turns early stopping off.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every model.")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True,
              help="Floating-point precision of the networks.")
@parallel_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: ranked on stderr; csv/json: the ranking on stdout.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Save the best model (lowest validation RMSE) to FILE.")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress or messages on stderr (the table still shows).")
@click.pass_context
def sweep(ctx, data, fmt, output, quiet, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast,
          **options):
    """Train a model for every combination of the listed values and rank them by validation RMSE.

    Options given several values (comma-separated) form the grid; every combination trains
    with the same seed through the same parallel path as `train --id-col` (-j, --scheduler).
    The ranking shows each model's validation RMSE (data units, mean over targets) beside the
    naive forecast's. Exit 0 when every model trained, 3 when some failed, 1 when none did.

    \b
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --hidden 50,150,500 --lr 0.001,0.01
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --cell lstm,rnn -j 2 -o best.joblib
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --hidden 16,32 --format csv > ranking.csv
    """
    from .cli_many import sweep_models

    parallel = _parallel(ctx, n_jobs, scheduler, connect_timeout, chunk_size, fail_fast)
    ctx.exit(sweep_models(data, fmt=fmt, output=output, quiet=quiet, parallel=parallel, options=options))


# -- predict --------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL")
@click.argument("data", metavar="[DATA]", required=False)
@click.option("--interval", type=float, default=None, metavar="LEVEL",
              help="Add lower/upper bounds at this coverage (e.g. 0.9), from validation residuals.")
@click.option("--all-windows", is_flag=True,
              help="Forecast from every origin in DATA (long format: origin, step, time, targets).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="csv: a header and one row per step; json: an array of objects.")
@id_option
@output_option
@read_options
@click.pass_context
def predict(ctx, model_path, data, interval, all_windows, fmt, output, delimiter, encoding, ids):
    """Forecast the M steps after the training data, or after the end of DATA ('-' = stdin).

    MODEL may be a model directory (`train --id-col`): every series is forecast (or those
    chosen with --id) as long-format rows, the id column first; DATA is then a long CSV with
    that id column, and each series is forecast after the end of its own rows. Series with no
    model (failed in training) are skipped with a note; exit 3 when a chosen series could not
    be forecast from DATA (the others are written), 1 when none could.

    \b
    rnncli predict airline.joblib
    rnncli predict airline.joblib --interval 0.9 --format json
    cat new.csv | rnncli predict airline.joblib - | tail -n +2
    rnncli predict airline.joblib sample_data/airline.csv --all-windows > backtest.csv
    rnncli predict models/ --id store-1 --id store-7
    rnncli predict models/ new_long.csv > forecasts.csv
    """
    from .io import future_times
    from .report import backtest_records, forecast_records

    if all_windows and data is None:
        raise click.UsageError("--all-windows needs DATA to forecast from")
    if all_windows and interval is not None:
        raise click.UsageError("--interval applies to a forecast, not to --all-windows; drop one of them")
    if os.path.isdir(model_path):
        from .cli_many import predict_series

        ctx.exit(predict_series(model_path, data, ids, interval=interval, all_windows=all_windows, fmt=fmt,
                                output=output, delimiter=delimiter, encoding=encoding))
    _refuse_ids(ids)
    d, model = _load_model(model_path)
    time = d.get("time") or {}
    time_name = time.get("col") or "step"
    series = _read_for_model(d, data, delimiter, encoding) if data is not None else None
    if all_windows:
        with _about(series):
            origins, y_hat = model.backtest(series)
        times = series.time
        extra = future_times(series, model.future) if times is not None else None
        targets = [model.columns_[i] for i in model.target_idx_]
        records = backtest_records(origins, y_hat, targets, times, extra)
    else:
        with _about(series):
            fc = model.predict(series, interval=interval)
        if series is not None:
            times = future_times(series, model.future)
        else:
            times = _model_future_times(time, model.future)
        records = forecast_records(fc, times, time_name)
    write_records(records, output, fmt)


def _refuse_ids(ids) -> None:
    if ids:
        raise click.UsageError("--id chooses series of a model directory (train --id-col), and MODEL is a "
                               "model file")


def _model_future_times(time: dict, n: int):
    if not time:
        return None
    import numpy as np

    from .io import future_times

    last = np.array([np.datetime64(time["last"], "ns")]) if time["kind"] == "datetime" \
        else np.array([time["last"]], dtype=np.int64)
    return future_times((last, time.get("freq"), time.get("step")), n)


def _read_for_model(d: dict, data: str, delimiter, encoding):
    """Read DATA the way the model's training data was read (columns, fill, resample, smooth)."""
    from .errors import ConfigError

    read = d.get("data", {}).get("read", {})
    cols = d["columns"]
    delimiter = delimiter if delimiter != "," else read.get("delimiter", ",")
    time_col = read.get("time_col", "auto")
    try:
        return _read(data, delimiter=delimiter, encoding=encoding, time_col=time_col,
                     targets=[cols[i] for i in d["target_idx"]], features=[cols[i] for i in d["feature_idx"]],
                     fill=read.get("fill", "error"), resample=read.get("resample"), smooth=read.get("smooth"))
    except ConfigError:
        _raise_if_lacking(d, data, delimiter, encoding, time_col)
        raise


def _raise_if_lacking(d: dict, data: str, delimiter: str, encoding: str, time_col) -> None:
    """DataError naming the model's columns that DATA lacks (the model's columns, not the user's flags)."""
    from .errors import DataError
    from .io import read_header

    header = read_header(data, delimiter=delimiter, encoding=encoding)
    needed = ([time_col] if time_col not in ("auto", "none", None) else []) + list(d["columns"])
    missing = [c for c in needed if c not in header]
    if missing:
        source = "<stdin>" if data == "-" else data
        raise DataError(f"{source} lacks the model's column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(repr, missing))} (the model reads {', '.join(needed)}; "
                        f"{source} has {', '.join(header)})") from None


@contextlib.contextmanager
def _about(series):
    """Name DATA's file in the library's data errors ("data has 4 rows..." -> "x.csv: data has...")."""
    from .errors import DataError

    try:
        yield
    except DataError as e:
        if series is None:
            raise
        raise DataError(f"{series.source}: {e}") from e


# -- evaluate -------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL")
@click.argument("data", metavar="DATA")
@click.option("--season", type=int, default=None, callback=_positive, metavar="N",
              help="Season of the seasonal-naive baseline. Default: from the frequency "
                   "(12 monthly, 4 quarterly, 7 daily, 24 hourly; else 1).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: rich tables on stderr; csv/json: scores on stdout.")
@click.option("--plot", default=None, metavar="FILE.png",
              help="Draw actual vs forecast vs baselines (needs the 'plot' extra: matplotlib).")
@id_option
@output_option
@read_options
@click.pass_context
def evaluate(ctx, model_path, data, season, fmt, plot, output, delimiter, encoding, ids):
    """Score the model on every window of DATA against naive and seasonal-naive forecasts.

    MSE, RMSE, MAE, sMAPE and MASE per target, overall and per horizon step, and the skill
    against the naive forecast (1 - RMSE / RMSE_naive).

    MODEL may be a model directory and DATA a long CSV with its id column: each series (or
    those chosen with --id) is scored on its own rows, one row per series, target and method
    in csv/json (a `series` column; steps pooled), then rows with series "ALL": the mean over
    the series of each score, windows summed, and skill = 1 - mean RMSE / mean naive RMSE.
    Exit 3 when some series could not be scored (each is named on stderr), 1 when none could.

    \b
    rnncli evaluate airline.joblib sample_data/airline.csv
    rnncli evaluate airline.joblib sample_data/airline.csv --format csv > scores.csv
    rnncli evaluate models/ long.csv --format csv > scores.csv
    """
    from .report import default_season, evaluation_records, evaluation_table, horizon_table, to_json

    if fmt == "table" and output != "-":
        raise click.UsageError("--output writes scores as csv or json: add --format csv or --format json")
    if os.path.isdir(model_path):
        if plot is not None:
            raise click.UsageError("--plot draws one model: pass one series' file (DIR/series/<name>.joblib)")
        from .cli_many import evaluate_series

        ctx.exit(evaluate_series(model_path, data, ids, season=season, fmt=fmt, output=output,
                                 delimiter=delimiter, encoding=encoding))
    _refuse_ids(ids)
    if plot is not None:
        _require_matplotlib()
        _check_writable(plot)
    d, model = _load_model(model_path)
    series = _read_for_model(d, data, delimiter, encoding)
    if season is None:
        season = default_season(series.freq or (d.get("time") or {}).get("freq"))
    with _about(series):
        ev = model.evaluate(series, season=season)
    if fmt == "table":
        console = _console()
        console.print(evaluation_table(ev))
        console.print(horizon_table(ev))
    elif fmt == "json":
        payload = {"windows": ev["windows"], "season": ev["season"], "scores": evaluation_records(ev)}
        _write_text(output, lambda s: s.write(to_json(payload) + "\n"))
    else:
        write_records(evaluation_records(ev), output, "csv")
    if plot is not None:
        from .plot import plot_evaluation

        plot_evaluation(ev, series, plot)
        _say(f"wrote plot to {plot}")


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("--plot needs matplotlib: pip install 'rnncli[plot]'") from None


# -- info -----------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: rich tables on stderr; json: on stdout.")
@click.option("--audit", is_flag=True,
              help="List the globals and array headers the file needs, without loading it.")
def info(model_path, fmt, audit):
    """Summarise a model file: layers and parameters, data, scaling, training and validation.

    --audit reads the file's pickle instructions without running them and lists what it would
    need; the exit status is 1 when the safe loader would refuse the file.

    A model directory (`train --id-col`) is summarised from its manifest: the run's options,
    data and counts, then each series' status and validation RMSE beside the naive forecast's;
    --format json prints the manifest (and the directory's path).

    \b
    rnncli info airline.joblib
    rnncli info airline.joblib --format json | jq .total_params
    rnncli info downloaded.joblib --audit
    rnncli info models/
    """
    from .report import model_summary, summary_tables, to_json

    if os.path.isdir(model_path):
        if audit:
            raise click.UsageError("--audit reads one model file: pass one series' file "
                                   "(DIR/series/<name>.joblib)")
        from .cli_many import info_series

        info_series(model_path, fmt)
        return

    if audit:
        from .artifact import audit as audit_file
        from .report import audit_table

        result = audit_file(model_path)
        if fmt == "json":
            click.echo(to_json(result))
        else:
            _console().print(audit_table(result))
        if not result["safe"]:
            sys.exit(1)
        return
    d, model = _load_model(model_path)
    summary = model_summary(d, model.network_.summary())
    if fmt == "json":
        click.echo(to_json(summary))
        return
    console = _console()
    for table in summary_tables(summary):
        console.print(table)


# -- entry point ----------------------------------------------------------------------------------


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="rnncli")

