"""`rnncli train` and `rnncli sweep`: one model, many series, or a grid of models."""

import os
import sys

import click

from .inputs import READ_KEYS, about, read_data
from .options import (
    CONTEXT,
    DATA_PATH,
    GRID_KEYS,
    column_options,
    model_options,
    parallel_kwargs,
    parallel_options,
    refuse_many_options,
    threads_option,
    window_options,
)
from .output import err_console, ignoring_signals, interruptible, say, with_flags

# the Forecaster's options (declared once, in options.MODEL_OPTIONS), in each command's order
TRAIN_ORDER = ("cell", "hidden", "layers", "epochs", "batch_size", "lr", "optimizer", "clip", "val_frac",
               "patience", "min_steps", "max_steps", "scale", "season", "seed", "dtype")
SWEEP_ORDER = (*GRID_KEYS, "epochs", "clip", "val_frac", "patience", "seed", "dtype")


@click.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA", type=DATA_PATH)
@window_options(required=False)
@column_options
@click.option("-o", "--output", default="model.joblib", show_default=True, metavar="FILE",
              help="Where to save the model (written atomically). With --id-col: the model directory, "
                   "default 'models'.")
@model_options(TRAIN_ORDER)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json also prints the summary as JSON on stdout.")
@click.option("--resume", is_flag=False, flag_value="", default=None, metavar="MODEL|DIR",
              help="Continue training MODEL on the same DATA (weights, optimiser state, epoch counter, "
                   "RNG, early-stopping count) up to --epochs in total; options not given are the "
                   "model's (a model that stopped early trains on only with a larger --patience). With "
                   "a model directory DIR (or --id-col and --resume alone, for -o's): train only the "
                   "series not trained yet on the same data with the same options; options, id column "
                   "and read settings not given are the manifest's.")
@click.option("--id-col", default=None, metavar="NAME",
              help="DATA is a long CSV of many series told apart by this column: train one model per "
                   "series into the model directory -o (default 'models'). Exit 0 when all trained, "
                   "3 when some failed (see failures.csv), 1 when none could.")
