"""Issue 14: a diff model needs --past + 1 rows of history; info shows it and --all-windows says so."""

import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"


@pytest.fixture(scope="module")
def diff_model(run, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "diff.joblib"
    result = run("train", AIRLINE, "--past", 6, "--future", 2, "--hidden", 4, "--epochs", 1,
                    "--scale", "diff", "-o", path, "--quiet")
    assert result.exit_code == 0, result.stderr
    return path


def detail(stdout: str, name: str) -> str:
    line = next(line for line in stdout.splitlines() if f"│ {name} " in line)
    return line.split("│")[2].strip()


def test_info_shows_the_extra_row_a_diff_model_needs(run, diff_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    result = run("info", diff_model)
    assert detail(result.stderr, "history needed") == "7 rows (--past 6 + 1: diff models differences)"
    assert json.loads(run("info", diff_model, "--format", "json").stdout)["history_needed"] == 7


def test_info_shows_past_rows_for_other_scalings(run, airline_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    result = run("info", airline_model)
    assert detail(result.stderr, "history needed") == "6 rows"
    assert json.loads(run("info", airline_model, "--format", "json").stdout)["history_needed"] == 6


def test_all_windows_says_which_origin_a_diff_model_could_not_form(run, diff_model):
    result = run("predict", diff_model, AIRLINE, "--all-windows", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: a diff model needs 7 rows of history (--past 6 + 1), so the first origin with 6 rows, "
        "1949-06-01, could not be formed"]
    assert result.stdout.splitlines()[1].startswith("1949-07-01,1,1949-08-01,")


def test_all_windows_of_a_model_needing_past_rows_says_nothing(run, airline_model):
    result = run("predict", airline_model, AIRLINE, "--all-windows", "--format", "csv")
    assert result.stderr == ""
    assert result.stdout.splitlines()[1].startswith("1949-06-01,1,1949-07-01,")
