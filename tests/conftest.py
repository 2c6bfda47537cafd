"""Shared CLI test helpers: run a command in-process, check an error, and tiny trained models.

The models are trained once per session (a tiny LSTM, a few epochs) and reused by every CLI test
that only reads a model file; tests about training options train their own.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rnncli.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
TINY = ("--hidden", "6", "--epochs", "5", "--scale", "minmax")


def invoke(*args, input=None) -> Result:
    """`rnncli ARGS` in-process; stdout and stderr are kept apart (click >= 8.2). stderr never holds a
    backtick: a library message naming an argument in backticks that `errors.FLAGS` lacks would leak it
    (`errors.cli_text` leaves such a name as it is), so every command a test runs checks for one."""
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="rnncli")
    assert "`" not in result.stderr, f"a library argument name leaked to the command line: {result.stderr}"
    return result


def one_error(result: Result, exit_code: int, *, usage: bool = False) -> str:
    """The single `Error:` line of a failed command, after checking everything else about the failure.

    Exit code as given, nothing on stdout, no exception escaped (so no traceback), and stderr holds
    exactly one `Error:` line; with usage=True (a click parse error) click's own `Usage:` and `Try`
    lines may precede it, otherwise nothing else may be on stderr.
    """
    assert result.exit_code == exit_code, result.stderr
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    others = [line for line in lines if not line.startswith("Error:")]
    if usage:
        assert all(line.startswith(("Usage:", "Try ")) for line in others), result.stderr
    else:
        assert others == [], result.stderr
    return errors[0]


@pytest.fixture(scope="session")
def run():
    return invoke


@pytest.fixture(scope="session")
def error_line():
    return one_error


def _train(tmp_path_factory, name: str, *args) -> Path:
    path = tmp_path_factory.mktemp("models") / name
    result = invoke("train", *args, "-o", path, "--quiet")
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def airline_model(tmp_path_factory) -> Path:
    """airline.csv, --past 6 --future 3, a tiny LSTM."""
    return _train(tmp_path_factory, "airline.joblib", SAMPLES / "airline.csv", "--past", 6, "--future", 3,
                  *TINY)


@pytest.fixture(scope="session")
def sunspots_model(tmp_path_factory) -> Path:
    """sunspots.csv (yearly, integer years), --past 5 --future 3."""
    return _train(tmp_path_factory, "sunspots.joblib", SAMPLES / "sunspots.csv", "--past", 5, "--future", 3,
                  *TINY)


@pytest.fixture(scope="session")
def seattle_model(tmp_path_factory) -> Path:
    """seattle_weather.csv (daily): temp_max from four numeric columns, --past 5 --future 3."""
    return _train(tmp_path_factory, "seattle.joblib", SAMPLES / "seattle_weather.csv", "--target", "temp_max",
                  "--features", "precipitation", "--features", "temp_max", "--features", "temp_min",
                  "--features", "wind", "--past", 5, "--future", 3, *TINY)
