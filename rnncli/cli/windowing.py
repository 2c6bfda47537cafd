"""`rnncli window`: the supervised framing of DATA."""

import click

from .inputs import about, read_data, tell_notes
from .options import CONTEXT, DATA_PATH, column_options, precision_option, window_options
from .output import check_writable, say, write_records


@click.command(context_settings=CONTEXT)
@click.argument("data", metavar="DATA", type=DATA_PATH)
@window_options()
@column_options
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="'-' for CSV on stdout, or FILE.npz for arrays X (S, N, features), Y (S, M, targets).")
@precision_option("the data's values exactly (CSV only)")
def window(data, past, future, output, precision, **read):
    """The supervised framing of DATA: one row per window, N past steps -> M future steps.

    Columns: the time of the first forecast step (when DATA has a time column), then
    <feature>_t-(N-1) ... <feature>_t0, then <target>_t+1 ... <target>_t+M. Raw values.

    \b
    rnncli window sample_data/airline.csv --past 5 --future 3 | head -3
    rnncli window sample_data/seattle_weather.csv --target temp_max \\
        --features precipitation --features temp_max --features temp_min \\
        --features wind --past 7 --future 1 -o weather.npz
    """
    from ..model.windows import make_windows, window_starts

    if output != "-":
        check_writable(output, inputs={"DATA": data})
    series = read_data(data, **read)
    tell_notes(series)
    fidx = [series.columns.index(c) for c in series.features]
    tidx = [series.columns.index(c) for c in series.targets]
    with about(series):
        X, Y = make_windows(series.values, past, future, fidx, tidx)
    starts = window_starts(len(series.values), past, future, series.breaks)  # none across dropped rows
    X, Y = X[starts], Y[starts]
    if output.endswith(".npz"):
        import numpy as np

        from ..io.files import atomic_write

        atomic_write(output, lambda f: np.savez(f, X=X, Y=Y, features=np.array(series.features),
                                                targets=np.array(series.targets)))
        say(f"wrote X {X.shape} and Y {Y.shape} to {output}")
        return
    from .tables import rounded

    write_records(rounded(_window_records(series, X, Y, past, future, starts), precision), output, "csv")


def _window_records(series, X, Y, past, future, starts) -> list[dict]:
    from .tables import format_time

    lags = [f"t-{k}" for k in range(past - 1, 0, -1)] + ["t0"]
    records = []
    for s in range(len(X)):
        row = {}
        if series.time is not None:
            row[series.time_col] = format_time(series.time[starts[s] + past], series.time_style)
        for j, name in enumerate(series.features):
            row.update({f"{name}_{lag}": float(X[s, i, j]) for i, lag in enumerate(lags)})
        for k, name in enumerate(series.targets):
            row.update({f"{name}_t+{h + 1}": float(Y[s, h, k]) for h in range(future)})
        records.append(row)
    return records
