"""The rnncli command line: thin commands over the Python API.

Each command parses options, makes one library call, and formats the result: data (CSV,
JSON) on stdout, tables and progress on stderr. Library errors become one `Error:` line and
an exit code (1 bad data or runtime, 2 usage) at a single boundary, `Group.invoke`. The library's
messages name its arguments (`past`); what the CLI prints of them names the flags (--past,
`errors.cli_text`): errors, notes, per-series errors, the reason for a scaling, audit reasons.
Heavy libraries are imported inside the commands so `--help` stays fast.

Many series (`train --id-col`, `sweep`, and `predict`/`evaluate`/`info` on a model directory)
are declared in the command modules and carried out in `many.py`; their exit code is 0 when every
series worked, 3 when some failed, 1 when none did.

This package is the only place click and rich appear: `options` (shared option bundles),
`output` (writing results), `inputs` (reading DATA and models), one module per command family
(`windowing`, `training`, `forecasting`, `describing`, `many`), `progress`, `tables`, `plot`.
"""

import importlib
import os
from collections.abc import Mapping

import click

from .. import __version__
from ..errors import RnncliError
from .options import CONTEXT
from .output import CliError

# Each command and the module that defines it, in the order the help lists them. A command's module
# is imported when the command runs or a help lists it (`LazyCommands`), so `rnncli predict` does not
# import training's or info's modules; the heavy libraries are imported inside the commands.
COMMANDS = {"window": ".windowing", "train": ".training", "sweep": ".training", "predict": ".forecasting",
            "evaluate": ".forecasting", "info": ".describing", "completion": ".completion"}


class LazyCommands(Mapping):
    """The group's {name: click.Command}, each imported from its module (`COMMANDS`) on first access."""

    def __init__(self, where: dict):
        self._where = where

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._where:
            raise KeyError(name)
        return getattr(importlib.import_module(self._where[name], __name__), name)

    def __iter__(self):
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class Group(click.Group):
    """The error boundary: library errors and surprises become one line unless --debug is on."""

    def invoke(self, ctx):
        from ..io.records import stdin_read_once

        try:
            with stdin_read_once():  # DATA "-" is read once per command, however often it is looked at
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise
        except RnncliError as e:
            if _debug(ctx):
                raise
            raise CliError(str(e), e.exit_code) from None  # naming flags where it names arguments
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
    rnncli sweep sample_data/airline.csv --past 12 --future 6 \\
        --hidden 50,150 --lr 0.001,0.01
    """
    ctx.obj = {"debug": debug}


cli.commands = LazyCommands(COMMANDS)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="rnncli")
