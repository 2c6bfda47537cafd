"""Option bundles shared by commands, as decorators, and the checks of option values."""

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The DATA and MODEL arguments: plain strings ('-' for stdin), typed as paths so that shell completion
# (`rnncli completion`) offers file names. Existence is checked by the readers, with their own messages.
DATA_PATH = click.Path(allow_dash=True)
MODEL_PATH = click.Path()


def read_options(f):
    """--delimiter and --encoding: how the CSV's bytes are read."""
    f = click.option("--encoding", default="utf-8", show_default=True, metavar="NAME",
                     help="Text encoding of DATA (e.g. latin-1).")(f)
    f = click.option("--delimiter", default=",", show_default=True, metavar="CHAR",
                     help="Field separator of DATA (e.g. ';' or tab).")(f)
    return f


def saved_read_options(f):
    """--delimiter and --encoding of DATA given to a model: by default the model's, as at training."""
    f = click.option("--encoding", default=None, metavar="NAME",
                     help="Text encoding of DATA. Default: the one the model's data was read with.")(f)
    f = click.option("--delimiter", default=None, metavar="CHAR",
                     help="Field separator of DATA. Default: the one the model's data was read with.")(f)
    return f


def column_options(f):
    """Which columns are time, targets and features, and how gaps and resolution are handled."""
    f = read_options(f)
    f = click.option("--smooth", type=int, default=None, metavar="N",
                     help="Trailing moving average over N rows before windowing; with --fill drop it "
                          "averages within each unbroken run of rows (the first N-1 rows of a run are "
                          "left out).")(f)
    f = click.option("--resample", default=None, metavar="RULE",
                     help="Resample to a pandas offset alias (MS, W, D, h...), mean of each period.")(f)
    f = click.option("--fill", type=click.Choice(["error", "ffill", "interpolate", "zero", "drop"]),
                     default="error", show_default=True,
                     help="Missing values and timestamps missing from the calendar: refuse them (error), "
                          "fill them on the full calendar (ffill, interpolate, zero), or drop them (no "
                          "window straddles a dropped row).")(f)
    f = click.option("--thousands", default=None, metavar="CHAR",
                     help="Thousands separator of the values (\"24,945\" with --thousands ,).")(f)
    f = click.option("--decimal", default=".", show_default=True, metavar="CHAR",
                     help="Decimal mark of the values (1200,95 with --delimiter ';' --decimal ,).")(f)
    f = click.option("--no-header", is_flag=True,
                     help="DATA has no header line: its columns are named time, col1, col2, ...")(f)
    f = click.option("--tz", default=None, metavar="NAME",
                     help="IANA time zone of naive local times (Europe/Berlin): hourly data then crosses "
                          "DST changes hour by hour.")(f)
    f = click.option("--time-format", default=None, metavar="FMT",
                     help="strptime codes of the time column (%d/%m/%Y, %Y%m%d). Default: ISO 8601, "
                          "dd.mm.yyyy, slash dates (day first when a day exceeds 12), YYYYMMDD.")(f)
    f = click.option("--freq", default=None, metavar="ALIAS",
                     help="Calendar of the time column, a pandas offset alias (D, B, W-SAT, MS, QS-MAR, "
                          "15min, h...); 'none' reads the rows as a plain sequence (forecasts by step). "
                          "Default: inferred from the spacing.")(f)
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


def positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be at least 1, got {value}")
    return value


def nonnegative(ctx, param, value):
    if value is not None and value < 0:
        raise click.BadParameter(f"must be at least 0, got {value}")
    return value


SCHEDULER_ENV = "RNNCLI_SCHEDULER"


SCALINGS = ["auto", "minmax", "standard", "window", "diff", "level", "seasonal", "none"]


MANY_FLAGS = {"n_jobs": "-j/--n-jobs", "scheduler": "--scheduler", "connect_timeout": "--connect-timeout",
              "worker_timeout": "--worker-timeout",
              "chunk_size": "--chunk-size", "fail_fast": "--fail-fast"}


