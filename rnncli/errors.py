"""The errors rnncli raises. The CLI turns each into one line on stderr and an exit code.

A message names the argument of the function that was called, in backticks, with its value where
one helps: "`past` must be an integer >= 1, got 0", "lower `past`", "fill them with
`fill='ffill'|'interpolate'`". The command line says the same with its flags: `cli_text` maps each
argument to its option in `FLAGS` ("--past must be ...", "--fill ffill|interpolate"); a placeholder
stays as it is (`freq=ALIAS` -> --freq ALIAS). `str(error)` is the text a Python user reads. It is
plain data, so it survives being composed into another message, pickled back from a worker process,
or stored in a model file or a model directory's manifest; the CLI maps it wherever it prints, and
`shortened` cuts a long one where its command-line text is cut.
"""

import ast
import re


class RnncliError(Exception):
    """Base class: a problem the user can fix; the message says what and how."""

    exit_code = 1


class DataError(RnncliError):
    """The data cannot be used as given (too short, missing values, unknown column...)."""


class CalendarGapError(DataError):
    """Timestamps are missing from the data's calendar. `fact` says which (the file, how many, the
    first one and the line after which it is missing), without the advice, which depends on who
    reads the data: a file read for training can be filled (`fill=`), DATA read for a model is read
    as the model's data was. `dst`: the gap is the hour a DST change skips in naive local times."""

    def __init__(self, message: str, fact: str, dst: bool = False):
        super().__init__(message)
        self.fact, self.dst = fact, dst


class ConfigError(RnncliError):
    """An option value is invalid (a usage error: exit code 2)."""

    exit_code = 2


class TrainingError(RnncliError):
    """Training could not produce a usable model."""


class NonFiniteLossError(TrainingError):
    """The loss or a gradient became NaN or infinite; the best weights so far are kept."""

    def __init__(self, message: str, epoch: int):
        super().__init__(message)
        self.epoch = epoch


class ClusterError(RnncliError):
    """A Dask scheduler cannot be used: missing extra, bad address, unreachable, no workers, no rnncli."""


class ArtifactError(RnncliError):
    """A model file is corrupt, truncated, of an unknown version, or not an rnncli model."""


class UnsafeArtifactError(ArtifactError):
    """A model file asks for something the restricted loader refuses to construct."""


# The command-line option of each argument a library message may name (`cli_text`): every option of the
# CLI that has a library argument, under the argument's name there.
FLAGS = {
    # Forecaster(...): rnncli train, sweep
    "past": "--past", "future": "--future", "cell": "--cell", "hidden": "--hidden", "layers": "--layers",
    "epochs": "--epochs", "batch_size": "--batch-size", "lr": "--lr", "optimizer": "--optimizer",
    "clip": "--clip", "val_frac": "--val-frac", "patience": "--patience", "scale": "--scale",
    "seed": "--seed", "dtype": "--dtype", "season": "--season", "max_steps": "--max-steps",
    "min_steps": "--min-steps", "threads": "--threads",
    # Forecaster.predict / evaluate: rnncli predict, evaluate
    "interval": "--interval", "steps": "--steps",
    # read_csv, read_long_csv, read_like: how DATA is read
    "delimiter": "--delimiter", "encoding": "--encoding", "time_col": "--time-col", "targets": "--target",
    "features": "--features", "fill": "--fill", "resample": "--resample", "smooth": "--smooth",
    "freq": "--freq", "time_format": "--time-format", "tz": "--tz", "no_header": "--no-header",
    "decimal": "--decimal", "thousands": "--thousands", "id_col": "--id-col",
    # modeldir.load_series: --id of predict, evaluate, info on a model directory
    "series_id": "--id",
    # train_many, sweep: where many models train
    "n_jobs": "-j/--n-jobs", "scheduler": "--scheduler", "connect_timeout": "--connect-timeout",
    "worker_timeout": "--worker-timeout", "chunk_size": "--chunk-size", "fail_fast": "--fail-fast",
}

# `name` or `name=value`: an argument named in a message (a value holds no backtick)
_ARGUMENT = re.compile(r"`([a-z_]+)(?:=([^`]*))?`")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def cli_text(message: str, flags: dict | None = None) -> str:
    """`message` as the command line says it: each argument in backticks becomes its flag (`FLAGS`).

    `past` -> --past; `past=12` -> --past 12; a quoted value loses its quotes, each of alternatives
    too (`fill='ffill'|'zero'` -> --fill ffill|zero); a switch given as True is the flag alone
    (`no_header=True` -> --no-header). A name that is not in FLAGS, and text without backticks
    (an older model's stored message, which already names flags), are left as they are, so mapping
    twice changes nothing. `flags`: another {argument: flag} than FLAGS.
    """
    flags = FLAGS if flags is None else flags

    def flag(m: re.Match) -> str:
        name, value = m.groups()
        if name not in flags:
            return m.group(0)
        if value is None or value == "True":
            return flags[name]
        return f"{flags[name]} {_QUOTED.sub(lambda q: _unquoted(q.group(0)), value)}"

    return _ARGUMENT.sub(flag, message)


def shortened(message: str, limit: int) -> str:
    """`message` cut where the command line's text of it (`cli_text`) reaches `limit` characters, "..."
    ending it, so a cut message reads on the command line as the flag text cut there; a flag the cut
    falls in is kept as the command line shows it ("--fill ffill|inter..."). Uncut when it fits."""
    if len(cli_text(message)) <= limit:
        return message
    pieces, at = [], 0  # (the text as written, as the command line shows it)
    for m in _ARGUMENT.finditer(message):
        pieces += [(message[at : m.start()],) * 2, (m.group(0), cli_text(m.group(0)))]
        at = m.end()
    pieces.append((message[at:],) * 2)
    kept, room = "", limit - 3
    for written, shown in pieces:
        if len(shown) > room:
            return kept + shown[:room] + "..."
        kept, room = kept + written, room - len(shown)
    return message


def _unquoted(literal: str) -> str:
    """The text of a quoted Python string literal ('drop' -> drop)."""
    try:
        return ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal[1:-1]


def install_hint(extra: str) -> str:
    """The command that installs the optional `extra` (plot, dask, parquet, excel) into this rnncli.

    From a source checkout (an editable install: the package sits beside a pyproject.toml) it is
    `pip install -e '<checkout>[extra]'` ('.' when run from the checkout itself); else
    `pip install 'rnncli[extra]'`.
    """
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "pyproject.toml")):
        return f"pip install 'rnncli[{extra}]'"
    where = "." if os.path.abspath(os.getcwd()) == root else root
    return f"pip install -e '{where}[{extra}]'"
