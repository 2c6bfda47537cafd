"""`rnncli predict` and `rnncli evaluate`: forecasts and scores from a model file or directory."""

import os

import click

from .inputs import about, load_model, read_for_model
from .options import (
    CONTEXT,
    DATA_PATH,
    MODEL_PATH,
    id_option,
    output_option,
    plot_option,
    positive,
    precision_option,
    refuse_ids,
    require_matplotlib,
    saved_read_options,
    threads_option,
)
from .output import check_writable, err_console, say, write_records, write_text


@click.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL", type=MODEL_PATH)
@click.argument("data", metavar="[DATA]", required=False, type=DATA_PATH)
@click.option("--interval", type=float, default=None, metavar="LEVEL",
              help="Add lower/upper bounds at this coverage (e.g. 0.9), from validation residuals.")
@click.option("--all-windows", is_flag=True,
              help="Forecast from every origin in DATA (long format: origin, step, time, targets).")
@click.option("--steps", type=int, default=None, callback=positive, metavar="N",
              help="Forecast N steps (default: the model's M). Beyond M the model's own M-step forecasts "
                   "are fed back as inputs (needs every feature to be a target); --interval then widens "
                   "from recursive validation residuals, and beyond their reach like sqrt(step).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="csv: a header and one row per step; json: an array of objects.")
@plot_option("Draw the history, the forecast and its interval band (with --interval).")
@precision_option("the model's (7 for a float32 network, 17 for float64)")
@id_option
@output_option
@saved_read_options
@threads_option("")
@click.pass_context
def predict(ctx, model_path, data, interval, all_windows, steps, fmt, plot, precision, output, delimiter,
            encoding, ids, threads):
    """Forecast the M steps after the training data, or after the end of DATA ('-' = stdin).

    --steps N forecasts N steps instead; further than M, recursively (see the README: "Further
    than the horizon").

    MODEL may be a model directory ('train --id-col'): every series is forecast (or those
    chosen with --id) as long-format rows, the id column first; DATA is then a long CSV with
    that id column, and each series is forecast after the end of its own rows. Series with no
    model (failed in training) are skipped with a note; exit 3 when a chosen series could not
    be forecast from DATA (the others are written), 1 when none could.

    \b
    rnncli predict airline.joblib
    rnncli predict airline.joblib --interval 0.9 --format json
    rnncli predict airline.joblib --interval 0.9 --plot forecast.png --precision 4
    rnncli predict airline.joblib --steps 24 --interval 0.9
    cat new.csv | rnncli predict airline.joblib - | tail -n +2
    rnncli predict airline.joblib sample_data/airline.csv --all-windows \\
        > backtest.csv
    rnncli predict models/ --id store-1 --id store-7
    rnncli predict models/ new_long.csv > forecasts.csv
    """
    from .tables import backtest_records, forecast_records, format_time, model_digits, rounded

    if all_windows and data is None:
        raise click.UsageError("--all-windows needs DATA to forecast from")
    if all_windows and interval is not None:
        raise click.UsageError("--interval applies to a forecast, not to --all-windows; drop one of them")
    if plot is not None and all_windows:
        raise click.UsageError("--plot draws one forecast, not --all-windows "
                               "(evaluate --plot draws a backtest)")
    if all_windows and steps is not None:
        raise click.UsageError("--steps applies to a forecast, not to --all-windows; drop one of them")
    _check_outputs(output, plot, model_path=model_path, data=data)
    if os.path.isdir(model_path):
        if plot is not None:
            raise click.UsageError("--plot draws one model: pass one series' file (DIR/series/<name>.joblib)")
        if steps is not None:
            raise click.UsageError("--steps forecasts from one model: pass one series' file "
                                   "(DIR/series/<name>.joblib)")
        from .many import predict_series

        ctx.exit(predict_series(model_path, data, ids, interval=interval, all_windows=all_windows, fmt=fmt,
                                output=output, delimiter=delimiter, encoding=encoding, digits=precision,
                                threads=threads))
    refuse_ids(ids)
    if plot is not None:
        require_matplotlib()
    # a forecast after the training data writes the time labels the file holds: no pandas (timelabels)
    labelled = data is None and plot is None
    d, model = load_model(model_path, calendar=not labelled)
    time = d.get("time") or {}
    time_name = time.get("col") or "step"
    series = read_for_model(d, data, delimiter, encoding) if data is not None else None
    if all_windows:
        from ..io.csv import future_times

        with about(series):
            origins, y_hat = model.backtest(series, threads=threads)
        times = series.time
        extra = future_times(series, model.future) if times is not None else None
        targets = [model.columns_[i] for i in model.target_idx_]
        records = backtest_records(origins, y_hat, targets, times, extra, series.time_style)
        if model.lookback_ > model.past and len(series.values) >= model.past:
            first = model.past - 1
            name = format_time(times[first], series.time_style) if times is not None else f"row {first}"
            say(f"note: a diff model needs {model.lookback_} rows of history (--past {model.past} + 1), so "
                f"the first origin with {model.past} rows, {name}, could not be formed")
    else:
        with about(series):
            fc = model.predict(series, interval=interval, steps=steps, threads=threads)
        n = len(fc.values)
        if series is not None:
            from ..io.csv import future_times

            times, style = future_times(series, n), series.time_style
        else:
            from ..io.timelabels import stored

            times, style = stored(d, n) if labelled else None, None
            if times is None:
                from ..io.artifact import check_calendar
                from ..io.like import future_times_after

                check_calendar(d, model_path)  # (load left it out for a file with labels)
                times, style = future_times_after(model, n), time.get("style")
        records = forecast_records(fc, times, time_name, style)
        if fc.reach is not None and fc.reach < n:
            say(f"note: the validation residuals reach {fc.reach} steps; the interval beyond step {fc.reach} "
                "is extrapolated (half-width x sqrt(step / reach))")
    write_records(rounded(records, precision or model_digits(model)), output, fmt)
    if plot is not None:
        from .plot import forecast_figure, save_figure

        if series is not None:
            history = series.values[:, [series.columns.index(t) for t in fc.targets]]
            history_times = series.time
        else:
            from ..io.like import times_through_end

            history = model.tail_[:, model.target_idx_]
            history_times = times_through_end(model, len(history))
        save_figure(forecast_figure(history, history_times, fc, times, time.get("col")), plot)
        say(f"wrote plot to {plot}")


@click.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL", type=MODEL_PATH)
@click.argument("data", metavar="DATA", type=DATA_PATH)
@click.option("--season", type=int, default=None, callback=positive, metavar="N",
              help="Season of the seasonal-naive baseline. Default: from the frequency "
                   "(12 monthly, 4 quarterly, 7 daily, 24 hourly; else 1).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: rich tables on stderr; csv/json: scores on stdout.")
@precision_option("the model's (7 for a float32 network, 17 for float64)")
@plot_option("Draw the backtest: every origin's forecast, and each horizon step's forecasts of the model, "
             "naive and seasonal naive against the actual values, with their RMSE.")
@id_option
@output_option
@saved_read_options
@threads_option("")
@click.pass_context
def evaluate(ctx, model_path, data, season, fmt, precision, plot, output, delimiter, encoding, ids, threads):
    """Score the model on every window of DATA against naive and seasonal-naive forecasts.

    MSE, RMSE, MAE, sMAPE and MASE per target, overall and per horizon step, and the skill
    against the naive forecast (1 - RMSE / RMSE_naive). A warning says when windows of DATA
    are windows the model was trained on (their scores are in-sample).

    MODEL may be a model directory and DATA a long CSV with its id column: each series (or
    those chosen with --id) is scored on its own rows, one row per series, target and method
    in csv/json (a 'series' column; steps pooled), then rows with series "ALL": the mean over
    the series of each score, windows summed, and skill = 1 - mean RMSE / mean naive RMSE.
    Exit 3 when some series could not be scored (each is named on stderr), 1 when none could.

    \b
    rnncli evaluate airline.joblib sample_data/airline.csv
    rnncli evaluate airline.joblib sample_data/airline.csv --format csv \\
        > scores.csv
    rnncli evaluate airline.joblib sample_data/airline_test.csv --plot eval.svg
    rnncli evaluate models/ long.csv --format csv > scores.csv
    """
    from ..model.baselines import default_season
    from .tables import evaluation_records, evaluation_table, horizon_table, model_digits, rounded, to_json

    if fmt == "table" and output != "-":
        raise click.UsageError("--output writes scores as csv or json: add --format csv or --format json")
    _check_outputs(output, plot, model_path=model_path, data=data)
    if os.path.isdir(model_path):
        if plot is not None:
            raise click.UsageError("--plot draws one model: pass one series' file (DIR/series/<name>.joblib)")
        from .many import evaluate_series

        ctx.exit(evaluate_series(model_path, data, ids, season=season, fmt=fmt, output=output,
                                 delimiter=delimiter, encoding=encoding, digits=precision, threads=threads))
    refuse_ids(ids)
    if plot is not None:
        require_matplotlib()
    d, model = load_model(model_path)
    series = read_for_model(d, data, delimiter, encoding)
    rule = "given"
    if season is None:
        freq = series.freq or (d.get("time") or {}).get("freq")
        season = default_season(freq)
        rule = f"from frequency {freq}" if freq else "no frequency"
    with about(series):
        ev = model.evaluate(series, season=season, threads=threads)
    ev["season_rule"] = rule
    digits = precision or model_digits(model)
    overlap = ev["overlap"]
    if overlap["shared"]:
        about_ = "about " if overlap["sampled"] else ""
        say(f"warning: {about_}{overlap['shared']} of the {overlap['checked']} windows of DATA "
            f"({overlap['rows']} rows each) are windows the model was trained or validated on: "
            "their scores are "
            "in-sample; evaluate on data after the training data")
    if fmt == "table":
        console = err_console()
        console.print(evaluation_table(ev, width=console.width))
        console.print(horizon_table(ev, width=console.width))
    elif fmt == "json":
        payload = {"windows": ev["windows"], "season": ev["season"], "skipped": ev["skipped"],
                   "scores": rounded(evaluation_records(ev), digits)}
        write_text(output, lambda s: s.write(to_json(payload) + "\n"))
    else:
        write_records(rounded(evaluation_records(ev), digits), output, "csv")
    if plot is not None:
        from .plot import evaluation_figure, save_figure

        save_figure(evaluation_figure(ev, series.time, model.future, series.time_col), plot)
        say(f"wrote plot to {plot}")


def _check_outputs(*outputs, model_path, data) -> None:
    """Refuse, before any work, an output that cannot be written or is one of the inputs."""
    for output in outputs:
        if output is not None and output != "-":
            check_writable(output, inputs={"MODEL": model_path, "DATA": data})