def parallel_options(f):
    """Where many models train: -j local processes or --scheduler a Dask cluster, chunking, --fail-fast."""
    f = click.option("--fail-fast", is_flag=True,
                     help="Stop at the first failure; the models not yet trained are cancelled.")(f)
    f = click.option("--chunk-size", type=int, default=None, callback=positive, metavar="N",
                     help="Models per task. Default: about a second of work per task, at least four tasks "
                          "per worker.")(f)
    f = click.option("--worker-timeout", type=float, default=60, show_default=True, metavar="SECONDS",
                     help="With --scheduler: fail the models not yet trained when the cluster has had no "
                          "worker for this long (the finished ones are kept).")(f)
    f = click.option("--connect-timeout", type=float, default=10, show_default=True, metavar="SECONDS",
                     help="One deadline for reaching the Dask scheduler, a worker and a test task on "
                          "every worker.")(f)
    f = click.option("--scheduler", envvar=SCHEDULER_ENV, default=None, metavar="ADDRESS",
                     help=f"Train on a Dask cluster (tcp://host:8786; needs the 'dask' extra). Default: "
                          f"${SCHEDULER_ENV}, which an explicit -j overrides.")(f)
    f = click.option("-j", "--n-jobs", type=int, default=1, show_default=True, metavar="N",
                     help="Local processes (-1 = all cores); each runs single-threaded BLAS.")(f)
    return f


