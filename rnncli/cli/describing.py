"""`rnncli info`: a model file's or model directory's summary, or an audit of a file."""

import os
import sys

import click

from ..errors import cli_text
from .inputs import load_model
from .options import CONTEXT, MODEL_PATH, plot_option, require_matplotlib
from .output import check_writable, err_console, say


@click.command(context_settings=CONTEXT)
@click.argument("model_path", metavar="MODEL", type=MODEL_PATH)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: rich tables on stderr; json: on stdout.")
@click.option("--audit", is_flag=True,
              help="Report the loader's checks: globals asked for, array headers, verdict.")
@plot_option("Draw the learning curve: train and validation MSSE per epoch, the best epoch marked.")
def info(model_path, fmt, audit, plot):
    """Summarise a model file: layers and parameters, data, scaling, training and validation.

    --audit reports what the loader's own checks found (a model file is plain data: it asks for
    no global) and why a file is refused; the exit status is 1 when the loader refuses the file.

    A model directory ('train --id-col') is summarised from its manifest: the run's options,
    data and counts, then each series' status and validation RMSE beside the naive forecast's;
    --format json prints the manifest (and the directory's path).

    \b
    rnncli info airline.joblib
    rnncli info airline.joblib --format json | jq .total_params
    rnncli info downloaded.joblib --audit
    rnncli info models/
    rnncli info airline.joblib --plot curve.png
    """
    from .summary import model_summary, summary_tables, validation_comparison
    from .tables import beaten_warnings, to_json

    if plot is not None:
        if audit or os.path.isdir(model_path):
            raise click.UsageError("--plot draws one model's learning curve: pass a model file, "
                                   "without --audit")
        require_matplotlib()
        check_writable(plot, inputs={"MODEL": model_path})
    if os.path.isdir(model_path):
        if audit:
            raise click.UsageError("--audit reads one model file: pass one series' file "
                                   "(DIR/series/<name>.joblib)")
        from .many import info_series

        info_series(model_path, fmt)
        return

    if audit:
        from ..io.artifact import audit as audit_file
        from .summary import audit_table

        result = audit_file(model_path)
        result["reasons"] = [cli_text(r) for r in result["reasons"]]
        if fmt == "json":
            click.echo(to_json(result))
        else:
            err_console().print(audit_table(result))
        if not result["safe"]:
            sys.exit(1)
        return
    d, model = load_model(model_path)
    summary = model_summary(d, model.network_.summary())
    if fmt == "json":
        click.echo(to_json(summary))
    else:
        console = err_console()
        for table in summary_tables(summary, width=console.width):
            console.print(table)
        for line in beaten_warnings(validation_comparison(summary)):
            say(line, console)
    if plot is not None:
        from .plot import learning_curve_figure, save_figure

        save_figure(learning_curve_figure(d["history"]), plot)
        say(f"wrote plot to {plot}")
