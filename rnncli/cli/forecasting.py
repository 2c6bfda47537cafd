"""`rnncli predict` and `rnncli evaluate`: forecasts and scores from a model file or directory."""

import os

import click

from .inputs import about, load_model, read_for_model
from .options import CONTEXT, id_option, output_option, positive, read_options, refuse_ids
from .output import CliError, err_console, say, write_records, write_text


@click.command(context_settings=CONTEXT)
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
    from ..io.csv import future_times
    from .tables import backtest_records, forecast_records

    if all_windows and data is None:
        raise click.UsageError("--all-windows needs DATA to forecast from")
    if all_windows and interval is not None:
        raise click.UsageError("--interval applies to a forecast, not to --all-windows; drop one of them")
    _check_outputs(output, model_path=model_path, data=data)
    if os.path.isdir(model_path):
        from .many import predict_series

        ctx.exit(predict_series(model_path, data, ids, interval=interval, all_windows=all_windows, fmt=fmt,
                                output=output, delimiter=delimiter, encoding=encoding))
    refuse_ids(ids)
    d, model = load_model(model_path)
    time = d.get("time") or {}
    time_name = time.get("col") or "step"
    series = read_for_model(d, data, delimiter, encoding) if data is not None else None
    if all_windows:
        with about(series):
            origins, y_hat = model.backtest(series)
        times = series.time
        extra = future_times(series, model.future) if times is not None else None
        targets = [model.columns_[i] for i in model.target_idx_]
        records = backtest_records(origins, y_hat, targets, times, extra)
    else:
        with about(series):
            fc = model.predict(series, interval=interval)
        if series is not None:
            times = future_times(series, model.future)
        else:
            from ..io.like import future_times_after

            times = future_times_after(model, model.future)
        records = forecast_records(fc, times, time_name)
    write_records(records, output, fmt)


@click.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL")
@click.argument("data", metavar="DATA")
@click.option("--season", type=int, default=None, callback=positive, metavar="N",
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
    from ..model.baselines import default_season
    from .tables import evaluation_records, evaluation_table, horizon_table, to_json

    if fmt == "table" and output != "-":
        raise click.UsageError("--output writes scores as csv or json: add --format csv or --format json")
    _check_outputs(output, plot, model_path=model_path, data=data)
    if os.path.isdir(model_path):
        if plot is not None:
            raise click.UsageError("--plot draws one model: pass one series' file (DIR/series/<name>.joblib)")
        from .many import evaluate_series

        ctx.exit(evaluate_series(model_path, data, ids, season=season, fmt=fmt, output=output,
                                 delimiter=delimiter, encoding=encoding))
    refuse_ids(ids)
    if plot is not None:
        _require_matplotlib()
    d, model = load_model(model_path)
    series = read_for_model(d, data, delimiter, encoding)
    if season is None:
        season = default_season(series.freq or (d.get("time") or {}).get("freq"))
    with about(series):
        ev = model.evaluate(series, season=season)
    if fmt == "table":
        console = err_console()
        console.print(evaluation_table(ev))
        console.print(horizon_table(ev))
    elif fmt == "json":
        payload = {"windows": ev["windows"], "season": ev["season"], "scores": evaluation_records(ev)}
        write_text(output, lambda s: s.write(to_json(payload) + "\n"))
    else:
        write_records(evaluation_records(ev), output, "csv")
    if plot is not None:
        from .plot import plot_evaluation

        plot_evaluation(ev, series, plot)
        say(f"wrote plot to {plot}")


def _check_outputs(*outputs, model_path, data) -> None:
    """Refuse, before any work, an output that cannot be written or is one of the inputs."""
    from ..io.files import check_output

    for output in outputs:
        if output is not None and output != "-":
            check_output(output, inputs={"MODEL": model_path, "DATA": data})


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("--plot needs matplotlib: pip install 'rnncli[plot]'") from None
