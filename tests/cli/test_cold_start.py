"""What a command imports (issue 12's cold start): each command only what it needs. Times are the
benchmark's (`bench/cold_start.py`); these tests pin down which heavy packages stay out."""

import subprocess
import sys
from pathlib import Path

import pytest

from rnncli.io.artifact import load, save

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
HEAVY = ("numpy", "pandas", "rich", "joblib", "matplotlib", "dask", "distributed", "threadpoolctl")
COMMAND_MODULES = ("rnncli.cli.training", "rnncli.cli.windowing", "rnncli.cli.describing", "rnncli.cli.many",
                   "rnncli.cli.completion", "rnncli.cli.progress", "rnncli.cli.plot")

SCRIPT = """
import sys
from rnncli.cli import main
sys.argv = ["rnncli", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
print(" ".join(sorted(name for name in sys.modules if name in {names!r})), file=sys.stderr)
"""


def imported(*args) -> set:
    names = set(HEAVY) | set(COMMAND_MODULES)
    err = subprocess.run([sys.executable, "-c", SCRIPT.format(names=names), *map(str, args)],
                         capture_output=True, text=True, check=True).stderr
    return set(err.splitlines()[-1].split())


@pytest.mark.slow
def test_help_imports_nothing_heavy():
    assert imported("--help") & set(HEAVY) == set()


@pytest.mark.slow
def test_predict_imports_neither_rich_nor_other_commands_nor_joblib_for_an_uncompressed_model(
        airline_model, tmp_path):
    raw = tmp_path / "raw.joblib"
    save(load(airline_model), raw, compress=0)
    got = imported("predict", raw)
    assert {"numpy", "pandas"} <= got
    assert got & {"rich", "joblib", "matplotlib", "dask", "distributed", *COMMAND_MODULES} == set()
    got = imported("predict", raw, SAMPLES / "airline.csv")
    assert got & {"rich", "joblib", "matplotlib", "dask", *COMMAND_MODULES} == set()