def parallel_kwargs(ctx, n_jobs, scheduler, connect_timeout, worker_timeout, chunk_size, fail_fast,
                    threads="auto") -> dict:
    """The keyword arguments of many.train_many / many.sweep, with -j and --scheduler reconciled.

    Both on the command line is a usage error; --scheduler from the environment gives way to -j.
    `threads` (--threads) applies to models trained in this process (-j 1); workers use one thread.
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
            "worker_timeout": worker_timeout,
            "chunk_size": chunk_size, "fail_fast": fail_fast, "threads": threads}


def refuse_many_options(ctx) -> None:
    """-j, --scheduler... given to a command that trains one model: a usage error naming --id-col."""
    from click.core import ParameterSource

    for name, flag in MANY_FLAGS.items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{flag} trains many series at once: add --id-col NAME (the column "
                                   "that tells the series of a long CSV apart)")


def refuse_ids(ids) -> None:
    if ids:
        raise click.UsageError("--id chooses series of a model directory (train --id-col), and MODEL is a "
                               "model file")


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


def window_options(required: bool = True):
    """--past and --future (required, unless `required` is False: train --resume takes the model's)."""
    tail = "" if required else " Required unless --resume."

    def decorate(f):
        f = click.option("--future", type=int, required=required, callback=positive,
                         help=f"Steps to forecast (M).{tail}")(f)
        return click.option("--past", type=int, required=required, callback=positive,
                            help=f"Input steps per window (N).{tail}")(f)
    return decorate


# The Forecaster's options, declared once for train and sweep: flag, value type, default, train's help,
# sweep's help. Sweep's grid (GRID_KEYS) takes comma-separated lists; POSITIVE ones are at least 1.
MODEL_OPTIONS = {
    "cell": ("--cell", click.Choice(["lstm", "rnn"]), "lstm", "Recurrent cell.",
             "Recurrent cells to try, comma-separated (lstm,rnn)."),
    "hidden": ("--hidden", click.INT, 64, "Hidden units.",
               "Hidden units to try, comma-separated (50,150,500)."),
    "layers": ("--layers", click.INT, 1, "Stacked recurrent layers.",
               "Stacked recurrent layers to try, comma-separated."),
    "batch_size": ("--batch-size", click.INT, 32, "Windows per mini-batch.",
                   "Mini-batch sizes to try, comma-separated."),
    "lr": ("--lr", click.FLOAT, 0.001, "Learning rate.",
           "Learning rates to try, comma-separated (0.001,0.01)."),
    "optimizer": ("--optimizer", click.Choice(["adam", "sgd"]), "adam", "Adam, or SGD with momentum 0.9.",
                  "Optimisers to try, comma-separated (adam,sgd)."),
    "scale": ("--scale", click.Choice(SCALINGS), "auto",
              "Scaling; auto scores naive and seasonal-naive baselines (with and without drift) from "
              "every window origin and trains the network on the best one's residual.",
              "Scalings to try, comma-separated (minmax,diff)."),
    "epochs": ("--epochs", click.INT, 200, "Maximum epochs.", "Maximum epochs of every model."),
    "clip": ("--clip", click.FLOAT, None, "Clip the gradient's global norm to this value.",
             "Clip the gradient's global norm to this value."),
    "val_frac": ("--val-frac", click.FLOAT, 0.2, "Last fraction of the windows used for validation.",
                 "Last fraction of the windows used for validation, and for the ranking."),
    "patience": ("--patience", click.INT, 20,
                 "Epochs without improvement before stopping; 0 turns early stopping off.",
                 "Epochs without improvement before stopping; 0 turns early stopping off."),
    "min_steps": ("--min-steps", click.INT, None,
                  "Optimiser steps before early stopping may end training. Default: 300 (or the budget).",
                  "Optimiser steps before early stopping may end training. Default: 300 (or the budget)."),
    "max_steps": ("--max-steps", click.INT, None,
                  "Optimiser-step budget. Default: 600 + 2 per training window, at most 3000.",
                  "Optimiser-step budget of every model. Default: 600 + 2 per window, at most 3000."),
    "season": ("--season", click.INT, None,
               "Season m of the seasonal scalings. Default: from the frequency, else found in the data.",
               "Season m of the seasonal scalings. Default: from the frequency, else found in the data."),
    "seed": ("--seed", click.INT, 0, "Seed of every random draw.", "Seed of every model."),
    "dtype": ("--dtype", click.Choice(["float32", "float64"]), "float32",
              "Floating-point precision of the network.", "Floating-point precision of the networks."),
}
GRID_KEYS = ("cell", "hidden", "layers", "batch_size", "lr", "optimizer", "scale")  # sweep's comma lists
POSITIVE = {"hidden", "layers", "batch_size", "epochs", "max_steps", "season"}
NONNEGATIVE = {"min_steps"}


def model_options(names, *, grid: bool = False):
    """The MODEL_OPTIONS `names` as click options, in that order; grid: sweep's (lists for GRID_KEYS)."""
    def decorate(f):
        for name in reversed(names):
            flag, kind, default, train_help, sweep_help = MODEL_OPTIONS[name]
            kwargs = {"default": default, "show_default": default is not None,
                      "help": sweep_help if grid else train_help}
            if grid and name in GRID_KEYS:
                kwargs.update(type=CommaList(kind, 1 if name in POSITIVE else None), default=str(default))
            else:
                kwargs.update(type=kind, callback=positive if name in POSITIVE
                              else nonnegative if name in NONNEGATIVE else None)
            f = click.option(flag, **kwargs)(f)
        return f
    return decorate


def precision_option(default_text: str):
    """--precision N: significant digits of the numbers printed (1-17)."""
    return click.option("--precision", type=click.IntRange(1, 17), default=None, metavar="N",
                        help=f"Significant digits of the numbers printed. Default: {default_text}.")


def plot_option(help_text: str):
    """--plot FILE: the figure's file; its extension (png, svg, pdf) is the format, checked before any work.

    The check also needs matplotlib (the 'plot' extra): without it, an error with the install command.
    """

    def check(ctx, param, value):
        if value is None:
            return None
        from .plot import PLOT_FORMATS, plot_format

        if plot_format(value) is None:
            raise click.BadParameter(f"{value!r} has no plot format; end the name in "
                                     f".{', .'.join(PLOT_FORMATS)} (e.g. eval.png)")
        return value

    def decorator(f):
        return click.option("--plot", default=None, metavar="FILE", callback=check,
                            type=click.Path(dir_okay=False),
                            help=f"{help_text} Format by extension: png, svg or pdf (needs the 'plot' "
                                 "extra: matplotlib).")(f)

    return decorator


def require_matplotlib() -> None:
    """A CliError with the install command when matplotlib (the 'plot' extra) is missing."""
    from ..errors import install_hint
    from .output import CliError

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError(f"--plot needs matplotlib: {install_hint('plot')}") from None


THREADS_ENV = "RNNCLI_THREADS"


def threads_option(scope: str):
    """--threads N|auto: BLAS threads of the work done in this process (rnncli.threads' policy).

    `scope` ends the help: which path it applies to. The value is checked here (a usage error naming
    --threads, or RNNCLI_THREADS when it came from there); "auto" leaves the rule to the library.
    """

    def check(ctx, param, value):
        from click.core import ParameterSource

        from ..errors import ConfigError
        from ..threads import check as check_threads

        from_env = ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
        try:
            flag = f"{THREADS_ENV} (the default of --threads)" if from_env else "--threads"
            return check_threads(str(value).strip().lower(), flag=flag)
        except ConfigError as e:
            raise click.UsageError(str(e), ctx) from None

    return click.option("--threads", envvar=THREADS_ENV, default="auto", show_default=True, metavar="N|auto",
                        callback=check,
                        help=f"BLAS threads: a count, or auto (one thread for small products; large "
                             f"ones split over two threads, with one thread's results bit for bit; the "
                             f"user's OPENBLAS_NUM_THREADS/OMP_NUM_THREADS are kept). Default: "
                             f"${THREADS_ENV}, else auto. {scope}".strip())