@parallel_options
@threads_option("With --id-col and -j N > 1 or --scheduler, each worker uses one thread instead.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.pass_context
def train(ctx, data, output, fmt, quiet, resume, id_col, n_jobs, scheduler, connect_timeout, worker_timeout,
          chunk_size, fail_fast, threads, **options):
    """Train a forecaster on DATA and save it to a model file.

    Shows epoch, train and validation MSSE (mean over windows of the squared error summed
    over horizon and targets, in scaled units), best epoch and ETA while it trains, on one line
    that fits the terminal; then a summary with the validation RMSE in the data's units beside
    naive's and seasonal naive's, the skill against the better of them (a warning when it wins)
    and, with --scale auto, each variant's RMSE and why one was kept. Ctrl-C, SIGTERM or SIGHUP
    stop after the current batch and save the best model so far, marked interrupted (exit 128 +
    the signal's number: 130, 143, 129); in the first epoch, the weights reached so far, validated.

    \b
    rnncli train sample_data/airline.csv --past 12 --future 6 -o airline.joblib
    rnncli train sample_data/seattle_weather.csv --target temp_max \\
        --features temp_max --features temp_min --features precipitation \\
        --features wind --past 14 --future 7 -o w.joblib
    rnncli train sample_data/airline.csv --resume airline.joblib --epochs 400 \\
        -o airline.joblib
    rnncli train long.csv --id-col store --past 12 --future 6 -j -1 -o models/
    rnncli train long.csv --id-col store --past 12 --future 6 \\
        --scheduler tcp://host:8786 -o models/
    """
    from ..errors import ConfigError
    from ..model.forecaster import Forecaster
    from .progress import TrainingProgress

    parallel = parallel_kwargs(ctx, n_jobs, scheduler, connect_timeout, worker_timeout, chunk_size, fail_fast,
                               threads)
    if output == "-":  # "-" means stdout, where no model (file or directory) goes
        raise click.UsageError("-o - would write the model to a file named '-': a model is saved to a file "
                               "(written atomically), not to stdout; name one, such as -o model.joblib")
    if id_col is not None or (resume and os.path.isdir(resume)):
        from .many import train_series

        code = train_series(data, id_col=id_col, output=output, resume=resume, fmt=fmt, quiet=quiet,
                            parallel=parallel, options=options)
        ctx.exit(code)
    refuse_many_options(ctx)
    if resume == "":
        raise click.UsageError("--resume needs the MODEL file to continue (a model directory needs --id-col)")
    from ..io.files import check_output

    target = check_output(output, inputs={"DATA": data})  # a --resume model may be replaced: it is read first
    saved = _resumed_options(resume, options) if resume is not None else None
    for flag in ("past", "future"):
        if options[flag] is None:
            raise click.UsageError(f"Missing option '--{flag}' (or --resume a model).")
    read = {k: options.pop(k) for k in READ_KEYS}
    targets, features = options.pop("targets"), options.pop("features")
    model = Forecaster(options.pop("past"), options.pop("future"), **options)
    try:
        series = read_data(data, targets=targets, features=features, **read)
    except ConfigError:
        if saved is not None:
            from ..io.like import require_columns

            require_columns(saved["columns"], data, delimiter=read["delimiter"], encoding=read["encoding"],
                            time_col=read["time_col"])
        raise
    console = err_console()
    for note in series.notes or []:
        if not quiet:
            say(note, console)
    if saved is not None and not quiet:
        _note_patience_used_up(saved, model.patience, resume, console)
    progress = TrainingProgress(console, model.epochs, quiet)
    signals = interruptible(announce=not progress.live)
    with about(series), signals as stop, progress:
        def should_stop() -> bool:
            if stop():
                progress.stopping()
                return True
            return False

        model.fit(series, on_epoch=progress.on_epoch, on_variant=progress.on_variant,
                  on_batch=progress.on_batch, should_stop=should_stop, resume=saved, threads=threads)
    d = model.to_dict()  # with its provenance: DATA's name, sha256, rows and read options
    with ignoring_signals():
        from ..io.artifact import save

        save(d, target)
    summary = _train_summary(model, output)
    if model.interrupted_:
        best = model.history_.best_epoch
        what = f"the best model so far (epoch {best})" if best else \
            "the weights reached in the first epoch (validated, not a whole epoch)"
        say(f"interrupted: saved {what} to {output}", console)
        if model.variants_pending_:
            say(f"the scaling variant(s) {', '.join(model.variants_pending_)} did not finish: "
                f"train again with --resume {output} to train them", console)
        sys.exit(signals.exit_code)
    if not quiet:
        _print_train_summary(console, summary)
        if model.choice_.get("note"):
            say(f"note: {model.choice_['note']}", console)
    if fmt == "json":
        from .tables import to_json

        click.echo(to_json(summary))


def _resumed_options(path: str, options: dict) -> dict:
    """Load the model to resume; the options not given on the command line become the model's."""
    from click.core import ParameterSource

    from ..io.artifact import load
    from ..io.like import resume_options

    saved = load(path)
    ctx = click.get_current_context()
    given = {k for k in options if ctx.get_parameter_source(k) is not ParameterSource.DEFAULT}
    options.update(resume_options(saved, options, given))
    return saved


def _note_patience_used_up(saved: dict, patience: int, path: str, console) -> None:
    """Say so when the resumed run had stopped early and --patience does not give it more epochs."""
    wait = int((saved.get("trainer") or {}).get("wait", 0))
    if saved["history"].get("stopped") == "early" and patience and wait >= patience:
        say(f"note: '{path}' had already stopped early ({wait} epochs without a better validation loss, "
            f"--patience {patience}), so the resumed run stops at its first epoch that does not improve; "
            f"give --patience more than {wait} to train on, or train afresh without --resume",
            console)


def _train_summary(model, output) -> dict:
    from .tables import baseline_comparison

    h = model.history_
    targets = [model.columns_[i] for i in model.target_idx_]
    variants = {k: {"val_rmse": model.variant_rmse_.get(k, []), "score": float(v)}
                for k, v in model.variant_scores_.items()}
    return {"output": output, "params": model.network_.n_params, "epochs_run": h.epochs_run,
            "best_epoch": h.best_epoch, "stopped": h.stopped or "completed", "scale": model.scale_,
            "best_val_msse": h.best_msse if h.val_msse and h.val_msse[0] is not None else None,
            **baseline_comparison(targets, model.val_rmse_, model.naive_rmse_, model.snaive_rmse_),
            "season": model.season_, "variants": variants, "variants_pending": model.variants_pending_,
            "choice": with_flags(model.choice_, "note"), "scale_option": model.scale}


def _print_train_summary(console, s: dict) -> None:
    from .tables import beaten_warnings, train_summary_table

    console.print(train_summary_table(s))
    for line in beaten_warnings(s):
        say(line, console)
    say(f"saved model to {s['output']}", console)


@click.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA", type=DATA_PATH)
@window_options()
@column_options
@model_options(SWEEP_ORDER, grid=True)
@parallel_options
@threads_option("Applies with -j 1 (models trained one after another here); with -j N > 1 or "
                "--scheduler each worker uses one thread instead.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: ranked on stderr; csv/json: the ranking on stdout.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Save the best model (lowest validation RMSE) to FILE.")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress or messages on stderr (the table still shows).")
@click.pass_context
def sweep(ctx, data, fmt, output, quiet, n_jobs, scheduler, connect_timeout, worker_timeout, chunk_size,
          fail_fast, threads,
          **options):
    """Train a model for every combination of the listed values and rank them by validation RMSE.

    Options given several values (comma-separated) form the grid; every combination trains
    with the same seed through the same parallel path as 'train --id-col' (-j, --scheduler).
    The ranking shows each swept option's value and each model's validation RMSE (data units,
    mean over targets) beside naive's and seasonal naive's, with the skill against the better;
    narrow terminals drop the least needed columns. Exit 0 when every model trained, 3 when
    some failed, 1 when none did.

    \b
    rnncli sweep sample_data/airline.csv --past 12 --future 6 \\
        --hidden 50,150,500 --lr 0.001,0.01
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --cell lstm,rnn \\
        -j 2 -o best.joblib
    rnncli sweep sample_data/airline.csv --past 12 --future 6 --hidden 16,32 \\
        --format csv > ranking.csv
    """
    from .many import sweep_models

    parallel = parallel_kwargs(ctx, n_jobs, scheduler, connect_timeout, worker_timeout, chunk_size, fail_fast,
                               threads)
    ctx.exit(sweep_models(data, fmt=fmt, output=output, quiet=quiet, parallel=parallel, options=options))
