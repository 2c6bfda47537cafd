"""Reading what commands are given: DATA (as the model's training data was read) and model files."""

import contextlib

# How DATA is read: the options of `train` that the model keeps (its provenance's "read").
READ_KEYS = ("delimiter", "encoding", "time_col", "fill", "resample", "smooth", "freq", "time_format", "tz",
             "no_header", "decimal", "thousands")


def read_data(data, *, delimiter, encoding, time_col, targets=(), features=(), fill="error", resample=None,
              smooth=None, freq=None, time_format=None, tz=None, no_header=False, decimal=".",
              thousands=None):
    from ..io.csv import read_csv

    return read_csv(data, delimiter=delimiter, encoding=encoding,
                    time_col=None if time_col in (None, "none") else time_col, targets=targets,
                    features=features, fill=fill, resample=resample, smooth=smooth, freq=freq,
                    time_format=time_format, tz=tz, no_header=no_header, decimal=decimal,
                    thousands=thousands)


def load_model(path: str, *, calendar: bool = True):
    """(the checked dict, the Forecaster) of a model file; calendar=False: see `artifact.load`."""
    from ..io.artifact import load
    from ..model.forecaster import Forecaster

    d = load(path, calendar=calendar)
    return d, Forecaster.from_dict(d)


def read_for_model(d: dict, data: str, delimiter, encoding):
    """Read DATA the way the model's training data was read; a --delimiter or --encoding given wins."""
    from ..io.like import read_like

    series = read_like(d, data, delimiter=delimiter, encoding=encoding)
    tell_notes(series)
    return series


def tell_notes(series) -> None:
    """What reading DATA left out (a saved pandas index column), one line each on stderr."""
    import click

    from ..errors import cli_text

    for note in getattr(series, "notes", None) or []:
        click.echo(cli_text(note), err=True)


@contextlib.contextmanager
def about(series):
    """Name DATA's file in the library's data errors ("data has 4 rows..." -> "x.csv: data has...")."""
    from ..errors import DataError

    try:
        yield
    except DataError as e:
        if series is None:
            raise
        raise DataError(f"{series.source}: {e}") from e
