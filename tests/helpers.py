"""Helpers shared by the test modules (imported by name: pytest puts tests/ on sys.path)."""

import contextlib
import math
import re

import numpy as np
import pytest

from rnncli.errors import cli_text


def assert_same(got, want) -> None:
    """Equal values of the same types, all the way down; arrays equal in dtype, shape and values."""
    assert type(got) is type(want), (got, want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert_same(got[key], want[key])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    elif isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want, strict=True)
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want


def said(message) -> str:
    """What the command line says of a library error or message: the arguments it names shown as their
    flags (`errors.cli_text`), as the CLI prints it."""
    text = cli_text(str(message))
    assert "`" not in text, f"an argument that errors.FLAGS lacks would reach the command line: {text}"
    return text


@contextlib.contextmanager
def raises_said(kind, match: str):
    """`pytest.raises(kind, match=...)`, matched against what the command line says of the error."""
    with pytest.raises(kind) as info:
        yield info
    assert re.search(match, said(info.value)), said(info.value)
