"""Random and malformed CSV bytes never produce a traceback from any command.

Each example is fed on stdin ('-') to `window`, `train` (a tiny model) and `predict` with a
trained model; the command must exit 0, 1 or 2 through click (never an unhandled exception),
and a failure must be exactly one `Error:` line on stderr with nothing on stdout.
"""

import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnncli.cli import cli

TINY = ["--hidden", "2", "--epochs", "1", "--scale", "minmax", "--past", "2", "--future", "1", "-q"]

cell = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NA", "nan", "inf", "-inf", "1e999", "abc", "2020-01-01", "1949-01", "12a", '"x,y"',
                     "\ufeff", "\x00", ";", "1;2", "   ", "0x1F"]),
    st.text(string.printable, max_size=6),
)
row = st.lists(cell, min_size=0, max_size=5).map(",".join)
header = st.lists(st.sampled_from(["date", "value", "x", "", "y", "date"]), min_size=1, max_size=4)
csv_text = st.tuples(header
                     .map(",".join), st.lists(row, max_size=12)).map(lambda hr: "\n".join([hr[0], *hr[1]]))


@st.composite
def rectangular_csv(draw):
    """A header of unique names and rows of exactly as many cells: gets past the parser's shape checks."""
    names = draw(st.lists(st.sampled_from(["date", "value", "x", "y", "month"]), min_size=1, max_size=3,
                          unique=True))
    numbers = st.one_of(st.integers(-1000, 1000).map(str), st.floats(-1e6, 1e6).map(repr))
    rows = draw(st.lists(st.lists(st.one_of(numbers, numbers, cell), min_size=len(names),
                                  max_size=len(names)).map(",".join), max_size=40))
    return "\n".join([",".join(names), *rows])


payload = st.one_of(st.binary(max_size=200), csv_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
                    csv_text.map(lambda s: s.encode("latin-1", "replace")),
                    rectangular_csv().map(lambda s: s.encode("utf-8", "surrogatepass")))


def run(args, data: bytes):
    result = CliRunner().invoke(cli, args, input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} raised {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.stderr
    if result.exit_code:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.stderr
        assert result.stdout == ""
    return result


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "m.joblib"
    data = "value\n" + "".join(f"{(i * 7) % 11}\n" for i in range(40))
    result = CliRunner().invoke(cli, ["train", "-", *TINY, "-o", str(path)], input=data)
    assert result.exit_code == 0, result.stderr
    return str(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=payload)
def test_window_never_raises(data):
    run(["window", "-", "--past", "2", "--future", "1"], data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=payload)
def test_train_never_raises(data, tmp_path):
    run(["train", "-", *TINY, "-o", str(tmp_path / "fuzz.joblib")], data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=payload)
def test_predict_never_raises(data, model_path):
    run(["predict", model_path, "-"], data)
